"""Taking an order: the order form's context (usual items, the customer's needs) and saving the lines.

Every function takes a session and plain values, scopes every query to one branch through
`in_branch`/`get_in_branch`, owns its transaction and returns ids or plain dataclasses.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import and_, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from foodtrain.models import (
    LIST_METHOD_LABELS,
    SUPPORT_NEED_LABELS,
    Customer,
    Order,
    OrderLine,
    OrderStatus,
)
from foodtrain.models._types import utc_now
from foodtrain.services.audit import Actor
from foodtrain.services.closures import closed_reason
from foodtrain.services.service_breaks import shop_closed_reason
from foodtrain.services.errors import NotFoundError, ValidationError
from foodtrain.services.people import get_in_branch, in_branch
from foodtrain.services.orders.rules import (
    EDITABLE_STATUSES,
    STATUS_LABELS,
    StaleOrderError,
    charge_for_order_on,
    check_day_takes_orders,
    check_id,
    check_member_on,
    check_order_version,
    commit_order_change,
    customer_due,
    order_in_branch,
    record_order_event,
)

__all__ = [
    "ITEM_MAX_LENGTH",
    "LINE_NOTES_MAX_LENGTH",
    "ORDER_NOTES_MAX_LENGTH",
    "MAX_QUANTITY",
    "OrderLineInput",
    "OrderEntryContext",
    "OrderSnapshot",
    "usual_items",
    "order_id_for_day",
    "order_entry_context",
    "order_edit_context",
    "save_order",
    "get_order",
]


ITEM_MAX_LENGTH = 200
LINE_NOTES_MAX_LENGTH = 300
ORDER_NOTES_MAX_LENGTH = 2000
MAX_QUANTITY = 999


@dataclass(frozen=True)
class OrderLineInput:
    """One line as typed: the item, how many, notes (brand, size) and whether a substitute is fine."""

    item: str
    quantity: int = 1
    notes: str = ""
    substitute_allowed: bool = True


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
    closed_reason: str | None = None  # the branch closed the day: said before the order is typed, not after
    shop_closed_reason: str | None = None  # the customer's shop closed that day: said before typing too


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
        cleaned.append(
            OrderLineInput(item=item, quantity=quantity, notes=notes, substitute_allowed=bool(line.substitute_allowed))
        )
    if errors:
        raise ValidationError(errors)
    if not cleaned:
        raise ValidationError({"lines": "Enter at least one item."})
    return cleaned


def _line_key(line: OrderLineInput) -> tuple[str, int, str, bool]:
    return (line.item, line.quantity, line.notes, line.substitute_allowed)


def _same_content(order: Order, lines: list[OrderLineInput], notes: str) -> bool:
    current = [
        _line_key(OrderLineInput(row.item, row.quantity, row.notes, row.substitute_allowed)) for row in order.lines
    ]
    return current == [_line_key(line) for line in lines] and (order.notes or "") == notes


def usual_items(session: Session, branch_id: int, customer_id: int, limit: int = 20, last_orders: int = 8) -> list[str]:
    """The customer's most frequent items over their last `last_orders` orders, most frequent first.

    Items are matched ignoring case and spacing; the most recent spelling is shown.
    Ties go to the item ordered most recently.
    """
    check_id(customer_id, "customer")
    get_in_branch(session, Customer, customer_id, branch_id)
    return _usual_items_of(session, branch_id, customer_id, limit, last_orders)


def _usual_items_of(
    session: Session, branch_id: int, customer_id: int, limit: int = 20, last_orders: int = 8
) -> list[str]:
    """usual_items for a customer already found in the branch: one statement (the last orders are a subquery)."""
    last_order_ids = (
        in_branch(select(Order.id), Order, branch_id)
        .where(Order.customer_id == customer_id, Order.status != OrderStatus.CANCELLED)
        .order_by(Order.delivery_date.desc())
        .limit(last_orders)
    ).scalar_subquery()
    rows = session.execute(
        select(OrderLine.item, Order.delivery_date)
        .join(Order, OrderLine.order_id == Order.id)
        .where(OrderLine.order_id.in_(last_order_ids))
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
    return [spelling[key] for key in ranked[: max(limit, 0)]]


def order_id_for_day(session: Session, branch_id: int, customer_id: int, delivery_date: date) -> int | None:
    """The customer's order for the date, if one is in (one order per customer per date)."""
    check_id(customer_id, "customer")
    return session.scalar(
        in_branch(select(Order.id), Order, branch_id).where(
            Order.customer_id == customer_id, Order.delivery_date == delivery_date
        )
    )


#: order_entry_context's ``existing_order_id`` when the caller has not looked the order up yet.
NOT_LOOKED_UP = -1


def order_entry_context(
    session: Session,
    branch_id: int,
    customer_id: int,
    delivery_date: date,
    usual_limit: int = 20,
    existing_order_id: int | None = NOT_LOOKED_UP,
) -> OrderEntryContext:
    """The customer, whether they are due that day, their existing order (if any) and their usual items.

    ``existing_order_id``: the customer's order that day as the caller has just looked it up (None: none),
    so it is not asked for twice in one request.
    """
    check_id(customer_id, "customer")
    # The customer with their shop and support needs: one statement each, not one per attribute touched.
    customer = session.scalar(
        in_branch(select(Customer), Customer, branch_id)
        .where(Customer.id == customer_id)
        .options(joinedload(Customer.shop), selectinload(Customer.support_needs))
    )
    if customer is None:
        raise NotFoundError(f"No customer {customer_id} in this branch.")
    existing = (
        order_id_for_day(session, branch_id, customer_id, delivery_date)
        if existing_order_id == NOT_LOOKED_UP
        else existing_order_id
    )
    shop = customer.shop
    return OrderEntryContext(
        customer_id=customer.id,
        customer_name=customer.full_name,
        phone=customer.phone,
        list_method=LIST_METHOD_LABELS[customer.list_method],
        shop_name=shop.name if shop else "",
        delivery_date=delivery_date,
        is_due=customer_due(customer, delivery_date),
        customer_status=customer.status.value,
        existing_order_id=existing,
        usual_items=_usual_items_of(session, branch_id, customer_id, usual_limit),
        # e.g. memory problems or help writing the list: how to take this order on the phone.
        support_needs=[SUPPORT_NEED_LABELS[row.need] for row in customer.support_needs],
        closed_reason=closed_reason(session, branch_id, delivery_date),
        shop_closed_reason=shop_closed_reason(session, branch_id, customer.shop_id, delivery_date),
    )


def order_edit_context(session: Session, branch_id: int, order_id: int, usual_limit: int = 20) -> OrderEntryContext:
    """The entry context of an existing order, with the order's lines and version for the edit form."""
    order = get_order(session, branch_id, order_id)
    context = order_entry_context(
        session, branch_id, order.customer_id, order.delivery_date, usual_limit, existing_order_id=order.id
    )
    snapshot = OrderSnapshot(
        order_id=order.id,
        version=order.version,
        status=order.status,
        notes=order.notes or "",
        lines=[
            OrderLineInput(
                item=line.item, quantity=line.quantity, notes=line.notes, substitute_allowed=line.substitute_allowed
            )
            for line in order.lines
        ],
    )
    return replace(context, existing_order=snapshot)


def save_order(
    session: Session,
    branch_id: int,
    customer_id: int,
    delivery_date: date,
    lines: list[OrderLineInput],
    notes: str,
    actor: Actor,
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
            return _save_order(
                session, branch_id, customer_id, delivery_date, lines, notes, actor, expected_version, order_id
            )
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


def _save_order(
    session: Session,
    branch_id: int,
    customer_id: int,
    delivery_date: date,
    lines: list[OrderLineInput],
    notes: str,
    actor: Actor,
    expected_version: int | None,
    order_id: int | None,
) -> int:
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
        # The order with its customer and its lines (the same-content check reads them): two statements.
        order: Order | None = order_in_branch(
            session, branch_id, order_id, joinedload(Order.customer), selectinload(Order.lines)
        )
        assert order is not None
        customer = order.customer
        if customer.branch_id != branch_id:  # never so (an order is taken for a customer of its branch)
            raise NotFoundError(f"No customer {customer.id} in this branch.")
        delivery_date = order.delivery_date
    else:
        # The customer (in this branch) and their order that day, if one is in: one statement.
        check_id(customer_id, "customer")
        found = session.execute(
            in_branch(select(Customer, Order), Customer, branch_id)
            .where(Customer.id == customer_id)
            .outerjoin(
                Order,
                and_(
                    Order.customer_id == Customer.id, Order.delivery_date == delivery_date, Order.branch_id == branch_id
                ),
            )
        ).first()
        if found is None:
            raise NotFoundError(f"No customer {customer_id} in this branch.")
        customer, order = found
    check_member_on(customer, delivery_date)

    if order is None:
        check_day_takes_orders(session, branch_id, delivery_date, customer.shop_id)
        charge = charge_for_order_on(session, branch_id, delivery_date)
        order = Order(
            branch_id=branch_id,
            customer_id=customer.id,
            shop_id=customer.shop_id,
            delivery_date=delivery_date,
            delivery_charge_pence=charge,
            notes=notes,
            created_by_user_id=actor.user_id,
            status=OrderStatus.RECEIVED,
        )
        session.add(order)
        session.flush()
        _insert_lines(session, order.id, cleaned)
        record_order_event(session, actor, "order.create", order, f"lines={len(cleaned)}")
        created_id = order.id  # read before the commit, which expires the order (reading it after reloads it)
        commit_order_change(session)
        return created_id

    if order.status is not OrderStatus.CANCELLED and _same_content(order, cleaned, notes):
        # The same form sent twice (a double click, even on an edit form whose version has moved on
        # because of the first click): nothing to change, nothing overwritten.
        same_order_id = order.id
        session.rollback()
        return same_order_id
    check_order_version(order, expected_version)
    if order.status not in EDITABLE_STATUSES and order.status is not OrderStatus.CANCELLED:
        raise ValidationError(
            {"lines": f"This order is already {STATUS_LABELS[order.status].lower()}; it can no longer be changed."}
        )
    action = "order.update"
    if order.status is OrderStatus.CANCELLED:
        # Taking a new order for a date whose order was cancelled brings it back.
        order.status = OrderStatus.RECEIVED
        order.cancelled_from_status = None
        order.shop_id = customer.shop_id
        order.delivery_charge_pence = charge_for_order_on(session, branch_id, delivery_date)
        action = "order.reopen"
    # Change the order row first: its versioned UPDATE locks it, so a concurrent editor of the same
    # version waits here and then fails the version check instead of racing on the lines.
    order.notes = notes
    order.updated_at = utc_now()
    session.flush()
    order.lines.clear()
    session.flush()
    _insert_lines(session, order.id, cleaned)
    record_order_event(session, actor, action, order, f"lines={len(cleaned)}")
    changed_id = order.id  # before the commit expires it
    commit_order_change(session)
    return changed_id


def _insert_lines(session: Session, order_id: int, lines: list[OrderLineInput]) -> None:
    """Write an order's lines in one statement however many there are. (The ORM inserts them one by one on
    SQLite, where it cannot match each new line's id to its row in a batch; no caller needs those ids.)
    Reading ``order.lines`` afterwards in the same transaction needs a refresh; callers commit first."""
    session.execute(
        insert(OrderLine),
        [
            {
                "order_id": order_id,
                "position": position,
                "item": line.item,
                "quantity": line.quantity,
                "notes": line.notes,
                "substitute_allowed": line.substitute_allowed,
            }
            for position, line in enumerate(lines, start=1)
        ],
    )


def get_order(session: Session, branch_id: int, order_id: int) -> Order:
    """The order with its lines, customer and shop loaded, or NotFoundError (also for another branch's order)."""
    check_id(order_id, "order")
    order = session.scalar(
        in_branch(select(Order), Order, branch_id)
        .where(Order.id == order_id)
        .options(selectinload(Order.lines), joinedload(Order.customer), joinedload(Order.shop))
    )
    if order is None:
        raise NotFoundError(f"No order {order_id} in this branch.")
    return order
