"""The rota's staffing summary counts only shifts that are worked: not those of a day closed, or of a van out of
service or a shop closed, after the rota was made (they are off, not empty)."""

from __future__ import annotations

from datetime import date, timedelta

from foodtrain.services import rota as rota_service
from foodtrain.services.audit import Actor
from foodtrain.services.closures import set_day
from foodtrain.services.service_breaks import take_van_out
from tests.factories import make_branch, make_van
from tests.foodtrain.test_rota_service import DAY, _delivery, _rota

ACTOR = Actor(user_id=None, username="coordinator")


def test_seats_of_a_closed_day_or_a_van_out_of_service_are_not_counted_empty(session) -> None:
    """Three empty delivery slots (six seats); the branch closes one day and one van goes in the garage on
    another: two seats empty are left, the page marks the others off and publishing does not warn of them."""
    branch = make_branch(session)
    van_a, van_b = make_van(session, branch, name="Van A"), make_van(session, branch, name="Van B")
    rota = _rota(session, branch)
    _delivery(session, rota, van_a, day=DAY)
    _delivery(session, rota, van_b, day=DAY + timedelta(days=7))
    _delivery(session, rota, van_a, day=DAY + timedelta(days=14))
    session.commit()
    before = rota_service.get_rota(session, branch.id, rota.id)
    assert before.staffing.empty_seats == 6 and len(before.unfilled_slots) == 3 and before.seat_count == 6

    set_day(session, branch.id, DAY, is_open=False, reason="Storm", actor=ACTOR)
    take_van_out(
        session, branch.id, van_b.id, DAY + timedelta(days=7), DAY + timedelta(days=7), "MOT", ACTOR, date(2026, 11, 30)
    )
    view = rota_service.get_rota(session, branch.id, rota.id)
    assert view.staffing.empty_seats == 2 and view.staffing.sentence.startswith(f"{branch.name}: 2 seats empty")
    assert [slot.date for slot in view.unfilled_slots] == [DAY + timedelta(days=14)]
    assert view.seat_count == 2 and view.seats_filled == 0
    days = {day.date: day for day in view.days}
    assert days[DAY].unfilled == 0 and days[DAY].closed_reason == "Storm"
    assert [slot.off_reason for slot in days[DAY + timedelta(days=7)].slots] == ["the van is out of service that day"]


def test_a_volunteers_shift_in_a_van_taken_out_of_service_shows_cancelled(session) -> None:
    """The driver's own rota and calendar say the shift is off, with why, once the van goes in the garage."""
    from foodtrain.services.volunteer_calendar import calendar_events
    from tests.factories import make_volunteer

    branch = make_branch(session)
    van = make_van(session, branch, name="Van A")
    driver = make_volunteer(session, branch)
    _delivery(session, _rota(session, branch), van, day=DAY, driver=driver)
    session.commit()
    assert not rota_service.volunteer_rota(session, branch.id, driver.id, DAY).shifts[0].cancelled
    take_van_out(session, branch.id, van.id, DAY, DAY, "MOT", ACTOR, date(2026, 11, 30))
    shift = rota_service.volunteer_rota(session, branch.id, driver.id, DAY).shifts[0]
    assert shift.cancelled and shift.cancelled_notice == "The van is out of service that day"
    event = calendar_events(driver.id, [shift], [], [])[0]
    assert event.cancelled and event.description.startswith("Cancelled. The van is out of service that day.")


def test_nobody_new_goes_on_a_shift_that_is_off_but_people_can_come_off_it(session) -> None:
    """A van out of service or a closed day: seating someone on its slot (by hand or by a swap) is refused with
    why, and nothing changes; taking the team off the slot still works."""
    import pytest
    from sqlalchemy import select

    from foodtrain.models import RotaAssignment, RotaRole, RotaSlot
    from foodtrain.services.errors import ValidationError
    from foodtrain.services.rota.edit import Seat
    from tests.factories import make_volunteer

    branch = make_branch(session)
    van_a, van_b = make_van(session, branch, name="Van A"), make_van(session, branch, name="Van B")
    driver, mate, other = (make_volunteer(session, branch) for _ in range(3))
    rota = _rota(session, branch)
    off = _delivery(session, rota, van_a, day=DAY)  # empty, its van goes in the garage
    staffed = _delivery(session, rota, van_a, day=DAY + timedelta(days=7), driver=driver, mate=mate)
    working = _delivery(session, rota, van_b, day=DAY + timedelta(days=14), driver=other)
    session.commit()
    take_van_out(session, branch.id, van_a.id, DAY, DAY + timedelta(days=7), "MOT", ACTOR, date(2026, 11, 30))
    off_id, staffed_id, working_id, rota_id = off.id, staffed.id, working.id, rota.id

    def seat(slot_id: int, seats: list[Seat]) -> int:
        version = rota_service.get_rota(session, branch.id, rota_id).version
        return rota_service.update_slot(
            session, branch.id, rota_id, slot_id, seats, expected_version=version, actor=ACTOR
        )

    with pytest.raises(ValidationError) as refused:
        seat(off_id, [Seat(RotaRole.DRIVER, driver.id), Seat(RotaRole.MATE, None)])
    assert "the van is out of service that day" in refused.value.field_errors["__all__"]
    session.rollback()
    assert not session.get(RotaSlot, off_id).assignments
    other_seat = next(a.id for a in session.get(RotaSlot, working_id).assignments)
    mate_seat = session.scalar(
        select(RotaAssignment.id).where(RotaAssignment.slot_id == staffed_id, RotaAssignment.role == RotaRole.MATE)
    )
    with pytest.raises(ValidationError) as refused:
        version = rota_service.get_rota(session, branch.id, rota_id).version
        rota_service.swap_assignments(
            session, branch.id, rota_id, other_seat, mate_seat, expected_version=version, actor=ACTOR
        )
    assert "out of service" in refused.value.field_errors["other_assignment_id"]
    session.rollback()
    assert seat(staffed_id, [Seat(RotaRole.DRIVER, None), Seat(RotaRole.MATE, None)]) == 2
    set_day(session, branch.id, DAY + timedelta(days=14), is_open=False, reason="Storm", actor=ACTOR)
    with pytest.raises(ValidationError) as refused:
        seat(working_id, [Seat(RotaRole.DRIVER, other.id), Seat(RotaRole.MATE, driver.id)])
    assert "the branch is closed that day (Storm)" in refused.value.field_errors["__all__"]
