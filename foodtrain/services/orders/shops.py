"""Shops' side of an order: the day's summary per shop, picking lists, and recording the packed crates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from foodtrain.models import (
    Order,
    OrderStatus,
    Shop,
    estimate_crates,
)
from foodtrain.models._types import utc_now
from foodtrain.money import MAX_AMOUNT_PENCE, format_pence
from foodtrain.services.audit import Actor, record_event
from foodtrain.services.errors import NotFoundError, ValidationError
from foodtrain.services.people import in_branch
from foodtrain.sheets import PickingLine, PickingList, PickingOrder
from foodtrain.services.orders.rules import (
    PACKABLE_STATUSES,
    STATUS_LABELS,
    board_name,
    check_id,
    check_order_version,
    order_change,
    order_in_branch,
    record_order_event,
)

__all__ = [
    "MAX_CRATES",
    "ShopDayOrder",
    "ShopDaySummary",
    "shop_day_summary",
    "TO_PICK_STATUSES",
    "picking_lists",
    "shop_name",
    "record_packing",
]


MAX_CRATES = 50


@dataclass(frozen=True)
class ShopDayOrder:
    order_id: int
    customer_name: str
    status: OrderStatus
    line_count: int
    crates: int | None
    till_receipt_pence: int | None
    version: int

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class ShopDaySummary:
    """How many orders one shop must have ready by when, packed so far, and the crates to expect."""

    shop_id: int
    shop_name: str
    ready_by: time
    orders: list[ShopDayOrder] = field(default_factory=list)
    crates_recorded: int = 0
    crates_estimate: int = 0

    @property
    def order_count(self) -> int:
        return len(self.orders)

    @property
    def packed_count(self) -> int:
        return sum(
            1
            for order in self.orders
            if order.status is not OrderStatus.RECEIVED and order.status is not OrderStatus.SENT_TO_SHOP
        )


def _shop_in_branch(session: Session, branch_id: int, shop_id: int) -> Shop:
    check_id(shop_id, "shop")
    shop = session.scalar(in_branch(select(Shop).where(Shop.id == shop_id), Shop, branch_id))
    if shop is None:
        raise NotFoundError(f"No shop {shop_id} in this branch.")
    return shop


def _live_orders_of_day(session: Session, branch_id: int, day: date, shop_id: int | None = None) -> list[Order]:
    statement = (
        in_branch(select(Order), Order, branch_id)
        .where(Order.delivery_date == day, Order.status != OrderStatus.CANCELLED)
        .options(selectinload(Order.lines), selectinload(Order.customer), selectinload(Order.shop))
    )
    if shop_id is not None:
        statement = statement.where(Order.shop_id == shop_id)
    orders = list(session.scalars(statement).all())
    orders.sort(key=lambda order: (order.customer.last_name.lower(), order.customer.first_name.lower(), order.id))
    return orders


def shop_day_summary(session: Session, branch_id: int, day: date) -> list[ShopDaySummary]:
    """Per shop with orders on `day`: the orders, the time they must be ready by, packed count and crates."""
    by_shop: dict[int, list[Order]] = {}
    for order in _live_orders_of_day(session, branch_id, day):
        by_shop.setdefault(order.shop_id, []).append(order)
    result = []
    for orders in by_shop.values():
        shop = orders[0].shop
        result.append(
            ShopDaySummary(
                shop_id=shop.id,
                shop_name=shop.name,
                ready_by=shop.orders_ready_time,
                orders=[
                    ShopDayOrder(
                        order_id=order.id,
                        customer_name=board_name(order.customer),
                        status=order.status,
                        line_count=len(order.lines),
                        crates=order.crates,
                        till_receipt_pence=order.till_receipt_pence,
                        version=order.version,
                    )
                    for order in orders
                ],
                crates_recorded=sum(order.crates or 0 for order in orders),
                # Counted crates where the shop has packed, an estimate from the lines elsewhere.
                crates_estimate=sum(order.crates_or_estimate()[0] for order in orders),
            )
        )
    result.sort(key=lambda s: (s.ready_by, s.shop_name.lower()))
    return result


# A shop picks what has not left it yet: received, sent to the shop, or packed (checked again before the van
# comes). Orders out for delivery, delivered, not delivered or cancelled are no work for the shop.
TO_PICK_STATUSES = PACKABLE_STATUSES


def picking_lists(session: Session, branch_id: int, day: date, shop_id: int | None, actor: Actor) -> list[PickingList]:
    """Per shop (or the one shop given), the orders it still has to pick for `day`, one block per order.

    Customers' names and what they eat leave the office on these lists, so each printing is audited.
    NotFoundError for another branch's shop.
    """
    try:
        if shop_id is not None:
            _shop_in_branch(session, branch_id, shop_id)
        by_shop: dict[int, list[Order]] = {}
        for order in _live_orders_of_day(session, branch_id, day, shop_id):
            if order.status in TO_PICK_STATUSES:
                by_shop.setdefault(order.shop_id, []).append(order)
        lists = []
        for orders in sorted(by_shop.values(), key=lambda group: group[0].shop.name.lower()):
            shop = orders[0].shop
            blocks = tuple(
                PickingOrder(
                    order_ref=str(order.id),
                    customer_name=order.customer.full_name,
                    notes=order.notes or "",
                    lines=tuple(
                        PickingLine(line.item, line.quantity, line.notes, line.substitute_allowed)
                        for line in order.lines
                    ),
                    crates=order.crates,
                    crates_estimate=estimate_crates(len(order.lines)),
                )
                for order in orders
            )
            lists.append(
                PickingList(
                    shop_name=shop.name,
                    delivery_date=day,
                    ready_by=shop.orders_ready_time.strftime("%H:%M"),
                    orders=blocks,
                )
            )
        record_event(
            session,
            actor=actor,
            action="picking_list.download",
            entity_type="shop",
            entity_id=shop_id,
            branch_id=branch_id,
            detail=f"{day.isoformat()}: {sum(len(p.orders) for p in lists)} orders",
        )
        session.commit()
        return lists
    except Exception:
        session.rollback()
        raise


def shop_name(session: Session, branch_id: int, shop_id: int) -> str:
    """The name of a shop of the branch (NotFoundError for another branch's shop)."""
    return _shop_in_branch(session, branch_id, shop_id).name


def record_packing(
    session: Session,
    branch_id: int,
    order_id: int,
    crates: int,
    till_receipt_pence: int,
    actor: Actor,
    expected_version: int | None = None,
) -> None:
    """The shop has packed the order: record crates and the till receipt; the order becomes PACKED."""
    with order_change(session):
        order = order_in_branch(session, branch_id, order_id)
        if (
            order.status is OrderStatus.PACKED
            and order.crates == crates
            and order.till_receipt_pence == till_receipt_pence
        ):
            session.rollback()
            return  # already recorded exactly so: a repeated submit
        check_order_version(order, expected_version)
        errors: dict[str, str] = {}
        if isinstance(crates, bool) or not isinstance(crates, int) or not 1 <= crates <= MAX_CRATES:
            errors["crates"] = f"Enter the number of crates, a whole number from 1 to {MAX_CRATES}."
        if (
            isinstance(till_receipt_pence, bool)
            or not isinstance(till_receipt_pence, int)
            or not 0 <= till_receipt_pence <= MAX_AMOUNT_PENCE
        ):
            errors["till_receipt"] = "Enter the till receipt total in pounds and pence, for example 23.45."
        if order.status not in PACKABLE_STATUSES:
            errors["crates"] = (
                f"This order is {STATUS_LABELS[order.status].lower()}; packing can only be recorded before it goes out."
            )
        if errors:
            raise ValidationError(errors)
        order.crates = crates
        order.till_receipt_pence = till_receipt_pence
        order.status = OrderStatus.PACKED
        order.updated_at = utc_now()
        session.flush()
        record_order_event(
            session, actor, "order.packed", order, f"crates={crates} receipt={format_pence(till_receipt_pence)}"
        )
