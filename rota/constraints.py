"""The CP-SAT model, built from one named function per business rule.

Decision variables are ``x[v, s, r]``: volunteer ``v`` fills a seat of role
``r`` in slot ``s``; and ``shadow[v, s]``: trainee ``v`` takes the slot's
shadow seat (an extra person beside the team, never one of its seats),
created only where a trainee still needing shadow shifts could be. Teams are modelled through the slot (a delivery slot has
one driver seat and one mate seat; a list-collection slot has two
interchangeable collector seats counted by one sum), never with pair
variables, so there is no seat-numbering symmetry.

Hard rules come in two flavours:

* *eligibility* rules prune candidate ``(v, s, r)`` triples before any variable
  exists (cheap, and the model stays small);
* *model* rules add constraints between variables.

Soft rules add named, weighted penalty terms to ``RotaModel.penalties``; their
definitions mirror :mod:`rota.scoring` exactly.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Concatenate, ParamSpec

from ortools.sat.python import cp_model

from .domain import SHADOW_ROLE, Assignment, RotaProblem, Slot, Volunteer, Weights
from .scoring import carry_over_target, fair_load_penalty, fair_load_table, previous_round_members, triangular

Key = tuple[str, str, str]  # (volunteer id, slot id, role)
# A linear expression of the model: a variable (IntVar is a LinearExpr) or a sum of them. OR-Tools' own
# ``LinearExprT`` also admits numpy integers, whose operator stubs clash with LinearExpr's; the model never uses them.
Expr = cp_model.LinearExpr
HintArgs = ParamSpec("HintArgs")


@dataclass
class RotaModel:
    """The CP-SAT model under construction and the handles the rules share."""

    problem: RotaProblem
    weights: Weights
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    candidates: set[Key] = field(default_factory=set)
    x: dict[Key, cp_model.IntVar] = field(default_factory=dict)
    # shadow seats: candidate (v, s) pairs, then shadow[v, s]: trainee v shadows the team of s
    shadow_candidates: set[tuple[str, str]] = field(default_factory=set)
    shadow: dict[tuple[str, str], cp_model.IntVar] = field(default_factory=dict)
    # seat_y[v, s]: v sits in one of s's seats (sum over roles); y[v, s]: v works in s, in a seat or shadowing
    # (0/1 by add_one_slot_at_a_time). Shift counts use y; team rules use seat_y.
    seat_y: dict[tuple[str, str], Expr] = field(default_factory=dict)
    y: dict[tuple[str, str], Expr] = field(default_factory=dict)
    filled: dict[str, cp_model.IntVar] = field(default_factory=dict)
    penalties: dict[str, list[tuple[int, Expr]]] = field(default_factory=lambda: defaultdict(list))
    constant_penalties: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # auxiliary variables and how to compute their value from a rota (complete hints): see :meth:`hint_by`
    aux: list[tuple[cp_model.IntVar, Callable[[HintValues], int]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.slots = {s.id: s for s in self.problem.slots}
        self.vols = {v.id: v for v in self.problem.volunteers}

    # helpers -------------------------------------------------------------
    def hint_by(
        self,
        var: cp_model.IntVar,
        value: Callable[Concatenate[HintValues, HintArgs], int],
        *args: HintArgs.args,
        **kwargs: HintArgs.kwargs,
    ) -> None:
        """Record how :func:`add_hint` computes auxiliary ``var`` from a rota: ``value(hint_values, *args)``,
        e.g. ``m.hint_by(n, HintValues.n, vid)``; ``args`` are taken now (loop variables are safe)."""
        self.aux.append((var, lambda h: value(h, *args, **kwargs)))

    def slot_vars(self, slot_id: str) -> dict[str, list[tuple[str, cp_model.IntVar]]]:
        return self._by_slot.get(slot_id, {})

    def vol_slots(self, vid: str) -> list[str]:
        return self._by_vol.get(vid, [])

    def variables(self) -> dict[Key, cp_model.IntVar]:
        """Every 0/1 decision: the seats ``x`` and the shadow seats keyed ``(v, s, SHADOW_ROLE)``."""
        return {**self.x, **{(v, s, SHADOW_ROLE): var for (v, s), var in self.shadow.items()}}

    def assignments(self, value: Callable[[cp_model.IntVar], bool]) -> list[Assignment]:
        """The rota a solution gives (``value``: e.g. ``solver.boolean_value``), shadow seats included."""
        return [
            Assignment(slot_id=s, role=r, volunteer_id=v) for (v, s, r), var in self.variables().items() if value(var)
        ]

    def index(self) -> None:
        by_slot: dict[str, dict[str, list[tuple[str, cp_model.IntVar]]]] = defaultdict(lambda: defaultdict(list))
        by_vol: dict[str, list[str]] = defaultdict(list)
        ys: dict[tuple[str, str], list[cp_model.IntVar]] = defaultdict(list)
        for (v, s, r), var in self.x.items():
            by_slot[s][r].append((v, var))
            ys[(v, s)].append(var)
        for (v, s), vs in ys.items():
            self.seat_y[(v, s)] = _sum_of(vs)
        for (v, s), var in self.shadow.items():
            ys[(v, s)].append(var)
        for (v, s), vs in ys.items():
            by_vol[v].append(s)
            self.y[(v, s)] = _sum_of(vs)
        self._by_slot = by_slot
        self._shifts: dict[str, cp_model.IntVar] = {}
        self._by_vol = {v: sorted(ss, key=lambda sid: (self.slots[sid].date, sid)) for v, ss in by_vol.items()}

    def shifts(self, vid: str) -> cp_model.IntVar:
        """Integer variable = number of shifts of ``vid`` (one equality, reused by the
        convex penalties so each tangent cut has two terms, not one per slot)."""
        if vid not in self._shifts:
            slots = self.vol_slots(vid)
            n = self.model.new_int_var(0, self.max_shifts(vid), f"shifts[{vid}]")
            self.model.add(n == sum(self.y[(vid, s)] for s in slots))
            self.hint_by(n, HintValues.n, vid)
            self._shifts[vid] = n
        return self._shifts[vid]

    def max_shifts(self, vid: str) -> int:
        """Upper bound on shifts: candidate slots, capped by the weekly maximum per ISO week."""
        per_week: dict[tuple[int, int], int] = defaultdict(int)
        for sid in self.vol_slots(vid):
            per_week[self.slots[sid].date.isocalendar()[:2]] += 1
        cap = self.vols[vid].max_shifts_per_week
        return sum(min(n, cap) for n in per_week.values())


def _sum_of(variables: list[cp_model.IntVar]) -> Expr:
    """One variable as it is, several as their sum (``sum`` starts from 0, hence the typed fold)."""
    total: Expr = variables[0]
    for var in variables[1:]:
        total = total + var
    return total


# --------------------------------------------------------------------------
# Hard rules: eligibility (prune candidates before variables exist)
# --------------------------------------------------------------------------


def add_only_volunteers_with_the_role(m: RotaModel) -> None:
    """A volunteer only fills roles they do, in their own branch."""
    for s in m.problem.slots:
        for r in s.roles:
            for v in m.problem.volunteers:
                if v.branch == s.branch and r in v.roles and s.seats > 0:
                    m.candidates.add((v.id, s.id, r))


def _prune(m: RotaModel, keep: Callable[[Volunteer, Slot, str], bool]) -> None:
    m.candidates = {(v, s, r) for (v, s, r) in m.candidates if keep(m.vols[v], m.slots[s], r)}


def add_only_available_volunteers(m: RotaModel) -> None:
    """Only in their weekly availability (weekday x half-day), never on a date away."""
    _prune(m, lambda v, s, r: v.available_for(s))


def add_driver_needs_approval(m: RotaModel) -> None:
    """The driver seat only for a volunteer approved to drive the vans."""
    _prune(m, lambda v, s, r: r != "driver" or v.driver_approved)


def add_pvg_required_for_customer_contact(m: RotaModel) -> None:
    """Customer-facing slots only for volunteers PVG-cleared by that date."""
    _prune(m, lambda v, s, r: not s.customer_facing or v.pvg_cleared_on(s.date))


def _room_left(m: RotaModel) -> Callable[[Volunteer, Slot], bool]:
    """Whether ``v`` has a shift left in the week of slot ``s`` (weekly cap less last month's shifts in that
    week) and in the month (monthly maximum not 0)."""
    hist_week: dict[tuple[str, tuple[int, int]], int] = defaultdict(int)
    for h in m.problem.history.assignments:
        hist_week[(h.volunteer_id, h.date.isocalendar()[:2])] += 1

    def has_room(v: Volunteer, s: Slot) -> bool:
        if v.monthly_maximum == 0:
            return False
        return v.max_shifts_per_week - hist_week[(v.id, s.date.isocalendar()[:2])] > 0

    return has_room


def drop_volunteers_with_no_shift_left(m: RotaModel) -> None:
    """Implied by the weekly and monthly maxima: nobody is a candidate in a week where their cap
    (less last month's shifts in that week) is 0, nor at all when their monthly maximum is 0."""
    has_room = _room_left(m)
    _prune(m, lambda v, s, r: has_room(v, s))


def _never_together(a: Volunteer, b: Volunteer) -> bool:
    return b.id in a.never_partners or a.id in b.never_partners


def add_shadow_seats_for_trainees(m: RotaModel) -> None:
    """A trainee still needing shadow shifts may take a slot's shadow seat (:meth:`Volunteer.may_shadow`: a role of
    the slot, own branch, PVG where customers are met) when available, with a shift left that week, and where
    experienced candidates (not never-partners of theirs) exist for every role of the slot. Only these pairs get
    a shadow variable, so a month without trainees has none."""
    has_room = _room_left(m)
    experienced: dict[tuple[str, str], list[Volunteer]] = defaultdict(list)
    for vid, sid, role in m.candidates:
        if not m.vols[vid].trainee:
            experienced[(sid, role)].append(m.vols[vid])
    trainees = [v for v in m.problem.volunteers if v.needs_shadowing]
    for s in m.problem.slots:
        for v in trainees:
            if not (v.may_shadow(s) and v.available_for(s) and has_room(v, s)):
                continue
            if all(any(not _never_together(v, o) for o in experienced[(s.id, r)]) for r in s.roles):
                m.shadow_candidates.add((v.id, s.id))


def keep_trainees_out_of_seats_until_shadowed(m: RotaModel) -> None:
    """Implied by :func:`add_shadow_shifts_before_a_seat`: a trainee still needing k shadow shifts is no seat
    candidate on a date with fewer than k shadow candidates of theirs on earlier dates."""
    shadow_dates: dict[str, list[dt.date]] = defaultdict(list)
    for vid, sid in m.shadow_candidates:
        shadow_dates[vid].append(m.slots[sid].date)

    def shadowed_enough(v: Volunteer, s: Slot, r: str) -> bool:
        if not v.needs_shadowing:
            return True
        return sum(1 for d in shadow_dates[v.id] if d < s.date) >= v.shadow_shifts_needed

    _prune(m, shadowed_enough)


def _could_work_together(a: Volunteer, b: Volunteer, team: bool) -> bool:
    """The pairwise hard rules: never-pair either way, and two trainees never make a team of two."""
    if a.id == b.id or b.id in a.never_partners or a.id in b.never_partners:
        return False
    return not (team and a.trainee and b.trainee)


def drop_seats_nobody_can_share(m: RotaModel) -> None:
    """Implied by the team, trainee and never-pair rules, so the model never carries a seat that can
    only be filled alone: in a team slot, a candidate with no candidate partner they could work with
    (driver with mate, collector with collector); in any other slot, a trainee with no experienced
    candidate they could work beside (nor any trainee in a one-seat slot). Repeated until nothing more drops (one drop can strand another)."""
    by_slot: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for vid, sid, role in m.candidates:
        by_slot[sid][role].add(vid)
    dropped: set[Key] = set()
    changed = True
    while changed:
        changed = False
        for sid, roles in by_slot.items():
            s = m.slots[sid]
            if s.is_team:
                partner_role = {
                    "driver": "delivery_mate",
                    "delivery_mate": "driver",
                    "list_collector": "list_collector",
                }
                for r, vids in roles.items():
                    others = roles.get(partner_role[r], set())
                    for vid in sorted(vids):
                        v = m.vols[vid]
                        if not any(_could_work_together(v, m.vols[o], True) for o in others):
                            vids.discard(vid)
                            dropped.add((vid, sid, r))
                            changed = True
            else:
                everyone = {vid for vids in roles.values() for vid in vids}
                for r, vids in roles.items():
                    for vid in sorted(vids):
                        v = m.vols[vid]
                        if v.trainee and (
                            s.seats < 2
                            or not any(
                                not m.vols[o].trainee and _could_work_together(v, m.vols[o], False) for o in everyone
                            )
                        ):
                            vids.discard(vid)
                            dropped.add((vid, sid, r))
                            changed = True
    m.candidates -= dropped


ELIGIBILITY_RULES = (
    add_only_volunteers_with_the_role,
    add_only_available_volunteers,
    add_driver_needs_approval,
    add_pvg_required_for_customer_contact,
    drop_volunteers_with_no_shift_left,
    add_shadow_seats_for_trainees,
    keep_trainees_out_of_seats_until_shadowed,
    drop_seats_nobody_can_share,
)


def create_assignment_variables(m: RotaModel) -> None:
    for key in sorted(m.candidates):
        m.x[key] = m.model.new_bool_var(f"x[{key[0]},{key[1]},{key[2]}]")
    for pair in sorted(m.shadow_candidates):
        m.shadow[pair] = m.model.new_bool_var(f"shadow[{pair[0]},{pair[1]}]")
    m.index()


# --------------------------------------------------------------------------
# Hard rules: constraints between variables
# --------------------------------------------------------------------------


def add_seat_limits(m: RotaModel) -> None:
    """No slot takes more people of a role than it has seats for."""
    for s in m.problem.slots:
        if s.is_team:
            continue  # add_two_person_teams fixes team sizes exactly
        for r in s.roles:
            vs = m.slot_vars(s.id).get(r, [])
            if len(vs) > s.seats_for(r):
                m.model.add(sum(var for _, var in vs) <= s.seats_for(r))


def add_two_person_teams(m: RotaModel) -> None:
    """A customer-facing slot is staffed by a full team of two or not at all.

    Delivery: exactly one driver and one delivery mate; list collection: two
    collectors. ``filled[s]`` says whether the team goes out.
    """
    for s in m.problem.slots:
        if not s.is_team:
            continue
        f = m.model.new_bool_var(f"filled[{s.id}]")
        m.filled[s.id] = f
        m.hint_by(f, HintValues.team_out, s.id)
        by_role = m.slot_vars(s.id)
        if s.kind == "delivery":
            for r in ("driver", "delivery_mate"):
                m.model.add(sum(var for _, var in by_role.get(r, [])) == f)
        else:
            m.model.add(sum(var for _, var in by_role.get("list_collector", [])) == 2 * f)
        if not all(by_role.get(r) for r in s.roles):
            m.model.add(f == 0)


def add_one_slot_at_a_time(m: RotaModel) -> None:
    """Nobody is in two places at once: per volunteer, date and half-day, at most one seat (shadow seats too)."""
    for vid in m.vols:
        per_half: dict[tuple[dt.date, str], list[cp_model.IntVar]] = defaultdict(list)
        for sid in m.vol_slots(vid):
            s = m.slots[sid]
            for var in [m.x.get((vid, sid, r)) for r in s.roles] + [m.shadow.get((vid, sid))]:
                if var is not None:
                    for h in s.halves:
                        per_half[(s.date, h)].append(var)
        for vs in per_half.values():
            if len(vs) > 1:
                m.model.add_at_most_one(vs)


def add_trainee_with_experienced_partner(m: RotaModel) -> None:
    """A trainee only works alongside an experienced volunteer; at most one trainee per team."""
    for s in m.problem.slots:
        trainees: list[cp_model.IntVar] = []
        experienced: list[cp_model.IntVar] = []
        for r, vs in m.slot_vars(s.id).items():
            for vid, var in vs:
                (trainees if m.vols[vid].trainee else experienced).append(var)
        if not trainees:
            continue
        if s.is_team:
            m.model.add(sum(trainees) <= 1)
        m.model.add(sum(trainees) <= sum(experienced))


def add_never_pair(m: RotaModel) -> None:
    """Two people either of whom said 'never with' are never in the same slot."""
    pairs: set[tuple[str, str]] = set()
    for v in m.problem.volunteers:
        for w in v.never_partners:
            if w in m.vols:
                pairs.add((v.id, w) if v.id < w else (w, v.id))
    never: dict[str, set[str]] = defaultdict(set)
    for a, b in pairs:
        never[a].add(b)
        never[b].add(a)
    # Delivery slot: one driver seat, one mate seat, so "a drives and one of a's never-partners is the
    # mate" is one clique -- x[a, driver] + sum of those mates' x <= 1 -- (and the same with the roles
    # swapped): one constraint per volunteer and seat instead of one per pair, and a stronger LP.
    # Two never-partners in the same role are already kept apart by the seat.
    shadows_in: dict[str, list[tuple[str, cp_model.IntVar]]] = defaultdict(list)
    for (vid, sid), var in m.shadow.items():
        shadows_in[sid].append((vid, var))
    for s in m.problem.slots:
        if s.kind != "delivery":
            continue
        by_role = {r: dict(vs) for r, vs in m.slot_vars(s.id).items()}
        for own, other in (("driver", "delivery_mate"), ("delivery_mate", "driver")):
            for a, var in sorted(by_role.get(own, {}).items()):
                clash = [by_role[other][b] for b in sorted(never[a]) if b in by_role.get(other, {})]
                if clash:
                    m.model.add_at_most_one([var, *clash])
        # the shadow seat beside each seat: the same clique, the shadowing trainee in place of ``a``
        for a, var in sorted(shadows_in[s.id]):
            for seat in ("driver", "delivery_mate"):
                clash = [by_role[seat][b] for b in sorted(never[a]) if b in by_role.get(seat, {})]
                if clash:
                    m.model.add_at_most_one([var, *clash])
    # other slots: y counts the shadow seat too, so a shadow is kept from their never-partners here
    for a, b in sorted(pairs):
        common = set(m.vol_slots(a)) & set(m.vol_slots(b))
        for sid in sorted(common):
            if m.slots[sid].kind != "delivery":
                m.model.add(m.y[(a, sid)] + m.y[(b, sid)] <= 1)


def add_weekly_maximum(m: RotaModel) -> None:
    """At most ``max_shifts_per_week`` per ISO week, counting last month's shifts in that week."""
    hist_week: dict[tuple[str, tuple[int, int]], int] = defaultdict(int)
    for h in m.problem.history.assignments:
        hist_week[(h.volunteer_id, h.date.isocalendar()[:2])] += 1
    for vid, v in m.vols.items():
        per_week: dict[tuple[int, int], list[Expr]] = defaultdict(list)
        for sid in m.vol_slots(vid):
            per_week[m.slots[sid].date.isocalendar()[:2]].append(m.y[(vid, sid)])
        for wk, ys in per_week.items():
            cap = max(0, v.max_shifts_per_week - hist_week[(vid, wk)])
            if len(ys) > cap:
                m.model.add(sum(ys) <= cap)


def add_wished_frequency_as_maximum(m: RotaModel) -> None:
    """No more shifts in the month than the volunteer said they can do, unless they are happy to do extra."""
    for vid, v in m.vols.items():
        cap = v.monthly_maximum
        ys = [m.y[(vid, sid)] for sid in m.vol_slots(vid)]
        if cap is not None and len(ys) > cap:
            m.model.add(sum(ys) <= cap)


def add_shadow_beside_an_experienced_team(m: RotaModel) -> None:
    """The shadow seat: at most one trainee per slot, and only beside experienced volunteers -- a team slot's
    full team of two, or at least one person in a shopping or office slot -- with no trainee in the seats.
    It is never one of the seats (``filled`` and the seat limits count seats only)."""
    by_slot: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    for (_, sid), var in m.shadow.items():
        by_slot[sid].append(var)
    for sid, shs in sorted(by_slot.items()):
        s = m.slots[sid]
        total = shs[0] if len(shs) == 1 else sum(shs)
        if len(shs) > 1:
            m.model.add_at_most_one(shs)
        seats = [(vid, var) for vs in m.slot_vars(sid).values() for vid, var in vs]
        if s.is_team:
            m.model.add(total <= m.filled[sid])
        else:
            m.model.add(total <= sum(var for vid, var in seats if not m.vols[vid].trainee))
        for vid, var in seats:
            if m.vols[vid].trainee:
                m.model.add(total + var <= 1)


def add_shadow_shifts_before_a_seat(m: RotaModel) -> None:
    """A trainee still needing k shadow shifts shadows at most k this month, and takes a seat of their own only
    once k shadow shifts are done on earlier days (then as any trainee: beside an experienced volunteer)."""
    shadow_of: dict[str, list[tuple[dt.date, cp_model.IntVar]]] = defaultdict(list)
    for (vid, sid), var in m.shadow.items():
        shadow_of[vid].append((m.slots[sid].date, var))
    for vid, v in m.vols.items():
        if not v.needs_shadowing:
            continue
        k = v.shadow_shifts_needed
        shs = shadow_of[vid]
        if len(shs) > k:
            m.model.add(sum(var for _, var in shs) <= k)
        # done[d]: their shadow shifts are done before day d -- a staircase over the days they have a seat
        # candidate (monotone, so one decision propagates to every later day). The same rule as
        # k * seat <= shadows before its day per seat, but CP-SAT proved typical month seed 2 optimal in 2.6 CPU s
        # where the per-seat form was 15 % off after 7 CPU s.
        seat_days = sorted({m.slots[sid].date for sid in m.vol_slots(vid) if (vid, sid) in m.seat_y})
        done: dict[dt.date, cp_model.IntVar] = {}
        for day in seat_days:
            done[day] = m.model.new_bool_var(f"shadowed[{vid},{day}]")
            m.model.add(k * done[day] <= sum(var for d, var in shs if d < day))
            if len(done) > 1:
                m.model.add(done[seat_days[len(done) - 2]] <= done[day])
            m.hint_by(done[day], HintValues.shadow_shifts_done, vid, day, k)
        for sid in m.vol_slots(vid):
            if (vid, sid) in m.seat_y:
                m.model.add(m.seat_y[(vid, sid)] <= done[m.slots[sid].date])
        add_seats_wait_for_all_shadow_shifts(m, vid, k, done)


def add_seats_wait_for_all_shadow_shifts(m: RotaModel, vid: str, k: int, done: dict[dt.date, cp_model.IntVar]) -> None:
    """Implied by :func:`add_shadow_shifts_before_a_seat`, written so the LP sees it: the seats a trainee takes up to
    day d are at most (their most shifts - k) * done[d] -- once done, k of their shifts were shadow shifts; not done,
    no seat. The per-seat form alone lets the LP shadow half the k shifts, be "half done" and take half of every
    seat (typical seed 100: the seat maximum's LP 347.6 against 343 seats at most; the search stayed one seat
    short of a proof)."""
    cap = m.max_shifts(vid)
    monthly_maximum = m.vols[vid].monthly_maximum
    if monthly_maximum is not None:
        cap = min(cap, monthly_maximum)
    seats_by_day: dict[dt.date, list[Expr]] = defaultdict(list)
    for sid in m.vol_slots(vid):
        if (vid, sid) in m.seat_y:
            seats_by_day[m.slots[sid].date].append(m.seat_y[(vid, sid)])
    so_far: list[Expr] = []
    for day in sorted(seats_by_day):
        so_far.extend(seats_by_day[day])
        most = max(0, min(cap - k, len(so_far)))
        m.model.add(sum(so_far) <= most * done[day])


def team_and_single_seats(m: RotaModel) -> tuple[list[cp_model.IntVar], list[cp_model.IntVar]]:
    """The teams that may go out (``filled``) and the seats of one-person slots (shopping, office): seats filled
    = 2 x teams + single seats."""
    return list(m.filled.values()), [var for (_, sid, _), var in m.x.items() if not m.slots[sid].is_team]


def add_most_teams_and_single_seats(m: RotaModel, most_teams: int | None, most_single_seats: int | None) -> None:
    """Implied bounds found beforehand by solving the hard rules alone (see
    :func:`rota.solver.proven_team_and_single_maxima`): no rota sends out more than ``most_teams`` teams nor
    fills more than ``most_single_seats`` one-person seats. The LP alone sends half a team out (one list
    collector at filled = 0.5) and so sits one seat above any rota -- on typical seeds 100/109/115 the search
    stayed one seat short of a proof; with these two bounds the seat maximum is proven in 0.2-0.5 units."""
    own = m.model.get_bool_var_from_proto_index  # m.model may be a clone: the same variables by index
    teams, singles = team_and_single_seats(m)
    if most_teams is not None and most_teams < len(teams):
        m.model.add(sum(own(v.index) for v in teams) <= most_teams)
    if most_single_seats is not None and most_single_seats < len(singles):
        m.model.add(sum(own(v.index) for v in singles) <= most_single_seats)


HARD_RULES = (
    add_seat_limits,
    add_two_person_teams,
    add_one_slot_at_a_time,
    add_trainee_with_experienced_partner,
    add_shadow_beside_an_experienced_team,
    add_shadow_shifts_before_a_seat,
    add_never_pair,
    add_weekly_maximum,
    add_wished_frequency_as_maximum,
)


# --------------------------------------------------------------------------
# Soft rules: named weighted penalty terms (mirror rota.scoring.evaluate)
# --------------------------------------------------------------------------


def _max0(
    m: RotaModel,
    expr: Expr,
    ub: int,
    name: str,
    value: Callable[Concatenate[HintValues, HintArgs], int],
    *args: HintArgs.args,
    **kwargs: HintArgs.kwargs,
) -> cp_model.IntVar:
    """A variable >= max(0, expr); tight under minimisation. ``value(hint_values, *args)`` computes expr from a
    rota."""
    v = m.model.new_int_var(0, max(0, ub), name)
    m.model.add(v >= expr)
    m.hint_by(v, HintValues.at_least_0, value, *args, **kwargs)
    return v


def penalise_unfilled_seats(m: RotaModel) -> None:
    """Fill every slot: each empty seat costs ``fill_seat``."""
    w = m.weights.fill_seat
    total_seats = sum(s.seats for s in m.problem.slots)
    m.constant_penalties["fill_every_slot"] += w * total_seats
    for var in m.x.values():
        m.penalties["fill_every_slot"].append((-w, var))


def penalise_wished_frequency(m: RotaModel) -> None:
    """Not more than each volunteer wished for (convex: the k-th shift over
    costs k * over_wish), and not much less (under_wish per shift short)."""
    w = m.weights
    for vid, v in m.vols.items():
        slots = m.vol_slots(vid)
        wish = v.wished_shifts_per_month
        if not slots:
            m.constant_penalties["wished_frequency"] += w.under_wish * wish
            continue
        n = m.shifts(vid)
        top = m.max_shifts(vid) - wish
        if top > 0 and w.over_wish:
            # triangular(n - wish) via tangents at integers k: T(k) + (k+1)(o - k)
            pen = m.model.new_int_var(0, top * (top + 1) // 2, f"over[{vid}]")
            for k in range(top):
                m.model.add(pen >= k * (k + 1) // 2 + (k + 1) * (n - wish - k))
            m.penalties["wished_frequency"].append((w.over_wish, pen))
            m.hint_by(pen, HintValues.over_wish, vid, wish)
        if wish > 0 and w.under_wish:
            m.penalties["wished_frequency"].append(
                (w.under_wish, _max0(m, wish - n, wish, f"under[{vid}]", HintValues.under_wish, vid, wish))
            )


def penalise_unfair_load(m: RotaModel) -> None:
    """Spread the shortfall fairly, carrying last month over: convex in the
    relative two-month shortfall (see :func:`rota.scoring.fair_load_table`)."""
    w = m.weights.fair_load
    if not w:
        return
    targets = carry_over_target(m.problem)
    for vid in m.vols:
        target, done = targets[vid]
        dmax = min(target, target - done)  # shortfall with no shift this month
        if dmax <= 0:
            continue
        table = fair_load_table(target, w)
        slots = m.vol_slots(vid)
        if not slots or table[dmax] == 0:
            m.constant_penalties["fair_load"] += table[dmax]
            continue
        n = m.shifts(vid)
        pen = m.model.new_int_var(0, table[dmax], f"fair[{vid}]")
        # convex piecewise-linear: pen >= table[k] + (table[k+1]-table[k]) * (D - k), D = target - done - n
        for k in range(dmax):
            inc = table[k + 1] - table[k]
            if inc:
                m.model.add(pen >= table[k] + inc * (target - done - n - k))
        m.penalties["fair_load"].append((1, pen))
        m.hint_by(pen, HintValues.fair_load, vid, target, done, w)


def penalise_unstable_rounds(m: RotaModel) -> None:
    """Same faces on the same round week to week: each newcomer in a seat of a round costs (a shadowing
    trainee is no newcomer and no regular)."""
    w = m.weights.stable_rounds
    if not w:
        return
    prev = previous_round_members(m.problem)
    for sid, p in prev.items():
        for r, vs in m.slot_vars(sid).items():
            for vid, var in vs:
                if isinstance(p, frozenset):
                    if vid not in p:
                        m.penalties["stable_rounds"].append((w, var))
                elif (vid, p) in m.seat_y:
                    keep = m.model.new_bool_var(f"keep[{vid},{sid},{r}]")
                    m.model.add(keep <= var)
                    m.model.add(keep <= m.seat_y[(vid, p)])
                    m.hint_by(keep, HintValues.kept_from_previous_round, (vid, sid, r), p)
                    m.penalties["stable_rounds"].append((w, var - keep))
                else:
                    m.penalties["stable_rounds"].append((w, var))


def penalise_missing_preferred_partners(m: RotaModel) -> None:
    """In a team, a volunteer with preferred partners should have one of them alongside (seats only)."""
    w = m.weights.preferred_partner
    if not w:
        return
    for vid, v in m.vols.items():
        if not v.preferred_partners:
            continue
        for sid in m.vol_slots(vid):
            if not m.slots[sid].is_team or (vid, sid) not in m.seat_y:
                continue
            mates = [m.seat_y[(p, sid)] for p in sorted(v.preferred_partners) if (p, sid) in m.seat_y]
            if not mates:
                m.penalties["preferred_partners"].append((w, m.seat_y[(vid, sid)]))
                continue
            tog = m.model.new_bool_var(f"together[{vid},{sid}]")
            m.model.add(tog <= m.seat_y[(vid, sid)])
            m.model.add(tog <= sum(mates))
            pref = [p for p in sorted(v.preferred_partners) if (p, sid) in m.seat_y]
            m.hint_by(tog, HintValues.with_a_preferred_partner, vid, sid, pref)
            m.penalties["preferred_partners"].append((w, m.seat_y[(vid, sid)] - tog))


def penalise_non_preferred_days(m: RotaModel) -> None:
    """Shifts on days the volunteer did not choose."""
    w = m.weights.preferred_day
    if not w:
        return
    for vid, v in m.vols.items():
        if not v.preferred_weekdays:
            continue
        for sid in m.vol_slots(vid):
            if m.slots[sid].date.weekday() not in v.preferred_weekdays:
                m.penalties["preferred_days"].append((w, m.y[(vid, sid)]))


def penalise_too_many_consecutive_days(m: RotaModel) -> None:
    """Each day worked beyond the most consecutive days a volunteer likes."""
    w = m.weights.consecutive_days
    if not w:
        return
    for vid, v in m.vols.items():
        by_date: dict[dt.date, list[Expr]] = defaultdict(list)
        for sid in m.vol_slots(vid):
            by_date[m.slots[sid].date].append(m.y[(vid, sid)])
        k = v.max_consecutive_days
        windows = []
        for d in sorted(by_date):
            win = [d + dt.timedelta(days=i) for i in range(k + 1)]
            if all(day in by_date for day in win):
                windows.append(win)
        if not windows:
            continue
        worked: dict[dt.date, Expr] = {}
        for win in windows:
            for day in win:
                if day not in worked:
                    ys = by_date[day]
                    if len(ys) == 1:
                        worked[day] = ys[0]
                    else:
                        b = m.model.new_bool_var(f"worked[{vid},{day}]")
                        for yv in ys:
                            m.model.add(b >= yv)
                        worked[day] = b
                        m.hint_by(b, HintValues.worked, vid, day)
            e = m.model.new_bool_var(f"consec[{vid},{win[0]}]")
            m.model.add(sum(worked[day] for day in win) <= k + e)
            m.hint_by(e, HintValues.too_many_days_in_a_row, vid, tuple(win), k)
            m.penalties["consecutive_days"].append((w, e))


def penalise_missing_shadow_shifts(m: RotaModel) -> None:
    """Trainees get the shadow shifts they still need: each one still lacking costs ``shadow_shift``, so each
    shadow seat given earns it back (well below an empty seat: a shadow never displaces a team)."""
    w = m.weights.shadow_shift
    if not w:
        return
    for v in m.vols.values():
        if v.trainee and v.shadow_shifts_needed > 0:
            m.constant_penalties["trainee_shadow_shifts"] += w * v.shadow_shifts_needed
    for var in m.shadow.values():  # at most shadow_shifts_needed per trainee (add_shadow_shifts_before_a_seat)
        m.penalties["trainee_shadow_shifts"].append((-w, var))


SOFT_RULES = (
    penalise_unfilled_seats,
    penalise_wished_frequency,
    penalise_unfair_load,
    penalise_unstable_rounds,
    penalise_missing_preferred_partners,
    penalise_non_preferred_days,
    penalise_too_many_consecutive_days,
    penalise_missing_shadow_shifts,
)


# --------------------------------------------------------------------------


def build_model(
    problem: RotaProblem,
    weights: Weights,
    objective: bool = True,
    restrict: Callable[[Key], bool] | None = None,
    soft_rules: bool = True,
) -> RotaModel:
    """Apply every rule in turn and set the objective (sum of the soft terms).

    ``restrict`` (repair) drops candidate triples it returns False for, after
    the eligibility rules: a smaller model around the part that may change.
    ``soft_rules=False`` builds the hard rules only (no objective): see
    :func:`rota.solver.max_fillable_seats`.
    """
    m = RotaModel(problem=problem, weights=weights)
    for i, rule in enumerate(ELIGIBILITY_RULES):
        rule(m)
        if i == 0 and restrict is not None:
            m.candidates = {k for k in m.candidates if restrict(k)}
        if rule is add_shadow_seats_for_trainees and restrict is not None:
            m.shadow_candidates = {(v, s) for v, s in m.shadow_candidates if restrict((v, s, SHADOW_ROLE))}
    create_assignment_variables(m)
    for rule in HARD_RULES:
        rule(m)
    if not soft_rules:
        return m
    for rule in SOFT_RULES:
        rule(m)
    if objective:
        set_objective(m)
    return m


def rule_expression(m: RotaModel, rule: str) -> Expr | int:
    return sum(c * e for c, e in m.penalties.get(rule, [])) + m.constant_penalties.get(rule, 0)


def set_objective(m: RotaModel, extra: Expr | int = 0) -> None:
    rules = set(m.penalties) | set(m.constant_penalties)
    m.model.minimize(sum(rule_expression(m, r) for r in sorted(rules)) + extra)


class HintValues:
    """Values of the assignment variables for a given rota, for computing auxiliaries."""

    def __init__(self, m: RotaModel, chosen: set[Key]) -> None:
        self.m = m
        self.chosen = chosen
        self._n: dict[str, int] = defaultdict(int)
        self._people: dict[str, int] = defaultdict(int)
        self._days: set[tuple[str, dt.date]] = set()
        self._y: set[tuple[str, str]] = set()
        self._shadow_days: dict[str, list[dt.date]] = defaultdict(list)
        for v, s, r in chosen:
            self._n[v] += 1
            self._days.add((v, m.slots[s].date))
            if r == SHADOW_ROLE:
                self._shadow_days[v].append(m.slots[s].date)
            if r != SHADOW_ROLE:  # people in the seats
                self._people[s] += 1
                self._y.add((v, s))

    def x(self, key: Key) -> int:
        return int(key in self.chosen)

    def y(self, vid: str, sid: str) -> int:
        """1 if ``vid`` sits in one of the seats of ``sid`` (the model's ``seat_y``)."""
        return int((vid, sid) in self._y)

    def n(self, vid: str) -> int:
        return self._n[vid]

    def shadowed_before(self, vid: str, day: dt.date) -> int:
        return sum(1 for d in self._shadow_days[vid] if d < day)

    def people(self, sid: str) -> int:
        return self._people[sid]

    def worked(self, vid: str, day: dt.date) -> int:
        return int((vid, day) in self._days)

    # the auxiliary variables' values (RotaModel.hint_by), named for the variable each one gives
    def team_out(self, sid: str) -> int:
        return int(self.people(sid) > 0)

    def shadow_shifts_done(self, vid: str, day: dt.date, needed: int) -> int:
        return int(self.shadowed_before(vid, day) >= needed)

    def at_least_0(
        self, value: Callable[Concatenate[HintValues, HintArgs], int], *args: HintArgs.args, **kwargs: HintArgs.kwargs
    ) -> int:
        return max(0, value(self, *args, **kwargs))

    def over_wish(self, vid: str, wish: int) -> int:
        return triangular(self.n(vid) - wish)

    def under_wish(self, vid: str, wish: int) -> int:
        return wish - self.n(vid)

    def fair_load(self, vid: str, target: int, done: int, weight: int) -> int:
        return fair_load_penalty(target, done, self.n(vid), weight)

    def kept_from_previous_round(self, key: Key, previous_sid: str) -> int:
        return min(self.x(key), self.y(key[0], previous_sid))

    def with_a_preferred_partner(self, vid: str, sid: str, preferred: list[str]) -> int:
        return min(self.y(vid, sid), max(self.y(p, sid) for p in preferred))

    def too_many_days_in_a_row(self, vid: str, days: tuple[dt.date, ...], most_days: int) -> int:
        return int(sum(self.worked(vid, d) for d in days) > most_days)


def add_hint(m: RotaModel, assignments: list[Assignment]) -> None:
    """A complete hint: every assignment variable (1 if in ``assignments``, else 0)
    and every auxiliary variable at the value that rota gives it, so CP-SAT can
    take the rota as its first solution straight after presolve."""
    decisions = m.variables()
    chosen = {
        (a.volunteer_id, a.slot_id, a.role) for a in assignments if (a.volunteer_id, a.slot_id, a.role) in decisions
    }
    for key, var in decisions.items():
        m.model.add_hint(var, 1 if key in chosen else 0)
    h = HintValues(m, chosen)
    for var, value in m.aux:
        m.model.add_hint(var, value(h))
