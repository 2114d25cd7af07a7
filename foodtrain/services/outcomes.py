"""The outcomes survey (what the service gives customers) and the yearly outcomes report per branch.

The report sets the survey's percentages beside what was done that year:
deliveries (the deliveries report's count), EXTRA jobs completed, befriending
hours, and the value of all volunteer time (rota hours from the volunteer-hours
report, plus EXTRA and befriending time) at a configurable hourly rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from foodtrain.models import Branch, Customer
from foodtrain.models.support import (
    BefriendingContact,
    BefriendingMatch,
    ExtraJob,
    ExtraJobStatus,
    OutcomeSurvey,
)
from foodtrain.services.audit import Actor
from foodtrain.services.customers import claim_form_token, commit_or_replay, used_form_token
from foodtrain.services.errors import ValidationError
from foodtrain.services.people import get_in_branch, in_branch
from foodtrain.services.referrals import audit, check_text
from foodtrain.services.reports import (
    Period,
    ReportKind,
    ReportQuery,
    deliveries_report,
    hours_value_pence,
    volunteer_hours_report,
)

OUTCOMES = ("independence", "health", "isolation", "wellbeing")
OUTCOME_LABELS = {
    "independence": "Independence",
    "health": "Health",
    "isolation": "Tackling isolation",
    "wellbeing": "Wellbeing",
}
MAX_COMMENTS = 2000
EARLIEST_YEAR, LATEST_YEAR = 1990, 2100


@dataclass(frozen=True)
class SurveyAnswers:
    customer_id: int | None
    surveyed_on: date | None
    outcomes: frozenset[str]
    comments: str = ""
    on_paper: bool = False


def record_survey(
    session: Session, branch_id: int, answers: SurveyAnswers, *, actor: Actor, form_token: str, today: date
) -> int:
    """Store one customer's answers (taken by the office, or typed in from the printed form)."""
    earlier = used_form_token(session, branch_id, form_token)
    if earlier is not None and earlier.entity_id is not None:
        return earlier.entity_id
    errors: dict[str, str] = {}
    customer = None
    try:
        customer = get_in_branch(session, Customer, answers.customer_id or 0, branch_id)
    except Exception:  # NotFoundError: a field error, not a 404, on a form
        errors["customer_id"] = "Choose a customer of this branch."
    if answers.surveyed_on is None or answers.surveyed_on > today:
        errors["surveyed_on"] = "Enter the survey date (not in the future)."
    if set(answers.outcomes) - set(OUTCOMES):
        errors["outcomes"] = "Choose from the list."
    comments = check_text(errors, "comments", answers.comments, MAX_COMMENTS, "Comments")
    if errors:
        raise ValidationError(errors)
    assert customer is not None
    survey = OutcomeSurvey(
        branch_id=branch_id,
        customer_id=customer.id,
        surveyed_on=answers.surveyed_on,
        comments=comments,
        on_paper=answers.on_paper,
        recorded_by_user_id=actor.user_id,
        **{name: name in answers.outcomes for name in OUTCOMES},
    )
    session.add(survey)
    session.flush()
    claim_form_token(session, branch_id, form_token, "outcome.survey", survey.id)
    audit(session, actor, "outcome.survey", "outcome_survey", survey.id, branch_id, f"customer={customer.id}")
    replayed = commit_or_replay(session, branch_id, form_token)
    return replayed if replayed is not None else survey.id


def percentage(part: int, whole: int) -> Decimal:
    """part of whole in per cent, to one decimal (0 when nobody answered)."""
    if whole == 0:
        return Decimal(0)
    return (Decimal(100 * part) / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class BranchOutcomes:
    branch_id: int
    branch_name: str
    year: int
    surveys: int
    outcome_counts: dict[str, int]
    deliveries: int
    extra_jobs: int
    extra_hours: Decimal
    befriending_hours: Decimal
    rota_hours: Decimal
    hour_value_pence: int

    def outcome_percent(self, name: str) -> Decimal:
        return percentage(self.outcome_counts[name], self.surveys)

    @property
    def volunteer_hours(self) -> Decimal:
        return self.rota_hours + self.extra_hours + self.befriending_hours

    @property
    def volunteer_time_value_pence(self) -> int:
        return hours_value_pence(self.volunteer_hours, self.hour_value_pence)


def _minutes_as_hours(minutes: int | None) -> Decimal:
    return (Decimal(minutes or 0) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def outcomes_report(session: Session, branch_ids: list[int], year: int, hour_value_pence: int) -> list[BranchOutcomes]:
    """Per branch, the calendar year's survey percentages beside deliveries, EXTRA, befriending and hours' value."""
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise ValidationError({"year": f"Choose a year between {EARLIEST_YEAR} and {LATEST_YEAR}."})
    if not 0 <= hour_value_pence <= 100_000:
        raise ValidationError({"hour_value": "The value of an hour must be between £0 and £1,000."})
    start, end = date(year, 1, 1), date(year, 12, 31)
    rows = []
    for branch in session.scalars(select(Branch).where(Branch.id.in_(branch_ids)).order_by(Branch.name)):
        surveys = session.execute(
            in_branch(
                select(
                    func.count(OutcomeSurvey.id),
                    *(func.sum(case((getattr(OutcomeSurvey, name).is_(True), 1), else_=0)) for name in OUTCOMES),
                ),
                OutcomeSurvey,
                branch.id,
            ).where(OutcomeSurvey.surveyed_on.between(start, end))
        ).one()
        query = ReportQuery(
            kind=ReportKind.DELIVERIES,
            branch_ids=(branch.id,),
            start=start,
            end=end,
            period=Period.YEAR,
            hour_value_pence=hour_value_pence,
        )
        delivered = sum(b.total_delivered for b in deliveries_report(session, query).branches)
        rota_hours = sum((b.total_hours for b in volunteer_hours_report(session, query).branches), Decimal(0))
        extra_count, extra_minutes = session.execute(
            in_branch(select(func.count(ExtraJob.id), func.sum(ExtraJob.time_spent_min)), ExtraJob, branch.id).where(
                ExtraJob.status == ExtraJobStatus.COMPLETED, ExtraJob.completed_on.between(start, end)
            )
        ).one()
        befriending_minutes = session.scalar(
            select(func.sum(BefriendingContact.duration_min))
            .join(BefriendingMatch, BefriendingContact.match_id == BefriendingMatch.id)
            .where(BefriendingMatch.branch_id == branch.id, BefriendingContact.happened_on.between(start, end))
        )
        rows.append(
            BranchOutcomes(
                branch_id=branch.id,
                branch_name=branch.name,
                year=year,
                surveys=int(surveys[0] or 0),
                outcome_counts={name: int(value or 0) for name, value in zip(OUTCOMES, surveys[1:])},
                deliveries=delivered,
                extra_jobs=int(extra_count or 0),
                extra_hours=_minutes_as_hours(extra_minutes),
                befriending_hours=_minutes_as_hours(befriending_minutes),
                rota_hours=rota_hours,
                hour_value_pence=hour_value_pence,
            )
        )
    return rows


def get_survey(session: Session, branch_id: int, survey_id: int) -> OutcomeSurvey:
    """One survey of the branch (NotFoundError for another branch's, as for every record)."""
    return get_in_branch(session, OutcomeSurvey, survey_id, branch_id)


def survey_outcomes(survey: OutcomeSurvey) -> list[str]:
    """The outcomes the customer said the service gives them, in the evaluation's order."""
    return [name for name in OUTCOMES if getattr(survey, name)]


def surveys_of(session: Session, branch_id: int, customer_id: int) -> list[OutcomeSurvey]:
    return list(
        session.scalars(
            in_branch(select(OutcomeSurvey), OutcomeSurvey, branch_id)
            .where(OutcomeSurvey.customer_id == customer_id)
            .order_by(OutcomeSurvey.surveyed_on.desc())
        ).all()
    )
