"""The entry point: ``solve(problem, params, *, should_stop, on_progress) -> Result``."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from routing.domain import Params, Problem, Progress, Result, Route, Status, Unserved
from routing.engine import EngineSolution, solve_parallel
from routing.explain import explain_alone, explain_crowded
from routing.planner import CompiledDay, compile_day, timed_stops
from routing.validation import validate_params, validate_problem


#: Asked often while the search runs; returning True ends it with the best plan so far.
StopCallback = Callable[[], bool]
#: Hears the best plan so far (called from the thread that called :func:`solve`).
ProgressCallback = Callable[[Progress], None]

#: Why an order is unserved when the caller stopped the search before it was fitted in.
STOPPED_REASON = "the search was stopped before this order was fitted in; plan again and let it run"


def _totals(day: CompiledDay, routes: tuple[tuple[int, ...], ...]) -> tuple[float, float]:
    """Drive minutes and metres of node routes (one per van, visits only)."""
    drive_s = distance_m = 0.0
    for k, visits in enumerate(routes):
        if visits:
            locs = [day.nodes[i].loc for i in (2 * k, *visits, 2 * k + 1)]
            drive_s += float(sum(day.duration_s[a, b] for a, b in zip(locs, locs[1:])))
            distance_m += float(sum(day.distance_m[a, b] for a, b in zip(locs, locs[1:])))
    return drive_s / 60, distance_m


def solve(
    problem: Problem,
    params: Params | None = None,
    *,
    should_stop: StopCallback | None = None,
    on_progress: ProgressCallback | None = None,
) -> Result:
    """Plan the day: serve what can be served with as few vans, then as little driving, as possible.

    Orders that cannot be served on their own are explained and left out
    before the search; any the search cannot fit are explained afterwards.
    ``should_stop`` is honoured in every phase of the search: once it returns
    True the best plan so far (checked like any other) comes back within about
    a second. ``on_progress`` hears each better plan as a :class:`Progress`.
    Raises :class:`routing.ProblemError` for malformed input only.
    """
    params = params or Params()
    validate_problem(problem)
    validate_params(params)
    started = time.monotonic()
    full = compile_day(problem)
    unserved: list[Unserved] = []
    keep: list[int] = []
    for o, order in enumerate(problem.orders):
        reason = explain_alone(full, o)
        if reason is None:
            keep.append(o)
        else:
            unserved.append(Unserved(order.id, reason))
    if not keep:
        status = Status.OPTIMAL if not problem.orders else Status.INFEASIBLE
        return Result(status, (), tuple(unserved), 0, 0.0, 0.0, time.monotonic() - started)

    day = compile_day(replace(problem, orders=tuple(problem.orders[o] for o in keep)))
    ruled_out = len(unserved)

    model = day.model()

    def report(found: EngineSolution) -> None:
        if on_progress is None:
            return
        drive_min, distance_m = _totals(day, found.routes)
        dropped = len({day.nodes[i].order for i in found.dropped})
        work_min = model.routes_travel_s(found.routes) / 60
        elapsed_s = time.monotonic() - started
        on_progress(Progress(drive_min, distance_m, found.vehicles_used, ruled_out + dropped, elapsed_s, work_min))

    stopped = False

    def stop() -> bool:
        nonlocal stopped
        stopped = stopped or (should_stop is not None and bool(should_stop()))
        return stopped

    remaining = max(0.5, params.time_limit_s - (time.monotonic() - started))
    solution = solve_parallel(
        model,
        remaining,
        params.workers,
        params.seed,
        stop=stop if should_stop is not None else None,
        report=report,
        engines=params.engines,
    )
    if not solution.found:
        why = STOPPED_REASON if stopped else "no plan was found within the time limit; allow more time"
        for order in day.problem.orders:
            unserved.append(Unserved(order.id, why, proven=False))
        return Result(Status.NO_SOLUTION_IN_TIME, (), tuple(unserved), 0, 0.0, 0.0, time.monotonic() - started)

    routes = []
    for k, visits in enumerate(solution.routes):
        if not visits:
            continue
        path = [2 * k, *visits, 2 * k + 1]
        locs = [day.nodes[i].loc for i in path]
        distance = float(sum(day.distance_m[a, b] for a, b in zip(locs, locs[1:])))
        drive = float(sum(day.duration_s[a, b] for a, b in zip(locs, locs[1:]))) / 60
        stops = timed_stops(day, path)
        routes.append(Route(problem.vans[k].id, stops, distance, drive, stops[-1].arrival_min - stops[0].departure_min))
    dropped_orders = sorted({day.nodes[i].order for i in solution.dropped})
    idle = [k for k, visits in enumerate(solution.routes) if not visits]
    for o in dropped_orders:
        reason = STOPPED_REASON if stopped else explain_crowded(day, o, len(routes), idle, params.time_limit_s)
        unserved.append(Unserved(day.problem.orders[o].id, reason, proven=False))
    order_rank = {order.id: k for k, order in enumerate(problem.orders)}
    unserved.sort(key=lambda u: order_rank[u.order_id])
    if not routes:
        status = Status.NO_SOLUTION_IN_TIME  # orders that fit alone exist, yet nothing was planned
    else:
        status = Status.INFEASIBLE if unserved else Status.FEASIBLE
    return Result(
        status,
        tuple(routes),
        tuple(unserved),
        len(routes),
        sum(r.distance_m for r in routes),
        sum(r.drive_min for r in routes),
        time.monotonic() - started,
    )
