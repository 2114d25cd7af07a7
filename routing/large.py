"""Days too large for one search in the time: plan regions apart, then fit and improve them together.

On a day of a thousand orders (a hub serving several branches, ~1,900 nodes)
PyVRP searching the whole day did not reach a feasible plan in 60 s on the
shared machine, and repairing its best left 60-70 orders unplanned
(bench_results/routing/README.md). Here the day's requests (a pickup with its
delivery, or a single visit) are cut into regions of about
:data:`REGION_REQUESTS` by a balanced clustering on the travel matrix (no
coordinates needed), each region gets a share of the vans in proportion to its
estimated work, and PyVRP plans each region as a day of its own (a few hundred
nodes: feasible within seconds). The region plans are joined; requests a
region could not fit are placed by the ejection search into any van
(:func:`routing.ejection.insert_dropped`), and PyVRP then improves the whole
day from the joined plan for the rest of the time. Every plan is re-checked by
:mod:`routing.modelcheck` before it counts, as in the engine.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from routing.engine import NodeModel

log = logging.getLogger(__name__)

#: Requests per region (about twice as many nodes): PyVRP reaches a feasible plan of that size in seconds.
#: On 1,000-order days at 60 s (seeds 432, 434) regions of 170 needed 4-5 vans fewer than regions of 250
#: and drove 4-11 % less; at 450 orders and 10 s, 150 v 250 was even (README round 5).
REGION_REQUESTS = 170
#: A time-window day of at least this many requests (two regions or more) is planned region by region first
#: by the PyVRP worker (a hub's day of 1,000 orders). Round 5 set 375: on 450-order days at 10 s the region plan
#: was shorter than PyVRP's on the whole day. Since round 10 the PyVRP worker's own path (insertion start, ejection
#: search, route groups) needs 3-8 vans fewer than the regions on every tuning day of 376-450 orders (2001, 2016,
#: 2022, 2027, 2084, 2085, 2097, 2128; README round 10).
LARGE_DAY_REQUESTS = 500
#: Share of the time the regions get together (in proportion to their size); the rest joins and improves.
REGIONS_SHARE = 0.5
#: Share of the time the ejection search may spend fitting in what the regions left out.
FIT_SHARE = 0.1
#: The whole-day search ends this long (plus this share of the limit) before the limit.
END_MARGIN_S = 0.5
END_MARGIN_SHARE = 0.03


@dataclass(frozen=True)
class LargePlan:
    """Node routes per vehicle of the whole model, visits still left out, and what each step did."""

    routes: tuple[tuple[int, ...], ...]
    dropped: tuple[int, ...]
    steps: tuple[str, ...]


def requests_of(model: NodeModel) -> list[tuple[int, ...]]:
    """The model's requests: ``(pickup, delivery)`` pairs, then single visits ``(node,)``."""
    paired = {n for pair in model.pairs for n in pair}
    return [tuple(pair) for pair in model.pairs] + [(n,) for n in model.visits if n not in paired]


def is_large_day(model: NodeModel) -> bool:
    """True for a time-window model with enough requests to be cut into two regions or more."""
    return model.windows is not None and len(model.visits) - len(model.pairs) >= LARGE_DAY_REQUESTS


def _anchor(request: tuple[int, ...]) -> int:
    """Where the request takes the van: the delivery of a pair, or the visit itself."""
    return request[-1]


def regions(model: NodeModel, parts: int, seed: int = 0) -> list[list[tuple[int, ...]]]:
    """The requests cut into ``parts`` regions of (nearly) equal size that are compact in travel time.

    Farthest-point seeds (the first one drawn by ``seed``), then a balanced
    assignment (requests with the most to lose go first, each to its nearest
    seed with room) and two rounds of moving each seed to its region's medoid.
    """
    reqs = requests_of(model)
    if parts <= 1 or len(reqs) <= parts:
        return [reqs]
    travel = np.asarray(model.travel if model.travel is not None else model.cost, dtype=np.float64)
    anchors = np.array([_anchor(r) for r in reqs])
    dist = travel[np.ix_(anchors, anchors)]
    dist = (dist + dist.T) / 2
    rng = np.random.default_rng(seed)
    centres = [int(rng.integers(len(reqs)))]
    nearest = dist[centres[0]].copy()
    while len(centres) < parts:
        far = int(np.argmax(nearest))
        centres.append(far)
        nearest = np.minimum(nearest, dist[far])
    room = math.ceil(len(reqs) / parts * 1.05)
    label = np.zeros(len(reqs), dtype=int)
    for _ in range(3):
        to_centre = dist[:, centres]  # request x region
        ranked = np.sort(to_centre, axis=1)
        regret = ranked[:, 1] - ranked[:, 0]
        size = [0] * parts
        for i in np.argsort(-regret, kind="stable"):
            for c in np.argsort(to_centre[i], kind="stable"):
                if size[c] < room:
                    label[i] = c
                    size[c] += 1
                    break
        new = []
        for c in range(parts):
            members = np.where(label == c)[0]
            if not len(members):
                new.append(centres[c])
                continue
            new.append(int(members[np.argmin(dist[np.ix_(members, members)].sum(axis=1))]))
        if new == centres:
            break
        centres = new
    return [[reqs[i] for i in np.where(label == c)[0]] for c in range(parts)]


def _work(model: NodeModel, region: list[tuple[int, ...]], depot: int) -> float:
    """Rough van-minutes a region needs: service at every node plus a round trip per request share."""
    service = model.service if model.service is not None else np.zeros(model.num_nodes)
    travel = model.travel if model.travel is not None else model.cost
    total = 0.0
    for request in region:
        total += float(sum(service[n] for n in request))
        total += 0.25 * float(travel[depot, _anchor(request)] + travel[_anchor(request), depot])
        if len(request) == 2:
            total += float(travel[request[0], request[1]])
    return total


def share_vans(model: NodeModel, parts: list[list[tuple[int, ...]]]) -> list[list[int]]:
    """The fleet shared among regions in proportion to their estimated work (every region gets one van).

    Each region takes, in turn of its remaining need, the unassigned van whose
    start is nearest to it (several bases: each region's vans come from its own).
    """
    travel = model.travel if model.travel is not None else model.cost
    fleet = list(range(model.num_vehicles))
    works = [_work(model, region, model.starts[0]) for region in parts]
    total = sum(works) or 1.0
    want = [max(1.0, model.num_vehicles * w / total) for w in works]
    given: list[list[int]] = [[] for _ in parts]
    free = set(fleet)
    centre = []
    for region in parts:
        anchors = [_anchor(r) for r in region]
        if not anchors:
            centre.append(model.starts[0])
            continue
        inside = np.asarray(travel)[np.ix_(anchors, anchors)]
        centre.append(anchors[int(np.argmin(inside.sum(axis=0) + inside.sum(axis=1)))])  # the medoid
    while free:
        # the region furthest below its share takes its nearest free van
        k = max(range(len(parts)), key=lambda c: (want[c] - len(given[c]), -c))
        van = min(free, key=lambda v: (float(travel[model.starts[v], centre[k]]), v))
        given[k].append(van)
        free.discard(van)
    return [sorted(v) for v in given]


def sub_model(model: NodeModel, vehicles: list[int], region: list[tuple[int, ...]]) -> tuple[NodeModel, list[int]]:
    """The day of one region: its vans and requests only; and the whole model's node of each sub-model node."""
    depots = []
    for v in vehicles:
        for node in (model.starts[v], model.ends[v]):
            if node not in depots:
                depots.append(node)
    nodes = depots + [n for request in region for n in request]
    at = {node: k for k, node in enumerate(nodes)}
    ix = np.ix_(nodes, nodes)
    sub = replace(
        model,
        cost=model.cost[ix],
        demand=model.demand[nodes],
        capacity=tuple(model.capacity[v] for v in vehicles),
        starts=tuple(at[model.starts[v]] for v in vehicles),
        ends=tuple(at[model.ends[v]] for v in vehicles),
        travel=None if model.travel is None else model.travel[ix],
        service=None if model.service is None else model.service[nodes],
        windows=None if model.windows is None else tuple(model.windows[n] for n in nodes),
        shifts=None if model.shifts is None else tuple(model.shifts[v] for v in vehicles),
        max_duration=None if model.max_duration is None else tuple(model.max_duration[v] for v in vehicles),
        pairs=tuple((at[p], at[d]) for p, d in model.pairs if p in at),
    )
    return sub, nodes


def _vans(routes: tuple[tuple[int, ...], ...]) -> int:
    return sum(1 for r in routes if r)


def large_day_plan(
    model: NodeModel,
    time_limit_s: float,
    seed: int = 0,
    stop: Callable[[], bool] | None = None,
    report: Callable[[tuple[tuple[int, ...], ...], tuple[int, ...]], None] | None = None,
) -> LargePlan | None:
    """Plan a large day region by region, join, fit in what is left, improve the whole; None without PyVRP.

    ``report`` hears each better plan (routes, visits left out), the first
    within about a second (the rough plan of :mod:`routing.construct` with what
    breaks a rule taken out) so that a stop always has a plan to return, then
    the regions' plans joined so far after each region. Every plan it hears and
    the one returned pass :func:`routing.modelcheck.plan_violations`.
    """
    from routing.construct import rough_routes
    from routing.ejection import insert_dropped
    from routing.insertion import forget_insertion_data
    from routing.modelcheck import plan_violations, repair
    from routing.pyvrp_engine import pyvrp_plan, pyvrp_supports

    if pyvrp_supports(model) is not None:
        return None
    started = time.monotonic()
    deadline = started + time_limit_s
    asked = stop or (lambda: False)
    strict = replace(model, drop_penalty=0)  # visits may be left out; every other rule holds
    best: tuple[tuple[int, ...], ...] = tuple(() for _ in range(model.num_vehicles))
    dropped: tuple[int, ...] = tuple(model.visits)

    def offer(routes: tuple[tuple[int, ...], ...]) -> bool:
        """Keep and report ``routes`` if they beat the best so far and break no rule."""
        nonlocal best, dropped
        left = model.unserved(routes)
        if (len(left), _vans(routes), model.routes_cost(routes)) >= (
            len(dropped),
            _vans(best),
            model.routes_cost(best),
        ):
            return False
        broken = plan_violations(strict, routes)
        if broken:  # cannot happen unless a mapping is wrong: say so and keep the plan before
            log.error("large-day plan breaks the model: %s", "; ".join(broken))
            return False
        best, dropped = routes, left
        if report is not None:
            report(best, dropped)
        return True

    offer(repair(model, rough_routes(model))[0])
    steps: list[str] = [f"rough:{len(dropped)}d"]
    reqs = requests_of(model)
    parts = regions(model, max(1, round(len(reqs) / REGION_REQUESTS)), seed)
    fleets = share_vans(model, parts)
    steps.append(f"regions:{len(parts)}")
    routes: list[tuple[int, ...]] = [() for _ in range(model.num_vehicles)]
    regions_until = started + time_limit_s * REGIONS_SHARE
    for k, (region, vans) in enumerate(zip(parts, fleets)):
        if asked():
            break
        if not region:
            continue
        done = sum(len(r) for r in parts[:k])
        slice_s = (regions_until - time.monotonic()) * len(region) / max(1, len(reqs) - done)
        sub, nodes = sub_model(model, vans, region)
        found = pyvrp_plan(sub, max(0.5, slice_s), seed + k, stop)
        if found is None:
            return None
        sub_routes, feasible = found
        if not feasible:
            sub_routes, _ = repair(sub, sub_routes)
        for t, v in enumerate(vans):
            routes[v] = tuple(nodes[n] for n in sub_routes[t])
        steps.append(f"r{k}:{len(region)}q/{len(vans)}v/{'ok' if feasible else 'repaired'}")
        offer(tuple(routes))
    steps.append(f"joined:{_vans(best)}v/{len(dropped)}d")
    fit_s = min(time_limit_s * FIT_SHARE, deadline - time.monotonic() - 1.0)
    if dropped and fit_s > 0.2 and not asked():
        fitted, still = insert_dropped(
            model, best, dropped, fit_s, seed=seed, random_insert=False, stop=stop, keep_partial=True
        )
        forget_insertion_data()  # its copy of the model is not needed again on this path
        if offer(fitted):
            steps.append(f"fit:{len(still)}d")
    # PyVRP checks the clock between iterations (about a second each on 2,000 nodes under load) and the
    # plan still has to be checked and handed back: end early enough to keep the caller's limit
    whole_s = deadline - time.monotonic() - (END_MARGIN_S + END_MARGIN_SHARE * time_limit_s)
    if whole_s > 1.0 and not asked():
        found = pyvrp_plan(model, whole_s, seed, stop, initial=best)
        if found is not None:
            joint, feasible = found
            if not feasible:
                joint, _ = repair(model, joint)
            offer(joint)
            steps.append(f"whole:{_vans(joint)}v/{len(model.unserved(joint))}d/{'ok' if feasible else 'repaired'}")
    return LargePlan(best, dropped, tuple(steps))
