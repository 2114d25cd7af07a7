"""The load test's own rules: the office users' think time and when a national-day speed-up counts."""

from __future__ import annotations

import os
import random
import signal
import statistics
import threading
import time

import pytest

from foodtrain.loadtest import DEFAULT_THINK_S, THINK_CAP_FACTOR, _worker_cpus, quality_within_noise, think_time_s
from foodtrain.loadtest_cluster import _torn_down_on_sigterm


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


def test_national_day_workers_get_a_cpu_each_or_share_all() -> None:
    """one-each: worker n runs on the n-th CPU this process may use (distinct CPUs); any: no pinning; asking for
    more workers than CPUs is refused rather than silently sharing."""
    allowed = sorted(os.sched_getaffinity(0))
    assert _worker_cpus(1, True) == [{allowed[0]}]
    assert _worker_cpus(2, False) == [None, None]
    if len(allowed) >= 2:
        assert _worker_cpus(2, True) == [{allowed[0]}, {allowed[1]}]
    with pytest.raises(SystemExit, match="needs"):
        _worker_cpus(len(allowed) + 1, True)


def test_sigterm_inside_the_cluster_block_ends_it_as_ctrl_c_does() -> None:
    """SIGTERM (systemd, kill) within several_processes' block raises KeyboardInterrupt, so the tear-down runs;
    outside the block the previous handler is back."""
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signal handlers are set in the main thread only")
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt), _torn_down_on_sigterm():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler interrupts this at once
    assert signal.getsignal(signal.SIGTERM) is before
