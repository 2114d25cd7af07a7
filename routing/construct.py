"""A rough first plan in a fraction of a second, for days too large for a solver's own construction.

Requests (a pickup-delivery pair, or a single visit) are chained by nearest
neighbour on the cost matrix, starting next to the first depot; the chain is
cut into trips that fit a vehicle's capacity and, roughly, its shift; each
trip loads all its pickups first and then serves its stops in order of their
earliest window. The plan usually breaks some windows: it is a start for a
search that repairs (PyVRP's penalised local search), never a plan to return.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from routing.engine import NodeModel


def rough_routes(model: NodeModel) -> tuple[tuple[int, ...], ...]:
    """Node routes per vehicle serving every visit once, pickups before their deliveries, within capacity."""
    partner = {d: p for p, d in model.pairs}
    pickups = {p for p, _ in model.pairs}
    anchors = [n for n in model.visits if n not in pickups]  # the delivery or the single visit
    if not anchors:
        return tuple(() for _ in range(model.num_vehicles))
    cost = np.asarray(model.cost, dtype=np.float64)
    demand = np.abs(np.asarray(model.demand, dtype=np.int64))
    service = np.zeros(model.num_nodes) if model.service is None else np.asarray(model.service, dtype=np.float64)
    if model.windows is not None:
        opens = np.array([min((a for a, _ in model.windows[n]), default=0) for n in range(model.num_nodes)])
    else:
        opens = np.zeros(model.num_nodes)
    # nearest-neighbour chain of anchors, from the one nearest the first depot
    left = np.array(anchors)
    here = int(left[np.argmin(cost[model.starts[0], left])])
    chain = [here]
    mask = np.ones(len(left), dtype=bool)
    mask[np.where(left == here)[0][0]] = False
    while mask.any():
        candidates = left[mask]
        here = int(candidates[np.argmin(cost[here, candidates])])
        chain.append(here)
        mask[np.where(left == here)[0][0]] = False
    # cut into trips: capacity exactly, time roughly (travel along the chain plus service)
    fleet = model.num_vehicles
    if model.shifts:
        shift = float(np.median([b - a for a, b in model.shifts]))
    else:
        shift = float("inf")
    capacity = int(min(model.capacity)) if model.capacity else 0
    trips: list[list[int]] = [[]]
    load = work = 0.0
    for prev, node in zip([None, *chain], chain):
        need = float(demand[node])
        step = service[node] + (0.0 if prev is None else cost[prev, node])
        if node in partner:
            step += service[partner[node]]
        if trips[-1] and (load + need > capacity or work + step > 0.7 * shift):
            trips.append([])
            load = work = 0.0
        trips[-1].append(node)
        load += need
        work += step
    routes: list[list[int]] = [[] for _ in range(fleet)]
    for k, trip in enumerate(trips):
        picks = sorted((partner[n] for n in trip if n in partner), key=lambda p: cost[trip[0], p])
        stops = sorted(trip, key=lambda n: opens[n])
        routes[k % fleet].extend([*picks, *stops])  # more trips than vans: a van does several in turn
    return tuple(tuple(r) for r in routes)
