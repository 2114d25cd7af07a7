"""The entry point: ``solve(problem, params) -> Result``."""

from __future__ import annotations

import time
from dataclasses import replace

from routing.domain import Params, Problem, Result, Route, Status, Unserved
from routing.engine import solve_parallel
from routing.explain import explain_alone, explain_crowded
from routing.planner import compile_day, timed_stops
from routing.validation import validate_params, validate_problem


def solve(problem: Problem, params: Params | None = None) -> Result:
    """Plan the day: serve what can be served with as few vans, then as little driving, as possible.

    Orders that cannot be served on their own are explained and left out
    before the search; any the search cannot fit are explained afterwards.
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
    remaining = max(0.5, params.time_limit_s - (time.monotonic() - started))
    solution = solve_parallel(day.model(), remaining, params.workers, params.seed)
    if not solution.found:
        for order in day.problem.orders:
            unserved.append(Unserved(order.id, "no plan was found within the time limit; "
                                               "allow more time", proven=False))
        return Result(Status.NO_SOLUTION_IN_TIME, (), tuple(unserved), 0, 0.0, 0.0,
                      time.monotonic() - started)

    routes = []
    for k, visits in enumerate(solution.routes):
        if not visits:
            continue
        path = [2 * k, *visits, 2 * k + 1]
        locs = [day.nodes[i].loc for i in path]
        distance = float(sum(day.distance_m[a, b] for a, b in zip(locs, locs[1:])))
        drive = float(sum(day.duration_s[a, b] for a, b in zip(locs, locs[1:]))) / 60
        stops = timed_stops(day, path)
        routes.append(Route(problem.vans[k].id, stops, distance, drive,
                            stops[-1].arrival_min - stops[0].departure_min))
    dropped_orders = sorted({day.nodes[i].order for i in solution.dropped})
    idle = [k for k, visits in enumerate(solution.routes) if not visits]
    for o in dropped_orders:
        reason = explain_crowded(day, o, len(routes), idle, params.time_limit_s)
        unserved.append(Unserved(day.problem.orders[o].id, reason, proven=False))
    order_rank = {order.id: k for k, order in enumerate(problem.orders)}
    unserved.sort(key=lambda u: order_rank[u.order_id])
    if not routes:
        status = Status.NO_SOLUTION_IN_TIME  # orders that fit alone exist, yet nothing was planned
    else:
        status = Status.INFEASIBLE if unserved else Status.FEASIBLE
    return Result(status, tuple(routes), tuple(unserved), len(routes),
                  sum(r.distance_m for r in routes), sum(r.drive_min for r in routes),
                  time.monotonic() - started)
