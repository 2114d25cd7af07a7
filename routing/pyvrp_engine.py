"""PyVRP as a search engine of the portfolio, on the same integer :class:`NodeModel`.

Each node becomes its own PyVRP location (so the per-visit shop loading that
the model puts on arcs leaving a run of pickups rides along exactly); pickup
and delivery pairs become shipments, single visits become clients, each
vehicle its own vehicle type with its start and end depot, capacity, shift
and longest round. A visit with several windows has no faithful PyVRP form
when it is half of a shipment, so such models are not handed to PyVRP
(:func:`pyvrp_supports` says why). PyVRP's plan comes back in node form; the
caller re-checks it with OR-Tools before using it, like every other plan.

PyVRP is imported lazily: without it, :func:`pyvrp_search` returns ``None``
and says so in the log.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from routing.construct import insertion_routes, rough_routes
from routing.decompose import groups_first, polish_applies
from routing.ejection import minimise_routes, pickups_gather
from routing.sequential import EXPECTED_PER_INSERTION, Variant, best_sequential_routes, better_start

if TYPE_CHECKING:
    from routing.engine import NodeModel

log = logging.getLogger(__name__)

INT_MAX = int(np.iinfo(np.int64).max)

#: Above this many nodes PyVRP starts from :func:`routing.construct.rough_routes` instead of a random
#: plan: its first local search from a random plan took 9-14 s on a 450-order day (load 15), from
#: the rough plan 5 s, and ended feasible with 3 vans fewer (bench_results/routing/README.md).
ROUGH_START_NODES = 300

#: The PyVRP worker spends this last share of its time on a plan with one van fewer (README, round 5:
#: on day 609, 5 vans at 1,221.8 min this way against 1,348.7 from the ejection search's 5-van plan).
FEWER_VANS_SHARE = 0.4

#: The one-van-fewer try gives up when PyVRP holds no feasible plan after this share of its time, and the rest
#: goes on improving the plan it started from (README, round 9: the try failed on most generated days and
#: took 40 % of the worker's time from driving).
FEWER_VANS_GIVE_UP_SHARE = 0.4

#: On days where the polish of :func:`routing.decompose.groups_first` applies, this last share of the one-van-fewer
#: try's time goes on that polish of its plan when the try succeeds.
FEWER_VANS_POLISH_SHARE = 0.3

#: Where no route-group polish follows (public instances), a successful one-van-fewer try ends once it holds a
#: feasible plan, and PyVRP restarts from the best plan with a new seed every this share of the worker's time:
#: Solomon R207, R211 and RC202 (30 s, fewer vans than the main run), 939.1, 924.0 and 1,367.1 against 971.5,
#: 933.0 and 1,384.9 from one run on the fewer vans. After a failed try the rest restarts the same way
#: (R203 941.4 and R205 994.4 against 948.3 and 1,003.7 from one run; bench_results/routing/README.md, round 13).
RESTART_SHARE = 1 / 6

#: On time-window models where vans count, PyVRP starts from :func:`routing.construct.insertion_routes`
#: built in at most this share of its time; when it does not finish in time (a large day on a loaded
#: machine), PyVRP starts as before. A partial plan as the start measured worse: PyVRP's first local search
#: inserting hundreds of visits could not be interrupted and overran the time.
CONSTRUCT_SHARE = 0.3

#: On days whose orders are collected at a few shops (:func:`routing.ejection.pickups_gather`) the
#: PyVRP worker's start first loses the vans the ejection search takes away at once, in at most this share
#: of its time (cheapest places): tuning days 610-636, 9 s each, 1.5 s of it so (load 24-27): a van fewer
#: on 613, 618, 636 and 619, the same vans and 6 % less on 627 and 610 (bench_results/routing/README.md).
START_EJECTION_SHARE = 0.15

#: On those days the sequential construction (:func:`routing.sequential.best_sequential_routes`) builds its
#: variants in at most this share of the time, and the better of its plan and the regret insertion's is the
#: start (bench_results/routing/README.md, round 8).
SEQUENTIAL_SHARE = 0.15


def _solve_from(data: Any, start: Any, stop: Any, seed: int) -> Any:
    """``pyvrp.solve`` with the same settings, but its first local search runs from ``start``."""
    from pyvrp import RandomNumberGenerator
    from pyvrp.IteratedLocalSearch import IteratedLocalSearch
    from pyvrp.PenaltyManager import PenaltyManager
    from pyvrp.search import LocalSearch, PerturbationManager, compute_neighbours
    from pyvrp.solve import SolveParams

    params = SolveParams()
    rng = RandomNumberGenerator(seed=seed)
    ls = LocalSearch(
        data, rng, compute_neighbours(data, params.neighbourhood), PerturbationManager(params.perturbation)
    )
    for op in params.operators:
        if op.supports(data):
            ls.add_operator(op(data))
    pm = PenaltyManager(params.penalty.midpoint_penalties(data), params.penalty)
    init = ls(start, pm.max_cost_evaluator(), exhaustive=True)
    return IteratedLocalSearch(data, pm, ls, init, params.ils).run(stop, False, False, params.display_interval)


def pyvrp_supports(model: NodeModel) -> str | None:
    """None if PyVRP can take the model exactly; otherwise why not."""
    if model.windows is None:
        return None
    paired = {n for pair in model.pairs for n in pair}
    for node in model.visits:
        if len(model.windows[node]) > 1 and node in paired:
            return f"node {node} of a pickup-delivery pair has several windows"
    return None


def shared_places(model: NodeModel) -> np.ndarray:
    """Place index of each node: nodes with identical rows and columns in the cost and travel matrices
    (the shop's pickups, the vans' depots at one base) share one place.

    PyVRP then sees the day as a peer run does, one location per address:
    with a location per node its neighbourhoods filled up with co-located
    pickups, and it needed a van more on a 69-order day (README, 2026-12-06 late).
    """
    travel = model.travel if model.travel is not None else model.cost
    place = np.arange(model.num_nodes)
    seen: dict[int, list[int]] = {}
    count = 0
    for i in range(model.num_nodes):
        if model.cost[i, i] != 0 or travel[i, i] != 0:
            place[i] = count
            count += 1
            continue
        key = hash((model.cost[i].tobytes(), travel[i].tobytes(), model.cost[:, i].tobytes(), travel[:, i].tobytes()))
        for j in seen.get(key, []):
            if (
                np.array_equal(model.cost[i], model.cost[j])
                and np.array_equal(travel[i], travel[j])
                and np.array_equal(model.cost[:, i], model.cost[:, j])
                and np.array_equal(travel[:, i], travel[:, j])
            ):
                place[i] = place[j]
                break
        else:
            seen.setdefault(key, []).append(i)
            place[i] = count
            count += 1
    return place


def place_nodes(place: np.ndarray) -> np.ndarray:
    """The first node at each place of :func:`shared_places` (the node whose matrix rows stand for the place)."""
    first_node = np.full(int(place.max()) + 1, -1)
    for node in range(len(place) - 1, -1, -1):
        first_node[place[node]] = node
    return first_node


def vans_but_the_smallest(routes: Sequence[Sequence[int]]) -> list[int]:
    """The used vans without the one with the fewest visits (the lowest-numbered of equals): the vans a
    one-van-fewer try keeps, in PyVRP and in VROOM."""
    used = [v for v, route in enumerate(routes) if route]
    return sorted(used, key=lambda v: (-len(routes[v]), v))[:-1]


def _build(
    model: NodeModel, vehicles: list[int] | None = None
) -> tuple[Any, list[int], list[tuple[int, int]], list[list[int]]]:
    """ProblemData; the node of each client; the (pickup, delivery) nodes of each shipment; the
    model vehicles of each PyVRP vehicle type (of ``vehicles``, default the whole fleet; identical vans share one)."""
    import pyvrp

    vehicles = list(range(model.num_vehicles)) if vehicles is None else vehicles
    n = model.num_nodes
    place = shared_places(model)
    first_node = place_nodes(place)
    locations = [pyvrp.Location(0.0, float(i)) for i in range(len(first_node))]
    depot_places = sorted({int(place[node]) for node in (*model.starts, *model.ends)})
    depot_at = {p: k for k, p in enumerate(depot_places)}
    depot_of = {node: depot_at[int(place[node])] for node in (*model.starts, *model.ends)}
    depots = [pyvrp.Depot(p) for p in depot_places]
    service = model.service if model.service is not None else np.zeros(n, dtype=np.int64)
    travel = model.travel if model.travel is not None else model.cost

    def windows(node: int) -> tuple[tuple[int, int], ...]:
        if model.windows is None or not model.windows[node]:
            return ((0, INT_MAX),)
        return tuple(sorted(model.windows[node]))

    fixed = model.van_fixed_cost()
    # identical vans share one vehicle type: PyVRP tries each type's empty route, so a type per van slows its search
    # and costs vans (round 14: a scaled R105 of 200 customers, 24 vans with a type per van, 23 with one type)
    vans_of_kind: dict[tuple[int, int, int, int, int, int], list[int]] = {}
    for v in vehicles:
        shift = model.shifts[v] if model.shifts else (0, INT_MAX)
        longest_min = model.max_duration[v] if model.max_duration else None
        longest = INT_MAX if longest_min is None else longest_min
        kind = (
            int(model.capacity[v]),
            depot_of[model.starts[v]],
            depot_of[model.ends[v]],
            int(shift[0]),
            int(shift[1]),
            int(longest),
        )
        vans_of_kind.setdefault(kind, []).append(v)
    vehicle_types = [
        pyvrp.VehicleType(
            len(vans),
            capacity=[capacity],
            start_depot=start,
            end_depot=end,
            fixed_cost=fixed,
            tw_early=early,
            tw_late=late,
            start_late=late,
            shift_duration=longest,
        )
        for (capacity, start, end, early, late, longest), vans in vans_of_kind.items()
    ]
    paired = {x for pair in model.pairs for x in pair}
    clients: list[pyvrp.Client] = []
    client_node: list[int] = []
    groups: list[pyvrp.ClientGroup] = []
    for node in model.visits:
        if node in paired:
            continue
        amount = int(model.demand[node])
        spans = windows(node)
        group = None
        if len(spans) > 1:
            # one client per window, exactly one of them visited: several windows kept as they are
            group = len(groups)
            groups.append(pyvrp.ClientGroup(list(range(len(clients), len(clients) + len(spans))), required=True))
        for early, late in spans:
            clients.append(
                pyvrp.Client(
                    int(place[node]),
                    pickup=[max(0, amount)],
                    delivery=[max(0, -amount)],
                    service_duration=int(service[node]),
                    tw_early=int(early),
                    tw_late=int(late),
                    required=group is None,
                    group=group,
                )
            )
            client_node.append(node)
    shipments = []
    for p, d in model.pairs:
        (pe, pl), (de, dl) = windows(p)[0], windows(d)[0]
        shipments.append(
            pyvrp.Shipment(
                int(place[p]),
                int(place[d]),
                pickup_tw_early=int(pe),
                pickup_tw_late=int(pl),
                pickup_service_duration=int(service[p]),
                delivery_tw_early=int(de),
                delivery_tw_late=int(dl),
                delivery_service_duration=int(service[d]),
                amount=[int(model.demand[p])],
            )
        )
    at = np.ix_(first_node, first_node)
    # list[Any]: pyvrp's stub types the matrices ``list[np.ndarray[int]]``, which numpy 2 reads with int as the shape
    distance_matrices: list[Any] = [np.asarray(model.cost[at], dtype=np.int64)]
    duration_matrices: list[Any] = [np.asarray(travel[at], dtype=np.int64)]
    data = pyvrp.ProblemData(
        locations,
        clients,
        depots,
        vehicle_types,
        distance_matrices,
        duration_matrices,
        groups=groups,
        shipments=shipments,
    )
    return data, client_node, list(model.pairs), list(vans_of_kind.values())


def _initial(
    data: Any,
    model: NodeModel,
    routes: tuple[tuple[int, ...], ...],
    client_node: list[int],
    type_vehicles: list[list[int]],
) -> Any:
    """A plan in node form as a PyVRP solution (a visit with several windows takes its first)."""
    import pyvrp

    client_of: dict[int, int] = {}
    for k, node in enumerate(client_node):
        client_of.setdefault(node, k)
    pickup_of = {p: k for k, (p, _) in enumerate(model.pairs)}
    delivery_of = {d: k for k, (_, d) in enumerate(model.pairs)}
    out = []
    for t, vans in enumerate(type_vehicles):
        for v in vans:
            acts = []
            for node in routes[v]:
                if node in pickup_of:
                    acts.append(pyvrp.Activity(pyvrp.ActivityType.PICKUP, pickup_of[node]))
                elif node in delivery_of:
                    acts.append(pyvrp.Activity(pyvrp.ActivityType.DELIVERY, delivery_of[node]))
                else:
                    acts.append(pyvrp.Activity(pyvrp.ActivityType.CLIENT, client_of[node]))
            if acts:
                out.append(pyvrp.Route(data, acts, t))
    return pyvrp.Solution(data, out)


def pyvrp_plan(
    model: NodeModel,
    time_limit_s: float,
    seed: int = 0,
    stop: Callable[[], bool] | None = None,
    feasible_after_s: float | None = None,
    initial: tuple[tuple[int, ...], ...] | None = None,
    vehicles: list[int] | None = None,
    fewer_vans_share: float = 0.0,
    construct: bool = True,
    sequential: Sequence[Variant] = (),
    give_up_after_s: float | None = None,
    vroom: bool = False,
) -> tuple[tuple[tuple[int, ...], ...], bool] | None:
    """PyVRP's best plan as node routes per vehicle and whether PyVRP found it feasible.

    None if PyVRP is not installed or cannot take the model exactly. With
    ``feasible_after_s``, the search ends as soon as it holds a feasible plan
    and has run that long (a quick start for another engine). An infeasible
    best comes back as it is, for the caller to repair and re-check.
    ``initial`` (node routes per vehicle) warm-starts the search (by default a regret insertion plan when
    vans count; ``construct=False``: PyVRP's own start); ``vehicles``
    limits the fleet PyVRP may use (it must include every vehicle ``initial`` uses).
    With ``fewer_vans_share`` (models where vans count), the last share of the time tries one van
    fewer: PyVRP's plan without its smallest route, on the vans left, its visits put back by PyVRP's
    penalised search; that plan comes back if it is feasible, otherwise the first. With
    ``give_up_after_s``, the search ends when it has run that long without a feasible plan. On days whose
    orders are collected at a few shops, the ejection search first takes away the vans it can from the
    start (:data:`START_EJECTION_SHARE`). With ``sequential`` (and ``fewer_vans_share``), on those days the
    start is the better of the regret insertion and these variants of the sequential construction
    (:mod:`routing.sequential`, :data:`SEQUENTIAL_SHARE` of the time). With ``vroom`` (and ``fewer_vans_share``),
    VROOM builds a start in place of the sequential one and begins each polish (:mod:`routing.vroom_engine`).
    """
    if fewer_vans_share > 0 and model.minimise_vehicles:
        return _with_fewer_vans(
            model, time_limit_s, seed, stop, feasible_after_s, initial, vehicles, fewer_vans_share, sequential, vroom
        )
    why = pyvrp_supports(model)
    if why is not None:
        log.info("PyVRP engine skipped: %s", why)
        return None
    try:
        import pyvrp
        from pyvrp.exceptions import PenaltyBoundWarning
        from pyvrp.stop import MultipleCriteria, StoppingCriterion
    except ImportError:
        log.warning("PyVRP engine skipped: pyvrp is not installed (pip install 'pyvrp>=0.14')")
        return None
    started = time.monotonic()
    data, client_node, pairs, type_vehicles = _build(model, vehicles)
    deadline = started + max(0.1, time_limit_s)

    class _Deadline:
        # PyVRP's MaxRuntime counts from its first call, after the first local search: ours from the start
        def __call__(self, best_cost: float) -> bool:
            return time.monotonic() >= deadline

    criteria: list[StoppingCriterion] = [_Deadline()]
    if stop is not None:
        asked = stop

        class _Asked:
            def __call__(self, best_cost: float) -> bool:
                return bool(asked())

        criteria.append(_Asked())
    if feasible_after_s is not None:
        soonest = started + feasible_after_s

        class _Feasible:
            def __call__(self, best_cost: float) -> bool:
                # PyVRP passes the best plan's cost: the largest int64 while that plan is infeasible
                return best_cost < INT_MAX and time.monotonic() >= soonest

        criteria.append(_Feasible())
    if give_up_after_s is not None:
        hopeless = started + give_up_after_s

        class _GiveUp:
            def __call__(self, best_cost: float) -> bool:
                # PyVRP's cost of an infeasible best is the largest int64
                return best_cost >= INT_MAX and time.monotonic() >= hopeless

        criteria.append(_GiveUp())
    stop_when = MultipleCriteria(criteria)
    if construct and initial is None and model.windows is not None and model.minimise_vehicles:
        # regret insertion in a share of the time: a better start than PyVRP's own (seeds 600-699, README)
        start_s = max(0.1, CONSTRUCT_SHARE * (deadline - time.monotonic()))
        built = insertion_routes(model, start_s, seed, stop, quick_finish=False)
        if built is not None and (vehicles is None or all(not r or v in vehicles for v, r in enumerate(built))):
            initial = built
    with warnings.catch_warnings():
        # PyVRP warns when a penalty reaches its bound (it struggles to stay feasible); its plan is
        # re-checked and an infeasible one repaired or dropped by the caller, so the warning adds nothing
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        if initial is not None:
            result = pyvrp.solve(
                data,
                stop=stop_when,
                seed=seed,
                display=False,
                initial_solution=_initial(data, model, initial, client_node, type_vehicles),
            )
        elif model.num_nodes > ROUGH_START_NODES:
            result = _solve_from(
                data, _initial(data, model, rough_routes(model), client_node, type_vehicles), stop_when, seed
            )
        else:
            result = pyvrp.solve(data, stop=stop_when, seed=seed, display=False)
    feasible = result.is_feasible()
    log.info(
        "PyVRP engine: %s plan after %.1f s", "feasible" if feasible else "no feasible", time.monotonic() - started
    )
    names = {
        pyvrp.ActivityType.CLIENT: "client",
        pyvrp.ActivityType.PICKUP: "pickup",
        pyvrp.ActivityType.DELIVERY: "delivery",
    }
    out: list[tuple[int, ...]] = [() for _ in range(model.num_vehicles)]
    free = [list(vans) for vans in type_vehicles]  # each route takes the next van of its type
    for route in result.best.routes():
        nodes = []
        for act in route.schedule():
            kind = names.get(act.type)
            if kind == "client":
                nodes.append(client_node[int(act.idx)])
            elif kind == "pickup":
                nodes.append(pairs[int(act.idx)][0])
            elif kind == "delivery":
                nodes.append(pairs[int(act.idx)][1])
        out[free[int(route.vehicle_type())].pop(0)] = tuple(nodes)
    return tuple(out), feasible


def _with_fewer_vans(
    model: NodeModel,
    time_limit_s: float,
    seed: int,
    stop: Callable[[], bool] | None,
    feasible_after_s: float | None,
    initial: tuple[tuple[int, ...], ...] | None,
    vehicles: list[int] | None,
    share: float,
    sequential: Sequence[Variant] = (),
    vroom: bool = False,
) -> tuple[tuple[tuple[int, ...], ...], bool] | None:
    started = time.monotonic()
    if initial is None and model.windows is not None and pyvrp_supports(model) is None:
        from routing.vroom_engine import branch_day_start

        # the OR-Tools worker builds from VROOM's first heuristic, this worker from its second (START_STRIDE)
        from_vroom = branch_day_start(model, time_limit_s, stop, first=1) if vroom else None
        initial = insertion_routes(model, CONSTRUCT_SHARE * (1 - share) * time_limit_s, seed, stop, quick_finish=False)
        initial = better_start(model, initial, from_vroom)
        if (
            initial is not None
            and from_vroom is None
            and sequential
            and pickups_gather(model)
            and not (stop is not None and stop())
        ):
            # one van at a time, several variants: the better start of the two (README, round 8; preferring the
            # sequential start on equal vans was tried and not kept)
            initial = better_start(
                model,
                initial,
                best_sequential_routes(
                    model,
                    SEQUENTIAL_SHARE * time_limit_s,
                    stop,
                    sequential,
                    EXPECTED_PER_INSERTION * (time.monotonic() - started),
                ),
            )
        if initial is None:
            # the start did not finish in its share (a large day, a loaded machine): PyVRP runs from its
            # own start for all the time left, as before, without the one-van-fewer try
            return pyvrp_plan(
                model,
                time_limit_s - (time.monotonic() - started),
                seed,
                stop,
                feasible_after_s,
                None,
                vehicles,
                construct=False,
            )
        if pickups_gather(model) and not (stop is not None and stop()):
            initial, _ = minimise_routes(
                model, initial, START_EJECTION_SHARE * time_limit_s, seed=seed, random_insert=False, stop=stop
            )
    if initial is not None:
        # the main run goes group by group first on days whose orders are collected at shops (3-10 % less driving
        # with the same vans on tuning days 2007-2401, README round 10)
        main_s = time_limit_s * (1 - share) - (time.monotonic() - started)
        initial = groups_first(model, initial, main_s, seed + 5, stop, vroom)
    found = pyvrp_plan(
        model,
        time_limit_s * (1 - share) - (time.monotonic() - started),
        seed,
        stop,
        feasible_after_s,
        initial,
        vehicles,
    )
    left = time_limit_s - (time.monotonic() - started)
    if found is None or left < 0.3 or (stop is not None and stop()):
        return found
    routes, feasible = found
    if not feasible:
        # no feasible plan yet: the rest of the time goes on from where it stands, same fleet
        return pyvrp_plan(model, left, seed, stop, None, routes, vehicles)
    used = [v for v in range(model.num_vehicles) if routes[v]]
    if len(used) < 2:
        return found
    keep = vans_but_the_smallest(routes)
    restarts = restarts_apply(model, vroom)
    # where restarts apply, the try ends once it holds a feasible plan and PyVRP restarts from there (restarted);
    # on days where a polish comes first, the try keeps the last of its time for that polish of its plan
    try_s = left if restarts else left * (1 - FEWER_VANS_POLISH_SHARE)
    fewer = pyvrp_plan(
        model,
        try_s,
        seed + 1,
        stop,
        0.0 if restarts else None,
        tuple(routes[v] if v in keep else () for v in range(model.num_vehicles)),
        keep,
        give_up_after_s=FEWER_VANS_GIVE_UP_SHARE * left,
    )
    if fewer is not None and fewer[1]:
        log.info("PyVRP engine: %d vans instead of %d", len(keep), len(used))
        left = time_limit_s - (time.monotonic() - started)
        if left < 0.3 or (stop is not None and stop()):
            return fewer
        if restarts:
            return restarted(model, fewer[0], keep, left, time_limit_s * RESTART_SHARE, seed + 7, stop), True
        return groups_first(model, fewer[0], left, seed + 4, stop, vroom), True
    left = time_limit_s - (time.monotonic() - started)
    if left < 0.3 or (stop is not None and stop()):
        return found
    # no feasible plan with a van fewer: the time left goes on driving, from the plan found (route groups first
    # on days whose orders are collected at shops)
    grouped = groups_first(model, routes, left, seed + 3, stop, vroom)
    if grouped != routes:
        routes = grouped
        found = routes, True
    left = time_limit_s - (time.monotonic() - started)
    if left < 0.3 or (stop is not None and stop()):
        return found
    if restarts:
        return restarted(model, routes, used, left, time_limit_s * RESTART_SHARE, seed + 2, stop), True
    again = pyvrp_plan(model, left, seed + 2, stop, None, routes, vehicles)
    if again is not None and again[1] and model.routes_key(again[0]) < model.routes_key(routes):
        return again
    return found


def restarts_apply(model: NodeModel, vroom: bool) -> bool:
    """Whether PyVRP's searches for driving run as :func:`restarted` runs: where vans count and no route-group polish
    comes first (:func:`routing.decompose.polish_applies`; public instances rather than branch days)."""
    return model.minimise_vehicles and not (vroom and polish_applies(model))


def restarted(
    model: NodeModel,
    routes: tuple[tuple[int, ...], ...],
    vehicles: list[int],
    time_limit_s: float,
    restart_s: float,
    seed: int,
    stop: Callable[[], bool] | None,
) -> tuple[tuple[int, ...], ...]:
    """The best of PyVRP runs of at most ``restart_s`` each from the best plan so far, each with a new seed, on
    ``vehicles``, until ``time_limit_s``: the plan leaves the basin one run falls into (:data:`RESTART_SHARE`)."""
    started = time.monotonic()
    while not (stop is not None and stop()):
        left = time_limit_s - (time.monotonic() - started)
        if left < 0.3:
            break
        again = pyvrp_plan(model, min(left, max(restart_s, 0.3)), seed, stop, None, routes, vehicles)
        seed += 1
        if again is not None and again[1] and model.routes_key(again[0]) < model.routes_key(routes):
            routes = again[0]
    return routes


def pyvrp_search(
    model: NodeModel, time_limit_s: float, seed: int = 0, stop: Callable[[], bool] | None = None
) -> tuple[tuple[int, ...], ...] | None:
    """PyVRP's best feasible plan as node routes per vehicle, or None (not installed, not exact, nothing feasible)."""
    found = pyvrp_plan(model, time_limit_s, seed, stop)
    if found is None or not found[1]:
        return None
    return found[0]
