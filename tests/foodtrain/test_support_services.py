"""Referrals and EXTRA jobs: the rules of each service step, never double-booking, audit and erasure."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from foodtrain.models import (
    AuditEvent,
    DayPart,
    PaymentMethod,
    PvgStatus,
    ReferralSource,
    VolunteerAvailability,
)
from foodtrain.models.support import (
    ExtraJob,
    ExtraJobStatus,
    ExtraPrice,
    ExtraTaskType,
    Referral,
    ReferralOutcome,
    SupportService,
    VolunteerSkill,
)
from foodtrain.services import extra, referrals
from foodtrain.services.audit import Actor
from foodtrain.services.errors import NotFoundError, ValidationError
from foodtrain.services.privacy import erase_customer
from tests.factories import make_branch, make_customer, make_volunteer

ACTOR = Actor(user_id=None, username="tester")
TODAY = date(2026, 12, 7)  # a Monday
TUESDAY = date(2026, 12, 8)


def _referral(session, branch, customer, **overrides):
    details = referrals.ReferralDetails(
        customer_id=customer.id,
        service=SupportService.EXTRA,
        source=ReferralSource.GP,
        referred_on=TODAY,
        referrer_name="Dr Brown",
        **overrides,
    )
    return referrals.create_referral(session, branch.id, details, actor=ACTOR, form_token="", today=TODAY)


def test_referral_needs_who_referred_unless_self_and_is_branch_scoped(session) -> None:
    branch, other = make_branch(session), make_branch(session)
    customer = make_customer(session, branch)
    with pytest.raises(ValidationError) as error:
        referrals.create_referral(
            session,
            branch.id,
            referrals.ReferralDetails(
                customer_id=customer.id,
                service=SupportService.BEFRIENDING,
                source=ReferralSource.FAMILY,
                referred_on=TODAY,
            ),
            actor=ACTOR,
            form_token="",
            today=TODAY,
        )
    assert "referrer_name" in error.value.field_errors
    with pytest.raises(ValidationError) as error:
        _referral(session, other, customer)
    assert "customer_id" in error.value.field_errors
    self_id = referrals.create_referral(
        session,
        branch.id,
        referrals.ReferralDetails(
            customer_id=customer.id, service=SupportService.BEFRIENDING, source=ReferralSource.SELF, referred_on=TODAY
        ),
        actor=ACTOR,
        form_token="",
        today=TODAY,
    )
    with pytest.raises(NotFoundError):
        referrals.get_referral(session, other.id, self_id)


def test_resubmitted_referral_form_creates_one_referral(session) -> None:
    branch = make_branch(session)
    customer = make_customer(session, branch)
    details = referrals.ReferralDetails(
        customer_id=customer.id, service=SupportService.EXTRA, source=ReferralSource.SELF, referred_on=TODAY
    )
    first = referrals.create_referral(session, branch.id, details, actor=ACTOR, form_token="tok-1", today=TODAY)
    second = referrals.create_referral(session, branch.id, details, actor=ACTOR, form_token="tok-1", today=TODAY)
    assert first == second and len(session.scalars(select(Referral)).all()) == 1


def test_accepting_needs_consent_declining_needs_a_reason_and_waiting_list_shrinks(session) -> None:
    branch = make_branch(session)
    customer = make_customer(session, branch)
    first, second = _referral(session, branch, customer), _referral(session, branch, customer)
    assert [r.id for r in referrals.waiting_list(session, branch.id)] == [first, second]
    with pytest.raises(ValidationError) as error:
        referrals.decide_referral(
            session, branch.id, first, ReferralOutcome.ACCEPTED, expected_version=1, actor=ACTOR, today=TODAY
        )
    assert "consent_recorded" in error.value.field_errors
    with pytest.raises(ValidationError) as error:
        referrals.decide_referral(
            session, branch.id, second, ReferralOutcome.DECLINED, expected_version=1, actor=ACTOR, today=TODAY
        )
    assert "decline_reason" in error.value.field_errors
    referrals.decide_referral(
        session,
        branch.id,
        first,
        ReferralOutcome.ACCEPTED,
        consent_recorded=True,
        expected_version=1,
        actor=ACTOR,
        today=TODAY,
    )
    referrals.decide_referral(
        session,
        branch.id,
        second,
        ReferralOutcome.DECLINED,
        decline_reason="Moved away",
        expected_version=1,
        actor=ACTOR,
        today=TODAY,
    )
    assert referrals.waiting_list(session, branch.id) == []
    accepted = session.get(Referral, first)
    assert accepted.consent_on == TODAY and accepted.outcome_on == TODAY
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "referral")).all()
    assert actions.count("referral.create") == 2 and actions.count("referral.decide") == 2


def _extra_setup(session):
    branch = make_branch(session)
    customer = make_customer(session, branch)
    task = ExtraTaskType(branch_id=branch.id, name="Hanging curtains")
    task.prices = [
        ExtraPrice(effective_from=date(2020, 1, 1), price_pence=500),
        ExtraPrice(effective_from=TUESDAY, price_pence=600),
    ]
    session.add(task)
    session.flush()

    def volunteer(**overrides):
        v = make_volunteer(session, branch, **overrides)
        v.availability = [VolunteerAvailability(weekday=1, day_part=part) for part in DayPart]
        session.add(VolunteerSkill(volunteer_id=v.id, task_type_id=task.id))
        session.flush()
        return v

    return branch, customer, task, volunteer


def _request(session, branch, customer, task):
    return extra.request_job(
        session,
        branch.id,
        extra.JobRequest(customer.id, task.id, "Bedroom curtains", frozenset({1, 3})),
        actor=ACTOR,
        form_token="",
        today=TODAY,
    )


def test_price_comes_from_the_list_on_the_day(session) -> None:
    """Requested on Monday at £5; scheduled for Tuesday, when the £6 price starts."""
    branch, customer, task, volunteer = _extra_setup(session)
    helper = volunteer()
    job_id = _request(session, branch, customer, task)
    job = session.get(ExtraJob, job_id)
    assert job.price_pence == 500 and extra.weekdays_of(job.preferred_weekdays_mask) == [1, 3]
    extra.schedule_job(
        session,
        branch.id,
        job_id,
        volunteer_id=helper.id,
        on=TUESDAY,
        part=DayPart.MORNING,
        expected_version=job.version,
        actor=ACTOR,
        today=TODAY,
    )
    assert session.get(ExtraJob, job_id).price_pence == 600
    assert extra.price_on(session, task.id, date(2019, 12, 31)) is None


def test_candidates_have_the_skill_and_pvg_and_free_ones_come_first(session) -> None:
    branch, customer, task, volunteer = _extra_setup(session)
    free = volunteer(first_name="Free")
    busy = volunteer(first_name="Busy")
    volunteer(first_name="Pending", pvg_status=PvgStatus.PENDING, pvg_issued_on=None)
    make_volunteer(session, branch, first_name="Unskilled")
    first = _request(session, branch, customer, task)
    second = _request(session, branch, customer, task)
    extra.schedule_job(
        session,
        branch.id,
        first,
        volunteer_id=busy.id,
        on=TUESDAY,
        part=DayPart.MORNING,
        expected_version=1,
        actor=ACTOR,
        today=TODAY,
    )
    found = extra.candidates(session, branch.id, second, TUESDAY, DayPart.MORNING)
    assert [(c.volunteer_id, c.free) for c in found] == [(free.id, True), (busy.id, False)]
    assert "EXTRA job" in found[1].reasons[0]


def test_scheduling_refuses_a_clash_no_pvg_no_skill(session) -> None:
    branch, customer, task, volunteer = _extra_setup(session)
    helper = volunteer()
    pending = volunteer(pvg_status=PvgStatus.PENDING, pvg_issued_on=None)
    unskilled = make_volunteer(session, branch)
    first, second = _request(session, branch, customer, task), _request(session, branch, customer, task)
    extra.schedule_job(
        session,
        branch.id,
        first,
        volunteer_id=helper.id,
        on=TUESDAY,
        part=DayPart.MORNING,
        expected_version=1,
        actor=ACTOR,
        today=TODAY,
    )
    for who, message in ((helper, "not free"), (pending, "PVG"), (unskilled, "skill")):
        with pytest.raises(ValidationError, match=message):
            extra.schedule_job(
                session,
                branch.id,
                second,
                volunteer_id=who.id,
                on=TUESDAY,
                part=DayPart.MORNING,
                expected_version=1,
                actor=ACTOR,
                today=TODAY,
            )
    extra.schedule_job(
        session,
        branch.id,
        second,
        volunteer_id=helper.id,
        on=TUESDAY,
        part=DayPart.AFTERNOON,
        expected_version=1,
        actor=ACTOR,
        today=TODAY,
    )
    jobs = extra.volunteer_extra_jobs(session, branch.id, helper.id, TODAY)
    assert [(j.scheduled_date, j.part_of_day) for j in jobs] == [
        (TUESDAY, DayPart.MORNING),
        (TUESDAY, DayPart.AFTERNOON),
    ]


def test_completion_records_time_and_payment_and_the_sheet_prints(session) -> None:
    branch, customer, task, volunteer = _extra_setup(session)
    helper = volunteer()
    job_id = _request(session, branch, customer, task)
    with pytest.raises(ValidationError):
        extra.job_sheet_pdf(session, branch.id, job_id, actor=ACTOR)
    extra.schedule_job(
        session,
        branch.id,
        job_id,
        volunteer_id=helper.id,
        on=TUESDAY,
        part=DayPart.MORNING,
        expected_version=1,
        actor=ACTOR,
        today=TODAY,
    )
    pdf = extra.job_sheet_pdf(session, branch.id, job_id, actor=ACTOR)
    assert pdf.startswith(b"%PDF")
    with pytest.raises(ValidationError, match="cannot be done yet"):
        extra.complete_job(
            session,
            branch.id,
            job_id,
            time_spent_min=45,
            amount_paid_pence=600,
            payment_method=PaymentMethod.CASH,
            expected_version=2,
            actor=ACTOR,
            today=TODAY,
        )
    with pytest.raises(ValidationError) as error:
        extra.complete_job(
            session,
            branch.id,
            job_id,
            time_spent_min=0,
            amount_paid_pence=600,
            payment_method=None,
            expected_version=2,
            actor=ACTOR,
            today=TUESDAY,
        )
    assert {"time_spent_min", "payment_method"} <= set(error.value.field_errors)
    extra.complete_job(
        session,
        branch.id,
        job_id,
        time_spent_min=45,
        amount_paid_pence=600,
        payment_method=PaymentMethod.CASH,
        expected_version=2,
        actor=ACTOR,
        today=TUESDAY,
    )
    job = session.get(ExtraJob, job_id)
    assert (job.status, job.time_spent_min, job.amount_paid_pence) == (ExtraJobStatus.COMPLETED, 45, 600)
    actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "extra_job")))
    assert {"extra.request", "extra.schedule", "extra.print_sheet", "extra.complete"} <= actions


def test_a_retired_kind_of_job_keeps_its_history_but_is_no_longer_offered(session) -> None:
    """Retiring deletes nothing: prices, the job already asked for and the volunteers' skills stay, that job can
    still be scheduled at its dated price; new requests and new prices are refused until it is offered again."""
    from foodtrain.services.support_links import SupportProfileDetails, save_support_profile

    branch, customer, task, volunteer = _extra_setup(session)
    helper = volunteer()
    waiting = _request(session, branch, customer, task)
    extra.set_task_type_offered(session, branch.id, task.id, offered=False, actor=ACTOR)
    assert task.id not in [t.id for t in extra.task_types(session, branch.id)]
    assert [p.price_pence for p in session.get(ExtraTaskType, task.id).prices] == [500, 600]
    with pytest.raises(ValidationError) as error:
        _request(session, branch, customer, task)
    assert "task_type_id" in error.value.field_errors
    with pytest.raises(ValidationError, match="retired"):
        extra.add_price(
            session, branch.id, task_name=task.name, effective_from=date(2027, 1, 1), price_pence=700, actor=ACTOR
        )
    # saving the volunteer's profile (whose form no longer lists the retired job) keeps that skill
    save_support_profile(session, branch.id, helper.id, SupportProfileDetails(task_type_ids=frozenset()), actor=ACTOR)
    assert session.scalars(
        select(VolunteerSkill.task_type_id).where(VolunteerSkill.volunteer_id == helper.id)
    ).all() == [task.id]
    extra.schedule_job(
        session,
        branch.id,
        waiting,
        volunteer_id=helper.id,
        on=TUESDAY,
        part=DayPart.MORNING,
        expected_version=1,
        actor=ACTOR,
        today=TODAY,
    )
    assert session.get(ExtraJob, waiting).price_pence == 600
    extra.set_task_type_offered(session, branch.id, task.id, offered=True, actor=ACTOR)
    assert _request(session, branch, customer, task)
    other = make_branch(session)
    with pytest.raises(NotFoundError):
        extra.set_task_type_offered(session, other.id, task.id, offered=False, actor=ACTOR)
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "extra_task_type")).all()
    assert actions.count("extra.retire_task") == 1 and actions.count("extra.offer_task") == 1


def test_erasing_the_customer_clears_referral_and_job_texts(session) -> None:
    branch, customer, task, volunteer = _extra_setup(session)
    referral_id = _referral(session, branch, customer, notes="Lives alone since March")
    job_id = _request(session, branch, customer, task)
    erase_customer(session, customer.id, branch.id, Actor(None))
    session.expire_all()
    referral, job = session.get(Referral, referral_id), session.get(ExtraJob, job_id)
    assert (referral.referrer_name, referral.notes, job.details) == ("", "", "")
    assert job.price_pence == 500  # the statistics stay


def test_subject_export_includes_the_new_records(session) -> None:
    """A customer's export holds their referrals and EXTRA jobs; a volunteer's their skills, but not the jobs
    they were given (a job's details are the customer's data: the export follows only the person's own rows)."""
    import json

    from foodtrain.models import Customer, Volunteer
    from foodtrain.services.privacy import export_subject

    branch, customer, task, volunteer = _extra_setup(session)
    helper = volunteer()
    _referral(session, branch, customer)
    job_id = _request(session, branch, customer, task)
    extra.schedule_job(
        session,
        branch.id,
        job_id,
        volunteer_id=helper.id,
        on=TUESDAY,
        part=DayPart.MORNING,
        expected_version=1,
        actor=ACTOR,
        today=TODAY,
    )
    data = json.loads(export_subject(session, Customer, customer.id, branch.id, Actor(None)).to_json())["data"]
    assert data["referrals"][0]["referrer_name"] == "Dr Brown" and data["extra_jobs"][0]["id"] == job_id
    data = json.loads(export_subject(session, Volunteer, helper.id, branch.id, Actor(None)).to_json())["data"]
    assert data["volunteer_skills"][0]["task_type_id"] == task.id and "extra_jobs" not in data
