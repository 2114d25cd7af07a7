"""Guided ejection search: fewer routes, every route still feasible, nothing lost."""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pytest
from node_models import check_routes, line_model, random_pdptw

from routing.benchmark import default_bench_dir, instance_model
from routing.ejection import insert_dropped, minimise_routes
from routing.engine import NodeModel
from routing.evaluation import evaluate
from routing.instances import read_instance

BENCH = default_bench_dir()


def test_four_single_routes_merge_into_one() -> None:
    """Four customers on a line with wide windows: one vehicle can do them all."""
    model = line_model([10, 20, 30, 40], [(0, 1000)] * 4, [1, 1, 1, 1], vehicles=4, capacity=10)
    routes, stats = minimise_routes(model, ((1,), (2,), (3,), (4,)), time_limit_s=2, seed=0)
    check_routes(model, routes)
    assert stats.routes_before == 4 and stats.routes_after == 1
    assert sum(1 for r in routes if r) == 1


def test_capacity_keeps_two_routes() -> None:
    """Four customers of 5 crates, vans of 10: the load bound is two routes, and they are found."""
    model = line_model([10, 20, 30, 40], [(0, 1000)] * 4, [5, 5, 5, 5], vehicles=4, capacity=10)
    routes, stats = minimise_routes(model, ((1,), (2,), (3,), (4,)), time_limit_s=2, seed=1)
    check_routes(model, routes)
    assert stats.routes_after == 2


def test_clashing_windows_cannot_be_merged() -> None:
    """Two customers far apart who both want service at time 100: two routes stay two."""
    model = line_model([100, -100], [(100, 100), (100, 100)], [1, 1], vehicles=2, capacity=10)
    routes, stats = minimise_routes(model, ((1,), (2,)), time_limit_s=0.5, seed=0)
    check_routes(model, routes)
    assert stats.routes_after == 2 and routes == ((1,), (2,))


def test_round_length_limit_is_held() -> None:
    """Customers at +50 and -50 fit one route by time windows but not within a round of 150."""
    model = line_model([50, -50], [(0, 1000), (0, 1000)], [1, 1], vehicles=2, capacity=10, max_duration=150)
    routes, stats = minimise_routes(model, ((1,), (2,)), time_limit_s=0.5, seed=0)
    check_routes(model, routes)
    assert stats.routes_after == 2


def test_pairs_stay_together_in_order() -> None:
    """Pickup-delivery pairs, one per vehicle at first, end up on fewer vehicles, pickups first."""
    # pickups at 10 and 20, deliveries at 30 and 40
    model = line_model(
        [10, 30, 20, 40], [(0, 1000)] * 4, [3, -3, 3, -3], vehicles=2, capacity=5, pairs=((1, 2), (3, 4))
    )
    routes, stats = minimise_routes(model, ((1, 2), (3, 4)), time_limit_s=2, seed=0)
    check_routes(model, routes)
    assert stats.routes_after == 1  # capacity 5 < 6: the search must deliver the first before the second pickup


@pytest.mark.parametrize("seed", range(6))
def test_random_pdptw_invariants(seed: int) -> None:
    """Random instances: never more routes, every pair served once, every route feasible."""
    model, start = random_pdptw(seed, pairs=12, vehicles=12)
    check_routes(model, start)
    routes, stats = minimise_routes(model, start, time_limit_s=0.5, seed=seed)
    check_routes(model, routes)
    assert stats.routes_after == sum(1 for r in routes if r) <= stats.routes_before == 12
    assert stats.routes_after < 12  # twelve one-pair routes on a 100 x 100 square always merge somewhat


@pytest.mark.parametrize("seed", range(4))
def test_dropped_pairs_are_fitted_or_nothing_changes(seed: int) -> None:
    """insert_dropped places every dropped pair (idle vehicles allowed) or returns the plan untouched."""
    model, start = random_pdptw(seed, pairs=10, vehicles=10)
    rng = random.Random(seed)
    dropped_pairs = rng.sample(range(10), 4)
    routes = tuple(() if v in dropped_pairs else r for v, r in enumerate(start))
    dropped = tuple(n for k in dropped_pairs for n in model.pairs[k])
    fitted, still = insert_dropped(model, routes, dropped, time_limit_s=1.0, seed=seed)
    check_routes(model, fitted, still)
    assert still == ()  # idle vehicles exist, so every pair fits


def test_infeasible_input_is_returned_unchanged() -> None:
    """A route that breaks a window is not 'repaired' silently: the input comes back as it was."""
    model = line_model([100, -100], [(100, 100), (100, 100)], [1, 1], vehicles=2, capacity=10)
    routes, stats = minimise_routes(model, ((1, 2), ()), time_limit_s=0.5)
    assert routes == ((1, 2), ()) and stats.attempts == 0


@pytest.mark.skipif(not (BENCH / "pdptw").is_dir(), reason="benchmark instances not present")
def test_li_lim_lr109_loses_routes_and_the_evaluator_agrees() -> None:
    """lr109 from one route per pair (53 routes): the search removes most of them; the file's evaluator agrees."""
    inst = read_instance(BENCH / "pdptw" / "lr109.txt")
    model = instance_model(inst)
    k = len(model.pairs)
    model = replace(model, capacity=(model.capacity[0],) * k, starts=(0,) * k, ends=(0,) * k)
    start = tuple(model.pairs)
    routes, stats = minimise_routes(model, start, time_limit_s=3, seed=0)
    ev = evaluate(inst, [[inst.file_ids[k] for k in r] for r in routes if r])
    assert ev.feasible, ev.violations[:3]
    assert ev.vehicles == stats.routes_after <= 16  # best known: 11


def test_span_with_two_windows_allows_a_later_departure() -> None:
    """Round limit 50 with windows (10,10)|(200,200) and (100,100)|(210,210): leaving at 190 fits (span 20)."""
    dist = np.array([[0, 10, 10], [10, 0, 10], [10, 10, 0]], dtype=np.int64)
    model = NodeModel(
        cost=dist,
        demand=np.zeros(3, dtype=np.int64),
        capacity=(10, 10),
        starts=(0, 0),
        ends=(0, 0),
        travel=dist,
        service=np.zeros(3, dtype=np.int64),
        windows=(((0, 1000),), ((10, 10), (200, 200)), ((100, 100), (210, 210))),
        max_duration=(50, 50),
    )
    routes, stats = minimise_routes(model, ((1,), (2,)), time_limit_s=1.0)
    assert stats.attempts >= 1, "the input routes are accepted as feasible"
    assert stats.routes_after == 1 and sorted(n for r in routes for n in r) == [1, 2]


def test_overlapping_windows_are_read_as_their_union() -> None:
    """Windows (0,120) and (50,60) mean 0-120 to the engine and to the ejection search alike."""
    from routing.windows import merge_windows

    assert merge_windows([(50, 60), (0, 120)]) == ((0, 120),)
    assert merge_windows([(0, 10), (11, 20), (30, 40)]) == ((0, 20), (30, 40))
    model = line_model([100, 10], [(0, 120), (0, 1000)], [1, 1], vehicles=2, capacity=10)
    model = replace(model, windows=(model.windows[0], ((0, 120), (50, 60)), model.windows[2]))
    routes, stats = minimise_routes(model, ((1,), (2,)), time_limit_s=1.0)
    check_routes(model, routes)
    assert stats.routes_after == 1  # 0 -> 10 -> 100 (at 100, inside 0-120) -> 0


def _branch_day(seed: int, orders: int) -> tuple[object, object, NodeModel]:
    from routing.generator import generate_varied_day
    from routing.planner import compile_day

    problem = generate_varied_day(seed, orders)
    day = compile_day(problem)
    return problem, day, day.model()


def test_pickups_gather_on_branch_days_only() -> None:
    """A branch day's orders are collected at a few shops (pickups share places); line and random models
    and Li & Lim files (every pickup at a place of its own) keep Nagata's random insertion."""
    from routing.ejection import pickups_gather

    assert pickups_gather(_branch_day(613, 40)[2])
    assert not pickups_gather(random_pdptw(0, pairs=12, vehicles=12)[0])
    assert not pickups_gather(line_model([10, 20], [(0, 1000)] * 2, [1, 1], vehicles=2, capacity=10))
    if (BENCH / "pdptw").is_dir():
        assert not pickups_gather(instance_model(read_instance(BENCH / "pdptw" / "lr109.txt")))


@pytest.mark.parametrize("seed", [613, 618])
def test_cheapest_insertion_on_a_branch_day_keeps_every_rule(seed: int) -> None:
    """Cheapest-place ejection search on a generated branch day: never more vans, every order once,
    pickup before delivery on one van, load, windows and shifts held; the independent day checker
    finds no broken rule and the same minutes as the model's cost."""
    from routing.construct import insertion_routes
    from routing.versus import check_day_plan

    problem, day, model = _branch_day(seed, 45)
    start = insertion_routes(model, 5.0)
    assert start is not None
    routes, stats = minimise_routes(model, start, time_limit_s=1.0, seed=0, random_insert=False)
    check_routes(model, routes)
    assert stats.routes_after == sum(1 for r in routes if r) <= sum(1 for r in start if r)
    steps = [(v, [(day.nodes[n].kind, day.nodes[n].order) for n in r]) for v, r in enumerate(routes) if r]
    check = check_day_plan(problem, day, steps)
    assert check.violations == [] and check.served == len(problem.orders)
    assert check.round_min * 60 == pytest.approx(model.routes_cost(routes))
