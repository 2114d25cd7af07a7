"""The stop request and the progress callback of routing.solve."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from routing import Params, Progress, Status, solve
from routing.generator import generate_day
from tests.processes import HAS_PROC, alive, children_of
from tests.routing.routing_factories import check_invariants


@pytest.mark.parametrize("workers", [1, 2])
def test_a_long_solve_stopped_after_one_second_returns_its_best_plan_within_two(workers: int) -> None:
    """A 60 s solve asked to stop after 1 s returns within 2 s of the request, with a plan that holds every rule."""
    problem = generate_day(seed=11, orders=120)
    asked_at: list[float] = []

    def should_stop() -> bool:
        if time.monotonic() - started >= 1.0:
            if not asked_at:
                asked_at.append(time.monotonic())
            return True
        return False

    heard: list[Progress] = []
    started = time.monotonic()
    result = solve(problem, Params(time_limit_s=60, workers=workers), should_stop=should_stop, on_progress=heard.append)
    returned = time.monotonic()
    assert asked_at, "the search never asked whether to stop"
    assert returned - asked_at[0] < 2.0
    assert result.status in (Status.FEASIBLE, Status.INFEASIBLE)
    assert result.routes, "a plan found before the stop must come back"
    check_invariants(problem, result)
    assert heard, "progress was never reported"
    assert all(p.vans_used >= 1 and p.drive_min > 0 for p in heard)
    assert [p.elapsed_s for p in heard] == sorted(p.elapsed_s for p in heard)


def test_progress_reports_only_better_plans_and_ends_at_the_result() -> None:
    """Each report is a better plan than the one before, the last matches the result.

    Better is fewer unserved, then fewer vans, then less driving plus loading at the shops (the duration objective);
    driving alone may rise when fewer shop stops pay for it (CI saw 547.9 then 551.3 drive minutes on this day).
    """
    problem = generate_day(seed=12, orders=40)
    heard: list[Progress] = []
    result = solve(problem, Params(time_limit_s=3), on_progress=heard.append)
    keys = [(p.unserved, p.vans_used, p.work_min) for p in heard]
    assert keys and all(a > b for a, b in zip(keys, keys[1:]))
    assert heard[-1].vans_used == result.vans_used
    assert heard[-1].unserved == len(result.unserved)
    assert heard[-1].drive_min == pytest.approx(result.total_drive_min, rel=1e-6)


def test_a_stop_from_another_thread_is_honoured() -> None:
    """The page's cancel sets an event in another thread; the solve ends soon after, plan intact."""
    problem = generate_day(seed=13, orders=60)
    cancel = threading.Event()
    timer = threading.Timer(1.0, cancel.set)
    timer.start()
    started = time.monotonic()
    result = solve(problem, Params(time_limit_s=60), should_stop=cancel.is_set)
    timer.join()
    assert time.monotonic() - started < 3.0
    check_invariants(problem, result)


_LONG_SOLVE = """
import sys
import routing.engine
from routing import Params, solve
from routing.generator import generate_day

if sys.argv[1] == "parent-check":
    routing.engine._PR_SET_PDEATHSIG = -1  # prctl refuses it: only the portable parent check is left
solve(generate_day(seed=11, orders=120), Params(time_limit_s=60, workers=2))
"""


@pytest.mark.skipif(not HAS_PROC, reason="reads child processes from /proc (Linux)")
@pytest.mark.parametrize("watch", ["kernel-signal", "parent-check"])
def test_search_workers_end_within_seconds_when_their_parent_is_killed(watch: str) -> None:
    """A process running a 60 s two-worker solve is killed hard (kill -9, as a job worker can be): its search
    worker processes end within seconds instead of searching on until the limit (both ways they watch)."""
    script = subprocess.Popen([sys.executable, "-c", _LONG_SOLVE, watch])
    try:
        deadline = time.monotonic() + 30
        while len(children := children_of(script.pid)) < 2:
            assert script.poll() is None and time.monotonic() < deadline, "the search workers never started"
            time.sleep(0.1)
        time.sleep(1.0)  # the workers are searching
    finally:
        script.kill()
        script.wait()
    killed_at = time.monotonic()
    while any(alive(child) for child in children) and time.monotonic() - killed_at < 5.0:
        time.sleep(0.1)
    survivors = [child for child in children if alive(child)]
    for child in survivors:
        os.kill(child, signal.SIGKILL)
    assert not survivors, f"search workers still running 5 s after their parent was killed: {survivors}"
