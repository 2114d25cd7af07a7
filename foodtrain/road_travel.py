"""Road travel times from a branch's OSRM server (``table`` API), with the great-circle model as fallback.

The routing library never touches the network: foodtrain asks the server
here, turns the answer into a :class:`routing.TravelMatrix` and passes that
in. A server that is down, slow or answers nonsense costs nothing but
accuracy: the plan is made with the great-circle model and the coordinator
is told why. Answers are cached per branch server, delivery day and set of
places, so re-planning a day does not ask again.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from routing.travel import GreatCircleTravel, HasCoordinates, TravelMatrix

#: How long to wait for the road server before planning with straight-line distances.
ROAD_SERVER_TIMEOUT_S = 10.0


class RoadServerError(Exception):
    """The road server could not give a usable matrix (down, slow, or a malformed answer)."""


def osrm_table(
    server_url: str, points: Sequence[HasCoordinates], timeout_s: float = ROAD_SERVER_TIMEOUT_S
) -> TravelMatrix:
    """Durations and distances between all ``points`` from an OSRM server's ``table`` service."""
    if urllib.parse.urlsplit(server_url).scheme not in ("http", "https"):
        raise RoadServerError(f"The road server address must start with http:// or https://, not {server_url!r}.")
    coordinates = ";".join(f"{p.lon:.6f},{p.lat:.6f}" for p in points)
    url = f"{server_url.rstrip('/')}/table/v1/driving/{coordinates}?annotations=duration,distance"
    try:
        # http(s) only, checked above; the branch's own server URL  # nosec B310
        with urllib.request.urlopen(url, timeout=timeout_s) as response:  # nosec B310
            body = json.loads(response.read().decode("utf-8"))
    except (urllib.error.URLError, TimeoutError, OSError) as failure:
        raise RoadServerError(f"the road server at {server_url} did not answer ({failure})") from failure
    except (UnicodeDecodeError, json.JSONDecodeError) as failure:
        raise RoadServerError(f"the road server at {server_url} sent something that is not JSON") from failure
    return _matrix_from(body, points, server_url)


def _matrix_from(body: object, points: Sequence[HasCoordinates], server_url: str) -> TravelMatrix:
    n = len(points)
    if not isinstance(body, dict) or body.get("code") != "Ok":
        code = body.get("code") if isinstance(body, dict) else None
        raise RoadServerError(f"the road server at {server_url} refused the request (code {code!r})")
    try:
        durations_s = np.array(body["durations"], dtype=float)
        distances_m = np.array(body["distances"], dtype=float)
    except (KeyError, TypeError, ValueError) as failure:
        raise RoadServerError(
            f"the road server at {server_url} sent a table without durations and distances"
        ) from failure
    if durations_s.shape != (n, n) or distances_m.shape != (n, n):
        raise RoadServerError(f"the road server at {server_url} sent a {durations_s.shape} table for {n} places")
    if not (
        np.all(np.isfinite(durations_s))
        and np.all(np.isfinite(distances_m))
        and np.all(durations_s >= 0)
        and np.all(distances_m >= 0)
    ):
        raise RoadServerError(f"the road server at {server_url} could not reach every place by road")
    return TravelMatrix(tuple(p.id for p in points), durations_s / 60.0, distances_m)


@dataclass
class RoadTravel:
    """Travel matrices for one branch: from its road server when it has one, else great-circle.

    ``matrix_for`` returns the matrix and, when the server failed, a message
    for the coordinator. Good answers are kept per (day, places).
    """

    server_url: str | None
    fallback: GreatCircleTravel = field(default_factory=GreatCircleTravel)
    timeout_s: float = ROAD_SERVER_TIMEOUT_S
    _cache: dict[tuple[date, tuple[tuple[str, float, float], ...]], TravelMatrix] = field(default_factory=dict)

    def matrix_for(self, day: date, points: Sequence[HasCoordinates]) -> tuple[TravelMatrix, str | None]:
        """(matrix, None) from the road server or the cache; (great-circle matrix, why) on failure."""
        if not self.server_url:
            return self.fallback.matrix(list(points)), None
        key = (day, tuple((p.id, round(p.lat, 6), round(p.lon, 6)) for p in points))
        cached = self._cache.get(key)
        if cached is not None:
            return cached, None
        try:
            matrix = osrm_table(self.server_url, points, self.timeout_s)
        except RoadServerError as failure:
            return self.fallback.matrix(list(points)), (
                f"Road travel times were not available: {failure}. "
                "This plan uses straight-line distances with a detour allowance."
            )
        self._cache[key] = matrix
        return matrix, None
