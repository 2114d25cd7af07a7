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
    "at_weekly_max", "cannot_pair", "free"}``.
    """

    slot_id: str
    label: str
    seats_missing: int
    roles_missing: tuple[str, ...]
    reason: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)


def _funnel(state: RotaState, s: Slot, role: str) -> dict[str, int]:
    c = dict.fromkeys(("with_role", "not_pvg_cleared", "not_available", "away", "busy",
                       "at_weekly_max", "cannot_pair", "free"), 0)
    in_slot = {vid for vid, _ in state.members[s.id]}
    for v in state.problem.volunteers:
        if v.branch != s.branch or role not in v.roles or (role == "driver" and not v.driver_approved):
            continue
        if v.id in in_slot:
            continue
        c["with_role"] += 1
        if s.customer_facing and not v.pvg_cleared_on(s.date):
            c["not_pvg_cleared"] += 1
        elif not all((s.date.weekday(), h) in v.availability for h in s.halves):
            c["not_available"] += 1
        elif s.date in v.dates_away:
            c["away"] += 1
        elif state.is_busy(v.id, s):
            c["busy"] += 1
        elif state.at_weekly_max(v, s):
            c["at_weekly_max"] += 1
        elif state.team_conflict(v, s):
            c["cannot_pair"] += 1
        else:
            c["free"] += 1
    return c


def _sentence(s: Slot, role: str, c: dict[str, int]) -> str:
    one, many = ROLE_NOUN[role]
    half = "day" if s.part_of_day == "whole_day" else s.part_of_day
    day = WEEKDAY_NAMES[s.date.weekday()]
    if c["with_role"] == 0:
        return f"no {one} in branch {s.branch} at all"
    parts = []
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
    if c["cannot_pair"]:
        parts.append(f"{c['cannot_pair']} cannot pair (never-pair or trainee rule)")
    head = f"no free {one}" if c["free"] == 0 else f"{c['free']} free {one if c['free'] == 1 else many}"
    what = "PVG-cleared " if s.customer_facing else ""
    noun = many if c["with_role"] != 1 else one
    return f"{head}: of {c['with_role']} {what}{noun}" if not parts else f"{head}: of {c['with_role']} {noun}, " + ", ".join(parts)


def explain_unfilled(problem: RotaProblem, assignments: list[Assignment]) -> list[UnfilledSlot]:
    """One :class:`UnfilledSlot` per slot with an empty seat, in date order."""
    state = RotaState(problem, assignments)
    out = []
    for s in sorted(problem.slots, key=lambda s: (s.date, s.part_of_day, s.id)):
        present = state.members[s.id]
        missing = s.seats - len(present)
        if missing <= 0:
            continue
        if s.is_team:
            roles = ("driver", "delivery_mate") if s.kind == "delivery" else ("list_collector",)
        else:
            roles = s.roles
        counts = {r: _funnel(state, s, r) for r in roles}
        short = [r for r in roles if counts[r]["free"] < (2 if r == "list_collector" else 1)]
        if not short:  # everyone needed is free, but no valid team / the seat was left on purpose
            reason = ("eligible people are free but no pair of them may work together"
                      if s.is_team else "eligible people were free but were not assigned (time limit)")
            shown = list(roles)
        else:
            shown = short
            reason = "; ".join(_sentence(s, r, counts[r]) for r in shown)
            if s.is_team and len(short) < len(roles):
                others = [r for r in roles if r not in short]
                reason += "; so the " + " and ".join(ROLE_NOUN[r][1] for r in others) + " free cannot go out alone"
        out.append(UnfilledSlot(slot_id=s.id, label=s.label, seats_missing=missing, roles_missing=tuple(shown),
                                reason=f"{s.label}: {reason}", counts=counts))
    return out
