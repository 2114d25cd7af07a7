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
    vols = tuple(dataclasses.replace(v, trainee=True, shadow_shifts_needed=rng.randint(1, 3)) if rng.random() < 0.5
                 else v for v in problem.volunteers)
    return dataclasses.replace(problem, volunteers=vols)


def _without_tightening(mp: pytest.MonkeyPatch) -> None:
    mp.setattr(rules, "add_seats_wait_for_all_shadow_shifts", lambda m, vid, k, done: None)


def _proven(problem, seed: int):
    result = solve(problem, Params(time_limit_s=30, num_workers=1, seed=seed))
    assert result.status == "optimal"
    assert check(problem, result.assignments) == []
    return result


@pytest.mark.parametrize("seed", range(12))
def test_trainee_seat_cut_keeps_the_optimum_on_random_small_months(seed: int, monkeypatch: pytest.MonkeyPatch):
    """add_seats_wait_for_all_shadow_shifts is implied: the same proven optimum with and without it."""
    rng = random.Random(5000 + seed)
    problem = _with_trainees(random_small_problem(rng, n_volunteers=10, n_days=14), rng)
    tightened = _proven(problem, seed)
    with monkeypatch.context() as mp:
        _without_tightening(mp)
        old = _proven(problem, seed)
    assert tightened.objective == old.objective


@pytest.mark.parametrize("seed", range(2))
def test_trainee_seat_cut_keeps_the_optimum_on_a_generated_tiny_month_full_of_trainees(
        seed: int, monkeypatch: pytest.MonkeyPatch):
    """A generated tiny month (16 volunteers, a fortnight of vans) with many trainees: the same optimum."""
    problem = _with_trainees(generate("tiny", seed), random.Random(seed))
    tightened = _proven(problem, seed)
    with monkeypatch.context() as mp:
        _without_tightening(mp)
        old = _proven(problem, seed)
    assert tightened.objective == old.objective
    assert tightened.shadow_shifts > 0
