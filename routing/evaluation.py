"""Independent checker for benchmark solutions.

It recomputes feasibility and cost from the instance file alone, with the
literature's conventions, and knows nothing about the solver: routes come in
as lists of node ids in the file's own numbering, depot excluded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from routing.instances import Instance

#: Slack for floating-point comparisons of times (Solomon / Li & Lim use doubles).
TIME_EPS = 1e-6


@dataclass(frozen=True)
class Evaluation:
    """Outcome of checking one solution against its instance."""

    feasible: bool
    vehicles: int
    cost: float
    violations: tuple[str, ...]


def evaluate(instance: Instance, routes: list[list[int]]) -> Evaluation:
    """Check every customer served once, capacity, windows, pairing; sum the cost."""
    index_of = {fid: k for k, fid in enumerate(instance.file_ids)}
    dist = instance.distance_matrix()
    violations: list[str] = []
    seen: dict[int, int] = {}
    cost = 0.0
    routes = [list(r) for r in routes if len(r) > 0]
    for r, route in enumerate(routes):
        nodes = []
        for fid in route:
            if fid not in index_of or index_of[fid] == 0:
                violations.append(f"route {r}: unknown or depot node {fid}")
                continue
            nodes.append(index_of[fid])
        for k in nodes:
            if k in seen:
                violations.append(f"node {instance.file_ids[k]} visited twice (routes {seen[k]} and {r})")
            seen[k] = r
        path = [0] + nodes + [0]
        cost += float(sum(dist[a, b] for a, b in zip(path, path[1:])))
        violations.extend(_check_load(instance, r, nodes))
        if instance.ready is not None:
            violations.extend(_check_time(instance, r, path, dist))
    missing = [instance.file_ids[k] for k in range(1, instance.size) if k not in seen]
    if missing:
        violations.append(f"{len(missing)} customers not served, e.g. {missing[:5]}")
    if instance.fleet_size is not None and len(routes) > instance.fleet_size:
        violations.append(f"{len(routes)} routes exceed the fleet of {instance.fleet_size}")
    if instance.delivery_of is not None:
        for p, d in instance.pairs():
            if p in seen and d in seen and seen[p] != seen[d]:
                violations.append(f"pair {instance.file_ids[p]}->{instance.file_ids[d]} split across routes")
    return Evaluation(not violations, len(routes), cost, tuple(violations))


def _check_load(instance: Instance, r: int, nodes: list[int]) -> list[str]:
    out = []
    if instance.kind == "pdptw":
        assert instance.delivery_of is not None
        load = 0
        position = {k: i for i, k in enumerate(nodes)}
        for i, k in enumerate(nodes):
            load += int(instance.demand[k])
            if load > instance.capacity or load < 0:
                out.append(f"route {r}: load {load} out of [0, {instance.capacity}] at node {instance.file_ids[k]}")
            d = int(instance.delivery_of[k])
            if d > 0 and d in position and position[d] < i:
                out.append(f"route {r}: delivery {instance.file_ids[d]} before its pickup")
    else:
        load = int(sum(int(instance.demand[k]) for k in nodes))
        if load > instance.capacity:
            out.append(f"route {r}: load {load} exceeds capacity {instance.capacity}")
    return out


def _check_time(instance: Instance, r: int, path: list[int], dist: np.ndarray) -> list[str]:
    assert instance.ready is not None and instance.due is not None and instance.service is not None
    out = []
    t = float(instance.ready[0])
    for a, b in zip(path, path[1:]):
        t = t + float(instance.service[a]) + float(dist[a, b])
        t = max(t, float(instance.ready[b]))
        if t > float(instance.due[b]) + TIME_EPS:
            where = "depot" if b == 0 else f"node {instance.file_ids[b]}"
            out.append(f"route {r}: service at {where} starts {t:.3f} after due {instance.due[b]:g}")
    return out
