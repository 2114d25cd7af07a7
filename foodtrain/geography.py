"""Distances between places: geopy for one pair, the routing library's vectorised matrix for many."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from geopy.distance import geodesic

from routing.travel import GreatCircleTravel, great_circle_m


def distance_km(from_lat_lon: tuple[float, float], to_lat_lon: tuple[float, float]) -> float:
    """Straight-line (WGS84 geodesic) distance in kilometres between two points."""
    return float(geodesic(from_lat_lon, to_lat_lon).km)


def distance_matrix_km(latitudes: Sequence[float], longitudes: Sequence[float]) -> np.ndarray:
    """Straight-line distances between every pair of points (vectorised great-circle), in km."""
    if len(latitudes) != len(longitudes):
        raise ValueError("longitudes: must have as many values as latitudes")
    return great_circle_m(np.asarray(latitudes, dtype=float), np.asarray(longitudes, dtype=float)) / 1000.0


def branch_travel_model(detour_factor: float, average_speed_kmh: float) -> GreatCircleTravel:
    """The branch's road estimate: straight line × detour factor, driven at the average speed."""
    return GreatCircleTravel(detour_factor=detour_factor, speed_kmh=average_speed_kmh)
