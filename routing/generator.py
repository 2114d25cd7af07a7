"""Seeded generator of realistic branch days (a market town and its countryside)."""

from __future__ import annotations

import math

import numpy as np

from routing.domain import Location, Order, Problem, Shop, TimeWindow, Van
from routing.travel import GreatCircleTravel

#: Town centre the generated days are placed around (a Scottish market town).
TOWN = (55.070, -3.605)
KM_PER_DEG_LAT = 111.2


def _offset(rng: np.random.Generator, radius_km: float, inner_km: float = 0.0) -> tuple[float, float]:
    """A point between ``inner_km`` and ``radius_km`` from the town centre."""
    r = math.sqrt(rng.uniform((inner_km / radius_km) ** 2, 1.0)) * radius_km
    a = rng.uniform(0, 2 * math.pi)
    dlat = r * math.cos(a) / KM_PER_DEG_LAT
    dlon = r * math.sin(a) / (KM_PER_DEG_LAT * math.cos(math.radians(TOWN[0])))
    return round(TOWN[0] + dlat, 5), round(TOWN[1] + dlon, 5)


def generate_day(seed: int = 0, orders: int | None = None) -> Problem:
    """A branch day: 60–250 orders, 2–5 shops, 3–10 vans, town and rural customers.

    Windows follow what customers ask for: none, "mornings only", "not before
    HH:00" or a two-hour slot; some need unpacking help (longer service).
    """
    rng = np.random.default_rng(seed)
    n_orders = int(orders if orders is not None else rng.integers(60, 251))
    n_shops = int(rng.integers(2, 6))
    n_vans = int(min(10, max(3, math.ceil(n_orders / 20))))
    base = Location("base", *_offset(rng, 1.0))
    shift_start = int(rng.choice([8 * 60, 8 * 60 + 30, 9 * 60]))
    vans = tuple(
        Van(
            f"van{k + 1}",
            int(rng.choice([24, 30, 36, 40])),
            base,
            shift_start_min=shift_start,
            shift_end_min=shift_start + int(rng.choice([7, 8, 8, 9])) * 60,
        )
        for k in range(n_vans)
    )
    shops = tuple(
        Shop(
            f"shop{k + 1}",
            Location(f"shop{k + 1}", *_offset(rng, 3.0)),
            ready_min=shift_start + int(rng.choice([0, 15, 30, 60])),
            loading_per_visit_min=float(rng.choice([5, 8, 10])),
            loading_per_order_min=1.0,
        )
        for k in range(n_shops)
    )
    day_end = min(v.shift_end_min for v in vans)
    out = []
    for k in range(n_orders):
        rural = rng.random() < 0.3
        lat, lon = _offset(rng, 22.0, 5.0) if rural else _offset(rng, 4.0)
        kind = rng.random()
        if kind < 0.4:
            windows: tuple[TimeWindow, ...] = ()
        elif kind < 0.65:
            windows = (TimeWindow(shift_start, 12 * 60),)
        elif kind < 0.85:
            windows = (TimeWindow(int(rng.choice([10, 11, 12, 13])) * 60, day_end - 30),)
        else:
            s = int(rng.integers(shift_start // 60 + 1, day_end // 60 - 2)) * 60
            windows = (TimeWindow(s, s + 120),)
        help_needed = rng.random() < 0.15
        shop = None if rng.random() < 0.05 else shops[int(rng.integers(n_shops))].id
        out.append(
            Order(
                f"o{k + 1}",
                Location(f"c{k + 1}", lat, lon),
                int(rng.integers(1, 7)) if shop else 0,
                shop,
                windows,
                float(rng.integers(10, 21)) if help_needed else float(rng.integers(3, 9)),
            )
        )
    travel = GreatCircleTravel(detour_factor=1.35, speed_kmh=float(rng.choice([35, 40, 45])))
    return Problem(vans=vans, orders=tuple(out), shops=shops, travel=travel)


def generate_varied_day(seed: int, orders: int | None = None) -> Problem:
    """A branch day drawn from a wider family than :func:`generate_day`, for side-by-side benchmarks.

    25–450 orders; a rural share from 10 % to 70 % spread up to 35 km out;
    1–5 shops; windows tight (one hour) or loose (half a day) in varying
    shares; up to 30 % plain visits (no shop). One window per order, so every
    peer solver models the day exactly.
    """
    rng = np.random.default_rng(10_000 + seed)
    n_orders = int(orders if orders is not None else rng.integers(25, 451))
    n_shops = int(rng.integers(1, 6))
    rural_share = float(rng.uniform(0.1, 0.7))
    rural_km = float(rng.choice([15.0, 25.0, 35.0]))
    tight_share = float(rng.uniform(0.0, 0.5))
    loose_share = float(rng.uniform(0.1, 0.5))
    plain_share = float(rng.choice([0.0, 0.05, 0.15, 0.3]))
    capacity = int(rng.choice([24, 30, 40]))
    n_vans = int(max(2, math.ceil(n_orders / 12)))
    base = Location("base", *_offset(rng, 1.5))
    shift_start = int(rng.choice([8 * 60, 8 * 60 + 30, 9 * 60]))
    shift_end = shift_start + int(rng.choice([7, 8, 9])) * 60
    vans = tuple(
        Van(f"van{k + 1}", capacity, base, shift_start_min=shift_start, shift_end_min=shift_end) for k in range(n_vans)
    )
    shops = tuple(
        Shop(
            f"shop{k + 1}",
            Location(f"shop{k + 1}", *_offset(rng, 5.0)),
            ready_min=shift_start + int(rng.choice([0, 15, 30])),
            loading_per_visit_min=float(rng.choice([5, 8, 10])),
            loading_per_order_min=1.0,
        )
        for k in range(n_shops)
    )
    out = []
    for k in range(n_orders):
        lat, lon = _offset(rng, rural_km, 5.0) if rng.random() < rural_share else _offset(rng, 4.0)
        kind = rng.random()
        if kind < tight_share:
            s = int(rng.integers(shift_start // 60 + 1, shift_end // 60 - 1)) * 60
            windows: tuple[TimeWindow, ...] = (TimeWindow(s, s + 60),)
        elif kind < tight_share + loose_share:
            half = (shift_start + shift_end) // 2
            windows = (TimeWindow(shift_start, half),) if rng.random() < 0.5 else (TimeWindow(half, shift_end - 15),)
        else:
            windows = ()
        shop = None if rng.random() < plain_share else shops[int(rng.integers(n_shops))].id
        out.append(
            Order(
                f"o{k + 1}",
                Location(f"c{k + 1}", lat, lon),
                int(rng.integers(1, 6)) if shop else 0,
                shop,
                windows,
                float(rng.integers(3, 13)),
            )
        )
    travel = GreatCircleTravel(detour_factor=1.35, speed_kmh=float(rng.choice([35, 40, 45, 50])))
    return Problem(vans=vans, orders=tuple(out), shops=shops, travel=travel)
