"""The queue that carries job ids from the web processes to worker processes (Huey).

Two storages, chosen by one setting (QUEUE_URL, from FOODTRAIN_QUEUE_URL):
- unset: a SQLite file beside the database in the instance folder (one host, nothing to install);
- ``redis://host:port/db``: Redis, for web processes and workers on several hosts.

Only the job id travels on the queue; the job row (foodtrain.jobs) stays the source of
truth for status and progress. A job id delivered twice runs once (the worker claims a
queued row), so putting a job back on the queue is always safe.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from huey import Huey, RedisHuey, SqliteHuey
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from foodtrain.extensions import db
from foodtrain.jobs import HEARTBEAT_INTERVAL_S, new_worker_id, recover_abandoned_jobs, run_job
from foodtrain.models import BackgroundJob, JobStatus

QUEUE_NAME = "foodtrain-jobs"
SQLITE_QUEUE_FILE = "queue.sqlite3"
RECOVERY_INTERVAL_S = HEARTBEAT_INTERVAL_S  # look for dead workers' jobs once a beat
IDLE_POLL_MAX_S = 1.0  # the SQLite storage is polled: a new job starts within a second


@dataclass
class JobQueue:
    huey: Huey
    storage: str  # "sqlite" or "redis"
    task: Callable[[int], object] | None = None

    def enqueue(self, job_id: int) -> None:
        assert self.task is not None
        self.task(job_id)

    def pending_count(self) -> int:
        return int(self.huey.pending_count())


def _build_huey(queue_url: str | None, instance_path: Path) -> tuple[Huey, str]:
    if queue_url and queue_url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(QUEUE_NAME, url=queue_url, results=False), "redis"
    if queue_url and not queue_url.startswith("sqlite:///"):
        raise ValueError(f"FOODTRAIN_QUEUE_URL: use redis://host:port/db or sqlite:///path, not {queue_url!r}")
    path = queue_url[len("sqlite:///") :] if queue_url else str(instance_path / SQLITE_QUEUE_FILE)
    return SqliteHuey(QUEUE_NAME, filename=path, results=False), "sqlite"


def init_job_queue(app: Flask) -> JobQueue:
    """Create the app's queue (app.extensions['job_queue']) and its one task: run a job by id."""
    huey, description = _build_huey(app.config.get("QUEUE_URL"), Path(app.instance_path))
    queue = JobQueue(huey, description)

    def run_job_by_id(job_id: int) -> None:
        with app.app_context():
            try:
                run_job(sessionmaker(bind=db.engine), job_id, worker_id=new_worker_id())
            finally:
                db.session.remove()

    queue.task = huey.task(name="run_job")(run_job_by_id)
    app.extensions["job_queue"] = queue
    return queue


def job_queue(app: Flask) -> JobQueue:
    return app.extensions["job_queue"]


def requeue_waiting_jobs(app: Flask) -> int:
    """Put every queued job on the queue again (safe: a job runs once); a queue that lost them loses nothing."""
    with app.app_context():
        job_ids = list(db.session.scalars(select(BackgroundJob.id).where(BackgroundJob.status == JobStatus.QUEUED)))
        db.session.remove()
    for job_id in job_ids:
        job_queue(app).enqueue(job_id)
    return len(job_ids)


def _watch_abandoned_jobs(app: Flask, stop: threading.Event, parent_pid: int | None) -> None:
    """Every few seconds: requeue (or fail) jobs whose worker died; stop this worker if its parent went.
    ``parent_pid`` is given by `foodtrain serve` (not read at start: it may already be gone by then).
    """
    while not stop.wait(RECOVERY_INTERVAL_S):
        if parent_pid is not None and os.getppid() != parent_pid:
            # The `foodtrain serve` that started us is gone: stop now (Huey's SIGTERM), not after the running
            # jobs (SIGINT); a job cut short is started again or failed by the heartbeat check.
            os.kill(os.getpid(), signal.SIGTERM)
            return
        try:
            with app.app_context():
                requeued = recover_abandoned_jobs(db.session())
                db.session.remove()
            for job_id in requeued:
                job_queue(app).enqueue(job_id)
        except Exception:  # noqa: BLE001 - a busy database now is retried at the next round
            app.logger.exception("Looking for abandoned jobs failed; trying again shortly")


def lower_cpu_priority(niceness: int) -> int:
    """Run this process at CPU niceness ``niceness`` at least (an unprivileged process can only raise it),
    so that the web server's requests win the cores over the solvers on a shared box; returns the niceness.

    On Linux niceness belongs to each thread, and a new thread or process inherits its creator's:
    every thread already running is lowered too (libraries start some while the app is built), and
    every later job thread, solver thread and search process (forked by the route search) inherits it.
    """
    for thread_id in _thread_ids():
        try:
            if os.getpriority(os.PRIO_PROCESS, thread_id) < niceness:
                os.setpriority(os.PRIO_PROCESS, thread_id, niceness)
        except ProcessLookupError:  # the thread ended meanwhile
            continue
    return os.getpriority(os.PRIO_PROCESS, 0)


def _thread_ids() -> list[int]:
    """This process's threads (Linux); elsewhere the process itself, where niceness is per process anyway."""
    tasks = Path("/proc/self/task")
    return [int(task.name) for task in tasks.iterdir()] if tasks.is_dir() else [0]


def run_worker(app: Flask, threads: int = 1, parent_pid: int | None = None) -> None:
    """Run jobs from the queue until interrupted (Ctrl+C / SIGINT finishes the running jobs first).

    Runs at the WORKER_NICENESS CPU priority (FOODTRAIN_WORKER_NICENESS), set before any thread starts.
    Logs each job taken, skipped and finished (with its time) to stderr, as Huey's own consumer does.
    """
    niceness = lower_cpu_priority(app.config["WORKER_NICENESS"])
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(process)d %(name)s %(levelname)s: %(message)s")
    logging.getLogger(__name__).info("worker %d runs jobs at CPU niceness %d", os.getpid(), niceness)
    queue = job_queue(app)
    requeue_waiting_jobs(app)
    stop = threading.Event()
    watcher = threading.Thread(
        target=_watch_abandoned_jobs, name="abandoned-jobs", daemon=True, args=(app, stop, parent_pid)
    )
    watcher.start()
    consumer = queue.huey.create_consumer(
        workers=threads, worker_type="thread", periodic=False, max_delay=IDLE_POLL_MAX_S, check_worker_health=True
    )
    try:
        consumer.run()
    finally:
        stop.set()
