"""Side by side: foodtrain against PyVRP and VROOM on one instance at a time.

Every solver gets the same integer model (the one :mod:`routing.benchmark`
builds for foodtrain), the same time limit and the same cores (PyVRP is
single-threaded; VROOM gets ``workers`` threads, exploration level 5 and the
same time limit through pyvroom's ``timeout``; ``vroom-free`` is VROOM without a
time limit, for reference; every runtime is recorded). Every plan, whoever
found it, is checked by an independent evaluator: :func:`routing.evaluation.evaluate`
for the public sets, :func:`check_day_plan` for branch days. A plan that fails
the check counts as lost for its solver.

PyVRP and VROOM are optional (``pyvrp`` is a dependency, ``pyvroom`` comes
with the ``bench`` extra); a missing peer is reported as such.
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from routing import engine
from routing.domain import ENGINES, Params, Problem
from routing.planner import CompiledDay, compile_day, to_s
from routing.vroom_engine import HIGHEST_LEVEL, vroom_levels

PEERS = ("pyvrp", "vroom", "vroom-free")
#: Peers shown for reference only, not at the same time limit: never the "best peer" of a row.
REFERENCE_PEERS = ("vroom-free",)


def _vroom_solve(inp: Any, threads: int, time_limit_s: float | None, read: Any) -> list[tuple[Any, float]]:
    """VROOM's plans, each as ``read(solution)`` with the seconds since the call, last one best.

    Without ``time_limit_s``: one run at VROOM's highest level (:data:`~routing.vroom_engine.HIGHEST_LEVEL`).
    With it: exploration levels 0, 1, ... 5 in turn, each in a child process ended at the limit
    (:func:`routing.vroom_engine.vroom_levels`: pyvroom 1.14 cannot be given VROOM's own timeout); the plans of
    the levels that finished come back.
    """
    started = time.monotonic()
    if time_limit_s is None:
        return [(read(inp.solve(exploration_level=HIGHEST_LEVEL, nb_threads=threads)), time.monotonic() - started)]
    return vroom_levels(lambda level: read(inp.solve(exploration_level=level, nb_threads=threads)), time_limit_s)


class WallClock:
    """PyVRP stopping criterion on the wall clock from its creation.

    PyVRP's own ``MaxRuntime`` starts counting at its first call, after the
    first local search (seconds on a large day); foodtrain's time limit counts
    from the call, so the peer gets the same wall-clock budget.
    """

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def __call__(self, best_cost: float) -> bool:
        return time.monotonic() >= self.deadline


def peak_rss_mib() -> float:
    """Largest resident set so far of this process or any finished child process (MiB, Linux)."""
    import resource

    return round(
        max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        / 1024,
        1,
    )


def _in_processes(job: Any, args: list[tuple[Any, ...]]) -> list[Any]:
    """``job(*a)`` for each ``a``, each in its own process at the same time (fork)."""
    import concurrent.futures
    import multiprocessing

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with concurrent.futures.ProcessPoolExecutor(len(args), mp_context=multiprocessing.get_context(method)) as pool:
        return list(pool.map(job, *zip(*args)))


def peer_names(peers: tuple[str, ...], workers: int) -> tuple[str, ...]:
    """Peer columns: with ``workers`` > 1, PyVRP also runs as best of ``workers`` seeds in as many
    processes (``pyvrp-Nc``, the same cores as foodtrain) beside its one-core run (``pyvrp``)."""
    out: list[str] = []
    for peer in peers:
        out.append(peer)
        if peer == "pyvrp" and workers > 1:
            out.append(f"pyvrp-{workers}c")
    return tuple(out)


#: Ratios closer than this to 1 count as a tie.
TIE = 0.001


@dataclass
class PeerPlan:
    """One solver's plan for one instance, after the independent check."""

    solver: str
    feasible: bool
    vehicles: int
    cost: float
    unserved: int
    runtime_s: float
    violations: tuple[str, ...] = ()
    peak_rss_mib: float | None = None
    #: branch days: driving alone (``cost`` is driving plus the shops' per-visit loading)
    drive_min: float | None = None


@dataclass
class VersusRow:
    """One instance: every solver's checked plan, and foodtrain against the best peer."""

    instance: str
    size: int
    plans: dict[str, PeerPlan] = field(default_factory=dict)

    def best_peer(self, reference: str | None = None) -> PeerPlan | None:
        """The peer plan with fewest unserved, then vehicles, then cost (checked plans only), among the
        peers at the same time limit; with ``reference`` (e.g. ``vroom-free``), that peer's plan alone."""
        peers = [
            p
            for s, p in self.plans.items()
            if s != "foodtrain" and p.feasible and (s == reference if reference else s not in REFERENCE_PEERS)
        ]
        return min(peers, key=lambda p: (p.unserved, p.vehicles, p.cost), default=None)

    def verdict(self, reference: str | None = None) -> tuple[str, float | None]:
        """('won' | 'tied' | 'lost', cost ratio to the best peer where vans and served orders agree)."""
        ours, peer = self.plans.get("foodtrain"), self.best_peer(reference)
        if ours is None or not ours.feasible:
            return "lost", None
        if peer is None:
            return "won", None
        mine, theirs = (ours.unserved, ours.vehicles), (peer.unserved, peer.vehicles)
        ratio = ours.cost / peer.cost if peer.cost > 0 else 1.0
        if mine != theirs:
            return ("won" if mine < theirs else "lost"), ratio
        if abs(ratio - 1) <= TIE:
            return "tied", ratio
        return ("won" if ratio < 1 else "lost"), ratio


# ---- public sets ------------------------------------------------------------------------


def _instance_arrays(instance: Any) -> dict[str, Any]:
    from routing.benchmark import instance_model

    model = instance_model(instance)
    return {"model": model, "cost": model.cost, "travel": model.travel if model.travel is not None else model.cost}


def _instance_pyvrp(instance: Any, vehicles: int, fixed_cost: int) -> Any:
    """PyVRP ProblemData of a benchmark instance (clients in node order, shipments in pair order)."""
    import pyvrp

    arrays = _instance_arrays(instance)
    model = arrays["model"]
    n = instance.size
    locations = [pyvrp.Location(float(x), float(y)) for x, y in instance.xy]
    windows = model.windows
    depot_tw = windows[0][0] if windows else (0, np.iinfo(np.int64).max)
    depots = [pyvrp.Depot(0, tw_early=int(depot_tw[0]), tw_late=int(depot_tw[1]))]
    service = model.service if model.service is not None else np.zeros(n, dtype=np.int64)
    clients, shipments = [], []
    if instance.kind == "pdptw":
        for p, d in instance.pairs():
            shipments.append(
                pyvrp.Shipment(
                    p,
                    d,
                    pickup_tw_early=int(windows[p][0][0]),
                    pickup_tw_late=int(windows[p][0][1]),
                    pickup_service_duration=int(service[p]),
                    delivery_tw_early=int(windows[d][0][0]),
                    delivery_tw_late=int(windows[d][0][1]),
                    delivery_service_duration=int(service[d]),
                    amount=[int(instance.demand[p])],
                )
            )
    else:
        for i in range(1, n):
            tw = windows[i][0] if windows else (0, np.iinfo(np.int64).max)
            clients.append(
                pyvrp.Client(
                    i,
                    delivery=[int(instance.demand[i])],
                    service_duration=int(service[i]),
                    tw_early=int(tw[0]),
                    tw_late=int(tw[1]),
                )
            )
    vehicle_type = pyvrp.VehicleType(
        vehicles,
        capacity=[int(instance.capacity)],
        fixed_cost=fixed_cost,
        tw_early=int(depot_tw[0]),
        tw_late=int(depot_tw[1]),
    )
    # list[Any]: pyvrp's stub types the matrices ``list[np.ndarray[int]]``, which numpy 2 reads with int as the shape
    distance_matrices: list[Any] = [np.asarray(arrays["cost"], dtype=np.int64)]
    duration_matrices: list[Any] = [np.asarray(arrays["travel"], dtype=np.int64)]
    data = pyvrp.ProblemData(
        locations,
        clients,
        depots,
        [vehicle_type],
        distance_matrices,
        duration_matrices,
        shipments=shipments,
    )
    return data


def _activities(route: Any) -> list[tuple[str, int]]:
    """A PyVRP route's visits as (client | pickup | delivery, index among clients or shipments)."""
    import pyvrp

    names = {
        pyvrp.ActivityType.CLIENT: "client",
        pyvrp.ActivityType.PICKUP: "pickup",
        pyvrp.ActivityType.DELIVERY: "delivery",
    }
    return [(names[act.type], int(act.idx)) for act in route.schedule() if act.type in names]


def _pyvrp_routes(result_solution: Any, instance: Any) -> list[list[int]]:
    """PyVRP routes as internal node indices (depot excluded)."""
    pairs = instance.pairs()
    out = []
    for route in result_solution.routes():
        nodes = []
        for kind, idx in _activities(route):
            if kind == "client":
                nodes.append(idx + 1)
            elif kind == "pickup":
                nodes.append(pairs[idx][0])
            elif kind == "delivery":
                nodes.append(pairs[idx][1])
        out.append(nodes)
    return out


def _solve_instance_pyvrp(instance: Any, time_limit_s: float, seed: int) -> tuple[list[list[int]], float]:
    import pyvrp

    started = time.monotonic()
    vehicles = int(instance.fleet_size or instance.size)
    arrays = _instance_arrays(instance)
    # vans first on time-window sets (the literature's ranking), as foodtrain ranks them
    fixed = 0 if instance.kind == "cvrp" else int(arrays["cost"].max()) * engine.VAN_FIXED_COST_LONGEST_ARCS
    data = _instance_pyvrp(instance, vehicles, fixed)
    result = pyvrp.solve(data, stop=WallClock(time_limit_s - (time.monotonic() - started)), seed=seed, display=False)
    return _pyvrp_routes(result.best, instance), time.monotonic() - started


def _solve_instance_vroom(
    instance: Any, threads: int, time_limit_s: float | None = None
) -> tuple[list[list[int]], float]:
    import vroom

    started = time.monotonic()
    arrays = _instance_arrays(instance)
    model = arrays["model"]
    n = instance.size
    inp = vroom.Input()
    inp.set_durations_matrix(profile="car", matrix_input=np.asarray(arrays["travel"], dtype=np.int64).tolist())
    inp.set_costs_matrix(profile="car", matrix_input=np.asarray(arrays["cost"], dtype=np.int64).tolist())
    windows = model.windows
    service = model.service if model.service is not None else np.zeros(n, dtype=np.int64)
    vehicles = int(instance.fleet_size or instance.size)
    fixed = 0 if instance.kind == "cvrp" else int(arrays["cost"].max()) * engine.VAN_FIXED_COST_LONGEST_ARCS
    tw0 = vroom.TimeWindow(int(windows[0][0][0]), int(windows[0][0][1])) if windows else None
    for k in range(vehicles):
        kwargs: dict[str, Any] = {
            "start": 0,
            "end": 0,
            "capacity": vroom.Amount([int(instance.capacity)]),
            "costs": vroom.VehicleCosts(fixed=fixed),
        }
        if tw0 is not None:
            kwargs["time_window"] = tw0
        inp.add_vehicle(vroom.Vehicle(k + 1, **kwargs))

    def tws(i: int) -> list[Any]:
        return [vroom.TimeWindow(int(windows[i][0][0]), int(windows[i][0][1]))] if windows else []

    if instance.kind == "pdptw":
        for p, d in instance.pairs():
            inp.add_shipment(
                vroom.ShipmentStep(p, location=p, service=int(service[p]), time_windows=tws(p)),
                vroom.ShipmentStep(d, location=d, service=int(service[d]), time_windows=tws(d)),
                amount=vroom.Amount([int(instance.demand[p])]),
            )
    else:
        inp.add_job(
            [
                vroom.Job(
                    i,
                    location=i,
                    service=int(service[i]),
                    delivery=vroom.Amount([int(instance.demand[i])]),
                    time_windows=tws(i),
                )
                for i in range(1, n)
            ]
        )
    left = None if time_limit_s is None else time_limit_s - (time.monotonic() - started)
    plans = _vroom_solve(inp, threads, left, lambda sol: (_vroom_ranking(sol), _vroom_routes(sol)))
    runtime = time.monotonic() - started
    if not plans:
        return [], runtime
    return min(plans, key=lambda found: found[0][0])[0][1], runtime


def _vroom_ranking(sol: Any) -> tuple[int, int]:
    """VROOM's own ranking of its plan: orders it left out, then its cost (fixed costs of vans included)."""
    summary = sol.to_dict()["summary"]
    return int(summary["unassigned"]), int(summary["cost"])


def _vroom_routes(sol: Any) -> list[list[int]]:
    """VROOM routes as the task ids given (depot excluded), per vehicle in order."""
    frame = sol.routes
    out = []
    for _, group in frame.groupby("vehicle_id", sort=True):
        ids = [int(i) for t, i in zip(group["type"], group["id"]) if t in ("job", "pickup", "delivery")]
        if ids:
            out.append(ids)
    return out


def versus_instance(
    path: Path,
    time_limit_s: float,
    peers: tuple[str, ...],
    workers: int = 1,
    seed: int = 0,
    engines: tuple[str, ...] = ENGINES,
) -> VersusRow:
    """Solve one benchmark file with foodtrain and each peer; check every plan with the evaluator."""
    from routing.benchmark import instance_model
    from routing.engine import solve_parallel
    from routing.instances import read_instance

    instance = read_instance(path)
    row = VersusRow(instance.name, instance.size - 1)

    def record(solver: str, nodes: list[list[int]], runtime_s: float, rss: float | None = None) -> None:
        row.plans[solver] = _instance_plan(instance, solver, nodes, runtime_s, rss)

    started = time.monotonic()
    solution = solve_parallel(instance_model(instance), time_limit_s, workers, seed, engines=engines)
    record("foodtrain", [list(r) for r in solution.routes if r], time.monotonic() - started, peak_rss_mib())
    for peer in peer_names(peers, workers):
        try:
            if peer.startswith("pyvrp-"):
                found = _in_processes(
                    _solve_instance_pyvrp, [(instance, time_limit_s, seed + k) for k in range(workers)]
                )
                plans = [_instance_plan(instance, peer, nodes, runtime) for nodes, runtime in found]
                row.plans[peer] = min(plans, key=lambda p: (not p.feasible, p.unserved, p.vehicles, p.cost))
                continue
            if peer == "pyvrp":
                nodes, runtime = _solve_instance_pyvrp(instance, time_limit_s, seed)
            elif peer == "vroom":
                nodes, runtime = _solve_instance_vroom(instance, workers, time_limit_s)
            elif peer == "vroom-free":
                nodes, runtime = _solve_instance_vroom(instance, workers)
            else:
                raise ValueError(f"unknown peer {peer!r}; choose from {', '.join(PEERS)}")
        except ImportError as missing:
            row.plans[peer] = PeerPlan(peer, False, 0, math.inf, row.size, 0.0, (f"not installed: {missing}",))
            continue
        record(peer, nodes, runtime)
    return row


def _instance_plan(
    instance: Any, solver: str, nodes: list[list[int]], runtime_s: float, rss: float | None = None
) -> PeerPlan:
    from routing.evaluation import evaluate

    routes = [[instance.file_ids[k] for k in r] for r in nodes if r]
    ev = evaluate(instance, routes)
    served = {k for r in nodes for k in r}
    return PeerPlan(
        solver,
        ev.feasible,
        ev.vehicles,
        round(ev.cost, 4),
        instance.size - 1 - len(served),
        round(runtime_s, 2),
        ev.violations[:3],
        rss,
    )


# ---- branch days ------------------------------------------------------------------------

#: A van's plan in evaluator terms: (van index, [(kind, order index), ...]) with kind pickup/delivery/visit.
DayRoute = tuple[int, list[tuple[str, int]]]


class DayCheck(NamedTuple):
    """What :func:`check_day_plan` finds: the broken rules, orders served, and the plan's minutes."""

    violations: list[str]
    served: int
    drive_min: float
    shop_visit_loading_min: float

    @property
    def round_min(self) -> float:
        """The measure every branch-day plan is compared on: driving plus the shops' per-visit loading.

        Both are the team's time and depend on the plan (a van that calls at a shop twice loads twice);
        per-order loading and the time at each door are the same in every plan that serves the same
        orders. It is the objective foodtrain and the peers are given (``_day_travel_s``).
        """
        return self.drive_min + self.shop_visit_loading_min


def check_day_plan(problem: Problem, day: CompiledDay, routes: list[DayRoute]) -> DayCheck:
    """Independent check of a branch-day plan: violations, orders served, drive and per-visit loading minutes.

    Recomputes times from the travel matrix alone: each order once, pickup
    before delivery on the same van, load within [0, capacity], service
    starting inside one of the order's windows, shop not before it is ready,
    back before the shift ends. Per-visit loading is paid when leaving a run
    of pickups at one shop.
    """
    loc_of = {lid: k for k, lid in enumerate(day.location_ids)}
    shops = {s.id: s for s in problem.shops}
    violations: list[str] = []
    served: set[int] = set()
    drive_s = loading_s = 0.0
    for van_index, steps in routes:
        van = problem.vans[van_index]
        t = float(to_s(van.shift_start_min))
        here = loc_of[van.start.id]
        load = 0
        picked: set[int] = set()
        prev_shop: str | None = None
        for kind, o in steps:
            order = problem.orders[o]
            if kind == "pickup":
                if order.shop_id is None:  # a malformed plan, not a broken rule (was a KeyError on None)
                    raise ValueError(f"{van.id}: a pickup step for order {order.id}, which has no shop")
                shop = shops[order.shop_id]
                there = loc_of[shop.location.id]
                if prev_shop is not None and prev_shop != shop.id:
                    t += to_s(shops[prev_shop].loading_per_visit_min)
                    loading_s += to_s(shops[prev_shop].loading_per_visit_min)
                t += float(day.duration_s[here, there])
                t = max(t, float(to_s(shop.ready_min)))
                t += to_s(shop.loading_per_order_min)
                load += order.size_crates
                picked.add(o)
                prev_shop = shop.id
            else:
                if prev_shop is not None:
                    t += to_s(shops[prev_shop].loading_per_visit_min)
                    loading_s += to_s(shops[prev_shop].loading_per_visit_min)
                prev_shop = None
                there = loc_of[order.location.id]
                t += float(day.duration_s[here, there])
                windows = [(to_s(w.start_min), to_s(w.end_min)) for w in order.windows]
                if windows:
                    starts = [max(t, a) for a, b in sorted(windows) if max(t, a) <= b]
                    if not starts:
                        violations.append(f"{van.id}: order {order.id} reached after its windows")
                        starts = [t]
                    t = starts[0]
                t += to_s(order.service_min)
                if kind == "delivery":
                    if o not in picked:
                        violations.append(f"{van.id}: order {order.id} delivered before (or without) its pickup")
                    load -= order.size_crates
                else:
                    load += order.size_crates
                if o in served:
                    violations.append(f"order {order.id} served twice")
                served.add(o)
            drive_s += float(day.duration_s[here, there])
            here = there
            if not 0 <= load <= van.capacity_crates:
                violations.append(f"{van.id}: load {load} outside 0..{van.capacity_crates}")
        if prev_shop is not None:
            t += to_s(shops[prev_shop].loading_per_visit_min)
            loading_s += to_s(shops[prev_shop].loading_per_visit_min)
        end = loc_of[van.end_location.id]
        t += float(day.duration_s[here, end])
        drive_s += float(day.duration_s[here, end])
        if t > to_s(van.shift_end_min) + 1e-6:
            violations.append(f"{van.id}: back {(t - to_s(van.shift_end_min)) / 60:.1f} min after the shift ends")
        if picked - served:
            violations.append(f"{van.id}: picked up but not delivered: {sorted(picked - served)[:3]}")
    return DayCheck(violations, len(served), drive_s / 60, loading_s / 60)


def _day_travel_s(day: CompiledDay) -> np.ndarray:
    """Per-location seconds with the shop's per-visit loading on every arc leaving a shop (exact: shop
    locations are visited only to pick up, and a run of pickups at one shop stays at one location)."""
    travel = day.duration_s.astype(np.int64).copy()
    loc_of = {lid: k for k, lid in enumerate(day.location_ids)}
    for shop in day.problem.shops:
        s = loc_of[shop.location.id]
        travel[s, :] += to_s(shop.loading_per_visit_min)
        travel[s, s] = 0
    return travel


def _day_pyvrp(problem: Problem, day: CompiledDay, time_limit_s: float, seed: int) -> tuple[list[DayRoute], float]:
    import pyvrp

    started = time.monotonic()
    loc_of = {lid: k for k, lid in enumerate(day.location_ids)}
    locations = [pyvrp.Location(0.0, 0.0) for _ in day.location_ids]
    depot_locs = sorted({loc_of[v.start.id] for v in problem.vans} | {loc_of[v.end_location.id] for v in problem.vans})
    depot_of = {loc: k for k, loc in enumerate(depot_locs)}
    depots = [pyvrp.Depot(loc) for loc in depot_locs]
    travel = _day_travel_s(day)
    fixed = int(travel.max()) * engine.VAN_FIXED_COST_LONGEST_ARCS
    vehicle_types = [
        pyvrp.VehicleType(
            1,
            capacity=[int(v.capacity_crates)],
            start_depot=depot_of[loc_of[v.start.id]],
            end_depot=depot_of[loc_of[v.end_location.id]],
            fixed_cost=fixed,
            tw_early=to_s(v.shift_start_min),
            tw_late=to_s(v.shift_end_min),
            start_late=to_s(v.shift_end_min),
            shift_duration=to_s(v.max_round_min) if v.max_round_min is not None else np.iinfo(np.int64).max,
        )
        for v in problem.vans
    ]
    shops = {s.id: s for s in problem.shops}
    clients, shipments, client_order, shipment_order = [], [], [], []
    for o, order in enumerate(problem.orders):
        if len(order.windows) > 1:
            raise ValueError(f"order {order.id} has several windows; the peer comparison needs one")
        tw = (to_s(order.windows[0].start_min), to_s(order.windows[0].end_min)) if order.windows else (0, day.horizon_s)
        if order.shop_id is None:
            clients.append(
                pyvrp.Client(
                    loc_of[order.location.id],
                    pickup=[int(order.size_crates)],
                    service_duration=to_s(order.service_min),
                    tw_early=tw[0],
                    tw_late=tw[1],
                )
            )
            client_order.append(o)
        else:
            shop = shops[order.shop_id]
            shipments.append(
                pyvrp.Shipment(
                    loc_of[shop.location.id],
                    loc_of[order.location.id],
                    pickup_tw_early=to_s(shop.ready_min),
                    pickup_tw_late=day.horizon_s,
                    pickup_service_duration=to_s(shop.loading_per_order_min),
                    delivery_tw_early=tw[0],
                    delivery_tw_late=tw[1],
                    delivery_service_duration=to_s(order.service_min),
                    amount=[int(order.size_crates)],
                )
            )
            shipment_order.append(o)
    # list[Any]: pyvrp's stub types the matrices ``list[np.ndarray[int]]``, which numpy 2 reads with int as the shape
    travel_matrices: list[Any] = [travel]
    data = pyvrp.ProblemData(
        locations,
        clients,
        depots,
        vehicle_types,
        travel_matrices,
        travel_matrices,
        shipments=shipments,
    )
    result = pyvrp.solve(data, stop=WallClock(time_limit_s - (time.monotonic() - started)), seed=seed, display=False)
    runtime = time.monotonic() - started
    routes: list[DayRoute] = []
    for route in result.best.routes():
        steps: list[tuple[str, int]] = []
        for kind, idx in _activities(route):
            if kind == "client":
                steps.append(("visit", client_order[idx]))
            elif kind in ("pickup", "delivery"):
                steps.append((kind, shipment_order[idx]))
        routes.append((int(route.vehicle_type()), steps))
    return routes, runtime


def vroom_day_plan(
    problem: Problem, day: CompiledDay, threads: int, time_limit_s: float | None = None
) -> tuple[list[DayRoute], float]:
    """VROOM's plan for the day (``threads`` threads; ``time_limit_s`` None: no time limit) and its wall time."""
    import vroom

    started = time.monotonic()
    loc_of = {lid: k for k, lid in enumerate(day.location_ids)}
    inp = vroom.Input()
    inp.set_durations_matrix(profile="car", matrix_input=day.duration_s.astype(np.int64).tolist())
    # the cost is the measure every plan is compared on (DayCheck.round_min), as for foodtrain and PyVRP:
    # without it VROOM minimises driving alone and calls at shops more often than it needs to
    travel = _day_travel_s(day)
    inp.set_costs_matrix(profile="car", matrix_input=travel.tolist())
    fixed = int(travel.max()) * engine.VAN_FIXED_COST_LONGEST_ARCS
    for k, v in enumerate(problem.vans):
        inp.add_vehicle(
            vroom.Vehicle(
                k + 1,
                start=loc_of[v.start.id],
                end=loc_of[v.end_location.id],
                capacity=vroom.Amount([int(v.capacity_crates)]),
                time_window=vroom.TimeWindow(to_s(v.shift_start_min), to_s(v.shift_end_min)),
                costs=vroom.VehicleCosts(fixed=fixed),
            )
        )
    shops = {s.id: s for s in problem.shops}
    for o, order in enumerate(problem.orders):
        tws = [vroom.TimeWindow(to_s(w.start_min), to_s(w.end_min)) for w in order.windows] or [
            vroom.TimeWindow(0, day.horizon_s)
        ]
        if order.shop_id is None:
            inp.add_job(
                [
                    vroom.Job(
                        3 * o + 3,
                        location=loc_of[order.location.id],
                        service=to_s(order.service_min),
                        pickup=vroom.Amount([int(order.size_crates)]),
                        time_windows=tws,
                    )
                ]
            )
            continue
        shop = shops[order.shop_id]
        # VROOM's setup is paid once per arrival at a location: the shop's per-visit loading
        inp.add_shipment(
            vroom.ShipmentStep(
                3 * o + 1,
                location=loc_of[shop.location.id],
                setup=to_s(shop.loading_per_visit_min),
                service=to_s(shop.loading_per_order_min),
                time_windows=[vroom.TimeWindow(to_s(shop.ready_min), day.horizon_s)],
            ),
            vroom.ShipmentStep(
                3 * o + 2, location=loc_of[order.location.id], service=to_s(order.service_min), time_windows=tws
            ),
            amount=vroom.Amount([int(order.size_crates)]),
        )
    left = None if time_limit_s is None else time_limit_s - (time.monotonic() - started)
    plans = _vroom_solve(inp, threads, left, lambda sol: (_vroom_ranking(sol), _vroom_day_routes(sol)))
    runtime = time.monotonic() - started
    if not plans:
        return [], runtime
    return min(plans, key=lambda found: found[0][0])[0][1], runtime


def _vroom_day_routes(sol: Any) -> list[DayRoute]:
    routes: list[DayRoute] = []
    kinds = {1: "pickup", 2: "delivery", 0: "visit"}
    for vehicle_id, group in sol.routes.groupby("vehicle_id", sort=True):
        steps = [
            (kinds[int(i) % 3], (int(i) - 1) // 3)
            for t, i in zip(group["type"], group["id"])
            if t in ("job", "pickup", "delivery")
        ]
        if steps:
            routes.append((int(vehicle_id) - 1, steps))
    return routes


def versus_day(
    problem: Problem,
    name: str,
    time_limit_s: float,
    peers: tuple[str, ...],
    workers: int = 1,
    seed: int = 0,
    engines: tuple[str, ...] = ENGINES,
) -> VersusRow:
    """Solve one branch day with foodtrain and each peer; check every plan with :func:`check_day_plan`."""
    from routing.explain import explain_alone
    from routing.solver import solve

    full = compile_day(problem)
    # orders no van can serve even alone are left out for every solver (peers require every order)
    problem = replace(problem, orders=tuple(o for k, o in enumerate(problem.orders) if explain_alone(full, k) is None))
    day = compile_day(problem)
    row = VersusRow(name, len(problem.orders))

    def checked(solver: str, routes: list[DayRoute], runtime_s: float, rss: float | None = None) -> PeerPlan:
        check = check_day_plan(problem, day, routes)
        vans = sum(1 for _, steps in routes if steps)
        # no plan at all (VROOM: no exploration level finished in time) is no plan, not a plan of 0 vans
        broken = check.violations or (["no plan within the time limit"] if problem.orders and not vans else [])
        return PeerPlan(
            solver,
            not broken,
            vans,
            round(check.round_min, 1),
            len(problem.orders) - check.served,
            round(runtime_s, 2),
            tuple(broken[:3]),
            rss,
            drive_min=round(check.drive_min, 1),
        )

    def record(solver: str, routes: list[DayRoute], runtime_s: float, rss: float | None = None) -> None:
        row.plans[solver] = checked(solver, routes, runtime_s, rss)

    index_of = {o.id: k for k, o in enumerate(problem.orders)}
    van_index = {v.id: k for k, v in enumerate(problem.vans)}
    result = solve(problem, Params(time_limit_s=time_limit_s, workers=workers, seed=seed, engines=engines))
    ours: list[DayRoute] = [
        (van_index[r.van_id], [(s.kind, index_of[s.order_id]) for s in r.stops if s.order_id is not None])
        for r in result.routes
    ]
    record("foodtrain", ours, result.runtime_s, peak_rss_mib())
    for peer in peer_names(peers, workers):
        try:
            if peer.startswith("pyvrp-"):
                found = _in_processes(_day_pyvrp, [(problem, day, time_limit_s, seed + k) for k in range(workers)])
                plans = [checked(peer, routes, runtime) for routes, runtime in found]
                row.plans[peer] = min(plans, key=lambda p: (not p.feasible, p.unserved, p.vehicles, p.cost))
                continue
            if peer == "pyvrp":
                routes, runtime = _day_pyvrp(problem, day, time_limit_s, seed)
            elif peer == "vroom":
                routes, runtime = vroom_day_plan(problem, day, workers, time_limit_s)
            elif peer == "vroom-free":
                routes, runtime = vroom_day_plan(problem, day, workers)
            else:
                raise ValueError(f"unknown peer {peer!r}; choose from {', '.join(PEERS)}")
        except ImportError as missing:
            row.plans[peer] = PeerPlan(peer, False, 0, math.inf, row.size, 0.0, (f"not installed: {missing}",))
            continue
        record(peer, routes, runtime)
    return row


# ---- tables -------------------------------------------------------------------------------


def summarise(rows: list[VersusRow], reference: str | None = None) -> dict[str, Any]:
    """Won/tied/lost against the best peer (or the ``reference`` peer alone); mean, median and worst
    cost ratio where vans and served agree."""
    verdicts = [r.verdict(reference) for r in rows]
    peers = [r.best_peer(reference) for r in rows]
    ratios = [
        ratio
        for (v, ratio), r, peer in zip(verdicts, rows, peers)
        if ratio is not None
        and peer is not None
        and (r.plans["foodtrain"].vehicles, r.plans["foodtrain"].unserved) == (peer.vehicles, peer.unserved)
    ]
    vans = [
        (r.plans["foodtrain"].vehicles, peer.vehicles)
        for r, peer in zip(rows, peers)
        if peer is not None and r.plans["foodtrain"].feasible
    ]
    return {
        "instances": len(rows),
        "won": sum(v == "won" for v, _ in verdicts),
        "tied": sum(v == "tied" for v, _ in verdicts),
        "lost": sum(v == "lost" for v, _ in verdicts),
        "vans_fewer": sum(a < b for a, b in vans),
        "vans_equal": sum(a == b for a, b in vans),
        "vans_more": sum(a > b for a, b in vans),
        "unserved_more_than_best_peer": sum(
            1 for r, peer in zip(rows, peers) if peer is not None and r.plans["foodtrain"].unserved > peer.unserved
        ),
        "cost_ratio_mean": round(statistics.fmean(ratios), 4) if ratios else None,
        "cost_ratio_median": round(statistics.median(ratios), 4) if ratios else None,
        "cost_ratio_worst": round(max(ratios), 4) if ratios else None,
        "ratios_over": len(ratios),
    }


def format_versus(rows: list[VersusRow], solvers: tuple[str, ...], cost_name: str = "cost") -> str:
    """Markdown: per instance vans / unserved / cost per solver, ratio to the best peer, verdict; then the summary."""
    head = ["instance", "size"]
    for s in solvers:
        head += [f"{s} vans", f"{s} unserved", f"{s} {cost_name}", f"{s} s"]
    head += ["foodtrain peak RSS MiB", "ratio to best peer", "verdict"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [r.instance, str(r.size)]
        for s in solvers:
            p = r.plans.get(s)
            if p is None:
                cells += ["", "", "", ""]
            elif not p.feasible:
                cells += ["✗", str(p.unserved), "invalid: " + "; ".join(p.violations)[:80], str(p.runtime_s)]
            else:
                cells += [str(p.vehicles), str(p.unserved), f"{p.cost:g}", str(p.runtime_s)]
        verdict, ratio = r.verdict()
        ours = r.plans.get("foodtrain")
        cells += [
            "" if ours is None or ours.peak_rss_mib is None else f"{ours.peak_rss_mib:g}",
            "" if ratio is None else f"{ratio:.4f}",
            verdict,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    summary = summarise(rows)
    lines += [
        "",
        "Summary (ratio only where vans and unserved orders equal the best peer's): "
        + ", ".join(f"{k} {v}" for k, v in summary.items()),
    ]
    for reference in (s for s in solvers if s in REFERENCE_PEERS):
        lines += [
            "",
            f"Against {reference} alone (no time limit; reference, not a best peer): "
            + ", ".join(f"{k} {v}" for k, v in summarise(rows, reference).items()),
        ]
    return "\n".join(lines)


def rows_to_dicts(rows: list[VersusRow]) -> list[dict[str, Any]]:
    """JSON-ready rows."""
    from dataclasses import asdict

    return [
        {
            "instance": r.instance,
            "size": r.size,
            "verdict": r.verdict()[0],
            "ratio": r.verdict()[1],
            "plans": {s: asdict(p) for s, p in r.plans.items()},
        }
        for r in rows
    ]
