"""Polishing a plan group by group (routing.decompose): groups of neighbouring routes, never a worse plan."""

from __future__ import annotations

import numpy as np
import pytest

from routing.construct import insertion_routes
from routing.decompose import polish_by_groups, request_of_node, route_groups, route_requests
from routing.engine import EngineSolution, NodeModel, _loads
from routing.generator import generate_varied_day
from routing.large import requests_of
from routing.modelcheck import plan_violations
from routing.planner import compile_day

pytest.importorskip("pyvrp")


def _start(seed: int, orders: int) -> tuple[NodeModel, tuple[tuple[int, ...], ...]]:
    model = compile_day(generate_varied_day(seed, orders)).model()
    routes = insertion_routes(model, 60.0, seed)
    assert routes is not None and not model.unserved(routes)
    return model, routes


def test_route_groups_put_every_used_van_in_one_group_of_neighbours() -> None:
    model, routes = _start(2301, 120)
    used = [v for v in range(model.num_vehicles) if routes[v]]
    assert len(used) >= 4
    groups = route_groups(model, routes, np.random.default_rng(3), group_nodes=60)
    assert sorted(v for g in groups for v in g) == used  # each used van once, no idle van
    assert len(groups) >= 2
    for group in groups[:-1]:  # every group but the last has about the visits asked for
        assert sum(len(routes[v]) for v in group) >= 60 or len(group) == 1


def test_a_route_serves_the_requests_it_visits() -> None:
    model, routes = _start(2302, 60)
    request_of = request_of_node(model)
    served = sorted(request for route in routes for request in route_requests(request_of, route))
    assert served == sorted(requests_of(model))


@pytest.mark.parametrize("seed", [2303, 2304])
def test_polishing_by_groups_keeps_every_rule_and_never_makes_the_plan_worse(seed: int) -> None:
    """Every visit once, pairs on one van in order, OR-Tools accepts the plan; no more vans, and a regret
    insertion plan (never a local optimum) gets cheaper."""
    model, routes = _start(seed, 90)
    polished = polish_by_groups(model, routes, 3.0, seed, group_nodes=70, slice_s=0.3)
    assert sorted(n for r in polished for n in r) == sorted(model.visits)
    van_of = {n: v for v, r in enumerate(polished) for n in r}
    for p, d in model.pairs:
        assert van_of[p] == van_of[d] and polished[van_of[p]].index(p) < polished[van_of[p]].index(d)
    assert plan_violations(model, polished) == []
    assert _loads(model, EngineSolution(polished, (), model.routes_cost(polished)))
    assert sum(1 for r in polished if r) <= sum(1 for r in routes if r)
    assert model.routes_cost(polished) < model.routes_cost(routes)


def test_polishing_stops_when_asked() -> None:
    import time

    model, routes = _start(2305, 90)
    began = time.monotonic()
    assert polish_by_groups(model, routes, 60.0, 0, stop=lambda: True) == routes
    assert time.monotonic() - began < 5.0


def test_a_plan_of_fewer_routes_than_a_group_needs_is_left_to_the_whole_day_search() -> None:
    """One or two routes: nothing to group (short runs from the best plan lost to one run on a one-van day)."""
    from routing.decompose import GROUPS_MIN_ROUTES

    model, routes = _start(2306, 12)
    assert 0 < sum(1 for r in routes if r) < GROUPS_MIN_ROUTES
    assert polish_by_groups(model, routes, 2.0, 0) == routes
