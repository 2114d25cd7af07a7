"""Why a slot stayed empty, in words a coordinator can act on.

For each missing role the branch's volunteers go through a funnel (does the
role -> approved -> PVG-cleared -> available that half-day -> not away ->
not already on another slot then -> under their weekly maximum -> can pair
with whoever else is there) and the message reports how many dropped out at
each step, e.g. "Tue 14 van 3 (morning): no free driver: of 9 approved
drivers, 2 not PVG-cleared by then, 1 not available Tue morning, 2 away, 3
already on another slot then, 1 at weekly maximum".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .domain import WEEKDAY_NAMES, Assignment, RotaProblem, Slot
from .greedy import RotaState

ROLE_NOUN = {
    "driver": ("approved driver", "approved drivers"),
    "driver_any": ("driver", "drivers"),
    "delivery_mate": ("delivery mate", "delivery mates"),
    "list_collector": ("list collector", "list collectors"),
    "shopper": ("shopper", "shoppers"),
    "office": ("office volunteer", "office volunteers"),
}


@dataclass(frozen=True)
class UnfilledSlot:
    """A slot with empty seats and the reason derived from the data.

    ``counts`` maps each missing role to its funnel:
    ``{"with_role", "not_pvg_cleared", "not_available", "away", "busy",
    "at_weekly_max", "at_monthly_max", "shadowing_first", "cannot_pair", "free"}``.
    """

    slot_id: str
    label: str
    seats_missing: int
    roles_missing: tuple[str, ...]
    reason: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)


def _funnel(state: RotaState, s: Slot, role: str) -> tuple[dict[str, int], list[str]]:
    c = dict.fromkeys(
        (
            "with_role",
            "not_approved",
            "not_pvg_cleared",
            "not_available",
            "away",
            "busy",
            "at_weekly_max",
            "at_monthly_max",
            "shadowing_first",
            "cannot_pair",
            "free",
        ),
        0,
    )
    free: list[str] = []
    in_slot = {vid for vid, _ in state.members[s.id]}
    for v in state.problem.volunteers:
        if v.branch != s.branch or role not in v.roles or v.id in in_slot:
            continue
        c["with_role"] += 1
        if role == "driver" and not v.driver_approved:
            c["not_approved"] += 1
        elif s.customer_facing and not v.pvg_cleared_on(s.date):
            c["not_pvg_cleared"] += 1
        elif not all((s.date.weekday(), h) in v.availability for h in s.halves):
            c["not_available"] += 1
        elif s.date in v.dates_away:
            c["away"] += 1
        elif state.is_busy(v.id, s):
            c["busy"] += 1
        elif state.at_weekly_max(v, s):
            c["at_weekly_max"] += 1
        elif state.at_monthly_max(v):
            c["at_monthly_max"] += 1
        elif not state.shadowed_enough(v, s):
            c["shadowing_first"] += 1
        elif state.team_conflict(v, s):
            c["cannot_pair"] += 1
        else:
            c["free"] += 1
            free.append(v.id)
    return c, free


def _sentence(s: Slot, role: str, c: dict[str, int]) -> str:
    one, many = ROLE_NOUN[role]
    half = "day" if s.part_of_day == "whole_day" else s.part_of_day
    day = WEEKDAY_NAMES[s.date.weekday()]
    if c["with_role"] == 0:
        return f"no {one} in branch {s.branch} at all"
    parts = []
    if c["not_approved"]:
        parts.append(f"{c['not_approved']} not approved to drive")
    if c["not_pvg_cleared"]:
        parts.append(f"{c['not_pvg_cleared']} not PVG-cleared by then")
    if c["not_available"]:
        parts.append(f"{c['not_available']} not available {day} {half}")
    if c["away"]:
        parts.append(f"{c['away']} away")
    if c["busy"]:
        parts.append(f"{c['busy']} already on another slot that {half}")
    if c["at_weekly_max"]:
        parts.append(f"{c['at_weekly_max']} at their weekly maximum")
    if c["at_monthly_max"]:
        parts.append(f"{c['at_monthly_max']} already doing as many shifts this month as they offered")
    if c["shadowing_first"]:
        parts.append(
            f"{c['shadowing_first']} trainee{'s' if c['shadowing_first'] != 1 else ''} still to do "
            "their shadow shifts first"
        )
    if c["cannot_pair"]:
        parts.append(f"{c['cannot_pair']} cannot pair (never-pair or trainee rule)")
    if c["free"] == 0:
        head = f"no free {one}"
    elif role == "list_collector":
        head = f"only {c['free']} free {one} and two are needed"
    else:
        head = f"{c['free']} free {one if c['free'] == 1 else many}"
    base_one, base_many = ROLE_NOUN["driver_any"] if role == "driver" else (one, many)
    noun = base_many if c["with_role"] != 1 else base_one
    return (
        f"{head}: of {c['with_role']} {noun}, " + ", ".join(parts) if parts else f"{head} (of {c['with_role']} {noun})"
    )


def _pair_possible(state: RotaState, s: Slot, free_by_role: list[list[str]]) -> bool:
    first, second = (free_by_role[0], free_by_role[1]) if len(free_by_role) == 2 else (free_by_role[0],) * 2
    for a in first:
        for b in second:
            if a == b:
                continue
            va, vb = state.vols[a], state.vols[b]
            if b in va.never_partners or a in vb.never_partners or (va.trainee and vb.trainee):
                continue
            return True
    return False


NOT_PLACED = {
    "feasible": "the search stopped at its time limit before placing them",
    "greedy": "the quick first rota (made while the full search ran out of time) did not reach them; a full solve would",
    "edit": "nobody has been put there yet",
}


def _seat_takers(state: RotaState, s: Slot, free: list[str]) -> list[str]:
    """Free people who could actually take a seat of non-team slot ``s`` now: experienced volunteers, or a
    trainee while an experienced one already there has no trainee beside them (a trainee never works alone)."""
    present = [state.vols[vid] for vid, _ in state.members[s.id]]
    trainees = sum(1 for v in present if v.trainee)
    room_for_trainee = trainees + 1 <= len(present) - trainees
    experienced_free = [vid for vid in free if not state.vols[vid].trainee]
    if experienced_free:
        return free if s.seats - len(present) >= 2 or room_for_trainee else experienced_free
    return free if room_for_trainee else []


def explain_unfilled(
    problem: RotaProblem, assignments: list[Assignment], why_not_placed: str = "edit"
) -> list[UnfilledSlot]:
    """One :class:`UnfilledSlot` per slot with an empty seat, in date order.

    Every reason is computed from the data: who holds the role, who is cleared, available, free, under
    their maximum and able to pair. Only when someone could still take the seat does the reason turn to how
    the rota was made (``why_not_placed``: a key of :data:`NOT_PLACED`) -- never under a proven optimum,
    which leaves no such seat.
    """
    not_placed = NOT_PLACED.get(why_not_placed, why_not_placed)
    state = RotaState(problem, assignments)
    out = []
    for s in sorted(problem.slots, key=lambda s: (s.date, s.part_of_day, s.id)):
        present = state.members[s.id]
        missing = s.seats - len(present)
        if missing <= 0:
            continue
        if s.is_team:
            roles: tuple[str, ...] = ("driver", "delivery_mate") if s.kind == "delivery" else ("list_collector",)
        else:
            roles = s.roles
        funnels = {r: _funnel(state, s, r) for r in roles}
        counts = {r: f[0] for r, f in funnels.items()}
        short = [r for r in roles if counts[r]["free"] < (2 if r == "list_collector" else 1)]
        shown = short or list(roles)
        if short:
            reason = "; ".join(_sentence(s, r, counts[r]) for r in short)
            if s.is_team and len(short) < len(roles):
                others = [r for r in roles if r not in short]
                free_text = " or ".join(
                    f"{counts[r]['free']} free {ROLE_NOUN[r][0] if counts[r]['free'] == 1 else ROLE_NOUN[r][1]}"
                    for r in others
                )
                reason += f"; a team of two is needed, so the {free_text} cannot go out alone"
        elif s.is_team:
            people = sorted({vid for _, ids in funnels.values() for vid in ids})
            if len(people) < 2:
                reason = f"only {people[0]} is free for either seat and a team of two is needed; " + "; ".join(
                    _sentence(s, r, counts[r]) for r in roles
                )
            elif not _pair_possible(state, s, [funnels[r][1] for r in roles]):
                reason = (
                    f"{len(people)} people are free but no two of them may work together (never-pair, or both trainees)"
                )
            else:
                reason = f"a team was free but was not assigned ({not_placed})"
        else:
            free = funnels[roles[0]][1]
            if _seat_takers(state, s, free):
                reason = f"eligible people were free but were not assigned ({not_placed})"
            else:
                reason = (
                    f"only {len(free)} trainee{'s' if len(free) != 1 else ''} free, and a trainee works "
                    "only beside an experienced volunteer; " + _sentence(s, roles[0], counts[roles[0]])
                )
        out.append(
            UnfilledSlot(
                slot_id=s.id,
                label=s.label,
                seats_missing=missing,
                roles_missing=tuple(shown),
                reason=f"{s.label}: {reason}",
                counts=counts,
            )
        )
    return out
