"""Large days: regions, their vans, region plans mapped back, and complete plans of big generated days."""

from __future__ import annotations

from dataclasses import replace

import pytest
from node_models import check_routes, line_model

from routing import Params, solve
from routing.ejection import insert_dropped
from routing.engine import NodeModel, Strategy, search
from routing.explain import explain_alone
from routing.generator import generate_varied_day
from routing.large import regions, requests_of, share_vans, sub_model
from routing.modelcheck import plan_violations, repair
from routing.planner import compile_day
from routing.versus import check_day_plan
from tests.routing.routing_factories import check_invariants

pytest.importorskip("pyvrp")

from routing.pyvrp_engine import pyvrp_plan  # noqa: E402


def _model(seed: int, orders: int) -> NodeModel:
    return compile_day(generate_varied_day(seed, orders)).model()


def _servable(seed: int, orders: int):
    """The generated day without the orders no van can serve even alone (as the benchmarks give it)."""
    problem = generate_varied_day(seed, orders)
    full = compile_day(problem)
    return replace(problem, orders=tuple(o for k, o in enumerate(problem.orders) if explain_alone(full, k) is None))


@pytest.mark.parametrize("parts", [1, 3, 5])
def test_regions_hold_every_request_once_in_parts_of_nearly_equal_size(parts: int) -> None:
    model = _model(31, 150)
    cut = regions(model, parts, seed=4)
    assert len(cut) == parts
    held = [r for region in cut for r in region]
    assert sorted(held) == sorted(requests_of(model))
    sizes = [len(region) for region in cut]
    assert max(sizes) <= -(-len(held) // parts) * 1.05 + 1


def test_days_of_two_regions_or_more_are_large_and_others_are_not() -> None:
    from routing.large import LARGE_DAY_REQUESTS, REGION_REQUESTS, is_large_day

    assert LARGE_DAY_REQUESTS / REGION_REQUESTS >= 1.5  # round() gives two regions at least
    assert not is_large_day(_model(36, 200))
    model = _model(36, 600)
    assert len(requests_of(model)) >= LARGE_DAY_REQUESTS and is_large_day(model)
    assert not is_large_day(replace(model, windows=None))


def test_every_van_goes_to_exactly_one_region_and_every_region_gets_one() -> None:
    model = _model(32, 150)
    cut = regions(model, 4, seed=0)
    fleets = share_vans(model, cut)
    assert sorted(v for fleet in fleets for v in fleet) == list(range(model.num_vehicles))
    assert all(fleets)


def test_a_region_plan_maps_back_to_a_valid_plan_of_the_whole_day() -> None:
    """PyVRP plans one region alone; its routes, in the whole day's nodes, break no rule of the whole day."""
    model = _model(33, 120)
    cut = regions(model, 3, seed=1)
    fleets = share_vans(model, cut)
    sub, nodes = sub_model(model, fleets[0], cut[0])
    assert sub.num_vehicles == len(fleets[0])
    found = pyvrp_plan(sub, 2.0, seed=0)
    assert found is not None
    sub_routes, feasible = found
    if not feasible:  # a loaded machine: what PyVRP had, with what breaks a rule taken out
        sub_routes, _ = repair(sub, sub_routes)
    routes = [() for _ in range(model.num_vehicles)]
    for t, v in enumerate(fleets[0]):
        routes[v] = tuple(nodes[n] for n in sub_routes[t])
    served = {n for r in routes for n in r}
    assert served and served <= {n for request in cut[0] for n in request}
    assert plan_violations(replace(model, drop_penalty=0), routes) == []


def test_fitting_in_keeps_what_it_placed_when_asked_and_the_rest_cannot_fit() -> None:
    """Visit 3 is larger than any van: with ``keep_partial`` visits 1 and 2 are placed and 3 stays out;
    without it the plan comes back unchanged."""
    model = line_model([10, 20, 30], [(0, 1000)] * 3, [1, 1, 50], vehicles=2, capacity=10)
    routes, still = insert_dropped(model, ((), ()), (1, 2, 3), time_limit_s=0.3, seed=0, keep_partial=True)
    assert still == (3,)
    check_routes(model, routes, still)
    assert insert_dropped(model, ((), ()), (1, 2, 3), time_limit_s=0.3, seed=0) == (((), ()), (1, 2, 3))


@pytest.mark.slow
def test_a_day_planned_by_regions_serves_every_order_and_holds_every_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 160-order day with the large-day path switched on from 120 requests and regions of 55 requests:
    three regions, joined and improved as a whole; nothing left out, every rule held."""
    import routing.large as large

    monkeypatch.setattr(large, "LARGE_DAY_REQUESTS", 120)
    monkeypatch.setattr(large, "REGION_REQUESTS", 55)
    problem = _servable(34, 160)
    model = compile_day(problem).model()
    found = search(model, 12.0, Strategy("PARALLEL_CHEAPEST_INSERTION", engine="pyvrp", seed=3))
    assert "regions:3" in found.phases
    assert found.dropped == ()
    assert plan_violations(model, found.routes) == []

    result = solve(problem, Params(time_limit_s=12, workers=2))  # the forked workers inherit the patch
    check_invariants(problem, result)
    assert not result.unserved
    day = compile_day(problem)
    index_of = {o.id: k for k, o in enumerate(problem.orders)}
    van_index = {v.id: k for k, v in enumerate(problem.vans)}
    plan = [
        (van_index[r.van_id], [(s.kind, index_of[s.order_id]) for s in r.stops if s.order_id is not None])
        for r in result.routes
    ]
    check = check_day_plan(problem, day, plan)
    assert check.violations == []
    assert check.served == len(problem.orders)
    assert check.drive_min == pytest.approx(result.total_drive_min, abs=1e-6)


@pytest.mark.slow
def test_a_450_order_day_at_the_default_time_leaves_no_servable_order_unplanned() -> None:
    """The issue's branch day of 450 stops, default time limit, the benchmarks' two workers."""
    problem = generate_varied_day(35, 450)
    result = solve(problem, Params(workers=2))
    check_invariants(problem, result)
    assert [u.order_id for u in result.unserved if not u.proven] == []


def _cvrp(customers: int) -> NodeModel:
    import numpy as np

    rng = np.random.default_rng(customers)
    xy = rng.uniform(0, 1000, size=(customers + 1, 2))
    cost = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))).astype(np.int64)
    demand = np.array([0, *rng.integers(1, 10, customers)], dtype=np.int64)
    vehicles = int(demand.sum() // 100) + 3
    return NodeModel(
        cost=cost,
        demand=demand,
        capacity=(100,) * vehicles,
        starts=(0,) * vehicles,
        ends=(0,) * vehicles,
        minimise_vehicles=False,
    )


def test_large_cvrp_models_run_pyvrp_in_every_worker_with_its_own_seed() -> None:
    """Above 200 nodes (CVRPLIB X sizes) every worker is PyVRP, seeds as a best-of-two PyVRP run's; below,
    one OR-Tools worker stays."""
    from routing.engine import portfolio

    big = portfolio(_cvrp(250), 2, seed=5, engines=("ortools", "pyvrp"))
    assert [(s.engine, s.seed) for s in big] == [("pyvrp", 5), ("pyvrp", 6)]
    small = portfolio(_cvrp(100), 2, seed=5, engines=("ortools", "pyvrp"))
    assert [s.engine for s in small] == ["ortools", "pyvrp"]
    assert [s.engine for s in portfolio(_cvrp(250), 2, engines=("ortools",))] == ["ortools", "ortools"]


@pytest.mark.slow
def test_a_hub_day_with_vans_from_three_bases_is_planned_by_regions_with_nothing_left_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Vans start and end at three bases (a hub serving several branches): each region takes the vans
    nearest to it, the joined plan serves every order and breaks no rule."""
    import routing.large as large
    from routing.domain import Location

    monkeypatch.setattr(large, "LARGE_DAY_REQUESTS", 150)
    monkeypatch.setattr(large, "REGION_REQUESTS", 70)
    problem = _servable(37, 200)
    bases = [problem.vans[0].start, Location("north", 55.16, -3.60), Location("west", 55.07, -3.75)]
    vans = tuple(replace(van, start=bases[k % 3]) for k, van in enumerate(problem.vans))
    problem = replace(problem, vans=vans)
    model = compile_day(problem).model()
    assert len({model.travel[s].tobytes() for s in model.starts}) == 3  # three places to start from
    found = search(model, 10.0, Strategy("PARALLEL_CHEAPEST_INSERTION", engine="pyvrp", seed=2))
    assert "regions:3" in found.phases
    assert found.dropped == ()
    assert plan_violations(model, found.routes) == []


def test_a_large_day_stopped_at_once_still_hands_back_a_valid_plan_serving_most_orders() -> None:
    """The rough plan, with what breaks a rule taken out, is reported before any search: a stop has a plan."""
    from routing.large import large_day_plan

    model = _model(38, 400)
    heard = []
    found = large_day_plan(model, 30.0, stop=lambda: True, report=lambda routes, dropped: heard.append(dropped))
    assert found is not None and found.steps[0].startswith("rough:")
    assert heard and len(heard[0]) == len(found.dropped) < len(model.visits) / 2
    assert plan_violations(replace(model, drop_penalty=0), found.routes) == []
    assert sorted([n for r in found.routes for n in r] + list(found.dropped)) == sorted(model.visits)
