"""Small builders for routing problems: keyword overrides instead of fixture files."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from routing import Location, Order, Problem, Shop, TimeWindow, TravelMatrix, Van

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
