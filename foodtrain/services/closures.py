"""Days a branch does not work: Scottish public holidays and the branch's own closure days.

Neither is rostered nor planned unless the coordinator opens the day. A branch's override of a day (closed,
or open although it is a holiday) is one row of branch_day_overrides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from foodtrain.holidays import scottish_public_holidays
from foodtrain.models import BranchDayOverride, Order, OrderStatus
from foodtrain.models.rota import Rota, RotaAssignment, RotaSlot, RotaStatus
from foodtrain.services.audit import Actor, record_event
from foodtrain.services.errors import ValidationError

MAX_REASON_LENGTH = 200


@dataclass(frozen=True)
class DayStatus:
    """One holiday or overridden day of a branch, as the closures page lists it."""

    day: date
    holiday: str  # the public holiday's name, or ""
    reason: str  # the branch's note ("Christmas party", "opened: volunteers offered")
    is_open: bool  # rostered and planned as usual


def _overrides(session: Session, branch_id: int, start: date, end: date) -> dict[date, BranchDayOverride]:
    rows = session.scalars(
        select(BranchDayOverride).where(
            BranchDayOverride.branch_id == branch_id, BranchDayOverride.day >= start, BranchDayOverride.day <= end
        )
    )
    return {row.day: row for row in rows}


def day_statuses(session: Session, branch_id: int, start: date, end: date) -> list[DayStatus]:
    """Every public holiday and overridden day from start to end (inclusive), in date order."""
    holidays: dict[date, str] = {}
    for year in range(start.year, end.year + 1):
        holidays.update({day: name for day, name in scottish_public_holidays(year).items() if start <= day <= end})
    overrides = _overrides(session, branch_id, start, end)
    statuses = []
    for day in sorted(set(holidays) | set(overrides)):
        override = overrides.get(day)
        is_open = override.is_open if override is not None else False
        statuses.append(DayStatus(day, holidays.get(day, ""), override.reason if override else "", is_open))
    return statuses


def closed_days(session: Session, branch_id: int, start: date, end: date) -> dict[date, str]:
    """Days from start to end that are not rostered or planned: date -> why (holiday name or closure reason)."""
    return {
        status.day: status.holiday or status.reason or "Branch closed"
        for status in day_statuses(session, branch_id, start, end)
        if not status.is_open
    }


def closed_notice(reason: str) -> str:
    """What a shift on a day the branch does not work says instead of its team ("Branch closed: Christmas party")."""
    return f"Branch closed: {reason}"


def closed_reason(session: Session, branch_id: int, day: date) -> str | None:
    """Why the branch does not work on ``day``, or None when it works."""
    return closed_days(session, branch_id, day, day).get(day)


@dataclass(frozen=True)
class DayBookings:
    """What is already booked for a day the branch now closes: the coordinator moves the orders and tells the
    volunteers (the route plan of the day says it is out of date by itself)."""

    orders: int  # orders still to be delivered
    volunteers: int  # volunteers on the published rota that day


# The statuses of an order still to be delivered (planning.CLOSED_STATUSES are the others; planning imports
# this module, so the list is spelt out here from the enum).
_STILL_TO_DELIVER = tuple(
    status
    for status in OrderStatus
    if status not in (OrderStatus.CANCELLED, OrderStatus.DELIVERED, OrderStatus.NOT_DELIVERED)
)


def day_bookings(session: Session, branch_id: int, day: date) -> DayBookings:
    """Orders still to be delivered on ``day`` and volunteers on the branch's published rota that day."""
    orders = (
        session.scalar(
            select(func.count(Order.id)).where(
                Order.branch_id == branch_id, Order.delivery_date == day, Order.status.in_(_STILL_TO_DELIVER)
            )
        )
        or 0
    )
    volunteers = (
        session.scalar(
            select(func.count(func.distinct(RotaAssignment.volunteer_id)))
            .join(RotaSlot, RotaSlot.id == RotaAssignment.slot_id)
            .join(Rota, Rota.id == RotaSlot.rota_id)
            .where(Rota.branch_id == branch_id, Rota.status == RotaStatus.PUBLISHED, RotaSlot.date == day)
        )
        or 0
    )
    return DayBookings(orders, volunteers)


def set_day(
    session: Session, branch_id: int, day: date, *, is_open: bool | None, reason: str, actor: Actor
) -> DayBookings:
    """Close a day (is_open False), open it although it is a holiday (True), or go back to the usual (None).

    Returns what is booked for a day it closes (nothing for the other changes)."""
    reason = " ".join((reason or "").split())
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationError({"reason": f"Keep the reason under {MAX_REASON_LENGTH} characters."})
    if is_open is False and not reason and day not in scottish_public_holidays(day.year):
        raise ValidationError({"reason": "Say why the branch is closed that day (for example “Christmas party”)."})
    session.execute(
        delete(BranchDayOverride).where(BranchDayOverride.branch_id == branch_id, BranchDayOverride.day == day)
    )
    if is_open is not None:
        session.add(BranchDayOverride(branch_id=branch_id, day=day, is_open=is_open, reason=reason))
    action = {None: "branch_day.usual", True: "branch_day.open", False: "branch_day.close"}[is_open]
    record_event(
        session,
        actor=actor,
        action=action,
        entity_type="branch",
        entity_id=branch_id,
        branch_id=branch_id,
        detail=f"{day.isoformat()} {reason}".strip(),
    )
    session.commit()
    return day_bookings(session, branch_id, day) if is_open is False else DayBookings(0, 0)
