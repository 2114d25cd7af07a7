"""Solving a delivery day with :mod:`routing`: plain inputs in, rounds and reasons for unplanned orders out.

No database here: :func:`solve_day` takes :class:`~foodtrain.services.planning.reading.DayInputs` and
returns a :class:`Solution`; a long search reports progress and stops when the job is cancelled: the job's
progress callback raises :class:`foodtrain.jobs.JobCancelled`, which is raised again once the search has stopped.
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable
from dataclasses import dataclass

import routing
from foodtrain.services.planning.reading import DayInputs, OrderInput, RoundRecord, StopRecord, VanInput

__all__ = [
    "PIN_SOLVE_LIMIT_S",
    "PLAN_SEARCH_WORKERS",
    "CANCEL_POLL_S",
    "NO_LOCATION_REASON",
    "build_problem",
    "Solution",
    "ProgressCallback",
    "solve_day",
]


PIN_SOLVE_LIMIT_S = 2.0
#: Search processes per plan: the worker count the routing benchmarks are measured with.
PLAN_SEARCH_WORKERS = 2
#: How often a running solve asks the job whether it was cancelled (each ask reads the database).
CANCEL_POLL_S = 0.5
NO_LOCATION_REASON = "the customer has no map location: set the postcode or a pin on the customer's page"


def build_problem(inputs: DayInputs, vans: tuple[VanInput, ...], orders: tuple[OrderInput, ...]) -> routing.Problem:
    """The routing library's problem for some of the day's vans and orders."""
    used_shops = {order.shop_id for order in orders}
    shops = tuple(
        routing.Shop(
            id=f"shop{s.id}",
            location=routing.Location(f"shop{s.id}", s.lat, s.lon),
            ready_min=s.ready_min,
            loading_per_visit_min=s.loading_per_visit_min,
            loading_per_order_min=s.loading_per_order_min,
        )
        for s in inputs.shops
        if s.id in used_shops
    )
    return routing.Problem(
        vans=tuple(
            routing.Van(
                id=str(v.id),
                capacity_crates=v.capacity_crates,
                start=routing.Location(f"base{v.id}", v.lat, v.lon),
                shift_start_min=inputs.shift_start_min,
                shift_end_min=inputs.shift_end_min,
            )
            for v in vans
        ),
        orders=tuple(
            routing.Order(
                id=str(o.id),
                location=routing.Location(f"order{o.id}", o.lat, o.lon),
                size_crates=o.crates,
                shop_id=f"shop{o.shop_id}",
                windows=(routing.TimeWindow(o.window_start_min, o.window_end_min),),
                service_min=o.service_min,
            )
            for o in orders
            if o.lat is not None and o.lon is not None
        ),
        shops=shops,
        travel=routing.GreatCircleTravel(detour_factor=inputs.detour_factor, speed_kmh=inputs.average_speed_kmh),
    )


@dataclass(frozen=True)
class Solution:
    """Rounds (including locked ones), unplanned orders with reasons, and the solver's figures."""

    rounds: tuple[RoundRecord, ...]
    unplanned: dict[int, str]
    status: str
    runtime_s: float


ProgressCallback = Callable[[str], None]


def _solve_watched(
    problem: routing.Problem, params: routing.Params, progress: ProgressCallback, message: str
) -> routing.Result:
    """Solve, reporting the best plan so far; a cancel (the callback raising) stops the search.

    The search runs in ``params.workers`` processes (see :func:`routing.solve`);
    the callback is asked here, in the caller's thread, at most every
    ``CANCEL_POLL_S``, and the exception it raised is raised again once the
    search has stopped (within about a second).
    """
    cancelled: list[BaseException] = []
    asked_at = [clock.monotonic()]
    latest = [message]

    def should_stop() -> bool:
        now = clock.monotonic()
        if not cancelled and now - asked_at[0] >= CANCEL_POLL_S:
            asked_at[0] = now
            try:
                progress(latest[0])
            except BaseException as stop:  # noqa: BLE001 - the job's cancel, re-raised below
                cancelled.append(stop)
        return bool(cancelled)

    def on_progress(best: routing.Progress) -> None:
        unplanned = f", {best.unserved} not yet placed" if best.unserved else ""
        latest[0] = (
            f"{message}: best so far {best.vans_used} vans, {best.work_min:.0f} min driving and loading{unplanned}"
        )

    result = routing.solve(problem, params, should_stop=should_stop, on_progress=on_progress)
    if cancelled:
        raise cancelled[0]
    return result


def _round_from(route: routing.Route) -> RoundRecord:
    van_id = int(route.van_id)
    stops = []
    for stop in route.stops:
        kind = stop.kind if stop.kind in ("start", "pickup", "delivery", "end") else "delivery"
        shop_id = int(stop.location_id[4:]) if kind == "pickup" else None
        stops.append(
            StopRecord(
                van_id,
                kind,
                int(stop.order_id) if stop.order_id else None,
                shop_id,
                stop.arrival_min,
                max(stop.departure_min, stop.arrival_min),
                stop.wait_min,
                max(0, stop.load_after_crates),
            )
        )
    return RoundRecord(van_id, tuple(stops), route.distance_m, route.drive_min, route.duration_min)


def solve_day(inputs: DayInputs, time_limit_s: float, progress: ProgressCallback | None = None) -> Solution:
    """Plan the day: locked rounds kept, the rest solved, moved (pinned) orders kept on their van.

    The routing library has no fixed order-to-van assignment, so pins are honoured
    in a second pass: each van with pinned orders is re-solved alone with the
    orders the first pass gave it plus its pinned ones.
    """
    progress = progress or (lambda message: None)
    started = clock.monotonic()
    locked_vans = {r.van_id for r in inputs.locked_rounds}
    locked_orders = {s.order_id for r in inputs.locked_rounds for s in r.stops if s.order_id}
    free_vans = tuple(v for v in inputs.vans if v.id not in locked_vans)
    van_names = {v.id: v.name for v in inputs.vans}
    unplanned: dict[int, str] = {}
    candidates = []
    for order in inputs.orders:
        if order.id in locked_orders:
            continue
        if order.lat is None or order.lon is None:
            unplanned[order.id] = NO_LOCATION_REASON
            continue
        if order.shop_id in inputs.closed_shops:
            unplanned[order.id] = (
                f"its shop is closed on this day ({inputs.closed_shops[order.shop_id]}): move the order to another date"
            )
            continue
        candidates.append(order)
    pinned = {o.id: inputs.pins[o.id] for o in candidates if o.id in inputs.pins}
    free_van_ids = {v.id for v in free_vans}
    for order_id, van_id in list(pinned.items()):
        if van_id not in free_van_ids:
            name = van_names.get(van_id, f"van {van_id}")
            unplanned[order_id] = (
                f"it was moved to {name}, which is locked or not out on this day; "
                "move it to another van or unlock the round"
            )
            del pinned[order_id]
    first_pass = tuple(o for o in candidates if o.id not in pinned and o.id not in unplanned)
    rounds: dict[int, RoundRecord] = {}
    status = "feasible"
    if not free_vans:
        for order in first_pass:
            unplanned[order.id] = (
                "no van is free on this day (every round is locked, or no van has a rostered team of driver and mate)"
            )
    elif first_pass:
        result = _solve_watched(
            build_problem(inputs, free_vans, first_pass),
            routing.Params(time_limit_s=float(time_limit_s), workers=PLAN_SEARCH_WORKERS),
            progress,
            "Searching for rounds",
        )
        status = result.status.value
        for route in result.routes:
            rounds[int(route.van_id)] = _round_from(route)
        for unserved in result.unserved:
            unplanned[int(unserved.order_id)] = unserved.reason
    by_id = {o.id: o for o in inputs.orders}
    for van_id in sorted(set(pinned.values())):
        van = next(v for v in free_vans if v.id == van_id)
        already = [s.order_id for s in rounds[van_id].stops if s.kind == "delivery"] if van_id in rounds else []
        forced = [order_id for order_id, target in pinned.items() if target == van_id]
        orders = tuple(by_id[i] for i in [*already, *forced] if i is not None)
        result = _solve_watched(
            build_problem(inputs, (van,), orders),
            routing.Params(time_limit_s=min(PIN_SOLVE_LIMIT_S, float(time_limit_s))),
            progress,
            f"Fitting moved orders onto {van.name}",
        )
        rounds.pop(van_id, None)
        for route in result.routes:
            rounds[van_id] = _round_from(route)
        for unserved in result.unserved:
            order_id = int(unserved.order_id)
            if order_id in forced:
                unplanned[order_id] = f"it was moved to {van.name}, but it does not fit there: {unserved.reason}"
            else:
                unplanned[order_id] = f"left out to make room for orders moved to {van.name}: {unserved.reason}"
    if unplanned and status == "feasible":
        status = "infeasible"
    for locked in inputs.locked_rounds:
        rounds[locked.van_id] = locked
    ordered = tuple(rounds[k] for k in sorted(rounds, key=lambda k: van_names.get(k, "")))
    return Solution(ordered, unplanned, status, clock.monotonic() - started)
