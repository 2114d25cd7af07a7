"""A rough first plan in a fraction of a second, for days too large for a solver's own construction.

Requests (a pickup-delivery pair, or a single visit) are chained by nearest
neighbour on the cost matrix, starting next to the first depot; the chain is
cut into trips that fit a vehicle's capacity and, roughly, its shift; each
trip loads all its pickups first and then serves its stops in order of their
earliest window. The plan usually breaks some windows: it is a start for a
search that repairs (PyVRP's penalised local search), never a plan to return.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import numpy as np

from routing.insertion import (
    INF,
    InsertionData,
    RouteState,
    insert_request,
    insertion_data_for,
    pair_positions,
    request_positions,
)

if TYPE_CHECKING:
    from routing.engine import NodeModel


def rough_routes(model: NodeModel) -> tuple[tuple[int, ...], ...]:
    """Node routes per vehicle serving every visit once, pickups before their deliveries, within capacity."""
    partner = {d: p for p, d in model.pairs}
    pickups = {p for p, _ in model.pairs}
    anchors = [n for n in model.visits if n not in pickups]  # the delivery or the single visit
    if not anchors:
        return tuple(() for _ in range(model.num_vehicles))
    cost = np.asarray(model.cost, dtype=np.float64)
    demand = np.abs(np.asarray(model.demand, dtype=np.int64))
    service = np.zeros(model.num_nodes) if model.service is None else np.asarray(model.service, dtype=np.float64)
    if model.windows is not None:
        opens = np.array([min((a for a, _ in model.windows[n]), default=0) for n in range(model.num_nodes)])
    else:
        opens = np.zeros(model.num_nodes)
    # nearest-neighbour chain of anchors, from the one nearest the first depot
    left = np.array(anchors)
    here = int(left[np.argmin(cost[model.starts[0], left])])
    chain = [here]
    mask = np.ones(len(left), dtype=bool)
    mask[np.where(left == here)[0][0]] = False
    while mask.any():
        candidates = left[mask]
        here = int(candidates[np.argmin(cost[here, candidates])])
        chain.append(here)
        mask[np.where(left == here)[0][0]] = False
    # cut into trips: capacity exactly, time roughly (travel along the chain plus service)
    fleet = model.num_vehicles
    if model.shifts:
        shift = float(np.median([b - a for a, b in model.shifts]))
    else:
        shift = float("inf")
    capacity = int(min(model.capacity)) if model.capacity else 0
    trips: list[list[int]] = [[]]
    load = work = 0.0
    for prev, node in zip([None, *chain], chain):
        need = float(demand[node])
        step = service[node] + (0.0 if prev is None else cost[prev, node])
        if node in partner:
            step += service[partner[node]]
        if trips[-1] and (load + need > capacity or work + step > 0.7 * shift):
            trips.append([])
            load = work = 0.0
        trips[-1].append(node)
        load += need
        work += step
    routes: list[list[int]] = [[] for _ in range(fleet)]
    for k, trip in enumerate(trips):
        picks = sorted((partner[n] for n in trip if n in partner), key=lambda p: cost[trip[0], p])
        stops = sorted(trip, key=lambda n: opens[n])
        routes[k % fleet].extend([*picks, *stops])  # more trips than vans: a van does several in turn
    return tuple(tuple(r) for r in routes)


def insertion_routes(
    model: NodeModel,
    time_limit_s: float = 3.0,
    seed: int = 0,
    stop: Callable[[], bool] | None = None,
    partial: bool = False,
    quick_finish: bool = True,
) -> tuple[tuple[int, ...], ...] | None:
    """A feasible first plan by regret insertion, or None if it cannot place every visit (with
    ``partial``, the feasible routes built so far instead, some visits left out).

    Every request (a pickup with its delivery, or a single visit) goes in at
    its cheapest feasible place, the request with the largest regret first:
    the gap between its cheapest place and the next best, where "a van of its
    own" is always one of the places. A van is opened only when no request
    fits any van in use, with the request farthest from the depot as its seed.
    Windows, capacity, shifts, longest rounds and pickup-before-delivery on one
    van are checked by the same schedule code the ejection and neighbourhood
    searches use, so the plan is feasible (the caller still re-checks it).
    When ``time_limit_s`` runs out, the requests left go in at their first
    feasible place, or in a van of their own (a complete plan with more vans,
    quickly, for the route minimisation to work on; ``quick_finish=False``:
    None, or the partial routes); ``stop`` ends it at once.
    """
    data = insertion_data_for(model)
    deadline = time.monotonic() + time_limit_s
    rng = random.Random(seed)
    cost = data.cost
    matrix = np.asarray(model.cost, dtype=np.int64)
    unrouted = sorted(set(data.request_of.values()))
    if not unrouted:
        return tuple(() for _ in range(model.num_vehicles))
    # vans in turn: largest, then longest shift first
    free = sorted(range(data.vehicles), key=lambda v: (-data.capacity[v], -(data.end_hi[v] - data.start_lo[v]), v))
    routes: list[RouteState] = []
    #: per request: route index -> (delta, a, b), feasible places only
    places: dict[tuple[int, ...], dict[int, tuple[int, int, int]]] = {q: {} for q in unrouted}

    alone_cost: dict[tuple[int, ...], float] = {}

    def alone(q: tuple[int, ...]) -> float:
        """Cost of a van of its own (the next free van's depots)."""
        if q not in alone_cost:
            if not free:
                alone_cost[q] = INF
            else:
                path = [data.start[free[0]], *q, data.end[free[0]]]
                alone_cost[q] = sum(cost[a][b] for a, b in zip(path, path[1:]))
        return alone_cost[q]

    keys: dict[tuple[int, ...], tuple[float, float]] = {}

    def rekey(q: tuple[int, ...]) -> None:
        """Regret (negated, so that min() picks the largest) and cheapest delta of q's places."""
        deltas = sorted(d for d, _, _ in places[q].values())
        if not deltas:
            keys.pop(q, None)
            return
        second = min(deltas[1], alone(q)) if len(deltas) > 1 else alone(q)
        keys[q] = (-(second - deltas[0]), deltas[0])

    def best_place(q: tuple[int, ...], r: int) -> None:
        route = routes[r]
        if len(q) == 2:
            found = pair_positions(data, route, q[0], q[1], pickup_after=_pickup_candidates(matrix, route, q[0]))
        else:
            found = request_positions(data, route, q)
        if found:
            places[q][r] = min(found)
        else:
            places[q].pop(r, None)
        rekey(q)

    # the requests nearest each request (by their last visit): their places are recomputed at once after
    # an insertion; the others' only when they are about to be chosen (their cached place may be stale)
    ends = np.array([q[-1] for q in unrouted])
    gaps = np.asarray(model.cost, dtype=np.float64)[np.ix_(ends, ends)]
    near_count = min(len(unrouted), NEAR_REQUESTS + 1)
    nearest = {
        q: [unrouted[k] for k in np.argsort(gaps[i], kind="stable")[:near_count]] for i, q in enumerate(unrouted)
    }
    stale: dict[tuple[int, ...], set[int]] = {q: set() for q in unrouted}
    left = set(unrouted)
    while left:
        if time.monotonic() > deadline or (stop is not None and stop()):
            break
        if not keys:
            # open a van: seed it with the request farthest from the depot that fits it alone
            if not free:
                break
            v = free.pop(0)
            alone_cost.clear()
            depot = data.start[v]
            for q in sorted(left, key=lambda q: (-cost[depot][q[-1]], rng.random())):
                route = RouteState(v, [data.start[v], *q, data.end[v]])
                if route.refresh(data):
                    break
            else:
                break
            routes.append(route)
            left.discard(q)
            keys.pop(q, None)
            r = len(routes) - 1
            for other in left:
                if time.monotonic() > deadline:
                    break  # the rest are placed quickly below
                best_place(other, r)
            continue
        q = min(keys, key=keys.__getitem__)
        if stale[q]:
            for r in stale[q]:
                if r in places[q]:
                    best_place(q, r)
            stale[q].clear()
            continue  # choose again with its places up to date
        r = min(places[q], key=lambda r: places[q][r])
        _, a, b = places[q][r]
        insert_request(routes[r], q, a, b)
        routes[r].refresh(data)
        left.discard(q)
        keys.pop(q, None)
        close = set(nearest[q])
        for other in left:
            if r in places[other]:
                if other in close:
                    best_place(other, r)
                else:
                    stale[other].add(r)
    if left and quick_finish and not (stop is not None and stop()):
        # out of time: the rest goes in at its cheapest place in the vans of its nearest requests placed
        # so far, or in a van of its own (quick: a complete plan with more vans for the route minimisation)
        route_of = {x: k for k, route in enumerate(routes) for x in route.visits}
        for q in sorted(left, key=lambda q: (data.lo[q[-1]], q)):
            near = list(dict.fromkeys(route_of[o[-1]] for o in nearest[q] if o[-1] in route_of))[:FILL_ROUTES]
            k = _fill(data, routes, q, near, free)
            if k is None:
                k = _fill(data, routes, q, range(len(routes)), [])
            if k is None:
                continue
            left.discard(q)
            for x in q:
                route_of[x] = k
    if left and not partial:
        return None
    out: list[tuple[int, ...]] = [() for _ in range(model.num_vehicles)]
    for route in routes:
        out[route.vehicle] = tuple(route.visits)
    return tuple(out)


def _fill(
    data: InsertionData, routes: list[RouteState], q: tuple[int, ...], near: Iterable[int], free: list[int]
) -> int | None:
    """Put ``q`` at its cheapest place in the routes ``near``, else in a free van of its own; its route index."""
    found = []
    for k in near:
        places = request_positions(data, routes[k], q)
        if places:
            found.append((min(places), k))
    if found:
        (_, a, b), k = min(found)
        insert_request(routes[k], q, a, b)
        routes[k].refresh(data)
        return k
    for v in list(free):
        route = RouteState(v, [data.start[v], *q, data.end[v]])
        if route.refresh(data):
            free.remove(v)
            routes.append(route)
            return len(routes) - 1
    return None


#: Out of time, a request left is tried in the vans of its nearest placed requests, at most this many.
FILL_ROUTES = 3

#: After an insertion, the places of this many nearest requests are recomputed at once (the others' lazily).
NEAR_REQUESTS = 12

#: Insertion of a pickup is tried after the route positions where it adds least (this many) and after
#: every visit at the same place (a shop's other pickups: free): the full scan of every pickup and
#: delivery position pair took 3 ms a call in Python on a 40-visit route, seconds per van.
PICKUP_CANDIDATES = 4


def _pickup_candidates(cost: np.ndarray, route: RouteState, p: int) -> set[int]:
    """Positions after which pickup p is tried: where it adds least, and after every visit at its place."""
    nodes = np.asarray(route.nodes)
    before, after = nodes[:-1], nodes[1:]
    to_p = cost[before, p]
    deltas = to_p + cost[p, after] - cost[before, after]
    keep = set(np.argsort(deltas, kind="stable")[:PICKUP_CANDIDATES].tolist())
    keep.update(np.flatnonzero(to_p == 0).tolist())
    return keep
