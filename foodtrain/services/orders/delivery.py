"""Recording a delivery at the door (delivered and paid, or not delivered and why), and undoing it."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from foodtrain.models import (
    Order,
    OrderStatus,
    PaymentMethod,
)
from foodtrain.models._types import utc_now
from foodtrain.money import MAX_AMOUNT_PENCE, format_pence
from foodtrain.services.audit import Actor
from foodtrain.services.errors import ValidationError
from foodtrain.services.orders.rules import (
    DELIVERABLE_STATUSES,
    REASON_MAX_LENGTH,
    StaleOrderError,
    check_order_version,
    order_change,
    order_in_branch,
    record_order_event,
)

__all__ = [
    "record_delivery",
    "RECORDED_DELIVERY_STATUSES",
    "undo_delivery",
]


def _delivery_already_recorded(
    order: Order, delivered: bool, amount_received_pence: int | None, payment_method: PaymentMethod | None, reason: str
) -> bool:
    if delivered:
        return (
            order.status is OrderStatus.DELIVERED
            and order.amount_received_pence == amount_received_pence
            and order.payment_method_received is payment_method
        )
    return order.status is OrderStatus.NOT_DELIVERED and bool(reason) and order.not_delivered_reason == reason


def record_delivery(
    session: Session,
    branch_id: int,
    order_id: int,
    delivered: bool,
    amount_received_pence: int | None,
    payment_method: PaymentMethod | None,
    not_delivered_reason: str,
    actor: Actor,
    expected_version: int | None = None,
    today: date | None = None,
) -> None:
    """Delivered (with the amount received and how it was paid) or not delivered (with a reason).

    Given ``today``, an order for a later date is refused: no delivery is recorded in the future.
    An amount received other than the amount due is kept and carried to the customer's balance.

    The amount due at the door is the till receipt plus the delivery charge
    (Order.amount_due_pence), so packing must have been recorded first.
    """
    with order_change(session):
        order = order_in_branch(session, branch_id, order_id)
        reason = (not_delivered_reason or "").strip()
        if _delivery_already_recorded(order, delivered, amount_received_pence, payment_method, reason):
            session.rollback()
            return  # a repeated submit of the same outcome
        check_order_version(order, expected_version)
        errors: dict[str, str] = {}
        if order.status not in DELIVERABLE_STATUSES:
            raise ValidationError({"outcome": "Record the crates and the till receipt (packing) before the delivery."})
        if today is not None and order.delivery_date > today:
            raise ValidationError(
                {
                    "outcome": f"This order is for {order.delivery_date:%A %-d %B}: record the "
                    "delivery on or after that day, not before."
                }
            )
        if delivered:
            if amount_received_pence is None:
                errors["amount_received"] = "Enter the amount received (0.00 if nothing was paid at the door)."
            elif (
                isinstance(amount_received_pence, bool)
                or not isinstance(amount_received_pence, int)
                or not 0 <= amount_received_pence <= MAX_AMOUNT_PENCE
            ):
                errors["amount_received"] = "Enter the amount received in pounds and pence, for example 26.45."
            if not isinstance(payment_method, PaymentMethod):
                errors["payment_method"] = "Choose how the customer paid."
        else:
            if not reason:
                errors["reason"] = "Say why the order was not delivered."
            elif len(reason) > REASON_MAX_LENGTH or "\x00" in reason:
                errors["reason"] = f"Keep the reason under {REASON_MAX_LENGTH} characters."
        if errors:
            raise ValidationError(errors)
        if delivered:
            order.status = OrderStatus.DELIVERED
            order.amount_received_pence = amount_received_pence
            order.payment_method_received = payment_method
            order.not_delivered_reason = None
            detail = f"received={format_pence(amount_received_pence)} by {payment_method.value}"  # type: ignore[union-attr]  # payment_method is checked non-None for a delivery above
        else:
            order.status = OrderStatus.NOT_DELIVERED
            order.amount_received_pence = None
            order.payment_method_received = None
            order.not_delivered_reason = reason
            detail = "not delivered"
        order.updated_at = utc_now()
        session.flush()
        record_order_event(session, actor, "order.delivery", order, detail)


RECORDED_DELIVERY_STATUSES = (OrderStatus.DELIVERED, OrderStatus.NOT_DELIVERED)


def undo_delivery(
    session: Session,
    branch_id: int,
    order_id: int,
    actor: Actor,
    expected_version: int | None = None,
    today: date | None = None,
) -> None:
    """Take back a delivered / not delivered record (a wrong tap on the phone): the order is packed and
    waiting again, with no amount received or reason, so the customer's balance is as it was.
    Given ``today``, only until the end of the delivery day; after that the office corrects the order."""
    with order_change(session):
        order = order_in_branch(session, branch_id, order_id)
        try:
            check_order_version(order, expected_version)
        except StaleOrderError:
            if order.status is not OrderStatus.PACKED:
                raise  # recorded again since the form: that record stands
            session.rollback()
            return  # a repeated submit: already undone, which is what the form asked for
        if order.status not in RECORDED_DELIVERY_STATUSES:
            raise ValidationError({"undo": "Nothing to undo: no delivery is recorded for this order."})
        if today is not None and order.delivery_date < today:
            raise ValidationError(
                {
                    "undo": f"The delivery day ({order.delivery_date:%A %-d %B}) has passed: "
                    "ask the office to correct the order."
                }
            )
        order.status = OrderStatus.PACKED
        order.amount_received_pence = None
        order.payment_method_received = None
        order.not_delivered_reason = None
        order.updated_at = utc_now()
        session.flush()
        record_order_event(session, actor, "order.delivery_undone", order)
