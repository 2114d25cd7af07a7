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
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from routing.engine import NodeModel

log = logging.getLogger(__name__)

INT_MAX = int(np.iinfo(np.int64).max)


def pyvrp_supports(model: NodeModel) -> str | None:
    """None if PyVRP can take the model exactly; otherwise why not."""
    if model.windows is None:
        return None
    paired = {n for pair in model.pairs for n in pair}
    for node in model.visits:
        if len(model.windows[node]) > 1 and node in paired:
            return f"node {node} of a pickup-delivery pair has several windows"
    return None


def _build(model: NodeModel) -> tuple[Any, list[int], list[tuple[int, int]]]:
    """ProblemData; the node of each client; the (pickup, delivery) nodes of each shipment."""
    import pyvrp

    n = model.num_nodes
    locations = [pyvrp.Location(0.0, float(i)) for i in range(n)]
    depot_nodes = sorted(set(model.starts) | set(model.ends))
    depot_of = {node: k for k, node in enumerate(depot_nodes)}
    depots = [pyvrp.Depot(node) for node in depot_nodes]
    service = model.service if model.service is not None else np.zeros(n, dtype=np.int64)
    travel = model.travel if model.travel is not None else model.cost

    def windows(node: int) -> tuple[tuple[int, int], ...]:
        if model.windows is None or not model.windows[node]:
            return ((0, INT_MAX),)
        return tuple(sorted(model.windows[node]))

    fixed = int(model.cost.max() + 1) * 4 if model.minimise_vehicles else 0
    vehicle_types = []
    for v in range(model.num_vehicles):
        shift = model.shifts[v] if model.shifts else (0, INT_MAX)
        longest = model.max_duration[v] if model.max_duration and model.max_duration[v] is not None else INT_MAX
        vehicle_types.append(pyvrp.VehicleType(
            1, capacity=[int(model.capacity[v])], start_depot=depot_of[model.starts[v]],
            end_depot=depot_of[model.ends[v]], fixed_cost=fixed, tw_early=int(shift[0]), tw_late=int(shift[1]),
            start_late=int(shift[1]), shift_duration=int(longest)))
    paired = {x for pair in model.pairs for x in pair}
    clients, client_node, groups = [], [], []
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
            clients.append(pyvrp.Client(node, pickup=[max(0, amount)], delivery=[max(0, -amount)],
                                        service_duration=int(service[node]), tw_early=int(early), tw_late=int(late),
                                        required=group is None, group=group))
            client_node.append(node)
    shipments = []
    for p, d in model.pairs:
        (pe, pl), (de, dl) = windows(p)[0], windows(d)[0]
        shipments.append(pyvrp.Shipment(p, d, pickup_tw_early=int(pe), pickup_tw_late=int(pl),
                                        pickup_service_duration=int(service[p]), delivery_tw_early=int(de),
                                        delivery_tw_late=int(dl), delivery_service_duration=int(service[d]),
                                        amount=[int(model.demand[p])]))
    data = pyvrp.ProblemData(locations, clients, depots, vehicle_types,
                             [np.asarray(model.cost, dtype=np.int64)], [np.asarray(travel, dtype=np.int64)],
                             groups=groups, shipments=shipments)
    return data, client_node, list(model.pairs)


def pyvrp_search(model: NodeModel, time_limit_s: float, seed: int = 0,
                 stop: Callable[[], bool] | None = None) -> tuple[tuple[int, ...], ...] | None:
    """PyVRP's best feasible plan as node routes per vehicle, or None (not installed, not exact, nothing feasible)."""
    why = pyvrp_supports(model)
    if why is not None:
        log.info("PyVRP engine skipped: %s", why)
        return None
    try:
        import pyvrp
        from pyvrp.stop import MaxRuntime, MultipleCriteria, StoppingCriterion
    except ImportError:
        log.warning("PyVRP engine skipped: pyvrp is not installed (pip install 'pyvrp>=0.14')")
        return None
    data, client_node, pairs = _build(model)
    criterion: StoppingCriterion = MaxRuntime(max(0.1, time_limit_s))
    if stop is not None:
        asked = stop

        class _Asked:
            def __call__(self, best_cost: float) -> bool:
                return bool(asked())

        criterion = MultipleCriteria([criterion, _Asked()])
    started = time.monotonic()
    result = pyvrp.solve(data, stop=criterion, seed=seed, display=False)
    if not result.is_feasible():
        log.info("PyVRP engine found no feasible plan in %.1f s", time.monotonic() - started)
        return None
    names = {pyvrp.ActivityType.CLIENT: "client", pyvrp.ActivityType.PICKUP: "pickup",
             pyvrp.ActivityType.DELIVERY: "delivery"}
    out: list[tuple[int, ...]] = [() for _ in range(model.num_vehicles)]
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
        out[int(route.vehicle_type())] = tuple(nodes)
    return tuple(out)
