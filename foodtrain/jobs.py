"""Running long tasks in the background with progress and cancel.

A feature registers a handler for its job kind (the app factory calls
foodtrain.services.job_kinds.register_job_kinds, which lists them all):

    register_job_kind("rota_generate", generate_rota_job)

    def generate_rota_job(session, job: JobContext) -> dict:
        ...                       # job.parameters, job.branch_id
        job.report_progress(elapsed_s=3.1, best_objective=120, bound=118)
        if job.cancel_requested(): ...
        return {"rota_id": 7}     # stored as the job's result

`submit_job` stores the row; the web layer then puts the job id on the queue
(foodtrain.job_queue) and a worker process calls `run_job` (it receives the id,
never objects). The row is the source of truth: status, progress (written in short
transactions of its own, so the page can poll it), and the worker running it, which
heartbeats the row. `recover_abandoned_jobs` starts a job whose worker died (no
heartbeat) once more, or fails it with a message; a live worker's job is never touched.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import threading
import time
from datetime import timedelta
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session, sessionmaker

from foodtrain.config import job_heartbeat_interval_s
from foodtrain.models import FINISHED_JOB_STATUSES, BackgroundJob, JobStatus
from foodtrain.models._types import utc_now
from foodtrain.services.errors import NotFoundError, ValidationError

logger = logging.getLogger(__name__)
JobHandler = Callable[[Session, "JobContext"], dict[str, Any]]
_HANDLERS: dict[str, JobHandler] = {}
PROGRESS_INTERVAL_S = 0.5
STOP_CHECK_INTERVAL_S = 0.5
HEARTBEAT_INTERVAL_S = job_heartbeat_interval_s()  # FOODTRAIN_JOB_HEARTBEAT_S, 5 s unless set
MISSED_BEATS_BEFORE_ABANDONED = 4  # a job this many heartbeats silent lost its worker
ABANDONED_AFTER_S = MISSED_BEATS_BEFORE_ABANDONED * HEARTBEAT_INTERVAL_S  # no heartbeat for this long: the worker died
MAX_ATTEMPTS = 2  # a job whose worker died is started once more, then failed
UNEXPECTED_FAILURE_MESSAGE = (
    "The job stopped because of an unexpected error; nothing half-done was kept. "
    "Please try again, and tell the administrator if it happens again."
)
ABANDONED_MESSAGE = (
    "The worker process running this job stopped (it was killed or crashed) twice. "
    "Nothing half-done was kept; please start it again."
)


def new_worker_id() -> str:
    """Names one worker (host, process, and a random part so that a reused pid is not mistaken)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"[:100]


class JobCancelled(Exception):
    """Raised by a handler (or JobContext.raise_if_cancelled) to stop early."""


def register_job_kind(kind: str, handler: JobHandler) -> None:
    _HANDLERS[kind] = handler


@dataclass
class JobContext:
    """What a handler sees of its job: parameters, progress reporting, cancel flag."""

    job_id: int
    branch_id: int
    parameters: dict[str, Any]
    _session_factory: sessionmaker
    #: The worker running this attempt: a late report from an earlier attempt's worker changes nothing.
    _worker_id: str = ""
    _started_monotonic: float = field(default_factory=time.monotonic)
    _last_report: float = 0.0
    _last_stop_check: float = 0.0
    _stop_seen: bool = False

    @property
    def elapsed_s(self) -> float:
        return time.monotonic() - self._started_monotonic

    def report_progress(self, force: bool = False, **figures: Any) -> None:
        """Store progress figures (throttled to one write every half second unless forced)."""
        now = time.monotonic()
        if not force and now - self._last_report < PROGRESS_INTERVAL_S:
            return
        self._last_report = now
        payload = {"elapsed_s": round(self.elapsed_s, 1), **figures}
        this_attempt = [BackgroundJob.id == self.job_id]
        if self._worker_id:
            this_attempt.append(BackgroundJob.worker_id == self._worker_id)
        with self._session_factory() as session:
            session.execute(
                update(BackgroundJob).where(*this_attempt).values(progress_json=json.dumps(payload, default=str))
            )
            session.commit()

    def cancel_requested(self) -> bool:
        with self._session_factory() as session:
            return bool(session.scalar(select(BackgroundJob.cancel_requested).where(BackgroundJob.id == self.job_id)))

    def should_stop(self) -> bool:
        """For a solver's stop callback: cancel requested? (asks the database at most every half second)."""
        now = time.monotonic()
        if not self._stop_seen and now - self._last_stop_check >= STOP_CHECK_INTERVAL_S:
            self._last_stop_check = now
            self._stop_seen = self.cancel_requested()
        return self._stop_seen

    def raise_if_cancelled(self) -> None:
        if self.cancel_requested():
            raise JobCancelled()


@dataclass(frozen=True)
class JobView:
    id: int
    branch_id: int
    kind: str
    status: JobStatus
    progress: dict[str, Any]
    result: dict[str, Any]
    error_message: str
    cancel_requested: bool

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_JOB_STATUSES


def submit_job(session: Session, *, branch_id: int, kind: str, parameters: dict[str, Any], user_id: int | None) -> int:
    """Store a queued job and return its id (the caller then starts `run_job` in a worker)."""
    if kind not in _HANDLERS:
        raise ValueError(f"kind: no job kind {kind!r} is registered")
    job = BackgroundJob(
        branch_id=branch_id, kind=kind, parameters_json=json.dumps(parameters, default=str), created_by_user_id=user_id
    )
    session.add(job)
    session.flush()
    job_id = job.id
    session.commit()  # ends the transaction: the worker can take the write lock at once
    return job_id


def get_job(session: Session, job_id: int, branch_id: int) -> JobView:
    job = session.scalar(select(BackgroundJob).where(BackgroundJob.id == job_id, BackgroundJob.branch_id == branch_id))
    if job is None:
        raise NotFoundError(f"No job {job_id} in this branch.")
    return JobView(
        job.id,
        job.branch_id,
        job.kind,
        job.status,
        json.loads(job.progress_json or "{}"),
        json.loads(job.result_json or "{}"),
        job.error_message,
        job.cancel_requested,
    )


def request_cancel(session: Session, job_id: int, branch_id: int) -> None:
    get_job(session, job_id, branch_id)
    session.execute(update(BackgroundJob).where(BackgroundJob.id == job_id).values(cancel_requested=True))
    session.commit()


class _Heartbeat:
    """Stamps the job row every HEARTBEAT_INTERVAL_S while this worker runs it."""

    def __init__(self, session_factory: sessionmaker, job_id: int, worker_id: str):
        self._stopped = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, args=(session_factory, job_id, worker_id), name=f"job-{job_id}-heartbeat", daemon=True
        )
        self._thread.start()

    def _beat(self, session_factory: sessionmaker, job_id: int, worker_id: str) -> None:
        while not self._stopped.wait(HEARTBEAT_INTERVAL_S):
            try:
                with session_factory() as session:
                    session.execute(
                        update(BackgroundJob)
                        .where(BackgroundJob.id == job_id, BackgroundJob.worker_id == worker_id)
                        .values(heartbeat_at=utc_now())
                    )
                    session.commit()
            except Exception:  # noqa: BLE001 - a missed beat is retried; a long silence is what counts
                continue

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(HEARTBEAT_INTERVAL_S * 2)


def _claim(session_factory: sessionmaker, job_id: int, worker_id: str) -> bool:
    """Mark a queued job running by this worker; False if it is not queued (done, cancelled, or taken).

    A new attempt starts with empty progress: an earlier attempt's figures (its best so far) are not this one's.
    """
    with session_factory() as session:
        claimed = session.execute(
            update(BackgroundJob)
            .where(BackgroundJob.id == job_id, BackgroundJob.status == JobStatus.QUEUED)
            .values(
                status=JobStatus.RUNNING,
                started_at=utc_now(),
                heartbeat_at=utc_now(),
                worker_id=worker_id,
                attempts=BackgroundJob.attempts + 1,
                progress_json="{}",
            )
        ).rowcount
        session.commit()
    return bool(claimed)


def failure_message(job_id: int, exception: Exception) -> str:
    """What the job page says about a failed job: a broken rule's own sentences (no class name, no field key);
    anything else a plain sentence, the details (type, message, traceback) in the server log only."""
    if isinstance(exception, ValidationError):
        return " ".join(exception.field_errors.values())[:1000]
    logger.error("job %d failed", job_id, exc_info=exception)
    return UNEXPECTED_FAILURE_MESSAGE


def run_job(session_factory: sessionmaker, job_id: int, worker_id: str | None = None) -> None:
    """Run one queued job to the end, recording success, failure or cancellation. Never raises."""
    worker_id = worker_id or new_worker_id()
    if not _claim(session_factory, job_id, worker_id):
        logger.info("job %d is not queued (taken by another worker, finished or cancelled): skipped", job_id)
        return
    logger.info("job %d claimed by worker %s", job_id, worker_id)
    with session_factory() as session:
        job = session.get(BackgroundJob, job_id)
        assert job is not None
        context = JobContext(job.id, job.branch_id, json.loads(job.parameters_json or "{}"), session_factory, worker_id)
        kind = job.kind
        session.commit()
    handler = _HANDLERS.get(kind)
    heartbeat = _Heartbeat(session_factory, job_id, worker_id)
    status, result, error = JobStatus.SUCCEEDED, {}, ""
    try:
        if handler is None:
            raise RuntimeError(f"no handler for job kind {kind!r}")
        with session_factory() as session:
            result = handler(session, context)
    except JobCancelled:
        status = JobStatus.CANCELLED
    except Exception as exception:  # noqa: BLE001 - a job failure is recorded, not raised
        status, error = JobStatus.FAILED, failure_message(job_id, exception)
    finally:
        heartbeat.stop()
    with session_factory() as session:
        session.execute(
            update(BackgroundJob)
            .where(BackgroundJob.id == job_id, BackgroundJob.worker_id == worker_id)
            .values(
                status=status,
                finished_at=utc_now(),
                heartbeat_at=utc_now(),
                result_json=json.dumps(result or {}, default=str),
                error_message=error,
            )
        )
        session.commit()


def recover_abandoned_jobs(session: Session, abandoned_after_s: float = ABANDONED_AFTER_S) -> list[int]:
    """Running jobs whose worker stopped heartbeating: queued again (first time) or failed with a message.

    Returns the ids queued again (the caller puts them back on the queue). A job whose
    worker still heartbeats, in this process or any other, is left alone.
    """
    cutoff = utc_now() - timedelta(seconds=abandoned_after_s)
    abandoned = session.execute(
        select(BackgroundJob.id, BackgroundJob.attempts, BackgroundJob.worker_id).where(
            BackgroundJob.status == JobStatus.RUNNING, BackgroundJob.heartbeat_at < cutoff
        )
    ).all()
    requeued = []
    for job_id, attempts, worker_id in abandoned:
        still_abandoned = (
            BackgroundJob.id == job_id,
            BackgroundJob.worker_id == worker_id,
            BackgroundJob.status == JobStatus.RUNNING,
            BackgroundJob.heartbeat_at < cutoff,
        )
        if attempts < MAX_ATTEMPTS:
            changed = cast(
                CursorResult[Any],
                session.execute(
                    update(BackgroundJob)
                    .where(*still_abandoned)
                    .values(
                        status=JobStatus.QUEUED,
                        worker_id="",
                        progress_json=json.dumps(
                            {"message": "The worker running this job stopped; it is starting again."}
                        ),
                    )
                ),
            ).rowcount
            if changed:
                requeued.append(job_id)
        else:
            session.execute(
                update(BackgroundJob)
                .where(*still_abandoned)
                .values(status=JobStatus.FAILED, finished_at=utc_now(), error_message=ABANDONED_MESSAGE)
            )
    session.commit()
    return requeued


def fail_interrupted_jobs(session: Session) -> int:
    """Jobs left running with no heartbeat column (started before workers heartbeat) are marked failed."""
    result = cast(
        CursorResult[Any],
        session.execute(
            update(BackgroundJob)
            .where(BackgroundJob.status == JobStatus.RUNNING, BackgroundJob.heartbeat_at.is_(None))
            .values(
                status=JobStatus.FAILED, finished_at=utc_now(), error_message="Interrupted: the server was restarted."
            )
        ),
    )
    session.commit()
    return result.rowcount or 0
