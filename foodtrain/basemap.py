"""Coastline, lochs and towns under the route map, read from a file shipped with foodtrain (no tiles, no network).

The data (``data/basemap/gb_basemap.json.xz``, rebuilt by ``data/basemap/build_basemap.py``; see
``data/basemap/SOURCE.md``) covers Great Britain, Ireland and the Isle of Man: GSHHG full-resolution
shorelines and lakes (simplified to 40 m) and GeoNames places of 1,000 people or more.
Any map drawn from it must show :data:`BASEMAP_ATTRIBUTION`.
"""

from __future__ import annotations

import json
import lzma
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from foodtrain import DATA_DIRECTORY

BASEMAP_FILE = DATA_DIRECTORY / "basemap" / "gb_basemap.json.xz"
BASEMAP_FORMAT = "FOODTRAIN-BASEMAP 1"
BASEMAP_ATTRIBUTION = "Coast and lochs: GSHHG (Wessel & Smith), LGPL 3.0. Towns: GeoNames, CC BY 4.0."


@dataclass(frozen=True, eq=False)
class Outline:
    """A closed shoreline: its points' latitudes and longitudes, its bounding box (south, west, north, east)."""

    lats: np.ndarray
    lons: np.ndarray
    bounds: tuple[float, float, float, float]


@dataclass(frozen=True)
class Town:
    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Basemap:
    land: tuple[Outline, ...]
    lakes: tuple[Outline, ...]
    towns: tuple[Town, ...]


def simplify_polyline(points: np.ndarray, tolerance: float) -> np.ndarray:
    """Douglas–Peucker: the points (an n × 2 array) kept so that no dropped one is further than ``tolerance``
    from the simplified line; the first and last are always kept."""
    if len(points) < 4:
        return points
    keep = np.zeros(len(points), dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        if last - first < 2:
            continue
        a, b = points[first], points[last]
        segment = points[first + 1 : last]
        ab = b - a
        length = float(np.hypot(ab[0], ab[1]))
        if length == 0:
            distances = np.hypot(segment[:, 0] - a[0], segment[:, 1] - a[1])
        else:
            distances = np.abs(ab[0] * (segment[:, 1] - a[1]) - ab[1] * (segment[:, 0] - a[0])) / length
        index = int(np.argmax(distances))
        if distances[index] > tolerance:
            middle = first + 1 + index
            keep[middle] = True
            stack.append((first, middle))
            stack.append((middle, last))
    return points[keep]


_lock = threading.Lock()
_loaded: dict[Path, Basemap] = {}


def _outline(flat: list[float]) -> Outline:
    lonlat = np.asarray(flat, dtype=float).reshape(-1, 2)  # stored lon, lat
    lats, lons = lonlat[:, 1].copy(), lonlat[:, 0].copy()
    return Outline(lats, lons, (float(lats.min()), float(lons.min()), float(lats.max()), float(lons.max())))


def load_basemap(path: Path = BASEMAP_FILE) -> Basemap:
    """The shipped basemap (read once per process, about 0.3 s); an empty one if the file is missing."""
    with _lock:
        if path not in _loaded:
            if not path.exists():
                _loaded[path] = Basemap((), (), ())
            else:
                document = json.loads(lzma.decompress(path.read_bytes()))
                if document.get("format") != BASEMAP_FORMAT:
                    raise ValueError(f"{path}: not a {BASEMAP_FORMAT} file")
                _loaded[path] = Basemap(
                    tuple(_outline(p) for p in document["land"]),
                    tuple(_outline(p) for p in document["lakes"]),
                    tuple(Town(name, lat, lon) for name, lat, lon in document["towns"]),
                )
        return _loaded[path]


def _overlaps(bounds: tuple[float, float, float, float], box: tuple[float, float, float, float]) -> bool:
    south, west, north, east = bounds
    return not (north < box[0] or south > box[2] or east < box[1] or west > box[3])


def basemap_within(box: tuple[float, float, float, float], basemap: Basemap | None = None) -> Basemap:
    """The outlines touching ``box`` (south, west, north, east, degrees) and the towns inside it."""
    basemap = basemap if basemap is not None else load_basemap()
    south, west, north, east = box
    return Basemap(
        tuple(o for o in basemap.land if _overlaps(o.bounds, box)),
        tuple(o for o in basemap.lakes if _overlaps(o.bounds, box)),
        tuple(t for t in basemap.towns if south <= t.lat <= north and west <= t.lon <= east),
    )


__all__ = [
    "BASEMAP_ATTRIBUTION",
    "BASEMAP_FILE",
    "Basemap",
    "Outline",
    "Town",
    "basemap_within",
    "load_basemap",
    "simplify_polyline",
]
