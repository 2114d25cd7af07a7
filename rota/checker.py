"""An independent check of the hard rules on a finished rota.

Written from the rules' plain wording, sharing no code with the CP-SAT model
(:mod:`rota.constraints`) or the greedy bookkeeping (:mod:`rota.greedy`), so a
modelling slip in either shows up here as a violation.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable

from .domain import Assignment, RotaProblem


@dataclass(frozen=True)
class Violation:
    """One broken hard rule."""

    rule: str
    slot_id: str
    volunteer_id: str
    message: str


def _halves(part: str) -> list[str]:
    return ["morning", "afternoon"] if part == "whole_day" else [part]


def check(problem: RotaProblem, assignments: Iterable[Assignment]) -> list[Violation]:
    """Every hard-rule violation in ``assignments`` (empty list: the rota is valid)."""
    assignments = list(assignments)
    slots = {s.id: s for s in problem.slots}
    vols = {v.id: v for v in problem.volunteers}
    out: list[Violation] = []

    def bad(rule: str, sid: str, vid: str, msg: str) -> None:
        out.append(Violation(rule, sid, vid, msg))

    allowed_roles = {
        "delivery": {"driver", "delivery_mate"},
        "list_collection": {"list_collector"},
        "shopping": {"shopper"},
        "office": {"office"},
    }
    per_slot: dict[str, list[Assignment]] = defaultdict(list)  # the seats
    shadows: dict[str, list[Assignment]] = defaultdict(list)  # the shadow seat ("shadow" role)
    valid: list[Assignment] = []
    for a in assignments:
        if a.slot_id not in slots or a.volunteer_id not in vols:
            bad("known_ids", a.slot_id, a.volunteer_id, "unknown slot or volunteer")
            continue
        s, v = slots[a.slot_id], vols[a.volunteer_id]
        valid.append(a)
        if a.role == "shadow":
            shadows[s.id].append(a)
            # a trainee with shadow shifts still to do, learning one of the slot's roles, where there is room
            if not (v.trainee and v.shadow_shifts_needed > 0):
                bad("shadow_only_for_trainees", s.id, v.id, f"{v.id} is not a trainee with shadow shifts to do")
            if not (allowed_roles[s.kind] & v.roles):
                bad("volunteer_has_role", s.id, v.id, f"{v.id} does none of the roles of a {s.kind} slot")
            if not s.shadow_seat or s.seats == 0:
                bad("shadow_seat", s.id, v.id, "the slot has no shadow seat")
        else:
            per_slot[s.id].append(a)
            if a.role not in allowed_roles[s.kind]:
                bad("role_fits_slot", s.id, v.id, f"role {a.role} in a {s.kind} slot")
            if a.role not in v.roles:
                bad("volunteer_has_role", s.id, v.id, f"{v.id} does not do {a.role}")
        if v.branch != s.branch:
            bad("own_branch", s.id, v.id, f"{v.id} is in branch {v.branch}, slot in {s.branch}")
        # availability: every half-day of the slot must be in the weekly pattern
        for h in _halves(s.part_of_day):
            if (s.date.weekday(), h) not in v.availability:
                bad("only_available_volunteers", s.id, v.id, f"{v.id} not available weekday {s.date.weekday()} {h}")
        if s.date in v.dates_away:
            bad("only_available_volunteers", s.id, v.id, f"{v.id} is away on {s.date}")
        if a.role == "driver" and not v.driver_approved:
            bad("driver_needs_approval", s.id, v.id, f"{v.id} is not an approved driver")
        if s.kind in ("delivery", "list_collection"):
            cleared = v.pvg_status == "cleared" and (v.pvg_date is None or v.pvg_date <= s.date)
            if not cleared:
                bad("pvg_required_for_customer_contact", s.id, v.id, f"{v.id} not PVG-cleared on {s.date}")

    # one slot at a time
    seen: dict[tuple[str, dt.date, str], str] = {}
    for a in valid:
        s = slots[a.slot_id]
        for h in _halves(s.part_of_day):
            k = (a.volunteer_id, s.date, h)
            if k in seen:
                bad("one_slot_at_a_time", s.id, a.volunteer_id, f"also in {seen[k]} on {s.date} {h}")
            else:
                seen[k] = s.id

    # the shadow seat: one trainee, beside experienced people only (a team slot's full team), never-pair kept
    for sid, extra in shadows.items():
        s = slots[sid]
        seated = [vols[a.volunteer_id] for a in per_slot[sid]]
        if len(extra) > 1:
            bad("one_shadow_per_slot", sid, "", f"{len(extra)} trainees shadowing, at most one")
        full = len(seated) == 2 if s.kind in ("delivery", "list_collection") else len(seated) >= 1
        if not full or any(p.trainee for p in seated):
            bad(
                "shadow_beside_experienced",
                sid,
                "",
                f"shadowing beside {[p.id for p in seated]}: needs "
                + ("a full team of two" if s.kind in ("delivery", "list_collection") else "at least one person")
                + ", none a trainee",
            )
        for a in extra:
            t = vols[a.volunteer_id]
            for p in seated:
                if p.id in t.never_partners or t.id in p.never_partners:
                    bad("never_pair", sid, t.id, f"{t.id} and {p.id} must never be paired")
    # shadow shifts: at most as many as still needed, and every one done (on earlier days) before a seat
    shadow_days: dict[str, list[dt.date]] = defaultdict(list)
    for items in shadows.values():
        for a in items:
            shadow_days[a.volunteer_id].append(slots[a.slot_id].date)
    for vid, days in shadow_days.items():
        if vols[vid].trainee and len(days) > vols[vid].shadow_shifts_needed > 0:  # else shadow_only_for_trainees
            bad(
                "shadow_shifts_limit",
                "",
                vid,
                f"{len(days)} shadow shifts, only {vols[vid].shadow_shifts_needed} still needed",
            )
    for sid, items in per_slot.items():
        for a in items:
            v = vols[a.volunteer_id]
            if v.trainee and v.shadow_shifts_needed > 0:
                done = sum(1 for d in shadow_days[v.id] if d < slots[sid].date)
                if done < v.shadow_shifts_needed:
                    bad(
                        "shadow_shifts_before_a_seat",
                        sid,
                        v.id,
                        f"{v.id} has shadowed {done} of {v.shadow_shifts_needed} shifts before {slots[sid].date}",
                    )

    for sid, items in per_slot.items():
        s = slots[sid]
        roles = Counter(a.role for a in items)
        people = [vols[a.volunteer_id] for a in items]
        if s.kind == "delivery":
            if roles and (roles["driver"] != 1 or roles["delivery_mate"] != 1 or len(items) != 2):
                bad("two_person_teams", sid, "", f"delivery team is {dict(roles)}, needs one driver + one mate")
        elif s.kind == "list_collection":
            if len(items) not in (0, 2):
                bad("two_person_teams", sid, "", f"list collection has {len(items)} people, needs 2")
        elif len(items) > s.seats:
            bad("seats", sid, "", f"{len(items)} people for {s.seats} seats")
        n_trainees = sum(1 for p in people if p.trainee)
        if n_trainees and n_trainees > len(people) - n_trainees:
            bad(
                "trainee_with_experienced_partner",
                sid,
                "",
                f"{n_trainees} trainees, {len(people) - n_trainees} experienced",
            )
        if s.kind in ("delivery", "list_collection") and n_trainees > 1:
            bad("trainee_with_experienced_partner", sid, "", "more than one trainee in a team")
        ids = [p.id for p in people]
        for i, p in enumerate(people):
            for q in people[i + 1 :]:
                if q.id in p.never_partners or p.id in q.never_partners:
                    bad("never_pair", sid, p.id, f"{p.id} and {q.id} must never be paired")
        if len(set(ids)) != len(ids):
            bad("one_slot_at_a_time", sid, "", "same volunteer twice in one slot")

    # weekly maximum, ISO weeks, counting last month's shifts in the same week
    week: Counter = Counter()
    for past in problem.history.assignments:
        week[(past.volunteer_id, tuple(past.date.isocalendar())[:2])] += 1
    for a in valid:
        week[(a.volunteer_id, tuple(slots[a.slot_id].date.isocalendar())[:2])] += 1
    for (vid, wk), n in week.items():
        if (
            vid in vols
            and n > vols[vid].max_shifts_per_week
            and any(slots[a.slot_id].date.isocalendar()[:2] == wk for a in valid if a.volunteer_id == vid)
        ):
            bad("weekly_maximum", "", vid, f"{n} shifts in ISO week {wk}, max {vols[vid].max_shifts_per_week}")

    # the wished frequency is a maximum for the month unless they said they are happy to do extra
    month_count = Counter(a.volunteer_id for a in valid)
    for vid, n in month_count.items():
        wisher = vols.get(vid)
        if wisher is not None and not wisher.happy_to_do_extra and n > wisher.wished_shifts_per_month:
            bad("monthly_maximum", "", vid, f"{n} shifts this month, said at most {wisher.wished_shifts_per_month}")
    return out


def fillable_seats(problem: RotaProblem, assignments: Iterable[Assignment]) -> list[str]:
    """Slot ids with an empty seat that someone free and eligible could have taken
    without breaking a hard rule (for a team slot: a complete eligible team).
    An empty list confirms every unfilled seat was unavoidable given the rest of the rota."""
    assignments = list(assignments)
    vols = {v.id: v for v in problem.volunteers}
    busy = set()
    week: Counter = Counter()
    shifts: Counter = Counter()
    for h in problem.history.assignments:
        week[(h.volunteer_id, tuple(h.date.isocalendar())[:2])] += 1
    slots = {s.id: s for s in problem.slots}
    members: dict[str, list[str]] = defaultdict(list)
    shadowing: dict[str, list[str]] = defaultdict(list)
    shadow_days: dict[str, list[dt.date]] = defaultdict(list)
    for a in assignments:
        s = slots[a.slot_id]
        if a.role == "shadow":
            shadowing[s.id].append(a.volunteer_id)
            shadow_days[a.volunteer_id].append(s.date)
        else:
            members[s.id].append(a.volunteer_id)
        shifts[a.volunteer_id] += 1
        week[(a.volunteer_id, tuple(s.date.isocalendar())[:2])] += 1
        for half in _halves(s.part_of_day):
            busy.add((a.volunteer_id, s.date, half))

    def free(v, s, role) -> bool:
        if v.branch != s.branch or role not in v.roles or s.date in v.dates_away:
            return False
        if role == "driver" and not v.driver_approved:
            return False
        if s.kind in ("delivery", "list_collection") and not (
            v.pvg_status == "cleared" and (v.pvg_date is None or v.pvg_date <= s.date)
        ):
            return False
        for h in _halves(s.part_of_day):
            if (s.date.weekday(), h) not in v.availability or (v.id, s.date, h) in busy:
                return False
        if not v.happy_to_do_extra and shifts[v.id] >= v.wished_shifts_per_month:
            return False  # the wished frequency is their monthly maximum
        if v.trainee and sum(1 for d in shadow_days[v.id] if d < s.date) < v.shadow_shifts_needed:
            return False  # shadow shifts first
        return week[(v.id, tuple(s.date.isocalendar())[:2])] < v.max_shifts_per_week

    def compatible(group: list, shadow: list) -> bool:
        everyone = group + shadow
        for i, p in enumerate(everyone):
            for q in everyone[i + 1 :]:
                if q.id in p.never_partners or p.id in q.never_partners:
                    return False
        t = sum(1 for p in group if p.trainee)
        return t <= len(group) - t and not (shadow and t)

    out = []
    for s in problem.slots:
        here = [vols[i] for i in members[s.id]]
        shadow = [vols[i] for i in shadowing[s.id]]
        if s.kind in ("delivery", "list_collection"):
            if here:
                continue
            r1, r2 = ("driver", "delivery_mate") if s.kind == "delivery" else ("list_collector", "list_collector")
            a_list = [v for v in problem.volunteers if free(v, s, r1)]
            b_list = [v for v in problem.volunteers if free(v, s, r2)]
            if any(a.id != b.id and compatible([a, b], shadow) for a in a_list for b in b_list):
                out.append(s.id)
        elif len(here) < s.seats:
            cands = [
                v
                for v in problem.volunteers
                if v.id not in members[s.id] + shadowing[s.id]
                and free(v, s, s.kind if s.kind == "office" else "shopper")
            ]
            if any(compatible(here + [c], shadow) for c in cands):
                out.append(s.id)
    return out
