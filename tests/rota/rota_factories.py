"""Tiny hand-built rota instances: factories with keyword overrides."""

from __future__ import annotations

import datetime as dt

from rota import History, HistoryAssignment, Month, Params, RotaProblem, Slot, Volunteer, solve

MONTH = Month(2027, 3)  # 1 March 2027 is a Monday
MON, TUE, WED, THU = (dt.date(2027, 3, d) for d in (1, 2, 3, 4))
ALL_WEEK = frozenset((d, h) for d in range(7) for h in ("morning", "afternoon"))
ALL_ROLES = frozenset({"driver", "delivery_mate", "list_collector", "shopper", "office"})
PAST = dt.date(2020, 1, 1)


def make_volunteer(id: str, **kw) -> Volunteer:
    """An experienced, PVG-cleared, approved, always-available volunteer wishing for 1 shift and happy to do
    extra (the wish is then soft; tests of the monthly maximum pass happy_to_do_extra=False)."""
    base = dict(
        id=id,
        roles=ALL_ROLES,
        availability=ALL_WEEK,
        wished_shifts_per_month=1,
        max_shifts_per_week=7,
        driver_approved=True,
        pvg_status="cleared",
        pvg_date=PAST,
        happy_to_do_extra=True,
    )
    base.update(kw)
    return Volunteer(**base)


def make_slot(id: str, kind: str = "office", date: dt.date = TUE, part_of_day: str = "morning", **kw) -> Slot:
    seats = 2 if kind in ("delivery", "list_collection") else 1
    base = dict(
        id=id, date=date, part_of_day=part_of_day, kind=kind, resource=kw.pop("resource", f"{kind} 1"), seats=seats
    )
    base.update(kw)
    return Slot(**base)


def make_problem(slots, volunteers, history=(), month: Month = MONTH) -> RotaProblem:
    return RotaProblem(month=month, slots=tuple(slots), volunteers=tuple(volunteers), history=History(tuple(history)))


def make_history(
    volunteer_id: str,
    date: dt.date,
    kind: str = "delivery",
    resource: str = "delivery 1",
    part_of_day: str = "morning",
    role: str = "driver",
) -> HistoryAssignment:
    return HistoryAssignment(
        date=date, volunteer_id=volunteer_id, kind=kind, resource=resource, part_of_day=part_of_day, role=role
    )


def solve_small(problem: RotaProblem, **params):
    base = dict(time_limit_s=5.0, workers=1, seed=0)
    base.update(params)
    return solve(problem, Params(**base))


def members(result, slot_id: str) -> dict[str, str]:
    """{volunteer id: role} in a slot."""
    return {a.volunteer_id: a.role for a in result.assignments if a.slot_id == slot_id}
