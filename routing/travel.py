"""Travel times and distances between places.

:class:`TravelModel` is the seam: anything that turns a list of points into a
:class:`TravelMatrix` will do (a road-network service such as OSRM's ``table``
endpoint can implement it later). :class:`GreatCircleTravel` is the built-in
estimate: great-circle distance times a detour factor, at an average speed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence, runtime_checkable

import numpy as np

EARTH_RADIUS_M = 6_371_008.8


class HasCoordinates(Protocol):
    """Anything with an ``id`` and WGS84 ``lat``/``lon`` (read-only, so frozen dataclasses qualify)."""

    @property
    def id(self) -> str: ...

    @property
    def lat(self) -> float: ...

    @property
    def lon(self) -> float: ...


@dataclass(frozen=True, eq=False)
class TravelMatrix:
    """Square matrices of driving minutes and metres, rows/columns in ``location_ids`` order."""

    location_ids: tuple[str, ...]
    duration_min: np.ndarray
    distance_m: np.ndarray

    def positions(self) -> dict[str, int]:
        """Row index of every location id."""
        return {lid: i for i, lid in enumerate(self.location_ids)}


@runtime_checkable
class TravelModel(Protocol):
    """Builds a travel matrix for a list of points."""

    def matrix(self, points: Sequence[HasCoordinates]) -> TravelMatrix:
        """Travel between every ordered pair of ``points``."""
        ...


def great_circle_m(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Pairwise haversine distances in metres (vectorised)."""
    phi = np.radians(np.asarray(lat, dtype=float))
    lam = np.radians(np.asarray(lon, dtype=float))
    dphi = phi[:, None] - phi[None, :]
    dlam = lam[:, None] - lam[None, :]
    a = np.sin(dphi / 2) ** 2 + np.cos(phi)[:, None] * np.cos(phi)[None, :] * np.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


@dataclass(frozen=True)
class GreatCircleTravel:
    """Road distance ≈ great-circle distance × ``detour_factor``; time at ``speed_kmh``."""

    detour_factor: float = 1.3
    speed_kmh: float = 40.0

    def __post_init__(self) -> None:
        from routing.errors import ProblemError

        if not (np.isfinite(self.detour_factor) and self.detour_factor >= 1.0):
            raise ProblemError("travel.detour_factor", f"must be a number >= 1, got {self.detour_factor!r}")
        if not (np.isfinite(self.speed_kmh) and self.speed_kmh > 0):
            raise ProblemError("travel.speed_kmh", f"must be a positive number, got {self.speed_kmh!r}")

    def matrix(self, points: Sequence[HasCoordinates]) -> TravelMatrix:
        """Distances in metres and minutes for every pair of points."""
        lat = np.array([p.lat for p in points], dtype=float)
        lon = np.array([p.lon for p in points], dtype=float)
        distance_m = great_circle_m(lat, lon) * self.detour_factor
        duration_min = distance_m / (self.speed_kmh * 1000.0 / 60.0)
        return TravelMatrix(tuple(p.id for p in points), duration_min, distance_m)
