"""Constraints added only to make the LP tighter (issue 14, round 2) change no optimum.

Each is implied by the hard rules already in the model, so on every month where both are proven optimal the
optimum with them equals the optimum of the model without them (the round-5 model), and the rota keeps every
rule by the independent checker.
"""

from __future__ import annotations

import dataclasses
import random

import pytest

from rota import Params, check, solve
from rota import constraints as rules
from rota.generator import generate, random_small_problem


def _with_trainees(problem, rng: random.Random):
    """Half the volunteers become trainees still to shadow 1-3 shifts: the rule the new cuts are about."""
    vols = tuple(
        dataclasses.replace(v, trainee=True, shadow_shifts_needed=rng.randint(1, 3)) if rng.random() < 0.5 else v
        for v in problem.volunteers
    )
    return dataclasses.replace(problem, volunteers=vols)


def _without_tightening(mp: pytest.MonkeyPatch) -> None:
    """The round-5 model: neither the trainee seat cut nor the team / one-person seat bounds."""
    import rota.solver

    mp.setattr(rules, "add_seats_wait_for_all_shadow_shifts", lambda m, vid, k, done: None)
    mp.setattr(rota.solver, "add_most_teams_and_single_seats", lambda m, teams, singles: None)


def _proven(problem, seed: int):
    result = solve(problem, Params(time_limit_s=30, workers=1, seed=seed))
    assert result.status == "optimal"
    assert check(problem, result.assignments) == []
    return result


@pytest.mark.parametrize("seed", range(12))
def test_tightened_model_keeps_the_optimum_on_random_small_months(seed: int, monkeypatch: pytest.MonkeyPatch):
    """add_seats_wait_for_all_shadow_shifts and the team / one-person seat bounds are implied: the same proven
    optimum as the round-5 model without them."""
    rng = random.Random(5000 + seed)
    problem = _with_trainees(random_small_problem(rng, n_volunteers=10, n_days=14), rng)
    tightened = _proven(problem, seed)
    with monkeypatch.context() as mp:
        _without_tightening(mp)
        old = _proven(problem, seed)
    assert tightened.objective == old.objective


@pytest.mark.parametrize("seed", range(2))
def test_tightened_model_keeps_the_optimum_on_a_generated_tiny_month_full_of_trainees(
    seed: int, monkeypatch: pytest.MonkeyPatch
):
    """A generated tiny month (16 volunteers, a fortnight of vans) with many trainees: the same optimum."""
    problem = _with_trainees(generate("tiny", seed), random.Random(seed))
    tightened = _proven(problem, seed)
    with monkeypatch.context() as mp:
        _without_tightening(mp)
        old = _proven(problem, seed)
    assert tightened.objective == old.objective
    assert tightened.shadow_shifts > 0


@pytest.mark.parametrize("seed", range(6))
def test_team_and_single_seat_maxima_bound_every_rota_and_keep_the_seat_maximum(seed: int):
    """proven_team_and_single_maxima are upper bounds (the optimal rota and the most-seats rota stay within them),
    and adding them to the hard rules leaves the seat maximum where it was."""
    from rota import Weights
    from rota.constraints import add_most_teams_and_single_seats, build_model
    from rota.solver import max_fillable_seats, proven_team_and_single_maxima

    rng = random.Random(6000 + seed)
    problem = _with_trainees(random_small_problem(rng, n_volunteers=10, n_days=14), rng)
    hard = build_model(problem, Weights(), soft_rules=False)
    most_teams, most_singles = proven_team_and_single_maxima(hard, 10.0, seed)
    assert most_teams is not None and most_singles is not None
    slots = {s.id: s for s in problem.slots}
    rota = _proven(problem, seed)
    assert sum(1 for t in rota.teams if slots[t.slot_id].is_team) <= most_teams
    assert sum(1 for a in rota.assignments if not a.is_shadow and not slots[a.slot_id].is_team) <= most_singles

    from ortools.sat.python import cp_model

    def seat_max(with_bounds: bool) -> int:
        m = build_model(problem, Weights(), soft_rules=False)
        if with_bounds:
            add_most_teams_and_single_seats(m, most_teams, most_singles)
        m.model.maximize(sum(m.x.values()))
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        assert solver.solve(m.model) == cp_model.OPTIMAL
        return round(solver.objective_value)

    assert seat_max(True) == seat_max(False) == max_fillable_seats(problem, 10, seed=seed).seats
