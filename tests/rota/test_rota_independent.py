"""Months from a second, differently shaped generator (tests/rota/independent_generator.py): the solver's
rota keeps every hard rule (independent checker), leaves no fillable seat, and beats or equals the greedy rota."""

from __future__ import annotations

import pytest
from independent_generator import independent_month

from rota import Params, check, fillable_seats, greedy_rota, solve
from rota.scoring import evaluate


@pytest.mark.parametrize("seed", [0, 1])
def test_independent_months_valid_and_no_fillable_gap(seed):
    """Clustered never-pairs, all-day vans, Saturday deliveries: 0 violations, 0 fillable empty seats."""
    p = independent_month(seed, volunteers=50, vans=2)
    r = solve(p, Params(time_limit_s=8, workers=1, seed=seed))
    assert check(p, r.assignments) == []
    assert fillable_seats(p, r.assignments) == []
    g = greedy_rota(p, seed=seed)
    assert check(p, g) == [] and fillable_seats(p, g) == []
    assert r.objective <= sum(evaluate(p, g, Params().weights).values())
