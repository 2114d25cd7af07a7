"""The one module that talks to OR-Tools.

Everything above this layer speaks in *nodes* (0..n-1) of an integer
:class:`NodeModel`; everything OR-Tools-specific (index managers, callbacks,
dimensions, search parameters, index <-> node juggling) stays in here.

The search follows the hierarchical objective of the product and of the
literature: serve every visit that can be served, then use as few vehicles as
possible, then minimise total arc cost. It runs in up to three phases:

1. a first solution with the whole fleet (a portfolio of construction
   heuristics, one per worker), improved by guided local search with a
   per-vehicle fixed cost so that routes merge;
2. optionally, route elimination: drop the smallest route, warm-start the
   remaining routes on one vehicle fewer, and let guided local search
   re-insert the orphaned visits (stopping as soon as all are in);
3. cost minimisation with the final fleet (no fixed cost) until the limit.

:func:`solve_parallel` runs independent workers (different construction
heuristics) in separate processes and keeps the best answer.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import time
from dataclasses import dataclass, field

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from ortools.util import optional_boolean_pb2

_FSS = routing_enums_pb2.FirstSolutionStrategy
_LSM = routing_enums_pb2.LocalSearchMetaheuristic

#: Largest time value handed to OR-Tools (keeps cumul arithmetic far from overflow).
MAX_HORIZON = 10**12


@dataclass(frozen=True)
class NodeModel:
    """An integer routing model indexed by node.

    Nodes that appear in ``starts``/``ends`` are depots; every other node is a
    visit that must be served exactly once (or dropped at ``drop_penalty`` when
    that is not ``None``). ``windows`` is ``None`` for problems without time
    (then ``travel`` is ignored); otherwise service at a node must *start*
    inside one of its windows and the arc ``i -> j`` takes
    ``service[i] + travel[i, j]`` time units.
    """

    cost: np.ndarray
    demand: np.ndarray
    capacity: tuple[int, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    travel: np.ndarray | None = None
    service: np.ndarray | None = None
    windows: tuple[tuple[tuple[int, int], ...], ...] | None = None
    shifts: tuple[tuple[int, int], ...] | None = None
    max_duration: tuple[int | None, ...] | None = None
    pairs: tuple[tuple[int, int], ...] = ()
    drop_penalty: int | None = None
    minimise_vehicles: bool = True

    @property
    def num_nodes(self) -> int:
        """Number of nodes, depots included."""
        return int(self.cost.shape[0])

    @property
    def num_vehicles(self) -> int:
        """Size of the fleet."""
        return len(self.starts)

    @property
    def visits(self) -> list[int]:
        """Nodes that are not a vehicle start or end."""
        depots = set(self.starts) | set(self.ends)
        return [i for i in range(self.num_nodes) if i not in depots]


@dataclass(frozen=True)
class EngineSolution:
    """Routes per vehicle (visit nodes only), dropped visits and arc cost."""

    routes: tuple[tuple[int, ...], ...]
    dropped: tuple[int, ...]
    cost: int
    found: bool = True
    phases: tuple[str, ...] = field(default=())

    @property
    def vehicles_used(self) -> int:
        """Number of non-empty routes."""
        return sum(1 for r in self.routes if r)

    def key(self) -> tuple[int, int, int]:
        """Lexicographic quality: fewer drops, fewer vehicles, lower cost."""
        return (len(self.dropped), self.vehicles_used, self.cost)


@dataclass(frozen=True)
class Strategy:
    """One worker's recipe.

    ``fleet_mode`` says how the vehicle count is driven down before the cost
    phase: ``"fixed"`` runs guided local search with a per-vehicle fixed cost
    (``fixed_factor`` × longest arc) for ``reduce_share`` of the time;
    ``"eliminate"`` runs a short first phase and then route-elimination
    attempts (``attempt_share`` of the time each, up to ``victims`` failed
    attempts in a row) until ``reduce_share``; ``"both"`` does the fixed-cost
    phase for ``fixed_share`` and then eliminates. Measured on Li & Lim
    (bench_results/routing/tuning.md), ``"fixed"`` was best.
    """

    first_solution: str
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    fleet_mode: str = "fixed"
    reduce_share: float = 0.6
    fixed_share: float = 0.4
    fixed_factor: int = 4
    attempt_share: float = 0.2
    victims: int = 1
    lns: bool = False
    amortized_factor: float = 0.0
    large_model_nodes: int = 200
    large_neighbors_ratio: float = 0.2
    large_ls_neighbors_ratio: float = 1.0


def portfolio(model: NodeModel, workers: int, seed: int = 0) -> list[Strategy]:
    """Construction heuristics to run in parallel, best single choice first."""
    if model.pairs:
        names = ["PARALLEL_CHEAPEST_INSERTION", "LOCAL_CHEAPEST_INSERTION",
                 "SEQUENTIAL_CHEAPEST_INSERTION", "PATH_CHEAPEST_ARC"]
    elif model.windows is not None:
        names = ["PARALLEL_CHEAPEST_INSERTION", "PATH_CHEAPEST_ARC",
                 "LOCAL_CHEAPEST_INSERTION", "SAVINGS"]
    else:
        names = ["SAVINGS", "PATH_CHEAPEST_ARC", "PARALLEL_CHEAPEST_INSERTION",
                 "CHRISTOFIDES"]
    return [Strategy(names[(i + seed) % len(names)]) for i in range(max(1, workers))]


class _Built:
    """An OR-Tools model for a subset of the fleet, with node <-> index maps."""

    def __init__(self, model: NodeModel, vehicles: list[int], drop_penalty: int | None,
                 fixed_cost: int, amortized_factor: float = 0.0) -> None:
        self.model = model
        self.vehicles = vehicles
        starts = [model.starts[v] for v in vehicles]
        ends = [model.ends[v] for v in vehicles]
        self.manager = pywrapcp.RoutingIndexManager(model.num_nodes, len(vehicles), starts, ends)
        self.routing = pywrapcp.RoutingModel(self.manager)
        routing, manager = self.routing, self.manager
        cost_cb = routing.RegisterTransitMatrix(model.cost.astype(np.int64).tolist())
        routing.SetArcCostEvaluatorOfAllVehicles(cost_cb)
        if fixed_cost:
            routing.SetFixedCostOfAllVehicles(int(fixed_cost))
        if fixed_cost and amortized_factor > 0:
            # routes with few visits cost more than long ones: a gradient towards emptying them
            linear = int(fixed_cost * amortized_factor)
            visits = max(1, len(model.visits))
            routing.SetAmortizedCostFactorsOfAllVehicles(linear, max(1, linear // (visits * visits)))
        self.time_dim = None
        if model.windows is not None:
            self._add_time(starts, ends)
        if np.any(model.demand != 0):
            demand_cb = routing.RegisterUnaryTransitVector([int(x) for x in model.demand])
            routing.AddDimensionWithVehicleCapacity(
                demand_cb, 0, [int(model.capacity[v]) for v in vehicles], True, "load")
        solver = routing.solver()
        for p, d in model.pairs:
            pi, di = manager.NodeToIndex(p), manager.NodeToIndex(d)
            routing.AddPickupAndDelivery(pi, di)
            solver.Add(routing.VehicleVar(pi) == routing.VehicleVar(di))
            if self.time_dim is not None:
                solver.Add(self.time_dim.CumulVar(pi) <= self.time_dim.CumulVar(di))
        if drop_penalty is not None:
            paired = {n for pair in model.pairs for n in pair}
            for p, d in model.pairs:
                routing.AddDisjunction([manager.NodeToIndex(p), manager.NodeToIndex(d)],
                                       int(drop_penalty), 2)
            for node in model.visits:
                if node not in paired:
                    routing.AddDisjunction([manager.NodeToIndex(node)], int(drop_penalty))

    def _add_time(self, starts: list[int], ends: list[int]) -> None:
        model, routing, manager = self.model, self.routing, self.manager
        assert model.travel is not None and model.service is not None and model.windows is not None
        transit = model.travel.astype(np.int64) + model.service.astype(np.int64)[:, None]
        time_cb = routing.RegisterTransitMatrix(transit.tolist())
        horizon = max(max(e for w in model.windows for _, e in w) if any(model.windows) else 0,
                      max((s[1] for s in model.shifts), default=0) if model.shifts else 0)
        horizon = int(min(MAX_HORIZON, horizon))
        routing.AddDimension(time_cb, horizon, horizon, False, "time")
        dim = routing.GetDimensionOrDie("time")
        self.time_dim = dim
        for node in model.visits:
            windows = sorted(model.windows[node])
            index = manager.NodeToIndex(node)
            cumul = dim.CumulVar(index)
            cumul.SetRange(int(windows[0][0]), int(min(horizon, windows[-1][1])))
            for (_, end), (start, _) in zip(windows, windows[1:]):
                if start > end + 1:
                    cumul.RemoveInterval(int(end) + 1, int(start) - 1)
        for k, v in enumerate(self.vehicles):
            shift = model.shifts[v] if model.shifts else (0, horizon)
            sw = model.windows[starts[k]] or ((0, horizon),)
            ew = model.windows[ends[k]] or ((0, horizon),)
            start_lo = max(shift[0], min(a for a, _ in sw))
            start_hi = min(shift[1], max(b for _, b in sw))
            end_lo = max(shift[0], min(a for a, _ in ew))
            end_hi = min(shift[1], max(b for _, b in ew))
            dim.CumulVar(routing.Start(k)).SetRange(int(start_lo), int(max(start_lo, start_hi)))
            dim.CumulVar(routing.End(k)).SetRange(int(end_lo), int(max(end_lo, end_hi)))
            if model.max_duration and model.max_duration[v] is not None:
                dim.SetSpanUpperBoundForVehicle(int(model.max_duration[v]), k)
            routing.AddVariableMinimizedByFinalizer(dim.CumulVar(routing.End(k)))
            routing.AddVariableMaximizedByFinalizer(dim.CumulVar(routing.Start(k)))

    def params(self, strategy: Strategy, time_limit_s: float) -> object:
        """Search parameters for one phase."""
        p = pywrapcp.DefaultRoutingSearchParameters()
        p.first_solution_strategy = getattr(_FSS, strategy.first_solution)
        p.local_search_metaheuristic = getattr(_LSM, strategy.metaheuristic)
        if strategy.lns:
            ops = p.local_search_operators
            on = optional_boolean_pb2.BOOL_TRUE
            ops.use_path_lns = on
            ops.use_inactive_lns = on
            ops.use_relocate_and_make_active = on
            ops.use_node_pair_swap_active = on
        p.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
        if self.model.num_nodes > strategy.large_model_nodes:
            # branch days have hundreds of nodes: insertion heuristics only look at near neighbours
            p.global_cheapest_insertion_first_solution_parameters.neighbors_ratio = strategy.large_neighbors_ratio
            p.global_cheapest_insertion_first_solution_parameters.min_neighbors = 10
            p.ls_operator_neighbors_ratio = strategy.large_ls_neighbors_ratio
            p.ls_operator_min_neighbors = 10
        return p

    def routes_to_lists(self, routes: list[list[int]]) -> list[list[int]]:
        """Node routes per model vehicle -> OR-Tools index routes."""
        return [[self.manager.NodeToIndex(n) for n in r] for r in routes]

    def read(self, assignment: object) -> EngineSolution:
        """Turn an OR-Tools assignment into node routes per fleet vehicle."""
        routing, manager, model = self.routing, self.manager, self.model
        per_vehicle: list[tuple[int, ...]] = [() for _ in range(model.num_vehicles)]
        served: set[int] = set()
        cost = 0
        for k, v in enumerate(self.vehicles):
            index = routing.Start(k)
            nodes: list[int] = []
            prev = manager.IndexToNode(index)
            index = assignment.Value(routing.NextVar(index))
            while not routing.IsEnd(index):
                node = manager.IndexToNode(index)
                nodes.append(node)
                cost += int(model.cost[prev, node])
                prev = node
                index = assignment.Value(routing.NextVar(index))
            if nodes:
                cost += int(model.cost[prev, manager.IndexToNode(index)])
            per_vehicle[v] = tuple(nodes)
            served.update(nodes)
        dropped = tuple(n for n in model.visits if n not in served)
        return EngineSolution(tuple(per_vehicle), dropped, cost)


def _penalty(model: NodeModel) -> int:
    """A drop penalty dwarfing any possible route cost."""
    return int(min(2**50, (int(model.cost.max()) + 1) * (model.num_nodes + 1) * 4))


def _solve_phase(built: _Built, strategy: Strategy, time_limit_s: float,
                 warm: list[list[int]] | None = None,
                 stop_when_complete: bool = False, first_only: bool = False) -> EngineSolution | None:
    """One OR-Tools search; returns ``None`` when nothing was found."""
    routing = built.routing
    params = built.params(strategy, time_limit_s)
    if first_only:
        params.local_search_metaheuristic = _LSM.GREEDY_DESCENT
        params.solution_limit = 1
    if stop_when_complete:
        def _check() -> None:
            # all visits served <=> no penalty in the objective
            if routing.CostVar().Value() < _penalty(built.model):
                routing.CancelSearch()
        routing.AddAtSolutionCallback(_check)
    routing.CloseModelWithParameters(params)
    if warm is not None:
        initial = routing.ReadAssignmentFromRoutes(built.routes_to_lists(warm), True)
        if initial is None:
            return None
        assignment = routing.SolveFromAssignmentWithParameters(initial, params)
    else:
        assignment = routing.SolveWithParameters(params)
    if assignment is None:
        return None
    return built.read(assignment)


def search(model: NodeModel, time_limit_s: float, strategy: Strategy) -> EngineSolution:
    """Fleet phase (fixed cost and/or route elimination), then cost phase, within the limit."""
    t0 = time.monotonic()
    deadline = t0 + time_limit_s

    def left() -> float:
        return deadline - time.monotonic()

    all_vehicles = list(range(model.num_vehicles))
    drop = model.drop_penalty
    penalty = _penalty(model)
    fixed = (int(model.cost.max()) + 1) * strategy.fixed_factor if model.minimise_vehicles else 0
    phases: list[str] = []

    # Phase 1: whole fleet. Visits are optional only if the caller allows drops.
    built = _Built(model, all_vehicles, None if drop is None else penalty, fixed, strategy.amortized_factor)
    share = 0.0
    if model.minimise_vehicles:
        share = {"fixed": strategy.reduce_share, "both": strategy.fixed_share}.get(strategy.fleet_mode, 0.15)
    first = _solve_phase(built, strategy, max(0.2, time_limit_s * share + 0.05))
    if first is None:
        # nothing within the slice (large day, loaded machine): settle for any first solution,
        # even if that overruns a very short limit a little
        built = _Built(model, all_vehicles, None if drop is None else penalty, fixed)
        first = _solve_phase(built, strategy, max(2.0, left()), first_only=True)
    if first is None and drop is None:
        # mandatory visits and no solution: let nothing be silently lost, try optional
        built = _Built(model, all_vehicles, penalty, fixed)
        first = _solve_phase(built, strategy, max(0.2, left() * 0.3))
    if first is None:
        return EngineSolution(tuple(() for _ in all_vehicles), tuple(model.visits), 0, found=False)
    best = first
    phases.append(f"first:{first.vehicles_used}v")

    # Phase 2: route elimination.
    if model.minimise_vehicles and best.vehicles_used > 1 and strategy.fleet_mode != "fixed":
        reduce_until = t0 + time_limit_s * strategy.reduce_share
        failures = 0
        while best.vehicles_used > 1 and time.monotonic() < reduce_until - 0.1:
            used = [v for v in all_vehicles if best.routes[v]]
            ranked = sorted(used, key=lambda v: (len(best.routes[v]), v))
            victim = ranked[min(failures, len(ranked) - 1)]
            keep = [v for v in used if v != victim]
            built = _Built(model, keep, penalty, 0)
            warm = [list(best.routes[v]) for v in keep]
            slice_s = min(reduce_until - time.monotonic(), max(1.0, time_limit_s * strategy.attempt_share))
            trial = _solve_phase(built, strategy, slice_s, warm, stop_when_complete=True)
            if trial is None or len(trial.dropped) > len(best.dropped):
                phases.append(f"reduce-fail:{len(keep)}v")
                failures += 1
                if failures >= strategy.victims:
                    break
                continue
            best = trial
            failures = 0
            phases.append(f"reduce:{trial.vehicles_used}v")

    # Phase 3: cost with the final fleet.
    if left() > 0.1:
        used = [v for v in all_vehicles if best.routes[v]] or all_vehicles[:1]
        allow_drop = drop is not None or bool(best.dropped)
        # with visits still dropped, idle vehicles stay available (at their fixed cost)
        keep_all = not model.minimise_vehicles or bool(best.dropped)
        vehicles = all_vehicles if keep_all else used
        built = _Built(model, vehicles, penalty if allow_drop else None, fixed if best.dropped else 0)
        warm = [list(best.routes[v]) for v in vehicles]
        final = _solve_phase(built, strategy, left(), warm)
        if final is not None and final.key() <= best.key():
            best = final
            phases.append("cost")
    return EngineSolution(best.routes, best.dropped, best.cost, True, tuple(phases))


def _search_job(args: tuple[NodeModel, float, Strategy]) -> EngineSolution:
    return search(*args)


def solve_parallel(model: NodeModel, time_limit_s: float, workers: int = 2,
                   seed: int = 0) -> EngineSolution:
    """Run ``workers`` independent searches (separate processes) and keep the best.

    ``seed`` rotates the portfolio, so different seeds try different heuristics first.
    """
    strategies = portfolio(model, workers, seed)
    if workers <= 1:
        return search(model, time_limit_s, strategies[0])
    # fork keeps the library usable from scripts without a __main__ guard;
    # the parent never runs OR-Tools in this function, so forking is safe.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        jobs = [pool.submit(_search_job, (model, time_limit_s, s)) for s in strategies]
        results = [j.result() for j in jobs]
    found = [r for r in results if r.found] or results
    return min(found, key=EngineSolution.key)
