"""Moving an order to another delivery date, keeping its lines (before: cancel it and take it again).

The new date is checked with the rules of taking an order (rules.check_member_on, check_day_takes_orders,
charge_for_order_on) and the one-order-per-customer-per-date rule. The old date's route plan, if any, says
by itself that the order was moved (planning.staleness.changes_of): nothing is written to the plan here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from foodtrain.field_rules import delivery_date_error
from foodtrain.models import Customer, Order, OrderStatus
from foodtrain.models._types import utc_now
from foodtrain.services.audit import Actor
from foodtrain.services.errors import ValidationError
from foodtrain.services.orders.rules import (
    EDITABLE_STATUSES,
    STATUS_LABELS,
    charge_for_order_on,
    check_day_takes_orders,
    check_member_on,
    check_order_version,
    customer_due,
    order_change,
    order_in_branch,
    record_order_event,
)
from foodtrain.services.people import get_in_branch, in_branch
from foodtrain.wording import plain_date

__all__ = ["MOVABLE_STATUSES", "MovedOrder", "move_order"]

# Until the shop has packed it: a packed order is in crates for its day (cancel it and take it again instead).
MOVABLE_STATUSES = EDITABLE_STATUSES


@dataclass(frozen=True)
class MovedOrder:
    """What the office is told after a move."""

    order_id: int
    from_date: date
    to_date: date
    customer_due: bool  # the new date is one of the customer's usual delivery days


def move_order(
    session: Session,
    branch_id: int,
    order_id: int,
    new_date: date,
    actor: Actor,
    today: date,
    expected_version: int | None = None,
) -> MovedOrder:
    """Move the order, with its lines and notes, to ``new_date``; the charge becomes the one in force then.

    Refused with a clear message (nothing written) when the order is packed or done, the date is past, the
    branch or the order's shop is closed that day, the customer's membership has ended by then, or the customer already has an
    order on that date. An order sent to the shop goes back to "received": the new day's list is sent again.
    """
    try:
        return _move(session, branch_id, order_id, new_date, actor, today, expected_version)
    except IntegrityError:  # someone took an order for the customer on that date meanwhile (rolled back)
        raise ValidationError(
            {
                "delivery_date": "The customer now has an order on that date: reload the page "
                "and change that one instead."
            }
        ) from None


def _move(
    session: Session,
    branch_id: int,
    order_id: int,
    new_date: date,
    actor: Actor,
    today: date,
    expected_version: int | None,
) -> MovedOrder:
    with order_change(session):
        order = order_in_branch(session, branch_id, order_id)
        old_date = order.delivery_date
        if new_date == old_date and order.status in MOVABLE_STATUSES:
            session.rollback()  # a repeated submit, or nothing to move
            customer = get_in_branch(session, Customer, order.customer_id, branch_id)
            return MovedOrder(order.id, old_date, new_date, customer_due(customer, new_date))
        check_order_version(order, expected_version)
        if order.status not in MOVABLE_STATUSES:
            instead = (
                "take a new order for the other date"
                if order.status is OrderStatus.CANCELLED
                else "cancel it and take a new order for the other date"
            )
            raise ValidationError(
                {
                    "delivery_date": f"This order is {STATUS_LABELS[order.status].lower()}; it can no "
                    f"longer be moved ({instead})."
                }
            )
        if new_date < today:
            raise ValidationError(
                {"delivery_date": f"{plain_date(new_date)} has passed: choose today or a later date."}
            )
        window_error = delivery_date_error(new_date, today)
        if window_error:
            raise ValidationError({"delivery_date": window_error})
        customer = get_in_branch(session, Customer, order.customer_id, branch_id)
        check_member_on(customer, new_date)
        check_day_takes_orders(session, branch_id, new_date, order.shop_id)
        charge = charge_for_order_on(session, branch_id, new_date)
        taken = session.scalar(
            in_branch(select(Order), Order, branch_id).where(
                Order.customer_id == customer.id, Order.delivery_date == new_date
            )
        )
        if taken is not None:
            state = "a cancelled order" if taken.status is OrderStatus.CANCELLED else "an order"
            raise ValidationError(
                {
                    "delivery_date": f"{customer.full_name} already has {state} on {plain_date(new_date)} "
                    f"(order {taken.id}): change that one instead, or choose "
                    "another date."
                }
            )
        order.delivery_date = new_date
        order.delivery_charge_pence = charge
        if order.status is OrderStatus.SENT_TO_SHOP:
            order.status = OrderStatus.RECEIVED
        order.updated_at = utc_now()
        session.flush()
        # dates only: never the customer's name in the audit detail
        record_order_event(
            session, actor, "order.move", order, f"from={old_date.isoformat()} to={new_date.isoformat()}"
        )
        return MovedOrder(order.id, old_date, new_date, customer_due(customer, new_date))
