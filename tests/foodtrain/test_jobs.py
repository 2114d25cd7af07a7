"""Background jobs: progress, result, failure and cancel are recorded; nothing is left running."""

from __future__ import annotations

import logging
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import sessionmaker

from foodtrain.extensions import db
from foodtrain.jobs import (
    ABANDONED_AFTER_S,
    UNEXPECTED_FAILURE_MESSAGE,
    JobContext,
    fail_interrupted_jobs,
    get_job,
    recover_abandoned_jobs,
    register_job_kind,
    request_cancel,
    run_job,
    submit_job,
)
from foodtrain.models import BackgroundJob, JobStatus
from foodtrain.models._types import utc_now
from foodtrain.services.errors import NotFoundError
from foodtrain.services.planning.storing import PlanChangedMeanwhile
from tests.factories import make_branch

release = threading.Event()


def _counting_job(_session, job: JobContext) -> dict:
    for step in range(3):
        job.report_progress(force=True, best_objective=10 - step, bound=7, message=f"step {step}")
    return {"url": "/done", "total": job.parameters["n"] * 2}


def _failing_job(_session, job: JobContext) -> dict:
    raise ValueError("no vans on that day")


def _plan_changed_job(_session, job: JobContext) -> dict:
    raise PlanChangedMeanwhile(date(2026, 12, 1))


def _waiting_job(_session, job: JobContext) -> dict:
    while not release.wait(0.05):
        job.raise_if_cancelled()
    return {}


progress_at_start: list[dict] = []


def _progress_reading_job(_session, job: JobContext) -> dict:
    with sessionmaker(bind=db.engine)() as session:
        progress_at_start.append(get_job(session, job.job_id, job.branch_id).progress)
    return {}


register_job_kind("test_counting", _counting_job)
register_job_kind("test_progress_reading", _progress_reading_job)
register_job_kind("test_failing", _failing_job)
register_job_kind("test_plan_changed", _plan_changed_job)
register_job_kind("test_waiting", _waiting_job)


def _submit(session, kind: str, **parameters) -> tuple[int, int]:
    branch_id = make_branch(session).id
    session.commit()
    return submit_job(session, branch_id=branch_id, kind=kind, parameters=parameters, user_id=None), branch_id


def test_job_records_progress_and_result(session) -> None:
    job_id, branch_id = _submit(session, "test_counting", n=21)
    run_job(sessionmaker(bind=db.engine), job_id)
    job = get_job(session, job_id, branch_id)
    assert job.status is JobStatus.SUCCEEDED and job.finished
    assert job.result == {"url": "/done", "total": 42}
    assert job.progress["best_objective"] == 8 and job.progress["message"] == "step 2"


def test_a_broken_rule_is_recorded_as_its_plain_sentence(session) -> None:
    """A failed re-plan says what happened, without the exception's class name or the form field's key."""
    job_id, branch_id = _submit(session, "test_plan_changed")
    run_job(sessionmaker(bind=db.engine), job_id)
    job = get_job(session, job_id, branch_id)
    assert job.status is JobStatus.FAILED
    assert job.error_message.startswith("The plan for Tuesday 1 December was changed while this one was being computed")
    assert "PlanChangedMeanwhile" not in job.error_message and "plan:" not in job.error_message


def test_an_unexpected_failure_is_recorded_plainly_and_logged_in_full(session, caplog) -> None:
    """An error no rule explains: the page gets a plain sentence, the log the type and message."""
    job_id, branch_id = _submit(session, "test_failing")
    with caplog.at_level(logging.ERROR, logger="foodtrain.jobs"):
        run_job(sessionmaker(bind=db.engine), job_id)
    job = get_job(session, job_id, branch_id)
    assert job.status is JobStatus.FAILED and job.error_message == UNEXPECTED_FAILURE_MESSAGE
    assert "ValueError" not in job.error_message and "no vans on that day" not in job.error_message
    logged = [record for record in caplog.records if record.name == "foodtrain.jobs" and record.exc_info]
    assert logged and "no vans on that day" in str(logged[0].exc_info[1])


def test_cancel_stops_a_running_job(app) -> None:
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


def _run(app, job_id: int) -> None:
    with app.app_context():
        run_job(sessionmaker(bind=db.engine), job_id)


def test_jobs_are_branch_scoped_and_kinds_checked(session) -> None:
    job_id, branch_id = _submit(session, "test_counting", n=1)
    with pytest.raises(NotFoundError):
        get_job(session, job_id, branch_id + 1)
    with pytest.raises(ValueError, match="kind"):
        submit_job(session, branch_id=branch_id, kind="nonsense", parameters={}, user_id=None)


def _mark_running(session, job_id: int, *, heartbeat_age_s: float | None, attempts: int, worker_id: str) -> None:
    heartbeat = None if heartbeat_age_s is None else utc_now() - timedelta(seconds=heartbeat_age_s)
    session.execute(
        update(BackgroundJob)
        .where(BackgroundJob.id == job_id)
        .values(status=JobStatus.RUNNING, heartbeat_at=heartbeat, attempts=attempts, worker_id=worker_id)
    )
    session.commit()


def test_a_job_whose_worker_died_is_queued_again_once_then_failed(session) -> None:
    """No heartbeat for longer than ABANDONED_AFTER_S: first queued again, after a second death failed with a message."""
    job_id, branch_id = _submit(session, "test_counting", n=1)
    _mark_running(session, job_id, heartbeat_age_s=ABANDONED_AFTER_S + 5, attempts=1, worker_id="host:1:dead")
    assert recover_abandoned_jobs(session) == [job_id]
    assert get_job(session, job_id, branch_id).status is JobStatus.QUEUED
    session.commit()  # end the read: the job takes the write lock
    run_job(sessionmaker(bind=db.engine), job_id)
    session.expire_all()
    assert get_job(session, job_id, branch_id).status is JobStatus.SUCCEEDED

    again_id, _ = _submit(session, "test_counting", n=1)
    _mark_running(session, again_id, heartbeat_age_s=ABANDONED_AFTER_S + 5, attempts=2, worker_id="host:2:dead")
    assert recover_abandoned_jobs(session) == []
    job = get_job(session, again_id, branch_id + 1)
    session.commit()
    assert job.status is JobStatus.FAILED and "stopped" in job.error_message and job.finished


def test_a_job_started_again_shows_none_of_the_previous_attempts_progress(session) -> None:
    """A retried job starts with empty progress (no earlier best so far), and a late report from the dead
    attempt's worker does not overwrite the new attempt's progress."""
    job_id, branch_id = _submit(session, "test_progress_reading")
    _mark_running(session, job_id, heartbeat_age_s=ABANDONED_AFTER_S + 5, attempts=1, worker_id="host:1:dead")
    session.execute(
        update(BackgroundJob)
        .where(BackgroundJob.id == job_id)
        .values(
            status=JobStatus.QUEUED, progress_json='{"elapsed_s": 41.0, "best_objective": 120, "message": "searching"}'
        )
    )
    session.commit()
    progress_at_start.clear()
    run_job(sessionmaker(bind=db.engine), job_id, worker_id="host:2:new")
    assert progress_at_start == [{}]

    dead_attempt = JobContext(job_id, branch_id, {}, sessionmaker(bind=db.engine), _worker_id="host:1:dead")
    dead_attempt.report_progress(force=True, best_objective=99, message="late")
    session.expire_all()
    assert get_job(session, job_id, branch_id).progress == {}


def test_a_live_workers_job_is_never_touched(session) -> None:
    """A running job whose worker heartbeats (in any process) is left running by the recovery."""
    job_id, branch_id = _submit(session, "test_counting", n=1)
    _mark_running(session, job_id, heartbeat_age_s=1, attempts=1, worker_id="otherhost:7:alive")
    assert recover_abandoned_jobs(session) == []
    assert fail_interrupted_jobs(session) == 0
    assert get_job(session, job_id, branch_id).status is JobStatus.RUNNING


def test_a_job_delivered_twice_runs_once(session) -> None:
    """The worker claims the queued row: a second delivery of the same id does nothing."""
    job_id, branch_id = _submit(session, "test_counting", n=2)
    session.commit()
    run_job(sessionmaker(bind=db.engine), job_id)
    run_job(sessionmaker(bind=db.engine), job_id)
    session.expire_all()
    row = session.get(BackgroundJob, job_id)
    assert row.attempts == 1 and row.status is JobStatus.SUCCEEDED and get_job(session, job_id, branch_id).finished


def test_jobs_left_running_before_heartbeats_are_failed_at_start_up(session) -> None:
    job_id, branch_id = _submit(session, "test_counting", n=1)
    _mark_running(session, job_id, heartbeat_age_s=None, attempts=0, worker_id="")
    assert fail_interrupted_jobs(session) == 1
    job = get_job(session, job_id, branch_id)
    assert job.status is JobStatus.FAILED and "restarted" in job.error_message


def test_the_heartbeat_setting_is_read_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """FOODTRAIN_JOB_HEARTBEAT_S: 5 s unless set; seconds from 0.5 to 60, anything else refused by name."""
    from foodtrain.config import job_heartbeat_interval_s

    monkeypatch.delenv("FOODTRAIN_JOB_HEARTBEAT_S", raising=False)
    assert job_heartbeat_interval_s() == 5
    monkeypatch.setenv("FOODTRAIN_JOB_HEARTBEAT_S", " 1.5 ")
    assert job_heartbeat_interval_s() == 1.5
    for bad in ("0", "0.1", "61", "nan", "inf", "-1", "soon", "１"):
        monkeypatch.setenv("FOODTRAIN_JOB_HEARTBEAT_S", bad)
        with pytest.raises(ValueError, match="FOODTRAIN_JOB_HEARTBEAT_S"):
            job_heartbeat_interval_s()
