"""The load test's own rules: the office users' think time and when a national-day speed-up counts."""
from __future__ import annotations

import random
import statistics

from foodtrain.loadtest import DEFAULT_THINK_S, THINK_CAP_FACTOR, quality_within_noise, think_time_s


def test_think_time_is_exponential_around_its_mean_and_cut() -> None:
    """Pauses average the given mean, are never negative nor above the cut, vary (not one fixed pause);
    a mean of 0 means no pause at all."""
    chooser = random.Random(7)
    pauses = [think_time_s(chooser, DEFAULT_THINK_S) for _ in range(20_000)]
    assert 0.95 * DEFAULT_THINK_S < statistics.fmean(pauses) < 1.05 * DEFAULT_THINK_S
    assert min(pauses) >= 0 and max(pauses) <= THINK_CAP_FACTOR * DEFAULT_THINK_S
    assert statistics.median(pauses) < DEFAULT_THINK_S  # exponential: many short pauses, a few long ones
    assert think_time_s(chooser, 0) == 0


def _run(unplanned: int, drive_min: int, placed: int = 2_100) -> dict[str, object]:
    return {"orders_placed": placed, "orders_unplanned": unplanned, "drive_min": drive_min}


def test_a_speed_up_counts_only_at_equal_quality() -> None:
    """Plans within 1% of the orders left out and 3% of driving are equally good; yesterday's 10 against 94 left
    out (of 2,143) is not, nor is driving 10% more."""
    assert quality_within_noise(_run(10, 36_000), _run(25, 36_900))
    assert not quality_within_noise(_run(10, 36_230, 2_133), _run(94, 32_742, 2_049))
    assert not quality_within_noise(_run(10, 36_000), _run(10, 39_600))
