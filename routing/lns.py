"""Cost minimisation by large neighbourhood search (pure Python, no OR-Tools).

OR-Tools' guided local search settles in one basin on the benchmark models:
with few, long routes each of its moves is checked against the whole route and
it makes a few dozen moves a second. This search does what the literature's
best cost methods for pickup-and-delivery with time windows do (Ropke &
Pisinger 2006; the string removals of Christiaens & Vanden Berghe 2020): take
a handful of requests out, put them back at their cheapest feasible places,
and accept the new plan by simulated annealing. It is fast because it never
forces anything in: a request that fits nowhere ends the step, which is then
thrown away, so every plan it holds is feasible. Measured in
bench_results/routing/tuning.md.

Each step:

- removes ``k`` requests (a pickup with its delivery, or a single visit),
  ``k`` drawn between ``min_removed`` and ``max_removed_share`` of them: either
  the requests nearest a random one, or strings of consecutive visits from the
  routes nearest a random request;
- re-inserts them one by one, in a random order, by window opening or farthest
  from the depot first, each at its cheapest feasible position in any route
  (routes are never opened when vehicles count; idle vehicles may be used when
  they do not);
- accepts the result if it is cheaper, or with the annealing probability,
  the temperature falling from ``hot_share`` to ``cold_share`` of the starting
  cost over the time.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from routing.insertion import INF, InsertionData, RouteState, insert_request, insertion_data_for, request_positions

if TYPE_CHECKING:
    from routing.engine import NodeModel


@dataclass(frozen=True)
class LnsStats:
    """What one run did: steps tried, accepted, thrown away (a request fit nowhere), costs."""

    steps: int
    accepted: int
    failed: int
    start_cost: int
    best_cost: int


def _route_copy(route: RouteState) -> RouteState:
    copy = RouteState(route.vehicle, route.nodes)
    copy.early, copy.late, copy.load, copy.dirty = route.early, route.late, route.load, route.dirty
    return copy


def _plan_cost(data: InsertionData, routes: list[RouteState]) -> int:
    cost = data.cost
    return sum(cost[a][b] for r in routes for a, b in zip(r.nodes, r.nodes[1:]))


def _nearest_requests(
    data: InsertionData, requests: list[tuple[int, ...]], count: int, rng: random.Random
) -> list[tuple[int, ...]]:
    """The ``count`` requests whose visits lie closest to a random request's."""
    centre = rng.choice(requests)
    cost = data.cost

    def distance(request: tuple[int, ...]) -> int:
        return min(cost[a][b] for a in centre for b in request)

    return sorted(requests, key=lambda q: (distance(q), rng.random()))[:count]


def _string_requests(
    data: InsertionData,
    routes: list[RouteState],
    requests: list[tuple[int, ...]],
    route_of: dict[int, int],
    count: int,
    rng: random.Random,
) -> list[tuple[int, ...]]:
    """Requests met by strings of consecutive visits cut from the routes nearest a random request."""
    seed = rng.choice(requests)
    cost = data.cost
    by_distance = sorted(requests, key=lambda q: min(cost[seed[0]][b] for b in q))
    removed: set[tuple[int, ...]] = set()
    cut: set[int] = set()
    for request in by_distance:
        if len(removed) >= count:
            break
        r = route_of[request[0]]
        if r in cut:
            continue
        cut.add(r)
        visits = routes[r].visits
        length = rng.randint(1, max(1, min(len(visits), 2 * (count - len(removed)))))
        at = visits.index(request[0])
        first = max(0, min(at - rng.randint(0, length - 1), len(visits) - length))
        removed.update(data.request_of[n] for n in visits[first : first + length])
    return list(removed)


def _insertion_order(data: InsertionData, removed: list[tuple[int, ...]], depot: int, rng: random.Random) -> None:
    """Shuffle, or sort by window opening, or farthest from the depot first (in place)."""
    draw = rng.random()
    if draw < 0.4:
        rng.shuffle(removed)
    elif draw < 0.7:
        removed.sort(key=lambda q: (data.lo[q[0]], rng.random()))
    else:
        removed.sort(key=lambda q: (-data.cost[depot][q[0]], rng.random()))


def _reinsert(data: InsertionData, trial: list[RouteState], owned: set[int], removed: list[tuple[int, ...]]) -> bool:
    """Cheapest feasible insertion of each request in turn; False as soon as one fits nowhere."""
    for request in removed:
        best_delta, spot = INF, None
        for r, route in enumerate(trial):
            for delta, a, b in request_positions(data, route, request):
                if delta < best_delta:
                    best_delta, spot = delta, (r, a, b)
        if spot is None:
            return False
        r, a, b = spot
        if r not in owned:
            trial[r] = _route_copy(trial[r])  # copy on write: the current plan stays as it was
            owned.add(r)
        insert_request(trial[r], request, a, b)
        trial[r].refresh(data)
    return True


def improve_cost(
    model: NodeModel,
    routes: Sequence[Sequence[int]],
    time_limit_s: float,
    seed: int = 0,
    min_removed: int = 3,
    max_removed_share: float = 0.4,
    max_removed: int = 40,
    string_share: float = 0.8,
    hot_share: float = 0.03,
    cold_share: float = 0.0001,
    stop: Callable[[], bool] | None = None,
    on_better: Callable[[tuple[tuple[int, ...], ...]], None] | None = None,
    report_every_s: float = 1.0,
) -> tuple[tuple[tuple[int, ...], ...], LnsStats]:
    """Lower the plan's arc cost by ruin and recreate with simulated annealing; same visits, no new route.

    ``routes`` holds one visit sequence per fleet vehicle (empty when unused)
    and must be feasible; the best plan found comes back in the same layout.
    Vehicles that are idle stay idle when the model minimises vehicles.
    ``stop`` is asked at every step; ``on_better`` hears the best plan at most
    every ``report_every_s`` while it improves.
    """
    data = insertion_data_for(model)
    rng = random.Random(seed)
    keep_idle = model.minimise_vehicles
    current = [RouteState(v, [data.start[v], *r, data.end[v]]) for v, r in enumerate(routes) if r or not keep_idle]
    unchanged = tuple(tuple(r) for r in routes)
    if not all(r.refresh(data) for r in current):
        return unchanged, LnsStats(0, 0, 0, 0, 0)
    requests = sorted({data.request_of[n] for r in current for n in r.visits})
    current_cost = best_cost = start_cost = _plan_cost(data, current)
    if len(requests) < 2:
        return unchanged, LnsStats(0, 0, 0, start_cost, start_cost)
    best = current
    most = min(len(requests), max(min_removed + 1, min(max_removed, int(max_removed_share * len(requests)))))
    fewest = min(min_removed, most)
    hot, cold = max(1.0, hot_share * start_cost), max(0.5, cold_share * start_cost)
    depot = data.start[current[0].vehicle]  # "far from the depot" reads the first van's start
    started = time.monotonic()
    deadline = started + time_limit_s
    steps = accepted = failed = 0
    reported_at, reported_cost = started, best_cost

    def layout(plan: list[RouteState]) -> tuple[tuple[int, ...], ...]:
        out: list[tuple[int, ...]] = [() for _ in range(data.vehicles)]
        for route in plan:
            out[route.vehicle] = tuple(route.visits)
        return tuple(out)

    while True:
        now = time.monotonic()
        if now >= deadline or (stop is not None and stop()):
            break
        if on_better is not None and best_cost < reported_cost and now - reported_at >= report_every_s:
            on_better(layout(best))
            reported_at, reported_cost = now, best_cost
        steps += 1
        count = rng.randint(fewest, most)
        route_of = {n: r for r, route in enumerate(current) for n in route.visits}
        if rng.random() < string_share:
            removed = _string_requests(data, current, requests, route_of, count, rng)
        else:
            removed = _nearest_requests(data, requests, count, rng)
        gone = {n for q in removed for n in q}
        trial = list(current)
        owned = {route_of[n] for n in gone}
        for r in owned:
            trial[r] = RouteState(trial[r].vehicle, [x for x in trial[r].nodes if x not in gone])
        if not all(trial[r].refresh(data) for r in owned):
            failed += 1  # only without the triangle inequality: a removal broke a route
            continue
        _insertion_order(data, removed, depot, rng)
        if not _reinsert(data, trial, owned, removed):
            failed += 1
            continue
        trial_cost = _plan_cost(data, trial)
        temperature = hot * (cold / hot) ** ((now - started) / time_limit_s)
        if trial_cost < current_cost or rng.random() < math.exp((current_cost - trial_cost) / temperature):
            current, current_cost = trial, trial_cost
            accepted += 1
            if trial_cost < best_cost:
                best, best_cost = trial, trial_cost
    return layout(best), LnsStats(steps, accepted, failed, start_cost, best_cost)
