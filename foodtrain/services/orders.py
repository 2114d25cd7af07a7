"""Orders through the weekly cycle: the order board, taking an order, picking, packing, delivery, cancelling.

Every function takes a session and plain values, scopes every query to one branch
through `in_branch`/`get_in_branch`, owns its transaction (commit on success,
rollback on any error) and returns ids or plain dataclasses.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from foodtrain.field_rules import is_valid_id
from foodtrain.models import (
    LIST_METHOD_LABELS,
    SUPPORT_NEED_LABELS,
    Customer,
    CustomerStatus,
    ListMethod,
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    Shop,
    estimate_crates,
)
from foodtrain.models._types import utc_now
from foodtrain.money import MAX_AMOUNT_PENCE, format_pence
from foodtrain.schedule import is_customer_due
from foodtrain.services.audit import Actor, record_event
from foodtrain.services.balances import balance_text, balances_pence
from foodtrain.services.charges import delivery_charge_on
from foodtrain.services.errors import NotFoundError, StaleRecordError, ValidationError, check_version
from foodtrain.services.people import get_in_branch, in_branch
from foodtrain.sheets import PickingLine, PickingList, PickingOrder

ITEM_MAX_LENGTH = 200
LINE_NOTES_MAX_LENGTH = 300
ORDER_NOTES_MAX_LENGTH = 2000
REASON_MAX_LENGTH = 300
MAX_QUANTITY = 999
MAX_CRATES = 50
# Rough packing density for the crates estimate before a shop has counted them.
# How far ahead the board looks for the next delivery date.
LOOKAHEAD_DAYS = 28

# An order can be changed (lines, notes) until the shop has packed it.
EDITABLE_STATUSES = frozenset({OrderStatus.RECEIVED, OrderStatus.SENT_TO_SHOP})
PACKABLE_STATUSES = frozenset({OrderStatus.RECEIVED, OrderStatus.SENT_TO_SHOP, OrderStatus.PACKED})
DELIVERABLE_STATUSES = frozenset({
    OrderStatus.PACKED, OrderStatus.OUT_FOR_DELIVERY, OrderStatus.DELIVERED, OrderStatus.NOT_DELIVERED,
})
CANCELLABLE_STATUSES = frozenset({
    OrderStatus.RECEIVED, OrderStatus.SENT_TO_SHOP, OrderStatus.PACKED, OrderStatus.OUT_FOR_DELIVERY,
})

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


# ---------------------------------------------------------------- inputs and results


@dataclass(frozen=True)
class OrderLineInput:
    """One line as typed: the item, how many, notes (brand, size) and whether a substitute is fine."""

    item: str
    quantity: int = 1
    notes: str = ""
    substitute_allowed: bool = True


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


@dataclass(frozen=True)
class OrderEntryContext:
    """What the order-entry page needs about the customer and the date."""

    customer_id: int
    customer_name: str
    phone: str
    list_method: str
    shop_name: str
    delivery_date: date
    is_due: bool
    customer_status: str
    existing_order_id: int | None
    usual_items: list[str]
    existing_order: OrderSnapshot | None = None
    support_needs: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class OrderSnapshot:
    """An order as the edit form loads it, with the version it was read at."""

    order_id: int
    version: int
    status: OrderStatus
    notes: str
    lines: list[OrderLineInput]

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


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
        return sum(1 for order in self.orders if order.status is not OrderStatus.RECEIVED
                   and order.status is not OrderStatus.SENT_TO_SHOP)


# ---------------------------------------------------------------- small rules


def _customer_due(customer: Customer | Row[Any], day: date) -> bool:
    """Whether the customer (or a row of their schedule columns, named as on Customer) is due on `day`."""
    return is_customer_due(status=customer.status, frequency=customer.frequency,
                           anchor_date=customer.frequency_anchor_date, delivery_weekday=customer.delivery_weekday,
                           paused_from=customer.paused_from, paused_until=customer.paused_until,
                           ended_on=customer.ended_on, on=day)


def _board_name(customer: Customer) -> str:
    return f"{customer.last_name}, {customer.first_name}"


def _clean_lines(lines: list[OrderLineInput]) -> list[OrderLineInput]:
    """Validated, trimmed lines; blank lines are dropped. Raises ValidationError naming the line."""
    cleaned: list[OrderLineInput] = []
    errors: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        item = (line.item or "").strip()
        notes = (line.notes or "").strip()
        if not item and not notes:
            continue
        key = f"lines-{number - 1}"
        if not item:
            errors[f"{key}-item"] = f"Line {number}: say what the item is."
            continue
        if "\x00" in item or "\x00" in notes:
            errors[f"{key}-item"] = f"Line {number}: the text contains characters that cannot be stored."
            continue
        if len(item) > ITEM_MAX_LENGTH:
            errors[f"{key}-item"] = f"Line {number}: keep the item under {ITEM_MAX_LENGTH} characters."
        if len(notes) > LINE_NOTES_MAX_LENGTH:
            errors[f"{key}-notes"] = f"Line {number}: keep the notes under {LINE_NOTES_MAX_LENGTH} characters."
        quantity = line.quantity
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
            errors[f"{key}-quantity"] = f"Line {number}: the quantity must be a whole number from 1 to {MAX_QUANTITY}."
        cleaned.append(OrderLineInput(item=item, quantity=quantity, notes=notes,
                                      substitute_allowed=bool(line.substitute_allowed)))
    if errors:
        raise ValidationError(errors)
    if not cleaned:
        raise ValidationError({"lines": "Enter at least one item."})
    return cleaned


def _line_key(line: OrderLineInput) -> tuple[str, int, str, bool]:
    return (line.item, line.quantity, line.notes, line.substitute_allowed)


def _same_content(order: Order, lines: list[OrderLineInput], notes: str) -> bool:
    current = [_line_key(OrderLineInput(row.item, row.quantity, row.notes, row.substitute_allowed))
               for row in order.lines]
    return current == [_line_key(line) for line in lines] and (order.notes or "") == notes


def _check_version(order: Order, expected_version: int | None) -> None:
    """The one version check (errors.check_version) raising the order's own StaleOrderError, which the order
    views catch; called without a form (demo, jobs) no version is given and nothing is checked."""
    try:
        check_version(order.version, expected_version, record="order", missing_is_stale=False)
    except StaleRecordError:
        raise StaleOrderError() from None


def _check_id(record_id: object, what: str) -> None:
    """Ids beyond the database's integers cannot exist; looking them up would overflow the driver."""
    if not is_valid_id(record_id):
        raise NotFoundError(f"No {what} {record_id!r} in this branch.")


def _order_in_branch(session: Session, branch_id: int, order_id: int) -> Order:
    _check_id(order_id, "order")
    return get_in_branch(session, Order, order_id, branch_id)


def _audit(session: Session, user_id: int | None, action: str, order: Order, detail: str = "") -> None:
    record_event(session, user_id=user_id, action=action, entity_type="order", entity_id=order.id,
                 branch_id=order.branch_id, detail=detail)


@contextmanager
def _order_change(session: Session) -> Iterator[None]:
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


def _commit(session: Session) -> None:
    """Commit, turning a concurrent version clash into StaleOrderError (with everything rolled back)."""
    try:
        session.commit()
    except StaleDataError:
        session.rollback()
        raise StaleOrderError() from None


# ---------------------------------------------------------------- the order board


def next_delivery_date(session: Session, branch_id: int, today: date) -> date:
    """The first day from `today` on with customers due or orders booked; `today` if none in four weeks."""
    # Only the columns the schedule needs (rows, not Customer objects): this runs on every visit to the board.
    customers = session.execute(in_branch(
        select(Customer.status, Customer.frequency, Customer.frequency_anchor_date, Customer.delivery_weekday,
               Customer.paused_from, Customer.paused_until, Customer.ended_on)
        .where(Customer.status != CustomerStatus.ENDED), Customer, branch_id)).all()
    ordered_days = set(session.scalars(in_branch(
        select(Order.delivery_date).where(Order.delivery_date >= today,
                                          Order.delivery_date < today + timedelta(days=LOOKAHEAD_DAYS),
                                          Order.status != OrderStatus.CANCELLED),
        Order, branch_id)).all())
    for offset in range(LOOKAHEAD_DAYS):
        day = today + timedelta(days=offset)
        if day in ordered_days or any(_customer_due(customer, day) for customer in customers):
            return day
    return today


def order_board(session: Session, branch_id: int, day: date) -> OrderBoard:
    """Customers due on `day` (frequency, status, pauses), with or without an order, and every other order."""
    customers = session.scalars(
        in_branch(select(Customer), Customer, branch_id)
        .where(Customer.delivery_weekday == day.weekday())
        .options(selectinload(Customer.shop))
    ).all()
    due = {customer.id: customer for customer in customers if _customer_due(customer, day)}
    orders = session.scalars(
        in_branch(select(Order), Order, branch_id)
        .where(Order.delivery_date == day)
        .options(selectinload(Order.customer).selectinload(Customer.shop))
    ).all()
    by_customer = {order.customer_id: order for order in orders}
    # Counted in the database: loading every line of the day's orders only to count them was most of the page's time.
    line_counts = dict(session.execute(
        select(OrderLine.order_id, func.count()).where(OrderLine.order_id.in_([order.id for order in orders]))
        .group_by(OrderLine.order_id)).all()) if orders else {}
    balances = balances_pence(session, branch_id, set(due) | set(by_customer), before=day)

    def entry(customer: Customer, order: Order | None) -> BoardEntry:
        return BoardEntry(due=customer.id in due, balance_pence=balances.get(customer.id, 0),
            customer_id=customer.id, name=_board_name(customer), phone=customer.phone,
            list_method=LIST_METHOD_LABELS[customer.list_method], frequency=customer.frequency.value,
            shop_name=customer.shop.name, order_id=order.id if order else None,
            order_status=order.status if order else None, line_count=line_counts.get(order.id, 0) if order else 0,
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
    return OrderBoard(day=day, due_with_order=due_with_order, due_missing=due_missing, other_orders=other_orders,
                      cancelled=cancelled)


# ---------------------------------------------------------------- taking an order


def usual_items(session: Session, branch_id: int, customer_id: int, limit: int = 20, last_orders: int = 8) -> list[str]:
    """The customer's most frequent items over their last `last_orders` orders, most frequent first.

    Items are matched ignoring case and spacing; the most recent spelling is shown.
    Ties go to the item ordered most recently.
    """
    _check_id(customer_id, "customer")
    get_in_branch(session, Customer, customer_id, branch_id)
    order_ids = session.scalars(
        in_branch(select(Order.id), Order, branch_id)
        .where(Order.customer_id == customer_id, Order.status != OrderStatus.CANCELLED)
        .order_by(Order.delivery_date.desc()).limit(last_orders)
    ).all()
    if not order_ids:
        return []
    rows = session.execute(
        select(OrderLine.item, Order.delivery_date)
        .join(Order, OrderLine.order_id == Order.id)
        .where(OrderLine.order_id.in_(order_ids))
        .order_by(Order.delivery_date.desc(), OrderLine.position)
    ).all()
    counts: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    first_seen: dict[str, int] = {}
    for rank, (item, _day) in enumerate(rows):
        key = " ".join(item.lower().split())
        counts[key] += 1
        spelling.setdefault(key, " ".join(item.split()))
        first_seen.setdefault(key, rank)
    ranked = sorted(counts, key=lambda key: (-counts[key], first_seen[key]))
    return [spelling[key] for key in ranked[:max(limit, 0)]]


def order_id_for_day(session: Session, branch_id: int, customer_id: int, delivery_date: date) -> int | None:
    """The customer's order for the date, if one is in (one order per customer per date)."""
    _check_id(customer_id, "customer")
    return session.scalar(in_branch(select(Order.id), Order, branch_id)
                          .where(Order.customer_id == customer_id, Order.delivery_date == delivery_date))


def order_entry_context(session: Session, branch_id: int, customer_id: int, delivery_date: date,
                        usual_limit: int = 20) -> OrderEntryContext:
    """The customer, whether they are due that day, their existing order (if any) and their usual items."""
    _check_id(customer_id, "customer")
    customer = get_in_branch(session, Customer, customer_id, branch_id)
    existing = order_id_for_day(session, branch_id, customer_id, delivery_date)
    shop = session.get(Shop, customer.shop_id)
    return OrderEntryContext(
        customer_id=customer.id, customer_name=customer.full_name, phone=customer.phone,
        list_method=LIST_METHOD_LABELS[customer.list_method], shop_name=shop.name if shop else "",
        delivery_date=delivery_date, is_due=_customer_due(customer, delivery_date),
        customer_status=customer.status.value, existing_order_id=existing,
        usual_items=usual_items(session, branch_id, customer_id, usual_limit),
        # e.g. memory problems or help writing the list: how to take this order on the phone.
        support_needs=[SUPPORT_NEED_LABELS[row.need] for row in customer.support_needs],
    )


def order_edit_context(session: Session, branch_id: int, order_id: int, usual_limit: int = 20) -> OrderEntryContext:
    """The entry context of an existing order, with the order's lines and version for the edit form."""
    order = get_order(session, branch_id, order_id)
    context = order_entry_context(session, branch_id, order.customer_id, order.delivery_date, usual_limit)
    snapshot = OrderSnapshot(
        order_id=order.id, version=order.version, status=order.status, notes=order.notes or "",
        lines=[OrderLineInput(item=line.item, quantity=line.quantity, notes=line.notes,
                              substitute_allowed=line.substitute_allowed) for line in order.lines],
    )
    return replace(context, existing_order=snapshot)


def save_order(
    session: Session,
    branch_id: int,
    customer_id: int,
    delivery_date: date,
    lines: list[OrderLineInput],
    notes: str,
    user_id: int | None,
    expected_version: int | None = None,
    order_id: int | None = None,
) -> int:
    """Create or update the customer's order for `delivery_date`; returns the order id.

    One order per customer per date: submitting the new-order form again (a double
    click, or a second call) updates that order instead of failing, and an identical
    resubmission changes nothing. With `order_id` the order is edited in place and
    `expected_version` must match (optimistic locking). Orders already packed or
    delivered cannot be changed. The delivery charge is the one in force on the date.
    """
    for attempt in (1, 2):
        try:
            return _save_order(session, branch_id, customer_id, delivery_date, lines, notes, user_id,
                               expected_version, order_id)
        except IntegrityError:
            # Someone inserted the same (customer, date) between our read and our write: update it instead.
            session.rollback()
            if attempt == 2:
                raise StaleOrderError() from None
        except StaleDataError:
            session.rollback()
            raise StaleOrderError() from None
        except BaseException:
            session.rollback()
            raise
    raise AssertionError("unreachable")


def _save_order(session: Session, branch_id: int, customer_id: int, delivery_date: date,
                lines: list[OrderLineInput], notes: str, user_id: int | None,
                expected_version: int | None, order_id: int | None) -> int:
    notes = (notes or "").strip()
    errors: dict[str, str] = {}
    if len(notes) > ORDER_NOTES_MAX_LENGTH:
        errors["notes"] = f"Keep the order notes under {ORDER_NOTES_MAX_LENGTH} characters."
    if "\x00" in notes:
        errors["notes"] = "The notes contain characters that cannot be stored."
    try:
        cleaned = _clean_lines(lines)
    except ValidationError as error:
        raise ValidationError(error.field_errors | errors) from None
    if errors:
        raise ValidationError(errors)

    if order_id is not None:
        order: Order | None = _order_in_branch(session, branch_id, order_id)
        assert order is not None
        customer = get_in_branch(session, Customer, order.customer_id, branch_id)
        delivery_date = order.delivery_date
    else:
        _check_id(customer_id, "customer")
        customer = get_in_branch(session, Customer, customer_id, branch_id)
        order = session.scalar(in_branch(select(Order), Order, branch_id)
                               .where(Order.customer_id == customer.id, Order.delivery_date == delivery_date))
    if customer.status is CustomerStatus.ENDED and customer.ended_on is not None and customer.ended_on <= delivery_date:
        raise ValidationError({"delivery_date": f"{customer.full_name}'s membership ended on "
                                                f"{customer.ended_on:%d %b %Y}; no orders after that."})

    if order is None:
        try:
            charge = delivery_charge_on(session, branch_id, delivery_date)
        except NotFoundError as error:
            raise ValidationError({"delivery_date": str(error)}) from None
        order = Order(branch_id=branch_id, customer_id=customer.id, shop_id=customer.shop_id,
                      delivery_date=delivery_date, delivery_charge_pence=charge, notes=notes,
                      created_by_user_id=user_id, status=OrderStatus.RECEIVED)
        order.lines = [OrderLine(position=position, item=line.item, quantity=line.quantity, notes=line.notes,
                                 substitute_allowed=line.substitute_allowed)
                       for position, line in enumerate(cleaned, start=1)]
        session.add(order)
        session.flush()
        _audit(session, user_id, "order.create", order, f"lines={len(cleaned)}")
        _commit(session)
        return order.id

    if order.status is not OrderStatus.CANCELLED and _same_content(order, cleaned, notes):
        # The same form sent twice (a double click, even on an edit form whose version has moved on
        # because of the first click): nothing to change, nothing overwritten.
        same_order_id = order.id
        session.rollback()
        return same_order_id
    _check_version(order, expected_version)
    if order.status not in EDITABLE_STATUSES and order.status is not OrderStatus.CANCELLED:
        raise ValidationError({"lines": f"This order is already {STATUS_LABELS[order.status].lower()}; "
                                        "it can no longer be changed."})
    action = "order.update"
    if order.status is OrderStatus.CANCELLED:
        # Taking a new order for a date whose order was cancelled brings it back.
        order.status = OrderStatus.RECEIVED
        order.cancelled_from_status = None
        order.shop_id = customer.shop_id
        try:
            order.delivery_charge_pence = delivery_charge_on(session, branch_id, delivery_date)
        except NotFoundError as error:
            raise ValidationError({"delivery_date": str(error)}) from None
        action = "order.reopen"
    # Change the order row first: its versioned UPDATE locks it, so a concurrent editor of the same
    # version waits here and then fails the version check instead of racing on the lines.
    order.notes = notes
    order.updated_at = utc_now()
    session.flush()
    order.lines.clear()
    session.flush()
    order.lines.extend(
        OrderLine(position=position, item=line.item, quantity=line.quantity, notes=line.notes,
                  substitute_allowed=line.substitute_allowed)
        for position, line in enumerate(cleaned, start=1)
    )
    session.flush()
    _audit(session, user_id, action, order, f"lines={len(cleaned)}")
    _commit(session)
    return order.id


def get_order(session: Session, branch_id: int, order_id: int) -> Order:
    """The order with its lines, customer and shop loaded, or NotFoundError (also for another branch's order)."""
    _check_id(order_id, "order")
    order = session.scalar(
        in_branch(select(Order), Order, branch_id).where(Order.id == order_id)
        .options(selectinload(Order.lines), selectinload(Order.customer), selectinload(Order.shop))
    )
    if order is None:
        raise NotFoundError(f"No order {order_id} in this branch.")
    return order


# ---------------------------------------------------------------- shops: picking and packing


def _shop_in_branch(session: Session, branch_id: int, shop_id: int) -> Shop:
    _check_id(shop_id, "shop")
    shop = session.scalar(in_branch(select(Shop).where(Shop.id == shop_id), Shop, branch_id))
    if shop is None:
        raise NotFoundError(f"No shop {shop_id} in this branch.")
    return shop


def _live_orders_of_day(session: Session, branch_id: int, day: date, shop_id: int | None = None) -> list[Order]:
    statement = (in_branch(select(Order), Order, branch_id)
                 .where(Order.delivery_date == day, Order.status != OrderStatus.CANCELLED)
                 .options(selectinload(Order.lines), selectinload(Order.customer), selectinload(Order.shop)))
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
        result.append(ShopDaySummary(
            shop_id=shop.id, shop_name=shop.name, ready_by=shop.orders_ready_time,
            orders=[ShopDayOrder(order_id=order.id, customer_name=_board_name(order.customer), status=order.status,
                                 line_count=len(order.lines), crates=order.crates,
                                 till_receipt_pence=order.till_receipt_pence, version=order.version)
                    for order in orders],
            crates_recorded=sum(order.crates or 0 for order in orders),
            # Counted crates where the shop has packed, an estimate from the lines elsewhere.
            crates_estimate=sum(order.crates_or_estimate()[0] for order in orders),
        ))
    result.sort(key=lambda s: (s.ready_by, s.shop_name.lower()))
    return result


# A shop picks what has not left it yet: received, sent to the shop, or packed (checked again before the van
# comes). Orders out for delivery, delivered, not delivered or cancelled are no work for the shop.
TO_PICK_STATUSES = PACKABLE_STATUSES


def picking_lists(session: Session, branch_id: int, day: date, shop_id: int | None, actor: Actor
                  ) -> list[PickingList]:
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
            blocks = tuple(PickingOrder(
                order_ref=str(order.id), customer_name=order.customer.full_name, notes=order.notes or "",
                lines=tuple(PickingLine(line.item, line.quantity, line.notes, line.substitute_allowed)
                            for line in order.lines),
                crates=order.crates, crates_estimate=estimate_crates(len(order.lines))) for order in orders)
            lists.append(PickingList(shop_name=shop.name, delivery_date=day,
                                     ready_by=shop.orders_ready_time.strftime("%H:%M"), orders=blocks))
        record_event(session, actor=actor, action="picking_list.download", entity_type="shop", entity_id=shop_id,
                     branch_id=branch_id, detail=f"{day.isoformat()}: {sum(len(p.orders) for p in lists)} orders")
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
    user_id: int | None,
    expected_version: int | None = None,
) -> None:
    """The shop has packed the order: record crates and the till receipt; the order becomes PACKED."""
    with _order_change(session):
        order = _order_in_branch(session, branch_id, order_id)
        if (order.status is OrderStatus.PACKED and order.crates == crates
                and order.till_receipt_pence == till_receipt_pence):
            session.rollback()
            return  # already recorded exactly so: a repeated submit
        _check_version(order, expected_version)
        errors: dict[str, str] = {}
        if isinstance(crates, bool) or not isinstance(crates, int) or not 1 <= crates <= MAX_CRATES:
            errors["crates"] = f"Enter the number of crates, a whole number from 1 to {MAX_CRATES}."
        if (isinstance(till_receipt_pence, bool) or not isinstance(till_receipt_pence, int)
                or not 0 <= till_receipt_pence <= MAX_AMOUNT_PENCE):
            errors["till_receipt"] = "Enter the till receipt total in pounds and pence, for example 23.45."
        if order.status not in PACKABLE_STATUSES:
            errors["crates"] = (f"This order is {STATUS_LABELS[order.status].lower()}; "
                                "packing can only be recorded before it goes out.")
        if errors:
            raise ValidationError(errors)
        order.crates = crates
        order.till_receipt_pence = till_receipt_pence
        order.status = OrderStatus.PACKED
        order.updated_at = utc_now()
        session.flush()
        _audit(session, user_id, "order.packed", order, f"crates={crates} receipt={format_pence(till_receipt_pence)}")


def _delivery_already_recorded(order: Order, delivered: bool, amount_received_pence: int | None,
                               payment_method: PaymentMethod | None, reason: str) -> bool:
    if delivered:
        return (order.status is OrderStatus.DELIVERED and order.amount_received_pence == amount_received_pence
                and order.payment_method_received is payment_method)
    return order.status is OrderStatus.NOT_DELIVERED and bool(reason) and order.not_delivered_reason == reason


def record_delivery(
    session: Session,
    branch_id: int,
    order_id: int,
    delivered: bool,
    amount_received_pence: int | None,
    payment_method: PaymentMethod | None,
    not_delivered_reason: str,
    user_id: int | None,
    expected_version: int | None = None,
    today: date | None = None,
) -> None:
    """Delivered (with the amount received and how it was paid) or not delivered (with a reason).

    Given ``today``, an order for a later date is refused: no delivery is recorded in the future.
    An amount received other than the amount due is kept and carried to the customer's balance.

    The amount due at the door is the till receipt plus the delivery charge
    (Order.amount_due_pence), so packing must have been recorded first.
    """
    with _order_change(session):
        order = _order_in_branch(session, branch_id, order_id)
        reason = (not_delivered_reason or "").strip()
        if _delivery_already_recorded(order, delivered, amount_received_pence, payment_method, reason):
            session.rollback()
            return  # a repeated submit of the same outcome
        _check_version(order, expected_version)
        errors: dict[str, str] = {}
        if order.status not in DELIVERABLE_STATUSES:
            raise ValidationError({"outcome": "Record the crates and the till receipt (packing) before the delivery."})
        if today is not None and order.delivery_date > today:
            raise ValidationError({"outcome": f"This order is for {order.delivery_date:%A %-d %B}: record the "
                                              "delivery on or after that day, not before."})
        if delivered:
            if amount_received_pence is None:
                errors["amount_received"] = "Enter the amount received (0.00 if nothing was paid at the door)."
            elif (isinstance(amount_received_pence, bool) or not isinstance(amount_received_pence, int)
                  or not 0 <= amount_received_pence <= MAX_AMOUNT_PENCE):
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
        _audit(session, user_id, "order.delivery", order, detail)



RECORDED_DELIVERY_STATUSES = (OrderStatus.DELIVERED, OrderStatus.NOT_DELIVERED)


def undo_delivery(session: Session, branch_id: int, order_id: int, user_id: int | None,
                  expected_version: int | None = None, today: date | None = None) -> None:
    """Take back a delivered / not delivered record (a wrong tap on the phone): the order is packed and
    waiting again, with no amount received or reason, so the customer's balance is as it was.
    Given ``today``, only until the end of the delivery day; after that the office corrects the order."""
    with _order_change(session):
        order = _order_in_branch(session, branch_id, order_id)
        if order.status is OrderStatus.PACKED and expected_version is not None and order.version > expected_version:
            session.rollback()
            return  # a repeated submit: already undone
        _check_version(order, expected_version)
        if order.status not in RECORDED_DELIVERY_STATUSES:
            raise ValidationError({"undo": "Nothing to undo: no delivery is recorded for this order."})
        if today is not None and order.delivery_date < today:
            raise ValidationError({"undo": f"The delivery day ({order.delivery_date:%A %-d %B}) has passed: "
                                           "ask the office to correct the order."})
        order.status = OrderStatus.PACKED
        order.amount_received_pence = None
        order.payment_method_received = None
        order.not_delivered_reason = None
        order.updated_at = utc_now()
        session.flush()
        _audit(session, user_id, "order.delivery_undone", order)


def cancel_order(
    session: Session,
    branch_id: int,
    order_id: int,
    reason: str,
    user_id: int | None,
    expected_version: int | None = None,
) -> None:
    """Cancel an order that has not been delivered; the reason is added to the order notes."""
    with _order_change(session):
        order = _order_in_branch(session, branch_id, order_id)
        reason = (reason or "").strip()
        if reason and order.status is OrderStatus.CANCELLED and (order.notes or "").endswith(f"Cancelled: {reason}"):
            session.rollback()
            return  # a repeated submit
        _check_version(order, expected_version)
        if not reason:
            raise ValidationError({"reason": "Say why the order is cancelled."})
        if len(reason) > REASON_MAX_LENGTH or "\x00" in reason:
            raise ValidationError({"reason": f"Keep the reason under {REASON_MAX_LENGTH} characters."})
        if order.status not in CANCELLABLE_STATUSES:
            raise ValidationError({"reason": f"This order is {STATUS_LABELS[order.status].lower()}; "
                                             "it can no longer be cancelled."})
        _mark_cancelled(order, reason)
        session.flush()
        _audit(session, user_id, "order.cancel", order, "fields=status,notes")  # ids and field names, never the reason


def _mark_cancelled(order: Order, reason: str) -> None:
    """The one way an order becomes cancelled: remember the status it had, add the reason to its notes."""
    order.cancelled_from_status = order.status.value
    order.status = OrderStatus.CANCELLED
    note = f"Cancelled: {reason}"
    order.notes = f"{order.notes}\n{note}".strip() if order.notes else note
    order.updated_at = utc_now()


ERASURE_CANCEL_REASON = "customer's details erased"


def cancel_open_orders_of_erased_customer(session: Session, customer_id: int, user_id: int | None,
                                          today: date) -> list[int]:
    """Cancel every order of the customer not yet delivered (any date), so no van goes to an erased address;
    also one recorded as not delivered today or later, which the team could still undo back onto the van.

    Part of the erasure's transaction (flushes, does not commit); delivered history, and not-delivered
    history of past days, stays. Returns the ids of the orders cancelled."""
    still_undoable = (Order.status == OrderStatus.NOT_DELIVERED) & (Order.delivery_date >= today)
    orders = session.scalars(
        select(Order).where(Order.customer_id == customer_id, Order.status.in_(CANCELLABLE_STATUSES) | still_undoable)
        .order_by(Order.id).execution_options(populate_existing=True)).all()
    for order in orders:
        _mark_cancelled(order, ERASURE_CANCEL_REASON)
    session.flush()
    for order in orders:
        # The reason is a fixed text, never personal: it goes into the audit detail.
        _audit(session, user_id, "order.cancel", order, f"fields=status,notes reason={ERASURE_CANCEL_REASON}")
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
        select(Order.id).where(Order.branch_id == order.branch_id, Order.delivery_date == order.delivery_date,
                               Order.status.in_(ROUND_OUT_STATUSES)).limit(1))
    if round_out is not None:
        return "The rounds for that day are already out."
    return ""


def undo_cancel(session: Session, branch_id: int, order_id: int, today: date, user_id: int | None,
                expected_version: int | None = None) -> None:
    """Bring a cancelled order back to the status it had, until the day's round is out."""
    with _order_change(session):
        order = _order_in_branch(session, branch_id, order_id)
        if order.status is not OrderStatus.CANCELLED and order.cancelled_from_status is None:
            session.rollback()
            return  # a repeated submit: already undone
        _check_version(order, expected_version)
        blocker = undo_blocker(session, order, today)
        if blocker:
            raise ValidationError({"undo": f"The cancellation cannot be undone: {blocker}"})
        order.status = OrderStatus(order.cancelled_from_status)
        order.cancelled_from_status = None
        order.notes = f"{order.notes}\nCancellation undone.".strip()
        order.updated_at = utc_now()
        session.flush()
        _audit(session, user_id, "order.uncancel", order, order.status.value)
