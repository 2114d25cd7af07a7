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
2. for time-window models, guided ejection search (:mod:`routing.ejection`,
   pure Python): first force in any visits the first phase left out, then
   take routes away one at a time while every visit still fits (the older
   OR-Tools route-elimination loop is kept as an option);
3. cost minimisation with the final fleet (no fixed cost) until the limit,
   warm-started from phase 2; OR-Tools re-checks that plan as it loads it. On
   models of benchmark size, guided local search hands most of this phase to
   the annealed large neighbourhood search of :mod:`routing.lns` and polishes
   its best plan at the end (OR-Tools re-checks that one too).

:func:`solve_parallel` runs independent workers (different construction
heuristics) in separate processes and keeps the best answer.

With PyVRP among the engines (:mod:`routing.pyvrp_engine`), one worker is
PyVRP alone for the whole time; the others take their first plan from a short
PyVRP run on days of more than 400 nodes (OR-Tools' construction does not
finish in time there), and after the ejection search hand the plan back to
PyVRP, held to its vans, for the cost phase. On days whose orders are
collected at shops, PyVRP goes a few neighbouring routes at a time before it
searches the whole day (:mod:`routing.decompose`). Every plan found outside
OR-Tools is re-checked by :mod:`routing.modelcheck` (and on models of up to
600 nodes by loading it into the OR-Tools model) before it counts; a plan that
fails is dropped and logged with the reason. On time-window days of 500
requests or more (a hub's day) the PyVRP worker plans the day region by region first and
then as a whole (:mod:`routing.large`); on CVRP models of more than 200 nodes
every worker runs PyVRP.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import logging

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from routing.ejection import insert_dropped, minimise_routes, pickups_gather
from routing.large import is_large_day
from routing.lns import improve_cost
from routing.sequential import VARIANTS, Variant
from routing.windows import merge_windows

if TYPE_CHECKING:
    from multiprocessing.queues import Queue
    from multiprocessing.synchronize import Event

log = logging.getLogger(__name__)

_FSS = routing_enums_pb2.FirstSolutionStrategy
_LSM = routing_enums_pb2.LocalSearchMetaheuristic

#: Largest time value handed to OR-Tools (keeps cumul arithmetic far from overflow).
MAX_HORIZON = 10**12

#: With PyVRP in the portfolio, on days whose orders are collected at shops, the OR-Tools workers' ejection search
#: ends at this share of the time at the latest: the PyVRP polish by route groups gets the rest (README, round 10:
#: against the usual share, 12 tuning days, 0.7-3.3 % less driving on 5, within 0.4 % or the same on 7, the same
#: vans on all).
BRANCH_DAY_REDUCE_SHARE = 0.4

#: Above this many nodes every worker of a portfolio with PyVRP runs PyVRP (different seeds).
PYVRP_ONLY_NODES = 1000
#: CVRP models (no time, vans free) above this many nodes: every worker runs PyVRP (different seeds). The
#: OR-Tools worker's plan lost to PyVRP's on every CVRPLIB X instance of 204-613 customers (README, round 2).
PYVRP_ONLY_CVRP_NODES = 200
#: Up to this many nodes a fixed plan is also re-checked by loading it into the OR-Tools model.
ORTOOLS_RECHECK_MAX_NODES = 600

#: Asked often during every phase; True ends the search with the best plan so far.
StopCheck = Callable[[], bool]


def _never() -> bool:
    return False


#: Vans first, then driving: every engine (OR-Tools' fleet phase, PyVRP) and every peer in
#: :mod:`routing.versus` charges a used van this many times the model's longest arc.
VAN_FIXED_COST_LONGEST_ARCS = 4


@dataclass(frozen=True)
class NodeModel:
    """An integer routing model indexed by node.

    Nodes that appear in ``starts``/``ends`` are depots; every other node is a
    visit that must be served exactly once, or may be dropped when
    ``drop_penalty`` is not ``None`` (at a penalty dwarfing any route cost,
    whatever the value given). ``windows`` is ``None`` for problems without time
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

    def routes_cost(self, routes: Sequence[Sequence[int]]) -> int:
        """Arc cost of node routes (one per vehicle), from each vehicle's start to its end; empty routes cost 0."""
        return self._along(self.cost, routes)

    def routes_travel_s(self, routes: Sequence[Sequence[int]]) -> int:
        """Travel seconds of node routes (driving plus any time the model charges on arcs, such as loading at a
        shop), counted like :meth:`routes_cost`; the cost where no travel matrix is given."""
        return self._along(self.travel if self.travel is not None else self.cost, routes)

    def _along(self, matrix: np.ndarray, routes: Sequence[Sequence[int]]) -> int:
        total = 0
        for v, r in enumerate(routes):
            if r:
                path = [self.starts[v], *r, self.ends[v]]
                total += int(sum(int(matrix[a, b]) for a, b in zip(path, path[1:])))
        return total

    def routes_key(self, routes: Sequence[Sequence[int]]) -> tuple[int, int]:
        """Vans used, then cost: the order in which two feasible plans of the same visits compare."""
        return sum(1 for r in routes if r), self.routes_cost(routes)

    def van_fixed_cost(self, longest_arcs: int = VAN_FIXED_COST_LONGEST_ARCS) -> int:
        """What a used van costs on top of its arcs when vans count (``longest_arcs`` times the longest arc, plus
        one each), else 0: the same charge in every engine."""
        return (int(self.cost.max()) + 1) * longest_arcs if self.minimise_vehicles else 0

    def unserved(self, routes: Sequence[Sequence[int]]) -> tuple[int, ...]:
        """The visits on none of the routes."""
        served = {n for r in routes for n in r}
        return tuple(n for n in self.visits if n not in served)


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

    def key(self, minimise_vehicles: bool = True) -> tuple[int, int, int]:
        """Lexicographic quality: fewer drops, fewer vehicles (when they count), lower cost."""
        return (len(self.dropped), self.vehicles_used if minimise_vehicles else 0, self.cost)


@dataclass(frozen=True)
class Strategy:
    """One worker's recipe.

    ``fleet_mode`` says how the vehicle count is driven down before the cost
    phase: ``"fixed"`` runs guided local search with a per-vehicle fixed cost
    (``fixed_factor`` × longest arc) for ``reduce_share`` of the time;
    ``"eliminate"`` runs a short first phase and then route-elimination
    attempts (``attempt_share`` of the time each, up to ``victims`` failed
    attempts in a row) until ``reduce_share``; ``"both"`` does the fixed-cost
    phase for ``fixed_share`` and then eliminates; ``"ges"`` runs the
    fixed-cost phase for ``fixed_share`` and then guided ejection search
    (``routing.ejection``, seeded by ``seed``) until ``reduce_share``.
    Measured on Li & Lim (bench_results/routing/tuning.md): ``"ges"`` beats
    ``"fixed"``, which beat the two elimination modes; it is the default for
    time-window models. ``cost_lns`` hands the cost phase, after ``cost_lns_start_share`` of it in
    guided local search, to the annealed large neighbourhood search of
    :mod:`routing.lns`, and gives guided local search the last
    ``cost_lns_polish_share`` (models of up to ``cost_lns_max_nodes`` nodes). The
    measurements behind each default are in bench_results/routing/tuning.md.

    ``engine="pyvrp"``: PyVRP searches for ``pyvrp_share`` of the time with the
    settings a stand-alone PyVRP run gets, and its plan comes back as found
    (after the cheap re-check); OR-Tools takes over only if PyVRP cannot model
    the day. ``pyvrp_start``: on time-window models of more than
    ``pyvrp_start_nodes`` nodes the first solution comes from a short PyVRP run
    (it ends once feasible after ``pyvrp_start_min_share``, at most
    ``pyvrp_start_share`` of the time) instead of OR-Tools' construction, which
    does not finish in time on days of several hundred orders.
    """

    first_solution: str
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    fleet_mode: str = "fixed"
    reduce_share: float = 0.6
    fixed_share: float = 0.4
    fixed_factor: int = VAN_FIXED_COST_LONGEST_ARCS
    attempt_share: float = 0.2
    victims: int = 1
    amortized_factor: float = 0.0
    large_model_nodes: int = 200
    large_neighbors_ratio: float = 0.2
    large_ls_neighbors_ratio: float = 1.0
    seed: int = 0
    cost_lns: bool = False
    cost_lns_start_share: float = 0.1
    cost_lns_polish_share: float = 0.1
    cost_lns_max_nodes: int = 1000
    cost_lns_hot_share: float = 0.03
    engine: str = "ortools"
    pyvrp_share: float = 0.97
    pyvrp_start: bool = False
    pyvrp_start_nodes: int = 400
    pyvrp_start_share: float = 0.3
    pyvrp_start_min_share: float = 0.1
    #: "ges" on time-window models: the first plan comes from regret insertion (routing.construct) when it
    #: places every visit within this share of the time, else from OR-Tools' construction
    construct_share: float = 0.25
    #: On days whose orders are collected at shops (routing.ejection.pickups_gather), the start is the better of
    #: the regret insertion and the sequential construction's variants routing.sequential.VARIANTS[k::2] (k this
    #: value; None: all of them): the two workers of a portfolio build different variants
    sequential_half: int | None = None
    #: VROOM builds a start and begins each polish on branch days (routing.vroom_engine; "vroom" in the engines)
    vroom: bool = False


def portfolio(model: NodeModel, workers: int, seed: int = 0, engines: tuple[str, ...] = ("ortools",)) -> list[Strategy]:
    """Construction heuristics to run in parallel, best single choice first.

    With two or more workers and ``"pyvrp"`` in ``engines``, the last worker
    starts from PyVRP's plan instead of an OR-Tools first solution.
    """
    from routing.decompose import polish_applies

    strategies = [replace(s, vroom="vroom" in engines) for s in _ortools_portfolio(model, workers, seed)]
    if "pyvrp" not in engines:
        return strategies
    strategies = [replace(s, pyvrp_start=True) for s in strategies]
    if model.num_nodes > PYVRP_ONLY_NODES or (
        model.windows is None and not model.minimise_vehicles and model.num_nodes > PYVRP_ONLY_CVRP_NODES
    ):
        # OR-Tools' models and phases do not fit the time on days this large, and on large CVRP
        # models its large neighbourhood search loses to PyVRP: every worker runs PyVRP
        return [replace(s, engine="pyvrp", seed=seed + i) for i, s in enumerate(strategies)]
    if workers >= 2:
        # the PyVRP worker runs as a stand-alone PyVRP run with the caller's seed would; it builds the first
        # half of the sequential construction's variants, the OR-Tools workers the second
        strategies = [replace(s, sequential_half=1) for s in strategies]
        if model.windows is not None and polish_applies(model):
            # on branch days the OR-Tools worker's ejection search ends sooner: its route groups get the rest
            strategies = [replace(s, reduce_share=min(s.reduce_share, BRANCH_DAY_REDUCE_SHARE)) for s in strategies]
        strategies[-1] = replace(strategies[-1], engine="pyvrp", seed=seed, sequential_half=0)
    return strategies


def _ortools_portfolio(model: NodeModel, workers: int, seed: int = 0) -> list[Strategy]:
    if model.pairs:
        names = [
            "PARALLEL_CHEAPEST_INSERTION",
            "LOCAL_CHEAPEST_INSERTION",
            "SEQUENTIAL_CHEAPEST_INSERTION",
            "PATH_CHEAPEST_ARC",
        ]
    elif model.windows is not None:
        names = ["PARALLEL_CHEAPEST_INSERTION", "PATH_CHEAPEST_ARC", "LOCAL_CHEAPEST_INSERTION", "SAVINGS"]
    else:
        names = ["SAVINGS", "PATH_CHEAPEST_ARC", "PARALLEL_CHEAPEST_INSERTION", "CHRISTOFIDES"]
    if model.windows is not None and model.minimise_vehicles:
        # time windows: a short OR-Tools start, then guided ejection search takes routes away
        # worker 0 gives the ejection search half the time (fewest vans), worker 1 a quarter
        # (more time for driving); the best of the two wins. Both spend their cost phase in
        # large neighbourhood search, which leaves guided local search's basin (routing.lns).
        return [
            Strategy(
                names[(i + seed) % len(names)],
                fleet_mode="ges",
                fixed_share=0.1,
                reduce_share=0.55 if i % 2 == 0 else 0.25,
                seed=seed * 101 + i,
                cost_lns=True,
            )
            for i in range(max(1, workers))
        ]
    if not model.minimise_vehicles:
        # CVRP: guided local search stalls here too (tuning.md)
        # a cooler annealing start measured better here than on time-window models
        return [
            Strategy(names[(i + seed) % len(names)], cost_lns=True, cost_lns_hot_share=0.005, seed=seed * 101 + i)
            for i in range(max(1, workers))
        ]
    return [Strategy(names[(i + seed) % len(names)]) for i in range(max(1, workers))]


class _Built:
    """An OR-Tools model for a subset of the fleet, with node <-> index maps."""

    def __init__(
        self,
        model: NodeModel,
        vehicles: list[int],
        drop_penalty: int | None,
        fixed_cost: int,
        amortized_factor: float = 0.0,
    ) -> None:
        self.model = model
        self.vehicles = vehicles
        self.stop_limit: object | None = None
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
                demand_cb, 0, [int(model.capacity[v]) for v in vehicles], True, "load"
            )
        solver = routing.solver()
        for p, d in model.pairs:
            pi, di = manager.NodeToIndex(p), manager.NodeToIndex(d)
            routing.AddPickupAndDelivery(pi, di)
            solver.Add(routing.VehicleVar(pi) == routing.VehicleVar(di))
            if self.time_dim is not None:
                solver.Add(self.time_dim.CumulVar(pi) <= self.time_dim.CumulVar(di))
        # depots of vehicles left out of this model are plain nodes to OR-Tools: keep them off every route
        # (without this, a fleet subset with their own depots, as on branch days, had unreachable plans)
        for node in sorted((set(model.starts) | set(model.ends)) - set(starts) - set(ends)):
            index = manager.NodeToIndex(node)
            routing.AddDisjunction([index], 0)
            solver.Add(routing.ActiveVar(index) == 0)
        if drop_penalty is not None:
            paired = {n for pair in model.pairs for n in pair}
            for p, d in model.pairs:
                routing.AddDisjunction([manager.NodeToIndex(p), manager.NodeToIndex(d)], int(drop_penalty), 2)
            for node in model.visits:
                if node not in paired:
                    routing.AddDisjunction([manager.NodeToIndex(node)], int(drop_penalty))

    def _add_time(self, starts: list[int], ends: list[int]) -> None:
        model, routing, manager = self.model, self.routing, self.manager
        assert model.travel is not None and model.service is not None and model.windows is not None
        transit = model.travel.astype(np.int64) + model.service.astype(np.int64)[:, None]
        time_cb = routing.RegisterTransitMatrix(transit.tolist())
        horizon = max(
            max(e for w in model.windows for _, e in w) if any(model.windows) else 0,
            max((s[1] for s in model.shifts), default=0) if model.shifts else 0,
        )
        horizon = int(min(MAX_HORIZON, horizon))
        routing.AddDimension(time_cb, horizon, horizon, False, "time")
        dim = routing.GetDimensionOrDie("time")
        self.time_dim = dim
        for node in model.visits:
            windows = merge_windows(model.windows[node]) or ((0, horizon),)
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
            longest = model.max_duration[v] if model.max_duration else None
            if longest is not None:
                dim.SetSpanUpperBoundForVehicle(int(longest), k)
            routing.AddVariableMinimizedByFinalizer(dim.CumulVar(routing.End(k)))
            routing.AddVariableMaximizedByFinalizer(dim.CumulVar(routing.Start(k)))

    def params(self, strategy: Strategy, time_limit_s: float) -> Any:
        """Search parameters for one phase."""
        p = pywrapcp.DefaultRoutingSearchParameters()
        p.first_solution_strategy = getattr(_FSS, strategy.first_solution)
        p.local_search_metaheuristic = getattr(_LSM, strategy.metaheuristic)
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

    def read(self, assignment: Any) -> EngineSolution:
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


def _solve_phase(
    built: _Built,
    strategy: Strategy,
    time_limit_s: float,
    warm: list[list[int]] | None = None,
    stop_when_complete: bool = False,
    first_only: bool = False,
    stop: StopCheck | None = None,
) -> EngineSolution | None:
    """One OR-Tools search; returns ``None`` when nothing was found.

    ``stop`` is polled by a search limit (OR-Tools checks limits between moves),
    so a stop request ends the phase with its best assignment so far; a phase
    without any plan yet runs on to its first one, so a stopped solve still
    returns a plan.
    """
    routing = built.routing
    params = built.params(strategy, time_limit_s)
    if stop is not None:
        have_plan = [warm is not None]
        routing.AddAtSolutionCallback(lambda: have_plan.__setitem__(0, True))
        # keep a reference: OR-Tools holds a raw pointer to the limit
        built.stop_limit = routing.solver().CustomLimit(lambda: have_plan[0] and stop())
        routing.AddSearchMonitor(built.stop_limit)
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


#: Told each better plan a phase ends with (best so far of this search).
Report = Callable[[EngineSolution], None]


def search(
    model: NodeModel,
    time_limit_s: float,
    strategy: Strategy,
    stop: StopCheck | None = None,
    report: Report | None = None,
) -> EngineSolution:
    """Fleet phase (fixed cost and/or route elimination), then cost phase, within the limit.

    ``stop`` is honoured in every phase (OR-Tools through a search limit, the
    ejection and large neighbourhood searches between steps); the best plan
    so far comes back, re-checked by OR-Tools like any other. ``report`` hears
    each phase's plan.
    """
    t0 = time.monotonic()
    deadline = t0 + time_limit_s
    stop = stop or _never
    tell = report or (lambda solution: None)

    def left() -> float:
        return 0.0 if stop() else deadline - time.monotonic()

    all_vehicles = list(range(model.num_vehicles))
    drop = model.drop_penalty
    penalty = _penalty(model)
    fixed = model.van_fixed_cost(strategy.fixed_factor)
    phases: list[str] = []

    # Phase 0: PyVRP's plan, re-checked, replaces phase 1 (the PyVRP worker returns it as found)
    first = None
    if strategy.engine == "pyvrp" and is_large_day(model):
        large = _large_day(model, strategy, time_limit_s * strategy.pyvrp_share, stop, tell, phases)
        if large is not None:
            return large
    if strategy.engine == "pyvrp":
        first = _pyvrp_first(model, strategy, time_limit_s * strategy.pyvrp_share, None, deadline, stop, phases)
        if first is not None:
            tell(first)
            return EngineSolution(first.routes, first.dropped, first.cost, True, tuple(phases))
    elif strategy.fleet_mode == "ges" and model.windows is not None:
        first = _inserted_first(
            model,
            time_limit_s * strategy.construct_share,
            strategy.seed,
            stop,
            phases,
            _sequential_variants(strategy),
            time_limit_s,
            strategy.vroom,
        )
    if (
        strategy.engine != "pyvrp"
        and (first is None or first.dropped)
        and strategy.pyvrp_start
        and model.windows is not None
        and model.num_nodes > strategy.pyvrp_start_nodes
        and model.minimise_vehicles
    ):
        # the insertion start did not place every visit: PyVRP's short run, the better of the two
        quick = _pyvrp_first(
            model,
            strategy,
            time_limit_s * strategy.pyvrp_start_share,
            time_limit_s * strategy.pyvrp_start_min_share,
            None,
            stop,
            phases,
        )
        if quick is not None and (first is None or quick.key() < first.key()):
            first = quick
        # visits a repaired PyVRP plan left out are fitted in by the ejection search (phase 2a)

    # Phase 1: whole fleet. Visits are optional only if the caller allows drops.
    share = 0.0
    if model.minimise_vehicles:
        share = {"fixed": strategy.reduce_share, "both": strategy.fixed_share, "ges": strategy.fixed_share}.get(
            strategy.fleet_mode, 0.15
        )
    if first is None:
        built = _Built(model, all_vehicles, None if drop is None else penalty, fixed, strategy.amortized_factor)
        first = _solve_phase(built, strategy, max(0.2, time_limit_s * share + 0.05), stop=stop)
    if first is None and not stop():
        # nothing within the slice (large day, loaded machine): settle for any first solution,
        # even if that overruns a very short limit a little
        built = _Built(model, all_vehicles, None if drop is None else penalty, fixed)
        first = _solve_phase(built, strategy, max(2.0, left()), first_only=True, stop=stop)
    if first is None and drop is None and not stop():
        # mandatory visits and no solution: let nothing be silently lost, try optional
        built = _Built(model, all_vehicles, penalty, fixed)
        first = _solve_phase(built, strategy, max(0.2, left() * 0.3), stop=stop)
    if first is None:
        return EngineSolution(tuple(() for _ in all_vehicles), tuple(model.visits), 0, found=False)
    best = checked = first
    phases.append(f"first:{first.vehicles_used}v")
    tell(first)

    # Phase 2a: visits the first search left out are forced in by ejection search.
    if strategy.fleet_mode == "ges" and model.windows is not None and best.dropped:
        fit_s = t0 + time_limit_s * strategy.reduce_share - time.monotonic()
        if fit_s > 0.1 and not stop():
            routes, still = insert_dropped(model, best.routes, best.dropped, fit_s, seed=strategy.seed, stop=stop)
            if not still:
                phases.append(f"fit:{len(best.dropped)}")
                best = EngineSolution(routes, (), model.routes_cost(routes))

    # Phase 2b: guided ejection search empties routes (time-window models, nothing dropped).
    if (
        strategy.fleet_mode == "ges"
        and model.minimise_vehicles
        and model.windows is not None
        and best.vehicles_used > 1
        and not best.dropped
    ):
        ges_s = t0 + time_limit_s * strategy.reduce_share - time.monotonic()
        if ges_s > 0.1 and not stop():
            routes, stats = minimise_routes(model, best.routes, ges_s, seed=strategy.seed, stop=stop)
            if stats.routes_after < stats.routes_before:
                reduced = EngineSolution(routes, (), model.routes_cost(routes))
                best = reduced
            phases.append(f"ges:{stats.routes_before}->{stats.routes_after}v/{stats.attempts}a/{stats.ejections}e")

    # Phase 2c: route elimination.
    if model.minimise_vehicles and best.vehicles_used > 1 and strategy.fleet_mode in ("eliminate", "both"):
        reduce_until = t0 + time_limit_s * strategy.reduce_share
        failures = 0
        while best.vehicles_used > 1 and time.monotonic() < reduce_until - 0.1 and not stop():
            used = [v for v in all_vehicles if best.routes[v]]
            ranked = sorted(used, key=lambda v: (len(best.routes[v]), v))
            victim = ranked[min(failures, len(ranked) - 1)]
            keep = [v for v in used if v != victim]
            built = _Built(model, keep, penalty, 0)
            warm = [list(best.routes[v]) for v in keep]
            slice_s = min(reduce_until - time.monotonic(), max(1.0, time_limit_s * strategy.attempt_share))
            trial = _solve_phase(built, strategy, slice_s, warm, stop_when_complete=True, stop=stop)
            if trial is None or len(trial.dropped) > len(best.dropped):
                phases.append(f"reduce-fail:{len(keep)}v")
                failures += 1
                if failures >= strategy.victims:
                    break
                continue
            best = trial
            failures = 0
            phases.append(f"reduce:{trial.vehicles_used}v")

    # Phase 2d: PyVRP, warm-started from the plan and held to its vans, spends the rest on driving
    if strategy.pyvrp_start and not best.dropped and best.vehicles_used and not stop():
        polish_s = t0 + time_limit_s * strategy.pyvrp_share - time.monotonic()
        if polish_s > 0.3:
            from routing.pyvrp_engine import RESTART_SHARE

            restart_s = time_limit_s * RESTART_SHARE
            polished = _pyvrp_polish(model, strategy, best, polish_s, restart_s, stop, phases)
            if polished is not None:
                if polished.key(model.minimise_vehicles) < best.key(model.minimise_vehicles):
                    best = polished
                    tell(best)
                if stop():
                    phases.append("stopped")
                return EngineSolution(best.routes, best.dropped, best.cost, True, tuple(phases))

    # Phase 3: cost with the final fleet.
    if left() > 0.1:
        used = [v for v in all_vehicles if best.routes[v]] or all_vehicles[:1]
        allow_drop = drop is not None or bool(best.dropped)
        # with visits still dropped, idle vehicles stay available (at their fixed cost)
        keep_all = not model.minimise_vehicles or bool(best.dropped)
        vehicles = all_vehicles if keep_all else used
        built = _Built(model, vehicles, penalty if allow_drop else None, fixed if best.dropped else 0)
        warm = [list(best.routes[v]) for v in vehicles]
        # large neighbourhood search: measured better than guided local search alone on every
        # benchmark set and on generated branch days of up to ~460 nodes (tuning.md)
        searching = (
            strategy.cost_lns
            and not best.dropped
            and (not keep_all or not model.minimise_vehicles)
            and model.num_nodes <= strategy.cost_lns_max_nodes
        )
        cost_s = left()
        final = _solve_phase(
            built, strategy, cost_s * (strategy.cost_lns_start_share if searching else 1.0), warm, stop=stop
        )
        if final is not None and final.key(model.minimise_vehicles) <= best.key(model.minimise_vehicles):
            best = final
            phases.append("cost")
            tell(best)
        elif final is None and best is not checked:
            # OR-Tools refused the ejection search's plan as a start: go on from what it found itself
            best = checked
            phases.append("ges-refused")
            searching = False
            if left() > 0.1:
                vehicles = all_vehicles if keep_all else [v for v in all_vehicles if best.routes[v]]
                built = _Built(model, vehicles, penalty if allow_drop else None, fixed if best.dropped else 0)
                final = _solve_phase(built, strategy, left(), [list(best.routes[v]) for v in vehicles], stop=stop)
                if final is not None and final.key(model.minimise_vehicles) <= best.key(model.minimise_vehicles):
                    best = final
        if searching and left() > 0.1:
            best = _cost_lns(model, best, strategy, deadline, cost_s, phases, stop, tell)
    elif best is not checked and _refusal(model, best) is not None:
        best = checked  # no time left to improve it, and OR-Tools does not accept the plan
        phases.append("ges-refused")
    if stop():
        phases.append("stopped")
    return EngineSolution(best.routes, best.dropped, best.cost, True, tuple(phases))


def _sequential_variants(strategy: Strategy) -> tuple[Variant, ...]:
    """The sequential construction's variants this worker builds (:attr:`Strategy.sequential_half`)."""
    return VARIANTS if strategy.sequential_half is None else VARIANTS[strategy.sequential_half :: 2]


def _inserted_first(
    model: NodeModel,
    time_limit_s: float,
    seed: int,
    stop: StopCheck,
    phases: list[str],
    sequential: Sequence[Variant] = (),
    whole_limit_s: float = 0.0,
    vroom: bool = False,
) -> EngineSolution | None:
    """The regret insertion plan of :mod:`routing.construct`, if it passes the re-check. When time runs
    out before every visit is placed, the routes built so far with the rest dropped (for the ejection
    search to fit in) if the model allows drops; otherwise None (OR-Tools' construction then runs).
    On days whose orders are collected at shops, VROOM's start (with ``vroom``:
    :func:`routing.vroom_engine.branch_day_start`) or, without it, the ``sequential`` variants of
    :mod:`routing.sequential` are built too (in :data:`routing.pyvrp_engine.SEQUENTIAL_SHARE` of
    ``whole_limit_s``, the worker's whole time), and the better plan of the two is the start."""
    from routing.construct import insertion_routes
    from routing.pyvrp_engine import SEQUENTIAL_SHARE
    from routing.sequential import EXPECTED_PER_INSERTION, best_sequential_routes, better_start
    from routing.vroom_engine import branch_day_start

    started = time.monotonic()
    from_vroom = branch_day_start(model, whole_limit_s, stop) if vroom else None
    routes = insertion_routes(model, time_limit_s, seed, stop, partial=model.drop_penalty is not None)
    if from_vroom is not None and better_start(model, routes, from_vroom) is not routes:
        routes = from_vroom
        phases.append("vroom")
    if from_vroom is None and sequential and pickups_gather(model) and not stop():
        built = best_sequential_routes(
            model,
            SEQUENTIAL_SHARE * whole_limit_s,
            stop,
            sequential,
            EXPECTED_PER_INSERTION * (time.monotonic() - started),
        )
        if better_start(model, routes, built) is not routes:
            routes = built
            phases.append("sequential")
    if routes is None or not any(routes):
        phases.append("insertion-none")
        return None
    return _accepted(
        model, EngineSolution(routes, model.unserved(routes), model.routes_cost(routes)), "insertion", started, phases
    )


def _pyvrp_first(
    model: NodeModel,
    strategy: Strategy,
    time_limit_s: float,
    feasible_after_s: float | None,
    fit_until: float | None,
    stop: StopCheck,
    phases: list[str],
) -> EngineSolution | None:
    """PyVRP's plan, if it passes the re-check; None if PyVRP cannot take the model.

    An infeasible best (PyVRP ran out of time before a feasible plan) is
    repaired by taking visits out; with ``fit_until``, the ejection search then
    fits them back in until that moment. A plan that fails the re-check is
    dropped and logged with the reason.
    """
    from routing.modelcheck import repair
    from routing.pyvrp_engine import FEWER_VANS_SHARE, pyvrp_plan

    started = time.monotonic()
    # the OR-Tools worker's quick start explores other seeds than the PyVRP worker
    seed = strategy.seed if strategy.engine == "pyvrp" else strategy.seed + 1000
    found = pyvrp_plan(
        model,
        time_limit_s,
        seed,
        stop,
        feasible_after_s,
        fewer_vans_share=FEWER_VANS_SHARE if strategy.engine == "pyvrp" else 0.0,
        construct=strategy.engine == "pyvrp",  # the OR-Tools worker has tried the insertion
        sequential=_sequential_variants(strategy) if strategy.engine == "pyvrp" else (),
        vroom=strategy.vroom,
    )
    if found is None:
        phases.append("pyvrp-none")
        return None
    routes, feasible = found
    if feasible:
        dropped = model.unserved(routes)
    else:
        routes, dropped = repair(model, routes)
        phases.append(f"pyvrp-repaired:{len(dropped)}")
        if dropped and fit_until is not None and fit_until - time.monotonic() > 0.1 and not stop():
            routes, dropped = insert_dropped(
                model, routes, dropped, fit_until - time.monotonic(), seed=strategy.seed, stop=stop
            )
    return _accepted(model, EngineSolution(routes, dropped, model.routes_cost(routes)), "pyvrp", started, phases)


def _accepted(
    model: NodeModel, plan: EngineSolution, source: str, started_s: float, phases: list[str]
) -> EngineSolution | None:
    """``plan`` if it passes the re-check, else None with the reason logged; the outcome goes into ``phases``."""
    why = _refusal(model, plan)
    if why is not None:
        log.warning("%s plan dropped: %s", source, why)
        phases.append(f"{source}-refused")
        return None
    phases.append(f"{source}:{plan.vehicles_used}v/{len(plan.dropped)}d/{time.monotonic() - started_s:.1f}s")
    return plan


def _large_day(
    model: NodeModel, strategy: Strategy, time_limit_s: float, stop: StopCheck, tell: Report, phases: list[str]
) -> EngineSolution | None:
    """A day too large for one search: planned region by region, then as a whole (:mod:`routing.large`)."""
    from routing.large import large_day_plan

    def heard(routes: tuple[tuple[int, ...], ...], dropped: tuple[int, ...]) -> None:
        tell(EngineSolution(routes, dropped, model.routes_cost(routes)))

    found = large_day_plan(model, time_limit_s, strategy.seed, stop, heard)
    if found is None:
        phases.append("large-none")
        return None
    phases.extend(found.steps)
    if stop():
        phases.append("stopped")
    return EngineSolution(found.routes, found.dropped, model.routes_cost(found.routes), True, tuple(phases))


def _pyvrp_polish(
    model: NodeModel,
    strategy: Strategy,
    best: EngineSolution,
    time_limit_s: float,
    restart_s: float,
    stop: StopCheck,
    phases: list[str],
) -> EngineSolution | None:
    """PyVRP from ``best`` with the vans it uses (the whole fleet when vans do not count); None if
    PyVRP cannot take the model. Its plan is re-checked; one that fails comes back as ``best``.
    Where restarts apply (:func:`routing.pyvrp_engine.restarts_apply`), PyVRP restarts from its best plan with a new
    seed every ``restart_s``.

    On days whose orders are collected at shops, route groups come first (:func:`routing.decompose.groups_first`),
    and PyVRP on the whole day starts from their plan (README, round 10)."""
    from routing.decompose import groups_first
    from routing.pyvrp_engine import pyvrp_plan, pyvrp_supports, restarted, restarts_apply

    started = time.monotonic()
    start = best
    grouped = groups_first(model, best.routes, time_limit_s, strategy.seed + 11, stop, strategy.vroom)
    if grouped != best.routes:
        start = EngineSolution(grouped, model.unserved(grouped), model.routes_cost(grouped))
        phases.append(f"groups:{best.cost}->{start.cost}/{time.monotonic() - started:.1f}s")
    vehicles = (
        [v for v in range(model.num_vehicles) if start.routes[v]]
        if model.minimise_vehicles
        else list(range(model.num_vehicles))
    )
    left_s = time_limit_s - (time.monotonic() - started)
    if restarts_apply(model, strategy.vroom) and pyvrp_supports(model) is None:
        found: tuple[tuple[tuple[int, ...], ...], bool] | None = (
            restarted(model, start.routes, vehicles, left_s, restart_s, strategy.seed + 7, stop),
            True,
        )
    else:
        found = pyvrp_plan(model, left_s, strategy.seed + 7, stop, initial=start.routes, vehicles=vehicles)
    if found is None:
        phases.append("pyvrp-polish-none")
        return None
    routes, feasible = found
    if not feasible:
        phases.append("pyvrp-polish-infeasible")
        return _checked_or(model, start, best, phases)
    plan = EngineSolution(routes, model.unserved(routes), model.routes_cost(routes))
    why = _refusal(model, plan)
    if why is not None:
        log.warning("PyVRP polished plan dropped: %s", why)
        phases.append("pyvrp-polish-refused")
        return _checked_or(model, start, best, phases)
    if plan.key(model.minimise_vehicles) > start.key(model.minimise_vehicles):
        return _checked_or(model, start, best, phases)
    phases.append(f"pyvrp-polish:{start.cost}->{plan.cost}/{time.monotonic() - started:.1f}s")
    return plan


def _checked_or(model: NodeModel, plan: EngineSolution, fallback: EngineSolution, phases: list[str]) -> EngineSolution:
    """``plan`` if the model accepts it (the route groups' plan), else ``fallback``, the reason logged."""
    if plan is fallback:
        return fallback
    why = _refusal(model, plan)
    if why is not None:
        log.warning("route groups' plan dropped: %s", why)
        phases.append("groups-refused")
        return fallback
    return plan


def _refusal(model: NodeModel, solution: EngineSolution) -> str | None:
    """Why the model refuses the plan, or None: the cheap check of :mod:`routing.modelcheck` always,
    and on models of up to ``ORTOOLS_RECHECK_MAX_NODES`` nodes OR-Tools loading it as an assignment."""
    from routing.modelcheck import plan_violations

    broken = plan_violations(model, solution.routes)
    if broken:
        return "; ".join(broken)
    if model.num_nodes <= ORTOOLS_RECHECK_MAX_NODES and not _loads(model, solution):
        return "OR-Tools refuses it as an assignment of its model"
    return None


def _loads(model: NodeModel, solution: EngineSolution) -> bool:
    """True if OR-Tools accepts the plan as an assignment of its own model (every rule checked)."""
    vehicles = [v for v in range(model.num_vehicles) if solution.routes[v]]
    if not vehicles:
        return True
    built = _Built(model, vehicles, None if model.drop_penalty is None else _penalty(model), 0)
    built.routing.CloseModelWithParameters(built.params(Strategy("PATH_CHEAPEST_ARC"), 1.0))
    assignment = built.routing.ReadAssignmentFromRoutes(
        built.routes_to_lists([list(solution.routes[v]) for v in vehicles]), True
    )
    return assignment is not None


def _cost_lns(
    model: NodeModel,
    best: EngineSolution,
    strategy: Strategy,
    deadline: float,
    cost_s: float,
    phases: list[str],
    stop: StopCheck = _never,
    tell: Report | None = None,
) -> EngineSolution:
    """Large neighbourhood search on the best plan, then guided local search polishes what it found.

    OR-Tools loads the searched plan as its own assignment, so every rule is
    checked again; a plan it refuses is dropped and ``best`` comes back.
    """
    polish_s = max(0.3, cost_s * strategy.cost_lns_polish_share)
    search_s = deadline - time.monotonic() - polish_s
    if search_s < 0.2:
        return best

    def better(routes: tuple[tuple[int, ...], ...]) -> None:
        if tell is not None:
            tell(EngineSolution(routes, best.dropped, model.routes_cost(routes)))

    routes, stats = improve_cost(
        model,
        best.routes,
        search_s,
        seed=strategy.seed,
        hot_share=strategy.cost_lns_hot_share,
        stop=stop,
        on_better=better,
    )
    phases.append(f"lns:{stats.accepted}/{stats.steps}")
    if stats.best_cost >= best.cost:
        return best
    found = EngineSolution(routes, best.dropped, model.routes_cost(routes))

    def checked_only() -> EngineSolution:
        # OR-Tools still checks the plan by loading it as its own assignment
        why = _refusal(model, found)
        if why is None:
            return found if found.key(model.minimise_vehicles) < best.key(model.minimise_vehicles) else best
        log.warning("large neighbourhood search plan dropped: %s", why)
        phases.append("lns-refused")
        return best

    if stop():
        return checked_only()  # no time to polish
    # vans stay put where they count; otherwise (CVRP) the polish may open another
    vehicles = [v for v in range(model.num_vehicles) if routes[v] or not model.minimise_vehicles]
    built = _Built(model, vehicles, None if model.drop_penalty is None else _penalty(model), 0)
    polished = _solve_phase(
        built, strategy, max(0.1, deadline - time.monotonic()), [list(routes[v]) for v in vehicles], stop=stop
    )
    if polished is None:
        # the polish found nothing within its slice (large day, loaded machine): the plan is still checked
        phases.append("polish-none")
        return checked_only()
    return polished if polished.key(model.minimise_vehicles) < best.key(model.minimise_vehicles) else best


# ---- worker processes: a shared stop flag and a queue of plans found ----------------------

#: After a stop request (or the time limit), workers get this long to hand in their plans before
#: the best plan they reported so far is returned without them (PyVRP's first local search on a
#: large day cannot be interrupted).
STOP_GRACE_S = 1.2


#: How often a search worker checks that the process that started it is still alive (portable fallback).
PARENT_CHECK_INTERVAL_S = 0.5
#: Linux prctl option: the signal this process gets when its parent dies.
_PR_SET_PDEATHSIG = 1


def end_with_parent(parent_pid: int) -> None:
    """End this search worker (or a child a worker forked, :mod:`routing.vroom_engine`) as soon as ``parent_pid``
    (the process that started it) dies.

    A job worker killed hard (kill -9) would otherwise leave its searches running until their time
    limit, taking the CPU from the worker started in its place. On Linux the kernel sends SIGKILL
    when the parent dies (SIGKILL, not SIGTERM: a forked worker inherits the job worker's SIGTERM
    handler, which asks for a graceful stop; for the same reason SIGTERM, sent by ``terminate()`` to a late
    worker, is given back its default action). Everywhere, a daemon thread also checks the parent's pid
    every PARENT_CHECK_INTERVAL_S, and a parent already gone before this ran ends the worker at once.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):
            log.debug("prctl(PR_SET_PDEATHSIG) unavailable; relying on the parent check")
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    except ValueError:  # not the main thread (cannot happen in a fresh worker process; kept safe)
        pass
    if os.getppid() != parent_pid:  # died before the signal was armed
        os._exit(1)

    def watch_parent() -> None:
        while True:
            time.sleep(PARENT_CHECK_INTERVAL_S)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch_parent, name="search-parent-watch", daemon=True).start()


#: What a search worker sends its parent: ("better" | "done", worker, plan) or ("failed", worker, the error).
WorkerMessage = tuple[str, int, EngineSolution | str]


def _search_process(
    model: NodeModel,
    time_limit_s: float,
    strategy: Strategy,
    worker: int,
    stop_event: Event,
    found_queue: Queue[WorkerMessage],
    parent_pid: int | None = None,
) -> None:
    """One worker: reports each better plan, then its result, on ``found_queue``; ends if ``parent_pid`` dies."""
    if parent_pid is not None:
        end_with_parent(parent_pid)

    def stop() -> bool:
        return stop_event.is_set()

    def report(solution: EngineSolution) -> None:
        found_queue.put(("better", worker, solution))

    try:
        result = search(model, time_limit_s, strategy, stop, report)
    except Exception as error:  # noqa: BLE001 - the parent logs it and keeps the other workers' plans
        found_queue.put(("failed", worker, f"{type(error).__name__}: {error}"))
        return
    found_queue.put(("done", worker, result))


def solve_parallel(
    model: NodeModel,
    time_limit_s: float,
    workers: int = 2,
    seed: int = 0,
    stop: StopCheck | None = None,
    report: Report | None = None,
    engines: tuple[str, ...] = ("ortools",),
) -> EngineSolution:
    """Run ``workers`` independent searches (separate processes) and keep the best.

    ``seed`` rotates the portfolio, so different seeds try different heuristics first.
    ``stop`` is polled here and passed to the workers as a shared flag; ``report``
    hears (in the caller's thread) each plan better than all reported before.
    The result is never worse than any plan a worker reported or returned:
    if a worker has not finished :data:`STOP_GRACE_S` after a stop request or
    the time limit, the best plan reported so far that passes the cheap
    re-check comes back and the late workers are ended.
    """
    from routing.modelcheck import plan_violations

    strategies = portfolio(model, workers, seed, engines)
    best_key: list[tuple[int, int, int]] = []
    reported: list[EngineSolution] = []

    def better(solution: EngineSolution) -> None:
        key = solution.key(model.minimise_vehicles)
        if not best_key or key < best_key[0]:
            best_key[:] = [key]
            reported.append(solution)
            if report is not None:
                report(solution)

    if workers <= 1:
        winner = search(model, time_limit_s, strategies[0], stop, better)
        if winner.found:
            better(winner)
        return winner
    # fork keeps the library usable from scripts without a __main__ guard;
    # the parent never runs OR-Tools in this function, so forking is safe.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    ctx: Any = multiprocessing.get_context(method)  # typeshed's BaseContext lacks Process
    stop_event, found_queue = ctx.Event(), ctx.Queue()
    started = time.monotonic()
    parent_pid = os.getpid()
    processes = [
        ctx.Process(
            target=_search_process, args=(model, time_limit_s, s, i, stop_event, found_queue, parent_pid), daemon=True
        )
        for i, s in enumerate(strategies)
    ]
    for process in processes:
        process.start()
    results: dict[int, EngineSolution] = {}
    stop_at: float | None = None
    # on days above PYVRP_ONLY_NODES a PyVRP iteration takes seconds under load: ask the workers to stop early
    # enough that the grace after the request still ends within the limit (a 1,000-order day took 61.2 s)
    stop_after_s = time_limit_s - (STOP_GRACE_S + 0.3 if model.num_nodes > PYVRP_ONLY_NODES else 0.0)
    try:
        while len(results) < len(processes):
            try:
                kind, worker, payload = found_queue.get(timeout=0.1)
            except queue.Empty:
                kind = ""
            if kind == "better":
                better(payload)
            elif kind == "done":
                results[worker] = payload
            elif kind == "failed":
                log.error("search worker %d failed: %s", worker, payload)
                results[worker] = EngineSolution(
                    tuple(() for _ in range(model.num_vehicles)), tuple(model.visits), 0, found=False
                )
            now = time.monotonic()
            if stop_at is None and ((stop is not None and stop()) or now - started > stop_after_s):
                stop_event.set()
                stop_at = now
            if kind == "" and len(results) < len(processes) and not any(p.is_alive() for p in processes):
                time.sleep(0.2)  # a finished worker's last message may still be in the pipe
                if found_queue.empty():
                    log.error("search workers ended without a result")
                    break
            if stop_at is not None and now - stop_at > STOP_GRACE_S and reported:
                log.warning(
                    "%d search workers still busy %.1f s after the stop; returning the best plan reported so far",
                    len(processes) - len(results),
                    now - stop_at,
                )
                break
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=1.0)
        found_queue.close()
    candidates = [r for r in results.values() if r.found]
    candidates += [r for r in reported if not plan_violations(model, r.routes)]
    if not candidates:
        return EngineSolution(tuple(() for _ in range(model.num_vehicles)), tuple(model.visits), 0, found=False)
    winner = min(candidates, key=lambda r: r.key(model.minimise_vehicles))
    better(winner)
    return winner
