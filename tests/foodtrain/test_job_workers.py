"""Jobs run by real `foodtrain worker` processes, on both queue storages (a SQLite file and a Redis server)
and both databases (SQLite, and PostgreSQL with Redis as on several hosts).

The worker is a separate process, as in production: the test process stores the job row
and puts its id on the queue, and watches the row (the source of truth) change.
The PostgreSQL case is skipped only when no PostgreSQL is configured (tests/run.sh starts one).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from foodtrain.cli import migrate_database
from foodtrain.config import TestConfig
from foodtrain.demo import generate_demo
from foodtrain.extensions import db
from foodtrain.job_queue import job_queue
from foodtrain.jobs import ABANDONED_AFTER_S, MISSED_BEATS_BEFORE_ABANDONED, request_cancel, submit_job
from foodtrain.models import BackgroundJob, Branch, JobStatus
from foodtrain.services.audit import SYSTEM
from foodtrain.services.rota import GENERATE_JOB_KIND
from tests import conftest
from tests.conftest import DEMO_PASSWORD, DEMO_TODAY, csrf_token_from, sign_in
from tests.processes import HAS_PROC, alive, children_of
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
    process = subprocess.Popen(
        [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
    )
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


def _postgres_execute(url: str, statement: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def postgres_demo_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated PostgreSQL demo database, made once; each test copies it (CREATE DATABASE … TEMPLATE)."""
    if conftest.POSTGRES_URL is None:
        pytest.skip("DATABASE_URL_TEST_POSTGRES is not set (tests/run.sh starts PostgreSQL and sets it)")
    name = f"foodtrain_template_{uuid.uuid4().hex[:12]}"
    _postgres_execute(conftest.POSTGRES_URL, f'CREATE DATABASE "{name}"')
    url = make_url(conftest.POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, instance_path=str(tmp_path_factory.mktemp("pg-template")))
    with app.app_context():
        migrate_database()
        generate_demo(db.session, DEMO_TODAY, password_factory=lambda: DEMO_PASSWORD)
        db.session.remove()
        db.engine.dispose()
    yield name
    _postgres_execute(conftest.POSTGRES_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def demo_database_url(
    request: pytest.FixtureRequest, template_databases: dict[str, Path], tmp_path: Path
) -> Iterator[str]:
    """A fresh copy of the demo database: a SQLite file, or a PostgreSQL database of its own (dropped after)."""
    if request.param == "sqlite":
        database = tmp_path / "foodtrain.sqlite3"
        shutil.copyfile(template_databases["demo"], database)
        yield f"sqlite:///{database}"
        return
    template = request.getfixturevalue("postgres_demo_template")
    assert conftest.POSTGRES_URL is not None
    name = f"foodtrain_{uuid.uuid4().hex[:12]}"
    _postgres_execute(conftest.POSTGRES_URL, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield make_url(conftest.POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    _postgres_execute(conftest.POSTGRES_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def queue_url(request: pytest.FixtureRequest) -> str:
    if request.param == "redis":
        return request.getfixturevalue("redis_url")
    return ""


# (database, queue storage): the embedded default, SQLite with Redis, and the several-hosts setup.
WORKER_HEARTBEAT_S = 1.0  # the workers' FOODTRAIN_JOB_HEARTBEAT_S here

SETUPS = [
    pytest.param("sqlite", "sqlite", id="sqlite-db-sqlite-queue"),
    pytest.param("sqlite", "redis", id="sqlite-db-redis-queue"),
    pytest.param("postgres", "redis", id="postgres-db-redis-queue", marks=pytest.mark.postgres),
]
pytestmark = pytest.mark.parametrize(("demo_database_url", "queue_url"), SETUPS, indirect=True)


@pytest.fixture
def worker_setup(demo_database_url: str, tmp_path: Path, queue_url: str) -> Iterator[tuple[Flask, dict]]:
    """An app on a copy of the demo database whose jobs go on the queue (not run inline), and the workers' env."""
    instance = tmp_path / "instance"
    instance.mkdir()
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": demo_database_url, "JOBS_RUN_INLINE": False, "QUEUE_URL": queue_url or None},
        instance_path=str(instance),
    )
    # At the test's own CPU priority: these tests time cancel and recovery on a shared test machine, where
    # a niced worker may wait for a CPU; the workers' niceness is tested in test_job_worker_priority.py.
    env = environment(
        instance,
        DATABASE_URL=demo_database_url,
        SECRET_KEY=TestConfig.SECRET_KEY,
        FOODTRAIN_ENCRYPTION_KEY=TestConfig.ENCRYPTION_KEY,
        FOODTRAIN_WORKER_NICENESS="0",
        # a beat a second: a killed worker's job is found after 4 s, not the default 20 s
        FOODTRAIN_JOB_HEARTBEAT_S=str(WORKER_HEARTBEAT_S),
    )
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


def _job_row(app: Flask, job_id: int) -> BackgroundJob:
    with app.app_context():
        row = db.session.get(BackgroundJob, job_id)
        db.session.expunge(row)
        db.session.remove()
    return row


def _wait_for(app: Flask, job_id: int, condition, timeout_s: float, log_path: Path) -> BackgroundJob:
    deadline = time.monotonic() + timeout_s
    while True:
        row = _job_row(app, job_id)
        if condition(row):
            return row
        if time.monotonic() > deadline:
            raise AssertionError(
                f"job {job_id} is {row.status} after {timeout_s} s; worker log:\n"
                f"{log_path.read_text(errors='replace') if log_path.exists() else ''}"
            )
        time.sleep(0.2)


def _searching(row: BackgroundJob) -> bool:
    return row.status is JobStatus.RUNNING and "Searching" in row.progress_json


def test_a_worker_process_runs_a_job_queued_by_the_app(worker_setup, tmp_path: Path) -> None:
    """A coordinator starts a rota in the app; a `foodtrain worker` claims it and records its result on the row."""
    app, env = worker_setup
    log_path = tmp_path / "worker.log"
    worker = _start_worker(env, log_path)
    try:
        client = app.test_client()
        sign_in(client, "coordinator-dg")
        token = csrf_token_from(client.get("/rota/").get_data(as_text=True))
        response = client.post("/rota/generate", data={"csrf_token": token, "month": "2026-12", "time_limit_s": 2})
        assert "/jobs/" in response.headers.get("Location", ""), response.get_data(as_text=True)[:2000]
        job_id = int(response.headers["Location"].rsplit("/", 1)[1])
        row = _wait_for(app, job_id, lambda r: r.status in (JobStatus.SUCCEEDED, JobStatus.FAILED), 90, log_path)
        assert row.status is JobStatus.SUCCEEDED, row.error_message
        assert '"rota_id"' in row.result_json and row.attempts == 1 and row.worker_id
    finally:
        _stop(worker)


def test_cancel_stops_a_running_job_within_two_seconds(worker_setup, tmp_path: Path) -> None:
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


def test_a_job_whose_worker_is_killed_ends_retried_never_stuck(worker_setup, tmp_path: Path) -> None:
    """kill -9 the worker running a job: the other worker, already running, starts it once more and finishes it."""
    app, env = worker_setup
    log_path = tmp_path / "worker.log"
    workers = [_start_worker(env, log_path), _start_worker(env, log_path)]
    try:
        job_id = _queue_rota_job(app, time_limit_s=3)
        killed_row = _wait_for(app, job_id, _searching, 90, log_path)
        running = {process.pid: process for process in workers}
        victim = running[int(killed_row.worker_id.split(":")[1])]
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        killed_at = time.monotonic()
        row = _wait_for(app, job_id, lambda r: r.worker_id not in ("", killed_row.worker_id), 60, log_path)
        assert time.monotonic() - killed_at <= MISSED_BEATS_BEFORE_ABANDONED * WORKER_HEARTBEAT_S + 20
        survivor = next(process for process in workers if process is not victim)
        assert row.worker_id.split(":")[1] == str(survivor.pid)
        row = _wait_for(app, job_id, lambda r: r.status in (JobStatus.SUCCEEDED, JobStatus.FAILED), 90, log_path)
        assert row.status is JobStatus.SUCCEEDED and row.attempts == 2, row.error_message
    finally:
        for process in workers:
            _stop(process)


@pytest.mark.skipif(not HAS_PROC, reason="reads the worker's child processes from /proc (Linux)")
def test_a_killed_workers_route_search_processes_end_with_it(worker_setup, tmp_path: Path) -> None:
    """kill -9 the worker while it plans a day with a 60 s limit: the search processes it started end within
    seconds, not at the limit, so they do not take the CPU from the worker started in its place."""
    from datetime import date

    from foodtrain.services.planning import storing

    app, env = worker_setup
    log_path = tmp_path / "worker.log"
    worker = _start_worker(env, log_path)
    try:
        with app.app_context():
            branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
            parameters = storing.plan_job_parameters(
                date(2026, 11, 26), storing.DEFAULT_SHIFT_START, storing.DEFAULT_SHIFT_END, 60, SYSTEM, "/routes/"
            )
            job_id = submit_job(
                db.session, branch_id=branch_id, kind=storing.PLAN_JOB_KIND, parameters=parameters, user_id=None
            )
            db.session.remove()
            job_queue(app).enqueue(job_id)
        _wait_for(app, job_id, _searching, 90, log_path)
        deadline = time.monotonic() + 30
        while len(searches := children_of(worker.pid)) < 2:
            assert time.monotonic() < deadline, "the worker started no search processes"
            time.sleep(0.1)
    finally:
        worker.kill()
        worker.wait(10)
    killed_at = time.monotonic()
    while any(alive(pid) for pid in searches) and time.monotonic() - killed_at < 5.0:
        time.sleep(0.1)
    survivors = [pid for pid in searches if alive(pid)]
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    assert not survivors, f"search processes still running 5 s after their worker was killed: {survivors}"


def test_a_job_delivered_twice_to_two_workers_runs_once(worker_setup, tmp_path: Path) -> None:
    """The same job id on the queue twice, two workers taking it: one claims the row, the other skips it."""
    app, env = worker_setup
    log_path = tmp_path / "worker.log"
    workers = [_start_worker(env, log_path), _start_worker(env, log_path)]
    try:
        job_id = _queue_rota_job(app, time_limit_s=2)
        job_queue(app).enqueue(job_id)
        row = _wait_for(app, job_id, lambda r: r.status in (JobStatus.SUCCEEDED, JobStatus.FAILED), 90, log_path)
        assert row.status is JobStatus.SUCCEEDED and row.attempts == 1, row.error_message
        deadline = time.monotonic() + 60
        while not _all_deliveries_done(log_path.read_text(errors="replace")) and time.monotonic() < deadline:
            time.sleep(0.2)
        log = log_path.read_text(errors="replace")
        # Twice or more (a starting worker also requeues the queued jobs), claimed once, the rest skipped.
        assert log.count(f"job {job_id} claimed by") == 1, log
        assert log.count(f"job {job_id} is not queued") >= 1, log
        assert _job_row(app, job_id).attempts == 1
    finally:
        for process in workers:
            _stop(process)


def _all_deliveries_done(log: str) -> bool:
    """Huey logs "Executing <task>" and then "<task> executed in …" for each delivery a worker takes."""
    started = log.count("INFO: Executing ")
    return started >= 2 and log.count(" executed in ") == started


def test_a_plan_job_killed_with_the_app_is_retried_and_the_day_can_be_planned_again(
    worker_setup, tmp_path: Path
) -> None:
    """kill -9 the worker while it plans a day (the app killed), start a worker again on the same instance: the
    plan job is started once more and stores the plan, and the next Plan for the day runs and succeeds."""
    from datetime import date

    from foodtrain.services.planning import storing

    app, env = worker_setup
    day = date(2026, 11, 26)  # the demo's busiest open day in DG
    log_path = tmp_path / "worker.log"

    def queue_plan(time_limit_s: int) -> int:
        with app.app_context():
            branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
            parameters = storing.plan_job_parameters(
                day, storing.DEFAULT_SHIFT_START, storing.DEFAULT_SHIFT_END, time_limit_s, SYSTEM, "/routes/"
            )
            job_id = submit_job(
                db.session, branch_id=branch_id, kind=storing.PLAN_JOB_KIND, parameters=parameters, user_id=None
            )
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
        row = _wait_for(
            app,
            job_id,
            lambda r: r.status in (JobStatus.SUCCEEDED, JobStatus.FAILED) and r.worker_id != killed_row.worker_id,
            ABANDONED_AFTER_S + 90,
            log_path,
        )
        assert row.status is JobStatus.SUCCEEDED and row.attempts == 2, row.error_message
        again = _wait_for(
            app, queue_plan(time_limit_s=1), lambda r: r.status in (JobStatus.SUCCEEDED, JobStatus.FAILED), 90, log_path
        )
        assert again.status is JobStatus.SUCCEEDED, again.error_message
    finally:
        _stop(first)
        if second is not None:
            _stop(second)
