"""Reasons for empty seats come from the data, and never blame the time limit under a proven optimum."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rota import Params, greedy_rota, solve
from rota.explain import explain_unfilled
from rota.generator import random_small_problem
from rota_factories import make_problem, make_slot, make_volunteer, solve_small


def test_trainee_alone_is_not_free_for_a_one_seat_slot():
    """Only a trainee is free for a one-seat office slot: the reason says a trainee works beside someone
    experienced, not that the time limit was reached (the rota is optimal)."""
    p = make_problem([make_slot("desk", kind="office")], [make_volunteer("t", trainee=True, shadow_shifts_needed=0)])
    r = solve_small(p)
    assert r.status == "optimal"
    (u,) = r.unfilled
    assert "trainee works only beside an experienced volunteer" in u.reason
    assert "time limit" not in u.reason


def test_trainee_still_to_shadow_is_not_free_for_a_seat():
    """A trainee with shadow shifts still to do takes no seat: the reason says so (not the time limit)."""
    p = make_problem([make_slot("desk", kind="office")], [make_volunteer("t", trainee=True, shadow_shifts_needed=1)])
    r = solve_small(p)
    assert r.status == "optimal"
    (u,) = r.unfilled
    assert "1 trainee still to do their shadow shifts first" in u.reason
    assert "time limit" not in u.reason


def test_greedy_gap_is_not_blamed_on_the_time_limit():
    """A seat someone could still take, in a rota nobody solved, is explained as not yet placed."""
    p = make_problem([make_slot("desk", kind="office")], [make_volunteer("a")])
    (u,) = explain_unfilled(p, [])
    assert "nobody has been put there yet" in u.reason and "time limit" not in u.reason
    (u,) = explain_unfilled(p, [], "greedy")
    assert "quick first rota" in u.reason and "full solve" in u.reason


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), n_vols=st.integers(2, 10))
def test_optimal_rota_reasons_never_say_not_placed(seed, n_vols):
    """Under a proven optimum every empty seat's reason is a data reason: nobody free, qualified, able to pair."""
    p = random_small_problem(random.Random(seed), n_volunteers=n_vols)
    r = solve(p, Params(time_limit_s=5.0, workers=1))
    if r.status == "optimal":
        assert all("not assigned" not in u.reason for u in r.unfilled), [u.reason for u in r.unfilled]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), n_vols=st.integers(2, 10))
def test_greedy_rota_reasons_never_say_not_placed(seed, n_vols):
    """The greedy rota leaves no fillable seat, so its reasons are all data reasons too."""
    p = random_small_problem(random.Random(seed), n_volunteers=n_vols)
    assert all("not assigned" not in u.reason for u in explain_unfilled(p, greedy_rota(p), "greedy"))
