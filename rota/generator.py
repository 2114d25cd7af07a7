"""Seeded, realistic branch months for tests, demos and benchmarks.

Shapes follow the case study: vans go out on four delivery days with a
driver and a delivery mate, lists are collected on Mondays by teams of two,
volunteer shoppers help in partner shops on delivery mornings, and the office
is covered weekday mornings and afternoons. Volunteers mix roles, PVG states,
trainees, availability patterns, holidays and partner wishes. Last month's
rota (the history) is what a coordinator would have drawn up by hand.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from .domain import (
    History,
    HistoryAssignment,
    Month,
    RotaInputError,
    RotaProblem,
    Slot,
    Volunteer,
)


@dataclass(frozen=True)
class BranchShape:
    """How big a branch is: volunteers and what has to be staffed each week."""

    name: str
    volunteers: int
    vans: int
    shops: int
    delivery_weekdays: tuple[int, ...] = (1, 2, 3, 4)  # Tue..Fri
    collection_teams: int = 6  # Monday list-collection teams
    office_seats: int = 1
    never_partners: tuple[int, int] = (0, 0)  # if > 0: each volunteer refuses this many (min, max) others
    trainee_share: float = 0.08
    driver_share: float = 0.40


SIZES: dict[str, tuple[BranchShape, ...]] = {
    "tiny": (BranchShape("main", 16, 2, 1, (1, 3), 2),),
    "small": (BranchShape("main", 45, 3, 2, (1, 3, 4), 3),),
    "typical": (BranchShape("main", 100, 5, 4),),
    "large": (BranchShape("main", 220, 11, 8, collection_teams=12, office_seats=2),),
    # issue 14: months that were hard for CP-SAT or the greedy rota
    "never_pair_heavy": (BranchShape("main", 95, 5, 4, never_partners=(5, 12)),),
    "trainee_heavy": (BranchShape("main", 100, 5, 4, trainee_share=0.30),),
    "scarce_drivers": (BranchShape("main", 100, 5, 4, driver_share=0.18),),
    "four_branches": (
        BranchShape("dumfries_galloway", 220, 11, 8, collection_teams=12, office_seats=2),
        BranchShape("west_lothian", 100, 5, 4),
        BranchShape("stirling", 90, 4, 4, (1, 2, 3, 4), 5),
        BranchShape("dundee", 90, 4, 3, (1, 2, 3, 4), 5),
    ),
}

DEFAULT_MONTH = Month(2027, 3)


def _branch_slots(shape: BranchShape, month: Month, rng: random.Random) -> list[Slot]:
    slots = []
    b = shape.name
    van_parts = ["morning" if i % 3 == 0 else "afternoon" if i % 3 == 1 else "whole_day" for i in range(shape.vans)]
    shop_seats = [1 + (i % 2) for i in range(shape.shops)]
    for d in month.dates():
        wd = d.weekday()
        tag = d.strftime("%m%d")
        if wd in shape.delivery_weekdays:
            for i in range(shape.vans):
                slots.append(Slot(f"{b}-{tag}-van{i + 1}", d, van_parts[i], "delivery", f"van {i + 1}", 2, b))
            for i in range(shape.shops):
                slots.append(
                    Slot(f"{b}-{tag}-shop{i + 1}", d, "morning", "shopping", f"shop {i + 1}", shop_seats[i], b)
                )
        if wd == 0:
            for i in range(shape.collection_teams):
                part = "morning" if i % 2 == 0 else "afternoon"
                slots.append(
                    Slot(f"{b}-{tag}-lists{i + 1}", d, part, "list_collection", f"lists area {i // 2 + 1}", 2, b)
                )
        if wd < 5:
            for part in ("morning", "afternoon"):
                slots.append(Slot(f"{b}-{tag}-office-{part[:2]}", d, part, "office", "office", shape.office_seats, b))
    return slots


def _volunteers(shape: BranchShape, month: Month, rng: random.Random) -> list[Volunteer]:
    b = shape.name
    ids = [f"{b}-v{i + 1:03d}" for i in range(shape.volunteers)]
    vols: list[dict[str, Any]] = []
    first, last = month.first_day, month.last_day
    for i, vid in enumerate(ids):
        roles = set()
        if rng.random() < shape.driver_share:
            roles.add("driver")
        if rng.random() < 0.60 or not roles:
            roles.add("delivery_mate")
        if rng.random() < 0.30:
            roles.add("list_collector")
        if rng.random() < 0.30:
            roles.add("shopper")
        if rng.random() < 0.20:
            roles.add("office")
        u = rng.random()
        if u < 0.82:
            pvg, pvg_date = "cleared", first - dt.timedelta(days=rng.randint(30, 2000))
        elif u < 0.87:
            pvg, pvg_date = "cleared", first + dt.timedelta(days=rng.randint(3, 20))  # clears mid-month
        elif u < 0.95:
            pvg, pvg_date = "pending", None
        else:
            pvg, pvg_date = "not_needed", None
        days = rng.sample(range(6), rng.choice([2, 2, 3, 3, 4, 5]))
        avail = set()
        for d in days:
            w = rng.random()
            if w < 0.45:
                avail |= {(d, "morning"), (d, "afternoon")}
            elif w < 0.75:
                avail.add((d, "morning"))
            else:
                avail.add((d, "afternoon"))
        away = set()
        if rng.random() < 0.2:
            start = first + dt.timedelta(days=rng.randint(-5, 27))
            for k in range(rng.randint(3, 10)):
                day = start + dt.timedelta(days=k)
                if first <= day <= last:
                    away.add(day)
        wish = rng.choice([1, 2, 2, 4, 4, 4, 4, 6, 8])
        trainee = rng.random() < shape.trainee_share
        vols.append(
            dict(
                id=vid,
                roles=frozenset(roles),
                availability=frozenset(avail),
                wished_shifts_per_month=wish,
                max_shifts_per_week=rng.choice([1, 2, 2, 3]),
                driver_approved="driver" in roles and rng.random() < 0.9,
                pvg_status=pvg,
                pvg_date=pvg_date,
                trainee=trainee,
                shadow_shifts_needed=rng.randint(2, 4) if trainee else 0,
                dates_away=frozenset(away),
                preferred_weekdays=frozenset(d for d in days if rng.random() < 0.5)
                if rng.random() < 0.4
                else frozenset(),
                max_consecutive_days=rng.choice([2, 3, 3, 5]),
                branch=b,
                name=f"Volunteer {i + 1} ({b})",
                happy_to_do_extra=_happy_to_do_extra(rng, vid),
            )
        )
    for v in vols:
        if rng.random() < 0.2:
            v["preferred_partners"] = frozenset(x for x in rng.sample(ids, 2) if x != v["id"])
        lo, hi = shape.never_partners
        if hi > 0:
            others = [x for x in ids if x != v["id"] and x not in v.get("preferred_partners", ())]
            v["never_partners"] = frozenset(rng.sample(others, rng.randint(lo, hi)))
        elif rng.random() < 0.05:
            cand = [x for x in rng.sample(ids, 1) if x != v["id"] and x not in v.get("preferred_partners", ())]
            v["never_partners"] = frozenset(cand)
    return [Volunteer(**v) for v in vols]


def _happy_to_do_extra(rng: random.Random, volunteer_id: str) -> bool:
    """35 % of volunteers, from a stream of its own (seeded from the main stream's state without drawing
    from it), so adding the field left every other draw -- and the months of earlier figures -- as they were."""
    words = rng.getstate()[1]
    return random.Random(f"{volunteer_id}-{words[-1]}-{sum(words[:8])}").random() < 0.35


def _previous_month(month: Month) -> Month:
    return Month(month.year - 1, 12) if month.month == 1 else Month(month.year, month.month - 1)


def generate(
    size: str = "typical", seed: int = 0, month: Month = DEFAULT_MONTH, with_history: bool = True
) -> RotaProblem:
    """A realistic month for ``size`` in :data:`SIZES`, reproducible from ``seed``."""
    if size not in SIZES:
        raise RotaInputError("size", f"unknown size {size!r}; choose from {sorted(SIZES)}")
    rng = random.Random(f"{size}-{seed}")
    slots: list[Slot] = []
    vols: list[Volunteer] = []
    prev_slots: list[Slot] = []
    prev = _previous_month(month)
    for shape in SIZES[size]:
        slots += _branch_slots(shape, month, rng)
        prev_slots += _branch_slots(shape, prev, rng)
        vols += _volunteers(shape, month, rng)
    history = History()
    if with_history:
        from .greedy import fill_free_seats  # local import: generator is data, greedy is a solver

        last = RotaProblem(prev, tuple(prev_slots), tuple(vols))
        sl = {s.id: s for s in prev_slots}
        history = History(
            tuple(
                HistoryAssignment(
                    date=sl[a.slot_id].date,
                    volunteer_id=a.volunteer_id,
                    kind=sl[a.slot_id].kind,
                    resource=sl[a.slot_id].resource,
                    part_of_day=sl[a.slot_id].part_of_day,
                    role=a.role,
                    branch=sl[a.slot_id].branch,
                )
                for a in fill_free_seats(last, seed=seed)  # a coordinator's rota, date by date
            )
        )
    return RotaProblem(month=month, slots=tuple(slots), volunteers=tuple(vols), history=history)


def random_small_problem(rng: random.Random, n_volunteers: int = 8, n_days: int = 7) -> RotaProblem:
    """A tiny random problem for property tests (few slots, few people, all rules in play)."""
    month = Month(2027, 3)
    dates = month.dates()[:n_days]
    slots = []
    kinds = ["delivery", "list_collection", "shopping", "office"]
    for i in range(rng.randint(2, 8)):
        k = rng.choice(kinds)
        seats = 2 if k in ("delivery", "list_collection") else rng.randint(1, 2)
        slots.append(
            Slot(
                f"s{i}",
                rng.choice(dates),
                rng.choice(["morning", "afternoon", "whole_day"]),
                k,
                f"r{rng.randint(1, 2)}",
                seats,
            )
        )
    ids = [f"v{i}" for i in range(n_volunteers)]
    vols = []
    for vid in ids:
        roles = frozenset(
            r for r in ("driver", "delivery_mate", "list_collector", "shopper", "office") if rng.random() < 0.5
        ) or frozenset({"delivery_mate"})
        avail = frozenset((d, h) for d in range(7) for h in ("morning", "afternoon") if rng.random() < 0.6)
        others = [x for x in ids if x != vid]
        never = frozenset(x for x in others if rng.random() < 0.1)
        pref = frozenset(x for x in others if x not in never and rng.random() < 0.1)
        trainee = rng.random() < 0.25
        vols.append(
            Volunteer(
                id=vid,
                roles=roles,
                availability=avail,
                wished_shifts_per_month=rng.randint(0, 4),
                max_shifts_per_week=rng.randint(0, 3),
                driver_approved=rng.random() < 0.6,
                pvg_status=rng.choice(["cleared", "cleared", "pending", "not_needed"]),
                pvg_date=rng.choice([None, dates[0], dates[-1]]),
                trainee=trainee,
                shadow_shifts_needed=rng.randint(0, 2) if trainee else 0,
                dates_away=frozenset(d for d in dates if rng.random() < 0.1),
                preferred_partners=pref,
                never_partners=never,
                preferred_weekdays=frozenset(d for d in range(7) if rng.random() < 0.3),
                max_consecutive_days=rng.randint(1, 3),
                happy_to_do_extra=rng.random() < 0.5,
            )
        )
    return RotaProblem(month=month, slots=tuple(slots), volunteers=tuple(vols))
