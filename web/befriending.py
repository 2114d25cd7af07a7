"""Befriending: an isolated customer's wishes and ranked befriender suggestions (coordinators: the list shows
who is PVG-cleared), matches, the log of visits, calls and outings (office too), reviews and ending a match."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask.typing import ResponseReturnValue

from foodtrain.clock import branch_today
from foodtrain.extensions import db
from foodtrain.models import Customer, DayPart, UserRole
from foodtrain.models.support import BefriendingMatch, ContactKind, Gender, SupportService
from foodtrain.services import befriending as befriending_service
from foodtrain.services.errors import ValidationError
from foodtrain.services.people import get_in_branch
from foodtrain.services.referrals import waiting_list
from web.people_forms import apply_errors
from web.security import current_actor, current_branch_id, roles_required
from web.view_audit import audit_view
from web.support_forms import (
    ContactForm,
    EndMatchForm,
    MatchForm,
    ReviewForm,
    WishForm,
    enum_of,
    int_of,
    options,
)

blueprint = Blueprint("befriending", __name__, url_prefix="/befriending")

OFFICE_ROLES = (UserRole.ADMIN, UserRole.COORDINATOR, UserRole.OFFICE)
PLANNERS = (UserRole.ADMIN, UserRole.COORDINATOR)
NAV_ITEMS = [("Befriending", "befriending.index", OFFICE_ROLES, 47)]


@blueprint.route("/")
@roles_required(*OFFICE_ROLES)
def index() -> ResponseReturnValue:
    branch_id = current_branch_id()
    return render_template(
        "support/befriending_index.html",
        matches=befriending_service.list_matches(db.session(), branch_id, active_only=True),
        due=befriending_service.reviews_due(db.session(), branch_id, branch_today()),
        waiting=waiting_list(db.session(), branch_id, SupportService.BEFRIENDING),
        can_plan=current_user.role in PLANNERS,
    )


def _render_customer(
    customer: Customer, wish_form: WishForm, match_form: MatchForm, general: Sequence[str] = (), status: int = 200
) -> ResponseReturnValue:
    branch_id = current_branch_id()
    result = befriending_service.suggest_befrienders(db.session(), branch_id, customer.id, branch_today())
    match_form.volunteer_id.choices = options(
        [("", "— choose —")] + [(s.volunteer_id, s.name) for s in result.suggestions]
    )
    wish_form.ensure_token()
    match_form.ensure_token()
    return render_template(
        "support/befriending_customer.html",
        customer=customer,
        wish_form=wish_form,
        match_form=match_form,
        result=result,
        general_errors=list(general),
        matches=befriending_service.list_matches(db.session(), branch_id, customer_id=customer.id),
    ), status


@blueprint.route("/customers/<int:customer_id>", methods=["GET", "POST"])
@roles_required(*PLANNERS)
def customer(customer_id: int) -> ResponseReturnValue:
    branch_id = current_branch_id()
    person = get_in_branch(db.session(), Customer, customer_id, branch_id)
    wish_form, match_form = WishForm(), MatchForm(formdata=None)
    if request.method == "GET":
        wish = befriending_service.wish_of(db.session(), branch_id, person.id)
        if wish is not None:
            wish_form.interests.data, wish_form.language.data, wish_form.notes.data = (
                wish.interests,
                wish.language,
                wish.notes,
            )
            wish_form.max_distance_km.data = int(wish.max_distance_km)
            wish_form.preferred_gender.data = wish.preferred_gender.value if wish.preferred_gender else ""
            wish_form.weekday.data = "" if wish.weekday is None else str(wish.weekday)
            wish_form.part_of_day.data = wish.part_of_day.value if wish.part_of_day else ""
        match_form.started_on.data = branch_today()
        audit_view("befriending_wish.view", "customer", person.id, branch_id, detail="interests,notes")
        return _render_customer(person, wish_form, match_form)
    general: list[str] = []
    if wish_form.validate_on_submit():
        details = befriending_service.WishDetails(
            interests=wish_form.interests.data or "",
            preferred_gender=enum_of(Gender, wish_form.preferred_gender.data),
            language=wish_form.language.data or "",
            max_distance_km=float(wish_form.max_distance_km.data) if wish_form.max_distance_km.data else None,
            weekday=int_of(wish_form.weekday.data),
            part_of_day=enum_of(DayPart, wish_form.part_of_day.data),
            notes=wish_form.notes.data or "",
        )
        try:
            befriending_service.save_wish(db.session(), branch_id, person.id, details, actor=current_actor())
        except ValidationError as error:
            db.session.rollback()
            general = apply_errors(wish_form, error.field_errors)
        else:
            flash("Wishes saved: the suggestions below follow them.", "success")
            return redirect(url_for("befriending.customer", customer_id=person.id))
    return _render_customer(person, wish_form, match_form, general, 422)


@blueprint.route("/customers/<int:customer_id>/match", methods=["POST"])
@roles_required(*PLANNERS)
def start_match(customer_id: int) -> ResponseReturnValue:
    branch_id = current_branch_id()
    person = get_in_branch(db.session(), Customer, customer_id, branch_id)
    match_form = MatchForm()
    match_form.volunteer_id.choices = options([(request.form.get("volunteer_id", ""), "")])
    general: list[str] = []
    if match_form.validate_on_submit():
        try:
            match_id = befriending_service.start_match(
                db.session(),
                branch_id,
                person.id,
                int_of(match_form.volunteer_id.data),
                weekday=int_of(match_form.weekday.data),
                part=enum_of(DayPart, match_form.part_of_day.data),
                started_on=match_form.started_on.data,
                review_every_months=match_form.review_every_months.data,
                actor=current_actor(),
            )
        except ValidationError as error:
            db.session.rollback()
            general = apply_errors(match_form, error.field_errors)
        else:
            flash("Match made: the half-day is kept free in the befriender's rota.", "success")
            return redirect(url_for("befriending.show", match_id=match_id))
    return _render_customer(person, WishForm(formdata=None), match_form, general, 422)


def _render_match(
    match: BefriendingMatch,
    contact_form: ContactForm | None = None,
    review_form: ReviewForm | None = None,
    end_form: EndMatchForm | None = None,
    general: Sequence[str] = (),
    status: int = 200,
) -> ResponseReturnValue:
    contact_form = contact_form or ContactForm(formdata=None)
    review_form = review_form or ReviewForm(formdata=None)
    end_form = end_form or EndMatchForm(formdata=None)
    for form in (contact_form, review_form, end_form):
        form.ensure_token()
        if hasattr(form, "version"):
            form.version.data = str(match.version)
    return render_template(
        "support/befriending_match.html",
        match=match,
        contact_form=contact_form,
        review_form=review_form,
        end_form=end_form,
        general_errors=list(general),
        contact_labels=befriending_service.CONTACT_LABELS,
        weekday_name=befriending_service.WEEKDAY_NAMES[match.weekday],
        can_plan=current_user.role in PLANNERS,
        hours=sum(c.duration_min for c in match.contacts) / 60,
    ), status


@blueprint.route("/<int:match_id>")
@roles_required(*OFFICE_ROLES)
def show(match_id: int) -> ResponseReturnValue:
    branch_id = current_branch_id()
    match = befriending_service.get_match(db.session(), branch_id, match_id)
    audit_view(
        "befriending_match.view", "befriending_match", match.id, branch_id, detail="contacts.notes,reviews.notes"
    )
    return _render_match(match)


@blueprint.route("/<int:match_id>/contacts", methods=["POST"])
@roles_required(*OFFICE_ROLES)
def log_contact(match_id: int) -> ResponseReturnValue:
    branch_id = current_branch_id()
    match = befriending_service.get_match(db.session(), branch_id, match_id)
    form = ContactForm()
    general: list[str] = []
    if form.validate_on_submit():
        try:
            befriending_service.log_contact(
                db.session(),
                branch_id,
                match.id,
                kind=enum_of(ContactKind, form.kind.data),
                happened_on=form.happened_on.data,
                duration_min=form.duration_min.data,
                notes=form.notes.data or "",
                actor=current_actor(),
                today=branch_today(),
            )
        except ValidationError as error:
            db.session.rollback()
            general = apply_errors(form, error.field_errors)
            match = befriending_service.get_match(db.session(), branch_id, match_id)
        else:
            flash("Logged.", "success")
            return redirect(url_for("befriending.show", match_id=match.id))
    return _render_match(match, contact_form=form, general=general, status=422)


@blueprint.route("/<int:match_id>/review", methods=["POST"])
@roles_required(*PLANNERS)
def review(match_id: int) -> ResponseReturnValue:
    branch_id = current_branch_id()
    match = befriending_service.get_match(db.session(), branch_id, match_id)
    form = ReviewForm()
    general: list[str] = []
    if form.validate_on_submit():
        try:
            befriending_service.review_match(
                db.session(),
                branch_id,
                match.id,
                reviewed_on=form.reviewed_on.data,
                notes=form.notes.data or "",
                continues=bool(form.continues.data),
                expected_version=form.expected_version,
                actor=current_actor(),
                today=branch_today(),
            )
        except ValidationError as error:
            db.session.rollback()
            general = apply_errors(form, error.field_errors)
            match = befriending_service.get_match(db.session(), branch_id, match_id)
        else:
            flash("Review recorded.", "success")
            return redirect(url_for("befriending.show", match_id=match.id))
    return _render_match(match, review_form=form, general=general, status=422)


@blueprint.route("/<int:match_id>/end", methods=["POST"])
@roles_required(*PLANNERS)
def end(match_id: int) -> ResponseReturnValue:
    branch_id = current_branch_id()
    match = befriending_service.get_match(db.session(), branch_id, match_id)
    form = EndMatchForm()
    general: list[str] = []
    if form.validate_on_submit():
        try:
            befriending_service.end_match(
                db.session(),
                branch_id,
                match.id,
                ended_on=form.ended_on.data,
                reason=form.end_reason.data or "",
                expected_version=form.expected_version,
                actor=current_actor(),
                today=branch_today(),
            )
        except ValidationError as error:
            db.session.rollback()
            general = apply_errors(form, error.field_errors)
            match = befriending_service.get_match(db.session(), branch_id, match_id)
        else:
            flash("Match ended.", "success")
            return redirect(url_for("befriending.show", match_id=match.id))
    return _render_match(match, end_form=form, general=general, status=422)
