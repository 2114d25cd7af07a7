"""Jobs run by real `foodtrain worker` processes, on both queue storages (a SQLite file and a Redis server).

The worker is a separate process, as in production: the test process stores the job row
and puts its id on the queue, and watches the row (the source of truth) change.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from foodtrain.config import TestConfig
from foodtrain.extensions import db
from foodtrain.job_queue import job_queue
from foodtrain.jobs import ABANDONED_AFTER_S, request_cancel, submit_job
from foodtrain.models import BackgroundJob, Branch, JobStatus
from foodtrain.services.rota import GENERATE_JOB_KIND
from tests.serving import FOODTRAIN, environment, free_port
from web import create_app

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private Redis server (Debian's redis-server) on a free port, stopped afterwards."""
    if not os.path.exists(REDIS_SERVER):
        pytest.fail("redis-server is not installed (tests/run.sh installs Debian's redis-server)")
    port = free_port()
    directory = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen([REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(directory)], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    import redis

    client = redis.Redis(port=port)
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(10)


@pytest.fixture(params=["sqlite", "redis"])
def queue_url(request: pytest.FixtureRequest) -> str:
    if request.param == "redis":
        return request.getfixturevalue("redis_url")
    return ""


@pytest.fixture
def worker_setup(template_databases: dict[str, Path], tmp_path: Path, queue_url: str) -> Iterator[tuple[Flask, dict]]:
    """An app on a copy of the demo database whose jobs go on the queue (not run inline), and the workers' env."""
    instance = tmp_path / "instance"
    instance.mkdir()
    database = instance / "foodtrain.sqlite3"
    shutil.copyfile(template_databases["demo"], database)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "JOBS_RUN_INLINE": False,
                      "QUEUE_URL": queue_url or None}, instance_path=str(instance))
    env = environment(instance, DATABASE_URL=f"sqlite:///{database}", SECRET_KEY=TestConfig.SECRET_KEY,
                      FOODTRAIN_ENCRYPTION_KEY=TestConfig.ENCRYPTION_KEY)
    if queue_url:
        env["FOODTRAIN_QUEUE_URL"] = queue_url
    yield app, env
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _start_worker(env: dict, log_path: Path) -> subprocess.Popen:
    with log_path.open("ab") as log:
        return subprocess.Popen([FOODTRAIN, "worker"], stdout=log, stderr=subprocess.STDOUT, env=env)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _queue_rota_job(app: Flask, time_limit_s: float) -> int:
    with app.app_context():
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
        job_id = submit_job(db.session, branch_id=branch_id, kind=GENERATE_JOB_KIND, user_id=None,
                            parameters={"month": "2026-12-01", "time_limit_s": time_limit_s})
        db.session.remove()
        job_queue(app).enqueue(job_id)
    return job_id


def _job_row(app: Flask, job_id: int) -> BackgroundJob:
    with app.app_context():
        row = db.session.get(BackgroundJob, job_id)
        db.session.expunge(row)
        db.session.remove()
    return row


def _wait_for(app: Flask, job_id: int, condition, timeout_s: float, log_path: Path) -> BackgroundJob:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while True:
        row = _job_row(app, job_id)
        if condition(row):
            return row
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} is {row.status} after {timeout_s} s; worker log:\n"
                                 f"{log_path.read_text(errors='replace') if log_path.exists() else ''}")
        time.sleep(0.2)


def _searching(row: BackgroundJob) -> bool:
    return row.status is JobStatus.RUNNING and "Searching" in row.progress_json


def test_a_worker_process_runs_a_queued_job(worker_setup, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A job put on the queue is run to the end by a `foodtrain worker`, which records its result on the row."""
    app, env = worker_setup
    log_path = tmp_path / "worker.log"
    worker = _start_worker(env, log_path)
    try:
        job_id = _queue_rota_job(app, time_limit_s=2)
        row = _wait_for(app, job_id, lambda r: r.status in (JobStatus.SUCCEEDED, JobStatus.FAILED), 90, log_path)
        assert row.status is JobStatus.SUCCEEDED, row.error_message
        assert '"rota_id"' in row.result_json and row.attempts == 1 and row.worker_id
    finally:
        _stop(worker)


def test_cancel_stops_a_running_job_within_two_seconds(worker_setup, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Cancel during the search: the worker stops the solver and the job ends cancelled, nothing stored."""
    app, env = worker_setup
    log_path = tmp_path / "worker.log"
    worker = _start_worker(env, log_path)
    try:
        job_id = _queue_rota_job(app, time_limit_s=120)
        _wait_for(app, job_id, _searching, 90, log_path)
        with app.app_context():
            request_cancel(db.session, job_id, _job_row(app, job_id).branch_id)
            db.session.remove()
        cancelled_at = time.monotonic()
        row = _wait_for(app, job_id, lambda r: r.status is not JobStatus.RUNNING, 10, log_path)
        assert row.status is JobStatus.CANCELLED
        assert time.monotonic() - cancelled_at <= 2.5
    finally:
        _stop(worker)


def test_a_job_whose_worker_is_killed_ends_retried_never_stuck(worker_setup, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """kill -9 the worker mid-job: another worker starts the job once more within a minute and finishes it."""
    app, env = worker_setup
    log_path = tmp_path / "worker.log"
    first = _start_worker(env, log_path)
    second = None
    try:
        job_id = _queue_rota_job(app, time_limit_s=3)
        killed_row = _wait_for(app, job_id, _searching, 90, log_path)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        killed_at = time.monotonic()
        second = _start_worker(env, log_path)
        row = _wait_for(app, job_id, lambda r: r.worker_id != killed_row.worker_id, 60, log_path)
        assert time.monotonic() - killed_at <= ABANDONED_AFTER_S + 20
        row = _wait_for(app, job_id, lambda r: r.status in (JobStatus.SUCCEEDED, JobStatus.FAILED), 90, log_path)
        assert row.status is JobStatus.SUCCEEDED and row.attempts == 2, row.error_message
    finally:
        _stop(first)
        if second is not None:
            _stop(second)


def test_a_plan_job_killed_with_the_app_is_retried_and_the_day_can_be_planned_again(worker_setup, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """kill -9 the worker while it plans a day (the app killed), start a worker again on the same instance: the
    plan job is started once more and stores the plan, and the next Plan for the day runs and succeeds."""
    from datetime import date

    from foodtrain.services import planning

    app, env = worker_setup
    day = date(2026, 11, 26)  # the demo's busiest open day in DG
    log_path = tmp_path / "worker.log"

    def queue_plan(time_limit_s: int) -> int:
        with app.app_context():
            branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
            parameters = planning.plan_job_parameters(day, planning.DEFAULT_SHIFT_START, planning.DEFAULT_SHIFT_END,
                                                      time_limit_s, None, "/routes/")
            job_id = submit_job(db.session, branch_id=branch_id, kind=planning.PLAN_JOB_KIND, parameters=parameters,
                                user_id=None)
            db.session.remove()
            job_queue(app).enqueue(job_id)
        return job_id

    first = _start_worker(env, log_path)
    second = None
    try:
        job_id = queue_plan(time_limit_s=5)
        killed_row = _wait_for(app, job_id, _searching, 90, log_path)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        second = _start_worker(env, log_path)
        row = _wait_for(app, job_id, lambda r: r.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)
                        and r.worker_id != killed_row.worker_id, ABANDONED_AFTER_S + 90, log_path)
        assert row.status is JobStatus.SUCCEEDED and row.attempts == 2, row.error_message
        again = _wait_for(app, queue_plan(time_limit_s=1),
                          lambda r: r.status in (JobStatus.SUCCEEDED, JobStatus.FAILED), 90, log_path)
        assert again.status is JobStatus.SUCCEEDED, again.error_message
    finally:
        _stop(first)
        if second is not None:
            _stop(second)
