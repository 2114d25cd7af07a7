"""The coordinator-by-hand baseline, and a top-up pass for solver rotas.

A coordinator works through the month date by date and, for each slot, puts
in whoever is free and eligible, preferring people furthest below the shifts
they asked for. Hard rules are respected; soft rules other than the wished
frequency are ignored. The same routine tops up a solver rota found under a
time limit, so no seat is left empty while someone eligible is free.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Iterable

from .domain import SHADOW_ROLE, Assignment, RotaProblem, Slot, Volunteer


class RotaState:
    """Incremental bookkeeping of a rota under construction (hard rules only)."""

    def __init__(self, problem: RotaProblem, assignments: Iterable[Assignment] = ()) -> None:
        self.problem = problem
        self.slots = {s.id: s for s in problem.slots}
        self.vols = {v.id: v for v in problem.volunteers}
        self.busy: set[tuple[str, dt.date, str]] = set()
        self.week_count: dict[tuple[str, tuple[int, int]], int] = defaultdict(int)
        self.shifts: dict[str, int] = defaultdict(int)
        self.members: dict[str, list[tuple[str, str]]] = defaultdict(list)  # slot -> [(vid, role)], the seats
        self.shadows: dict[str, list[str]] = defaultdict(list)  # slot -> trainees in its shadow seat
        self.shadow_days: dict[str, list[dt.date]] = defaultdict(list)  # trainee -> dates shadowed
        for h in problem.history.assignments:
            self.week_count[(h.volunteer_id, h.date.isocalendar()[:2])] += 1
        for a in assignments:
            self.add(a.volunteer_id, a.slot_id, a.role)

    def add(self, vid: str, sid: str, role: str) -> None:
        s = self.slots[sid]
        for h in s.halves:
            self.busy.add((vid, s.date, h))
        self.week_count[(vid, s.date.isocalendar()[:2])] += 1
        self.shifts[vid] += 1
        if role == SHADOW_ROLE:
            self.shadows[sid].append(vid)
            self.shadow_days[vid].append(s.date)
        else:
            self.members[sid].append((vid, role))

    def remove(self, vid: str, sid: str, role: str) -> None:
        s = self.slots[sid]
        for h in s.halves:
            self.busy.discard((vid, s.date, h))
        self.week_count[(vid, s.date.isocalendar()[:2])] -= 1
        self.shifts[vid] -= 1
        if role == SHADOW_ROLE:
            self.shadows[sid].remove(vid)
            self.shadow_days[vid].remove(s.date)
        else:
            self.members[sid].remove((vid, role))

    def assignments(self) -> list[Assignment]:
        """The rota so far, seats and shadow seats, sorted."""
        out = [
            Assignment(slot_id=sid, role=role, volunteer_id=vid) for sid, ms in self.members.items() for vid, role in ms
        ]
        out += [
            Assignment(slot_id=sid, role=SHADOW_ROLE, volunteer_id=vid)
            for sid, vids in self.shadows.items()
            for vid in vids
        ]
        return sorted(out, key=lambda a: (a.slot_id, a.role, a.volunteer_id))

    # eligibility, step by step (the explanations count the same steps) ----
    @staticmethod
    def qualified(v: Volunteer, s: Slot, role: str) -> bool:
        """Holds the role, in the slot's branch, approved driver, PVG-cleared where needed."""
        if v.branch != s.branch or role not in v.roles:
            return False
        if role == "driver" and not v.driver_approved:
            return False
        return not (s.customer_facing and not v.pvg_cleared_on(s.date))

    def is_busy(self, vid: str, s: Slot) -> bool:
        return any((vid, s.date, h) in self.busy for h in s.halves)

    def at_monthly_max(self, v: Volunteer) -> bool:
        cap = v.monthly_maximum
        return cap is not None and self.shifts[v.id] >= cap

    def at_weekly_max(self, v: Volunteer, s: Slot) -> bool:
        return self.week_count[(v.id, s.date.isocalendar()[:2])] >= v.max_shifts_per_week

    def team_conflict(self, v: Volunteer, s: Slot) -> bool:
        """Adding v to a seat would break never-pair or the trainee rules with the people already in s (a
        trainee takes no seat beside a shadowing trainee, nor before their own shadow shifts are done)."""
        others = [self.vols[o] for o, _ in self.members[s.id]] + [self.vols[o] for o in self.shadows[s.id]]
        for o in others:
            if o.id in v.never_partners or v.id in o.never_partners:
                return True
        if v.trainee and (self.shadows[s.id] or not self.shadowed_enough(v, s)):
            return True
        if v.trainee and any(o.trainee for o in others) and s.is_team:
            return True
        return False

    def drop_stranded_shadows(self, sid: str) -> list[str]:
        """Take trainees off the shadow seat of ``sid`` once the seats no longer hold an experienced team."""
        s = self.slots[sid]
        seated = [self.vols[o] for o, _ in self.members[sid]]
        if len(seated) >= (2 if s.is_team else 1) and not any(o.trainee for o in seated):
            return []
        gone = list(self.shadows[sid])
        for vid in gone:
            self.remove(vid, sid, SHADOW_ROLE)
        return gone

    def shadowed_enough(self, v: Volunteer, s: Slot) -> bool:
        """A trainee's shadow shifts are all done on days before slot s (always, for anyone else)."""
        if not v.needs_shadowing:
            return True
        return sum(1 for d in self.shadow_days[v.id] if d < s.date) >= v.shadow_shifts_needed

    def can_shadow(self, v: Volunteer, s: Slot) -> bool:
        """v may take the shadow seat of s now: a trainee still short of shadow shifts, eligible and free, beside
        experienced people only (a team slot's full team), none of them a never-partner, the seat empty."""
        if self.shadows[s.id] or len(self.shadow_days[v.id]) >= v.shadow_shifts_needed:
            return False
        if not (v.may_shadow(s) and v.available_for(s)) or self.is_busy(v.id, s):
            return False
        if self.at_weekly_max(v, s) or self.at_monthly_max(v):
            return False
        seated = [self.vols[o] for o, _ in self.members[s.id]]
        if len(seated) < (2 if s.is_team else 1) or any(o.trainee for o in seated):
            return False
        return not any(o.id in v.never_partners or v.id in o.never_partners for o in seated)

    def role_count(self, sid: str, role: str) -> int:
        return sum(1 for _, r in self.members[sid] if r == role)

    def can_add(self, v: Volunteer, s: Slot, role: str) -> bool:
        return (
            self.qualified(v, s, role)
            and v.available_for(s)
            and not self.is_busy(v.id, s)
            and not self.at_weekly_max(v, s)
            and not self.at_monthly_max(v)
            and not self.team_conflict(v, s)
        )

    def trainee_balance_ok(self, sid: str) -> bool:
        trainees = sum(1 for o, _ in self.members[sid] if self.vols[o].trainee)
        return trainees <= len(self.members[sid]) - trainees


def _rank(state: RotaState, v: Volunteer, tiebreak: dict[str, float]) -> tuple:
    n, wish = state.shifts[v.id], v.wished_shifts_per_month
    return (n >= wish, n / max(wish, 1), v.trainee, tiebreak[v.id])


def fill_free_seats(
    problem: RotaProblem,
    assignments: Iterable[Assignment] = (),
    seed: int = 0,
    within_wish_only: bool = False,
    scarce_first: bool = False,
    spread: bool = False,
) -> list[Assignment]:
    """Add people to empty seats, slot by slot, keeping every hard rule.

    Slot order: date order by default; ``scarce_first`` takes the slots fewest people could ever take
    first; ``spread`` always takes next the slot with the fewest people *still free* for its scarcest
    role (recounted as people reach their weekly or monthly maximum), and prefers people whose remaining
    monthly budget is large beside the empty seats they could still take -- so a monthly maximum is not
    spent early in the month while a later day has no one else (date order left whole delivery days empty
    at the end of the month on the demo data).

    Existing ``assignments`` are kept. Team slots are only staffed with a
    complete team. Returns the full list of assignments.
    """
    state = RotaState(problem, assignments)
    rng = random.Random(seed)
    tiebreak = {v.id: rng.random() for v in problem.volunteers}
    by_branch: dict[str, list[Volunteer]] = defaultdict(list)
    for v in problem.volunteers:
        by_branch[v.branch].append(v)

    eligible: dict[tuple[str, str], list[Volunteer]] = {}

    def fixed_candidates(s: Slot, role: str) -> list[Volunteer]:
        """People who could ever take this seat (role, branch, approval, PVG, availability): computed once."""
        key = (s.id, role)
        if key not in eligible:
            eligible[key] = [v for v in by_branch[s.branch] if state.qualified(v, s, role) and v.available_for(s)]
        return eligible[key]

    def free_now(v: Volunteer, s: Slot) -> bool:
        """The parts of ``state.can_add`` that change as the rota fills, bar the team check."""
        return not (
            state.is_busy(v.id, s)
            or state.at_weekly_max(v, s)
            or state.at_monthly_max(v)
            or (within_wish_only and state.shifts[v.id] >= v.wished_shifts_per_month)
        )

    # spread: the unfilled slots each volunteer could take (their remaining demand on that person)
    open_slots_of: dict[str, set[str]] = defaultdict(set)

    def pressure(v: Volunteer) -> float:
        """Empty seats v could still take per shift v has left this month (lower: cheaper to use v now)."""
        cap = v.monthly_maximum
        left = (cap - state.shifts[v.id]) if cap is not None else len(open_slots_of[v.id])
        return len(open_slots_of[v.id]) / max(left, 1)

    def ranked(s: Slot, role: str) -> list[Volunteer]:
        if spread:
            return sorted(
                (v for v in fixed_candidates(s, role) if free_now(v, s)),
                key=lambda v: (pressure(v),) + _rank(state, v, tiebreak),
            )
        return sorted((v for v in fixed_candidates(s, role) if free_now(v, s)), key=lambda v: _rank(state, v, tiebreak))

    def place_first(s: Slot, role: str, cands: list[Volunteer], experienced_only: bool = False) -> Volunteer | None:
        """The first of ``cands`` (in rank order) who fits beside the people already in ``s``."""
        for v in cands:
            if (experienced_only and v.trainee) or state.is_busy(v.id, s) or state.team_conflict(v, s):
                continue
            state.add(v.id, s.id, role)
            if state.trainee_balance_ok(s.id) or (not s.is_team and _trainee_can_wait(state, s)):
                return v
            state.remove(v.id, s.id, role)
        return None

    def pick(s: Slot, role: str, experienced_only: bool = False) -> Volunteer | None:
        return place_first(s, role, ranked(s, role), experienced_only)

    def pick_team(s: Slot) -> None:
        """The first compatible pair in rank order: every first-seat candidate with every second-seat one.

        A top-ranked driver with no compatible mate no longer leaves the van empty: the next driver is tried.
        The second seat's ranking is computed once: placing a first-seat person changes no one else's rank
        or limits, only who is busy in the slot and who clashes with them (checked per pair).
        """
        first_role, second_role = (
            ("driver", "delivery_mate") if s.kind == "delivery" else ("list_collector", "list_collector")
        )
        firsts = [v for v in ranked(s, first_role) if not state.team_conflict(v, s)]
        seconds = ranked(s, second_role)
        for first in firsts:
            state.add(first.id, s.id, first_role)
            if place_first(s, second_role, seconds) is not None:
                return
            state.remove(first.id, s.id, first_role)

    def static_candidates(s: Slot) -> int:
        """People who could ever take the slot's scarcest role (role, approval, PVG, availability)."""
        return min(len(fixed_candidates(s, role)) for role in s.roles)

    if spread:
        order: Iterable[Slot] = _scarcest_free_first(problem, state, fixed_candidates, free_now, open_slots_of)
    elif scarce_first:
        order = sorted(problem.slots, key=lambda s: (static_candidates(s), s.date, s.part_of_day != "morning", s.id))
    else:
        order = sorted(problem.slots, key=lambda s: (s.date, s.part_of_day != "morning", s.id))
    for s in order:
        if s.is_team:
            if not state.members[s.id]:  # a staffed team slot is left alone (a team is all or nothing)
                pick_team(s)
        else:
            role = s.roles[0]
            # experienced first so a trainee can join them
            while state.role_count(s.id, role) < s.seats_for(role):
                if pick(s, role) is None:
                    break
            if _drop_unbalanced_trainees(state, s):
                # a trainee taken first may have shut out (never-pair) an experienced volunteer: seats
                # freed by dropping trainees go to experienced people only
                while state.role_count(s.id, role) < s.seats_for(role):
                    if pick(s, role, experienced_only=True) is None:
                        break
                # then a trainee may sit beside the experienced people now there
                while state.role_count(s.id, role) < s.seats_for(role):
                    if pick(s, role) is None:
                        break
                _drop_unbalanced_trainees(state, s)
    return state.assignments()


def drop_stranded_shadows(problem: RotaProblem, assignments: Iterable[Assignment]) -> list[Assignment]:
    """The rota without shadowing trainees whose slot no longer holds an experienced team beside them, and then
    without the seats of trainees whose shadow shifts are no longer all done before them (a team slot loses its
    whole team, which may strand another shadow: repeated until nothing changes)."""
    state = RotaState(problem, assignments)
    changed = True
    while changed:
        changed = False
        for sid in list(state.shadows):
            changed |= bool(state.drop_stranded_shadows(sid))
        for sid, members in list(state.members.items()):
            s = state.slots[sid]
            early = [(vid, role) for vid, role in members if not state.shadowed_enough(state.vols[vid], s)]
            if early:
                changed = True
                for vid, role in list(members) if s.is_team else early:
                    state.remove(vid, sid, role)
                _drop_unbalanced_trainees(state, s)
    return state.assignments()


def place_shadows(problem: RotaProblem, assignments: Iterable[Assignment] = (), seed: int = 0) -> list[Assignment]:
    """Give trainees the shadow shifts they still need, after the teams are placed: trainee by trainee (most
    shifts still to shadow first), the earliest slots where they may shadow (so the shifts are done early and
    a seat of their own can follow). Existing assignments are kept; returns the full list."""
    state = RotaState(problem, assignments)
    rng = random.Random(seed)
    trainees = sorted(
        (v for v in problem.volunteers if v.needs_shadowing),
        key=lambda v: (-(v.shadow_shifts_needed - len(state.shadow_days[v.id])), rng.random()),
    )
    order = sorted(problem.slots, key=lambda s: (s.date, s.part_of_day != "morning", s.id))
    for v in trainees:
        for s in order:
            if len(state.shadow_days[v.id]) >= v.shadow_shifts_needed:
                break
            if state.can_shadow(v, s):
                state.add(v.id, s.id, SHADOW_ROLE)
    return state.assignments()


def _scarcest_free_first(
    problem: RotaProblem, state: RotaState, fixed_candidates, free_now, open_slots_of: dict[str, set[str]]
):
    """Yield the slots one at a time, next always the one with the fewest people still free for its scarcest
    role. Only slots that shared a candidate with the slot just filled are recounted (a lazy heap: stale
    entries are skipped by version). Keeps ``open_slots_of`` (volunteer -> unfilled slots they could take)."""
    import heapq

    slots = {s.id: s for s in problem.slots}
    candidate_ids: dict[str, set[str]] = {}
    for s in problem.slots:
        ids = {v.id for role in s.roles for v in fixed_candidates(s, role)}
        candidate_ids[s.id] = ids
        if not state.members[s.id]:
            for vid in ids:
                open_slots_of[vid].add(s.id)

    # who is still free for each slot and role: people only ever stop being free as the rota fills
    free_ids = {
        s.id: {role: {v.id for v in fixed_candidates(s, role) if free_now(v, s)} for role in s.roles}
        for s in problem.slots
    }

    def free_count(s: Slot) -> int:
        return min(len(ids) for ids in free_ids[s.id].values())

    version: dict[str, int] = defaultdict(int)
    heap = [
        (free_count(s), s.date, s.part_of_day != "morning", s.id, 0)
        for s in problem.slots
        if not state.members[s.id] or not s.is_team
    ]
    heapq.heapify(heap)
    done: set[str] = set()
    while heap:
        _, _, _, sid, ver = heapq.heappop(heap)
        if sid in done or ver != version[sid]:
            continue
        done.add(sid)
        s = slots[sid]
        for vid in candidate_ids[sid]:
            open_slots_of[vid].discard(sid)
        yield s
        touched: set[str] = set()
        for vid, _ in state.members[sid]:  # whose free-count changed: only where the new member is no longer free
            v = state.vols[vid]
            if state.at_monthly_max(v):
                touched |= open_slots_of[vid]
            else:
                touched |= {
                    o
                    for o in open_slots_of[vid]
                    if slots[o].date == s.date
                    or (
                        slots[o].date.isocalendar()[:2] == s.date.isocalendar()[:2] and state.at_weekly_max(v, slots[o])
                    )
                }
        touched -= done
        for oid in touched:
            o = slots[oid]
            for vid, _ in state.members[sid]:
                if not free_now(state.vols[vid], o):
                    for ids in free_ids[oid].values():
                        ids.discard(vid)
            version[oid] += 1
            heapq.heappush(heap, (free_count(o), o.date, o.part_of_day != "morning", oid, version[oid]))


def _trainee_can_wait(state: RotaState, s: Slot) -> bool:
    """A trainee may take a seat in a multi-seat slot if seats remain for an experienced partner."""
    trainees = sum(1 for o, _ in state.members[s.id] if state.vols[o].trainee)
    experienced = len(state.members[s.id]) - trainees
    return trainees - experienced <= s.seats - len(state.members[s.id])


def _drop_unbalanced_trainees(state: RotaState, s: Slot) -> bool:
    """Remove trainees left without an experienced partner; True if any was removed."""
    dropped = False
    while not state.trainee_balance_ok(s.id):
        vid, role = next((o, r) for o, r in reversed(state.members[s.id]) if state.vols[o].trainee)
        state.remove(vid, s.id, role)
        dropped = True
    return dropped


def days_without_a_team(problem: RotaProblem, assignments: Iterable[Assignment]) -> list[tuple[str, dt.date]]:
    """(branch, date) of the days with delivery slots where no van is staffed: a delivery day lost."""
    staffed = {a.slot_id for a in assignments}
    days: dict[tuple[str, dt.date], bool] = {}
    for s in problem.slots:
        if s.kind == "delivery":
            days[(s.branch, s.date)] = days.get((s.branch, s.date), False) or s.id in staffed
    return sorted(day for day, any_staffed in days.items() if not any_staffed)


def rescue_lost_days(problem: RotaProblem, assignments: Iterable[Assignment], seed: int = 0) -> list[Assignment]:
    """Staff one van on each delivery day that has none, if a driver and mate can be freed for it.

    A volunteer at their weekly or monthly maximum is freed by taking them off one of their other slots,
    but never off the last staffed van of another day (a team slot loses its whole team, as a team is all or
    nothing). A move that breaks any hard rule is undone. Seats freed elsewhere are then topped up. A day
    costs at most a net two seats here; :func:`greedy_rota` prefers fewer lost days over seats.
    """
    state = RotaState(problem, assignments)
    slots_of_day: dict[tuple[str, dt.date], list[Slot]] = defaultdict(list)
    for s in problem.slots:
        if s.kind == "delivery":
            slots_of_day[(s.branch, s.date)].append(s)
    slots_of: dict[str, set[str]] = defaultdict(set)  # volunteer -> slots they sit in
    for sid, ms in state.members.items():
        for vid, _ in ms:
            slots_of[vid].add(sid)

    def staffed_vans(day: tuple[str, dt.date]) -> int:
        return sum(1 for s in slots_of_day[day] if state.members[s.id])

    def take_off(sid: str, log: list[tuple[str, str, str, str]]) -> None:
        """Remove sid's whole team (team slot) -- or, for a one-role slot, call with the person already chosen."""
        for vid, role in list(state.members[sid]):
            state.remove(vid, sid, role)
            slots_of[vid].discard(sid)
            log.append(("-", vid, sid, role))
        log.extend(("-", vid, sid, SHADOW_ROLE) for vid in state.drop_stranded_shadows(sid))

    def free_up(v: Volunteer, s: Slot, log: list[tuple[str, str, str, str]]) -> bool:
        """Take v off one slot so v may take s; False if v is not blocked by a maximum or cannot be freed."""
        week = s.date.isocalendar()[:2]
        weekly = state.at_weekly_max(v, s)
        donors = []
        for sid in slots_of[v.id]:
            x = state.slots[sid]
            if x.date == s.date or (weekly and x.date.isocalendar()[:2] != week):
                continue
            if x.kind == "delivery" and staffed_vans((x.branch, x.date)) < 2:
                continue  # never lose another delivery day
            donors.append((x.is_team, -staffed_vans((x.branch, x.date)) if x.kind == "delivery" else 0, x.date, sid))
        if not donors:
            return False
        sid = min(donors)[3]
        x = state.slots[sid]
        if x.is_team:
            take_off(sid, log)
        else:
            role = next(r for o, r in state.members[sid] if o == v.id)
            state.remove(v.id, sid, role)
            slots_of[v.id].discard(sid)
            log.append(("-", v.id, sid, role))
            while not state.trainee_balance_ok(sid):  # a trainee left without an experienced partner goes too
                tid, trole = next((o, r) for o, r in reversed(state.members[sid]) if state.vols[o].trainee)
                state.remove(tid, sid, trole)
                slots_of[tid].discard(sid)
                log.append(("-", tid, sid, trole))
            log.extend(("-", vid, sid, SHADOW_ROLE) for vid in state.drop_stranded_shadows(sid))
        return True

    def undo(log: list[tuple[str, str, str, str]]) -> None:
        for op, vid, sid, role in reversed(log):
            if op == "+":
                state.remove(vid, sid, role)
                slots_of[vid].discard(sid)
            else:
                state.add(vid, sid, role)
                if role != SHADOW_ROLE:  # slots_of holds seats only
                    slots_of[vid].add(sid)

    def seat(v: Volunteer, s: Slot, role: str, log: list[tuple[str, str, str, str]]) -> bool:
        if not state.can_add(v, s, role) and not (
            (state.at_monthly_max(v) or state.at_weekly_max(v, s)) and free_up(v, s, log) and state.can_add(v, s, role)
        ):
            return False
        state.add(v.id, s.id, role)
        slots_of[v.id].add(s.id)
        log.append(("+", v.id, s.id, role))
        return True

    def could_sit(v: Volunteer, s: Slot, role: str) -> bool:
        return state.qualified(v, s, role) and v.available_for(s) and not state.is_busy(v.id, s)

    for day in sorted(slots_of_day):
        if staffed_vans(day):
            continue
        vols = [v for v in problem.volunteers if v.branch == day[0]]
        done = False
        for s in sorted(slots_of_day[day], key=lambda x: x.id):
            drivers = [v for v in vols if could_sit(v, s, "driver")]
            mates = [v for v in vols if could_sit(v, s, "delivery_mate")]
            for d in drivers:
                for m in mates:
                    if m.id == d.id or m.id in d.never_partners or d.id in m.never_partners:
                        continue
                    log: list[tuple[str, str, str, str]] = []
                    if (
                        seat(d, s, "driver", log)
                        and seat(m, s, "delivery_mate", log)
                        and state.trainee_balance_ok(s.id)
                    ):
                        done = True
                        break
                    undo(log)
                if done:
                    break
            if done:
                break
    return fill_free_seats(problem, state.assignments(), seed=seed)


def greedy_rota(problem: RotaProblem, seed: int = 0) -> list[Assignment]:
    """What a coordinator does by hand -- three ways, the best kept: date by date (first free eligible
    person); the slots fewest people could ever take first; and spread (the slot with fewest people still
    free next, people with budget to spare first; see :func:`fill_free_seats`).

    Kept: the rota with the fewest delivery days left without any van staffed (a lost delivery day is worse
    for the charity than a seat elsewhere), then the most seats; on a tie the earlier in that list.
    """
    rotas = [
        fill_free_seats(problem, (), seed=seed),
        fill_free_seats(problem, (), seed=seed, scarce_first=True),
        fill_free_seats(problem, (), seed=seed, spread=True),
    ]
    rotas = [rescue_lost_days(problem, r, seed) if days_without_a_team(problem, r) else r for r in rotas]
    # shadows after the teams; then trainees whose shadow shifts are done may take seats still empty
    if any(v.needs_shadowing for v in problem.volunteers):
        rotas = [fill_free_seats(problem, place_shadows(problem, r, seed), seed=seed) for r in rotas]
    return min(rotas, key=lambda r: (len(days_without_a_team(problem, r)), -_seats(r), -len(r)))


def _seats(rota: list[Assignment]) -> int:
    return sum(1 for a in rota if not a.is_shadow)
