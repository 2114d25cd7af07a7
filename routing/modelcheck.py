"""Cheap re-check of a fixed plan against a :class:`routing.engine.NodeModel`.

Evaluates the given routes only (no search, no solver model), so it scales to
days of a thousand orders: every visit at most once and no depot inside a
route, both halves of a pair on one vehicle with the pickup first, load within
``[0, capacity]`` after every node, service starting inside one of the
node's windows (waiting allowed), the vehicle's shift and depot windows, and
its longest round (with the start pushed as late as the plan allows). The
rules are those of the OR-Tools model in :mod:`routing.engine`, which stays the
model of record for models small enough to build cheaply.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from routing.engine import NodeModel

#: Time value standing for "no bound" (far beyond any branch day or benchmark horizon).
UNBOUNDED = 10**15


def _earliest_in(windows: Sequence[tuple[int, int]], t: int) -> int | None:
    """Earliest service start at or after ``t`` inside one of ``windows`` (sorted); None if none."""
    for early, late in windows:
        if t <= late:
            return max(t, early)
    return None


def _latest_in(windows: Sequence[tuple[int, int]], t: int) -> int | None:
    """Latest service start at or before ``t`` inside one of ``windows`` (sorted); None if none."""
    for early, late in reversed(windows):
        if t >= early:
            return min(t, late)
    return None


def _vehicle_bounds(model: NodeModel, v: int) -> tuple[int, int, int, int]:
    """(earliest start, latest start, earliest end, latest end) of vehicle ``v``."""
    shift = model.shifts[v] if model.shifts else (0, UNBOUNDED)
    assert model.windows is not None
    sw = model.windows[model.starts[v]] or ((0, UNBOUNDED),)
    ew = model.windows[model.ends[v]] or ((0, UNBOUNDED),)
    return (
        max(shift[0], min(a for a, _ in sw)),
        min(shift[1], max(b for _, b in sw)),
        max(shift[0], min(a for a, _ in ew)),
        min(shift[1], max(b for _, b in ew)),
    )


def route_violation(model: NodeModel, v: int, route: Sequence[int]) -> tuple[int, str] | None:
    """The first rule vehicle ``v`` breaks on ``route`` (visits only): (position, reason), or None.

    Position is the index in ``route`` of the visit where the rule broke (``len(route)``
    for the way back to the end depot).
    """
    if not route:
        return None
    capacity = int(model.capacity[v])
    load = 0
    for k, node in enumerate(route):
        load += int(model.demand[node])
        if not 0 <= load <= capacity:
            return k, f"vehicle {v}: load {load} outside 0..{capacity} after node {node}"
    if model.windows is None:
        return None
    assert model.travel is not None and model.service is not None
    travel, service = model.travel, model.service
    start_lo, start_hi, end_lo, end_hi = _vehicle_bounds(model, v)
    if start_lo > start_hi:
        return 0, f"vehicle {v}: empty shift"
    path = [model.starts[v], *route, model.ends[v]]
    earliest = [start_lo]
    t = start_lo
    for k in range(1, len(path)):
        prev, node = path[k - 1], path[k]
        t += int(service[prev]) + int(travel[prev, node])
        if k == len(path) - 1:
            if t > end_hi:
                return len(route), f"vehicle {v}: back at {t}, after its end {end_hi}"
            t = max(t, end_lo)
        else:
            windows = sorted(model.windows[node]) or [(0, UNBOUNDED)]
            begin = _earliest_in(windows, t)
            if begin is None:
                return k - 1, f"vehicle {v}: node {node} reached at {t}, after its windows"
            t = begin
        earliest.append(t)
    longest = model.max_duration[v] if model.max_duration else None
    if longest is not None:
        # latest start that still ends at the earliest end: backward pass
        late = earliest[-1]
        for k in range(len(path) - 2, -1, -1):
            prev, node = path[k], path[k + 1]
            bound = late - int(service[prev]) - int(travel[prev, node])
            if k == 0:
                late = min(bound, start_hi)
            else:
                late = _latest_in(sorted(model.windows[prev]) or [(0, UNBOUNDED)], bound) or earliest[k]
        span = earliest[-1] - max(late, start_lo)
        if span > longest:
            return len(route), f"vehicle {v}: round of {span} longer than its longest {longest}"
    return None


def plan_violations(model: NodeModel, routes: Sequence[Sequence[int]], limit: int = 5) -> list[str]:
    """Every rule (up to ``limit`` reasons) the plan breaks; empty if the model accepts it.

    Visits left out are not a violation when the model allows drops
    (``drop_penalty`` set); the caller compares how many were left out.
    """
    out: list[str] = []
    if len(routes) != model.num_vehicles:
        return [f"{len(routes)} routes for {model.num_vehicles} vehicles"]
    depots = set(model.starts) | set(model.ends)
    where: dict[int, tuple[int, int]] = {}
    for v, route in enumerate(routes):
        for k, node in enumerate(route):
            if node in depots or not 0 <= node < model.num_nodes:
                out.append(f"vehicle {v}: node {node} is a depot or unknown")
            elif node in where:
                out.append(f"node {node} visited twice")
            where[node] = (v, k)
    if model.drop_penalty is None:
        missing = [n for n in model.visits if n not in where]
        if missing:
            out.append(f"{len(missing)} mandatory visits left out, e.g. {missing[:3]}")
    for p, d in model.pairs:
        if (p in where) != (d in where):
            out.append(f"pair {p}-{d} half served")
        elif p in where and (where[p][0] != where[d][0] or where[p][1] > where[d][1]):
            out.append(f"pair {p}-{d}: delivery not after its pickup on the same vehicle")
    for v, route in enumerate(routes):
        broken = route_violation(model, v, route)
        if broken is not None:
            out.append(broken[1])
    return out[:limit]


def repair(model: NodeModel, routes: Sequence[Sequence[int]]) -> tuple[tuple[tuple[int, ...], ...], tuple[int, ...]]:
    """Make a broken plan valid by taking visits out: (routes, visits taken out or never served).

    Used on a search's best *infeasible* plan (PyVRP before it finds a feasible
    one) so that the rest can be fitted in by the ejection search. Pairs leave
    together; a visit served twice keeps its first place.
    """
    partner = {p: d for p, d in model.pairs} | {d: p for p, d in model.pairs}
    depots = set(model.starts) | set(model.ends)
    seen: set[int] = set()
    out: list[list[int]] = []
    for route in routes:
        kept = []
        for node in route:
            if node not in depots and node not in seen:
                seen.add(node)
                kept.append(node)
        out.append(kept)
    where = {n: v for v, r in enumerate(out) for n in r}
    for p, d in model.pairs:
        if where.get(p) != where.get(d) or (p in where and out[where[p]].index(p) > out[where[p]].index(d)):
            for n in (p, d):
                if n in where:
                    out[where[n]].remove(n)
    for v, route in enumerate(out):
        while True:
            broken = route_violation(model, v, route)
            if broken is None:
                break
            k = min(broken[0], len(route) - 1)
            node = route[k]
            route.remove(node)
            if node in partner and partner[node] in route:
                route.remove(partner[node])
    served = {n for r in out for n in r}
    return tuple(tuple(r) for r in out), tuple(n for n in model.visits if n not in served)
