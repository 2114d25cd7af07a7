"""Insertion places: what request_positions offers is exactly what the schedule accepts, at the cost it says."""

from __future__ import annotations

import pytest
from node_models import random_pdptw

from routing.construct import insertion_routes
from routing.engine import NodeModel
from routing.generator import generate_day
from routing.insertion import (
    RouteState,
    insertion_data_for,
    inserted_nodes,
    remove_request,
    request_positions,
    schedule_route,
)
from routing.planner import compile_day


def _every_place(nodes: list[int], request: tuple[int, ...]) -> set[tuple[int, int]]:
    """Every (a, b) a request can be put at in a route of these nodes, feasible or not."""
    last = len(nodes) - 1
    if len(request) == 1:
        return {(a, a) for a in range(last)}
    return {(a, b) for a in range(last) for b in range(a, last)}


def _assert_places_exact(model: NodeModel, routes: tuple[tuple[int, ...], ...]) -> int:
    """Take each request out of its route in turn and compare the places offered with brute force."""
    data = insertion_data_for(model)
    cost = data.cost
    checked = 0
    for v, visits in enumerate(routes):
        for request in sorted({data.request_of[n] for n in visits}):
            route = RouteState(v, [data.start[v], *visits, data.end[v]])
            remove_request(route, request)
            assert route.refresh(data)
            offered = {(a, b): delta for delta, a, b in request_positions(data, route, request)}
            feasible = {
                place
                for place in _every_place(route.nodes, request)
                if schedule_route(data, v, inserted_nodes(route.nodes, request, *place))
            }
            assert set(offered) == feasible
            for (a, b), delta in offered.items():
                after = inserted_nodes(route.nodes, request, a, b)
                assert delta == sum(cost[x][y] for x, y in zip(after, after[1:])) - sum(
                    cost[x][y] for x, y in zip(route.nodes, route.nodes[1:])
                )
            checked += 1
    return checked


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pair_places_of_random_pdptw_routes_are_exactly_the_feasible_ones(seed: int) -> None:
    """Pickup-delivery pairs with windows and capacity: no feasible place missed, no infeasible one offered."""
    model, _ = random_pdptw(seed, pairs=12, vehicles=12)
    routes = insertion_routes(model, 30.0)
    assert routes is not None
    assert _assert_places_exact(model, routes) == 12


def test_places_on_a_generated_day_with_shifts_and_shop_loading_are_exactly_the_feasible_ones() -> None:
    """A branch day (shifts, shop loading in the travel times, longest round): the same, request by request."""
    model = compile_day(generate_day(seed=3, orders=25)).model()
    routes = insertion_routes(model, 30.0)
    assert routes is not None
    assert _assert_places_exact(model, routes) > 0
