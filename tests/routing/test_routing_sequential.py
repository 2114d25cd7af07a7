"""Sequential (I1) construction: a complete plan that keeps every rule, checked by the independent day checker."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing import Problem, Shop, TimeWindow
from routing.generator import generate_varied_day
from routing.planner import compile_day
from routing.engine import _sequential_variants, portfolio
from routing.sequential import VARIANTS, Variant, best_sequential_routes, better_start, sequential_routes, waiting_s
from routing_factories import BASE, make_order, make_problem, make_van
from test_routing_construct import _assert_every_rule, _servable
from test_routing_random import days


def _vans(routes: tuple[tuple[int, ...], ...]) -> int:
    return sum(1 for r in routes if r)


@pytest.mark.parametrize("seed", [601, 602, 603])
def test_sequential_plans_of_varied_days_keep_every_rule(seed: int) -> None:
    """Varied generated days (several shops, plain visits, tight and loose windows): each variant's plan is
    complete and valid, or None when it ran out of vans (one van at a time can), never both for all."""
    problem = _servable(generate_varied_day(seed, 60))
    model = compile_day(problem).model()
    built = [sequential_routes(model, v) for v in (VARIANTS[0], VARIANTS[3], Variant("demand", 0.0, 1.0))]
    assert any(routes is not None for routes in built)
    for routes in built:
        if routes is not None:
            _assert_every_rule(problem, routes)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days(), st.sampled_from(VARIANTS))
def test_sequential_plans_of_random_small_days_keep_every_rule(problem, variant) -> None:
    """Whatever the data: a plan that serves every servable order within every rule, or None (fleet too small)."""
    problem = _servable(problem)
    if not problem.orders:
        return
    routes = sequential_routes(compile_day(problem).model(), variant)
    if routes is not None:
        _assert_every_rule(problem, routes)


def _two_window_day(seed: int) -> Problem:
    """Orders from two shops and plain visits, half of them with two windows (a morning and an afternoon)."""
    rng = np.random.default_rng(seed)
    shops = (
        Shop("s1", BASE, ready_min=9 * 60, loading_per_visit_min=5, loading_per_order_min=1),
        Shop("s2", replace(BASE, id="s2", lat=55.10), ready_min=10 * 60, loading_per_visit_min=5),
    )
    orders = []
    for k in range(30):
        hour = int(rng.integers(9, 12))
        windows: tuple[TimeWindow, ...] = (TimeWindow(hour * 60, hour * 60 + 60),)
        if k % 2:
            windows += (TimeWindow((hour + 4) * 60, (hour + 5) * 60),)
        orders.append(
            make_order(
                f"o{k}",
                55.07 + float(rng.uniform(-0.08, 0.08)),
                -3.6 + float(rng.uniform(-0.12, 0.12)),
                size_crates=int(rng.integers(1, 6)),
                windows=windows,
                shop_id=(None, "s1", "s2")[k % 3],
            )
        )
    vans = tuple(make_van(f"v{k}", capacity_crates=12, max_round_min=(None, 300)[k % 2]) for k in range(8))
    return _servable(make_problem(orders=tuple(orders), vans=vans, shops=shops))


@pytest.mark.parametrize("seed", [1, 2])
def test_orders_with_two_windows_are_served_in_one_of_them(seed: int) -> None:
    """Several windows per order, shop ready times, per-visit loading, a longest round: every rule held."""
    problem = _two_window_day(seed)
    model = compile_day(problem).model()
    assert any(len(w) > 1 for w in model.windows or ())
    for variant in VARIANTS[:4]:
        routes = sequential_routes(model, variant)
        assert routes is not None
        _assert_every_rule(problem, routes)


def test_the_best_variant_has_the_fewest_vans_then_the_least_driving() -> None:
    """best_sequential_routes keeps the best (vans, cost) of the variants it built."""
    model = compile_day(_servable(generate_varied_day(606, 50))).model()
    built = [sequential_routes(model, v) for v in VARIANTS]
    keys = [(_vans(r), model.routes_cost(r)) for r in built if r is not None]
    best = best_sequential_routes(model, 60.0)
    assert best is not None
    assert (_vans(best), model.routes_cost(best)) == min(keys)


def test_a_stop_request_or_no_time_ends_it() -> None:
    """``stop`` ends it at once (None); so does running out of time; with one variant, that variant's plan."""
    model = compile_day(_servable(generate_varied_day(604, 40))).model()
    assert sequential_routes(model, stop=lambda: True) is None
    assert best_sequential_routes(model, 60.0, stop=lambda: True) is None
    assert best_sequential_routes(model, -1.0) is None
    assert best_sequential_routes(model, 5.0, expected_s=6.0) is None  # could not finish: not started
    assert best_sequential_routes(model, 60.0, variants=VARIANTS[1:2]) == sequential_routes(model, VARIANTS[1])


def test_a_fleet_too_small_gives_none() -> None:
    """Out of vans before every order is in: None, never a plan that leaves orders out."""
    problem = _servable(generate_varied_day(606, 50))
    model = compile_day(problem).model()
    routes = sequential_routes(model)
    assert routes is not None
    small = compile_day(replace(problem, vans=problem.vans[: max(1, _vans(routes) // 2)])).model()
    assert sequential_routes(small) is None


def test_waiting_is_the_span_less_travel_and_service() -> None:
    """Two orders at one door, served 09:00-09:05 and 11:00-11:05 (5 min each): the van waits 110 minutes,
    however early it could leave the base; a van with nothing to do waits none."""
    problem = make_problem(
        orders=(
            make_order("a", shop_id=None, windows=(TimeWindow(9 * 60, 9 * 60 + 5),)),
            make_order("b", shop_id=None, windows=(TimeWindow(11 * 60, 11 * 60 + 5),)),
        ),
        vans=(make_van(),),
    )
    model = compile_day(problem).model()
    routes = sequential_routes(model)
    assert routes is not None and _vans(routes) == 1
    assert waiting_s(model, routes) == 110 * 60
    assert waiting_s(model, ((),) * model.num_vehicles) == 0


def test_the_better_start_serves_more_then_uses_fewer_vans_then_drives_less() -> None:
    """better_start ranks by visits left out, then vans, then cost; on a tie, or with one missing, the other."""
    problem = _servable(generate_varied_day(604, 30))
    problem = replace(problem, vans=problem.vans + tuple(replace(v, id=f"{v.id}-spare") for v in problem.vans))
    model = compile_day(problem).model()
    one = sequential_routes(model, VARIANTS[0])
    assert one is not None
    used = [v for v in range(model.num_vehicles) if one[v]]
    assert better_start(model, one, None) is one and better_start(model, None, one) is one
    assert better_start(model, one, one) is one
    short = tuple(r[:-2] if v == used[0] else r for v, r in enumerate(one))  # one request left out
    assert better_start(model, short, one) is one and better_start(model, one, short) is one
    idle = [v for v in range(model.num_vehicles) if not one[v]]
    assert idle and len(one[used[0]]) >= 4
    split = list(one)  # the same visits on one van more (not a valid plan: only the ranking is tested)
    split[used[0]], split[idle[0]] = one[used[0]][:2], one[used[0]][2:]
    assert better_start(model, tuple(split), one) is one and better_start(model, one, tuple(split)) is one
    # the PyVRP worker's rule: the second on equal vans even when it drives more, never with more vans
    longer = tuple(tuple(reversed(r)) if v == used[0] else r for v, r in enumerate(one))
    assert better_start(model, one, longer, second_on_equal_vans=True) is longer
    assert better_start(model, one, tuple(split), second_on_equal_vans=True) is one


def test_with_two_workers_the_pyvrp_worker_and_the_or_tools_worker_build_different_variants() -> None:
    """The portfolio splits the sequential variants: PyVRP worker the even ones, OR-Tools worker the odd ones."""
    model = compile_day(_servable(generate_varied_day(604, 30))).model()
    two = portfolio(model, 2, engines=("ortools", "pyvrp"))
    assert [s.engine for s in two] == ["ortools", "pyvrp"]
    assert [_sequential_variants(s) for s in two] == [VARIANTS[1::2], VARIANTS[0::2]]
    assert [_sequential_variants(s) for s in portfolio(model, 1, engines=("ortools", "pyvrp"))] == [VARIANTS]
