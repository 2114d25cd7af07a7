"""Background jobs: progress, result, failure and cancel are recorded; nothing is left running."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy.orm import sessionmaker

from foodtrain.extensions import db
from foodtrain.jobs import JobContext, fail_interrupted_jobs, get_job, register_job_kind, request_cancel, run_job, submit_job
from foodtrain.models import JobStatus
from foodtrain.services.errors import NotFoundError
from tests.factories import make_branch

release = threading.Event()


def _counting_job(_session, job: JobContext) -> dict:  # type: ignore[no-untyped-def]
    for step in range(3):
        job.report_progress(force=True, best_objective=10 - step, bound=7, message=f"step {step}")
    return {"url": "/done", "total": job.parameters["n"] * 2}


def _failing_job(_session, job: JobContext) -> dict:  # type: ignore[no-untyped-def]
    raise ValueError("no vans on that day")


def _waiting_job(_session, job: JobContext) -> dict:  # type: ignore[no-untyped-def]
    while not release.wait(0.05):
        job.raise_if_cancelled()
    return {}


register_job_kind("test_counting", _counting_job)
register_job_kind("test_failing", _failing_job)
register_job_kind("test_waiting", _waiting_job)


def _submit(session, kind: str, **parameters) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    branch_id = make_branch(session).id
    session.commit()
    return submit_job(session, branch_id=branch_id, kind=kind, parameters=parameters, user_id=None), branch_id


def test_job_records_progress_and_result(session) -> None:  # type: ignore[no-untyped-def]
    job_id, branch_id = _submit(session, "test_counting", n=21)
    run_job(sessionmaker(bind=db.engine), job_id)
    job = get_job(session, job_id, branch_id)
    assert job.status is JobStatus.SUCCEEDED and job.finished
    assert job.result == {"url": "/done", "total": 42}
    assert job.progress["best_objective"] == 8 and job.progress["message"] == "step 2"


def test_failure_is_recorded_with_its_message(session) -> None:  # type: ignore[no-untyped-def]
    job_id, branch_id = _submit(session, "test_failing")
    run_job(sessionmaker(bind=db.engine), job_id)
    job = get_job(session, job_id, branch_id)
    assert job.status is JobStatus.FAILED and "no vans on that day" in job.error_message


def test_cancel_stops_a_running_job(app) -> None:  # type: ignore[no-untyped-def]
    """A job running in a worker thread stops at its next check once cancel is requested."""
    release.clear()
    with app.app_context():
        job_id, branch_id = _submit(db.session, "test_waiting")
        worker = threading.Thread(target=lambda: _run(app, job_id))
        worker.start()
        request_cancel(db.session, job_id, branch_id)
        worker.join(timeout=10)
        assert not worker.is_alive()
        db.session.expire_all()
        assert get_job(db.session, job_id, branch_id).status is JobStatus.CANCELLED


def _run(app, job_id: int) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        run_job(sessionmaker(bind=db.engine), job_id)


def test_jobs_are_branch_scoped_and_kinds_checked(session) -> None:  # type: ignore[no-untyped-def]
    job_id, branch_id = _submit(session, "test_counting", n=1)
    with pytest.raises(NotFoundError):
        get_job(session, job_id, branch_id + 1)
    with pytest.raises(ValueError, match="kind"):
        submit_job(session, branch_id=branch_id, kind="nonsense", parameters={}, user_id=None)


def test_interrupted_jobs_are_marked_failed_at_start_up(session) -> None:  # type: ignore[no-untyped-def]
    job_id, branch_id = _submit(session, "test_counting", n=1)
    assert fail_interrupted_jobs(session) == 1
    job = get_job(session, job_id, branch_id)
    assert job.status is JobStatus.FAILED and "restarted" in job.error_message
