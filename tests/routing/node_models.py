"""Hand-built and random node models for the route searches, and an independent route checker."""

from __future__ import annotations

import numpy as np

from routing.engine import NodeModel


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
            starts = (
                [max(arrive, lo) for lo, hi in model.windows[b] if max(arrive, lo) <= hi]
                if model.windows[b]
                else [arrive]
            )
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


def line_model(
    positions: list[float],
    windows: list[tuple[int, int]],
    demand: list[int],
    vehicles: int,
    capacity: int,
    pairs: tuple[tuple[int, int], ...] = (),
    max_duration: int | None = None,
) -> NodeModel:
    """Depot at node 0 (position 0); travel time = distance on a line."""
    x = np.array([0.0, *positions])
    dist = np.rint(np.abs(x[:, None] - x[None, :])).astype(np.int64)
    n = len(x)
    return NodeModel(
        cost=dist,
        demand=np.array([0, *demand], dtype=np.int64),
        capacity=(capacity,) * vehicles,
        starts=(0,) * vehicles,
        ends=(0,) * vehicles,
        travel=dist,
        service=np.zeros(n, dtype=np.int64),
        windows=(((0, 1000),), *(((a, b),) for a, b in windows)),
        pairs=pairs,
        max_duration=None if max_duration is None else (max_duration,) * vehicles,
    )


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
        cost=dist,
        demand=np.array(demand, dtype=np.int64),
        capacity=(10,) * vehicles,
        starts=(0,) * vehicles,
        ends=(0,) * vehicles,
        travel=dist,
        service=np.full(n, 10, dtype=np.int64).clip(0) * (np.arange(n) > 0),
        windows=tuple(windows),
        pairs=tuple(pair_list),
    )
    routes = tuple(pair_list[v] if v < pairs else () for v in range(vehicles))
    return model, routes
