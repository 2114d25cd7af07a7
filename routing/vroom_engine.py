"""VROOM in the portfolio's search on branch days, on the same integer :class:`NodeModel`.

The model maps onto VROOM as it maps onto PyVRP (:func:`routing.pyvrp_engine.shared_places`: a shop's
pickups share one location, so the per-visit loading the model puts on arcs leaving a run of pickups
rides along exactly): pickup and delivery pairs become shipments, single visits jobs (several windows
kept, VROOM takes them as they are), each vehicle its own vehicle with its start and end, capacity,
shift and the same fixed cost per van as the other engines. Models VROOM cannot take exactly are not
handed over (:func:`vroom_supports` says why).

Its uses: a start (:func:`vroom_start`, :func:`branch_day_start`), a polish from our plan
(:func:`vroom_polish`), a plan with a van fewer (:func:`vroom_fewer_vans`) and restarts on the same vans
(:func:`vroom_restarts`); :func:`routing.decompose.groups_first` says where. VROOM cannot be given a time
limit from Python (pyvroom 1.14's binding has no conversion for its timeout), so each search runs in a
forked child process that is ended at the limit, on a stop request or with its worker (:func:`_in_child`;
:func:`vroom_levels` runs the peer's exploration levels the same way). Plans come back in node form; the
caller re-checks them like every other plan. VROOM is imported lazily: without it every function returns
``None`` and says so in the log.
"""

from __future__ import annotations

import functools
import logging
import os
import pickle
import select
import signal
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from routing import engine
from routing.pyvrp_engine import place_nodes, shared_places, vans_but_the_smallest

if TYPE_CHECKING:
    from routing.engine import NodeModel

log = logging.getLogger(__name__)

#: VROOM's highest exploration level (the default of its command-line tool).
HIGHEST_LEVEL = 5

#: VROOM's local search depths (its exploration levels) in turn, each from the plan of the one before.
POLISH_DEPTHS = (0, HIGHEST_LEVEL)

#: VROOM's construction heuristics, in this order (its regret insertion with each way of choosing a route's first
#: visit and a regret weight). Vans depend on the regret weight more than on anything else and no one weight is
#: best: on days 3100-3605, 4105, 4202 and 4304 of 150 orders or more, these reach the fewest vans any of 50
#: pairs reached, on more days the earlier they stand (a greedy cover, README round 12); the last three did best on
#: smaller days.
START_HEURISTICS = (
    ("FURTHEST", 0.4),
    ("FURTHEST", 2.0),
    ("FURTHEST", 0.3),
    ("FURTHEST", 0.7),
    ("FURTHEST", 1.4),
    ("FURTHEST", 0.5),
    ("EARLIEST_DEADLINE", 1.0),
    ("EARLIEST_DEADLINE", 1.4),
    ("HIGHER_AMOUNT", 2.0),
    ("FURTHEST", 1.0),
    ("NONE", 1.0),
    ("HIGHER_AMOUNT", 1.0),
)

#: Starts on branch days take every other heuristic of :data:`START_HEURISTICS` first: the portfolio's two workers
#: (the OR-Tools worker from the first, the PyVRP worker from the second) build from different ones.
START_STRIDE = 2

#: A worker's VROOM start (:func:`branch_day_start`) has at most this share of its time: a day of 440 orders
#: needed 1.7 s for the first heuristic (README, round 11).
START_SHARE = 0.25

#: No VROOM search starts with less time than this left: building its input takes 0.05-0.2 s on a branch day.
MIN_SEARCH_S = 0.3

#: How often a wait for VROOM's child process looks at the stop request.
STOP_POLL_S = 0.1

Routes = tuple[tuple[int, ...], ...]


def vroom_levels(
    solve_level: Callable[[int], Any], time_limit_s: float, stop: Callable[[], bool] | None = None
) -> list[tuple[Any, float]]:
    """What ``solve_level(level)`` returns for exploration levels 0, 1, ... :data:`HIGHEST_LEVEL` in turn,
    each with the seconds since the call: every level that finished within ``time_limit_s``.

    Each level runs in a forked child process (``os.fork``, so a daemon search worker may call it too) that
    is killed when the time is up or ``stop()`` says so; its answer comes back pickled through a pipe.
    """
    started = time.monotonic()
    out: list[tuple[Any, float]] = []
    for level in range(HIGHEST_LEVEL + 1):
        left = time_limit_s - (time.monotonic() - started)
        if left <= 0 or (stop is not None and stop()):
            break
        found = _in_child(functools.partial(solve_level, level), left, stop)
        if found is None:
            break
        out.append((found, time.monotonic() - started))
    return out


def _in_child(job: Callable[[], Any], time_limit_s: float, stop: Callable[[], bool] | None) -> Any:
    """``job()`` run in a forked child, or None when it did not answer within the time or was stopped."""
    receive, send = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: answer through the pipe and leave without running the parent's clean-up
        code = 0
        try:
            engine.end_with_parent(parent)  # a worker killed hard takes its VROOM search with it
            os.close(receive)
            payload = pickle.dumps(job())
            with os.fdopen(send, "wb") as pipe:
                pipe.write(payload)
        except BaseException:
            code = 1
        os._exit(code)
    os.close(send)
    deadline = time.monotonic() + time_limit_s
    chunks: list[bytes] = []
    finished = False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or (stop is not None and stop()):
                break
            ready, _, _ = select.select([receive], [], [], min(STOP_POLL_S, left))
            if not ready:
                continue
            chunk = os.read(receive, 1 << 20)
            if not chunk:
                finished = True
                break
            chunks.append(chunk)
    finally:
        os.close(receive)
        if not finished:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _, status = os.waitpid(pid, 0)
    if not finished or not chunks or not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        return None
    # the bytes are our own forked child's answer, through a pipe only it and this process hold
    return pickle.loads(b"".join(chunks))  # nosec B301


def vroom_supports(model: NodeModel) -> str | None:
    """None if VROOM can take the model exactly (and this system can run it in a child process); otherwise why
    not."""
    if not hasattr(os, "fork"):
        return "this system cannot fork a child process for VROOM"
    travel = model.travel if model.travel is not None else model.cost
    if int(model.cost.min()) < 0 or int(travel.min()) < 0 or max(int(model.cost.max()), int(travel.max())) >= 2**32:
        return "an arc's cost or travel does not fit VROOM's matrices (0 to 2**32 - 1)"
    if model.max_duration and model.shifts:
        for v, longest in enumerate(model.max_duration):
            if longest is not None and longest < model.shifts[v][1] - model.shifts[v][0]:
                return f"vehicle {v} has a longest round shorter than its shift"
    elif model.max_duration and any(longest is not None for longest in model.max_duration):
        return "a vehicle has a longest round and no shift"
    return None


def _input(model: NodeModel, start: Routes | None = None, vehicles: Sequence[int] | None = None) -> Any:
    """VROOM's input for the model: vehicle ``v`` has id ``v + 1``, the visit at node ``n`` id ``n + 1``;
    ``start`` (node routes per vehicle) becomes the vehicles' initial routes; ``vehicles`` limits the fleet
    (default: the whole fleet)."""
    import vroom

    pickups = {p for p, _ in model.pairs}
    deliveries = {d for _, d in model.pairs}

    def steps(v: int) -> list[Any]:
        if start is None or not start[v]:
            return []
        kind = {
            **dict.fromkeys(pickups, vroom.VehicleStepPickup),
            **dict.fromkeys(deliveries, vroom.VehicleStepDelivery),
        }
        return [
            vroom.VehicleStepStart(),
            *(kind.get(n, vroom.VehicleStepSingle)(n + 1) for n in start[v]),
            vroom.VehicleStepEnd(),
        ]

    place = shared_places(model)
    first_node = place_nodes(place)
    at = np.ix_(first_node, first_node)
    travel = model.travel if model.travel is not None else model.cost
    inp = vroom.Input()
    # VROOM reads matrices as uint32 (vroom_supports refuses models whose arcs do not fit)
    inp.set_durations_matrix(profile="car", matrix_input=np.asarray(travel[at], dtype=np.uint32))
    inp.set_costs_matrix(profile="car", matrix_input=np.asarray(model.cost[at], dtype=np.uint32))
    service = model.service if model.service is not None else np.zeros(model.num_nodes, dtype=np.int64)
    fixed = model.van_fixed_cost()
    for v in range(model.num_vehicles) if vehicles is None else vehicles:
        shift = {} if not model.shifts else {"time_window": vroom.TimeWindow(*map(int, model.shifts[v]))}
        inp.add_vehicle(
            vroom.Vehicle(
                v + 1,
                start=int(place[model.starts[v]]),
                end=int(place[model.ends[v]]),
                capacity=vroom.Amount([int(model.capacity[v])]),
                costs=vroom.VehicleCosts(fixed=fixed),
                steps=steps(v),
                **shift,
            )
        )

    def windows(node: int) -> dict[str, Any]:
        if model.windows is None or not model.windows[node]:
            return {}
        return {"time_windows": [vroom.TimeWindow(int(a), int(b)) for a, b in sorted(model.windows[node])]}

    paired = {x for pair in model.pairs for x in pair}
    for node in model.visits:
        if node in paired:
            continue
        amount = int(model.demand[node])
        inp.add_job(
            vroom.Job(
                node + 1,
                location=int(place[node]),
                service=int(service[node]),
                pickup=vroom.Amount([max(0, amount)]),
                delivery=vroom.Amount([max(0, -amount)]),
                **windows(node),
            )
        )
    for p, d in model.pairs:
        inp.add_shipment(
            vroom.ShipmentStep(p + 1, location=int(place[p]), service=int(service[p]), **windows(p)),
            vroom.ShipmentStep(d + 1, location=int(place[d]), service=int(service[d]), **windows(d)),
            amount=vroom.Amount([int(model.demand[p])]),
        )
    return inp


def _routes(solution: Any, num_vehicles: int) -> tuple[Routes, int]:
    """Node routes per vehicle and the number of visits VROOM left out."""
    out: list[tuple[int, ...]] = [() for _ in range(num_vehicles)]
    for vehicle_id, group in solution.routes.groupby("vehicle_id", sort=True):
        out[int(vehicle_id) - 1] = tuple(
            int(i) - 1 for t, i in zip(group["type"], group["id"]) if t in ("job", "pickup", "delivery")
        )
    return tuple(out), int(solution.summary.unassigned)


def _time_for_another(left_s: float, last_took_s: float) -> bool:
    """Whether another VROOM search may begin with ``left_s`` seconds left: building its input takes up to
    :data:`MIN_SEARCH_S`, and another construction, or a deeper search, takes at least as long as the last one took
    (``last_took_s``; a search killed unfinished gives nothing)."""
    return left_s >= max(MIN_SEARCH_S, last_took_s)


def _searched(
    model: NodeModel,
    start: Routes | None,
    depths: Sequence[int],
    time_limit_s: float,
    stop: Callable[[], bool] | None,
    vehicles: Sequence[int] | None = None,
    heuristic: tuple[str, float] | None = None,
) -> tuple[Routes, int] | None:
    """VROOM's search at each depth in turn, each from the plan of the one before; the first from ``start`` (its
    ``INIT_ROUTES``), or when ``start`` is None built by ``heuristic`` (its regret construction: how a route's first
    visit is chosen, the regret weight), each depth only while :func:`_time_for_another` allows. The last plan with
    the visits it left out, or None if VROOM is not installed, cannot take the model or the first depth did not
    finish in time."""
    why = vroom_supports(model)
    if why is not None:
        log.info("VROOM search skipped: %s", why)
        return None
    try:
        from vroom import _vroom  # the heuristic's parameters are not re-exported by pyvroom 1.14
        from vroom.solution.solution import Solution
    except ImportError:
        log.warning("VROOM search skipped: pyvroom is not installed (pip install 'pyvroom>=1.14')")
        return None
    started = time.monotonic()
    from_start = _vroom.HeuristicParameters(_vroom.HEURISTIC.INIT_ROUTES, _vroom.INIT.NONE, 0.0)
    built = None
    if heuristic is not None:
        built = _vroom.HeuristicParameters(_vroom.HEURISTIC.BASIC, getattr(_vroom.INIT, heuristic[0]), heuristic[1])
    last: tuple[Routes, int] | None = None
    took_s = 0.0
    for depth in depths:
        if not _time_for_another(time_limit_s - (time.monotonic() - started), took_s):
            break
        begun = time.monotonic()
        begin = start if last is None else last[0]
        inp = _input(model, begin, vehicles)
        how = [from_start if begin is not None or built is None else built]

        def search(inp: Any = inp, depth: int = depth, how: list[Any] = how) -> tuple[Routes, int]:
            found = inp._solve(exploration_level=depth, nb_threads=1, timeout=None, h_param=how)
            return _routes(Solution(found), model.num_vehicles)

        found = _in_child(search, time_limit_s - (time.monotonic() - started), stop)
        if found is None:
            break
        last = found
        took_s = time.monotonic() - begun
    return last


def heuristic_order(first: int = 0, stride: int = 1) -> list[tuple[str, float]]:
    """:data:`START_HEURISTICS` from the ``first``-th round: every ``stride``-th of them first, then the others, each
    once."""
    first %= len(START_HEURISTICS)
    turned = [*START_HEURISTICS[first:], *START_HEURISTICS[:first]]
    return [*turned[::stride], *(h for k, h in enumerate(turned) if k % stride)]


def _best_built(
    model: NodeModel,
    depth: int,
    time_limit_s: float,
    stop: Callable[[], bool] | None,
    vehicles: Sequence[int] | None = None,
    first: int = 0,
    stride: int = 1,
    first_complete: bool = False,
) -> tuple[int, int, int, Routes] | None:
    """VROOM's construction by each heuristic of :func:`heuristic_order` in turn with its search at ``depth``, one
    child process each, while :func:`_time_for_another` allows: the best plan
    as (visits left out, vans, cost, routes), or None when none finished. With ``first_complete`` the first plan
    that leaves no visit out ends the tries."""
    started = time.monotonic()
    best: tuple[int, int, int, Routes] | None = None
    took_s = 0.0
    for heuristic in heuristic_order(first, stride):
        left = time_limit_s - (time.monotonic() - started)
        if not _time_for_another(left, took_s) or (stop is not None and stop()):
            break
        begun = time.monotonic()
        found = _searched(model, None, (depth,), left, stop, vehicles, heuristic)
        if found is None:
            break
        took_s = time.monotonic() - begun
        routes, left_out = found
        key = (left_out, *model.routes_key(routes), routes)
        if best is None or key[:3] < best[:3]:
            best = key
        if first_complete and not left_out:
            break
    return best


def vroom_start(
    model: NodeModel, time_limit_s: float, stop: Callable[[], bool] | None = None, first: int = 0
) -> Routes | None:
    """VROOM's construction (each heuristic with its shallow search, in turn within the time, every
    :data:`START_STRIDE`-th from the ``first``-th first): the best plan (fewest visits left out, then vans, then
    cost), or None."""
    started = time.monotonic()
    best = _best_built(model, 0, time_limit_s, stop, first=first, stride=START_STRIDE)
    if best is None:
        return None
    log.info("VROOM start: %d left out, %d vans, cost %d in %.1f s", *best[:3], time.monotonic() - started)
    return best[3]


def branch_day_start(
    model: NodeModel, whole_limit_s: float, stop: Callable[[], bool] | None = None, first: int = 0
) -> Routes | None:
    """VROOM's start for a worker with ``whole_limit_s`` in all (:func:`vroom_start` from the ``first``-th heuristic
    in :data:`START_SHARE` of it) on days where the polish of :func:`routing.decompose.groups_first` applies; None
    elsewhere. The one rule for where VROOM builds a start; the worker keeps the better of it and its own regret
    insertion, and builds no sequential start when it has this one (the same family, slower; README, round 11)."""
    from routing.decompose import polish_applies

    if not polish_applies(model):
        return None
    return vroom_start(model, START_SHARE * whole_limit_s, stop, first)


def vroom_restarts(
    model: NodeModel, routes: Routes, time_limit_s: float, stop: Callable[[], bool] | None = None, first: int = 0
) -> Routes | None:
    """VROOM's construction and deepest search again and again (:func:`heuristic_order` from the ``first``-th)
    on the vans ``routes`` uses, within the time: the best plan that serves every visit and costs less than
    ``routes``, or None. A plan's basin decides its cost more than the time spent in it (README, round 7); these are
    other basins on the same vans."""
    vehicles = [v for v in range(model.num_vehicles) if routes[v]]
    best = _best_built(model, HIGHEST_LEVEL, time_limit_s, stop, vehicles, first)
    if best is None or best[0] or model.unserved(best[3]) or model.routes_key(best[3]) >= model.routes_key(routes):
        return None
    log.info("VROOM restarts: %s -> %s", model.routes_key(routes), model.routes_key(best[3]))
    return best[3]


def vroom_fewer_vans(
    model: NodeModel, routes: Routes, time_limit_s: float, stop: Callable[[], bool] | None = None, first: int = 0
) -> Routes | None:
    """``routes`` without its smallest route: the visits put back by VROOM's local search on the vans left (it puts
    every visit it can before it looks at cost), or when it cannot put them all, VROOM's constructions on those vans
    (its shallow search, every :data:`START_STRIDE`-th heuristic from the ``first``-th first, until one serves every
    visit; a construction given one van fewer places them differently, README round 12). The plan if every visit is
    served, otherwise None."""
    started = time.monotonic()
    used = [v for v in range(model.num_vehicles) if routes[v]]
    if len(used) < 2:
        return None
    keep = vans_but_the_smallest(routes)
    start = tuple(routes[v] if v in keep else () for v in range(model.num_vehicles))
    found = _searched(model, start, POLISH_DEPTHS, time_limit_s, stop, keep)
    if found is not None and not found[1] and not model.unserved(found[0]):
        log.info("VROOM: %d vans instead of %d", len(keep), len(used))
        return found[0]
    left = time_limit_s - (time.monotonic() - started)
    built = _best_built(model, 0, left, stop, keep, first, START_STRIDE, first_complete=True)
    if built is None or built[0] or model.unserved(built[3]):
        return None
    log.info("VROOM built %d vans instead of %d", len(keep), len(used))
    return built[3]


def vroom_polish(
    model: NodeModel, routes: Routes, time_limit_s: float, stop: Callable[[], bool] | None = None
) -> Routes | None:
    """VROOM's local search from ``routes`` (its ``INIT_ROUTES`` start), within the time: a shallow search
    first, then the deepest from its plan (:data:`POLISH_DEPTHS`; a search still running at the limit is lost,
    the shallow one seldom is). The plan it ends with when it leaves no visit out that ``routes`` served and is
    cheaper (fewer vans, or as many and less cost); otherwise None, as when VROOM is not installed, cannot take
    the model or did not finish in time."""
    started = time.monotonic()
    found = _searched(model, routes, POLISH_DEPTHS, time_limit_s, stop)
    if found is None:
        return None
    polished, left_out = found
    if left_out or len(model.unserved(polished)) > len(model.unserved(routes)):
        return None
    if model.routes_key(polished) >= model.routes_key(routes):
        return None
    log.info(
        "VROOM polish: %s -> %s in %.1f s",
        model.routes_key(routes),
        model.routes_key(polished),
        time.monotonic() - started,
    )
    return polished
