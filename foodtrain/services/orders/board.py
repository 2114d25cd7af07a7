"""The order board: which customers are due on a delivery date and whether their order is in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from foodtrain.models import (
    LIST_METHOD_LABELS,
    Customer,
    CustomerStatus,
    ListMethod,
    Order,
    OrderLine,
    OrderStatus,
)
from foodtrain.services.balances import balance_text, balances_pence
from foodtrain.services.closures import closed_reason
from foodtrain.services.service_breaks import shops_closed
from foodtrain.services.people import in_branch
from foodtrain.services.orders.rules import STATUS_LABELS, board_name, customer_due

__all__ = [
    "LOOKAHEAD_DAYS",
    "BoardEntry",
    "OrderBoard",
    "next_delivery_date",
    "order_board",
]


# How far ahead the board looks for the next delivery date.
LOOKAHEAD_DAYS = 28


@dataclass(frozen=True)
class BoardEntry:
    """One customer on the order board, with their order for the day if there is one."""

    customer_id: int
    name: str
    phone: str
    list_method: str
    frequency: str
    shop_name: str
    order_id: int | None = None
    order_status: OrderStatus | None = None
    line_count: int = 0
    due: bool = False
    balance_pence: int = 0

    @property
    def balance_text(self) -> str:
        return balance_text(self.balance_pence) if self.balance_pence else ""

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.order_status] if self.order_status else "Missing"


@dataclass(frozen=True)
class OrderBoard:
    """The customers due on a day, which have an order in, which are missing, and orders beyond the due list."""

    day: date
    due_with_order: list[BoardEntry]
    due_missing: list[BoardEntry]
    other_orders: list[BoardEntry]
    cancelled: list[BoardEntry]
    closed_reason: str | None = None  # the branch does not work that day: its orders must move to another
    # shops closed that day that have orders in for it: (shop id, name, why); the office moves those orders
    closed_shops: tuple[tuple[int, str, str], ...] = ()

    @property
    def previous_day(self) -> date:
        return self.day - timedelta(days=1)

    @property
    def next_day(self) -> date:
        return self.day + timedelta(days=1)

    @property
    def customers_due(self) -> int:
        return len(self.due_with_order) + len(self.due_missing) + sum(1 for entry in self.cancelled if entry.due)

    @property
    def orders_in(self) -> int:
        """Live orders for the day (due customers' and others'), cancelled ones not counted."""
        return len(self.due_with_order) + len(self.other_orders)


def next_delivery_date(session: Session, branch_id: int, today: date) -> date:
    """The first day from `today` on with customers due or orders booked; `today` if none in four weeks."""
    # Only the columns the schedule needs (rows, not Customer objects): this runs on every visit to the board.
    customers = session.execute(
        in_branch(
            select(
                Customer.status,
                Customer.frequency,
                Customer.frequency_anchor_date,
                Customer.delivery_weekday,
                Customer.paused_from,
                Customer.paused_until,
                Customer.ended_on,
            ).where(Customer.status != CustomerStatus.ENDED),
            Customer,
            branch_id,
        )
    ).all()
    ordered_days = set(
        session.scalars(
            in_branch(
                select(Order.delivery_date).where(
                    Order.delivery_date >= today,
                    Order.delivery_date < today + timedelta(days=LOOKAHEAD_DAYS),
                    Order.status != OrderStatus.CANCELLED,
                ),
                Order,
                branch_id,
            )
        ).all()
    )
    for offset in range(LOOKAHEAD_DAYS):
        day = today + timedelta(days=offset)
        if day in ordered_days or any(customer_due(customer, day) for customer in customers):
            return day
    return today


def order_board(session: Session, branch_id: int, day: date) -> OrderBoard:
    """Customers due on `day` (frequency, status, pauses), with or without an order, and every other order."""
    customers = session.scalars(
        in_branch(select(Customer), Customer, branch_id)
        .where(Customer.delivery_weekday == day.weekday())
        .options(joinedload(Customer.shop))
    ).all()
    due = {customer.id: customer for customer in customers if customer_due(customer, day)}
    orders = session.scalars(
        in_branch(select(Order), Order, branch_id)
        .where(Order.delivery_date == day)
        .options(joinedload(Order.customer).joinedload(Customer.shop))
    ).all()
    by_customer = {order.customer_id: order for order in orders}
    # Counted in the database: loading every line of the day's orders only to count them was most of the page's time.
    line_counts = (
        dict(
            session.execute(
                select(OrderLine.order_id, func.count())
                .where(OrderLine.order_id.in_([order.id for order in orders]))
                .group_by(OrderLine.order_id)
            ).all()
        )
        if orders
        else {}
    )
    balances = balances_pence(session, branch_id, set(due) | set(by_customer), before=day)

    def entry(customer: Customer, order: Order | None) -> BoardEntry:
        return BoardEntry(
            due=customer.id in due,
            balance_pence=balances.get(customer.id, 0),
            customer_id=customer.id,
            name=board_name(customer),
            phone=customer.phone,
            list_method=LIST_METHOD_LABELS[customer.list_method],
            frequency=customer.frequency.value,
            shop_name=customer.shop.name,
            order_id=order.id if order else None,
            order_status=order.status if order else None,
            line_count=line_counts.get(order.id, 0) if order else 0,
        )

    due_with_order: list[BoardEntry] = []
    due_missing: list[BoardEntry] = []
    other_orders: list[BoardEntry] = []
    cancelled: list[BoardEntry] = []
    for customer in due.values():
        order = by_customer.get(customer.id)
        if order is None:
            due_missing.append(entry(customer, None))
        elif order.status is OrderStatus.CANCELLED:
            cancelled.append(entry(customer, order))
        else:
            due_with_order.append(entry(customer, order))
    for order in orders:
        if order.customer_id in due:
            continue
        (cancelled if order.status is OrderStatus.CANCELLED else other_orders).append(entry(order.customer, order))
    # Telephone customers first among the missing: they are the ones the office rings.
    due_missing.sort(key=lambda e: (e.list_method != LIST_METHOD_LABELS[ListMethod.TELEPHONE], e.name.lower()))
    for group in (due_with_order, other_orders, cancelled):
        group.sort(key=lambda e: e.name.lower())
    closed = shops_closed(session, branch_id, day)
    closed_shops = tuple(
        sorted(
            {
                (order.shop_id, order.shop.name, closed[order.shop_id])
                for order in orders
                if order.shop_id in closed and order.status is not OrderStatus.CANCELLED
            },
            key=lambda shop: shop[1],
        )
    )
    return OrderBoard(
        day=day,
        due_with_order=due_with_order,
        due_missing=due_missing,
        other_orders=other_orders,
        cancelled=cancelled,
        closed_reason=closed_reason(session, branch_id, day),
        closed_shops=closed_shops,
    )
