"""Regret insertion construction: a complete plan that keeps every rule, checked by the independent day checker."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings

from routing.construct import insertion_routes
from routing.engine import EngineSolution, _loads
from routing.explain import explain_alone
from routing.generator import generate_day, generate_varied_day
from routing.modelcheck import plan_violations
from routing.planner import CompiledDay, compile_day
from routing.versus import DayRoute, check_day_plan
from test_routing_random import days


def _servable(problem):
    full = compile_day(problem)
    return replace(problem, orders=tuple(o for k, o in enumerate(problem.orders) if explain_alone(full, k) is None))


def _day_routes(day: CompiledDay, routes: tuple[tuple[int, ...], ...]) -> list[DayRoute]:
    return [(v, [(day.nodes[n].kind, day.nodes[n].order) for n in r]) for v, r in enumerate(routes) if r]


def _assert_every_rule(problem, routes: tuple[tuple[int, ...], ...]) -> None:
    day = compile_day(problem)
    model = day.model()
    served = [n for r in routes for n in r]
    assert sorted(served) == sorted(model.visits)  # every visit exactly once
    van_of = {n: v for v, r in enumerate(routes) for n in r}
    for p, d in model.pairs:  # pickup before its delivery, on the same van
        assert van_of[p] == van_of[d] and routes[van_of[p]].index(p) < routes[van_of[p]].index(d)
    check = check_day_plan(problem, day, _day_routes(day, routes))  # capacity, windows, shift, independently
    assert not check.violations and check.served == len(problem.orders)
    assert not plan_violations(model, routes)
    assert _loads(model, EngineSolution(routes, (), model.routes_cost(routes)))  # OR-Tools accepts it
    # the checker's measure (drive + per-visit shop loading) is the construction's own cost
    assert check.round_min * 60 == pytest.approx(model.routes_cost(routes), abs=len(served) + 2 * len(routes))


@pytest.mark.parametrize("seed", [601, 602, 603])
def test_insertion_plans_of_varied_days_keep_every_rule(seed: int) -> None:
    """Varied generated days (several shops, plain visits, tight and loose windows): complete and valid."""
    problem = _servable(generate_varied_day(seed, 60))
    routes = insertion_routes(compile_day(problem).model(), 30.0)
    assert routes is not None
    _assert_every_rule(problem, routes)


def test_out_of_time_the_rest_is_placed_quickly_and_the_plan_still_keeps_every_rule() -> None:
    """With no time at all, every request still goes in (cheapest place in nearby vans, or a van of its own)."""
    problem = _servable(generate_varied_day(605, 60))
    model = compile_day(problem).model()
    routes = insertion_routes(model, 0.0)
    assert routes is not None
    _assert_every_rule(problem, routes)
    full = insertion_routes(model, 30.0)
    assert full is not None
    assert sum(1 for r in full if r) <= sum(1 for r in routes if r)


def test_a_fleet_too_small_for_the_quick_finish_gives_none_or_valid_partial_routes() -> None:
    """Three vans that a careful plan needs in full: out of time, no silent loss (None, or valid partial routes)."""
    model = compile_day(_servable(generate_day(seed=3, orders=50))).model()
    assert insertion_routes(model, 30.0) is not None
    quick = insertion_routes(model, 0.0)
    some = insertion_routes(model, 0.0, partial=True)
    assert some is not None and not plan_violations(model, some)
    assert quick is None or sorted(n for r in quick for n in r) == sorted(model.visits)


def test_a_stop_request_ends_the_construction_without_a_plan() -> None:
    """``stop`` ends it at once: None, or with ``partial`` the valid routes built so far."""
    model = compile_day(_servable(generate_varied_day(604, 40))).model()
    assert insertion_routes(model, 30.0, stop=lambda: True) is None
    some = insertion_routes(model, 30.0, stop=lambda: True, partial=True)
    assert some is not None and not plan_violations(model, some)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days())
def test_insertion_plans_of_random_small_days_keep_every_rule(problem) -> None:
    """Whatever the data: a plan that serves every servable order within every rule, or None (fleet too small)."""
    problem = _servable(problem)
    if not problem.orders:
        return
    routes = insertion_routes(compile_day(problem).model(), 5.0)
    if routes is not None:
        _assert_every_rule(problem, routes)


def test_without_the_quick_finish_running_out_of_time_gives_none() -> None:
    """``quick_finish=False`` (PyVRP's start): out of time means no plan, so PyVRP starts as it did before."""
    model = compile_day(_servable(generate_varied_day(605, 60))).model()
    assert insertion_routes(model, 0.0, quick_finish=False) is None
    some = insertion_routes(model, 0.0, quick_finish=False, partial=True)
    assert some is not None and not plan_violations(model, some)
