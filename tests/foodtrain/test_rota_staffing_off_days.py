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
