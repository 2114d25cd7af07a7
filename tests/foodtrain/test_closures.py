"""Public holidays and branch closure days are not rostered unless the coordinator opens them."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from foodtrain.models import AuditEvent
from foodtrain.services.audit import Actor
from foodtrain.services.closures import closed_days, closed_reason, day_statuses, set_day
from foodtrain.services.errors import ValidationError
from foodtrain.services.rota_problem import slots_for_month
from tests.factories import make_branch, make_customer, make_shop, make_van

DECEMBER = date(2026, 12, 1)


def _branch(session):
    branch = make_branch(session)
    shop = make_shop(session, branch)
    make_van(session, branch)
    make_customer(session, branch, shop, delivery_weekday=4, frequency_anchor_date=date(2026, 12, 4))  # Fridays
    session.commit()
    return branch


def _slot_days(session, branch) -> set[date]:
    return {spec.date for spec in slots_for_month(session, branch.id, DECEMBER)}


def test_holidays_are_closed_and_a_coordinator_can_open_one(session) -> None:
    """Christmas Day has no slots until opened; opening it brings back its van, shop and office slots."""
    branch = _branch(session)
    assert closed_reason(session, branch.id, date(2026, 12, 25)) == "Christmas Day"
    assert date(2026, 12, 25) not in _slot_days(session, branch)
    set_day(
        session,
        branch.id,
        date(2026, 12, 25),
        is_open=True,
        reason="Volunteers offered",
        actor=Actor(None, "coordinator"),
    )
    assert closed_reason(session, branch.id, date(2026, 12, 25)) is None
    assert date(2026, 12, 25) in _slot_days(session, branch)
    assert session.scalar(select(AuditEvent.action).where(AuditEvent.action.like("branch_day.%"))) == "branch_day.open"


def test_branch_closure_day_is_not_rostered(session) -> None:
    """A branch's own closure (with its reason) removes the day; going back to usual restores it."""
    branch = _branch(session)
    other = make_branch(session)
    session.commit()
    set_day(
        session,
        branch.id,
        date(2026, 12, 18),
        is_open=False,
        reason="Christmas party",
        actor=Actor(None, "coordinator"),
    )
    assert closed_days(session, branch.id, date(2026, 12, 18), date(2026, 12, 18)) == {
        date(2026, 12, 18): "Christmas party"
    }
    assert date(2026, 12, 18) not in _slot_days(session, branch)
    assert closed_reason(session, other.id, date(2026, 12, 18)) is None  # each branch its own
    set_day(session, branch.id, date(2026, 12, 18), is_open=None, reason="", actor=Actor(None, "coordinator"))
    assert date(2026, 12, 18) in _slot_days(session, branch)
    statuses = day_statuses(session, branch.id, date(2026, 12, 1), date(2026, 12, 31))
    assert [(s.day.day, s.holiday, s.is_open) for s in statuses] == [
        (25, "Christmas Day", False),
        (28, "Boxing Day (substitute day)", False),
    ]


def test_a_closure_needs_a_reason(session) -> None:
    """Closing an ordinary day without saying why is refused with a message, nothing stored."""
    branch = _branch(session)
    with pytest.raises(ValidationError) as caught:
        set_day(session, branch.id, date(2026, 12, 18), is_open=False, reason=" ", actor=Actor(None, "x"))
    assert "why" in caught.value.field_errors["reason"]
    assert closed_reason(session, branch.id, date(2026, 12, 18)) is None


def test_closing_a_booked_day_counts_its_open_orders_and_rostered_volunteers(session) -> None:
    """set_day(close) says what is already booked for the day: orders still to deliver (not cancelled or
    delivered ones) and the volunteers on the published rota (not a draft's); other changes say nothing."""
    from foodtrain.models import OrderStatus
    from foodtrain.models.rota import PartOfDay, Rota, RotaAssignment, RotaRole, RotaSlot, RotaStatus, SlotKind
    from foodtrain.services.closures import DayBookings
    from tests.factories import make_order, make_volunteer

    branch = _branch(session)
    van = make_van(session, branch)
    friday = date(2026, 12, 11)
    customers = [make_customer(session, branch) for _ in range(3)]
    make_order(session, customers[0], delivery_date=friday)
    make_order(session, customers[1], delivery_date=friday, status=OrderStatus.CANCELLED)
    make_order(session, customers[2], delivery_date=date(2026, 12, 18))
    driver, mate, drafted = (make_volunteer(session, branch) for _ in range(3))
    for status, people in ((RotaStatus.PUBLISHED, (driver, mate)), (RotaStatus.DRAFT, (drafted,))):
        rota = Rota(
            branch_id=branch.id,
            month=DECEMBER,
            status=status,
            published_month=DECEMBER if status is RotaStatus.PUBLISHED else None,
        )
        slot = RotaSlot(
            key=f"van-{status.value}",
            date=friday,
            part_of_day=PartOfDay.WHOLE_DAY,
            kind=SlotKind.DELIVERY,
            van_id=van.id,
            resource="Van",
            seats=2,
        )
        slot.assignments = [RotaAssignment(role=RotaRole.DRIVER, volunteer_id=person.id) for person in people]
        rota.slots = [slot]
        session.add(rota)
    session.commit()
    assert set_day(session, branch.id, friday, is_open=False, reason="Storm warning", actor=Actor(None)) == DayBookings(
        orders=1, volunteers=2
    )
    assert set_day(session, branch.id, friday, is_open=None, reason="", actor=Actor(None)) == DayBookings(0, 0)


def test_a_day_closed_after_publishing_shows_its_shifts_cancelled(session) -> None:
    """Closing a day after the rota is published does not lose the volunteer's shift: their rota says
    "Branch closed: <reason>", their .ics keeps the event as STATUS:CANCELLED, the coordinator's calendar marks
    the day closed; the other days stay as they were."""
    from foodtrain.models.rota import PartOfDay, Rota, RotaAssignment, RotaRole, RotaSlot, RotaStatus, SlotKind
    from foodtrain.services.rota import get_rota, volunteer_rota
    from foodtrain.services.volunteer_calendar import volunteer_calendar
    from tests.factories import make_volunteer

    branch = _branch(session)
    van = make_van(session, branch)
    driver = make_volunteer(session, branch)
    rota = Rota(branch_id=branch.id, month=DECEMBER, status=RotaStatus.PUBLISHED, published_month=DECEMBER)
    rota.slots = [
        RotaSlot(
            key=f"van-{day}",
            date=date(2026, 12, day),
            part_of_day=PartOfDay.WHOLE_DAY,
            kind=SlotKind.DELIVERY,
            van_id=van.id,
            resource="Van",
            seats=2,
            assignments=[RotaAssignment(role=RotaRole.DRIVER, volunteer_id=driver.id)],
        )
        for day in (11, 18)
    ]
    session.add(rota)
    session.commit()
    set_day(session, branch.id, date(2026, 12, 11), is_open=False, reason="Storm warning", actor=Actor(None))

    shifts = volunteer_rota(session, branch.id, driver.id, DECEMBER, 31).shifts
    assert [(shift.date.day, shift.cancelled_notice) for shift in shifts] == [
        (11, "Branch closed: Storm warning"),
        (18, ""),
    ]
    ics = volunteer_calendar(session, branch.id, driver.id, DECEMBER, 31).text.replace("\r\n ", "")
    events = ics.split("BEGIN:VEVENT")[1:]
    assert len(events) == 2
    assert "STATUS:CANCELLED" in events[0] and "Branch closed: Storm warning" in events[0]
    assert "STATUS:CANCELLED" not in events[1]
    days = {day.date.day: day.closed_notice for day in get_rota(session, branch.id, rota.id).days}
    assert days == {11: "Branch closed: Storm warning", 18: ""}
