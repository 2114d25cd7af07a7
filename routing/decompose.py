"""Polish a plan a few neighbouring routes at a time, then as a whole.

PyVRP warm-started from a whole branch day improves it slowly: on days of
150-875 nodes a 4.5 s run from the ejection search's plan ended 4-20 % above
what the same time gave when spent on groups of neighbouring routes first
(bench_results/routing/README.md, round 10). Here the plan's routes are
grouped around a route drawn at random (its nearest routes by the travel
time between their medoids, until the group holds about
:data:`GROUP_NODES` visits), and PyVRP searches each group's day alone (its
vans and its requests: the rules of a route do not depend on other routes) for
:data:`GROUP_SLICE_S`. A group's new routes replace its old ones only when
PyVRP found them feasible and they use fewer vans, or as many and cost less,
so the plan never gets worse and never uses more vans. Every route is in
one group per round; rounds go on until the time is up.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from routing.ejection import pickups_gather
from routing.large import requests_of, sub_model

if TYPE_CHECKING:
    from routing.engine import NodeModel

Routes = tuple[tuple[int, ...], ...]

#: Visits per group: about three to five routes of a branch day (130-200 measured alike; 100 and 250 worse).
GROUP_NODES = 160
#: PyVRP's time on one group (0.3-0.6 s measured alike on 150-875-node days at 4.5 s in all).
GROUP_SLICE_S = 0.4
#: Plans of fewer routes are left to PyVRP on the whole day: on a one-van day (2502, 26 orders) short runs from
#: the best plan ended 4 % above one run of the same time; from three routes on (2404) groups did better.
GROUPS_MIN_ROUTES = 3
#: The share of a polish spent on groups; the rest goes on PyVRP over the whole day from their plan (README,
#: round 10: 0.9 against 0.6 in the OR-Tools worker, 10 s on tuning days 2001-2401, same vans: less driving on
#: 5 of 6 days by 0.4-3.9 %; a 4.5 s polish as groups only ended 3-8 % above groups then the whole day).
GROUPS_SHARE = 0.9
#: At most this share of a polish goes on taking vans away (README, round 11).
FEWER_VANS_SHARE = 0.5
#: Of what is left then, this share goes on VROOM's restarts on the same vans (other basins), the rest on groups.
RESTARTS_SHARE = 0.8


def request_of_node(model: NodeModel) -> dict[int, tuple[int, ...]]:
    """Each visit's request, as :func:`routing.large.requests_of` writes them (a pickup with its delivery, or a
    single visit)."""
    return {node: request for request in requests_of(model) for node in request}


def route_requests(request_of: dict[int, tuple[int, ...]], route: tuple[int, ...]) -> list[tuple[int, ...]]:
    """The requests a route serves, each once (at its first node), from :func:`request_of_node`."""
    return [request_of[n] for n in route if request_of[n][0] == n]


def _medoids(routes: Routes, used: list[int], travel: np.ndarray) -> dict[int, int]:
    """Each used route's medoid: the node it serves with the least travel to and from its other visits."""
    out = {}
    for v in used:
        nodes = list(routes[v])
        inside = travel[np.ix_(nodes, nodes)]
        out[v] = nodes[int(np.argmin(inside.sum(axis=0) + inside.sum(axis=1)))]
    return out


def route_groups(model: NodeModel, routes: Routes, rng: np.random.Generator, group_nodes: int) -> list[list[int]]:
    """The used vehicles cut into groups of neighbouring routes of about ``group_nodes`` visits, each vehicle in
    one group; seeds drawn by ``rng``, each group its seed's nearest routes (medoid to medoid, both ways)."""
    travel = np.asarray(model.travel if model.travel is not None else model.cost, dtype=np.float64)
    used = [v for v in range(model.num_vehicles) if routes[v]]
    medoid = _medoids(routes, used, travel)
    grouped: set[int] = set()
    groups = []
    for seed_van in (used[int(k)] for k in rng.permutation(len(used))):
        if seed_van in grouped:
            continue
        free = [v for v in used if v not in grouped]
        free.sort(key=lambda v: (travel[medoid[seed_van], medoid[v]] + travel[medoid[v], medoid[seed_van]], v))
        group: list[int] = []
        size = 0
        for v in free:
            if size >= group_nodes:
                break
            group.append(v)
            size += len(routes[v])
        grouped.update(group)
        groups.append(group)
    return groups


def polish_applies(model: NodeModel) -> bool:
    """Whether :func:`groups_first` polishes plans of the model: days whose orders are collected at shops, where
    vans count."""
    return model.minimise_vehicles and pickups_gather(model)


def groups_first(
    model: NodeModel,
    routes: Routes,
    polish_s: float,
    seed: int = 0,
    stop: Callable[[], bool] | None = None,
    vroom: bool = False,
) -> Routes:
    """The first part of a polish of ``polish_s`` on days whose orders are collected at shops where vans count
    (:func:`polish_applies`; elsewhere ``routes`` as they are): VROOM takes vans away while it can put every visit
    back (:func:`routing.vroom_engine.vroom_fewer_vans`, until :data:`FEWER_VANS_SHARE` of the time; vans first,
    README round 12), VROOM's local search shortens the plan (:func:`routing.vroom_engine.vroom_polish`), VROOM
    restarts on the same vans (:func:`routing.vroom_engine.vroom_restarts`, :data:`RESTARTS_SHARE` of what is left),
    then route groups (:data:`GROUPS_SHARE` of what is left; the rest is the caller's PyVRP run on the whole day).
    The one rule for where these polishes are used (README, rounds 10 to 12); without ``vroom`` (not among the
    caller's engines) the groups alone. Never more vans, never a higher cost at the same vans."""
    if not polish_applies(model):
        return routes
    if not vroom:
        return polish_by_groups(model, routes, GROUPS_SHARE * polish_s, seed, stop)
    from routing.vroom_engine import vroom_fewer_vans, vroom_polish, vroom_restarts

    started = time.monotonic()
    fewer_until = started + FEWER_VANS_SHARE * polish_s
    while time.monotonic() < fewer_until - 0.1 and not (stop is not None and stop()):
        fewer = vroom_fewer_vans(model, routes, fewer_until - time.monotonic(), stop, first=seed)
        if fewer is None:
            break
        routes = fewer
    routes = vroom_polish(model, routes, polish_s - (time.monotonic() - started), stop) or routes
    restarts_s = RESTARTS_SHARE * (polish_s - (time.monotonic() - started))
    routes = vroom_restarts(model, routes, restarts_s, stop, first=seed) or routes
    left_s = polish_s - (time.monotonic() - started)
    return polish_by_groups(model, routes, GROUPS_SHARE * left_s, seed, stop)


def polish_by_groups(
    model: NodeModel,
    routes: Routes,
    time_limit_s: float,
    seed: int = 0,
    stop: Callable[[], bool] | None = None,
    group_nodes: int = GROUP_NODES,
    slice_s: float = GROUP_SLICE_S,
) -> Routes:
    """``routes`` (one visit sequence per vehicle, all visits served) improved group by group within the time;
    never more vans, never a higher cost. The plan as it was if PyVRP is not installed or cannot take the model,
    or if it has fewer than :data:`GROUPS_MIN_ROUTES` routes."""
    from routing.pyvrp_engine import pyvrp_plan, pyvrp_supports

    if pyvrp_supports(model) is not None or sum(1 for r in routes if r) < GROUPS_MIN_ROUTES:
        return routes
    deadline = time.monotonic() + time_limit_s
    asked = stop or (lambda: False)
    rng = np.random.default_rng(seed)
    request_of = request_of_node(model)
    best = tuple(tuple(r) for r in routes)
    while deadline - time.monotonic() > 0.1 and not asked():
        for group in route_groups(model, best, rng, group_nodes):
            left = deadline - time.monotonic()
            if left < 0.1 or asked():
                break
            region = [request for v in group for request in route_requests(request_of, best[v])]
            sub, nodes = sub_model(model, group, region)
            at = {node: k for k, node in enumerate(nodes)}
            start = tuple(tuple(at[n] for n in best[v]) for v in group)
            found = pyvrp_plan(sub, min(slice_s, left), int(rng.integers(1 << 30)), stop, initial=start)
            if found is None:
                return best
            sub_routes, feasible = found
            if not feasible or sub.routes_key(sub_routes) >= sub.routes_key(start):
                continue
            changed = list(best)
            for t, v in enumerate(group):
                changed[v] = tuple(nodes[n] for n in sub_routes[t])
            best = tuple(changed)
    return best
