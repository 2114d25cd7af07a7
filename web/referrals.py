"""Referrals to any service (groceries, EXTRA, befriending), the waiting list, and deciding each referral."""

from __future__ import annotations


from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from foodtrain.clock import branch_today
from foodtrain.extensions import db
from foodtrain.models import ReferralSource, UserRole
from foodtrain.models.support import ReferralOutcome, SupportService
from foodtrain.services import referrals as referral_service
from foodtrain.services.errors import ValidationError
from web.people_forms import apply_errors
from web.security import current_actor, current_branch_id, roles_required
from web.view_audit import audit_view
from web.support_forms import (
    ReferralDecisionForm,
    ReferralForm,
    enum_of,
    int_of,
    options,
    render_form,
)

blueprint = Blueprint("referrals", __name__, url_prefix="/referrals")

OFFICE_ROLES = (UserRole.ADMIN, UserRole.COORDINATOR, UserRole.OFFICE)
NAV_ITEMS = [("Referrals", "referrals.index", OFFICE_ROLES, 45)]


@blueprint.route("/")
@roles_required(*OFFICE_ROLES)
def index() -> ResponseReturnValue:
    branch_id = current_branch_id()
    outcome = enum_of(ReferralOutcome, request.args.get("outcome", "waiting"))
    service = enum_of(SupportService, request.args.get("service"))
    rows = referral_service.list_referrals(db.session(), branch_id, outcome=outcome, service=service)
    return render_template(
        "support/referrals.html",
        referrals=rows,
        outcome=outcome,
        service=service,
        services=referral_service.SERVICE_LABELS,
        sources=referral_service.SOURCE_LABELS,
        outcomes=referral_service.OUTCOME_LABELS,
    )


@blueprint.route("/new", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def create() -> ResponseReturnValue:
    branch_id = current_branch_id()
    form = ReferralForm()
    form.customer_id.choices = options(
        [("", "— choose —")]
        + [(str(i), label) for i, label in referral_service.customer_choices(db.session(), branch_id)]
    )
    if request.method == "GET":
        form.customer_id.data = request.args.get("customer_id", "")
        form.service.data = request.args.get("service", "")
        form.referred_on.data = branch_today()
        form.ensure_token()
        return render_form(form, "New referral", "Save referral", back=(url_for("referrals.index"), "Referrals"))
    general: list[str] = []
    if form.validate_on_submit():
        details = referral_service.ReferralDetails(
            customer_id=int_of(form.customer_id.data),
            service=enum_of(SupportService, form.service.data),
            source=enum_of(ReferralSource, form.source.data),
            referred_on=form.referred_on.data,
            referrer_name=form.referrer_name.data or "",
            referrer_contact=form.referrer_contact.data or "",
            consent_recorded=bool(form.consent_recorded.data),
            notes=form.notes.data or "",
        )
        try:
            referral_id = referral_service.create_referral(
                db.session(),
                branch_id,
                details,
                actor=current_actor(),
                form_token=form.form_token.data or "",
                today=branch_today(),
            )
        except ValidationError as error:
            db.session.rollback()
            general = apply_errors(form, error.field_errors)
        else:
            flash("Referral saved: it is on the waiting list.", "success")
            return redirect(url_for("referrals.show", referral_id=referral_id))
    form.ensure_token()
    return render_form(
        form,
        "New referral",
        "Save referral",
        back=(url_for("referrals.index"), "Referrals"),
        general=general,
        status=422,
    )


@blueprint.route("/<int:referral_id>", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def show(referral_id: int) -> ResponseReturnValue:
    branch_id = current_branch_id()
    referral = referral_service.get_referral(db.session(), branch_id, referral_id)
    form = ReferralDecisionForm()
    general: list[str] = []
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                referral_service.decide_referral(
                    db.session(),
                    branch_id,
                    referral.id,
                    enum_of(ReferralOutcome, form.outcome.data),
                    decline_reason=form.decline_reason.data or "",
                    consent_recorded=bool(form.consent_recorded.data),
                    expected_version=form.expected_version,
                    actor=current_actor(),
                    today=branch_today(),
                )
            except ValidationError as error:
                db.session.rollback()
                general = apply_errors(form, error.field_errors)
            else:
                flash("Referral updated.", "success")
                return redirect(url_for("referrals.show", referral_id=referral.id))
        status = 422
        referral = referral_service.get_referral(db.session(), branch_id, referral_id)
    else:
        audit_view("referral.view", "referral", referral.id, branch_id, detail="referrer_name,referrer_contact,notes")
        form.outcome.data = referral.outcome.value
        form.consent_recorded.data = referral.consent_recorded
        form.decline_reason.data = referral.decline_reason
    form.version.data = str(referral.version)
    form.ensure_token()
    return render_template(
        "support/referral.html",
        referral=referral,
        form=form,
        general_errors=general,
        services=referral_service.SERVICE_LABELS,
        sources=referral_service.SOURCE_LABELS,
        outcomes=referral_service.OUTCOME_LABELS,
    ), status
