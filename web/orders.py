"""Orders: the board per delivery date, taking an order on the phone, shops' picking lists, packing and delivery."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask.typing import ResponseReturnValue

from foodtrain.clock import branch_today
from foodtrain.field_rules import in_delivery_window
from foodtrain.extensions import db
from foodtrain.models import PAYMENT_METHOD_LABELS, OrderStatus, UserRole
from foodtrain.money import format_pence, pence_as_input
from foodtrain.services.errors import ValidationError
from foodtrain.services.orders.board import next_delivery_date, order_board
from foodtrain.services.orders.cancelling import cancel_order, undo_blocker, undo_cancel
from foodtrain.services.orders.delivery import record_delivery
from foodtrain.services.orders.moving import move_order
from foodtrain.services.orders.rules import STATUS_LABELS, StaleOrderError
from foodtrain.services.orders.shops import picking_lists, record_packing, shop_day_summary, shop_name
from foodtrain.services.orders.taking import (
    OrderEntryContext,
    get_order,
    order_edit_context,
    order_entry_context,
    order_id_for_day,
    save_order,
)
from foodtrain.services.balances import balance_text, customer_balance_pence
from foodtrain.services.planning.viewing import order_round_text
from foodtrain.services.people import search_customers
from web.arguments import date_argument, int_argument
from web.order_forms import CancelForm, DeliveryForm, MoveForm, OrderForm, PackingForm, UndoCancelForm
from web.security import current_actor, current_branch_id, roles_required

blueprint = Blueprint("orders", __name__, url_prefix="/orders")

# Drivers get their own delivery sheets elsewhere; these pages are for the office.
OFFICE_ROLES = (UserRole.ADMIN, UserRole.COORDINATOR, UserRole.OFFICE)
NAV_ITEMS = [("Orders", "orders.board", OFFICE_ROLES, 10)]

blueprint.app_template_filter("money")(format_pence)


@blueprint.app_context_processor
def _order_labels() -> dict[str, object]:
    return {"order_status_labels": STATUS_LABELS, "payment_method_labels": PAYMENT_METHOD_LABELS}


# ---------------------------------------------------------------- the board


@blueprint.route("/")
@roles_required(*OFFICE_ROLES)
def board() -> ResponseReturnValue:
    day = date_argument(request.args.get("date"))
    if day is None:
        return redirect(url_for(".board", date=next_delivery_date(db.session(), current_branch_id(), _today())))
    return render_template("orders/board.html", board=order_board(db.session(), current_branch_id(), day))


@blueprint.route("/customers")
@roles_required(*OFFICE_ROLES)
def find_customer() -> ResponseReturnValue:
    """Pick any customer for an order on a day (ad-hoc customers, or someone not due that day)."""
    day = date_argument(request.args.get("date")) or _today()
    text = request.args.get("q", "")[:100]
    customers, total = search_customers(db.session(), current_branch_id(), text) if text.strip() else ([], 0)
    return render_template("orders/find_customer.html", day=day, q=text, customers=customers, total=total)


# ---------------------------------------------------------------- taking an order


def _render_entry(form: OrderForm, context: OrderEntryContext, status: int = 200) -> ResponseReturnValue:
    return render_template("orders/entry.html", form=form, context=context), status


@blueprint.route("/new", methods=["GET"])
@roles_required(*OFFICE_ROLES)
def new() -> ResponseReturnValue:
    customer_id = int_argument(request.args.get("customer_id"))
    day = date_argument(request.args.get("date"))
    if customer_id is None or day is None:
        abort(400)
    # Asked first: the full page (usual items and all) is worked out only when it is shown.
    existing_order_id = order_id_for_day(db.session(), current_branch_id(), customer_id, day)
    if existing_order_id is not None:
        flash(f"An order is already in for {day:%A %-d %B}: here it is to change.", "info")
        return redirect(url_for(".edit", order_id=existing_order_id))
    context = order_entry_context(db.session(), current_branch_id(), customer_id, day, existing_order_id=None)
    form = OrderForm(customer_id=customer_id, delivery_date=day)
    return _render_entry(form, context)


@blueprint.route("/new", methods=["POST"])
@roles_required(*OFFICE_ROLES)
def create() -> ResponseReturnValue:
    form = OrderForm()
    customer_id, day = form.customer_id.data, form.delivery_date.data
    if not isinstance(customer_id, int) or not isinstance(day, date) or not in_delivery_window(day, _today()):
        abort(400)
    return _take_order(form, customer_id, day, order_id=None)


@blueprint.route("/<int:order_id>/edit", methods=["GET"])
@roles_required(*OFFICE_ROLES)
def edit(order_id: int) -> ResponseReturnValue:
    context = order_edit_context(db.session(), current_branch_id(), order_id)
    order = context.existing_order
    assert order is not None
    if not order.editable:
        flash(f"This order is {STATUS_LABELS[order.status].lower()}; it can no longer be changed.", "warning")
        return redirect(url_for(".show", order_id=order_id))
    form = OrderForm(
        customer_id=context.customer_id,
        delivery_date=context.delivery_date,
        version=order.version,
        notes=order.notes,
        lines=[
            {
                "item": line.item,
                "quantity": str(line.quantity),
                "notes": line.notes,
                "substitute_allowed": line.substitute_allowed,
            }
            for line in order.lines
        ],
    )
    form.add_blank_lines(5)
    return _render_entry(form, context)


@blueprint.route("/<int:order_id>/edit", methods=["POST"])
@roles_required(*OFFICE_ROLES)
def update(order_id: int) -> ResponseReturnValue:
    form = OrderForm()
    if not isinstance(form.version.data, int):
        # An edit needs the version it was loaded at; another branch's order still answers 404 first.
        order_edit_context(db.session(), current_branch_id(), order_id)
        abort(400)
    return _take_order(form, None, None, order_id=order_id)


def _take_order(
    form: OrderForm, customer_id: int | None, day: date | None, order_id: int | None
) -> ResponseReturnValue:
    """Save the order, or show the form again (more lines, a usual item added, or errors) keeping what was typed."""
    branch_id = current_branch_id()

    def context() -> OrderEntryContext:
        if order_id is not None:
            return order_edit_context(db.session(), branch_id, order_id)
        return order_entry_context(db.session(), branch_id, customer_id, day)  # type: ignore[arg-type]  # form validation guarantees customer_id and day when order_id is None

    if form.wants_more_lines():
        form.add_blank_lines()
        return _render_entry(form, context())
    if form.wants_usual_item():
        form.add_usual_item(form.add_item.data or "")
        return _render_entry(form, context())
    if not form.validate_on_submit():
        return _render_entry(form, context(), 400)
    try:
        saved_id = save_order(
            db.session(),
            branch_id,
            customer_id or 0,
            day or date.min,
            form.line_inputs(),
            form.notes.data or "",
            current_actor(),
            expected_version=form.version.data if order_id is not None else None,
            order_id=order_id,
        )
    except StaleOrderError as error:
        form.form_errors.append(error.message)
        return _render_entry(form, context(), 409)
    except ValidationError as error:
        form.apply_errors(error.field_errors)
        return _render_entry(form, context(), 400)
    saved = get_order(db.session(), branch_id, saved_id)
    flash(
        f"Order saved for {saved.customer.full_name} on {saved.delivery_date:%A %-d %B} "
        f"({len(saved.lines)} item line{'' if len(saved.lines) == 1 else 's'}).",
        "info",
    )
    return redirect(url_for(".board", date=saved.delivery_date.isoformat()))


# ---------------------------------------------------------------- one order: packing, delivery, cancelling


def _today() -> date:
    """The office's today (a cancellation can be undone until the day's rounds are out)."""
    return branch_today()


def _render_order(
    order_id: int,
    packing: PackingForm | None = None,
    delivery: DeliveryForm | None = None,
    cancel: CancelForm | None = None,
    move: MoveForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    order = get_order(db.session(), current_branch_id(), order_id)
    packing = packing or PackingForm(
        prefix="packing",
        formdata=None,
        version=order.version,
        crates=str(order.crates) if order.crates is not None else "",
        till_receipt=pence_as_input(order.till_receipt_pence),
    )
    delivery = delivery or DeliveryForm(
        prefix="delivery",
        formdata=None,
        version=order.version,
        outcome={OrderStatus.DELIVERED: "delivered", OrderStatus.NOT_DELIVERED: "not_delivered"}.get(order.status),
        amount_received=pence_as_input(
            order.amount_received_pence if order.amount_received_pence is not None else order.amount_due_pence
        ),
        payment_method=(order.payment_method_received or order.customer.payment_method).value,
        reason=order.not_delivered_reason or "",
    )
    cancel = cancel or CancelForm(prefix="cancel", formdata=None, version=order.version)
    undo = UndoCancelForm(prefix="undo", formdata=None, version=order.version)
    move = move or MoveForm(prefix="move", formdata=None, version=order.version)
    blocker = undo_blocker(db.session(), order, _today()) if order.status is OrderStatus.CANCELLED else ""
    return render_template(
        "orders/show.html",
        order=order,
        packing=packing,
        delivery=delivery,
        cancel=cancel,
        undo=undo,
        undo_blocker=blocker,
        move=move,
        status_labels=STATUS_LABELS,
    ), status


@blueprint.route("/<int:order_id>")
@roles_required(*OFFICE_ROLES)
def show(order_id: int) -> ResponseReturnValue:
    return _render_order(order_id)


@blueprint.route("/<int:order_id>/packing", methods=["POST"])
@roles_required(*OFFICE_ROLES)
def packing(order_id: int) -> ResponseReturnValue:
    form = PackingForm(prefix="packing")
    if not form.validate_on_submit():
        return _render_order(order_id, packing=form, status=400)
    try:
        record_packing(
            db.session(),
            current_branch_id(),
            order_id,
            form.crates_count,
            form.till_receipt_pence,
            current_actor(),
            expected_version=form.version.data,
        )
    except StaleOrderError as error:
        form.form_errors.append(error.message)
        return _render_order(order_id, packing=form, status=409)
    except ValidationError as error:
        field_errors(form, error.field_errors)
        return _render_order(order_id, packing=form, status=400)
    flash(
        f"Packing recorded: {form.crates_count} crate{'' if form.crates_count == 1 else 's'}, "
        f"till receipt {format_pence(form.till_receipt_pence)}.",
        "info",
    )
    if form.return_shop_id.data and form.return_date.data:
        # Back to the order's own row, which says it was saved (the flash at the top is off-screen there).
        return redirect(
            url_for(".shop_day", date=form.return_date.data.isoformat(), packed=order_id) + f"#order-{order_id}"
        )
    return redirect(url_for(".show", order_id=order_id))


@blueprint.route("/<int:order_id>/delivery", methods=["POST"])
@roles_required(*OFFICE_ROLES)
def delivery(order_id: int) -> ResponseReturnValue:
    form = DeliveryForm(prefix="delivery")
    if not form.validate_on_submit():
        return _render_order(order_id, delivery=form, status=400)
    try:
        record_delivery(
            db.session(),
            current_branch_id(),
            order_id,
            form.delivered,
            form.amount_received_pence if form.delivered else None,
            form.method if form.delivered else None,
            form.reason.data or "",
            current_actor(),
            expected_version=form.version.data,
            today=_today(),
        )
    except StaleOrderError as error:
        form.form_errors.append(error.message)
        return _render_order(order_id, delivery=form, status=409)
    except ValidationError as error:
        field_errors(form, error.field_errors)
        return _render_order(order_id, delivery=form, status=400)
    if form.delivered:
        flash(delivery_recorded_message(order_id), "info")
    else:
        flash("Recorded as not delivered.", "info")
    return redirect(url_for(".show", order_id=order_id))


@blueprint.route("/<int:order_id>/cancel", methods=["POST"])
@roles_required(*OFFICE_ROLES)
def cancel(order_id: int) -> ResponseReturnValue:
    form = CancelForm(prefix="cancel")
    if not form.validate_on_submit():
        return _render_order(order_id, cancel=form, status=400)
    if form.confirmed.data != "1":
        order = get_order(db.session(), current_branch_id(), order_id)
        if order.status is not OrderStatus.CANCELLED:
            return render_template(
                "orders/cancel_confirm.html",
                order=order,
                form=form,
                on_round=order_round_text(db.session(), current_branch_id(), order_id),
            )
    try:
        cancel_order(
            db.session(),
            current_branch_id(),
            order_id,
            form.reason.data or "",
            current_actor(),
            expected_version=form.version.data,
        )
    except StaleOrderError as error:
        form.form_errors.append(error.message)
        return _render_order(order_id, cancel=form, status=409)
    except ValidationError as error:
        field_errors(form, error.field_errors)
        return _render_order(order_id, cancel=form, status=400)
    flash("Order cancelled. You can undo this on the order's page until the day's rounds are out.", "info")
    return redirect(url_for(".show", order_id=order_id))


@blueprint.route("/<int:order_id>/move", methods=["POST"])
@roles_required(*OFFICE_ROLES)
def move(order_id: int) -> ResponseReturnValue:
    """Move the order, lines and all, to another date (checked like taking an order on that date)."""
    get_order(db.session(), current_branch_id(), order_id)  # another branch's order: 404 before any form
    form = MoveForm(prefix="move")
    if not form.validate_on_submit():
        return _render_order(order_id, move=form, status=400)
    on_round = order_round_text(db.session(), current_branch_id(), order_id)
    try:
        moved = move_order(
            db.session(),
            current_branch_id(),
            order_id,
            form.delivery_date.data,
            current_actor(),
            _today(),
            expected_version=form.version.data,
        )
    except StaleOrderError as error:
        form.form_errors.append(error.message)
        return _render_order(order_id, move=form, status=409)
    except ValidationError as error:
        field_errors(form, error.field_errors)
        return _render_order(order_id, move=form, status=400)
    if moved.from_date == moved.to_date:
        flash(f"The order is already for {moved.to_date:%A %-d %B}.", "info")
        return redirect(url_for(".show", order_id=order_id))
    flash(f"Order moved from {moved.from_date:%A %-d %B} to {moved.to_date:%A %-d %B}, with its shopping list.", "info")
    if not moved.customer_due:
        flash(f"{moved.to_date:%A %-d %B} is not one of the customer's usual delivery days.", "warning")
    if on_round:
        flash(
            f"It was planned on a round for {moved.from_date:%A %-d %B}: that day's route plan now says it is "
            "out of date (the sheets show the stop as not to deliver); re-plan it.",
            "warning",
        )
    return redirect(url_for(".show", order_id=order_id))


@blueprint.route("/<int:order_id>/undo-cancel", methods=["POST"])
@roles_required(*OFFICE_ROLES)
def undo_cancellation(order_id: int) -> ResponseReturnValue:
    get_order(db.session(), current_branch_id(), order_id)  # another branch's order: 404 before any form
    form = UndoCancelForm(prefix="undo")
    if not form.validate_on_submit():
        flash("Reload the page and try again.", "error")
        return redirect(url_for(".show", order_id=order_id))
    try:
        undo_cancel(
            db.session(), current_branch_id(), order_id, _today(), current_actor(), expected_version=form.version.data
        )
    except StaleOrderError as error:
        flash(error.message, "error")
        return redirect(url_for(".show", order_id=order_id))
    except ValidationError as error:
        for message in error.field_errors.values():
            flash(message, "error")
        return redirect(url_for(".show", order_id=order_id))
    flash("Cancellation undone: the order is back as it was.", "info")
    return redirect(url_for(".show", order_id=order_id))


def delivery_recorded_message(order_id: int) -> str:
    """'Delivery recorded', and when the amount received differs from the amount due, what carries over."""
    order = get_order(db.session(), current_branch_id(), order_id)
    difference = (order.amount_received_pence or 0) - (order.amount_due_pence or 0)
    if difference == 0:
        return "Delivery recorded."
    balance = balance_text(customer_balance_pence(db.session(), current_branch_id(), order.customer_id))
    what = f"{format_pence(-difference)} less" if difference < 0 else f"{format_pence(difference)} more"
    return (
        f"Delivery recorded: {format_pence(order.amount_received_pence)} received, {what} than the "
        f"{format_pence(order.amount_due_pence)} due. Carried to {order.customer.full_name}'s balance: {balance}."
    )


def field_errors(form: FlaskForm, errors: dict[str, str]) -> None:
    """Put a service's errors next to the form's fields of the same name (or at the top when none matches)."""
    for key, message in errors.items():
        field = form._fields.get(key) if key not in ("csrf_token", "version") else None
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)


# ---------------------------------------------------------------- shops


@blueprint.route("/shops")
@roles_required(*OFFICE_ROLES)
def shop_day() -> ResponseReturnValue:
    day = date_argument(request.args.get("date"))
    if day is None:
        return redirect(url_for(".shop_day", date=next_delivery_date(db.session(), current_branch_id(), _today())))
    summaries = shop_day_summary(db.session(), current_branch_id(), day)
    forms = {
        order.order_id: PackingForm(
            prefix="packing",
            formdata=None,
            version=order.version,
            crates=str(order.crates) if order.crates is not None else "",
            till_receipt=pence_as_input(order.till_receipt_pence),
            return_shop_id=summary.shop_id,
            return_date=day,
        )
        for summary in summaries
        for order in summary.orders
    }
    return render_template(
        "orders/shops.html",
        day=day,
        summaries=summaries,
        forms=forms,
        packed_id=int_argument(request.args.get("packed")),
    )


@blueprint.route("/shops/<int:shop_id>/picking")
@roles_required(*OFFICE_ROLES)
def picking(shop_id: int) -> ResponseReturnValue:
    branch_id = current_branch_id()
    day = date_argument(request.args.get("date")) or next_delivery_date(db.session(), branch_id, _today())
    shop = shop_name(db.session(), branch_id, shop_id)
    lists = picking_lists(db.session(), branch_id, day, shop_id, current_actor())
    return render_template("orders/picking.html", day=day, lists=lists, shop=shop)
