"""The soft rules, evaluated in plain Python on a finished rota.

This is the single written-down definition of the objective: the CP-SAT model
in :mod:`rota.constraints` must reproduce these numbers exactly (a test checks
it), and the greedy baseline is scored with the same function, so the two are
compared like for like.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Iterable

from .domain import SHADOW_ROLE, Assignment, RotaProblem, Weights

SOFT_RULES = (
    "fill_every_slot",
    "wished_frequency",
    "fair_load",
    "stable_rounds",
    "preferred_partners",
    "preferred_days",
    "consecutive_days",
    "trainee_shadow_shifts",
)


def triangular(n: int) -> int:
    """1 + 2 + ... + n (0 for n <= 0): shifts above the wish cost more and
    more, so unavoidable overload is spread over several people."""
    return n * (n + 1) // 2 if n > 0 else 0


def fair_load_table(target: int, weight: int) -> list[int]:
    """Penalty for a two-month shortfall of D = 0..target shifts.

    About ``10 * weight * D**2 / target``: quadratic in the *relative*
    shortfall D/target, scaled by the target, so the marginal shift goes to
    whoever is proportionally furthest behind (someone who wished for 1 shift
    and got none before someone who wished for 8 and got 6). Rounded to
    integers, then made convex (non-decreasing increments) so the CP-SAT
    model can use tangent cuts and stays exact at integers.
    """
    if target <= 0 or weight <= 0:
        return [0] * (max(target, 0) + 1)
    raw = [round(10 * weight * d * d / target) for d in range(target + 1)]
    out, inc_prev = [0], 0
    for d in range(1, target + 1):
        inc = max(raw[d] - raw[d - 1], inc_prev)
        out.append(out[-1] + inc)
        inc_prev = inc
    return out


def fair_load_penalty(target: int, done: int, shifts: int, weight: int) -> int:
    d = target - done - shifts
    if d <= 0:
        return 0
    return fair_load_table(target, weight)[min(d, target)]


def carry_over_target(problem: RotaProblem) -> dict[str, tuple[int, int]]:
    """Per volunteer: (two-month target, shifts done last month), or (wish, 0) without history.

    History is taken into account per branch: a branch with any history rows
    carries last month over for all its volunteers.
    """
    hist_branches = {h.branch for h in problem.history.assignments}
    done: dict[str, int] = defaultdict(int)
    for h in problem.history.assignments:
        done[h.volunteer_id] += 1
    out = {}
    for v in problem.volunteers:
        if v.branch in hist_branches:
            out[v.id] = (2 * v.wished_shifts_per_month, done[v.id])
        else:
            out[v.id] = (v.wished_shifts_per_month, 0)
    return out


def previous_round_members(problem: RotaProblem) -> dict[str, frozenset[str] | str]:
    """Who the customers of each slot's round are used to seeing.

    A round is a (branch, kind, resource, weekday, part of day). If last
    month's rota has the round, its regulars are everyone who worked it then
    (a frozenset): newcomers to the round cost, regulars don't. Otherwise the
    slot is compared with the same round one week earlier this month (the
    slot id, a str). Slots with neither are absent: no continuity to keep.
    Anchoring to last month keeps the penalty linear in the assignment
    variables (a much tighter LP than week-to-week pairs), see docs/rota-schema.md.
    """
    by_key_date = {(s.round_key, s.date): s.id for s in problem.slots}
    regulars: dict[tuple, set[str]] = defaultdict(set)
    for h in problem.history.assignments:
        if h.role != SHADOW_ROLE:  # a trainee shadowing last month was not one of the round's team
            regulars[h.round_key].add(h.volunteer_id)
    out: dict[str, frozenset[str] | str] = {}
    for s in problem.slots:
        prev_date = s.date - dt.timedelta(days=7)
        if s.round_key in regulars:
            out[s.id] = frozenset(regulars[s.round_key])
        elif (s.round_key, prev_date) in by_key_date:
            out[s.id] = by_key_date[(s.round_key, prev_date)]
    return out


def consecutive_excess(dates: Iterable[dt.date], max_consecutive: int) -> int:
    """Days worked beyond ``max_consecutive`` in a row, summed over runs."""
    days = sorted(set(dates))
    excess, run, prev = 0, 0, None
    for d in days:
        run = run + 1 if prev is not None and (d - prev).days == 1 else 1
        if run > max_consecutive:
            excess += 1
        prev = d
    return excess


def evaluate(problem: RotaProblem, assignments: Iterable[Assignment], weights: Weights) -> dict[str, int]:
    """Weighted penalty per soft rule for a rota (lower is better).

    A shadow shift (``Assignment.is_shadow``) is a shift like any other for the wished frequency, fair load,
    consecutive and preferred days, but fills no seat and does not make its trainee one of the slot's team
    (stable rounds, preferred partners)."""
    assignments = list(assignments)
    slots = {s.id: s for s in problem.slots}
    members: dict[str, set[str]] = defaultdict(set)  # the people in the seats
    shadows: dict[str, set[str]] = defaultdict(set)
    shifts: dict[str, int] = defaultdict(int)
    shadowed: dict[str, int] = defaultdict(int)
    dates: dict[str, list[dt.date]] = defaultdict(list)
    for a in assignments:
        (shadows if a.is_shadow else members)[a.slot_id].add(a.volunteer_id)
        shifts[a.volunteer_id] += 1
        shadowed[a.volunteer_id] += a.is_shadow
        dates[a.volunteer_id].append(slots[a.slot_id].date)

    out = dict.fromkeys(SOFT_RULES, 0)
    seats_filled = sum(1 for a in assignments if not a.is_shadow)
    out["fill_every_slot"] = weights.fill_seat * sum(s.seats for s in problem.slots) - weights.fill_seat * seats_filled

    targets = carry_over_target(problem)
    for v in problem.volunteers:
        n, wish = shifts[v.id], v.wished_shifts_per_month
        out["wished_frequency"] += weights.over_wish * triangular(n - wish) + weights.under_wish * max(0, wish - n)
        target, done = targets[v.id]
        out["fair_load"] += fair_load_penalty(target, done, n, weights.fair_load)
        if v.trainee:
            out["trainee_shadow_shifts"] += weights.shadow_shift * max(0, v.shadow_shifts_needed - shadowed[v.id])
        out["consecutive_days"] += weights.consecutive_days * consecutive_excess(dates[v.id], v.max_consecutive_days)

    vols = {v.id: v for v in problem.volunteers}
    prev = previous_round_members(problem)
    for s in problem.slots:
        now = members[s.id]
        if s.id in prev:
            p = prev[s.id]
            before = members[p] if isinstance(p, str) else p
            out["stable_rounds"] += weights.stable_rounds * len(now - before)
        for vid in now | shadows[s.id]:
            v = vols[vid]
            if v.preferred_weekdays and s.date.weekday() not in v.preferred_weekdays:
                out["preferred_days"] += weights.preferred_day
            if vid in now and s.is_team and v.preferred_partners and not (v.preferred_partners & (now - {vid})):
                out["preferred_partners"] += weights.preferred_partner
    return out
