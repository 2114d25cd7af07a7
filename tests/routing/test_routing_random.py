"""Invariants on random small days (hypothesis): whatever the data, the plan is consistent."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing import Location, Order, Params, Problem, Shop, TimeWindow, Van, solve
from routing_factories import check_invariants

BASE = Location("base", 55.07, -3.60)


@st.composite
def days(draw: st.DrawFn) -> Problem:
    """1–2 vans, 1–2 shops, 1–7 orders with random sizes, windows and places within ~20 km."""
    shops = tuple(
        Shop(
            f"s{k}",
            Location(f"s{k}", 55.07 + draw(st.floats(-0.03, 0.03)), -3.6 + draw(st.floats(-0.05, 0.05))),
            ready_min=draw(st.integers(8 * 60, 11 * 60)),
            loading_per_visit_min=draw(st.sampled_from([0, 5])),
            loading_per_order_min=1,
        )
        for k in range(draw(st.integers(1, 2)))
    )
    vans = tuple(
        Van(
            f"v{k}",
            draw(st.integers(4, 20)),
            BASE,
            shift_start_min=8 * 60,
            shift_end_min=draw(st.integers(10 * 60, 17 * 60)),
            max_round_min=draw(st.sampled_from([None, 240])),
        )
        for k in range(draw(st.integers(1, 2)))
    )
    orders = []
    for k in range(draw(st.integers(1, 7))):
        start = draw(st.integers(8 * 60, 16 * 60))
        windows = draw(st.sampled_from([(), (TimeWindow(start, start + draw(st.integers(0, 180))),)]))
        shop = draw(st.sampled_from([None] + [s.id for s in shops]))
        orders.append(
            Order(
                f"o{k}",
                Location(f"c{k}", 55.07 + draw(st.floats(-0.15, 0.15)), -3.6 + draw(st.floats(-0.25, 0.25))),
                draw(st.integers(0, 25)),
                shop,
                windows,
                draw(st.sampled_from([3.0, 15.0])),
            )
        )
    return Problem(vans=vans, orders=tuple(orders), shops=shops)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days())
def test_random_days_hold_every_invariant(problem: Problem) -> None:
    """Each order served once or explained; pickup before delivery on one van; capacity, windows, shifts held."""
    result = solve(problem, Params(time_limit_s=0.5, workers=1))
    check_invariants(problem, result)
    vans = {v.id: v for v in problem.vans}
    for route in result.routes:
        limit = vans[route.van_id].max_round_min
        if limit is not None:
            assert route.duration_min <= limit + 1e-6


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days())
def test_random_days_hold_every_invariant_with_the_pyvrp_worker(problem: Problem) -> None:
    """The same invariants when the plan may come from the PyVRP worker (two workers, PyVRP among the engines)."""
    result = solve(problem, Params(time_limit_s=1.0, workers=2, engines=("ortools", "pyvrp")))
    check_invariants(problem, result)
    vans = {v.id: v for v in problem.vans}
    for route in result.routes:
        limit = vans[route.van_id].max_round_min
        if limit is not None:
            assert route.duration_min <= limit + 1e-6
