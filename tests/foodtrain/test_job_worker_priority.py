"""Job workers run their solvers at a lower CPU priority than the web server (WORKER_NICENESS).

On a charity's one box the web server and the workers share the cores; a solver at the
same priority makes office pages wait for a CPU. Niceness is a per-thread attribute on
Linux, inherited at creation: these tests look at every thread of a real worker while a
solver runs, not at a flag.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from foodtrain.config import Config, TestConfig
from foodtrain.extensions import db
from foodtrain.job_queue import job_queue, lower_cpu_priority
from foodtrain.jobs import request_cancel, submit_job
from foodtrain.models import BackgroundJob, Branch, JobStatus
from foodtrain.services.rota import GENERATE_JOB_KIND
from tests.serving import FOODTRAIN, environment
from web import create_app

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="reads thread niceness from /proc")


def _thread_niceness(pid: int) -> dict[int, int]:
    """Niceness of each thread of a process (field 19 of /proc/PID/task/TID/stat)."""
    niceness = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            stat = (task / "stat").read_text()
        except FileNotFoundError:  # the thread ended meanwhile
            continue
        niceness[int(task.name)] = int(stat.rsplit(")", 1)[1].split()[16])
    return niceness


def test_the_default_worker_niceness_is_lower_priority_and_the_setting_is_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unset, workers run at niceness 10; FOODTRAIN_WORKER_NICENESS changes it, and a bad value is refused."""
    monkeypatch.delenv("FOODTRAIN_WORKER_NICENESS", raising=False)
    assert Config.from_environment(tmp_path)["WORKER_NICENESS"] == 10
    monkeypatch.setenv("FOODTRAIN_WORKER_NICENESS", "0")
    assert Config.from_environment(tmp_path)["WORKER_NICENESS"] == 0
    for bad in ("-5", "20", "low"):
        monkeypatch.setenv("FOODTRAIN_WORKER_NICENESS", bad)
        with pytest.raises(ValueError, match="FOODTRAIN_WORKER_NICENESS"):
            Config.from_environment(tmp_path)


def test_lower_cpu_priority_never_raises_priority() -> None:
    """Asking for less niceness than the process has changes nothing (and needs no privilege)."""
    current = os.getpriority(os.PRIO_PROCESS, 0)
    assert lower_cpu_priority(0) == current


def _queue_rota_job(app, time_limit_s: float) -> int:
    with app.app_context():
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
        job_id = submit_job(
            db.session,
            branch_id=branch_id,
            kind=GENERATE_JOB_KIND,
            user_id=None,
            parameters={"month": "2026-12-01", "time_limit_s": time_limit_s},
        )
        db.session.remove()
        job_queue(app).enqueue(job_id)
    return job_id


def _job_row(app, job_id: int) -> BackgroundJob:
    with app.app_context():
        row = db.session.get(BackgroundJob, job_id)
        db.session.expunge(row)
        db.session.remove()
    return row


def test_every_thread_of_a_worker_running_a_solver_runs_at_the_worker_niceness(
    template_databases: dict[str, Path], tmp_path: Path
) -> None:
    """A `foodtrain worker` running a rota search: its main thread, job thread and the solver's own threads
    all run at FOODTRAIN_WORKER_NICENESS (threads started after the priority was lowered inherit it)."""
    wanted = max(13, os.getpriority(os.PRIO_PROCESS, 0))  # the test itself may already run under `nice`
    database = tmp_path / "foodtrain.sqlite3"
    shutil.copyfile(template_databases["demo"], database)
    instance = tmp_path / "instance"
    instance.mkdir()
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "JOBS_RUN_INLINE": False}, instance_path=str(instance)
    )
    env = environment(
        instance,
        DATABASE_URL=f"sqlite:///{database}",
        SECRET_KEY=TestConfig.SECRET_KEY,
        FOODTRAIN_ENCRYPTION_KEY=TestConfig.ENCRYPTION_KEY,
        FOODTRAIN_WORKER_NICENESS=str(wanted),
    )
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        worker = subprocess.Popen([FOODTRAIN, "worker"], stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        job_id = _queue_rota_job(app, time_limit_s=120)
        deadline = time.monotonic() + 90
        while not (
            _job_row(app, job_id).status is JobStatus.RUNNING and "Searching" in _job_row(app, job_id).progress_json
        ):
            assert time.monotonic() < deadline and worker.poll() is None, log_path.read_text(errors="replace")
            time.sleep(0.2)
        niceness = _thread_niceness(worker.pid)
        assert len(niceness) >= 4, niceness  # main, abandoned-jobs watch, job thread, heartbeat, solver threads
        assert set(niceness.values()) == {wanted}, niceness
        assert f"CPU niceness {wanted}" in log_path.read_text(errors="replace")
        with app.app_context():
            request_cancel(db.session, job_id, _job_row(app, job_id).branch_id)
            db.session.remove()
    finally:
        worker.send_signal(2)
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_threads_started_after_lowering_priority_inherit_it() -> None:
    """The rule the worker relies on: a thread started after lower_cpu_priority runs at that niceness."""
    script = (
        "import os, threading; from foodtrain.job_queue import lower_cpu_priority; "
        "n = lower_cpu_priority(os.getpriority(os.PRIO_PROCESS, 0) + 2 if os.getpriority(os.PRIO_PROCESS, 0) < 18 else 19); seen = [];"
        "t = threading.Thread(target=lambda: seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id())));"
        "t.start(); t.join(); print(n, seen[0])"
    )
    output = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    assert output[0] == output[1]
