"""Volunteers of the branch: search, look up, create, edit, and dates away.

PVG records are criminal-records data: only admins and coordinators see or edit them (the form for anyone
else has no PVG fields at all, and the service then leaves them untouched).
"""

from __future__ import annotations


from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask.typing import ResponseReturnValue

from foodtrain.clock import branch_today
from foodtrain.extensions import db
from foodtrain.models import UserRole, Volunteer, VolunteerRole
from foodtrain.services import volunteers as volunteer_service
from foodtrain.services.commitments import commitments_between
from foodtrain.services.errors import ValidationError
from foodtrain.services.rota.shadow import count_shadow_shifts_done
from foodtrain.services.people import PAGE_SIZE, get_in_branch, search_volunteers
from foodtrain.wording import plain_date
from web.arguments import page_argument
from web.people_forms import (
    GRID_PARTS,
    HELP_FREQUENCY_LABELS,
    ROLE_LABELS,
    AbsenceForm,
    RemoveAbsenceForm,
    VolunteerForm,
    apply_errors,
    choices_of,
)
from foodtrain.services.support_links import volunteer_services
from web.security import current_actor, current_branch_id, roles_required
from web.view_audit import audit_view

blueprint = Blueprint("volunteers", __name__, url_prefix="/volunteers")

# PVG records are criminal-records data: coordinators and admins only.
PVG_ROLES = (UserRole.ADMIN, UserRole.COORDINATOR)
OFFICE_ROLES = (UserRole.ADMIN, UserRole.COORDINATOR, UserRole.OFFICE)
NAV_ITEMS = [("Volunteers", "volunteers.index", OFFICE_ROLES, 30)]
WEEKDAY_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat")


def _show_pvg() -> bool:
    return current_user.role in PVG_ROLES


def _audit_pvg_view(volunteer_id: int, branch_id: int) -> None:
    audit_view("volunteer.view_pvg", "volunteer", volunteer_id, branch_id)


@blueprint.route("/")
@roles_required(*OFFICE_ROLES)
def index() -> ResponseReturnValue:
    text = request.args.get("q", "")[:100]
    role_value = request.args.get("role", "")
    role = next((r for r in VolunteerRole if r.value == role_value), None)
    page = page_argument()
    volunteers, total = search_volunteers(db.session(), current_branch_id(), text, role, page=page)
    show_pvg = _show_pvg()
    warnings = {v.id: volunteer_service.volunteer_warnings(v, show_pvg) for v in volunteers}
    return render_template(
        "volunteers/index.html",
        volunteers=volunteers,
        total=total,
        q=text,
        role=role_value,
        roles=list(VolunteerRole),
        page=page,
        page_size=PAGE_SIZE,
        show_pvg=show_pvg,
        warnings=warnings,
    )


@blueprint.route("/<int:volunteer_id>")
@roles_required(*OFFICE_ROLES)
def show(volunteer_id: int) -> ResponseReturnValue:
    branch_id = current_branch_id()
    count_shadow_shifts_done(db.session(), branch_id, branch_today())  # shadow shifts to do, as of today
    volunteer = volunteer_service.volunteer_profile(db.session(), branch_id, volunteer_id)
    show_pvg = _show_pvg()
    if show_pvg:
        _audit_pvg_view(volunteer.id, branch_id)
    return render_template(
        "volunteers/show.html",
        volunteer=volunteer,
        show_pvg=show_pvg,
        warnings=volunteer_service.volunteer_warnings(volunteer, show_pvg),
        role_labels=ROLE_LABELS,
        help_labels=HELP_FREQUENCY_LABELS,
        remove_form=RemoveAbsenceForm(),
        services=volunteer_services(db.session(), branch_id, volunteer.id),
    )


def _volunteer_form(branch_id: int, volunteer_id: int | None) -> VolunteerForm:
    form = VolunteerForm()
    choices = volunteer_service.partner_choices(db.session(), branch_id, exclude_id=volunteer_id)
    form.preferred_partner_ids.choices = choices_of(choices)
    form.never_partner_ids.choices = choices_of(choices)
    if not _show_pvg():
        form.remove_pvg_fields()
    return form


def _render_volunteer_form(
    form: VolunteerForm, volunteer: Volunteer | None, general: list[str], status: int = 200
) -> ResponseReturnValue:
    return render_template(
        "volunteers/form.html",
        form=form,
        volunteer=volunteer,
        general_errors=general,
        weekdays=WEEKDAY_SHORT,
        parts=GRID_PARTS,
    ), status


@blueprint.route("/new", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def create() -> ResponseReturnValue:
    branch_id = current_branch_id()
    form = _volunteer_form(branch_id, None)
    if request.method == "GET":
        form.ensure_token()
        return _render_volunteer_form(form, None, [])
    if form.validate_on_submit():
        try:
            volunteer_id = volunteer_service.create_volunteer(
                db.session(),
                branch_id,
                form.to_details(),
                form.to_pvg(),
                actor=current_actor(),
                form_token=form.form_token.data or "",
                today=branch_today(),
            )
        except ValidationError as error:
            db.session.rollback()
            return _render_volunteer_form(form, None, apply_errors(form, error.field_errors), 422)
        flash("Volunteer added.", "success")
        return redirect(url_for("volunteers.show", volunteer_id=volunteer_id))
    form.ensure_token()
    return _render_volunteer_form(form, None, [], 422)


@blueprint.route("/<int:volunteer_id>/edit", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def edit(volunteer_id: int) -> ResponseReturnValue:
    branch_id = current_branch_id()
    count_shadow_shifts_done(db.session(), branch_id, branch_today())  # shadow shifts to do, as of today
    volunteer = volunteer_service.volunteer_profile(db.session(), branch_id, volunteer_id)
    form = _volunteer_form(branch_id, volunteer.id)
    if request.method == "GET":
        form.fill_from(volunteer)
        form.ensure_token()
        if _show_pvg():
            _audit_pvg_view(volunteer.id, branch_id)
        return _render_volunteer_form(form, volunteer, [])
    if form.validate_on_submit():
        try:
            volunteer_service.update_volunteer(
                db.session(),
                branch_id,
                volunteer.id,
                form.to_details(),
                form.to_pvg(),
                expected_version=form.expected_version,
                actor=current_actor(),
                form_token=form.form_token.data or "",
                today=branch_today(),
            )
        except ValidationError as error:
            db.session.rollback()
            return _render_volunteer_form(form, volunteer, apply_errors(form, error.field_errors), 422)
        flash("Changes saved.", "success")
        return redirect(url_for("volunteers.show", volunteer_id=volunteer.id))
    form.ensure_token()
    return _render_volunteer_form(form, volunteer, [], 422)


@blueprint.route("/<int:volunteer_id>/absences/new", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def add_absence(volunteer_id: int) -> ResponseReturnValue:
    branch_id = current_branch_id()
    volunteer = get_in_branch(db.session(), Volunteer, volunteer_id, branch_id)
    form = AbsenceForm()
    general: list[str] = []
    if request.method == "POST" and form.validate_on_submit():
        try:
            volunteer_service.add_absence(
                db.session(),
                branch_id,
                volunteer.id,
                start_date=form.start_date.data,
                end_date=form.end_date.data,
                reason=form.reason.data or "",
                actor=current_actor(),
                form_token=form.form_token.data or "",
            )
        except ValidationError as error:
            db.session.rollback()
            general = apply_errors(form, error.field_errors)
        else:
            flash("Dates away added.", "success")
            clashes = commitments_between(db.session(), volunteer.id, form.start_date.data, form.end_date.data)
            if clashes:
                booked = "; ".join(f"{plain_date(c.day)}: {c.what}" for c in clashes)
                flash(
                    f"{volunteer.full_name} is still down for {booked}. For a rota shift, open the rota and "
                    "press “Someone drops out…”; give an EXTRA job to someone else.",
                    "warning",
                )
            return redirect(url_for("volunteers.show", volunteer_id=volunteer_id))
    form.ensure_token()
    return render_template("volunteers/absence.html", form=form, volunteer=volunteer, general_errors=general), (
        200 if request.method == "GET" else 422
    )


@blueprint.route("/<int:volunteer_id>/absences/<int:absence_id>/delete", methods=["POST"])
@roles_required(*OFFICE_ROLES)
def remove_absence(volunteer_id: int, absence_id: int) -> ResponseReturnValue:
    branch_id = current_branch_id()
    form = RemoveAbsenceForm()
    if form.validate_on_submit():
        volunteer_service.remove_absence(db.session(), branch_id, volunteer_id, absence_id, actor=current_actor())
        flash("Dates away removed.", "success")
    else:
        get_in_branch(db.session(), Volunteer, volunteer_id, branch_id)
        flash("The form was damaged: please try again.", "error")
    return redirect(url_for("volunteers.show", volunteer_id=volunteer_id))
