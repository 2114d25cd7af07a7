"""Distances: geopy for a pair, a vectorised matrix for many, in agreement."""

from __future__ import annotations

import random
import time

import numpy as np
import pytest

from foodtrain.geography import branch_travel_model, distance_km, distance_matrix_km

DUMFRIES = (55.0706, -3.6044)
STRANRAER = (54.9030, -5.0240)


def test_pair_distance_dumfries_to_stranraer() -> None:
    """About 92 km as the crow flies."""
    assert 88 < distance_km(DUMFRIES, STRANRAER) < 96


def test_matrix_agrees_with_geopy_within_half_a_percent() -> None:
    rng = random.Random(3)
    points = [(rng.uniform(54.7, 55.5), rng.uniform(-5.1, -2.9)) for _ in range(30)]
    matrix = distance_matrix_km([p[0] for p in points], [p[1] for p in points])
    for i in range(0, 30, 7):
        for j in range(1, 30, 5):
            expected = distance_km(points[i], points[j])
            assert matrix[i, j] == pytest.approx(expected, rel=5e-3, abs=1e-6)


def test_thousand_point_matrix_is_vectorised() -> None:
    """1,000 points give a symmetric 1,000 x 1,000 matrix with a zero diagonal, well under a second."""
    rng = np.random.default_rng(1)
    lat, lon = rng.uniform(54.7, 55.5, 1000), rng.uniform(-5.1, -2.9, 1000)
    started = time.perf_counter()
    matrix = distance_matrix_km(lat, lon)
    elapsed_s = time.perf_counter() - started
    print(f"\n1,000-point distance matrix: {elapsed_s * 1000:.0f} ms")
    assert matrix.shape == (1000, 1000)
    assert np.allclose(matrix, matrix.T) and np.all(np.diag(matrix) == 0)


def test_branch_travel_model_applies_detour_and_speed() -> None:
    """60 km straight x 1.5 detour at 45 km/h takes two hours."""
    from dataclasses import dataclass

    @dataclass
    class Point:
        id: str
        lat: float
        lon: float

    a = Point("a", 55.0, -3.6)
    b = Point("b", 55.0 + 60 / 111.195, -3.6)
    matrix = branch_travel_model(1.5, 45).matrix([a, b])
    assert matrix.distance_m[0, 1] == pytest.approx(90_000, rel=1e-3)
    assert matrix.duration_min[0, 1] == pytest.approx(120, rel=1e-3)


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="longitudes"):
        distance_matrix_km([55.0, 55.1], [-3.6])
