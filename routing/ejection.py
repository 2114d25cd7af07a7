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
maximum round length) and keeps every route feasible throughout, so what it
returns can warm-start OR-Tools for the cost phase.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from routing.windows import merge_windows

if TYPE_CHECKING:
    from routing.engine import NodeModel

INF = float("inf")


@dataclass(frozen=True)
class EjectionStats:
    """What one run did: routes before and after, attempts, ejections."""

    routes_before: int
    routes_after: int
    attempts: int
    ejections: int
    success_s: tuple[float, ...] = ()


class _Data:
    """Plain-list copies of the model for fast scalar access."""

    def __init__(self, model: NodeModel) -> None:
        n = model.num_nodes
        if model.windows is None:  # no time at all (CVRP): every visit at time 0
            model = replace(model, travel=np.zeros((n, n), dtype=np.int64), service=np.zeros(n, dtype=np.int64),
                            windows=(((0, 0),),) * n, shifts=None, max_duration=None)
        assert model.windows is not None and model.travel is not None and model.service is not None
        self.n = n
        self.cost = model.cost.astype(int).tolist()
        transit = model.travel.astype(int) + model.service.astype(int)[:, None]
        self.transit = transit.tolist()
        self.transit_to = transit.T.tolist()
        self.demand = [int(x) for x in model.demand]
        horizon = max(e for w in model.windows for _, e in w) if any(model.windows) else 0
        if model.shifts:
            horizon = max(horizon, max(s[1] for s in model.shifts))
        depots = set(model.starts) | set(model.ends)
        # visits: merged windows; depots: one span from the first opening to the last closing,
        # exactly as the engine bounds a vehicle's start and end
        self.windows: list[tuple[tuple[int, int], ...]] = [
            ((0, horizon),) if not w else
            ((min(a for a, _ in w), max(b for _, b in w)),) if i in depots else merge_windows(w)
            for i, w in enumerate(model.windows)]
        self.lo = [w[0][0] for w in self.windows]
        self.hi = [w[-1][1] for w in self.windows]
        self.multi = [len(w) > 1 for w in self.windows]
        self.vehicles = model.num_vehicles
        self.capacity = [int(c) for c in model.capacity]
        self.start = list(model.starts)
        self.end = list(model.ends)
        self.max_duration = list(model.max_duration) if model.max_duration else [None] * self.vehicles
        # vehicle time bounds, as the engine sets them
        self.start_lo, self.start_hi, self.end_hi = [], [], []
        for v in range(self.vehicles):
            shift = model.shifts[v] if model.shifts else (0, horizon)
            sw, ew = self.windows[self.start[v]], self.windows[self.end[v]]
            self.start_lo.append(max(shift[0], sw[0][0]))
            self.start_hi.append(min(shift[1], sw[-1][1]))
            self.end_hi.append(min(shift[1], ew[-1][1]))
        paired = {}
        for p, d in model.pairs:
            paired[p] = (p, d)
            paired[d] = (p, d)
        self.request_of: dict[int, tuple[int, ...]] = {}
        for node in range(n):
            if node in depots:
                continue
            self.request_of[node] = paired.get(node, (node,))

    def earliest(self, i: int, t: float) -> float:
        """First time >= t at which service may start at node i (INF if none)."""
        if not self.multi[i]:
            if t <= self.lo[i]:
                return self.lo[i]
            return t if t <= self.hi[i] else INF
        for a, b in self.windows[i]:
            if t <= b:
                return a if t < a else t
        return INF

    def latest(self, i: int, t: float) -> float:
        """Last time <= t at which service may start at node i (-INF if none)."""
        if not self.multi[i]:
            if t >= self.hi[i]:
                return self.hi[i]
            return t if t >= self.lo[i] else -INF
        for a, b in reversed(self.windows[i]):
            if t >= a:
                return b if t > b else t
        return -INF


_last_data: list[tuple[object, _Data]] = []


def _data_for(model: NodeModel) -> _Data:
    """The plain-list copy of ``model``, kept for the last model (the engine calls in repeatedly)."""
    if _last_data and _last_data[0][0] is model:
        return _last_data[0][1]
    data = _Data(model)
    _last_data[:] = [(model, data)]
    return data


def forget_data() -> None:
    """Drop the kept plain-list copy of the last model (hundreds of MiB on a day of 2,000 nodes)."""
    _last_data.clear()


class _Route:
    """One vehicle's route [start, visits..., end] with forward/backward schedules."""

    __slots__ = ("vehicle", "nodes", "early", "late", "load", "dirty")

    def __init__(self, vehicle: int, nodes: list[int]) -> None:
        self.vehicle = vehicle
        self.nodes = nodes
        self.early: list[float] = []
        self.late: list[float] = []
        self.load: list[int] = []
        self.dirty = True

    def refresh(self, data: _Data) -> bool:
        """Recompute schedules; False if the route is infeasible."""
        self.dirty = False
        return _schedule(data, self.vehicle, self.nodes, self)

    @property
    def visits(self) -> list[int]:
        return self.nodes[1:-1]


def _schedule(data: _Data, v: int, nodes: list[int], out: _Route | None = None) -> bool:
    """Earliest and latest service starts and loads of a node sequence for vehicle v."""
    n = len(nodes)
    early = [0.0] * n
    load = [0] * n
    t: float = data.start_lo[v]
    early[0] = t
    q = 0
    cap = data.capacity[v]
    transit, demand = data.transit, data.demand
    feasible = True
    lo, hi, multi = data.lo, data.hi, data.multi
    for k in range(1, n):
        a, b = nodes[k - 1], nodes[k]
        t += transit[a][b]
        if multi[b]:
            t = data.earliest(b, t)
        elif t < lo[b]:
            t = lo[b]
        elif t > hi[b]:
            t = INF
        q += demand[b]
        early[k] = t
        load[k] = q
        if t == INF or q > cap or q < 0:
            feasible = False
    if early[-1] > data.end_hi[v]:
        feasible = False
    late = [0.0] * n
    t = data.end_hi[v]
    late[-1] = t
    for k in range(n - 2, -1, -1):
        a, b = nodes[k], nodes[k + 1]
        t -= transit[a][b]
        if multi[a]:
            t = data.latest(a, t)
        elif t > hi[a]:
            t = hi[a]
        elif t < lo[a]:
            t = -INF
        late[k] = t
    if late[0] > data.start_hi[v]:
        late[0] = data.start_hi[v]
    if late[0] < early[0]:
        feasible = False
    limit = data.max_duration[v]
    if feasible and limit is not None and n > 2 and _min_duration(data, v, nodes, early) > limit:
        feasible = False
    if out is not None:
        out.early, out.late, out.load = early, late, load
    return feasible


def _min_duration(data: _Data, v: int, nodes: list[int], early: list[float]) -> float:
    """Shortest span of the route over every departure time.

    With one window per visit, arriving as early as possible and leaving as
    late as that allows is optimal. With several, the span can be shorter for a
    later departure, so every departure that reaches some visit exactly at one
    of its window openings without waiting (the breakpoints of the span) is tried.
    """
    def span_from(departure: float) -> float:
        t = departure
        for a, b in zip(nodes, nodes[1:]):
            t = data.earliest(b, t + data.transit[a][b])
        if t > data.end_hi[v]:
            return INF
        back = t  # leave as late as this arrival allows
        for k in range(len(nodes) - 2, -1, -1):
            back = data.latest(nodes[k], back - data.transit[nodes[k]][nodes[k + 1]])
        return t - min(max(back, departure), data.start_hi[v])

    best = span_from(early[0])
    if any(data.multi[x] for x in nodes):
        offset = 0.0
        for a, b in zip(nodes, nodes[1:]):
            offset += data.transit[a][b]
            for opening, _ in data.windows[b]:
                departure = opening - offset
                if early[0] < departure <= data.start_hi[v]:
                    best = min(best, span_from(departure))
    return best


def _route_ok(data: _Data, v: int, nodes: list[int]) -> bool:
    return _schedule(data, v, nodes)


class _Insertions:
    """Feasible insertion positions of one request into one route."""

    @staticmethod
    def single(data: _Data, route: _Route, u: int, first_only: bool = False) -> list[tuple[int, int, int]]:
        """(delta cost, a, a) for u inserted after position a."""
        nodes, early, late, load = route.nodes, route.early, route.late, route.load
        cap, q = data.capacity[route.vehicle], data.demand[u]
        transit, cost = data.transit, data.cost
        out = []
        n = len(nodes)
        # load after position a rises by q from a to the end
        suffix_max, suffix_min = [0] * n, [0] * n
        hi_, lo_ = -10**18, 10**18
        for k in range(n - 1, -1, -1):
            hi_, lo_ = max(hi_, load[k]), min(lo_, load[k])
            suffix_max[k], suffix_min[k] = hi_, lo_
        check_span = data.max_duration[route.vehicle] is not None
        for a in range(n - 1):
            if suffix_max[a] + q > cap or suffix_min[a] + q < 0:
                continue
            i, j = nodes[a], nodes[a + 1]
            t = data.earliest(u, early[a] + transit[i][u])
            if t == INF:
                continue
            if t + transit[u][j] > late[a + 1]:
                continue
            if check_span and not _route_ok(data, route.vehicle, nodes[:a + 1] + [u] + nodes[a + 1:]):
                continue
            out.append((cost[i][u] + cost[u][j] - cost[i][j], a, a))
            if first_only:
                return out
        return out

    @staticmethod
    def pair(data: _Data, route: _Route, p: int, d: int, first_only: bool = False,
             pickup_after: set[int] | None = None) -> list[tuple[int, int, int]]:
        """(delta cost, a, b): p inserted after position a, d after position b (b >= a; b == a: right after p);
        with ``pickup_after``, only those positions a are tried."""
        nodes, early, late, load = route.nodes, route.early, route.late, route.load
        cap, qp, qd = data.capacity[route.vehicle], data.demand[p], data.demand[d]
        transit, cost = data.transit, data.cost
        n = len(nodes)
        out = []
        check_span = data.max_duration[route.vehicle] is not None
        tail_shift = qp + qd
        if tail_shift:
            suffix_max, suffix_min = [0] * n, [0] * n
            hi_, lo_ = -10**18, 10**18
            for k in range(n - 1, -1, -1):
                hi_, lo_ = max(hi_, load[k]), min(lo_, load[k])
                suffix_max[k], suffix_min[k] = hi_, lo_
        lo, hi, multi = data.lo, data.hi, data.multi
        d_lo, d_hi, d_multi = lo[d], hi[d], multi[d]
        transit_d = data.transit_to[d]
        for a in range(n - 1) if pickup_after is None else sorted(pickup_after):
            if load[a] + qp > cap or load[a] + qp < 0:
                continue
            if tail_shift and not 0 <= load[a] + tail_shift <= cap:
                continue  # load just after d when d follows p at once (unbalanced pair)
            i = nodes[a]
            tp = early[a] + transit[i][p]
            if multi[p]:
                tp = data.earliest(p, tp)
                if tp == INF:
                    continue
            elif tp > hi[p]:
                continue
            elif tp < lo[p]:
                tp = lo[p]
            if not d_multi and tp + transit[p][d] > d_hi:
                continue  # d cannot follow p in time, wherever it goes
            cost_p_base = cost[i][p]
            # d right after p
            j = nodes[a + 1]
            td = data.earliest(d, tp + transit[p][d])
            if td != INF and td + transit[d][j] <= late[a + 1] and (
                    not tail_shift or (suffix_max[a + 1] + tail_shift <= cap and suffix_min[a + 1] + tail_shift >= 0)):
                delta = cost_p_base + cost[p][d] + cost[d][j] - cost[i][j]
                if not check_span or _route_ok(data, route.vehicle, nodes[:a + 1] + [p, d] + nodes[a + 1:]):
                    out.append((delta, a, a))
                    if first_only:
                        return out
            # d later: walk the pushed schedule forward from p
            t, prev = tp, p
            cost_p = cost_p_base + cost[p][j] - cost[i][j]
            for b in range(a + 1, n - 1):
                node = nodes[b]
                t += transit[prev][node]
                if multi[node]:
                    t = data.earliest(node, t)
                elif t < lo[node]:
                    t = lo[node]
                if t > late[b]:
                    break
                if load[b] + qp > cap or load[b] + qp < 0:
                    break
                prev = node
                nxt = nodes[b + 1]
                td = t + transit_d[node]
                if d_multi:
                    td = data.earliest(d, td)
                    if td == INF:
                        continue
                elif td > d_hi:
                    break
                elif td < d_lo:
                    td = d_lo
                if td + transit[d][nxt] > late[b + 1]:
                    continue
                if tail_shift and (suffix_max[b + 1] + tail_shift > cap or suffix_min[b + 1] + tail_shift < 0
                                   or not 0 <= load[b] + tail_shift <= cap):
                    continue
                if check_span and not _route_ok(
                        data, route.vehicle, nodes[:a + 1] + [p] + nodes[a + 1:b + 1] + [d] + nodes[b + 1:]):
                    continue
                out.append((cost_p + cost[node][d] + cost[d][nxt] - cost[node][nxt], a, b))
                if first_only:
                    return out
        return out


def _positions(data: _Data, route: _Route, request: tuple[int, ...], first_only: bool = False) -> list[tuple[int, int, int]]:
    if route.dirty and not route.refresh(data):
        return []  # only reachable without the triangle inequality: a removal broke the route
    if len(request) == 1:
        return _Insertions.single(data, route, request[0], first_only)
    return _Insertions.pair(data, route, request[0], request[1], first_only)


def _insert(route: _Route, request: tuple[int, ...], a: int, b: int) -> None:
    nodes = route.nodes
    if len(request) == 1:
        route.nodes = nodes[:a + 1] + [request[0]] + nodes[a + 1:]
    elif a == b:
        route.nodes = nodes[:a + 1] + [request[0], request[1]] + nodes[a + 1:]
    else:
        route.nodes = nodes[:a + 1] + [request[0]] + nodes[a + 1:b + 1] + [request[1]] + nodes[b + 1:]
    route.dirty = True


def _remove(route: _Route, request: Sequence[int]) -> None:
    gone = set(request)
    route.nodes = [x for x in route.nodes if x not in gone]
    route.dirty = True


class _Search:
    def __init__(self, data: _Data, routes: list[_Route], rng: random.Random, deadline: float,
                 max_ejected: int, perturb_moves: int, random_insert: bool = False,
                 stop: Callable[[], bool] | None = None) -> None:
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

    def requests_in(self, route: _Route) -> list[tuple[int, ...]]:
        seen, out = set(), []
        for node in route.visits:
            req = self.data.request_of[node]
            if req not in seen:
                seen.add(req)
                out.append(req)
        return out

    def best_insertion(self, request: tuple[int, ...]) -> tuple[_Route, int, int] | None:
        """Cheapest feasible insertion (or a random feasible one, with ``random_insert``)."""
        best, best_delta = None, INF
        seen = 0
        for route in self.routes:
            for delta, a, b in _positions(self.data, route, request):
                if self.random_insert:
                    seen += 1  # reservoir sampling: each feasible position equally likely
                    if self.rng.random() * seen < 1:
                        best = (route, a, b)
                    continue
                tie_broken_delta = delta + self.rng.random() * 1e-3  # random tie-break
                if tie_broken_delta < best_delta:
                    best_delta, best = tie_broken_delta, (route, a, b)
        return best

    def eject_insert(self, request: tuple[int, ...], penalty: dict[tuple[int, ...], int]
                     ) -> tuple[_Route, list[tuple[int, ...]], int, int, list[int]] | None:
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
                    trial = _Route(route.vehicle, [x for x in route.nodes if x not in gone])
                    if not trial.refresh(data):
                        continue
                    pos = _positions(data, trial, request, first_only=True)
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
            pos = _positions(self.data, target, request)
            if not pos:
                continue
            _, a, b = min(pos)
            before = source.nodes
            _remove(source, request)
            if not source.refresh(self.data):
                source.nodes, source.dirty = before, True  # without the triangle inequality: undo
                continue
            _insert(target, request, a, b)

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
                _insert(route, request, a, b)
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
            _insert(route, request, a, b)
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


def _lower_bound(data: _Data) -> int:
    """Vehicles needed by load alone when every visit only adds load (else 1)."""
    if any(q < 0 for q in data.demand):
        return 1
    total = sum(data.demand)
    cap = max(data.capacity) if data.capacity else 1
    return max(1, -(-total // cap)) if cap > 0 else 1


def minimise_routes(model: NodeModel, routes: Sequence[Sequence[int]], time_limit_s: float,
                    seed: int = 0, max_ejected: int = 2, perturb_moves: int = 100,
                    max_steps_per_route: int = 100_000, random_insert: bool = True,
                    stop: Callable[[], bool] | None = None) -> tuple[tuple[tuple[int, ...], ...], EjectionStats]:
    """Remove routes one at a time from a feasible solution until an attempt fails or time is up.

    ``routes`` holds one visit sequence per fleet vehicle (empty when unused)
    and must serve every visit. Returns routes in the same layout (the vehicles
    of removed routes left empty) and what was done. The returned plan is
    feasible whenever the input was; if the input is not, it is returned as is.
    """
    data = _data_for(model)
    deadline = time.monotonic() + time_limit_s
    rng = random.Random(seed)
    current = [_Route(v, [data.start[v], *r, data.end[v]]) for v, r in enumerate(routes) if r]
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
        snapshot = [(_Route(r.vehicle, list(r.nodes))) for r in search.routes]
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


def insert_dropped(model: NodeModel, routes: Sequence[Sequence[int]], dropped: Sequence[int],
                   time_limit_s: float, seed: int = 0, max_ejected: int = 2, perturb_moves: int = 100,
                   random_insert: bool = True, stop: Callable[[], bool] | None = None,
                   keep_partial: bool = False) -> tuple[tuple[tuple[int, ...], ...], tuple[int, ...]]:
    """Fit dropped visits into the plan, idle vehicles included, ejecting others to make room.

    Returns (routes, still dropped): either every dropped request is placed, or
    the input plan comes back unchanged (never a plan that serves fewer). With
    ``keep_partial``, a search that runs out of time returns the plan as it
    stands when that serves more visits than the input (what is still in its
    pool comes back as dropped).
    """
    data = _data_for(model)
    deadline = time.monotonic() + time_limit_s
    rng = random.Random(seed)
    current = [_Route(v, [data.start[v], *r, data.end[v]]) for v, r in enumerate(routes)]
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
