"""Customers of the branch: search, look up, create, edit, pause/resume/end and membership renewal."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask.typing import ResponseReturnValue
from wtforms import PasswordField
from wtforms.validators import Length

from foodtrain.clock import branch_today
from foodtrain.extensions import db
from foodtrain.models import (
    LIST_METHOD_LABELS,
    PAYMENT_METHOD_LABELS,
    SUPPORT_NEED_LABELS,
    Customer,
    CustomerStatus,
    UserRole,
)
from foodtrain.services import customers as customer_service
from foodtrain.services.balances import balance_text, customer_balance_pence
from foodtrain.services.errors import ValidationError
from foodtrain.services.key_safe import set_key_safe_code
from foodtrain.services.people import PAGE_SIZE, get_in_branch, search_customers
from web.arguments import page_argument
from web.people_forms import (
    FREQUENCY_LABELS,
    REFERRAL_LABELS,
    CustomerForm,
    EndForm,
    PauseForm,
    RenewForm,
    ResumeForm,
    apply_errors,
    choices_of,
)
from foodtrain.services.support_links import customer_services
from web.security import current_actor, current_branch_id, field_cipher, roles_required
from web.view_audit import audit_view

blueprint = Blueprint("customers", __name__, url_prefix="/customers")

OFFICE_ROLES = (UserRole.ADMIN, UserRole.COORDINATOR, UserRole.OFFICE)
NAV_ITEMS = [("Customers", "customers.index", OFFICE_ROLES, 20)]


def _today() -> date:
    return branch_today()


def _audit_sensitive_view(customer_id: int, branch_id: int) -> None:
    audit_view("customer.view_sensitive", "customer", customer_id, branch_id, detail="access_notes")


@blueprint.route("/")
@roles_required(*OFFICE_ROLES)
def index() -> ResponseReturnValue:
    text = request.args.get("q", "")[:100]
    status_value = request.args.get("status", "")
    status = next((s for s in CustomerStatus if s.value == status_value), None)
    page = page_argument()
    customers, total = search_customers(db.session(), current_branch_id(), text, status, page)
    return render_template(
        "customers/index.html",
        customers=customers,
        total=total,
        q=text,
        status=status_value,
        statuses=list(CustomerStatus),
        page=page,
        page_size=PAGE_SIZE,
    )


@blueprint.route("/<int:customer_id>")
@roles_required(*OFFICE_ROLES)
def show(customer_id: int) -> ResponseReturnValue:
    branch_id = current_branch_id()
    history = customer_service.customer_history(db.session(), branch_id, customer_id)
    _audit_sensitive_view(history.customer.id, branch_id)
    resume_form = ResumeForm()
    resume_form.ensure_token()
    resume_form.version.data = str(history.customer.version)
    balance = balance_text(customer_balance_pence(db.session(), branch_id, history.customer.id))
    return render_template(
        "customers/show.html",
        customer=history.customer,
        orders=history.orders,
        balance=balance,
        key_safe_form=KeySafeForm(),
        payments=history.payments,
        need_labels=SUPPORT_NEED_LABELS,
        resume_form=resume_form,
        frequency_labels=FREQUENCY_LABELS,
        referral_labels=REFERRAL_LABELS,
        list_method_labels=LIST_METHOD_LABELS,
        payment_labels=PAYMENT_METHOD_LABELS,
        today=_today(),
        services=customer_services(db.session(), branch_id, history.customer.id),
    )


class KeySafeForm(FlaskForm):
    code = PasswordField(
        "New key-safe code (leave empty to remove it)", validators=[Length(max=40)], render_kw={"autocomplete": "off"}
    )


@blueprint.route("/<int:customer_id>/key-safe", methods=["POST"])
@roles_required(*OFFICE_ROLES)
def key_safe(customer_id: int) -> ResponseReturnValue:
    """Write-only: the code is never shown here; only the day's team sees it, on their delivery sheet."""
    branch_id = current_branch_id()
    get_in_branch(db.session(), Customer, customer_id, branch_id)
    form = KeySafeForm()
    if form.validate_on_submit():
        try:
            set_key_safe_code(
                db.session(), branch_id, customer_id, form.code.data or "", field_cipher(), current_actor()
            )
        except ValidationError as error:
            flash(error.field_errors.get("code", str(error)), "error")
        else:
            flash(
                "Key-safe code saved. Only the team delivering on the day will see it, on their sheet."
                if form.code.data
                else "Key-safe code removed.",
                "info",
            )
    else:
        flash("The key-safe code could not be saved: use up to 20 characters.", "error")
    return redirect(url_for("customers.show", customer_id=customer_id))


def _render_customer_form(
    form: CustomerForm,
    customer: Customer | None,
    general_errors: list[str],
    status: int = 200,
    duplicates: Sequence[object] | None = None,
) -> ResponseReturnValue:
    return render_template(
        "customers/form.html", form=form, customer=customer, general_errors=general_errors, duplicates=duplicates or []
    ), status


@blueprint.route("/new", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def create() -> ResponseReturnValue:
    branch_id = current_branch_id()
    form = CustomerForm()
    form.shop_id.choices = choices_of(customer_service.branch_shops(db.session(), branch_id))
    if request.method == "GET":
        form.ensure_token()
        return _render_customer_form(form, None, [])
    if form.validate_on_submit():
        try:
            customer_id = customer_service.create_customer(
                db.session(),
                branch_id,
                form.to_details(),
                actor=current_actor(),
                form_token=form.form_token.data or "",
                today=_today(),
                confirmed_not_duplicate=bool(form.not_a_duplicate.data),
            )
        except ValidationError as error:
            db.session.rollback()
            return _render_customer_form(form, None, apply_errors(form, error.field_errors), 422)
        except customer_service.LikelyDuplicateError as error:
            db.session.rollback()
            return _render_customer_form(form, None, [], 409, duplicates=error.duplicates)
        flash("Customer added.", "success")
        return redirect(url_for("customers.show", customer_id=customer_id))
    form.ensure_token()
    return _render_customer_form(form, None, [], 422)


@blueprint.route("/<int:customer_id>/edit", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def edit(customer_id: int) -> ResponseReturnValue:
    branch_id = current_branch_id()
    customer = get_in_branch(db.session(), Customer, customer_id, branch_id)
    form = CustomerForm()
    form.shop_id.choices = choices_of(customer_service.branch_shops(db.session(), branch_id, customer.shop_id))
    if request.method == "GET":
        form.fill_from(customer)
        form.ensure_token()
        _audit_sensitive_view(customer.id, branch_id)
        return _render_customer_form(form, customer, [])
    if form.validate_on_submit():
        try:
            customer_service.update_customer(
                db.session(),
                branch_id,
                customer.id,
                form.to_details(),
                expected_version=form.expected_version,
                actor=current_actor(),
                form_token=form.form_token.data or "",
                today=_today(),
            )
        except ValidationError as error:
            db.session.rollback()
            return _render_customer_form(form, customer, apply_errors(form, error.field_errors), 422)
        flash("Changes saved.", "success")
        return redirect(url_for("customers.show", customer_id=customer.id))
    form.ensure_token()
    return _render_customer_form(form, customer, [], 422)


def _status_form_view(
    customer_id: int,
    form_class: type[FlaskForm],
    template: str,
    action: Callable[[int, Customer, Any], str],
    date_field: str,
) -> ResponseReturnValue:
    """GET shows a small form for the customer; POST calls `action(customer, form)` and goes back to the page."""
    branch_id = current_branch_id()
    customer = get_in_branch(db.session(), Customer, customer_id, branch_id)
    form = form_class()
    general: list[str] = []
    if request.method == "POST" and form.validate_on_submit():
        try:
            message = action(branch_id, customer, form)
        except ValidationError as error:
            db.session.rollback()
            general = apply_errors(form, error.field_errors)
        else:
            flash(message, "success")
            return redirect(url_for("customers.show", customer_id=customer_id))
    if request.method == "GET":
        getattr(form, date_field).data = _today()
        if hasattr(form, "version"):
            form.version.data = str(customer.version)
    form.ensure_token()
    return render_template(template, form=form, customer=customer, general_errors=general), (
        200 if request.method == "GET" else 422
    )


@blueprint.route("/<int:customer_id>/pause", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def pause(customer_id: int) -> ResponseReturnValue:
    def action(branch_id: int, customer: Customer, form: PauseForm) -> str:
        customer_service.pause_customer(
            db.session(),
            branch_id,
            customer.id,
            paused_from=form.paused_from.data,
            paused_until=form.paused_until.data,
            reason=form.reason.data or "",
            expected_version=form.expected_version,
            actor=current_actor(),
            form_token=form.form_token.data or "",
        )
        return "Deliveries paused."

    return _status_form_view(customer_id, PauseForm, "customers/pause.html", action, "paused_from")


@blueprint.route("/<int:customer_id>/end", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def end(customer_id: int) -> ResponseReturnValue:
    def action(branch_id: int, customer: Customer, form: EndForm) -> str:
        customer_service.end_customer(
            db.session(),
            branch_id,
            customer.id,
            ended_on=form.ended_on.data,
            reason=form.reason.data or "",
            expected_version=form.expected_version,
            actor=current_actor(),
            form_token=form.form_token.data or "",
        )
        return "Membership ended. The record and its history are kept."

    return _status_form_view(customer_id, EndForm, "customers/end.html", action, "ended_on")


@blueprint.route("/<int:customer_id>/renew", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def renew(customer_id: int) -> ResponseReturnValue:
    def action(branch_id: int, customer: Customer, form: RenewForm) -> str:
        amount = form.amount_pence
        if amount is None:
            raise ValidationError({"amount": "Enter the amount in pounds and pence, for example 1.00."})
        customer_service.renew_membership(
            db.session(),
            branch_id,
            customer.id,
            paid_on=form.paid_on.data,
            amount_pence=amount,
            years=form.years.data or 0,
            actor=current_actor(),
            form_token=form.form_token.data or "",
            today=_today(),
        )
        return "Membership renewed."

    return _status_form_view(customer_id, RenewForm, "customers/renew.html", action, "paid_on")


@blueprint.route("/<int:customer_id>/resume", methods=["POST"])
@roles_required(*OFFICE_ROLES)
def resume(customer_id: int) -> ResponseReturnValue:
    branch_id = current_branch_id()
    form = ResumeForm()
    if form.validate_on_submit():
        try:
            customer_service.resume_customer(
                db.session(),
                branch_id,
                customer_id,
                expected_version=form.expected_version,
                actor=current_actor(),
                form_token=form.form_token.data or "",
            )
        except ValidationError as error:
            db.session.rollback()
            flash(" ".join(error.field_errors.values()), "error")
        else:
            flash("Deliveries resumed.", "success")
    else:
        get_in_branch(db.session(), Customer, customer_id, branch_id)
        flash("The form was damaged: please try again.", "error")
    return redirect(url_for("customers.show", customer_id=customer_id))
