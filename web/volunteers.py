"""Volunteers of the branch: search and look up (read-only for now)."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from foodtrain.extensions import db
from foodtrain.models import UserRole, Volunteer, VolunteerRole
from foodtrain.services.audit import record_event
from foodtrain.services.people import PAGE_SIZE, get_in_branch, search_volunteers
from web.arguments import page_argument
from web.security import current_branch_id, roles_required

blueprint = Blueprint("volunteers", __name__, url_prefix="/volunteers")

# PVG records are criminal-records data: coordinators and admins only.
PVG_ROLES = (UserRole.ADMIN, UserRole.COORDINATOR)
OFFICE_ROLES = (UserRole.ADMIN, UserRole.COORDINATOR, UserRole.OFFICE)
NAV_ITEMS = [("Volunteers", "volunteers.index", OFFICE_ROLES, 30)]


@blueprint.route("/")
@roles_required(*OFFICE_ROLES)
def index():  # type: ignore[no-untyped-def]
    text = request.args.get("q", "")[:100]
    role_value = request.args.get("role", "")
    role = next((r for r in VolunteerRole if r.value == role_value), None)
    page = page_argument()
    volunteers, total = search_volunteers(db.session, current_branch_id(), text, role, page=page)
    return render_template("volunteers/index.html", volunteers=volunteers, total=total, q=text,
                           role=role_value, roles=list(VolunteerRole), page=page, page_size=PAGE_SIZE,
                           show_pvg=current_user.role in PVG_ROLES)


@blueprint.route("/<int:volunteer_id>")
@roles_required(*OFFICE_ROLES)
def show(volunteer_id: int):  # type: ignore[no-untyped-def]
    branch_id = current_branch_id()
    volunteer = get_in_branch(db.session, Volunteer, volunteer_id, branch_id)
    show_pvg = current_user.role in PVG_ROLES
    if show_pvg:
        record_event(db.session, user_id=current_user.id, username=current_user.username,
                     action="volunteer.view_pvg", entity_type="volunteer", entity_id=volunteer.id,
                     branch_id=branch_id, remote_address=request.remote_addr or "")
        db.session.commit()
    return render_template("volunteers/show.html", volunteer=volunteer, show_pvg=show_pvg)
