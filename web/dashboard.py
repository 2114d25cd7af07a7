"""The branch dashboard and the admin's branch switch."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, redirect, render_template, session, url_for
from flask_login import current_user
from flask.typing import ResponseReturnValue

from foodtrain.clock import branch_today
from foodtrain.extensions import db
from foodtrain.models import Branch, UserRole
from foodtrain.services.dashboard import branch_dashboard
from foodtrain.services.planning.viewing import next_round_for_volunteer, published_plans_out_of_date
from web.forms import BranchChoiceForm
from web.security import current_branch_id, roles_required

blueprint = Blueprint("dashboard", __name__)

ALL_ROLES = tuple(UserRole)
NAV_ITEMS = [("Dashboard", "dashboard.index", ALL_ROLES, 0)]


def _today() -> date:
    return branch_today()


@blueprint.route("/")
@roles_required(*ALL_ROLES)
def index() -> ResponseReturnValue:
    branch_id = current_branch_id()
    summary = branch_dashboard(db.session(), branch_id, _today())
    branch = db.session.get(Branch, branch_id)
    branch_form = None
    if current_user.role is UserRole.ADMIN:
        branch_form = BranchChoiceForm(branch_id=branch_id)
        branch_form.branch_id.choices = [
            (b.id, b.name) for b in db.session.scalars(db.select(Branch).order_by(Branch.name))
        ]
    next_round = None
    plans_out_of_date = []
    if current_user.role is UserRole.DRIVER:
        next_round = next_round_for_volunteer(db.session(), branch_id, current_user.volunteer_id, _today())
    else:
        plans_out_of_date = published_plans_out_of_date(db.session(), branch_id, _today())
    return render_template(
        "dashboard.html",
        summary=summary,
        branch=branch,
        branch_form=branch_form,
        next_round=next_round,
        plans_out_of_date=plans_out_of_date,
    )


@blueprint.route("/branch", methods=["POST"])
@roles_required(UserRole.ADMIN)
def choose_branch() -> ResponseReturnValue:
    form = BranchChoiceForm()
    form.branch_id.choices = [(b.id, b.name) for b in db.session.scalars(db.select(Branch))]
    if form.validate_on_submit():
        session["admin_branch_id"] = form.branch_id.data
    return redirect(url_for("dashboard.index"))


@blueprint.route("/healthz")
def health() -> ResponseReturnValue:
    """For load balancers and monitoring (no sign-in): 200 when the database and the job queue answer, else 503."""
    from foodtrain.health import check_health
    from foodtrain.job_queue import job_queue

    health = check_health(db.session(), job_queue(current_app))
    return {
        "status": "ok" if health.ok else "failing",
        "database": health.database,
        "queue": health.queue,
        "queue_storage": job_queue(current_app).storage,
        "queued_jobs": health.queued_jobs,
    }, 200 if health.ok else 503
