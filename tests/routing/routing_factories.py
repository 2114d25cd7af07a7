"""Small builders for routing problems: keyword overrides instead of fixture files."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from routing import Location, Order, Problem, Result, Shop, Status, TimeWindow, TravelMatrix, Van

BASE = Location("base", 55.07, -3.60)
SHOP = Location("shop", 55.07, -3.60)


def make_van(id: str = "van1", **overrides: Any) -> Van:
    """A 20-crate van at the base working 08:00–17:00."""
    van = Van(id, 20, BASE, shift_start_min=8 * 60, shift_end_min=17 * 60)
    return replace(van, **overrides)


def make_shop(id: str = "s1", **overrides: Any) -> Shop:
    """A shop at ``SHOP`` ready at 08:00."""
    return replace(Shop(id, SHOP, ready_min=8 * 60), **overrides)


def make_order(id: str, lat: float = 55.08, lon: float = -3.60, **overrides: Any) -> Order:
    """A 2-crate order from shop s1 to a customer at (lat, lon)."""
    order = Order(id, Location(f"c-{id}", lat, lon), 2, "s1", (), 5.0)
    return replace(order, **overrides)


def window(start: str, end: str) -> TimeWindow:
    """TimeWindow from HH:MM strings."""

    def m(t: str) -> int:
        h, mm = t.split(":")
        return int(h) * 60 + int(mm)

    return TimeWindow(m(start), m(end))


def line_matrix(positions_km: dict[str, float], speed_kmh: float = 60.0) -> TravelMatrix:
    """Explicit matrix for places on a straight road: distance |a-b| km at ``speed_kmh``."""
    ids = tuple(positions_km)
    x = np.array([positions_km[i] for i in ids])
    dist_m = np.abs(x[:, None] - x[None, :]) * 1000.0
    return TravelMatrix(ids, dist_m / (speed_kmh * 1000 / 60), dist_m)


def make_problem(**overrides: Any) -> Problem:
    """One van, one shop, no orders unless given."""
    problem = Problem(vans=(make_van(),), orders=(), shops=(make_shop(),))
    return replace(problem, **overrides)


def check_invariants(problem: Problem, result: Result) -> None:
    """Each order once, pickup before delivery on one van, capacity, windows, shifts, reasons."""
    orders = {o.id: o for o in problem.orders}
    vans = {v.id: v for v in problem.vans}
    served: list[str] = []
    for route in result.routes:
        van = vans[route.van_id]
        assert route.stops[0].kind == "start" and route.stops[-1].kind == "end"
        assert route.stops[0].departure_min >= van.shift_start_min - 1e-9
        assert route.stops[-1].arrival_min <= van.shift_end_min + 1e-9
        picked: set[str] = set()
        load = 0
        for stop in route.stops[1:-1]:
            order = orders[stop.order_id]  # type: ignore[index]  # order_id is None only on depot stops, which the slice leaves out
            if stop.kind == "pickup":
                picked.add(order.id)
                load += order.size_crates
            elif stop.kind == "delivery":
                assert order.id in picked, "delivery before pickup on the same van"
                load -= order.size_crates
                served.append(order.id)
            else:
                load += order.size_crates
                served.append(order.id)
            assert stop.load_after_crates == load
            assert 0 <= load <= van.capacity_crates
            if stop.kind != "pickup" and order.windows:
                begin = stop.arrival_min + stop.wait_min
                assert any(w.start_min - 1e-6 <= begin <= w.end_min + 1e-6 for w in order.windows)
        assert picked <= set(served), "picked up but never delivered"
    assert len(served) == len(set(served)), "an order was served twice"
    unserved = {u.order_id for u in result.unserved}
    assert set(served) | unserved == set(orders)
    assert not set(served) & unserved
    assert all(u.reason for u in result.unserved)
    assert result.vans_used == len(result.routes)
    assert (result.status == Status.FEASIBLE) == (not result.unserved and bool(orders))


def one_shop_three_orders(shop_calls: int) -> tuple[Problem, list[tuple[str, int]]]:
    """One van, one shop (10 min a call, 2 min an order) and three orders on a straight road, with a plan that
    calls at the shop once (all three loaded together) or twice (the first order delivered before the others
    are loaded): the day that tells whether an engine charges a shop's loading once per call."""
    matrix = line_matrix({"base": 0, "shop": 5, "c-a": 10, "c-b": 12, "c-c": 14})
    orders = (make_order("a"), make_order("b"), make_order("c"))
    problem = make_problem(
        orders=orders, matrix=matrix, shops=(make_shop(loading_per_visit_min=10.0, loading_per_order_min=2.0),)
    )
    if shop_calls == 1:
        steps = [("pickup", 0), ("pickup", 1), ("pickup", 2), ("delivery", 0), ("delivery", 1), ("delivery", 2)]
    else:
        steps = [("pickup", 0), ("delivery", 0), ("pickup", 1), ("pickup", 2), ("delivery", 1), ("delivery", 2)]
    return problem, steps
