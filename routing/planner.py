"""Compile a :class:`Problem` into node form, and replay routes into timed stops.

Node layout: van ``k`` starts at node ``2k`` and ends at node ``2k+1``; then
each order contributes a pickup node (at its shop) and a delivery node, or a
single visit node when it has no shop. Every shop visit is its own node, so a
van may come back to a shop to reload. Internally time is in whole seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from routing.domain import DAY_END_MIN, Location, Order, Problem, Shop, Stop, Van
from routing.engine import NodeModel
from routing.travel import TravelMatrix


def to_s(minutes: float) -> int:
    """Minutes to whole seconds."""
    return int(round(minutes * 60))


@dataclass(frozen=True)
class Node:
    """One node: what it is, where, and for which order or van."""

    kind: str  # start, end, pickup, delivery, visit
    loc: int
    order: int = -1
    van: int = -1
    shop: int = -1


@dataclass(frozen=True, eq=False)
class CompiledDay:
    """A problem in node form, with the per-location matrices it came from."""

    problem: Problem
    nodes: tuple[Node, ...]
    duration_s: np.ndarray  # per location
    distance_m: np.ndarray  # per location
    location_ids: tuple[str, ...]
    horizon_s: int
    order_nodes: tuple[tuple[int, ...], ...]  # per order: (pickup, delivery) or (visit,)

    # ---- per-node data -------------------------------------------------
    def leave_extra_s(self, i: int, j: int) -> int:
        """Per-visit loading time, paid when leaving a run of pickups at one shop."""
        a, b = self.nodes[i], self.nodes[j]
        if a.kind != "pickup" or (b.kind == "pickup" and b.shop == a.shop):
            return 0
        return to_s(self.problem.shops[a.shop].loading_per_visit_min)

    def service_s(self, i: int) -> int:
        """Time spent at node ``i`` once service starts."""
        node = self.nodes[i]
        if node.kind == "pickup":
            return to_s(self.problem.shops[node.shop].loading_per_order_min)
        if node.kind in ("delivery", "visit"):
            return to_s(self.problem.orders[node.order].service_min)
        return 0

    def windows_s(self, i: int) -> tuple[tuple[int, int], ...]:
        """When service may start at node ``i``."""
        node = self.nodes[i]
        if node.kind in ("start", "end"):
            van = self.problem.vans[node.van]
            return ((to_s(van.shift_start_min), to_s(van.shift_end_min)),)
        if node.kind == "pickup":
            return ((to_s(self.problem.shops[node.shop].ready_min), self.horizon_s),)
        order = self.problem.orders[node.order]
        if not order.windows:
            return ((0, self.horizon_s),)
        return tuple(sorted((to_s(w.start_min), to_s(w.end_min)) for w in order.windows))

    def demand(self, i: int) -> int:
        """Load change at node ``i`` in crates."""
        node = self.nodes[i]
        if node.kind in ("pickup", "visit"):
            return int(self.problem.orders[node.order].size_crates)
        if node.kind == "delivery":
            return -int(self.problem.orders[node.order].size_crates)
        return 0

    def drive_s(self, i: int, j: int) -> int:
        """Driving seconds between the locations of two nodes."""
        return int(self.duration_s[self.nodes[i].loc, self.nodes[j].loc])

    def model(self) -> NodeModel:
        """The engine model: every order optional, dropped only at a prohibitive penalty."""
        n = len(self.nodes)
        loc = np.array([nd.loc for nd in self.nodes])
        travel = self.duration_s[np.ix_(loc, loc)].astype(np.int64)
        # per-visit loading, paid when leaving a run of pickups at one shop (see leave_extra_s)
        pickup = np.array([nd.kind == "pickup" for nd in self.nodes])
        shop = np.array([nd.shop for nd in self.nodes])
        visit_s = np.array(
            [
                to_s(self.problem.shops[nd.shop].loading_per_visit_min) if nd.kind == "pickup" else 0
                for nd in self.nodes
            ],
            dtype=np.int64,
        )
        same_run = pickup[None, :] & (shop[None, :] == shop[:, None])
        travel += np.where(pickup[:, None] & ~same_run, visit_s[:, None], 0)
        np.fill_diagonal(travel, 0)
        if self.problem.objective == "distance":
            cost = np.rint(self.distance_m[np.ix_(loc, loc)]).astype(np.int64)
        else:
            cost = travel.copy()
        windows = tuple(self.windows_s(i) for i in range(n))
        vans = self.problem.vans
        pairs = tuple((p[0], p[1]) for p in self.order_nodes if len(p) == 2)
        return NodeModel(
            cost=cost,
            demand=np.array([self.demand(i) for i in range(n)], dtype=np.int64),
            capacity=tuple(int(v.capacity_crates) for v in vans),
            starts=tuple(2 * k for k in range(len(vans))),
            ends=tuple(2 * k + 1 for k in range(len(vans))),
            travel=travel,
            service=np.array([self.service_s(i) for i in range(n)], dtype=np.int64),
            windows=windows,
            shifts=tuple((to_s(v.shift_start_min), to_s(v.shift_end_min)) for v in vans),
            max_duration=tuple(None if v.max_round_min is None else to_s(v.max_round_min) for v in vans),
            pairs=pairs,
            drop_penalty=1,
            minimise_vehicles=True,
        )


def compile_day(problem: Problem) -> CompiledDay:
    """Number the nodes and build (or look up) the travel matrices."""
    points: dict[str, Location] = {}

    def add(loc: Location) -> None:
        points.setdefault(loc.id, loc)

    for van in problem.vans:
        add(van.start)
        add(van.end_location)
    for shop in problem.shops:
        add(shop.location)
    for order in problem.orders:
        add(order.location)
    ids = tuple(points)
    if problem.matrix is not None:
        m: TravelMatrix = problem.matrix
        pos = m.positions()
        idx = np.array([pos[i] for i in ids], dtype=int)
        duration_min = np.asarray(m.duration_min, dtype=float)[np.ix_(idx, idx)]
        distance_m = np.asarray(m.distance_m, dtype=float)[np.ix_(idx, idx)]
    else:
        m = problem.travel.matrix(list(points.values()))
        duration_min, distance_m = np.asarray(m.duration_min), np.asarray(m.distance_m)
    loc_of = {lid: k for k, lid in enumerate(ids)}
    shop_index = {s.id: k for k, s in enumerate(problem.shops)}
    nodes: list[Node] = []
    for k, van in enumerate(problem.vans):
        nodes.append(Node("start", loc_of[van.start.id], van=k))
        nodes.append(Node("end", loc_of[van.end_location.id], van=k))
    order_nodes: list[tuple[int, ...]] = []
    for o, order in enumerate(problem.orders):
        if order.shop_id is None:
            order_nodes.append((len(nodes),))
            nodes.append(Node("visit", loc_of[order.location.id], order=o))
        else:
            shop_k = shop_index[order.shop_id]
            order_nodes.append((len(nodes), len(nodes) + 1))
            nodes.append(Node("pickup", loc_of[problem.shops[shop_k].location.id], order=o, shop=shop_k))
            nodes.append(Node("delivery", loc_of[order.location.id], order=o, shop=shop_k))
    latest = [DAY_END_MIN] + [v.shift_end_min for v in problem.vans]
    latest += [w.end_min for o in problem.orders for w in o.windows]
    latest += [s.ready_min for s in problem.shops]
    horizon_s = to_s(max(latest)) + 1
    return CompiledDay(
        problem,
        tuple(nodes),
        np.rint(duration_min * 60).astype(np.int64),
        distance_m,
        ids,
        horizon_s,
        tuple(order_nodes),
    )


# ---- replaying a route --------------------------------------------------------


def _service_start(arrival: int, windows: tuple[tuple[int, int], ...]) -> int | None:
    for start, end in windows:
        if arrival <= end:
            return max(arrival, start)
    return None


def simulate(day: CompiledDay, route: list[int], depart_s: int) -> list[tuple[int, int, int]] | None:
    """(arrival, service start, departure) per node of ``route`` (start..end), or None if a window breaks."""
    out = []
    t = depart_s
    prev: int | None = None
    for i in route:
        arrival = t if prev is None else t + day.drive_s(prev, i) + day.leave_extra_s(prev, i)
        begin = _service_start(arrival, day.windows_s(i))
        if begin is None:
            return None
        t = begin + day.service_s(i)
        out.append((arrival, begin, t))
        prev = i
    return out


def latest_departure(day: CompiledDay, route: list[int], van: Van) -> int:
    """Leave the start as late as the windows allow, so teams don't wait needlessly."""
    lo, hi = to_s(van.shift_start_min), to_s(van.shift_end_min)
    if simulate(day, route, lo) is None:
        return lo
    while lo < hi:
        mid = (lo + hi + 1) // 2
        times = simulate(day, route, mid)
        if times is not None and times[-1][0] <= to_s(van.shift_end_min):
            lo = mid
        else:
            hi = mid - 1
    return lo


def timed_stops(day: CompiledDay, route: list[int]) -> tuple[Stop, ...]:
    """Timed stops (minutes) with the load on board after each one."""
    van = day.problem.vans[day.nodes[route[0]].van]
    times = simulate(day, route, latest_departure(day, route, van)) or []
    stops = []
    load = 0
    for i, (arrival, begin, depart) in zip(route, times):
        node = day.nodes[i]
        load += day.demand(i)
        order_id = day.problem.orders[node.order].id if node.order >= 0 else None
        stops.append(
            Stop(
                node.kind,
                day.location_ids[node.loc],
                order_id,
                arrival / 60,
                (begin - arrival) / 60,
                depart / 60 if node.kind != "end" else arrival / 60,
                load,
            )
        )
    return tuple(stops)


def shop_of(day: CompiledDay, order: Order) -> Shop | None:
    """The order's shop, if any."""
    if order.shop_id is None:
        return None
    return next(s for s in day.problem.shops if s.id == order.shop_id)
