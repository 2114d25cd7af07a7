"""Invariants on random small problems (hypothesis): valid rotas, explained gaps, exact scoring."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rota import Params, check, fillable_seats, greedy_rota, solve
from rota.generator import random_small_problem
from rota.scoring import evaluate

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _problem(seed: int, n_vols: int):
    return random_small_problem(random.Random(seed), n_volunteers=n_vols)


@SETTINGS
@given(seed=st.integers(0, 10**6), n_vols=st.integers(2, 9))
def test_solver_rota_breaks_no_hard_rule_and_explains_every_gap(seed, n_vols):
    """Any random problem: checker finds 0 violations, no empty seat someone free could take,
    every slot with an empty seat is listed with a non-empty reason, objective = sum of rules."""
    p = _problem(seed, n_vols)
    r = solve(p, Params(time_limit_s=5.0, workers=1, seed=0))
    assert r.status in ("optimal", "feasible")
    assert check(p, r.assignments) == []
    assert fillable_seats(p, r.assignments) == []
    filled = {}
    for a in r.assignments:
        if not a.is_shadow:  # a shadowing trainee fills no seat
            filled[a.slot_id] = filled.get(a.slot_id, 0) + 1
    short = {s.id for s in p.slots if filled.get(s.id, 0) < s.seats}
    assert {u.slot_id for u in r.unfilled} == short
    assert all(u.reason.strip() and u.reason.startswith(u.label) for u in r.unfilled)
    assert r.objective == sum(r.objective_by_rule.values())


@SETTINGS
@given(seed=st.integers(0, 10**6), n_vols=st.integers(2, 9))
def test_model_objective_matches_plain_scoring(seed, n_vols):
    """When CP-SAT proves optimality its bound equals the plain-Python score of its rota:
    the model's penalty terms and rota.scoring define the same objective."""
    p = _problem(seed, n_vols)
    r = solve(p, Params(time_limit_s=5.0, workers=1, seed=0))
    if r.status == "optimal":
        assert r.best_bound == r.objective == sum(evaluate(p, r.assignments, Params().weights).values())


@SETTINGS
@given(seed=st.integers(0, 10**6), n_vols=st.integers(2, 9))
def test_greedy_baseline_is_valid_and_never_better(seed, n_vols):
    """The coordinator-by-hand baseline keeps every hard rule, and the optimal rota scores at least as well."""
    p = _problem(seed, n_vols)
    g = greedy_rota(p)
    assert check(p, g) == []
    r = solve(p, Params(time_limit_s=5.0, workers=1))
    if r.status == "optimal":
        assert r.objective <= sum(evaluate(p, g, Params().weights).values())


@SETTINGS
@given(seed=st.integers(0, 10**6), n_vols=st.integers(2, 9))
def test_complete_hint_is_feasible_and_scores_like_the_greedy_rota(seed, n_vols):
    """The complete hint (greedy rota + every auxiliary variable) is a feasible CP-SAT solution whose
    objective equals the plain score of the greedy rota: auxiliary values and scoring agree."""
    from ortools.sat.python import cp_model

    from rota.constraints import add_hint, build_model

    p = _problem(seed, n_vols)
    g = greedy_rota(p)
    m = build_model(p, Params().weights)
    add_hint(m, g)
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 5
    assert solver.solve(m.model) == cp_model.OPTIMAL
    assert round(solver.objective_value) == sum(evaluate(p, g, Params().weights).values())
