"""Why an order cannot be served, worked out from the data.

Each rule is one function returning a sentence (or ``None`` when the rule does
not bite). :func:`explain_alone` tries the order on its own with every van;
:func:`explain_crowded` covers orders that fit alone but not alongside the rest.
"""

from __future__ import annotations

from routing.domain import Order, Problem
from routing.planner import CompiledDay, to_s


def clock(seconds: float) -> str:
    """Seconds after midnight as HH:MM (beyond 24h the hour keeps counting)."""
    minutes = int(round(seconds / 60))
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _windows_text(order: Order) -> str:
    return ", ".join(f"{clock(to_s(w.start_min))}–{clock(to_s(w.end_min))}" for w in order.windows)


def order_exceeds_every_van(problem: Problem, order: Order) -> str | None:
    """An order bigger than the largest van can never be carried."""
    largest = max(v.capacity_crates for v in problem.vans)
    if order.size_crates > largest:
        return f"order of {order.size_crates} crates exceeds every van's capacity (largest van takes {largest} crates)"
    return None


def _solo_times(day: CompiledDay, o: int, k: int) -> dict[str, int]:
    """Earliest times for van ``k`` doing order ``o`` alone, starting at shift start."""
    van = day.problem.vans[k]
    nodes = [2 * k, *day.order_nodes[o], 2 * k + 1]
    t = to_s(van.shift_start_min)
    out: dict[str, int] = {"leave": t}
    prev = nodes[0]
    for i in nodes[1:]:
        arrive = t + day.drive_s(prev, i) + day.leave_extra_s(prev, i)
        kind = day.nodes[i].kind
        out[f"arrive_{kind}"] = arrive
        out[f"drive_to_{kind}"] = day.drive_s(prev, i)
        windows = day.windows_s(i)
        begin = next((max(arrive, a) for a, b in windows if arrive <= b), None)
        if begin is None:
            out[f"late_{kind}"] = 1
            begin = arrive
        out[f"begin_{kind}"] = begin
        out[f"wait_{kind}"] = begin - arrive
        t = begin + day.service_s(i)
        prev = i
    return out


def customer_window_unreachable(day: CompiledDay, o: int, vans: list[int]) -> str | None:
    """No van can reach the customer inside any of the order's windows."""
    order = day.problem.orders[o]
    if not order.windows:
        return None
    solo = {k: _solo_times(day, o, k) for k in vans}
    kind = "delivery" if order.shop_id is not None else "visit"
    if not all(f"late_{kind}" in s for s in solo.values()):
        return None
    k = min(vans, key=lambda v: solo[v][f"arrive_{kind}"])
    s = solo[k]
    drive = s[f"drive_to_{kind}"] / 60
    shop = day.problem.shops[[x.id for x in day.problem.shops].index(order.shop_id)] if order.shop_id else None
    if shop is not None and s["wait_pickup"] > 0:
        cause = f"the shop is ready at {clock(to_s(shop.ready_min))} and the drive takes {drive:.0f} min"
    elif shop is not None:
        cause = (
            f"the earliest van ({day.problem.vans[k].id}) leaves at {clock(s['leave'])}, reaches "
            f"the shop at {clock(s['arrive_pickup'])} and the drive on takes {drive:.0f} min"
        )
    else:
        cause = (
            f"the earliest van ({day.problem.vans[k].id}) leaves at {clock(s['leave'])} and the "
            f"drive takes {drive:.0f} min"
        )
    return (
        f"customer window {_windows_text(order)} cannot be reached: {cause} "
        f"(earliest arrival {clock(s[f'arrive_{kind}'])})"
    )


def shop_not_ready_within_shifts(day: CompiledDay, o: int, vans: list[int]) -> str | None:
    """The shop opens after every team has gone home."""
    order = day.problem.orders[o]
    if order.shop_id is None:
        return None
    shop = next(s for s in day.problem.shops if s.id == order.shop_id)
    last = max(day.problem.vans[k].shift_end_min for k in vans)
    if shop.ready_min >= last:
        return (
            f"shop {shop.id} is ready at {clock(to_s(shop.ready_min))}, after the last shift ends ({clock(to_s(last))})"
        )
    return None


def no_return_before_shift_end(day: CompiledDay, o: int, vans: list[int]) -> str | None:
    """Serving the order alone already brings every team back after its shift."""
    returns = {}
    for k in vans:
        s = _solo_times(day, o, k)
        if any(key.startswith("late_") and key != "late_end" for key in s):
            return None
        returns[k] = s["arrive_end"]
    if all(returns[k] > to_s(day.problem.vans[k].shift_end_min) for k in vans):
        k = min(vans, key=lambda v: returns[v] - to_s(day.problem.vans[v].shift_end_min))
        van = day.problem.vans[k]
        return (
            f"no team can serve it and be back by the end of the shift: van {van.id} would "
            f"return at {clock(returns[k])} at the earliest, its shift ends at "
            f"{clock(to_s(van.shift_end_min))}"
        )
    return None


def round_too_long(day: CompiledDay, o: int, vans: list[int]) -> str | None:
    """The order alone needs a longer round than any van may drive."""
    limits = [day.problem.vans[k].max_round_min for k in vans]
    if any(m is None for m in limits):
        return None
    needs = {}
    for k in vans:
        s = _solo_times(day, o, k)
        waits = sum(v for key, v in s.items() if key.startswith("wait_"))
        needs[k] = s["arrive_end"] - s["leave"] - waits
    if all(needs[k] > to_s(day.problem.vans[k].max_round_min or 0) for k in vans):
        k = min(vans, key=lambda v: needs[v])
        return (
            f"the round for this order alone takes {needs[k] / 60:.0f} min, longer than any "
            f"van's maximum round ({max(m for m in limits if m is not None)} min)"
        )
    return None


def explain_alone(day: CompiledDay, o: int) -> str | None:
    """Reason the order cannot be served even by an otherwise empty van, if any."""
    problem = day.problem
    order = problem.orders[o]
    reason = order_exceeds_every_van(problem, order)
    if reason:
        return reason
    # vans alike in everything a lone order depends on behave alike: one of each kind is tried first,
    # and if one serves the order alone no rule can bite (large days have many identical vans)
    kinds = {
        (v.start.id, v.end_location.id, v.shift_start_min, v.shift_end_min, v.max_round_min, v.capacity_crates): k
        for k, v in enumerate(problem.vans)
    }
    if any(fits_alone(day, o, k) for k in kinds.values()):
        return None
    vans = [k for k, v in enumerate(problem.vans) if v.capacity_crates >= order.size_crates]
    for rule in (shop_not_ready_within_shifts, customer_window_unreachable, no_return_before_shift_end, round_too_long):
        reason = rule(day, o, vans)
        if reason:
            return reason
    return mixed_limits(day, o, vans)


def mixed_limits(day: CompiledDay, o: int, vans: list[int]) -> str | None:
    """Each van fails alone for a different reason (window, shift end or round length)."""
    problems = []
    for k in vans:
        van = day.problem.vans[k]
        s = _solo_times(day, o, k)
        late = [key[5:] for key in s if key.startswith("late_")]
        waits = sum(v for key, v in s.items() if key.startswith("wait_"))
        if late:
            what = "back after its shift" if late == ["end"] else "misses the customer window"
            problems.append(f"{van.id} {what}")
        elif van.max_round_min is not None and s["arrive_end"] - s["leave"] - waits > to_s(van.max_round_min):
            problems.append(f"{van.id} exceeds its maximum round")
        else:
            return None
    if not problems:
        return "no van can carry it"
    return "no van can serve it even on its own: " + "; ".join(problems)


def fits_alone(day: CompiledDay, o: int, k: int) -> bool:
    """Van ``k`` could serve order ``o`` on an otherwise empty round."""
    van = day.problem.vans[k]
    if van.capacity_crates < day.problem.orders[o].size_crates:
        return False
    s = _solo_times(day, o, k)
    if any(key.startswith("late_") for key in s):
        return False
    waits = sum(v for key, v in s.items() if key.startswith("wait_"))
    return van.max_round_min is None or s["arrive_end"] - s["leave"] - waits <= to_s(van.max_round_min)


def explain_crowded(
    day: CompiledDay, o: int, vans_used: int, idle_vans: list[int] | None = None, time_limit_s: float | None = None
) -> str:
    """An order that fits on its own but not alongside the rest of the day's work.

    If a van stayed idle that could have served it alone, the data is not to
    blame: the search ran out of time, and the reason says so.
    """
    problem = day.problem
    order = problem.orders[o]
    limit = f" of {time_limit_s:g} s" if time_limit_s is not None else ""
    spare = [k for k in (idle_vans or []) if fits_alone(day, o, k)]
    if spare:
        return (
            f"not placed within the time limit{limit}: van {problem.vans[spare[0]].id} is idle and "
            f"could serve it on its own; allow more time"
        )
    when = f" in its window {_windows_text(order)}" if order.windows else ""
    return (
        f"it fits on its own, but the plan found within the time limit{limit} has no room for it "
        f"alongside the other orders{when} ({vans_used} of {len(problem.vans)} vans in use); more "
        f"time, a wider window or another van may place it"
    )
