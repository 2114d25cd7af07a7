"""Befriending matching: a test per hard rule (PVG, distance, availability, gender and language when asked),
ranking by shared interests then distance, and the match's life (contacts, reviews, ending)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from foodtrain.models import AuditEvent, DayPart, PvgStatus, VolunteerAbsence, VolunteerAvailability
from foodtrain.models.support import (
    BefriendingMatch,
    BefriendingStatus,
    ContactKind,
    ExtraJob,
    ExtraJobStatus,
    ExtraTaskType,
    Gender,
    VolunteerSupportProfile,
)
from foodtrain.services import befriending
from foodtrain.services.audit import Actor
from foodtrain.services.errors import ValidationError
from foodtrain.services.privacy import erase_customer
from tests.factories import make_branch, make_customer, make_volunteer

ACTOR = Actor(user_id=None, username="tester")
TODAY = date(2026, 12, 7)  # Monday; the wished half-day is Wednesday afternoon
WEDNESDAY = date(2026, 12, 9)


def _setup(session, **wish):
    branch = make_branch(session)
    customer = make_customer(session, branch)  # DG1 2BD, Dumfries
    befriending.save_wish(
        session,
        branch.id,
        customer.id,
        befriending.WishDetails(
            interests="gardening, bowls", max_distance_km=10, weekday=2, part_of_day=DayPart.AFTERNOON, **wish
        ),
        actor=ACTOR,
    )

    def befriender(
        name: str,
        postcode: str = "DG1 1AA",
        interests: str = "",
        gender: Gender | None = None,
        languages: str = "",
        **overrides,
    ):
        volunteer = make_volunteer(session, branch, first_name=name, postcode=postcode, **overrides)
        volunteer.availability = [VolunteerAvailability(weekday=2, day_part=DayPart.AFTERNOON)]
        session.add(
            VolunteerSupportProfile(
                volunteer_id=volunteer.id, befriender=True, interests=interests, gender=gender, languages=languages
            )
        )
        session.flush()
        return volunteer

    return branch, customer, befriender


def _ids(result):
    return [s.volunteer_id for s in result.suggestions]


def test_pvg_not_cleared_is_left_out(session) -> None:
    branch, customer, befriender = _setup(session)
    ok = befriender("Ok")
    pending = befriender("Pending", pvg_status=PvgStatus.PENDING, pvg_issued_on=None)
    result = befriending.suggest_befrienders(session, branch.id, customer.id, TODAY)
    assert _ids(result) == [ok.id]
    assert [(e.volunteer_id, e.reason) for e in result.excluded] == [(pending.id, "PVG not cleared")]


def test_too_far_is_left_out(session) -> None:
    branch, customer, befriender = _setup(session)
    near = befriender("Near")
    far = befriender("Far", postcode="DG9 7AA")  # Stranraer, about 93 km
    result = befriending.suggest_befrienders(session, branch.id, customer.id, TODAY)
    assert _ids(result) == [near.id]
    assert result.excluded[0].volunteer_id == far.id and "km away" in result.excluded[0].reason


def test_not_available_or_already_busy_is_left_out(session) -> None:
    """Not in the weekly pattern, away that day, or already on an EXTRA job then: all left out."""
    branch, customer, befriender = _setup(session)
    free = befriender("Free")
    mornings = befriender("Mornings")
    mornings.availability = [VolunteerAvailability(weekday=2, day_part=DayPart.MORNING)]
    away = befriender("Away")
    away.absences = [VolunteerAbsence(start_date=WEDNESDAY, end_date=WEDNESDAY)]
    busy = befriender("Busy")
    task = ExtraTaskType(branch_id=branch.id, name="Garden")
    session.add(task)
    session.flush()
    session.add(
        ExtraJob(
            branch_id=branch.id,
            customer_id=customer.id,
            task_type_id=task.id,
            requested_on=TODAY,
            status=ExtraJobStatus.SCHEDULED,
            volunteer_id=busy.id,
            scheduled_date=WEDNESDAY,
            part_of_day=DayPart.AFTERNOON,
        )
    )
    session.flush()
    result = befriending.suggest_befrienders(session, branch.id, customer.id, TODAY)
    assert _ids(result) == [free.id]
    assert {e.volunteer_id for e in result.excluded} == {mornings.id, away.id, busy.id}
    assert all("not free" in e.reason for e in result.excluded)


def test_gender_and_language_only_when_asked(session) -> None:
    branch, customer, befriender = _setup(session, preferred_gender=Gender.FEMALE, language="Gaelic")
    woman_gaelic = befriender("Mairi", gender=Gender.FEMALE, languages="English, Gaelic")
    woman = befriender("Jean", gender=Gender.FEMALE, languages="English")
    man = befriender("Iain", gender=Gender.MALE, languages="Gaelic")
    result = befriending.suggest_befrienders(session, branch.id, customer.id, TODAY)
    assert _ids(result) == [woman_gaelic.id]
    assert {e.volunteer_id for e in result.excluded} == {woman.id, man.id}
    branch2, customer2, befriender2 = _setup(session)
    anyone = befriender2("Anyone", gender=Gender.MALE)
    assert _ids(befriending.suggest_befrienders(session, branch2.id, customer2.id, TODAY)) == [anyone.id]


def test_ranked_by_shared_interests_then_distance_with_reasons(session) -> None:
    branch, customer, befriender = _setup(session)
    near_no_interest = befriender("Near", postcode="DG1 2BD")
    far_shares = befriender("Shares", postcode="DG1 1AF", interests="Bowls, knitting")
    result = befriending.suggest_befrienders(session, branch.id, customer.id, TODAY)
    assert _ids(result) == [far_shares.id, near_no_interest.id]
    top = result.suggestions[0]
    assert top.shared_interests == ("bowls",) and any("shares bowls" in r for r in top.reasons)
    assert any("Wednesday afternoon" in r for r in top.reasons)


def test_match_blocks_the_half_day_and_lives_through_contacts_reviews_and_end(session) -> None:
    branch, customer, befriender = _setup(session)
    volunteer = befriender("Ok")
    match_id = befriending.start_match(
        session,
        branch.id,
        customer.id,
        volunteer.id,
        weekday=2,
        part=DayPart.AFTERNOON,
        started_on=TODAY,
        review_every_months=3,
        actor=ACTOR,
    )
    other = make_customer(session, branch)
    with pytest.raises(ValidationError, match="not free"):  # the same half-day for another customer
        befriending.start_match(
            session,
            branch.id,
            other.id,
            volunteer.id,
            weekday=2,
            part=DayPart.AFTERNOON,
            started_on=TODAY,
            review_every_months=3,
            actor=ACTOR,
        )
    befriending.log_contact(
        session,
        branch.id,
        match_id,
        kind=ContactKind.VISIT,
        happened_on=WEDNESDAY,
        duration_min=90,
        notes="Tea and a chat",
        actor=ACTOR,
        today=WEDNESDAY,
    )
    with pytest.raises(ValidationError):
        befriending.log_contact(
            session,
            branch.id,
            match_id,
            kind=ContactKind.CALL,
            happened_on=date(2026, 12, 1),
            duration_min=20,
            actor=ACTOR,
            today=WEDNESDAY,
        )
    match = session.get(BefriendingMatch, match_id)
    assert match.next_review_on == date(2027, 3, 7)
    befriending.review_match(
        session,
        branch.id,
        match_id,
        reviewed_on=date(2027, 3, 8),
        notes="Going well",
        continues=True,
        expected_version=match.version,
        actor=ACTOR,
        today=date(2027, 3, 8),
    )
    assert match.next_review_on == date(2027, 6, 8)
    with pytest.raises(ValidationError):
        befriending.end_match(
            session,
            branch.id,
            match_id,
            ended_on=date(2027, 4, 1),
            reason="",
            expected_version=match.version,
            actor=ACTOR,
            today=date(2027, 4, 1),
        )
    befriending.end_match(
        session,
        branch.id,
        match_id,
        ended_on=date(2027, 4, 1),
        reason="Moved to a care home",
        expected_version=match.version,
        actor=ACTOR,
        today=date(2027, 4, 1),
    )
    assert match.status is BefriendingStatus.ENDED
    actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "befriending_match")))
    assert {"befriending.match", "befriending.contact", "befriending.review", "befriending.end"} <= actions
    erase_customer(session, customer.id, branch.id, Actor(None))
    session.expire_all()
    assert session.get(BefriendingMatch, match_id).contacts[0].notes == ""


def test_a_weekly_match_never_double_books_a_later_extra_job_or_a_later_match(session) -> None:
    """Free on the first Wednesday but an EXTRA job three Wednesdays later that afternoon: the weekly match is
    refused, naming the job's date; once the job is cancelled it is made. A second match starting later on the
    same half-day is refused too, even though its first day comes after the first match began."""
    branch, customer, befriender = _setup(session)
    volunteer = befriender("Busy")
    task = ExtraTaskType(branch_id=branch.id, name="Bulb")
    session.add(task)
    session.flush()
    later = date(2026, 12, 30)
    job = ExtraJob(
        branch_id=branch.id,
        customer_id=make_customer(session, branch).id,
        task_type_id=task.id,
        requested_on=TODAY,
        status=ExtraJobStatus.SCHEDULED,
        volunteer_id=volunteer.id,
        scheduled_date=later,
        part_of_day=DayPart.AFTERNOON,
    )
    session.add(job)
    session.flush()
    with pytest.raises(ValidationError, match="30 Dec 2026"):
        befriending.start_match(
            session,
            branch.id,
            customer.id,
            volunteer.id,
            weekday=2,
            part=DayPart.AFTERNOON,
            started_on=TODAY,
            review_every_months=3,
            actor=ACTOR,
        )
    job.status = ExtraJobStatus.CANCELLED
    session.flush()
    befriending.start_match(
        session,
        branch.id,
        customer.id,
        volunteer.id,
        weekday=2,
        part=DayPart.AFTERNOON,
        started_on=date(2027, 1, 4),
        review_every_months=3,
        actor=ACTOR,
    )
    with pytest.raises(ValidationError, match="befriending visit"):
        befriending.start_match(
            session,
            branch.id,
            make_customer(session, branch).id,
            volunteer.id,
            weekday=2,
            part=DayPart.AFTERNOON,
            started_on=TODAY,
            review_every_months=3,
            actor=ACTOR,
        )
