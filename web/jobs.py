"""Background jobs seen from the browser: start one, watch its progress, cancel it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import sessionmaker

from foodtrain.extensions import db
from foodtrain.job_queue import job_queue
from foodtrain.jobs import get_job, request_cancel, run_job, submit_job
from foodtrain.models import UserRole
from foodtrain.wording import plan_quality
from web.security import current_branch_id, roles_required

blueprint = Blueprint("jobs", __name__, url_prefix="/jobs")

JOB_ROLES = (UserRole.ADMIN, UserRole.COORDINATOR)


def _run_in_app(app: Flask, job_id: int) -> None:
    with app.app_context():
        run_job(sessionmaker(bind=db.engine), job_id)


def start_job(kind: str, parameters: dict[str, Any]) -> int:
    """Store a job for the current branch and user and put it on the queue for a worker; returns its id.

    With JOBS_RUN_INLINE (tests) the job runs to the end before this returns.
    """
    job_id = submit_job(
        db.session(), branch_id=current_branch_id(), kind=kind, parameters=parameters, user_id=current_user.id
    )
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # LocalProxy's real-object accessor is untyped
    if app.config.get("JOBS_RUN_INLINE"):
        _run_in_app(app, job_id)
    else:
        job_queue(app).enqueue(job_id)
    return job_id


class CancelForm(FlaskForm):
    """Only the CSRF token."""


@blueprint.route("/<int:job_id>")
@roles_required(*JOB_ROLES)
def show(job_id: int) -> ResponseReturnValue:
    job = get_job(db.session(), job_id, current_branch_id())
    return render_template("jobs/show.html", job=job, form=CancelForm())


@blueprint.route("/<int:job_id>/progress")
@roles_required(*JOB_ROLES)
def progress(job_id: int) -> ResponseReturnValue:
    job = get_job(db.session(), job_id, current_branch_id())
    progress = {key: value for key, value in job.progress.items() if key not in ("best_objective", "bound")}
    progress["quality"] = plan_quality(job.progress.get("best_objective"), job.progress.get("bound"))
    return {
        "id": job.id,
        "status": job.status.value,
        "finished": job.finished,
        "progress": progress,
        "result_url": job.result.get("url"),
        "error": job.error_message,
    }


@blueprint.route("/<int:job_id>/cancel", methods=["POST"])
@roles_required(*JOB_ROLES)
def cancel(job_id: int) -> ResponseReturnValue:
    if CancelForm().validate_on_submit():
        request_cancel(db.session(), job_id, current_branch_id())
        flash("Cancelling: the job stops at its next check and keeps nothing half-done.", "info")
    return redirect(url_for("jobs.show", job_id=job_id))
