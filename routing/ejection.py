"""Route minimisation by guided ejection search (pure Python, no OR-Tools).

OR-Tools' local search is good at shortening routes but weak at emptying one:
a route disappears only when every one of its visits finds room elsewhere at
once. This module does what the literature's best route-minimisation methods
do (Nagata & Bräysy 2009 for time windows; Curtois et al. 2018 for pickup and
delivery): take one route away, put its *requests* (a pickup with its delivery,
or a single visit) into an ejection pool, and insert them one by one into the
other routes. A request that fits nowhere is forced in by ejecting one or two
requests from a route; each request carries a penalty counter that grows every
time it could not be placed, so the search ejects the requests that are easy
to place and keeps the hard ones in. Random feasible relocations between steps
keep it from cycling. When the pool empties, the plan has one route fewer.

It works on the engine's :class:`~routing.engine.NodeModel` (per-vehicle start
and end, capacities, shifts, multiple time windows, pickup-delivery pairs, a
maximum round length) and keeps every route feasible throughout, by the route
schedules and insertion places of :mod:`routing.insertion`, so what it returns
can warm-start OR-Tools for the cost phase.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from routing.insertion import (
    INF,
    InsertionData,
    RouteState,
    insert_request,
    insertion_data_for,
    remove_request,
    request_positions,
)

if TYPE_CHECKING:
    from routing.engine import NodeModel


@dataclass(frozen=True)
class EjectionStats:
    """What one run did: routes before and after, attempts, ejections."""

    routes_before: int
    routes_after: int
    attempts: int
    ejections: int
    success_s: tuple[float, ...] = ()


class _Search:
    """The ejection search's state: the routes, the random source, the deadline and the ejections made."""

    def __init__(
        self,
        data: InsertionData,
        routes: list[RouteState],
        rng: random.Random,
        deadline: float,
        max_ejected: int,
        perturb_moves: int,
        random_insert: bool = False,
        stop: Callable[[], bool] | None = None,
    ) -> None:
        self.random_insert = random_insert
        self.stop = stop
        self.data = data
        self.routes = routes
        self.rng = rng
        self.deadline = deadline
        self.max_ejected = max_ejected
        self.perturb_moves = perturb_moves
        self.ejections = 0

    def expired(self) -> bool:
        """Past the deadline, or asked to stop."""
        return time.monotonic() > self.deadline or (self.stop is not None and self.stop())

    def requests_in(self, route: RouteState) -> list[tuple[int, ...]]:
        seen, out = set(), []
        for node in route.visits:
            req = self.data.request_of[node]
            if req not in seen:
                seen.add(req)
                out.append(req)
        return out

    def best_insertion(self, request: tuple[int, ...]) -> tuple[RouteState, int, int] | None:
        """Cheapest feasible insertion (or a random feasible one, with ``random_insert``)."""
        best, best_delta = None, INF
        seen = 0
        for route in self.routes:
            for delta, a, b in request_positions(self.data, route, request):
                if self.random_insert:
                    seen += 1  # reservoir sampling: each feasible position equally likely
                    if self.rng.random() * seen < 1:
                        best = (route, a, b)
                    continue
                tie_broken_delta = delta + self.rng.random() * 1e-3  # random tie-break
                if tie_broken_delta < best_delta:
                    best_delta, best = tie_broken_delta, (route, a, b)
        return best

    def eject_insert(
        self, request: tuple[int, ...], penalty: dict[tuple[int, ...], int]
    ) -> tuple[RouteState, list[tuple[int, ...]], int, int, list[int]] | None:
        """Cheapest (by penalty sum) ejection of <= max_ejected requests from one route that lets `request` in."""
        data = self.data
        best = None
        best_key: tuple[int, float] = (10**9, INF)
        order = list(range(len(self.routes)))
        self.rng.shuffle(order)
        for k in range(1, self.max_ejected + 1):
            for r in order:
                route = self.routes[r]
                reqs = self.requests_in(route)
                if len(reqs) < k:
                    continue
                if k > 1 and len(reqs) > 16:
                    continue  # too many combinations to try in Python; one ejection only
                ranked = sorted(reqs, key=lambda q: penalty.get(q, 1))
                for combo in itertools.combinations(ranked, k):
                    psum = sum(penalty.get(q, 1) for q in combo)
                    if psum > best_key[0]:
                        continue
                    gone = set(itertools.chain.from_iterable(combo))
                    trial = RouteState(route.vehicle, [x for x in route.nodes if x not in gone])
                    if not trial.refresh(data):
                        continue
                    pos = request_positions(data, trial, request, first_only=True)
                    if not pos:
                        continue
                    key = (psum, self.rng.random())
                    if key < best_key:
                        best_key = key
                        best = (route, list(combo), pos[0][1], pos[0][2], trial.nodes)
                if self.expired():
                    return best
            if best is not None:
                return best
        return best

    def perturb(self) -> None:
        """Random feasible relocations of requests between routes."""
        if len(self.routes) < 2:
            return
        for _ in range(self.perturb_moves):
            source = self.rng.choice(self.routes)
            reqs = self.requests_in(source)
            if not reqs:
                continue
            request = self.rng.choice(reqs)
            target = self.rng.choice(self.routes)
            if target is source:
                continue
            pos = request_positions(self.data, target, request)
            if not pos:
                continue
            _, a, b = min(pos)
            before = source.nodes
            remove_request(source, request)
            if not source.refresh(self.data):
                source.nodes, source.dirty = before, True  # without the triangle inequality: undo
                continue
            insert_request(target, request, a, b)

    def empty_one_route(self, victim: int, max_steps: int) -> bool:
        """Take route `victim` away and re-insert its requests; True if the pool emptied."""
        pool = self.requests_in(self.routes[victim])
        del self.routes[victim]
        return self.place(pool, max_steps)

    def place(self, pool: list[tuple[int, ...]], max_steps: int) -> bool:
        """Insert every request of the pool, ejecting others as needed; True if the pool emptied."""
        self.rng.shuffle(pool)
        penalty: dict[tuple[int, ...], int] = {}
        steps = 0
        while pool:
            if self.expired() or steps >= max_steps:
                return False
            steps += 1
            request = pool.pop()
            spot = self.best_insertion(request)
            if spot is not None:
                route, a, b = spot
                insert_request(route, request, a, b)
                continue
            penalty[request] = penalty.get(request, 1) + 1
            found = self.eject_insert(request, penalty)
            if found is None:
                pool.insert(0, request)
                self.perturb()
                continue
            route, ejected, a, b, remaining = found
            route.nodes = remaining
            route.dirty = True
            insert_request(route, request, a, b)
            self.ejections += len(ejected)
            pool.extend(ejected)
            self.perturb()
        return True


#: Share of the pickups that must share their place with another pickup for :func:`pickups_gather`.
GATHERED_PICKUPS_SHARE = 0.5


def pickups_gather(model: NodeModel) -> bool:
    """True when most pickups share their place with another pickup (a branch day's orders, collected at
    a few shops; false on every Li & Lim file, whose pickups all have places of their own).

    There the PyVRP worker's start first goes through the ejection search with cheapest places
    (:data:`routing.pyvrp_engine.START_EJECTION_SHARE`): Nagata's random feasible place scatters a shop's
    pickups over extra shop calls, and the plan it leaves cost 0-13 % more after PyVRP on tuning days
    610-636 (bench_results/routing/README.md, round 7). The OR-Tools worker keeps the random place: with
    cheapest places it lost a van on days 613, 619 and 903 in the end-to-end A/B.
    """
    if not model.pairs or model.travel is None or model.windows is None:
        return False
    pickups = np.array([p for p, _ in model.pairs])
    travel = np.asarray(model.travel)[np.ix_(pickups, pickups)]
    together = (travel == 0) & (travel.T == 0)
    np.fill_diagonal(together, False)
    return bool(together.any(axis=1).mean() >= GATHERED_PICKUPS_SHARE)


def _lower_bound(data: InsertionData) -> int:
    """Vehicles needed by load alone when every visit only adds load (else 1)."""
    if any(q < 0 for q in data.demand):
        return 1
    total = sum(data.demand)
    cap = max(data.capacity) if data.capacity else 1
    return max(1, -(-total // cap)) if cap > 0 else 1


def minimise_routes(
    model: NodeModel,
    routes: Sequence[Sequence[int]],
    time_limit_s: float,
    seed: int = 0,
    max_ejected: int = 2,
    perturb_moves: int = 100,
    max_steps_per_route: int = 100_000,
    random_insert: bool = True,
    stop: Callable[[], bool] | None = None,
) -> tuple[tuple[tuple[int, ...], ...], EjectionStats]:
    """Remove routes one at a time from a feasible solution until an attempt fails or time is up.

    ``routes`` holds one visit sequence per fleet vehicle (empty when unused)
    and must serve every visit. Returns routes in the same layout (the vehicles
    of removed routes left empty) and what was done. The returned plan is
    feasible whenever the input was; if the input is not, it is returned as is.
    """
    data = insertion_data_for(model)
    deadline = time.monotonic() + time_limit_s
    rng = random.Random(seed)
    current = [RouteState(v, [data.start[v], *r, data.end[v]]) for v, r in enumerate(routes) if r]
    before = len(current)
    if not all(r.refresh(data) for r in current):
        return tuple(tuple(r) for r in routes), EjectionStats(before, before, 0, 0)
    bound = _lower_bound(data)
    attempts = 0
    search = _Search(data, current, rng, deadline, max_ejected, perturb_moves, random_insert, stop)
    best = [list(r.nodes) for r in current], [r.vehicle for r in current]
    started = time.monotonic()
    success_s: list[float] = []
    while len(search.routes) > bound and not search.expired():
        attempts += 1
        snapshot = [(RouteState(r.vehicle, list(r.nodes))) for r in search.routes]
        # prefer small routes: fewer requests to re-place
        sizes = [len(r.nodes) for r in search.routes]
        weights = [1.0 / max(1, s - 1) for s in sizes]
        victim = rng.choices(range(len(search.routes)), weights=weights)[0]
        if search.empty_one_route(victim, max_steps_per_route):
            best = [list(r.nodes) for r in search.routes], [r.vehicle for r in search.routes]
            success_s.append(round(time.monotonic() - started, 2))
        else:
            search.routes = snapshot
            break
    nodes_of, vehicles_of = best
    out: list[tuple[int, ...]] = [() for _ in range(data.vehicles)]
    for nodes, v in zip(nodes_of, vehicles_of):
        out[v] = tuple(nodes[1:-1])
    return tuple(out), EjectionStats(before, len(nodes_of), attempts, search.ejections, tuple(success_s))


def insert_dropped(
    model: NodeModel,
    routes: Sequence[Sequence[int]],
    dropped: Sequence[int],
    time_limit_s: float,
    seed: int = 0,
    max_ejected: int = 2,
    perturb_moves: int = 100,
    random_insert: bool = True,
    stop: Callable[[], bool] | None = None,
    keep_partial: bool = False,
) -> tuple[tuple[tuple[int, ...], ...], tuple[int, ...]]:
    """Fit dropped visits into the plan, idle vehicles included, ejecting others to make room.

    Returns (routes, still dropped): either every dropped request is placed, or
    the input plan comes back unchanged (never a plan that serves fewer). With
    ``keep_partial``, a search that runs out of time returns the plan as it
    stands when that serves more visits than the input (what is still in its
    pool comes back as dropped).
    """
    data = insertion_data_for(model)
    deadline = time.monotonic() + time_limit_s
    rng = random.Random(seed)
    current = [RouteState(v, [data.start[v], *r, data.end[v]]) for v, r in enumerate(routes)]
    unchanged = tuple(tuple(r) for r in routes), tuple(dropped)
    if not all(r.refresh(data) for r in current):
        return unchanged
    pool, seen = [], set()
    for node in dropped:
        request = data.request_of[node]
        if request not in seen:
            seen.add(request)
            pool.append(request)
    search = _Search(data, current, rng, deadline, max_ejected, perturb_moves, random_insert, stop)
    placed = search.place(pool, 10**9)
    still = tuple(node for request in pool for node in request) if not placed else ()
    if not placed and (not keep_partial or len(still) >= len(unchanged[1])):
        return unchanged
    out: list[tuple[int, ...]] = [() for _ in range(data.vehicles)]
    for route in search.routes:
        out[route.vehicle] = tuple(route.nodes[1:-1])
    return tuple(out), tuple(sorted(still))
