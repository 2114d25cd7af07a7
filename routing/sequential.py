"""Sequential route building with time in the criterion (Solomon's I1, as VROOM builds its first plans).

One van at a time: it is opened with a seed request (the one farthest from
the depot, the one with the earliest deadline, or the largest one), then
filled, request by request (a pickup with its delivery, or a single visit),
with the request whose cheapest feasible place scores lowest on

    extra driving + time weight x how much later the van gets back - regret x the request's round alone

until nothing more fits; then the next van. "How much later the van gets
back" (the end of its earliest schedule) is what a request costs of the
shift: a request that fills a wait (the van early at a shop that is not
ready) costs none, one that adds a wait costs it in full. The regret term
draws the requests far from the depot in first, while the van is empty.

:func:`best_sequential_routes` builds several variants (seed rule x regret x
time weight) in a time budget and keeps the plan with the fewest vans, then
the least cost. Every place is checked by the schedule code the ejection
search uses, :mod:`routing.insertion` (capacity, windows including several
per visit, shifts, longest round, pickup before delivery on one van,
per-visit shop loading in the travel times), so the plan is feasible;
callers still re-check it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from routing.insertion import (
    InsertionData,
    RouteState,
    insert_request,
    inserted_nodes,
    insertion_data_for,
    pair_positions,
    schedule_route,
    shortest_route_span,
    visit_positions,
)

if TYPE_CHECKING:
    from routing.engine import NodeModel


@dataclass(frozen=True)
class Variant:
    """One way to build: the seed rule, the regret weight and the weight of the van's later return."""

    seed_rule: str = "furthest"  # furthest | deadline | demand
    regret: float = 0.0
    time_weight: float = 1.0


#: The variants :func:`best_sequential_routes` tries, in this order, while its time lasts: the best
#: variants on tuning days 600-636 first (furthest seed, regret 0.5-2, no time weight won 7 of 9 days).
VARIANTS: tuple[Variant, ...] = (
    Variant("furthest", 1.0, 0.0),
    Variant("furthest", 2.0, 0.0),
    Variant("furthest", 0.5, 0.0),
    Variant("deadline", 2.0, 0.5),
    Variant("furthest", 0.5, 0.5),
    Variant("deadline", 0.5, 0.0),
    Variant("furthest", 1.0, 0.5),
    Variant("demand", 1.0, 0.0),
)

#: A variant takes about this many times the regret insertion's time on the same day (days 610-636 at load 11-13: 0.7-1.1).
EXPECTED_PER_INSERTION = 1.2

#: Each step scores the places of at most this many requests, the nearest to the van's route (less the regret).
CANDIDATES = 24

#: After an insertion, the places of this many requests nearest it are recomputed at once (the others' when
#: they come first).
NEAR_REQUESTS = 8

#: Of those, this many best by extra driving less regret get the exact later-return term (a schedule each).
TIMED = 4


def sequential_routes(
    model: NodeModel,
    variant: Variant = Variant(),
    deadline: float | None = None,
    stop: Callable[[], bool] | None = None,
) -> tuple[tuple[int, ...], ...] | None:
    """A feasible plan built one van at a time, or None (out of vans, out of time, or asked to stop)."""
    data = insertion_data_for(model)
    matrix = np.asarray(model.cost, dtype=np.int64)
    transit = np.asarray(data.transit, dtype=np.int64)
    requests = sorted(set(data.request_of.values()))
    out: list[tuple[int, ...]] = [() for _ in range(model.num_vehicles)]
    if not requests:
        return tuple(out)
    first = np.array([q[0] for q in requests])
    last = np.array([q[-1] for q in requests])
    inner = matrix[first, last]
    deadline_of = np.array([data.hi[q[-1]] for q in requests], dtype=np.float64)
    size = np.array([abs(data.demand[q[0]]) for q in requests], dtype=np.float64)
    left = np.ones(len(requests), dtype=bool)
    # vans in turn: largest, then longest shift first (as the regret insertion opens them)
    free = sorted(range(data.vehicles), key=lambda v: (-data.capacity[v], -(data.end_hi[v] - data.start_lo[v]), v))
    for v in free:
        if not left.any():
            break
        if (deadline is not None and time.monotonic() > deadline) or (stop is not None and stop()):
            return None
        start, end = data.start[v], data.end[v]
        alone = (matrix[start, first] + inner + matrix[last, end]).astype(np.float64)
        waiting = np.flatnonzero(left)
        if variant.seed_rule == "deadline":
            order = waiting[np.lexsort((-alone[waiting], deadline_of[waiting]))]
        elif variant.seed_rule == "demand":
            order = waiting[np.lexsort((-alone[waiting], -size[waiting]))]
        else:
            order = waiting[np.argsort(-alone[waiting], kind="stable")]
        route = None
        for i in order.tolist():
            trial = RouteState(v, [start, *requests[i], end])
            if trial.refresh(data):
                route, seed = trial, i
                break
        if route is None:
            continue  # nothing left fits this van alone; another van may differ
        left[seed] = False
        near_first = np.minimum(matrix[start, first], matrix[requests[seed][-1], first])
        near_last = np.minimum(matrix[last, end], matrix[last, requests[seed][0]])
        for x in requests[seed]:
            near_first = np.minimum(near_first, matrix[x, first])
            near_last = np.minimum(near_last, matrix[last, x])
        dead = np.zeros(len(requests), dtype=bool)  # no place in this van (and none later: it only fills)
        # each candidate's cheapest place, (delta less regret, delta, a, b); ``fresh``: computed on the route as
        # it stands. After an insertion only the requests nearest it are recomputed at once; the others'
        # entries are kept (stale) and recomputed when they come first, as the regret insertion does
        cache: dict[int, tuple[float, int, int, int]] = {}
        fresh: set[int] = set()
        near: set[int] = set()

        def evaluate(chosen: list[int]) -> None:
            paired = [i for i in chosen if len(requests[i]) == 2]
            places = dict(zip(paired, _pickup_places(data, matrix, transit, route, first[paired]))) if paired else {}
            for i in chosen:
                q = requests[i]
                if len(q) == 2:
                    found = pair_positions(data, route, q[0], q[1], pickup_after=places[i]) if places[i] else []
                else:
                    found = visit_positions(data, route, q[0])
                fresh.add(i)
                if not found:
                    dead[i] = True
                    cache.pop(i, None)
                    continue
                delta, a, b = min(found)
                cache[i] = (delta - variant.regret * alone[i], delta, a, b)

        while True:
            open_ = np.flatnonzero(left & ~dead)
            if not len(open_):
                break
            if (deadline is not None and time.monotonic() > deadline) or (stop is not None and stop()):
                return None
            rank = near_first[open_] + near_last[open_] - variant.regret * alone[open_]
            if len(open_) > CANDIDATES:
                open_ = open_[np.argpartition(rank, CANDIDATES)[:CANDIDATES]]
            shortlist = open_.tolist()
            evaluate([i for i in shortlist if i not in fresh and (i not in cache or i in near)])
            # the first entries must be fresh: the best one, and with the time term the best TIMED
            need = TIMED if variant.time_weight else 1
            while True:
                ranked = sorted((cache[i][0], i) for i in shortlist if i in cache and not dead[i])
                stale = [i for _, i in ranked[:need] if i not in fresh]
                if not stale:
                    break
                evaluate(stale)
            if not ranked:
                continue  # every candidate was dead: the next nearest ones
            pick = ranked[0][1]
            if variant.time_weight and len(ranked) > 1:
                end_now = route.early[-1]
                best_key = None
                for score, i in ranked[:need]:
                    _, delta, a, b = cache[i]
                    nodes = inserted_nodes(route.nodes, requests[i], a, b)
                    probe = RouteState(v, nodes)
                    if not schedule_route(data, v, nodes, probe):
                        continue
                    key = score + variant.time_weight * (probe.early[-1] - end_now)
                    if best_key is None or key < best_key:
                        best_key, pick = key, i
            _, _, a, b = cache.pop(pick)
            q = requests[pick]
            insert_request(route, q, a, b)
            route.refresh(data)
            left[pick] = False
            fresh.clear()
            for x in q:
                near_first = np.minimum(near_first, matrix[x, first])
                near_last = np.minimum(near_last, matrix[last, x])
            closeness = matrix[q[0], first] + matrix[last, q[-1]]
            candidates = np.flatnonzero(left & ~dead)
            if len(candidates) > NEAR_REQUESTS:
                candidates = candidates[np.argpartition(closeness[candidates], NEAR_REQUESTS)[:NEAR_REQUESTS]]
            near = set(candidates.tolist())
        out[v] = tuple(route.visits)
    if left.any():
        return None
    return tuple(out)


#: A pickup is tried after the positions where it adds least driving (this many), among those with room
#: for its load and time for its window, and after every visit at its place (a shop's other pickups).
PICKUP_PLACES = 6


def _pickup_places(
    data: InsertionData, matrix: np.ndarray, transit: np.ndarray, route: RouteState, pickups: np.ndarray
) -> list[set[int]]:
    """Per pickup, the positions after which it may go: the van has room for it there and can reach it
    in its window; of those the cheapest few and those at its place (so that once the van is full, a
    second trip from the shop is tried). One numpy pass for every pickup of the step."""
    nodes = np.asarray(route.nodes)
    before, after = nodes[:-1], nodes[1:]
    load = np.asarray(route.load[:-1])[:, None]
    early = np.asarray(route.early[:-1])[:, None]
    demand = np.asarray(data.demand)[pickups][None, :]
    hi = np.asarray(data.hi)[pickups][None, :]
    room = (load + demand <= data.capacity[route.vehicle]) & (early + transit[np.ix_(before, pickups)] <= hi)
    to_p = matrix[np.ix_(before, pickups)]
    deltas = np.where(
        room, to_p + matrix[np.ix_(pickups, after)].T - matrix[before, after][:, None], np.iinfo(np.int64).max
    )
    count = min(PICKUP_PLACES, len(before))
    cheapest = (
        np.argpartition(deltas, count - 1, axis=0)[:count]
        if count < len(before)
        else np.tile(np.arange(len(before))[:, None], (1, len(pickups)))
    )
    at_place = room & (to_p == 0)
    out = []
    for k in range(len(pickups)):
        keep = {int(a) for a in cheapest[:, k] if room[a, k]}
        keep.update(np.flatnonzero(at_place[:, k]).tolist())
        out.append(keep)
    return out


def best_sequential_routes(
    model: NodeModel,
    time_limit_s: float,
    stop: Callable[[], bool] | None = None,
    variants: Sequence[Variant] = VARIANTS,
    expected_s: float = 0.0,
) -> tuple[tuple[int, ...], ...] | None:
    """The best plan (fewest vans, then least cost) of the variants built within ``time_limit_s``;
    None if none finished in time.

    A variant starts only if the time left covers what one is expected to take: ``expected_s`` for the
    first (callers pass :data:`EXPECTED_PER_INSERTION` x the regret insertion's time on the same day), then
    what the last one took. On a loaded machine or a large day nothing starts that could not finish (at
    load 14 on 300-400-order days no variant finished in 1.5 s, and the time was lost to the search)."""
    deadline = time.monotonic() + time_limit_s
    best: tuple[tuple[int, int], tuple[tuple[int, ...], ...]] | None = None
    for variant in variants:
        began = time.monotonic()
        if deadline - began < expected_s:
            break
        routes = sequential_routes(model, variant, deadline, stop)
        expected_s = time.monotonic() - began
        if routes is None:
            continue
        key = (sum(1 for r in routes if r), model.routes_cost(routes))
        if best is None or key < best[0]:
            best = key, routes
    return None if best is None else best[1]


def better_start(
    model: NodeModel,
    first: tuple[tuple[int, ...], ...] | None,
    second: tuple[tuple[int, ...], ...] | None,
    second_on_equal_vans: bool = False,
) -> tuple[tuple[int, ...], ...] | None:
    """The better of two start plans: fewer visits left out, then fewer vans, then less cost (``first`` on a tie;
    with ``second_on_equal_vans``, ``second`` whenever it leaves out no more and uses no more vans)."""
    if first is None or second is None:
        return first if second is None else second

    def key(routes: tuple[tuple[int, ...], ...]) -> tuple[int, int, int]:
        return (
            len(model.unserved(routes)),
            sum(1 for r in routes if r),
            0 if second_on_equal_vans else model.routes_cost(routes),
        )

    return second if (key(second) <= key(first) if second_on_equal_vans else key(second) < key(first)) else first


def waiting_s(model: NodeModel, routes: Sequence[Sequence[int]]) -> int:
    """Total waiting of a plan: each route's shortest span (leaving as late as pays) less its travel and service."""
    data = insertion_data_for(model)
    total = 0.0
    for v, visits in enumerate(routes):
        if not visits:
            continue
        nodes = [data.start[v], *visits, data.end[v]]
        route = RouteState(v, nodes)
        if not route.refresh(data):
            raise ValueError(f"route of vehicle {v} is not feasible")
        span = shortest_route_span(data, v, nodes, route.early)
        total += span - sum(data.transit[a][b] for a, b in zip(nodes, nodes[1:]))
    return int(round(total))
