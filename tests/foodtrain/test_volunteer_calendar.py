"""A volunteer's calendar and its secret feed: events from plain values, befriending visits, tokens stored hashed,
revoked or replaced URLs find nothing, and nobody else's time or any customer's data gets in."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from foodtrain.models import (
    DayPart,
    PartOfDay,
    Rota,
    RotaAssignment,
    RotaRole,
    RotaSlot,
    RotaStatus,
    SlotKind,
    VolunteerCalendarToken,
)
from foodtrain.models.support import BefriendingMatch, BefriendingStatus
from foodtrain.services.audit import Actor
from foodtrain.services.errors import NotFoundError
from foodtrain.services.rota import Shift
from foodtrain.services.volunteer_calendar import (
    BefriendingVisit,
    ExtraJobEntry,
    befriending_visits,
    calendar_events,
    feed_calendar,
    feed_status,
    new_feed_token,
    revoke_feed,
)
from tests.factories import make_branch, make_customer, make_volunteer

ACTOR = Actor(user_id=None, username="tester")
TODAY = date(2026, 12, 7)  # a Monday


def _uids(text: str) -> set[str]:
    return {str(event["UID"]) for event in Calendar.from_ical(text).walk("VEVENT")}


def test_events_come_from_plain_values_in_time_order() -> None:
    """Shifts, EXTRA jobs and visits become one time-ordered list; the job shows its task and town only."""
    shift = Shift(
        5,
        date(2026, 12, 9),
        PartOfDay.MORNING,
        SlotKind.DELIVERY,
        "Van 1",
        RotaRole.DRIVER,
        ("Ann Bell (delivery mate)",),
        "Dumfries",
    )
    job = ExtraJobEntry(8, "Change a bulb", datetime(2026, 12, 8, 9, 30), datetime(2026, 12, 8, 12, 30), "Annan")
    visit = BefriendingVisit(3, datetime(2026, 12, 7, 13, 30), datetime(2026, 12, 7, 16, 30))
    events = calendar_events(7, [shift], [job], [visit], host="example.org")
    assert [event.uid for event in events] == [
        "befriending-3-20261207@example.org",
        "extra-job-8@example.org",
        "rota-slot-5-volunteer-7@example.org",
    ]
    assert events[1].summary == "Food Train EXTRA: Change a bulb" and events[1].location == "Annan"
    assert "With: Ann Bell (delivery mate)" in events[2].description
    assert events[0].summary == "Food Train: befriending visit" and events[0].location == ""


def _rota_with_shifts(session: Session, branch, shifts: list[tuple[int, date]]) -> None:
    rota = Rota(
        branch_id=branch.id,
        month=TODAY.replace(day=1),
        status=RotaStatus.PUBLISHED,
        published_month=TODAY.replace(day=1),
    )
    for n, (volunteer_id, day) in enumerate(shifts):
        slot = RotaSlot(
            key=f"office-{n}", date=day, part_of_day=PartOfDay.MORNING, kind=SlotKind.OFFICE, resource="Office", seats=1
        )
        slot.assignments.append(RotaAssignment(role=RotaRole.OFFICE, volunteer_id=volunteer_id))
        rota.slots.append(slot)
    session.add(rota)
    session.commit()


def _match(session: Session, branch, volunteer, **overrides) -> BefriendingMatch:
    customer = make_customer(
        session, branch, first_name="Morag", last_name="Secretname", address_line1="12 Hidden Lane"
    )
    fields = {
        "branch_id": branch.id,
        "customer_id": customer.id,
        "volunteer_id": volunteer.id,
        "started_on": date(2026, 11, 1),
        "weekday": 2,
        "part_of_day": DayPart.AFTERNOON,
        "next_review_on": date(2027, 2, 1),
    }
    match = BefriendingMatch(**(fields | overrides))
    session.add(match)
    session.commit()
    return match


def test_befriending_visits_are_weekly_from_the_start_to_the_end(session: Session) -> None:
    """An active match gives one visit a week on its weekday; an ended match gives none."""
    branch = make_branch(session)
    volunteer = make_volunteer(session, branch)
    match = _match(session, branch, volunteer, started_on=date(2026, 12, 10))  # weekday 2 = Wednesday
    _match(
        session, branch, volunteer, status=BefriendingStatus.ENDED, ended_on=date(2026, 12, 1), end_reason="Moved away"
    )
    visits = befriending_visits(session, branch.id, volunteer.id, TODAY, 28)
    assert [visit.start for visit in visits] == [datetime(2026, 12, d, 13, 30) for d in (16, 23, 30)]
    assert {visit.match_id for visit in visits} == {match.id}


def test_feed_token_is_stored_hashed_and_finds_only_its_volunteer(session: Session) -> None:
    """The token is not stored; its feed holds the volunteer's shifts and visits, never another volunteer's
    shift, nor the customer's name or address."""
    branch = make_branch(session)
    mine, other = make_volunteer(session, branch), make_volunteer(session, branch)
    _rota_with_shifts(session, branch, [(mine.id, TODAY + timedelta(days=2)), (other.id, TODAY + timedelta(days=3))])
    _match(session, branch, mine)
    _match(session, branch, other)
    token = new_feed_token(session, branch.id, mine.id, actor=ACTOR)
    stored = session.scalars(select(VolunteerCalendarToken.token_sha256)).all()
    assert stored and token not in stored and all(len(digest) == 64 for digest in stored)
    text = feed_calendar(session, token, TODAY).text
    uids = _uids(text)
    assert any(uid.startswith("rota-slot-") and f"-volunteer-{mine.id}@" in uid for uid in uids)
    assert not any(f"-volunteer-{other.id}@" in uid for uid in uids)
    assert sum(uid.startswith("befriending-") for uid in uids) >= 4
    unfolded = text.replace("\r\n ", "")
    assert "Secretname" not in unfolded and "Hidden Lane" not in unfolded and other.last_name not in unfolded


def test_revoked_or_replaced_token_finds_nothing(session: Session) -> None:
    """Revoking stops the URL; a new token replaces the old one; a wrong token finds nothing."""
    branch = make_branch(session)
    volunteer = make_volunteer(session, branch)
    assert feed_status(session, branch.id, volunteer.id) is None
    first = new_feed_token(session, branch.id, volunteer.id, actor=ACTOR)
    second = new_feed_token(session, branch.id, volunteer.id, actor=ACTOR)
    assert first != second
    with pytest.raises(NotFoundError):
        feed_calendar(session, first, TODAY)
    with pytest.raises(NotFoundError):
        feed_calendar(session, second + "x", TODAY)
    feed_calendar(session, second, TODAY)
    status = feed_status(session, branch.id, volunteer.id)
    assert status is not None and status.last_used_at is not None
    assert revoke_feed(session, branch.id, volunteer.id, actor=ACTOR)
    assert feed_status(session, branch.id, volunteer.id) is None
    with pytest.raises(NotFoundError):
        feed_calendar(session, second, TODAY)
    assert not revoke_feed(session, branch.id, volunteer.id, actor=ACTOR)


def test_feed_of_someone_who_left_or_of_another_branch_is_refused(session: Session) -> None:
    """A volunteer who has left has no feed; another branch cannot make or stop one for them."""
    branch, other_branch = make_branch(session), make_branch(session, name="Other", code="OT")
    volunteer = make_volunteer(session, branch)
    with pytest.raises(NotFoundError):
        new_feed_token(session, other_branch.id, volunteer.id, actor=ACTOR)
    token = new_feed_token(session, branch.id, volunteer.id, actor=ACTOR)
    with pytest.raises(NotFoundError):
        revoke_feed(session, other_branch.id, volunteer.id, actor=ACTOR)
    volunteer.left_on = TODAY - timedelta(days=1)
    session.commit()
    with pytest.raises(NotFoundError):
        feed_calendar(session, token, TODAY)
