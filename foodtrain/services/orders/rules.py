"""The rules every change of an order shares: which status allows what, the one version check, the transaction.

Each order service scopes its order to one branch (:func:`order_in_branch`), checks the form's version
(:func:`check_order_version`), and makes its change inside :func:`order_change`, which commits, or rolls
all of it back and turns a concurrent clash into :class:`StaleOrderError` ("changed by someone else").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql.base import ExecutableOption

from foodtrain.field_rules import is_valid_id
from foodtrain.models import (
    Customer,
    CustomerStatus,
    Order,
    OrderStatus,
)
from foodtrain.schedule import is_customer_due
from foodtrain.services.audit import Actor, record_event
from foodtrain.services.charges import delivery_charge_on
from foodtrain.services.closures import closed_reason
from foodtrain.services.errors import NotFoundError, StaleRecordError, ValidationError, check_version
from foodtrain.services.people import get_in_branch
from foodtrain.services.service_breaks import shop_closed_reason
from foodtrain.wording import plain_date

__all__ = [
    "REASON_MAX_LENGTH",
    "EDITABLE_STATUSES",
    "PACKABLE_STATUSES",
    "DELIVERABLE_STATUSES",
    "CANCELLABLE_STATUSES",
    "STATUS_LABELS",
    "StaleOrderError",
    "customer_due",
    "check_member_on",
    "check_day_takes_orders",
    "charge_for_order_on",
    "board_name",
    "check_order_version",
    "check_id",
    "order_in_branch",
    "record_order_event",
    "order_change",
    "commit_order_change",
]


REASON_MAX_LENGTH = 300
# An order can be changed (lines, notes) until the shop has packed it.
EDITABLE_STATUSES = frozenset({OrderStatus.RECEIVED, OrderStatus.SENT_TO_SHOP})
PACKABLE_STATUSES = frozenset({OrderStatus.RECEIVED, OrderStatus.SENT_TO_SHOP, OrderStatus.PACKED})
DELIVERABLE_STATUSES = frozenset(
    {
        OrderStatus.PACKED,
        OrderStatus.OUT_FOR_DELIVERY,
        OrderStatus.DELIVERED,
        OrderStatus.NOT_DELIVERED,
    }
)
CANCELLABLE_STATUSES = frozenset(
    {
        OrderStatus.RECEIVED,
        OrderStatus.SENT_TO_SHOP,
        OrderStatus.PACKED,
        OrderStatus.OUT_FOR_DELIVERY,
    }
)
STATUS_LABELS = {
    OrderStatus.RECEIVED: "Received",
    OrderStatus.SENT_TO_SHOP: "Sent to shop",
    OrderStatus.PACKED: "Packed",
    OrderStatus.OUT_FOR_DELIVERY: "Out for delivery",
    OrderStatus.DELIVERED: "Delivered",
    OrderStatus.NOT_DELIVERED: "Not delivered",
    OrderStatus.CANCELLED: "Cancelled",
}


class StaleOrderError(StaleRecordError):
    """The order changed since the form was loaded (optimistic locking): nothing was written."""

    def __init__(self) -> None:
        super().__init__("order")


def customer_due(customer: Customer | Row[Any], day: date) -> bool:
    """Whether the customer (or a row of their schedule columns, named as on Customer) is due on `day`."""
    return is_customer_due(
        status=customer.status,
        frequency=customer.frequency,
        anchor_date=customer.frequency_anchor_date,
        delivery_weekday=customer.delivery_weekday,
        paused_from=customer.paused_from,
        paused_until=customer.paused_until,
        ended_on=customer.ended_on,
        on=day,
    )


def check_member_on(customer: Customer, day: date) -> None:
    """An order is for a member: none on or after the day their membership ended."""
    if customer.status is CustomerStatus.ENDED and customer.ended_on is not None and customer.ended_on <= day:
        raise ValidationError(
            {
                "delivery_date": f"{customer.full_name}'s membership ended on "
                f"{customer.ended_on:%d %b %Y}; no orders after that."
            }
        )


def check_day_takes_orders(session: Session, branch_id: int, day: date, shop_id: int) -> None:
    """An order goes on a day it can be planned and delivered: not a day the branch or its shop is closed.

    The one check for a new order and for an order moved to ``day``."""
    closed = closed_reason(session, branch_id, day)
    if closed is not None:  # it would never be planned nor delivered
        raise ValidationError(
            {
                "delivery_date": f"{plain_date(day)} is a closure day ({closed}): "
                "choose another delivery date, or a coordinator opens the day "
                "on the Closures page."
            }
        )
    shop_closed = shop_closed_reason(session, branch_id, shop_id, day)
    if shop_closed is not None:  # nobody would pick it
        raise ValidationError(
            {
                "delivery_date": f"The customer's shop is closed on {plain_date(day)} "
                f"({shop_closed}): choose another delivery date, or change the "
                "customer's shop on their record."
            }
        )


def charge_for_order_on(session: Session, branch_id: int, day: date) -> int:
    """The delivery charge an order on ``day`` takes (the one in force then); a clear error when none is."""
    try:
        return delivery_charge_on(session, branch_id, day)
    except NotFoundError as error:
        raise ValidationError({"delivery_date": str(error)}) from None


def board_name(customer: Customer) -> str:
    return f"{customer.last_name}, {customer.first_name}"


def check_order_version(order: Order, expected_version: int | None) -> None:
    """The one version check (errors.check_version) raising the order's own StaleOrderError, which the order
    views catch; called without a form (demo, jobs) no version is given and nothing is checked."""
    try:
        check_version(order.version, expected_version, record="order", missing_is_stale=False)
    except StaleRecordError:
        raise StaleOrderError() from None


def check_id(record_id: object, what: str) -> None:
    """Ids beyond the database's integers cannot exist; looking them up would overflow the driver."""
    if not is_valid_id(record_id):
        raise NotFoundError(f"No {what} {record_id!r} in this branch.")


def order_in_branch(session: Session, branch_id: int, order_id: int, *options: ExecutableOption) -> Order:
    """The order of the branch (NotFoundError otherwise); ``options``: what to load with it in the same statement."""
    check_id(order_id, "order")
    return get_in_branch(session, Order, order_id, branch_id, *options)


def record_order_event(session: Session, actor: Actor, action: str, order: Order, detail: str = "") -> None:
    record_event(
        session,
        actor=actor,
        action=action,
        entity_type="order",
        entity_id=order.id,
        branch_id=order.branch_id,
        detail=detail,
    )


@contextmanager
def order_change(session: Session) -> Iterator[None]:
    """One change of an order: committed at the end; any failure rolls all of it back, and a
    concurrent version clash becomes StaleOrderError ("changed by someone else")."""
    try:
        yield
        session.commit()
    except StaleDataError:
        session.rollback()
        raise StaleOrderError() from None
    except BaseException:
        session.rollback()
        raise


def commit_order_change(session: Session) -> None:
    """Commit, turning a concurrent version clash into StaleOrderError (with everything rolled back)."""
    try:
        session.commit()
    except StaleDataError:
        session.rollback()
        raise StaleOrderError() from None
