"""Guided ejection search: fewer routes, every route still feasible, nothing lost."""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pytest

from routing.benchmark import default_bench_dir, instance_model
from routing.ejection import insert_dropped, minimise_routes
from routing.engine import NodeModel
from routing.evaluation import evaluate
from routing.instances import read_instance

BENCH = default_bench_dir()


def check_routes(model: NodeModel, routes: tuple[tuple[int, ...], ...], dropped: tuple[int, ...] = ()) -> None:
    """Independent check: each visit once, pairs together in order, load, windows, shifts, round length."""
    assert model.windows is not None and model.travel is not None and model.service is not None
    served = [n for r in routes for n in r]
    assert sorted(served + list(dropped)) == sorted(model.visits), "every visit served exactly once or dropped"
    where = {n: (v, k) for v, r in enumerate(routes) for k, n in enumerate(r)}
    for p, d in model.pairs:
        if p in dropped or d in dropped:
            assert p in dropped and d in dropped, "a pair is dropped whole"
            continue
        assert where[p][0] == where[d][0], "pickup and delivery on one vehicle"
        assert where[p][1] < where[d][1], "pickup before delivery"
    for v, r in enumerate(routes):
        if not r:
            continue
        path = [model.starts[v], *r, model.ends[v]]
        shift = model.shifts[v] if model.shifts else (0, 10**12)
        t = max(shift[0], model.windows[path[0]][0][0]) if model.windows[path[0]] else shift[0]
        departure = t
        load = 0
        for a, b in zip(path, path[1:]):
            arrive = t + int(model.service[a]) + int(model.travel[a, b])
            starts = [max(arrive, lo) for lo, hi in model.windows[b] if max(arrive, lo) <= hi] if model.windows[b] \
                else [arrive]
            assert starts, f"node {b} reached after its last window"
            t = min(starts)
            load += int(model.demand[b])
            assert 0 <= load <= model.capacity[v], f"load {load} on vehicle {v}"
        assert t <= shift[1], "back within the shift"
        if model.max_duration and model.max_duration[v] is not None:
            assert t - departure <= model.max_duration[v] or _could_leave_later(model, path, t, model.max_duration[v])


def _could_leave_later(model: NodeModel, path: list[int], end: int, limit: int) -> bool:
    """True if some later departure still arrives by ``end`` within ``limit`` (latest-start backward pass)."""
    assert model.windows is not None and model.travel is not None and model.service is not None
    t = end
    for a, b in reversed(list(zip(path, path[1:]))):
        t = t - int(model.travel[a, b]) - int(model.service[a])
        fits = [min(t, hi) for lo, hi in model.windows[a] if lo <= t] if model.windows[a] else [t]
        if not fits:
            return False
        t = max(fits)
    return end - t <= limit


def line_model(positions: list[float], windows: list[tuple[int, int]], demand: list[int], vehicles: int,
               capacity: int, pairs: tuple[tuple[int, int], ...] = (),
               max_duration: int | None = None) -> NodeModel:
    """Depot at node 0 (position 0); travel time = distance on a line."""
    x = np.array([0.0, *positions])
    dist = np.rint(np.abs(x[:, None] - x[None, :])).astype(np.int64)
    n = len(x)
    return NodeModel(
        cost=dist, demand=np.array([0, *demand], dtype=np.int64), capacity=(capacity,) * vehicles,
        starts=(0,) * vehicles, ends=(0,) * vehicles, travel=dist, service=np.zeros(n, dtype=np.int64),
        windows=(((0, 1000),), *(((a, b),) for a, b in windows)), pairs=pairs,
        max_duration=None if max_duration is None else (max_duration,) * vehicles,
    )


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
    model = line_model([10, 30, 20, 40], [(0, 1000)] * 4, [3, -3, 3, -3], vehicles=2, capacity=5,
                       pairs=((1, 2), (3, 4)))
    routes, stats = minimise_routes(model, ((1, 2), (3, 4)), time_limit_s=2, seed=0)
    check_routes(model, routes)
    assert stats.routes_after == 1  # capacity 5 < 6: the search must deliver the first before the second pickup


def random_pdptw(seed: int, pairs: int, vehicles: int) -> tuple[NodeModel, tuple[tuple[int, ...], ...]]:
    """Random pickup-delivery pairs on a plane, one per vehicle (feasible by construction)."""
    rng = np.random.default_rng(seed)
    n = 1 + 2 * pairs
    xy = rng.uniform(0, 100, size=(n, 2))
    xy[0] = (50, 50)
    dist = np.ceil(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))).astype(np.int64)
    horizon = 1000
    windows: list[tuple[tuple[int, int], ...]] = [((0, horizon),)]
    demand = [0]
    pair_list = []
    for k in range(pairs):
        p, d = 1 + 2 * k, 2 + 2 * k
        # the pickup's window opens early enough that depot -> p -> d -> depot always fits
        open_p = int(rng.integers(dist[0, p], 300))
        windows.append(((open_p, open_p + int(rng.integers(30, 200))),))
        earliest_d = open_p + 10 + dist[p, d]
        windows.append(((earliest_d, min(horizon - dist[d, 0], earliest_d + int(rng.integers(50, 300)))),))
        q = int(rng.integers(1, 6))
        demand += [q, -q]
        pair_list.append((p, d))
    model = NodeModel(
        cost=dist, demand=np.array(demand, dtype=np.int64), capacity=(10,) * vehicles, starts=(0,) * vehicles,
        ends=(0,) * vehicles, travel=dist, service=np.full(n, 10, dtype=np.int64).clip(0) * (np.arange(n) > 0),
        windows=tuple(windows), pairs=tuple(pair_list),
    )
    routes = tuple(pair_list[v] if v < pairs else () for v in range(vehicles))
    return model, routes


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
    model = NodeModel(cost=dist, demand=np.zeros(3, dtype=np.int64), capacity=(10, 10), starts=(0, 0),
                      ends=(0, 0), travel=dist, service=np.zeros(3, dtype=np.int64),
                      windows=(((0, 1000),), ((10, 10), (200, 200)), ((100, 100), (210, 210))),
                      max_duration=(50, 50))
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
