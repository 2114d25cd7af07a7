"""One answer to 'is this volunteer free then?' across the rota's availability rules, its published and draft seats,
EXTRA jobs and befriending matches."""

from __future__ import annotations

from datetime import date

from foodtrain.models import (
    BefriendingMatch,
    DayPart,
    ExtraJob,
    ExtraJobStatus,
    ExtraTaskType,
    PartOfDay,
    Rota,
    RotaAssignment,
    RotaRole,
    RotaSlot,
    RotaStatus,
    SlotKind,
    VolunteerAbsence,
    VolunteerAvailability,
)
from foodtrain.services.commitments import commitments_on, is_free, why_not_free
from tests.factories import make_branch, make_customer, make_van, make_volunteer

TUESDAY = date(2026, 12, 8)


def _volunteer(session, branch, **overrides):
    volunteer = make_volunteer(session, branch, **overrides)
    volunteer.availability = [
        VolunteerAvailability(weekday=1, day_part=DayPart.MORNING),
        VolunteerAvailability(weekday=1, day_part=DayPart.AFTERNOON),
    ]
    session.flush()
    return volunteer


def test_free_when_available_and_nothing_else_that_half_day(session) -> None:
    branch = make_branch(session)
    volunteer = _volunteer(session, branch)
    assert is_free(session, volunteer, TUESDAY, DayPart.MORNING)


def test_weekly_availability_is_the_rotas(session) -> None:
    """Wednesday is not in their weekly pattern: not free, and the reason says so."""
    branch = make_branch(session)
    volunteer = _volunteer(session, branch)
    reasons = why_not_free(session, volunteer, date(2026, 12, 9), DayPart.MORNING)
    assert reasons and "not usually available" in reasons[0]


def test_dates_away_and_leaving_block(session) -> None:
    branch = make_branch(session)
    volunteer = _volunteer(session, branch)
    volunteer.absences = [VolunteerAbsence(start_date=TUESDAY, end_date=TUESDAY)]
    leaver = _volunteer(session, branch, left_on=date(2026, 12, 1))
    session.flush()
    assert "away" in why_not_free(session, volunteer, TUESDAY, DayPart.AFTERNOON)[0]
    assert not is_free(session, leaver, TUESDAY, DayPart.MORNING)


def _rota_with_seat(session, branch, volunteer, status, day=TUESDAY, part=PartOfDay.WHOLE_DAY):
    van = make_van(session, branch)
    rota_row = Rota(
        branch_id=branch.id,
        month=day.replace(day=1),
        status=status,
        published_month=day.replace(day=1) if status is RotaStatus.PUBLISHED else None,
    )
    slot = RotaSlot(
        key=f"van-{status.value}-{van.id}",
        date=day,
        part_of_day=part,
        kind=SlotKind.DELIVERY,
        van_id=van.id,
        resource=van.name,
        seats=2,
    )
    slot.assignments = [RotaAssignment(role=RotaRole.DRIVER, volunteer_id=volunteer.id)]
    rota_row.slots = [slot]
    session.add(rota_row)
    session.flush()
    return rota_row


def test_a_whole_day_round_takes_both_halves_published_or_draft(session) -> None:
    """A seat in a draft rota takes the half-day too (publishing it would double-book), and says it is a draft."""
    branch = make_branch(session)
    volunteer = _volunteer(session, branch)
    draft = _rota_with_seat(session, branch, volunteer, RotaStatus.DRAFT)
    van_name = draft.slots[0].resource
    for part in DayPart:
        assert why_not_free(session, volunteer, TUESDAY, part) == [f"on the draft rota: {van_name} that {part.value}"]
    _rota_with_seat(session, branch, volunteer, RotaStatus.PUBLISHED)
    for part in DayPart:
        assert "already on a rota shift" in why_not_free(session, volunteer, TUESDAY, part)[0]
    assert is_free(session, volunteer, date(2026, 12, 15), DayPart.MORNING)


def test_no_double_booking_across_a_draft_rota_extra_and_befriending(session) -> None:
    """The reviewer's path: a draft rota seat on a morning, then an EXTRA job or a befriending match for that
    volunteer that morning is refused (the office reads why); after publishing the rota nobody is double-booked."""
    import pytest

    from foodtrain.models import ExtraPrice, VolunteerSkill, VolunteerSupportProfile
    from foodtrain.services import befriending, extra
    from foodtrain.services.audit import Actor
    from foodtrain.services.errors import ValidationError
    from foodtrain.services.rota.publish import publish_rota

    actor = Actor(user_id=None, username="tester")
    monday = date(2026, 12, 7)
    branch = make_branch(session)
    volunteer = _volunteer(session, branch, postcode="DG1 1AA")
    customer = make_customer(session, branch)
    session.add(VolunteerSupportProfile(volunteer_id=volunteer.id, befriender=True))
    task = ExtraTaskType(branch_id=branch.id, name="Hanging curtains")
    task.prices = [ExtraPrice(effective_from=date(2020, 1, 1), price_pence=500)]
    session.add(task)
    session.flush()
    session.add(VolunteerSkill(volunteer_id=volunteer.id, task_type_id=task.id))
    draft = _rota_with_seat(session, branch, volunteer, RotaStatus.DRAFT, part=PartOfDay.MORNING)
    job_id = extra.request_job(
        session,
        branch.id,
        extra.JobRequest(customer.id, task.id, "Curtains", frozenset({1})),
        actor=actor,
        form_token="",
        today=monday,
    )
    with pytest.raises(ValidationError, match="on the draft rota: .* that morning"):
        extra.schedule_job(
            session,
            branch.id,
            job_id,
            volunteer_id=volunteer.id,
            on=TUESDAY,
            part=DayPart.MORNING,
            expected_version=1,
            actor=actor,
            today=monday,
        )
    [candidate] = extra.candidates(session, branch.id, job_id, TUESDAY, DayPart.MORNING)
    assert not candidate.free and "on the draft rota" in candidate.reasons[0]
    with pytest.raises(ValidationError, match="on the draft rota"):
        befriending.start_match(
            session,
            branch.id,
            customer.id,
            volunteer.id,
            weekday=1,
            part=DayPart.MORNING,
            started_on=monday,
            review_every_months=3,
            actor=actor,
        )
    with pytest.raises(ValidationError, match="on the draft rota: .* on 8 Dec 2026"):  # a later week's seat
        befriending.start_match(
            session,
            branch.id,
            customer.id,
            volunteer.id,
            weekday=1,
            part=DayPart.MORNING,
            started_on=date(2026, 12, 1),
            review_every_months=3,
            actor=actor,
        )
    extra.schedule_job(
        session,
        branch.id,
        job_id,
        volunteer_id=volunteer.id,
        on=TUESDAY,
        part=DayPart.AFTERNOON,
        expected_version=1,
        actor=actor,
        today=monday,
    )  # the free half-day is still offered
    publish_rota(session, branch.id, draft.id, expected_version=draft.version, actor=actor)
    taken = [c for c in commitments_on(session, volunteer.id, TUESDAY) if DayPart.MORNING.value in c.halves]
    assert [c.kind for c in taken] == ["rota"]


def test_extra_jobs_and_befriending_take_their_half_day(session) -> None:
    """A scheduled job takes its half-day (not when it is the job being moved); an active match takes its
    weekday half-day every week from its start; a cancelled job takes nothing."""
    branch = make_branch(session)
    volunteer = _volunteer(session, branch)
    customer = make_customer(session, branch)
    task = ExtraTaskType(branch_id=branch.id, name="Changing a bulb")
    session.add(task)
    session.flush()
    job = ExtraJob(
        branch_id=branch.id,
        customer_id=customer.id,
        task_type_id=task.id,
        requested_on=TUESDAY,
        status=ExtraJobStatus.SCHEDULED,
        volunteer_id=volunteer.id,
        scheduled_date=TUESDAY,
        part_of_day=DayPart.MORNING,
    )
    cancelled = ExtraJob(
        branch_id=branch.id,
        customer_id=customer.id,
        task_type_id=task.id,
        requested_on=TUESDAY,
        status=ExtraJobStatus.CANCELLED,
        volunteer_id=volunteer.id,
        scheduled_date=TUESDAY,
        part_of_day=DayPart.AFTERNOON,
    )
    match = BefriendingMatch(
        branch_id=branch.id,
        customer_id=customer.id,
        volunteer_id=volunteer.id,
        started_on=date(2026, 12, 1),
        weekday=1,
        part_of_day=DayPart.AFTERNOON,
        next_review_on=date(2027, 3, 1),
    )
    session.add_all([job, cancelled, match])
    session.flush()
    assert "EXTRA job" in why_not_free(session, volunteer, TUESDAY, DayPart.MORNING)[0]
    assert is_free(session, volunteer, TUESDAY, DayPart.MORNING, exclude_extra_job_id=job.id)
    assert "befriending" in why_not_free(session, volunteer, TUESDAY, DayPart.AFTERNOON)[0]
    assert "befriending" in why_not_free(session, volunteer, date(2026, 12, 15), DayPart.AFTERNOON)[0]
    assert is_free(session, volunteer, date(2026, 12, 15), DayPart.MORNING)
    assert is_free(session, volunteer, date(2026, 11, 24), DayPart.AFTERNOON)  # before the match started


def test_the_rota_problem_keeps_extra_and_befriending_half_days_free(session) -> None:
    """Built after an EXTRA job and a befriending match: the job's date is a date away for the rota, the match's
    weekly half-day is out of the volunteer's availability, so no rota can double-book them."""
    from foodtrain.services.rota_problem import build_problem, volunteer_key

    branch = make_branch(session)
    volunteer = _volunteer(session, branch)
    customer = make_customer(session, branch)
    task = ExtraTaskType(branch_id=branch.id, name="Bulb")
    session.add(task)
    session.flush()
    session.add_all(
        [
            ExtraJob(
                branch_id=branch.id,
                customer_id=customer.id,
                task_type_id=task.id,
                requested_on=TUESDAY,
                status=ExtraJobStatus.SCHEDULED,
                volunteer_id=volunteer.id,
                scheduled_date=TUESDAY,
                part_of_day=DayPart.MORNING,
            ),
            BefriendingMatch(
                branch_id=branch.id,
                customer_id=customer.id,
                volunteer_id=volunteer.id,
                started_on=date(2026, 12, 1),
                weekday=1,
                part_of_day=DayPart.AFTERNOON,
                next_review_on=date(2027, 3, 1),
            ),
        ]
    )
    session.flush()
    [seen] = [
        v
        for v in build_problem(session, branch.id, date(2026, 12, 1)).problem.volunteers
        if v.id == volunteer_key(volunteer.id)
    ]
    assert TUESDAY in seen.dates_away and date(2026, 12, 15) not in seen.dates_away
    assert seen.availability == frozenset({(1, "morning")})


def test_befriending_visits_in_the_calendar_are_the_half_days_is_free_counts_taken(session) -> None:
    """The calendar lists each week's visit of an active match from its start, on exactly the days and halves
    is_free refuses; an ended match lists none; the calendar event holds the town, never the name."""
    from foodtrain.models import BefriendingStatus
    from foodtrain.services.commitments import befriending_visits
    from foodtrain.services.volunteer_calendar import befriending_visits as calendar_visits
    from foodtrain.services.volunteer_calendar import calendar_events

    branch = make_branch(session)
    volunteer = _volunteer(session, branch)
    customer = make_customer(session, branch, town="Lockerbie")
    ended_customer = make_customer(session, branch)
    session.add_all(
        [
            BefriendingMatch(
                branch_id=branch.id,
                customer_id=customer.id,
                volunteer_id=volunteer.id,
                started_on=TUESDAY,
                weekday=1,
                part_of_day=DayPart.AFTERNOON,
                next_review_on=date(2027, 3, 1),
            ),
            BefriendingMatch(
                branch_id=branch.id,
                customer_id=ended_customer.id,
                volunteer_id=volunteer.id,
                started_on=date(2026, 11, 1),
                weekday=1,
                part_of_day=DayPart.MORNING,
                next_review_on=date(2027, 3, 1),
                status=BefriendingStatus.ENDED,
                ended_on=date(2026, 11, 30),
                end_reason="Moved",
            ),
        ]
    )
    session.flush()
    start = date(2026, 12, 1)
    visits = befriending_visits(session, volunteer.id, start, days=31)
    assert [(v.day, v.halves) for v in visits] == [(date(2026, 12, d), ("afternoon",)) for d in (8, 15, 22, 29)]
    for offset in range(31):
        day = date(2026, 12, 1 + offset)
        for part in DayPart:
            listed = any(v.day == day and part.value in v.halves for v in visits)
            taken = any("befriending" in reason for reason in why_not_free(session, volunteer, day, part))
            assert listed == taken, (day, part)
    [event, *_] = calendar_events(volunteer.id, [], [], calendar_visits(session, branch.id, volunteer.id, start, 31))
    assert (event.start.hour, event.location) == (13, "Lockerbie")
    assert customer.last_name not in f"{event.summary} {event.description} {event.location}"


def test_commitments_between_lists_what_a_new_absence_clashes_with(session) -> None:
    """Dates away added after the rota was published: every published shift, the newest draft's shift and every
    scheduled EXTRA job on those days is listed, in date order; days outside the absence are not."""
    from foodtrain.services.commitments import commitments_between

    branch = make_branch(session)
    volunteer = _volunteer(session, branch)
    van = make_van(session, branch)
    customer = make_customer(session, branch)
    task = ExtraTaskType(branch_id=branch.id, name="Changing a bulb")
    session.add(task)
    for status, day in ((RotaStatus.PUBLISHED, TUESDAY), (RotaStatus.DRAFT, date(2026, 12, 9))):
        rota_row = Rota(
            branch_id=branch.id,
            month=date(2026, 12, 1),
            status=status,
            published_month=date(2026, 12, 1) if status is RotaStatus.PUBLISHED else None,
        )
        slot = RotaSlot(
            key=f"van-{status.value}",
            date=day,
            part_of_day=PartOfDay.WHOLE_DAY,
            kind=SlotKind.DELIVERY,
            van_id=van.id,
            resource="Van 2",
            seats=2,
        )
        slot.assignments = [RotaAssignment(role=RotaRole.DRIVER, volunteer_id=volunteer.id)]
        rota_row.slots = [slot]
        session.add(rota_row)
    session.flush()
    for day in (date(2026, 12, 10), date(2026, 12, 20)):
        session.add(
            ExtraJob(
                branch_id=branch.id,
                customer_id=customer.id,
                task_type_id=task.id,
                requested_on=day,
                status=ExtraJobStatus.SCHEDULED,
                volunteer_id=volunteer.id,
                scheduled_date=day,
                part_of_day=DayPart.MORNING,
            )
        )
    session.flush()
    found = commitments_between(session, volunteer.id, TUESDAY, date(2026, 12, 11))
    assert [(c.kind, c.day) for c in found] == [
        ("rota", TUESDAY),
        ("rota", date(2026, 12, 9)),
        ("extra", date(2026, 12, 10)),
    ]
    assert [c.what for c in found] == ["rota shift: Van 2", "draft rota: Van 2", "EXTRA job: Changing a bulb"]


def test_only_the_newest_draft_takes_half_days_and_publishing_an_older_one_cannot_double_book(session) -> None:
    """Drafts drawn up again leave older ones behind: only the month's newest draft (made after the published
    rota) takes half-days; publishing an older draft whose seat an EXTRA job took since is refused, with why."""
    import pytest

    from foodtrain.services.audit import Actor
    from foodtrain.services.errors import ValidationError
    from foodtrain.services.rota.publish import publish_rota

    actor = Actor(user_id=None, username="tester")
    branch = make_branch(session)
    volunteer = _volunteer(session, branch)
    old_draft = _rota_with_seat(session, branch, volunteer, RotaStatus.DRAFT, part=PartOfDay.MORNING)
    assert not is_free(session, volunteer, TUESDAY, DayPart.MORNING)
    new_draft = _rota_with_seat(
        session, branch, volunteer, RotaStatus.DRAFT, day=date(2026, 12, 15), part=PartOfDay.MORNING
    )
    assert is_free(session, volunteer, TUESDAY, DayPart.MORNING)  # the old draft is a left-over now
    assert not is_free(session, volunteer, date(2026, 12, 15), DayPart.MORNING)
    customer = make_customer(session, branch)
    task = ExtraTaskType(branch_id=branch.id, name="Changing a bulb")
    session.add(task)
    session.flush()
    session.add(
        ExtraJob(
            branch_id=branch.id,
            customer_id=customer.id,
            task_type_id=task.id,
            requested_on=TUESDAY,
            status=ExtraJobStatus.SCHEDULED,
            volunteer_id=volunteer.id,
            scheduled_date=TUESDAY,
            part_of_day=DayPart.MORNING,
        )
    )
    session.flush()
    with pytest.raises(
        ValidationError,
        match="would double-book: .* on 8 Dec 2026 morning, when they already have the EXTRA job: Changing a bulb",
    ):
        publish_rota(session, branch.id, old_draft.id, expected_version=old_draft.version, actor=actor)
    assert publish_rota(session, branch.id, new_draft.id, expected_version=new_draft.version, actor=actor)
    assert not is_free(session, volunteer, date(2026, 12, 15), DayPart.MORNING)
    assert is_free(session, volunteer, date(2026, 12, 8), DayPart.AFTERNOON)
