"""EXTRA home-support jobs: request, schedule to a skilled PVG-cleared volunteer who is free, print the job
sheet, record completion with time and payment. Choosing the volunteer shows who is cleared, so scheduling is
for coordinators and admins; the office requests, prints and completes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask.typing import ResponseReturnValue

from foodtrain.clock import branch_today
from foodtrain.extensions import db
from foodtrain.models import DayPart, PaymentMethod, UserRole
from foodtrain.models.support import ExtraJob, ExtraJobStatus, ExtraUrgency
from foodtrain.money import MoneyFormatError, format_pence, parse_pounds
from foodtrain.services import extra as extra_service
from foodtrain.services.errors import ValidationError
from foodtrain.services.referrals import customer_choices
from web.arguments import date_argument
from web.people_forms import apply_errors
from web.security import current_actor, current_branch_id, roles_required
from web.view_audit import audit_view
from web.support_forms import (
    options,
    ExtraCancelForm,
    ExtraCompleteForm,
    ExtraRequestForm,
    ExtraScheduleForm,
    enum_of,
    int_of,
    render_form,
)

blueprint = Blueprint("extra", __name__, url_prefix="/extra")

OFFICE_ROLES = (UserRole.ADMIN, UserRole.COORDINATOR, UserRole.OFFICE)
PLANNERS = (UserRole.ADMIN, UserRole.COORDINATOR)
NAV_ITEMS = [("EXTRA", "extra.index", OFFICE_ROLES, 46)]


@blueprint.route("/")
@roles_required(*OFFICE_ROLES)
def index() -> ResponseReturnValue:
    status = enum_of(ExtraJobStatus, request.args.get("status"))
    jobs = extra_service.list_jobs(db.session(), current_branch_id(), status=status)
    return render_template(
        "support/extra_index.html",
        jobs=jobs,
        status=status,
        status_labels=extra_service.STATUS_LABELS,
        urgency_labels=extra_service.URGENCY_LABELS,
        format_pence=format_pence,
    )


def _request_form(branch_id: int) -> ExtraRequestForm:
    form = ExtraRequestForm()
    form.customer_id.choices = options(
        [("", "— choose —")] + [(str(i), label) for i, label in customer_choices(db.session(), branch_id)]
    )
    form.task_type_id.choices = options(
        [("", "— choose —")] + [(str(task.id), task.name) for task in extra_service.task_types(db.session(), branch_id)]
    )
    return form


@blueprint.route("/new", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def create() -> ResponseReturnValue:
    branch_id = current_branch_id()
    form = _request_form(branch_id)
    back = (url_for("extra.index"), "EXTRA jobs")
    if request.method == "GET":
        form.customer_id.data = request.args.get("customer_id", "")
        form.ensure_token()
        return render_form(form, "Request an EXTRA job", "Save request", back=back)
    general: list[str] = []
    if form.validate_on_submit():
        job_request = extra_service.JobRequest(
            customer_id=int_of(form.customer_id.data),
            task_type_id=int_of(form.task_type_id.data),
            details=form.details.data or "",
            preferred_weekdays=frozenset(int(d) for d in form.preferred_weekdays.data or [] if str(d).isdigit()),
            urgency=enum_of(ExtraUrgency, form.urgency.data) or ExtraUrgency.ROUTINE,
        )
        try:
            job_id = extra_service.request_job(
                db.session(),
                branch_id,
                job_request,
                actor=current_actor(),
                form_token=form.form_token.data or "",
                today=branch_today(),
            )
        except ValidationError as error:
            db.session.rollback()
            general = apply_errors(form, error.field_errors)
        else:
            flash("EXTRA job requested.", "success")
            return redirect(url_for("extra.show", extra_job_id=job_id))
    form.ensure_token()
    return render_form(form, "Request an EXTRA job", "Save request", back=back, general=general, status=422)


def _schedule_form(
    branch_id: int, job: ExtraJob, on: date | None, part: DayPart | None
) -> tuple[ExtraScheduleForm, list[extra_service.Candidate]]:
    form = ExtraScheduleForm()
    found = extra_service.candidates(db.session(), branch_id, job.id, on, part) if on and part else []
    form.volunteer_id.choices = options(
        [("", "— choose —")]
        + [
            (str(c.volunteer_id), c.name + ("" if c.free else " (not free: " + "; ".join(c.reasons) + ")"))
            for c in found
        ]
    )
    return form, found


def _render_job(
    job: ExtraJob,
    *,
    schedule_form: ExtraScheduleForm | None = None,
    candidates: Sequence[extra_service.Candidate] = (),
    complete_form: FlaskForm | None = None,
    cancel_form: FlaskForm | None = None,
    general: Sequence[str] = (),
    status: int = 200,
) -> ResponseReturnValue:
    branch_id = current_branch_id()
    can_plan = current_user.role in PLANNERS
    if schedule_form is None and can_plan:
        on = date_argument(request.args.get("date"))
        part = enum_of(DayPart, request.args.get("part"))
        schedule_form, candidates = _schedule_form(branch_id, job, on, part)
        schedule_form.scheduled_date.data, schedule_form.part_of_day.data = on, part.value if part else ""
    for form in (schedule_form, complete_form, cancel_form):
        if form is not None:
            form.version.data = str(job.version)
            form.ensure_token()
    if complete_form is None:
        complete_form = ExtraCompleteForm()
        complete_form.version.data = str(job.version)
        complete_form.amount_paid.data = format_pence(job.price_pence).lstrip("£")
    if cancel_form is None:
        cancel_form = ExtraCancelForm()
        cancel_form.version.data = str(job.version)
    return render_template(
        "support/extra_job.html",
        job=job,
        schedule_form=schedule_form if can_plan else None,
        candidates=candidates,
        complete_form=complete_form,
        cancel_form=cancel_form,
        general_errors=list(general),
        status_labels=extra_service.STATUS_LABELS,
        urgency_labels=extra_service.URGENCY_LABELS,
        format_pence=format_pence,
        weekdays=extra_service.weekdays_of(job.preferred_weekdays_mask),
        price_list=extra_service.task_types(db.session(), branch_id),
    ), status


@blueprint.route("/<int:extra_job_id>")
@roles_required(*OFFICE_ROLES)
def show(extra_job_id: int) -> ResponseReturnValue:
    branch_id = current_branch_id()
    job = extra_service.get_job(db.session(), branch_id, extra_job_id)
    audit_view("extra_job.view", "extra_job", job.id, branch_id, detail="details,completion_notes")
    return _render_job(job)


@blueprint.route("/<int:extra_job_id>/schedule", methods=["POST"])
@roles_required(*PLANNERS)
def schedule(extra_job_id: int) -> ResponseReturnValue:
    branch_id = current_branch_id()
    job = extra_service.get_job(db.session(), branch_id, extra_job_id)
    on = date_argument(request.form.get("scheduled_date"))
    part = enum_of(DayPart, request.form.get("part_of_day"))
    form, found = _schedule_form(branch_id, job, on, part)
    if form.validate_on_submit() or (form.errors.keys() <= {"volunteer_id"}):
        if not form.volunteer_id.data:  # first step: show who can do it then
            return redirect(
                url_for(
                    "extra.show",
                    extra_job_id=job.id,
                    date=on.isoformat() if on else None,
                    part=part.value if part else None,
                )
            )
        try:
            extra_service.schedule_job(
                db.session(),
                branch_id,
                job.id,
                volunteer_id=int_of(form.volunteer_id.data),
                on=on,
                part=part,
                expected_version=form.expected_version,
                actor=current_actor(),
                today=branch_today(),
            )
        except ValidationError as error:
            db.session.rollback()
            general = apply_errors(form, error.field_errors)
            job = extra_service.get_job(db.session(), branch_id, extra_job_id)
            return _render_job(job, schedule_form=form, candidates=found, general=general, status=422)
        flash("Job scheduled: it is in the volunteer's calendar.", "success")
        return redirect(url_for("extra.show", extra_job_id=job.id))
    return _render_job(job, schedule_form=form, candidates=found, status=422)


@blueprint.route("/<int:extra_job_id>/complete", methods=["POST"])
@roles_required(*OFFICE_ROLES)
def complete(extra_job_id: int) -> ResponseReturnValue:
    branch_id = current_branch_id()
    job = extra_service.get_job(db.session(), branch_id, extra_job_id)
    form = ExtraCompleteForm()
    general: list[str] = []
    if form.validate_on_submit():
        try:
            amount = parse_pounds(form.amount_paid.data or "")
        except MoneyFormatError:
            form.amount_paid.errors = ["Enter an amount in pounds, e.g. 5.00."]
        else:
            try:
                extra_service.complete_job(
                    db.session(),
                    branch_id,
                    job.id,
                    time_spent_min=form.time_spent_min.data,
                    amount_paid_pence=amount,
                    payment_method=enum_of(PaymentMethod, form.payment_method.data),
                    notes=form.completion_notes.data or "",
                    expected_version=form.expected_version,
                    actor=current_actor(),
                    today=branch_today(),
                )
            except ValidationError as error:
                db.session.rollback()
                general = apply_errors(form, error.field_errors)
                job = extra_service.get_job(db.session(), branch_id, extra_job_id)
            else:
                flash("Job completed.", "success")
                return redirect(url_for("extra.show", extra_job_id=job.id))
    return _render_job(job, complete_form=form, general=general, status=422)


@blueprint.route("/<int:extra_job_id>/cancel", methods=["POST"])
@roles_required(*OFFICE_ROLES)
def cancel(extra_job_id: int) -> ResponseReturnValue:
    branch_id = current_branch_id()
    job = extra_service.get_job(db.session(), branch_id, extra_job_id)
    form = ExtraCancelForm()
    general: list[str] = []
    if form.validate_on_submit():
        try:
            extra_service.cancel_job(
                db.session(),
                branch_id,
                job.id,
                reason=form.cancel_reason.data or "",
                expected_version=form.expected_version,
                actor=current_actor(),
            )
        except ValidationError as error:
            db.session.rollback()
            general = apply_errors(form, error.field_errors)
            job = extra_service.get_job(db.session(), branch_id, extra_job_id)
        else:
            flash("Job cancelled.", "success")
            return redirect(url_for("extra.show", extra_job_id=job.id))
    return _render_job(job, cancel_form=form, general=general, status=422)


@blueprint.route("/<int:extra_job_id>/sheet.pdf")
@roles_required(*OFFICE_ROLES)
def sheet(extra_job_id: int) -> ResponseReturnValue:
    branch_id = current_branch_id()
    try:
        pdf = extra_service.job_sheet_pdf(db.session(), branch_id, extra_job_id, actor=current_actor())
    except ValidationError:
        db.session.rollback()
        flash("Schedule the job before printing its sheet.", "error")
        return redirect(url_for("extra.show", extra_job_id=extra_job_id))
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="extra-job-{extra_job_id}.pdf"'},
    )


@blueprint.route("/volunteers/<int:volunteer_id>", methods=["GET", "POST"])
@roles_required(*PLANNERS)
def volunteer_profile(volunteer_id: int) -> ResponseReturnValue:
    """A volunteer's EXTRA skills and befriending profile."""
    from foodtrain.models.support import Gender
    from foodtrain.services.support_links import SupportProfileDetails, save_support_profile, support_profile
    from web.support_forms import SupportProfileForm

    branch_id = current_branch_id()
    volunteer, profile, skills = support_profile(db.session(), branch_id, volunteer_id)
    form = SupportProfileForm()
    form.task_type_ids.choices = options(
        (task.id, task.name) for task in extra_service.task_types(db.session(), branch_id)
    )
    title = f"EXTRA and befriending: {volunteer.full_name}"
    back = (url_for("volunteers.show", volunteer_id=volunteer.id), volunteer.full_name)
    if request.method == "GET":
        form.task_type_ids.data = [str(task_id) for task_id in sorted(skills)]
        if profile is not None:
            form.befriender.data, form.languages.data, form.interests.data = (
                profile.befriender,
                profile.languages,
                profile.interests,
            )
            form.gender.data = profile.gender.value if profile.gender else ""
        form.ensure_token()
        return render_form(form, title, "Save", back=back)
    general: list[str] = []
    if form.validate_on_submit():
        details = SupportProfileDetails(
            task_type_ids=frozenset(int(v) for v in form.task_type_ids.data or [] if str(v).isdigit()),
            befriender=bool(form.befriender.data),
            gender=enum_of(Gender, form.gender.data),
            languages=form.languages.data or "",
            interests=form.interests.data or "",
        )
        try:
            save_support_profile(db.session(), branch_id, volunteer.id, details, actor=current_actor())
        except ValidationError as error:
            db.session.rollback()
            general = apply_errors(form, error.field_errors)
        else:
            flash("Saved.", "success")
            return redirect(url_for("volunteers.show", volunteer_id=volunteer.id))
    form.ensure_token()
    return render_form(form, title, "Save", back=back, general=general, status=422)


@blueprint.route("/prices", methods=["GET", "POST"])
@roles_required(*PLANNERS)
def prices() -> ResponseReturnValue:
    """The branch's EXTRA price list (effective-dated) and adding a price or a new kind of job."""
    from web.support_forms import PriceForm

    branch_id = current_branch_id()
    form = PriceForm()
    general: list[str] = []
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                price = parse_pounds(form.price.data or "")
            except MoneyFormatError:
                form.price.errors = ["Enter an amount in pounds, e.g. 3.00."]
            else:
                try:
                    extra_service.add_price(
                        db.session(),
                        branch_id,
                        task_name=form.task_name.data or "",
                        effective_from=form.effective_from.data,
                        price_pence=price,
                        actor=current_actor(),
                    )
                except ValidationError as error:
                    db.session.rollback()
                    general = apply_errors(form, error.field_errors)
                else:
                    flash("Price added.", "success")
                    return redirect(url_for("extra.prices"))
    form.ensure_token()
    from web.support_forms import TaskTypeOfferForm

    return render_form(
        form,
        "EXTRA price list",
        "Add price",
        back=(url_for("extra.index"), "EXTRA jobs"),
        general=general,
        status=status,
        template="support/prices.html",
        tasks=extra_service.task_types(db.session(), branch_id, active_only=False),
        format_pence=format_pence,
        offer_form=TaskTypeOfferForm(),
    )


@blueprint.route("/prices/<int:task_type_id>/offered", methods=["POST"])
@roles_required(*PLANNERS)
def task_type_offered(task_type_id: int) -> ResponseReturnValue:
    """Retire a kind of job (kept with its prices for history, no longer offered) or offer it again."""
    from web.support_forms import TaskTypeOfferForm

    extra_service.get_task_type(db.session(), current_branch_id(), task_type_id)  # another branch's: not found
    form = TaskTypeOfferForm()
    if not form.validate_on_submit() or form.offered.data not in ("0", "1"):
        flash("Nothing changed: use the Retire or Offer again button.", "error")
        return redirect(url_for("extra.prices"))
    offered = form.offered.data == "1"
    extra_service.set_task_type_offered(
        db.session(), current_branch_id(), task_type_id, offered=offered, actor=current_actor()
    )
    flash(
        "Offered again." if offered else "Retired: no longer offered for new jobs; its prices and past jobs stay.",
        "success",
    )
    return redirect(url_for("extra.prices"))
