"""The rota pages: generate a month (background job), the calendar, edits, publish, repair, own rota.

Blueprint "rota_pages" (the name "rota" is the library's). Coordinators and
admins generate, edit, publish and repair; office volunteers view the
calendar; everyone linked to a volunteer record sees their own rota.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, flash, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm

import foodtrain.services.rota as rota_service  # registers the rota generation job kind
from foodtrain.clock import branch_today
from foodtrain.extensions import db
from foodtrain.models import RotaRole, RotaStatus, UserRole
from foodtrain.services.errors import ValidationError
from web.arguments import int_argument
from foodtrain.services.rota import GENERATE_JOB_KIND, ROLE_LABELS, Seat
from web.jobs import start_job
from web.rota_forms import (
    NOBODY,
    CalendarFeedForm,
    GenerateForm,
    RepairForm,
    ShadowMissedForm,
    SwapForm,
    VersionForm,
    slot_form_class,
)
from foodtrain.services.extra import volunteer_extra_jobs
from foodtrain.services.rota.shadow import count_shadow_shifts_done, mark_shadow_shift_missed, shadow_shift_missed
from foodtrain.services.volunteer_calendar import (
    feed_calendar,
    feed_status,
    new_feed_token,
    revoke_feed,
    volunteer_calendar,
)
from web.people_forms import new_form_token
from foodtrain.services.commitments import befriending_visits
from web.security import current_actor, current_branch_id, roles_required

blueprint = Blueprint("rota_pages", __name__, url_prefix="/rota")

PLANNERS = (UserRole.ADMIN, UserRole.COORDINATOR)
VIEWERS = (UserRole.ADMIN, UserRole.COORDINATOR, UserRole.OFFICE)
EVERYONE = tuple(UserRole)
NAV_ITEMS = [("Rota", "rota_pages.index", VIEWERS, 40), ("My rota", "rota_pages.mine", EVERYONE, 90)]


def _form_errors(form: FlaskForm, error: ValidationError) -> None:
    """Put a service's field messages next to the fields (unknown fields go to the top of the form)."""
    for name, message in error.field_errors.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors or []), message]
        else:
            form.form_errors.append(message)


def _is_planner() -> bool:
    return current_user.role in PLANNERS


@blueprint.route("/")
@roles_required(*VIEWERS)
def index() -> ResponseReturnValue:
    rotas = rota_service.list_rotas(db.session(), current_branch_id())
    today = branch_today()
    next_month = (today.replace(day=28) + (date(2000, 1, 31) - date(2000, 1, 1))).replace(day=1)
    form = GenerateForm(month=f"{next_month:%Y-%m}", form_token=new_form_token())
    return render_template("rota/index.html", rotas=rotas, form=form, can_plan=_is_planner())


@blueprint.route("/generate", methods=["POST"])
@roles_required(*PLANNERS)
def generate() -> ResponseReturnValue:
    form = GenerateForm()
    if not form.validate_on_submit():
        rotas = rota_service.list_rotas(db.session(), current_branch_id())
        return render_template("rota/index.html", rotas=rotas, form=form, can_plan=True), 400
    result_url = url_for("rota_pages.show", rota_id=987654321).replace("987654321", "ROTA_ID")
    parameters = {
        "month": f"{form.month.parsed:%Y-%m-%d}",
        "time_limit_s": form.time_limit_s.data,
        "user_id": current_user.id,
        "username": current_user.username,
        "result_url": result_url,
    }
    outcome = rota_service.start_generation(
        db.session(), current_branch_id(), form.form_token.data or "", lambda: start_job(GENERATE_JOB_KIND, parameters)
    )
    if outcome.job_id is None:
        flash("That form was already sent: the rota is being drawn up.", "info")
        return redirect(url_for("rota_pages.index"))
    if not outcome.started:  # a repeated submit, or someone else is already drawing one up
        flash("A rota is already being drawn up for this branch: here is its progress.", "info")
    return redirect(url_for("jobs.show", job_id=outcome.job_id))


def _render_show(rota_id: int, publish_form: VersionForm | None = None, status: int = 200) -> ResponseReturnValue:
    view = rota_service.get_rota(db.session(), current_branch_id(), rota_id)
    publish_form = publish_form or VersionForm(version=view.version)
    return render_template(
        "rota/show.html", rota=view, publish_form=publish_form, can_plan=_is_planner(), RotaStatus=RotaStatus
    ), status


@blueprint.route("/<int:rota_id>")
@roles_required(*VIEWERS)
def show(rota_id: int) -> ResponseReturnValue:
    return _render_show(rota_id)


@blueprint.route("/<int:rota_id>/publish", methods=["POST"])
@roles_required(*PLANNERS)
def publish(rota_id: int) -> ResponseReturnValue:
    form = VersionForm()
    if not form.validate_on_submit():
        return _render_show(rota_id, form, 400)
    view = rota_service.get_rota(db.session(), current_branch_id(), rota_id)
    if (
        view.status is RotaStatus.DRAFT
        and view.unfilled_slots
        and form.version.data == view.version
        and form.confirmed.data != "1"
    ):
        db.session.rollback()
        return render_template("rota/publish_confirm.html", rota=view, form=form)
    try:
        published = rota_service.publish_rota(
            db.session(), current_branch_id(), rota_id, expected_version=form.version.data, actor=current_actor()
        )
    except ValidationError as error:
        db.session.rollback()
        _form_errors(form, error)
        return _render_show(rota_id, form, 409)
    flash(
        "The rota is published: volunteers can now see their shifts."
        if published
        else "This rota was already published.",
        "info",
    )
    return redirect(url_for("rota_pages.show", rota_id=rota_id))


def _slot_argument() -> int:
    slot_id = int_argument(request.args.get("slot"))
    if slot_id is None:
        abort(404)
    return slot_id


def _edit_forms(
    editor: rota_service.SlotEditor, form: FlaskForm | None = None, swap_form: SwapForm | None = None
) -> tuple[FlaskForm, SwapForm]:
    """The seat form and the swap form of a slot, filled from the editor (or keeping what was typed)."""
    seats = editor.slot.seats
    if form is None:
        shadow = next((seat.volunteer_id for seat in editor.slot.shadowing), None)
        form = slot_form_class(len(seats))(
            version=editor.rota_version,
            shadow=shadow or NOBODY,
            **{f"seat_{i}": seat.volunteer_id or NOBODY for i, seat in enumerate(seats)},
        )
    fields = [(getattr(form, f"seat_{index}"), seat.role) for index, seat in enumerate(seats)]
    for field, role in [*fields, (form.shadow, RotaRole.SHADOW)]:
        field.label.text = "Shadowing (trainee)" if role is RotaRole.SHADOW else ROLE_LABELS[role]
        people = editor.choices.get(role, [])
        fits = editor.fits.get(role, frozenset()) if editor.fits else frozenset()
        groups = {
            "Leave empty": [(NOBODY, "— nobody —")],
            "Free and allowed": [(c.id, c.name) for c in people if c.id in fits],
            "Others (a rule would stop it)": [(c.id, c.name) for c in people if c.id not in fits],
        }
        field.choices = {label: options for label, options in groups.items() if options}
    if swap_form is None:
        swap_form = SwapForm(version=editor.rota_version)
    swap_form.assignment_id.choices = [
        (s.assignment_id, f"{ROLE_LABELS[s.role]}: {s.name}") for s in seats if s.assignment_id is not None
    ]
    swap_form.other_assignment_id.choices = [(0, "— choose a shift —"), *editor.swap_targets]
    return form, swap_form


def _render_edit(
    editor: rota_service.SlotEditor, form: FlaskForm, swap_form: SwapForm, status: int = 200
) -> ResponseReturnValue:
    """The slot's edit page; for a shadowing trainee on a day that has come, whether they came (missed or not)."""
    shadow = next(iter(editor.slot.shadowing), None)
    missed = None
    if shadow is not None and shadow.volunteer_id is not None and editor.slot.date <= branch_today():
        missed = shadow_shift_missed(db.session(), shadow.volunteer_id, editor.slot.date)
    return render_template(
        "rota/edit.html",
        editor=editor,
        form=form,
        swap_form=swap_form,
        shadow_missed=missed,
        missed_form=ShadowMissedForm(),
    ), status


@blueprint.route("/<int:rota_id>/edit", methods=["GET", "POST"])
@roles_required(*PLANNERS)
def edit(rota_id: int) -> ResponseReturnValue:
    slot_id = _slot_argument()
    editor = rota_service.get_slot_editor(db.session(), current_branch_id(), rota_id, slot_id)
    form_class = slot_form_class(len(editor.slot.seats))
    form = form_class() if request.method == "POST" else None
    form, swap_form = _edit_forms(editor, form)
    if request.method == "POST":
        if form.validate_on_submit():
            seats = [
                Seat(seat.role, getattr(form, f"seat_{i}").data or None) for i, seat in enumerate(editor.slot.seats)
            ]
            if "shadow" in request.form:  # the shadow seat as chosen (a form without it keeps the trainee there)
                seats.append(Seat(RotaRole.SHADOW, form.shadow.data or None))
            try:
                changed = rota_service.update_slot(
                    db.session(),
                    current_branch_id(),
                    rota_id,
                    slot_id,
                    seats,
                    expected_version=form.version.data,
                    actor=current_actor(),
                )
            except ValidationError as error:
                db.session.rollback()
                _form_errors(form, error)
            else:
                flash(
                    f"Saved: {changed} seat{'s' if changed != 1 else ''} changed." if changed else "Nothing to change.",
                    "info",
                )
                return redirect(url_for("rota_pages.show", rota_id=rota_id, _anchor=f"day-{editor.slot.date}"))
        return _render_edit(editor, form, swap_form, 400)
    return _render_edit(editor, form, swap_form)


@blueprint.route("/<int:rota_id>/swap", methods=["POST"])
@roles_required(*PLANNERS)
def swap(rota_id: int) -> ResponseReturnValue:
    slot_id = _slot_argument()
    editor = rota_service.get_slot_editor(db.session(), current_branch_id(), rota_id, slot_id)
    swap_form = SwapForm()
    form, swap_form = _edit_forms(editor, swap_form=swap_form)
    if swap_form.validate_on_submit():
        try:
            rota_service.swap_assignments(
                db.session(),
                current_branch_id(),
                rota_id,
                swap_form.assignment_id.data,
                swap_form.other_assignment_id.data,
                expected_version=swap_form.version.data,
                actor=current_actor(),
            )
        except ValidationError as error:
            db.session.rollback()
            _form_errors(swap_form, error)
        else:
            flash("Swapped.", "info")
            return redirect(url_for("rota_pages.show", rota_id=rota_id, _anchor=f"day-{editor.slot.date}"))
    return _render_edit(editor, form, swap_form, 400)


@blueprint.route("/<int:rota_id>/shadow-missed", methods=["POST"])
@roles_required(*PLANNERS)
def shadow_missed(rota_id: int) -> ResponseReturnValue:
    """The trainee shadowing on the slot did not come (their shadow shift does not count), or did after all."""
    slot_id = _slot_argument()
    form = ShadowMissedForm()
    if form.validate_on_submit():
        try:
            changed = mark_shadow_shift_missed(
                db.session(),
                current_branch_id(),
                rota_id,
                slot_id,
                missed=form.missed.data == "1",
                today=branch_today(),
                actor=current_actor(),
            )
        except ValidationError as error:
            db.session.rollback()
            flash(" ".join(error.field_errors.values()), "error")
        else:
            if changed:
                flash(
                    "Marked missed: the shadow shift does not count."
                    if form.missed.data == "1"
                    else "Marked as done: the shadow shift counts.",
                    "info",
                )
    else:
        flash("Nothing was changed: reload the page and choose again.", "error")
    return redirect(url_for("rota_pages.edit", rota_id=rota_id, slot=slot_id))


def _repair_choices(form: RepairForm, people: list[rota_service.VolunteerChoice]) -> None:
    form.volunteer_id.choices = [(0, "— choose —")] + [(p.id, p.name) for p in people]


@blueprint.route("/<int:rota_id>/repair", methods=["GET", "POST"])
@roles_required(*PLANNERS)
def repair(rota_id: int) -> ResponseReturnValue:
    view, people = rota_service.rota_volunteers(db.session(), current_branch_id(), rota_id)
    form = RepairForm(version=view.version) if request.method == "GET" else RepairForm()
    _repair_choices(form, people)
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                outcome = rota_service.repair_after_dropout(
                    db.session(),
                    current_branch_id(),
                    rota_id,
                    form.volunteer_id.data or None,
                    form.from_date.data,
                    expected_version=form.version.data,
                    actor=current_actor(),
                )
            except ValidationError as error:
                db.session.rollback()
                _form_errors(form, error)
            else:
                seats = len(outcome.changes)
                flash(
                    f"Repaired: {seats} seat{'s' if seats != 1 else ''} changed; each is listed under "
                    "“What changed” (before → after).",
                    "info",
                )
                return redirect(url_for("rota_pages.show", rota_id=rota_id, _anchor="changes"))
        return render_template("rota/repair.html", rota=view, form=form), 400
    return render_template("rota/repair.html", rota=view, form=form)


def _month_argument() -> date:
    value = request.args.get("month", "")
    if value:
        try:
            return rota_service.parse_month(value[:10])
        except ValidationError:
            pass
    return branch_today().replace(day=1)


def _ics_response(text: str, name: str) -> Response:
    safe = "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-") or "rota"
    return Response(
        text, mimetype="text/calendar", headers={"Content-Disposition": f'attachment; filename="rota-{safe}.ics"'}
    )


@blueprint.route("/mine")
@roles_required(*EVERYONE)
def mine() -> ResponseReturnValue:
    start = _month_argument()
    if current_user.volunteer_id is None:
        return render_template("rota/volunteer.html", rota=None, start=start, own=True)
    count_shadow_shifts_done(db.session(), current_branch_id(), branch_today())
    view = rota_service.volunteer_rota(db.session(), current_branch_id(), current_user.volunteer_id, start)
    return render_template(
        "rota/volunteer.html",
        rota=view,
        start=start,
        own=True,
        extra_jobs=volunteer_extra_jobs(db.session(), current_branch_id(), view.volunteer_id, start),
        visits=befriending_visits(db.session(), view.volunteer_id, start),
    )


@blueprint.route("/mine.ics")
@roles_required(*EVERYONE)
def mine_ics() -> ResponseReturnValue:
    if current_user.volunteer_id is None:
        abort(404)
    calendar = volunteer_calendar(db.session(), current_branch_id(), current_user.volunteer_id, _month_argument())
    return _ics_response(calendar.text, calendar.volunteer_name)


@blueprint.route("/mine/feed", methods=["GET", "POST"])
@roles_required(*EVERYONE)
def feed() -> ResponseReturnValue:
    """The volunteer's subscribable calendar URL: make one (shown once), replace it, or stop it."""
    if current_user.volunteer_id is None:
        abort(404)
    branch_id, volunteer_id = current_branch_id(), int(current_user.volunteer_id)
    form = CalendarFeedForm()
    new_url = None
    if form.validate_on_submit():
        if form.action.data == "revoke":
            if revoke_feed(db.session(), branch_id, volunteer_id, actor=current_actor()):
                flash("Your calendar feed is stopped: the old address shows nothing any more.", "success")
            return redirect(url_for("rota_pages.feed"))
        token = new_feed_token(db.session(), branch_id, volunteer_id, actor=current_actor())
        new_url = url_for("rota_pages.feed_ics", token=token, _external=True)
    elif request.method == "POST":
        flash("Nothing was changed: reload the page and choose a button again.", "error")
    status = feed_status(db.session(), branch_id, volunteer_id)
    response = make_response(render_template("rota/feed.html", status=status, new_url=new_url))
    response.headers["Cache-Control"] = "no-store"  # the page may hold the secret address
    return response


@blueprint.route("/feed/<token>.ics")
def feed_ics(token: str) -> ResponseReturnValue:
    """A calendar app's subscription (no sign-in: the secret token is the key). Unknown or revoked: 404."""
    calendar = feed_calendar(db.session(), token, branch_today(), host=request.host.split(":")[0] or "foodtrain")
    response = _ics_response(calendar.text, calendar.volunteer_name)
    response.headers["Cache-Control"] = "private, max-age=900"
    return response


@blueprint.route("/volunteers/<int:volunteer_id>")
@roles_required(*PLANNERS)
def volunteer(volunteer_id: int) -> ResponseReturnValue:
    start = _month_argument()
    count_shadow_shifts_done(db.session(), current_branch_id(), branch_today())
    view = rota_service.volunteer_rota(db.session(), current_branch_id(), volunteer_id, start)
    return render_template(
        "rota/volunteer.html",
        rota=view,
        start=start,
        own=False,
        extra_jobs=volunteer_extra_jobs(db.session(), current_branch_id(), view.volunteer_id, start),
        visits=befriending_visits(db.session(), view.volunteer_id, start),
    )


@blueprint.route("/volunteers/<int:volunteer_id>.ics")
@roles_required(*PLANNERS)
def volunteer_ics(volunteer_id: int) -> ResponseReturnValue:
    calendar = volunteer_calendar(db.session(), current_branch_id(), volunteer_id, _month_argument())
    return _ics_response(calendar.text, calendar.volunteer_name)
