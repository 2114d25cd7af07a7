"""The outcomes survey and report: every figure recomputed here from the rows the test made."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from foodtrain.models import DayPart, OrderStatus, PaymentMethod
from foodtrain.models.support import (
    BefriendingContact,
    BefriendingMatch,
    ContactKind,
    ExtraJob,
    ExtraJobStatus,
    ExtraTaskType,
)
from foodtrain.services import outcomes
from foodtrain.services.audit import Actor
from foodtrain.services.errors import ValidationError
from tests.factories import make_branch, make_customer, make_order, make_volunteer

ACTOR = Actor(user_id=None, username="tester")


def test_survey_validation_and_one_record_per_form(session) -> None:
    branch = make_branch(session)
    customer = make_customer(session, branch)
    with pytest.raises(ValidationError) as error:
        outcomes.record_survey(
            session,
            branch.id,
            outcomes.SurveyAnswers(customer.id, date(2027, 1, 1), frozenset({"luck"})),
            actor=ACTOR,
            form_token="",
            today=date(2026, 12, 7),
        )
    assert {"surveyed_on", "outcomes"} <= set(error.value.field_errors)
    answers = outcomes.SurveyAnswers(customer.id, date(2026, 12, 1), frozenset({"health"}), "Lovely people")
    first = outcomes.record_survey(session, branch.id, answers, actor=ACTOR, form_token="t1", today=date(2026, 12, 7))
    again = outcomes.record_survey(session, branch.id, answers, actor=ACTOR, form_token="t1", today=date(2026, 12, 7))
    assert first == again


def test_report_figures_recomputed_independently(session) -> None:
    """Seven surveys in 2026 (one in 2025 ignored), deliveries, EXTRA and befriending time, valued at £10.10."""
    branch = make_branch(session)
    customer = make_customer(session, branch)
    answers = [
        {"independence", "health"},
        {"independence"},
        {"independence", "isolation"},
        {"wellbeing"},
        set(),
        {"independence", "health", "wellbeing"},
        {"isolation"},
    ]
    for number, chosen in enumerate(answers, start=1):
        outcomes.record_survey(
            session,
            branch.id,
            outcomes.SurveyAnswers(customer.id, date(2026, 3, number), frozenset(chosen)),
            actor=ACTOR,
            form_token="",
            today=date(2026, 12, 7),
        )
    outcomes.record_survey(
        session,
        branch.id,
        outcomes.SurveyAnswers(customer.id, date(2025, 3, 1), frozenset({"health"})),
        actor=ACTOR,
        form_token="",
        today=date(2026, 12, 7),
    )
    for day in (5, 12, 19):
        make_order(session, customer, delivery_date=date(2026, 5, day), status=OrderStatus.DELIVERED)
    make_order(
        session, customer, delivery_date=date(2026, 5, 26), status=OrderStatus.NOT_DELIVERED, not_delivered_reason="Out"
    )
    volunteer = make_volunteer(session, branch)
    task = ExtraTaskType(branch_id=branch.id, name="Garden")
    session.add(task)
    session.flush()
    for minutes, status in (
        (50, ExtraJobStatus.COMPLETED),
        (70, ExtraJobStatus.COMPLETED),
        (None, ExtraJobStatus.REQUESTED),
    ):
        done = status is ExtraJobStatus.COMPLETED
        session.add(
            ExtraJob(
                branch_id=branch.id,
                customer_id=customer.id,
                task_type_id=task.id,
                requested_on=date(2026, 6, 1),
                status=status,
                volunteer_id=volunteer.id if done else None,
                scheduled_date=date(2026, 6, 2) if done else None,
                part_of_day=DayPart.MORNING if done else None,
                completed_on=date(2026, 6, 2) if done else None,
                time_spent_min=minutes,
                amount_paid_pence=500 if done else None,
                payment_method=PaymentMethod.CASH if done else None,
            )
        )
    match = BefriendingMatch(
        branch_id=branch.id,
        customer_id=customer.id,
        volunteer_id=volunteer.id,
        started_on=date(2026, 1, 5),
        weekday=0,
        part_of_day=DayPart.AFTERNOON,
        next_review_on=date(2026, 4, 5),
    )
    match.contacts = [
        BefriendingContact(kind=ContactKind.VISIT, happened_on=date(2026, 2, 2), duration_min=90),
        BefriendingContact(kind=ContactKind.CALL, happened_on=date(2026, 2, 9), duration_min=30),
        BefriendingContact(kind=ContactKind.OUTING, happened_on=date(2025, 12, 1), duration_min=240),
    ]
    session.add(match)
    session.commit()

    [row] = outcomes.outcomes_report(session, [branch.id], 2026, 1010)
    assert row.surveys == 7
    for name in outcomes.OUTCOMES:
        expected = round(Decimal(100 * sum(name in chosen for chosen in answers)) / 7, 1)
        assert row.outcome_percent(name) == expected
    assert row.outcome_percent("independence") == Decimal("57.1")  # 4 of 7
    assert row.deliveries == 3
    assert (row.extra_jobs, row.extra_hours) == (2, Decimal(2))  # 50 + 70 minutes
    assert row.befriending_hours == Decimal(2)  # 90 + 30 minutes; the 2025 outing is another year
    assert row.rota_hours == 0
    assert row.volunteer_time_value_pence == 4 * 1010
    with pytest.raises(ValidationError):
        outcomes.outcomes_report(session, [branch.id], 1800, 1010)
