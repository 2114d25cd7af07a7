"""Travel model: great-circle distance, detour, speed; fast on 1,000 points."""

from __future__ import annotations

import time

import numpy as np
import pytest

from routing import GreatCircleTravel, Location, ProblemError, TravelModel


def test_known_distance_london_paris() -> None:
    """London–Paris great-circle distance is about 343.5 km (detour 1, so exact haversine)."""
    m = GreatCircleTravel(detour_factor=1.0, speed_kmh=60.0).matrix(
        [Location("lon", 51.5074, -0.1278), Location("par", 48.8566, 2.3522)]
    )
    assert m.distance_m[0, 1] == pytest.approx(343_500, rel=0.005)
    assert m.duration_min[0, 1] == pytest.approx(m.distance_m[0, 1] / 1000.0)  # 60 km/h: 1 min per km
    assert m.distance_m[1, 0] == m.distance_m[0, 1] and m.distance_m[0, 0] == 0


def test_detour_and_speed_scale_linearly() -> None:
    """Doubling the detour doubles distance and time; doubling the speed halves time."""
    pts = [Location("a", 55.0, -3.0), Location("b", 55.1, -3.2)]
    base = GreatCircleTravel(1.2, 40).matrix(pts)
    assert GreatCircleTravel(2.4, 40).matrix(pts).distance_m[0, 1] == pytest.approx(2 * base.distance_m[0, 1])
    assert GreatCircleTravel(1.2, 80).matrix(pts).duration_min[0, 1] == pytest.approx(base.duration_min[0, 1] / 2)


def test_thousand_points_well_under_a_second() -> None:
    """A 1,000-point matrix takes well under a second of CPU (process time, robust to a busy machine)."""
    rng = np.random.default_rng(0)
    pts = [Location(str(i), 55 + rng.random(), -3 + rng.random()) for i in range(1000)]
    start = time.process_time()
    m = GreatCircleTravel().matrix(pts)
    elapsed = time.process_time() - start
    assert m.duration_min.shape == (1000, 1000)
    assert elapsed < 0.5


def test_is_a_travel_model_and_rejects_nonsense() -> None:
    """GreatCircleTravel satisfies the TravelModel seam; a detour below 1 is refused."""
    assert isinstance(GreatCircleTravel(), TravelModel)
    with pytest.raises(ProblemError) as info:
        GreatCircleTravel(detour_factor=0.5)
    assert info.value.field == "travel.detour_factor"
