"""Routes as the pure-Python searches hold them, and where a request may go in one (no OR-Tools).

The ejection search (:mod:`routing.ejection`), the cost search
(:mod:`routing.lns`), the regret insertion (:mod:`routing.construct`) and the
sequential construction (:mod:`routing.sequential`) all keep every route
feasible by the same code, which lives here: plain-list copies of the
engine's :class:`~routing.engine.NodeModel` (:class:`InsertionData`), a route
with its earliest and latest service starts and its loads
(:class:`RouteState`), and the feasible places of a request (a pickup with
its delivery, or a single visit) in a route, checked for capacity, windows
(several per visit), shifts, the longest round and pickup before delivery.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from routing.windows import merge_windows

if TYPE_CHECKING:
    from routing.engine import NodeModel

#: "No time": a visit that cannot be reached in its windows starts at INF (or -INF going backwards).
INF = float("inf")

__all__ = [
    "INF",
    "InsertionData",
    "Place",
    "RouteState",
    "forget_insertion_data",
    "insert_request",
    "inserted_nodes",
    "insertion_data_for",
    "pair_positions",
    "remove_request",
    "request_positions",
    "schedule_route",
    "shortest_route_span",
    "visit_positions",
]

#: One feasible place of a request in a route: (added cost, pickup after position a, delivery after b).
Place = tuple[int, int, int]


class InsertionData:
    """Plain-list copies of a node model for fast scalar access: costs, transit, windows, vehicle bounds, requests."""

    def __init__(self, model: NodeModel) -> None:
        n = model.num_nodes
        if model.windows is None:  # no time at all (CVRP): every visit at time 0
            model = replace(
                model,
                travel=np.zeros((n, n), dtype=np.int64),
                service=np.zeros(n, dtype=np.int64),
                windows=(((0, 0),),) * n,
                shifts=None,
                max_duration=None,
            )
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
            ((0, horizon),)
            if not w
            else ((min(a for a, _ in w), max(b for _, b in w)),)
            if i in depots
            else merge_windows(w)
            for i, w in enumerate(model.windows)
        ]
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


_last_data: list[tuple[object, InsertionData]] = []


def insertion_data_for(model: NodeModel) -> InsertionData:
    """The plain-list copy of ``model``, kept for the last model (the engine calls in repeatedly)."""
    if _last_data and _last_data[0][0] is model:
        return _last_data[0][1]
    data = InsertionData(model)
    _last_data[:] = [(model, data)]
    return data


def forget_insertion_data() -> None:
    """Drop the kept plain-list copy of the last model (hundreds of MiB on a day of 2,000 nodes)."""
    _last_data.clear()


class RouteState:
    """One vehicle's route [start, visits..., end] with forward/backward schedules."""

    __slots__ = ("vehicle", "nodes", "early", "late", "load", "dirty")

    def __init__(self, vehicle: int, nodes: list[int]) -> None:
        self.vehicle = vehicle
        self.nodes = nodes
        self.early: list[float] = []
        self.late: list[float] = []
        self.load: list[int] = []
        self.dirty = True

    def refresh(self, data: InsertionData) -> bool:
        """Recompute schedules; False if the route is infeasible."""
        self.dirty = False
        return schedule_route(data, self.vehicle, self.nodes, self)

    @property
    def visits(self) -> list[int]:
        """The route's visits, without its start and end."""
        return self.nodes[1:-1]


def schedule_route(data: InsertionData, v: int, nodes: list[int], out: RouteState | None = None) -> bool:
    """Earliest and latest service starts and loads of a node sequence for vehicle v (into ``out``); False if
    the sequence is infeasible."""
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
    if feasible and limit is not None and n > 2 and shortest_route_span(data, v, nodes, early) > limit:
        feasible = False
    if out is not None:
        out.early, out.late, out.load = early, late, load
    return feasible


def shortest_route_span(data: InsertionData, v: int, nodes: list[int], early: list[float]) -> float:
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


def _route_feasible(data: InsertionData, v: int, nodes: list[int]) -> bool:
    """True if vehicle v can drive the node sequence."""
    return schedule_route(data, v, nodes)


def visit_positions(data: InsertionData, route: RouteState, u: int, first_only: bool = False) -> list[Place]:
    """Feasible places of single visit u in the route: (delta cost, a, a) for u inserted after position a."""
    nodes, early, late, load = route.nodes, route.early, route.late, route.load
    cap, q = data.capacity[route.vehicle], data.demand[u]
    transit, cost = data.transit, data.cost
    out = []
    n = len(nodes)
    # load after position a rises by q from a to the end
    suffix_max, suffix_min = [0] * n, [0] * n
    hi_, lo_ = -(10**18), 10**18
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
        if check_span and not _route_feasible(data, route.vehicle, nodes[: a + 1] + [u] + nodes[a + 1 :]):
            continue
        out.append((cost[i][u] + cost[u][j] - cost[i][j], a, a))
        if first_only:
            return out
    return out


def pair_positions(
    data: InsertionData,
    route: RouteState,
    p: int,
    d: int,
    first_only: bool = False,
    pickup_after: set[int] | None = None,
) -> list[Place]:
    """Feasible places of pickup p with delivery d in the route: (delta cost, a, b), p inserted after position a,
    d after position b (b >= a; b == a: right after p); with ``pickup_after``, only those positions a are tried."""
    nodes, early, late, load = route.nodes, route.early, route.late, route.load
    cap, qp, qd = data.capacity[route.vehicle], data.demand[p], data.demand[d]
    transit, cost = data.transit, data.cost
    n = len(nodes)
    out = []
    check_span = data.max_duration[route.vehicle] is not None
    tail_shift = qp + qd
    if tail_shift:
        suffix_max, suffix_min = [0] * n, [0] * n
        hi_, lo_ = -(10**18), 10**18
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
        if (
            td != INF
            and td + transit[d][j] <= late[a + 1]
            and (not tail_shift or (suffix_max[a + 1] + tail_shift <= cap and suffix_min[a + 1] + tail_shift >= 0))
        ):
            delta = cost_p_base + cost[p][d] + cost[d][j] - cost[i][j]
            if not check_span or _route_feasible(data, route.vehicle, nodes[: a + 1] + [p, d] + nodes[a + 1 :]):
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
            if tail_shift and (
                suffix_max[b + 1] + tail_shift > cap
                or suffix_min[b + 1] + tail_shift < 0
                or not 0 <= load[b] + tail_shift <= cap
            ):
                continue
            if check_span and not _route_feasible(
                data, route.vehicle, nodes[: a + 1] + [p] + nodes[a + 1 : b + 1] + [d] + nodes[b + 1 :]
            ):
                continue
            out.append((cost_p + cost[node][d] + cost[d][nxt] - cost[node][nxt], a, b))
            if first_only:
                return out
    return out


def request_positions(
    data: InsertionData, route: RouteState, request: tuple[int, ...], first_only: bool = False
) -> list[Place]:
    """Feasible places of a request (a pickup with its delivery, or a single visit) in the route; [] if none."""
    if route.dirty and not route.refresh(data):
        return []  # only reachable without the triangle inequality: a removal broke the route
    if len(request) == 1:
        return visit_positions(data, route, request[0], first_only)
    return pair_positions(data, route, request[0], request[1], first_only)


def inserted_nodes(nodes: list[int], request: tuple[int, ...], a: int, b: int) -> list[int]:
    """A new node sequence: ``nodes`` with the request at the place (a, b) that a positions function gave."""
    if len(request) == 1:
        return nodes[: a + 1] + [request[0]] + nodes[a + 1 :]
    if a == b:
        return nodes[: a + 1] + [request[0], request[1]] + nodes[a + 1 :]
    return nodes[: a + 1] + [request[0]] + nodes[a + 1 : b + 1] + [request[1]] + nodes[b + 1 :]


def insert_request(route: RouteState, request: tuple[int, ...], a: int, b: int) -> None:
    """Put the request in the route at the place (a, b) that a positions function gave."""
    route.nodes = inserted_nodes(route.nodes, request, a, b)
    route.dirty = True


def remove_request(route: RouteState, request: Sequence[int]) -> None:
    """Take the request's visits out of the route."""
    gone = set(request)
    route.nodes = [x for x in route.nodes if x not in gone]
    route.dirty = True
