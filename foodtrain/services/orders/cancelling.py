"""Cancelling an order, undoing a cancel, and cancelling the open orders of a customer whose details are erased."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from foodtrain.models import (
    Order,
    OrderStatus,
)
from foodtrain.models._types import utc_now
from foodtrain.services.audit import Actor
from foodtrain.services.errors import ValidationError
from foodtrain.services.orders.rules import (
    CANCELLABLE_STATUSES,
    REASON_MAX_LENGTH,
    STATUS_LABELS,
    check_order_version,
    order_change,
    order_in_branch,
    record_order_event,
)

__all__ = [
    "cancel_order",
    "ERASURE_CANCEL_REASON",
    "cancel_open_orders_of_erased_customer",
    "ROUND_OUT_STATUSES",
    "undo_blocker",
    "undo_cancel",
]


def cancel_order(
    session: Session,
    branch_id: int,
    order_id: int,
    reason: str,
    actor: Actor,
    expected_version: int | None = None,
) -> None:
    """Cancel an order that has not been delivered; the reason is added to the order notes."""
    with order_change(session):
        order = order_in_branch(session, branch_id, order_id)
        reason = (reason or "").strip()
        if reason and order.status is OrderStatus.CANCELLED and (order.notes or "").endswith(f"Cancelled: {reason}"):
            session.rollback()
            return  # a repeated submit
        check_order_version(order, expected_version)
        if not reason:
            raise ValidationError({"reason": "Say why the order is cancelled."})
        if len(reason) > REASON_MAX_LENGTH or "\x00" in reason:
            raise ValidationError({"reason": f"Keep the reason under {REASON_MAX_LENGTH} characters."})
        if order.status not in CANCELLABLE_STATUSES:
            raise ValidationError(
                {"reason": f"This order is {STATUS_LABELS[order.status].lower()}; it can no longer be cancelled."}
            )
        _mark_cancelled(order, reason)
        session.flush()
        record_order_event(
            session, actor, "order.cancel", order, "fields=status,notes"
        )  # ids and field names, never the reason


def _mark_cancelled(order: Order, reason: str) -> None:
    """The one way an order becomes cancelled: remember the status it had, add the reason to its notes."""
    order.cancelled_from_status = order.status.value
    order.status = OrderStatus.CANCELLED
    note = f"Cancelled: {reason}"
    order.notes = f"{order.notes}\n{note}".strip() if order.notes else note
    order.updated_at = utc_now()


ERASURE_CANCEL_REASON = "customer's details erased"


def cancel_open_orders_of_erased_customer(session: Session, customer_id: int, actor: Actor, today: date) -> list[int]:
    """Cancel every order of the customer not yet delivered (any date), so no van goes to an erased address;
    also one recorded as not delivered today or later, which the team could still undo back onto the van.

    Part of the erasure's transaction (flushes, does not commit); delivered history, and not-delivered
    history of past days, stays. Returns the ids of the orders cancelled."""
    still_undoable = (Order.status == OrderStatus.NOT_DELIVERED) & (Order.delivery_date >= today)
    orders = session.scalars(
        select(Order)
        .where(Order.customer_id == customer_id, Order.status.in_(CANCELLABLE_STATUSES) | still_undoable)
        .order_by(Order.id)
        .execution_options(populate_existing=True)
    ).all()
    for order in orders:
        _mark_cancelled(order, ERASURE_CANCEL_REASON)
    session.flush()
    for order in orders:
        # The reason is a fixed text, never personal: it goes into the audit detail.
        record_order_event(session, actor, "order.cancel", order, f"fields=status,notes reason={ERASURE_CANCEL_REASON}")
    return [order.id for order in orders]


ROUND_OUT_STATUSES = (OrderStatus.OUT_FOR_DELIVERY, OrderStatus.DELIVERED, OrderStatus.NOT_DELIVERED)


def undo_blocker(session: Session, order: Order, today: date) -> str:
    """Why a cancellation can no longer be undone ("" when it can): only until the day's round is out."""
    if order.status is not OrderStatus.CANCELLED:
        return "This order is not cancelled."
    if order.cancelled_from_status is None:
        return "This order was cancelled before cancellations could be undone: take the order again instead."
    if order.delivery_date < today:
        return "Its delivery day has passed."
    if (order.notes or "").endswith(f"Cancelled: {ERASURE_CANCEL_REASON}"):
        return "The customer's details were erased: no order of theirs goes out again."
    if order.cancelled_from_status == OrderStatus.OUT_FOR_DELIVERY.value:
        return "It was already out for delivery when it was cancelled."
    round_out = session.scalar(
        select(Order.id)
        .where(
            Order.branch_id == order.branch_id,
            Order.delivery_date == order.delivery_date,
            Order.status.in_(ROUND_OUT_STATUSES),
        )
        .limit(1)
    )
    if round_out is not None:
        return "The rounds for that day are already out."
    return ""


def undo_cancel(
    session: Session, branch_id: int, order_id: int, today: date, actor: Actor, expected_version: int | None = None
) -> None:
    """Bring a cancelled order back to the status it had, until the day's round is out."""
    with order_change(session):
        order = order_in_branch(session, branch_id, order_id)
        if order.status is not OrderStatus.CANCELLED and order.cancelled_from_status is None:
            session.rollback()
            return  # a repeated submit: already undone
        check_order_version(order, expected_version)
        blocker = undo_blocker(session, order, today)
        if blocker:
            raise ValidationError({"undo": f"The cancellation cannot be undone: {blocker}"})
        order.status = OrderStatus(order.cancelled_from_status)
        order.cancelled_from_status = None
        order.notes = f"{order.notes}\nCancellation undone.".strip()
        order.updated_at = utc_now()
        session.flush()
        record_order_event(session, actor, "order.uncancel", order, order.status.value)
