"""Running long tasks in the background with progress and cancel.

A feature registers a handler for its job kind:

    register_job_kind("rota_generate", generate_rota_job)

    def generate_rota_job(session, job: JobContext) -> dict:
        ...                       # job.parameters, job.branch_id
        job.report_progress(elapsed_s=3.1, best_objective=120, bound=118)
        if job.cancel_requested(): ...
        return {"rota_id": 7}     # stored as the job's result

`submit_job` stores the row; the web layer then calls `run_job` in a worker
thread (it receives the job id, never objects). Progress is written in short
transactions of its own, so the page can poll it while the job runs.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from foodtrain.models import FINISHED_JOB_STATUSES, BackgroundJob, JobStatus
from foodtrain.models._types import utc_now
from foodtrain.services.errors import NotFoundError

JobHandler = Callable[[Session, "JobContext"], dict[str, Any]]
_HANDLERS: dict[str, JobHandler] = {}
PROGRESS_INTERVAL_S = 0.5


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
    _started_monotonic: float = field(default_factory=time.monotonic)
    _last_report: float = 0.0

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
        with self._session_factory() as session:
            session.execute(update(BackgroundJob).where(BackgroundJob.id == self.job_id)
                            .values(progress_json=json.dumps(payload, default=str)))
            session.commit()

    def cancel_requested(self) -> bool:
        with self._session_factory() as session:
            return bool(session.scalar(select(BackgroundJob.cancel_requested).where(BackgroundJob.id == self.job_id)))

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
    job = BackgroundJob(branch_id=branch_id, kind=kind, parameters_json=json.dumps(parameters, default=str),
                        created_by_user_id=user_id)
    session.add(job)
    session.flush()
    job_id = job.id
    session.commit()  # ends the transaction: the worker can take the write lock at once
    return job_id


def get_job(session: Session, job_id: int, branch_id: int) -> JobView:
    job = session.scalar(select(BackgroundJob).where(BackgroundJob.id == job_id, BackgroundJob.branch_id == branch_id))
    if job is None:
        raise NotFoundError(f"No job {job_id} in this branch.")
    return JobView(job.id, job.branch_id, job.kind, job.status, json.loads(job.progress_json or "{}"),
                   json.loads(job.result_json or "{}"), job.error_message, job.cancel_requested)


def request_cancel(session: Session, job_id: int, branch_id: int) -> None:
    get_job(session, job_id, branch_id)
    session.execute(update(BackgroundJob).where(BackgroundJob.id == job_id).values(cancel_requested=True))
    session.commit()


def run_job(session_factory: sessionmaker, job_id: int) -> None:
    """Run one queued job to the end, recording success, failure or cancellation. Never raises."""
    with session_factory() as session:
        job = session.get(BackgroundJob, job_id)
        if job is None or job.status is not JobStatus.QUEUED:
            return
        job.status, job.started_at = JobStatus.RUNNING, utc_now()
        session.commit()
        context = JobContext(job.id, job.branch_id, json.loads(job.parameters_json or "{}"), session_factory)
        handler = _HANDLERS.get(job.kind)
    status, result, error = JobStatus.SUCCEEDED, {}, ""
    try:
        if handler is None:
            raise RuntimeError(f"no handler for job kind {job.kind!r}")
        with session_factory() as session:
            result = handler(session, context)
    except JobCancelled:
        status = JobStatus.CANCELLED
    except Exception as exception:  # noqa: BLE001 - a job failure is recorded, not raised
        status, error = JobStatus.FAILED, f"{type(exception).__name__}: {exception}"[:1000]
    with session_factory() as session:
        session.execute(update(BackgroundJob).where(BackgroundJob.id == job_id).values(
            status=status, finished_at=utc_now(), result_json=json.dumps(result or {}, default=str),
            error_message=error))
        session.commit()


def fail_interrupted_jobs(session: Session) -> int:
    """Jobs left queued or running by a stopped server are marked failed (run at start-up)."""
    result = session.execute(
        update(BackgroundJob)
        .where(BackgroundJob.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
        .values(status=JobStatus.FAILED, finished_at=utc_now(), error_message="Interrupted: the server was restarted.")
    )
    session.commit()
    return result.rowcount or 0
