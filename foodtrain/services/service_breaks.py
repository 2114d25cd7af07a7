"""Vans out of service and shops closed, for a period or until further notice.

A van out of service on a day gets no rota slot and no round (:func:`vans_out_of_service`, read by the
rota's slots and the planner's one rule for which vans go out, planning.reading.day_staffing). A shop closed on
a day takes no new order (orders.rules.check_day_takes_orders), gets no shopper on the rota and no pickup in the
plan (:func:`shops_closed`). Taking a van out or closing a shop says what is already booked on those dates, as
closing a day does (closures.day_bookings): the published rounds and rostered teams of the van, the orders of
the shop for the office to move.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from foodtrain.models import (
    Customer,
    Order,
    OrderStatus,
    RoutePlan,
    RoutePlanStatus,
    Shop,
    ShopClosure,
    Van,
    VanServiceBreak,
)
from foodtrain.models.routes import RouteRound
from foodtrain.models.rota import Rota, RotaAssignment, RotaSlot, RotaStatus
from foodtrain.services.audit import Actor, record_event
from foodtrain.services.errors import NotFoundError, ValidationError
from foodtrain.services.people import get_in_branch
from foodtrain.wording import plain_date

__all__ = [
    "MAX_REASON_LENGTH",
    "BreakPeriod",
    "VanBookings",
    "OrderToMove",
    "VanRow",
    "ShopRow",
    "vans_out_of_service",
    "shops_closed",
    "shop_closed_reason",
    "shops_closed_until_further_notice",
    "van_days_out",
    "shop_days_closed",
    "take_van_out",
    "put_van_back",
    "close_shop",
    "reopen_shop",
    "shop_orders_to_move",
    "vans_and_shops",
    "closed_shop_orders",
    "van_name",
]

MAX_REASON_LENGTH = 200
# How far ahead an open-ended period is searched for booked work (a month-ahead rota, plans days ahead).
LOOK_AHEAD_DAYS = 400

Period = TypeVar("Period", VanServiceBreak, ShopClosure)


@dataclass(frozen=True)
class BreakPeriod:
    """One period a van is out of service or a shop closed (``end_date`` None: until further notice)."""

    id: int
    start_date: date
    end_date: date | None
    reason: str

    @property
    def text(self) -> str:
        until = f" to {plain_date(self.end_date)}" if self.end_date else " until further notice"
        return f"from {plain_date(self.start_date)}{until}" + (f" ({self.reason})" if self.reason else "")


@dataclass(frozen=True)
class VanBookings:
    """What is already booked for a van on the dates it goes out of service: the coordinator re-plans the
    rounds and tells the teams (each plan says by itself it is out of date)."""

    round_dates: tuple[date, ...]  # published route plans with a round on the van
    rostered_dates: tuple[date, ...]  # days a team is seated in the van on a published rota
    rota_ids: tuple[int, ...]  # those rotas, to link


@dataclass(frozen=True)
class OrderToMove:
    """An order still to be delivered from a shop on a day the shop is closed: the office moves it."""

    order_id: int
    delivery_date: date
    customer_name: str


@dataclass(frozen=True)
class VanRow:
    id: int
    name: str
    periods: tuple[BreakPeriod, ...]


@dataclass(frozen=True)
class ShopRow:
    id: int
    name: str
    periods: tuple[BreakPeriod, ...]
    orders_to_move: int


def _covers(model: type[Period], day: date) -> ColumnElement[bool]:
    return and_(model.start_date <= day, or_(model.end_date.is_(None), model.end_date >= day))


def _overlaps(model: type[Period], start: date, end: date | None) -> ColumnElement[bool]:
    return and_(or_(model.end_date.is_(None), model.end_date >= start), model.start_date <= (end or date.max))


def vans_out_of_service(session: Session, branch_id: int, day: date) -> dict[int, str]:
    """The branch's vans out of service on ``day``: van id -> why, in words ("out of service (MOT)")."""
    rows = session.execute(
        select(VanServiceBreak.van_id, VanServiceBreak.reason)
        .join(Van, Van.id == VanServiceBreak.van_id)
        .where(Van.branch_id == branch_id, _covers(VanServiceBreak, day))
    ).all()
    return {van_id: f"out of service ({reason})" if reason else "out of service" for van_id, reason in rows}


def shops_closed(session: Session, branch_id: int, day: date) -> dict[int, str]:
    """The branch's shops closed on ``day`` (a closure, or no longer active): shop id -> why."""
    rows = session.execute(
        select(Shop.id, Shop.active, ShopClosure.reason)
        .outerjoin(ShopClosure, and_(ShopClosure.shop_id == Shop.id, _covers(ShopClosure, day)))
        .where(Shop.branch_id == branch_id, or_(Shop.active.is_(False), ShopClosure.id.is_not(None)))
    ).all()
    return {shop_id: (reason or "closed") if active else "no longer a partner shop" for shop_id, active, reason in rows}


def shop_closed_reason(session: Session, branch_id: int, shop_id: int, day: date) -> str | None:
    """Why the shop takes no order for ``day``, or None when it is open."""
    return shops_closed(session, branch_id, day).get(shop_id)


def shops_closed_until_further_notice(session: Session, branch_id: int) -> dict[int, str]:
    """The branch's shops closed with no last day (from any first day): shop id -> why.

    They are not offered as a customer's shop any more (customers.branch_shops, check_customer_details); a shop
    closed for a period with a last day is, as it opens again."""
    rows = session.execute(
        select(ShopClosure.shop_id, ShopClosure.reason)
        .join(Shop, Shop.id == ShopClosure.shop_id)
        .where(Shop.branch_id == branch_id, ShopClosure.end_date.is_(None))
    ).all()
    return {shop_id: reason or "closed" for shop_id, reason in rows}


def _days_covered(
    session: Session,
    model: type[Period],
    column: str,
    branch_id: int,
    parent: type[Van] | type[Shop],
    start: date,
    end: date,
) -> dict[int, set[date]]:
    rows = session.execute(
        select(getattr(model, column), model.start_date, model.end_date)
        .join(parent, parent.id == getattr(model, column))
        .where(parent.branch_id == branch_id, _overlaps(model, start, end))
    ).all()
    days: dict[int, set[date]] = {}
    for owner_id, first, last in rows:
        first, last = max(first, start), min(last or end, end)
        days.setdefault(owner_id, set()).update(first + timedelta(days=n) for n in range((last - first).days + 1))
    return days


def van_days_out(session: Session, branch_id: int, start: date, end: date) -> dict[int, set[date]]:
    """For the rota: the days from ``start`` to ``end`` each van of the branch is out of service."""
    return _days_covered(session, VanServiceBreak, "van_id", branch_id, Van, start, end)


def shop_days_closed(session: Session, branch_id: int, start: date, end: date) -> dict[int, set[date]]:
    """For the rota: the days from ``start`` to ``end`` each shop of the branch is closed."""
    return _days_covered(session, ShopClosure, "shop_id", branch_id, Shop, start, end)


def _check_period(start: date, end: date | None, reason: str, today: date) -> str:
    reason = " ".join((reason or "").split())
    errors = {}
    if start < today:
        errors["start_date"] = f"{plain_date(start)} has passed: start today or later."
    if end is not None and end < start:
        errors["end_date"] = "The last day is before the first: check the dates."
    if end is not None and (end - start).days > LOOK_AHEAD_DAYS * 3:
        errors["end_date"] = "That is more than three years: leave the last day empty for “until further notice”."
    if not reason:
        errors["reason"] = "Say why (for example “MOT and repairs”)."
    elif len(reason) > MAX_REASON_LENGTH or "\x00" in reason:
        errors["reason"] = f"Keep the reason under {MAX_REASON_LENGTH} characters."
    if errors:
        raise ValidationError(errors)
    return reason


def _periods(session: Session, model: type[Period], column: str, owner_id: int, today: date) -> tuple[BreakPeriod, ...]:
    rows = session.scalars(
        select(model)
        .where(getattr(model, column) == owner_id, or_(model.end_date.is_(None), model.end_date >= today))
        .order_by(model.start_date)
    ).all()
    return tuple(BreakPeriod(row.id, row.start_date, row.end_date, row.reason) for row in rows)


def _check_no_overlap(
    session: Session, model: type[Period], column: str, owner_id: int, start: date, end: date | None, what: str
) -> None:
    clash = session.scalar(
        select(model)
        .where(getattr(model, column) == owner_id, _overlaps(model, start, end))
        .order_by(model.start_date)
        .limit(1)
    )
    if clash is not None:
        period = BreakPeriod(clash.id, clash.start_date, clash.end_date, clash.reason)
        raise ValidationError({"start_date": f"It is already {what} {period.text}: change that period first."})


def van_name(session: Session, branch_id: int, van_id: int) -> str:
    """The van's name, or NotFoundError when it is not one of the branch's vans."""
    return get_in_branch(session, Van, van_id, branch_id).name


def van_bookings(session: Session, branch_id: int, van_id: int, start: date, end: date | None) -> VanBookings:
    """Published rounds and rostered teams of the van from ``start`` to ``end`` (open: the year ahead)."""
    last = end or start + timedelta(days=LOOK_AHEAD_DAYS)
    round_dates = session.scalars(
        select(RoutePlan.delivery_date)
        .join(RouteRound, RouteRound.plan_id == RoutePlan.id)
        .where(
            RoutePlan.branch_id == branch_id,
            RoutePlan.status == RoutePlanStatus.PUBLISHED,
            RouteRound.van_id == van_id,
            RoutePlan.delivery_date.between(start, last),
        )
        .distinct()
        .order_by(RoutePlan.delivery_date)
    ).all()
    rostered = session.execute(
        select(RotaSlot.date, Rota.id)
        .join(Rota, Rota.id == RotaSlot.rota_id)
        .join(RotaAssignment, RotaAssignment.slot_id == RotaSlot.id)
        .where(
            Rota.branch_id == branch_id,
            Rota.status == RotaStatus.PUBLISHED,
            RotaSlot.van_id == van_id,
            RotaSlot.date.between(start, last),
        )
        .distinct()
        .order_by(RotaSlot.date)
    ).all()
    return VanBookings(
        tuple(round_dates),
        tuple(sorted({day for day, _ in rostered})),
        tuple(sorted({rota_id for _, rota_id in rostered})),
    )


def take_van_out(
    session: Session, branch_id: int, van_id: int, start: date, end: date | None, reason: str, actor: Actor, today: date
) -> VanBookings:
    """Record the van out of service from ``start`` to ``end`` (None: until further notice).

    Returns what is already booked for it on those dates (published rounds, rostered teams)."""
    van = get_in_branch(session, Van, van_id, branch_id)
    reason = _check_period(start, end, reason, today)
    _check_no_overlap(session, VanServiceBreak, "van_id", van.id, start, end, "out of service")
    session.add(VanServiceBreak(van_id=van.id, start_date=start, end_date=end, reason=reason))
    record_event(
        session,
        actor=actor,
        action="van.out_of_service",
        entity_type="van",
        entity_id=van.id,
        branch_id=branch_id,
        detail=f"{start.isoformat()}..{end.isoformat() if end else ''} {reason}",
    )
    session.commit()
    return van_bookings(session, branch_id, van.id, start, end)


def _end_period(session: Session, model: type[Period], period: Period, today: date) -> None:
    """From today on the period no longer holds: one not started yet is removed, one running ends yesterday."""
    if period.end_date is not None and period.end_date < today:
        raise ValidationError({"period": "That period is already over."})
    if period.start_date >= today:
        session.delete(period)
    else:
        period.end_date = today - timedelta(days=1)


def _period_of(session: Session, model: type[Period], column: str, owner_id: int, period_id: int) -> Period:
    period = session.get(model, period_id) if isinstance(period_id, int) and 0 < period_id < 2**31 else None
    if period is None or getattr(period, column) != owner_id:
        raise NotFoundError(f"No such period {period_id!r}.")
    return period


def put_van_back(session: Session, branch_id: int, van_id: int, break_id: int, actor: Actor, today: date) -> None:
    """The van is back in service from today (a period not started yet is removed)."""
    van = get_in_branch(session, Van, van_id, branch_id)
    period = _period_of(session, VanServiceBreak, "van_id", van.id, break_id)
    _end_period(session, VanServiceBreak, period, today)
    record_event(
        session,
        actor=actor,
        action="van.back_in_service",
        entity_type="van",
        entity_id=van.id,
        branch_id=branch_id,
        detail=today.isoformat(),
    )
    session.commit()


def shop_orders_to_move(
    session: Session, branch_id: int, shop_id: int, start: date, end: date | None
) -> list[OrderToMove]:
    """The shop's orders still to be delivered from ``start`` to ``end`` (open: all later ones)."""
    rows = session.execute(
        select(Order.id, Order.delivery_date, Customer.first_name, Customer.last_name)
        .join(Customer, Customer.id == Order.customer_id)
        .where(
            Order.branch_id == branch_id,
            Order.shop_id == shop_id,
            Order.delivery_date >= start,
            Order.delivery_date <= (end or date.max),
            Order.status.in_((OrderStatus.RECEIVED, OrderStatus.SENT_TO_SHOP, OrderStatus.PACKED)),
        )
        .order_by(Order.delivery_date, Order.id)
    ).all()
    return [OrderToMove(order_id, day, f"{first} {last}") for order_id, day, first, last in rows]


def close_shop(
    session: Session,
    branch_id: int,
    shop_id: int,
    start: date,
    end: date | None,
    reason: str,
    actor: Actor,
    today: date,
) -> list[OrderToMove]:
    """Record the shop closed from ``start`` to ``end`` (None: for good, no longer a partner).

    Returns its orders on those dates still to be delivered, for the office to move."""
    shop = get_in_branch(session, Shop, shop_id, branch_id)
    reason = _check_period(start, end, reason, today)
    _check_no_overlap(session, ShopClosure, "shop_id", shop.id, start, end, "closed")
    session.add(ShopClosure(shop_id=shop.id, start_date=start, end_date=end, reason=reason))
    record_event(
        session,
        actor=actor,
        action="shop.close",
        entity_type="shop",
        entity_id=shop.id,
        branch_id=branch_id,
        detail=f"{start.isoformat()}..{end.isoformat() if end else ''} {reason}",
    )
    session.commit()
    return shop_orders_to_move(session, branch_id, shop.id, start, end)


def reopen_shop(session: Session, branch_id: int, shop_id: int, closure_id: int, actor: Actor, today: date) -> None:
    """The shop is open again from today (a closure not started yet is removed)."""
    shop = get_in_branch(session, Shop, shop_id, branch_id)
    period = _period_of(session, ShopClosure, "shop_id", shop.id, closure_id)
    _end_period(session, ShopClosure, period, today)
    record_event(
        session,
        actor=actor,
        action="shop.reopen",
        entity_type="shop",
        entity_id=shop.id,
        branch_id=branch_id,
        detail=today.isoformat(),
    )
    session.commit()


def _shop_row(session: Session, branch_id: int, shop: Shop, today: date) -> tuple[ShopRow, list[OrderToMove]]:
    periods = _periods(session, ShopClosure, "shop_id", shop.id, today)
    orders = [
        order
        for period in periods
        for order in shop_orders_to_move(session, branch_id, shop.id, max(period.start_date, today), period.end_date)
    ]
    return ShopRow(shop.id, shop.name, periods, len(orders)), orders


def closed_shop_orders(
    session: Session, branch_id: int, shop_id: int, today: date
) -> tuple[ShopRow, list[OrderToMove]]:
    """The shop with its closures, and its orders still to be delivered on the days it is closed, today on."""
    shop = get_in_branch(session, Shop, shop_id, branch_id)
    return _shop_row(session, branch_id, shop, today)


def vans_and_shops(session: Session, branch_id: int, today: date) -> tuple[list[VanRow], list[ShopRow]]:
    """The branch's active vans and shops with their periods out of service or closed, now and ahead."""
    vans = session.scalars(select(Van).where(Van.branch_id == branch_id, Van.active.is_(True)).order_by(Van.name)).all()
    shops = session.scalars(
        select(Shop).where(Shop.branch_id == branch_id, Shop.active.is_(True)).order_by(Shop.name)
    ).all()
    van_rows = [VanRow(van.id, van.name, _periods(session, VanServiceBreak, "van_id", van.id, today)) for van in vans]
    return van_rows, [_shop_row(session, branch_id, shop, today)[0] for shop in shops]
