"""EXTRA home-support jobs: request, price from the effective-dated list, who can do it, schedule, job sheet,
completion with time spent and payment, and the jobs in a volunteer's calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from foodtrain.models import DayPart, PaymentMethod, PvgStatus, Volunteer
from foodtrain.models.support import (
    ExtraJob,
    ExtraJobStatus,
    ExtraPrice,
    ExtraTaskType,
    ExtraUrgency,
    VolunteerSkill,
)
from foodtrain.money import MAX_AMOUNT_PENCE
from foodtrain.services.commitments import SUPPORT_PART_TIMES, why_not_free
from foodtrain.services.audit import Actor
from foodtrain.services.customers import claim_form_token, commit_or_replay, used_form_token
from foodtrain.services.errors import NotFoundError, ValidationError, check_version
from foodtrain.services.people import get_in_branch, in_branch
from foodtrain.services.referrals import audit, check_text, customer_of_branch

URGENCY_LABELS = {
    ExtraUrgency.ROUTINE: "Routine",
    ExtraUrgency.SOON: "Within the week",
    ExtraUrgency.URGENT: "Urgent (a day or two)",
}
STATUS_LABELS = {
    ExtraJobStatus.REQUESTED: "Requested",
    ExtraJobStatus.SCHEDULED: "Scheduled",
    ExtraJobStatus.COMPLETED: "Completed",
    ExtraJobStatus.CANCELLED: "Cancelled",
}
PART_TIMES = SUPPORT_PART_TIMES
MAX_DETAILS = 2000
MAX_TIME_SPENT_MIN = 720


class NoPriceError(ValidationError):
    def __init__(self, task_name: str, on: date) -> None:
        super().__init__({"task_type_id": f"The price list has no price for {task_name} on {on:%-d %b %Y}."})


def price_on(session: Session, task_type_id: int, on: date) -> int | None:
    """The price of one job of the task type on a date (the latest list entry from on or before it)."""
    return session.scalar(
        select(ExtraPrice.price_pence)
        .where(ExtraPrice.task_type_id == task_type_id, ExtraPrice.effective_from <= on)
        .order_by(ExtraPrice.effective_from.desc())
        .limit(1)
    )


def task_types(session: Session, branch_id: int, *, active_only: bool = True) -> list[ExtraTaskType]:
    statement = in_branch(select(ExtraTaskType), ExtraTaskType, branch_id).options(selectinload(ExtraTaskType.prices))
    if active_only:
        statement = statement.where(ExtraTaskType.active.is_(True))
    return list(session.scalars(statement.order_by(ExtraTaskType.name)).all())


def _task_type(
    session: Session, branch_id: int, task_type_id: int | None, errors: dict[str, str]
) -> ExtraTaskType | None:
    task = session.get(ExtraTaskType, task_type_id) if task_type_id is not None else None
    if task is None or task.branch_id != branch_id or not task.active:
        errors["task_type_id"] = "Choose a kind of job from the branch's list."
        return None
    return task


def weekdays_mask(weekdays: set[int] | frozenset[int]) -> int:
    return sum(1 << day for day in weekdays if 0 <= day <= 6)


def weekdays_of(mask: int) -> list[int]:
    return [day for day in range(7) if mask & (1 << day)]


@dataclass(frozen=True)
class JobRequest:
    customer_id: int | None
    task_type_id: int | None
    details: str = ""
    preferred_weekdays: frozenset[int] = frozenset()
    urgency: ExtraUrgency = ExtraUrgency.ROUTINE
    referral_id: int | None = None


def request_job(
    session: Session, branch_id: int, request: JobRequest, *, actor: Actor, form_token: str, today: date
) -> int:
    """Record a requested job, priced from the list as of today; returns its id (again for a resubmit)."""
    earlier = used_form_token(session, branch_id, form_token)
    if earlier is not None and earlier.entity_id is not None:
        return earlier.entity_id
    errors: dict[str, str] = {}
    customer = customer_of_branch(session, branch_id, request.customer_id, errors)
    task = _task_type(session, branch_id, request.task_type_id, errors)
    details = check_text(errors, "details", request.details, MAX_DETAILS, "The details")
    if not details and "details" not in errors:
        errors["details"] = "Describe the job (what, and where in the home)."
    if any(day not in range(7) for day in request.preferred_weekdays):
        errors["preferred_weekdays"] = "Choose days from Monday to Sunday."
    if errors:
        raise ValidationError(errors)
    assert customer is not None and task is not None
    price = price_on(session, task.id, today)
    if price is None:
        raise NoPriceError(task.name, today)
    job = ExtraJob(
        branch_id=branch_id,
        customer_id=customer.id,
        task_type_id=task.id,
        details=details,
        preferred_weekdays_mask=weekdays_mask(request.preferred_weekdays),
        urgency=request.urgency,
        requested_on=today,
        price_pence=price,
        referral_id=request.referral_id,
        created_by_user_id=actor.user_id,
    )
    session.add(job)
    session.flush()
    claim_form_token(session, branch_id, form_token, "extra.request", job.id)
    audit(session, actor, "extra.request", "extra_job", job.id, branch_id, f"customer={customer.id} task={task.id}")
    replayed = commit_or_replay(session, branch_id, form_token)
    return replayed if replayed is not None else job.id


def get_job(session: Session, branch_id: int, job_id: int) -> ExtraJob:
    job = session.scalar(
        in_branch(select(ExtraJob), ExtraJob, branch_id)
        .where(ExtraJob.id == job_id)
        .options(selectinload(ExtraJob.customer), selectinload(ExtraJob.task_type), selectinload(ExtraJob.volunteer))
    )
    if job is None:
        raise NotFoundError(f"No EXTRA job {job_id} in this branch.")
    return job


def list_jobs(
    session: Session,
    branch_id: int,
    *,
    status: ExtraJobStatus | None = None,
    customer_id: int | None = None,
    volunteer_id: int | None = None,
) -> list[ExtraJob]:
    statement = in_branch(select(ExtraJob), ExtraJob, branch_id).options(
        selectinload(ExtraJob.customer), selectinload(ExtraJob.task_type), selectinload(ExtraJob.volunteer)
    )
    if status is not None:
        statement = statement.where(ExtraJob.status == status)
    if customer_id is not None:
        statement = statement.where(ExtraJob.customer_id == customer_id)
    if volunteer_id is not None:
        statement = statement.where(ExtraJob.volunteer_id == volunteer_id)
    return list(session.scalars(statement.order_by(ExtraJob.requested_on.desc(), ExtraJob.id.desc())).all())


def can_do_extra_job(volunteer: Volunteer, task_type_id: int, skills: set[int], on: date) -> str | None:
    """Why the volunteer may not do this kind of job at a customer's home on a date (None: they may)."""
    if volunteer.pvg_status is not PvgStatus.CLEARED or (volunteer.pvg_issued_on and volunteer.pvg_issued_on > on):
        return "PVG not cleared"
    if task_type_id not in skills:
        return "does not have the skill"
    return None


@dataclass(frozen=True)
class Candidate:
    volunteer_id: int
    name: str
    free: bool
    reasons: tuple[str, ...]  # why not free (empty when free)


def candidates(session: Session, branch_id: int, job_id: int, on: date, part: DayPart) -> list[Candidate]:
    """The branch's volunteers with the job's skill and PVG cleared, free ones first, with why the others are not."""
    job = get_job(session, branch_id, job_id)
    skilled = session.scalars(
        in_branch(select(Volunteer), Volunteer, branch_id)
        .join(VolunteerSkill, VolunteerSkill.volunteer_id == Volunteer.id)
        .where(VolunteerSkill.task_type_id == job.task_type_id, Volunteer.left_on.is_(None))
        .options(
            selectinload(Volunteer.availability),
            selectinload(Volunteer.absences),
            selectinload(Volunteer.roles),
            selectinload(Volunteer.partner_preferences),
        )
        .order_by(Volunteer.last_name, Volunteer.first_name, Volunteer.id)
    ).all()
    found = []
    for volunteer in skilled:
        if can_do_extra_job(volunteer, job.task_type_id, {job.task_type_id}, on) is not None:
            continue
        reasons = why_not_free(session, volunteer, on, part, exclude_extra_job_id=job.id)
        found.append(Candidate(volunteer.id, volunteer.full_name, not reasons, tuple(reasons)))
    return sorted(found, key=lambda c: (not c.free, c.name, c.volunteer_id))


def schedule_job(
    session: Session,
    branch_id: int,
    job_id: int,
    *,
    volunteer_id: int | None,
    on: date | None,
    part: DayPart | None,
    expected_version: int | None,
    actor: Actor,
    today: date,
) -> None:
    """Give the job to a skilled, PVG-cleared volunteer on a date and half-day when they are free; the price
    becomes the list's price on that date."""
    job = get_job(session, branch_id, job_id)
    if job.status in (ExtraJobStatus.COMPLETED, ExtraJobStatus.CANCELLED):
        raise ValidationError({"__all__": f"This job is {job.status.value}: it can no longer be scheduled."})
    errors: dict[str, str] = {}
    if on is None:
        errors["scheduled_date"] = "Enter the date."
    elif on < today:
        errors["scheduled_date"] = "The date has passed."
    elif on > today + timedelta(days=366):
        errors["scheduled_date"] = "The date is more than a year ahead."
    if part is None:
        errors["part_of_day"] = "Choose morning or afternoon."
    volunteer = None
    if volunteer_id is None:
        errors["volunteer_id"] = "Choose the volunteer."
    else:
        try:
            volunteer = get_in_branch(session, Volunteer, volunteer_id, branch_id)
        except NotFoundError:
            errors["volunteer_id"] = "Choose a volunteer of this branch."
    if errors:
        raise ValidationError(errors)
    assert volunteer is not None and on is not None and part is not None
    skills = set(
        session.scalars(select(VolunteerSkill.task_type_id).where(VolunteerSkill.volunteer_id == volunteer.id))
    )
    refusal = can_do_extra_job(volunteer, job.task_type_id, skills, on)
    if refusal:
        raise ValidationError({"volunteer_id": f"{volunteer.full_name} cannot do this job: {refusal}."})
    reasons = why_not_free(session, volunteer, on, part, exclude_extra_job_id=job.id)
    if reasons:
        raise ValidationError({"volunteer_id": f"{volunteer.full_name} is not free then: {'; '.join(reasons)}."})
    check_version(job.version, expected_version)
    price = price_on(session, job.task_type_id, on)
    if price is None:
        raise NoPriceError(job.task_type.name, on)
    job.volunteer_id, job.scheduled_date, job.part_of_day = volunteer.id, on, part
    job.status, job.price_pence = ExtraJobStatus.SCHEDULED, price
    audit(
        session,
        actor,
        "extra.schedule",
        "extra_job",
        job.id,
        branch_id,
        f"volunteer={volunteer.id} date={on} part={part.value}",
    )
    commit_or_replay(session, branch_id, "")


def complete_job(
    session: Session,
    branch_id: int,
    job_id: int,
    *,
    time_spent_min: int | None,
    amount_paid_pence: int | None,
    payment_method: PaymentMethod | None,
    notes: str = "",
    expected_version: int | None,
    actor: Actor,
    today: date,
) -> None:
    """Record that the scheduled job was done: how long it took and what the customer paid, and how."""
    job = get_job(session, branch_id, job_id)
    if job.status is not ExtraJobStatus.SCHEDULED:
        raise ValidationError({"__all__": "Only a scheduled job can be completed."})
    errors: dict[str, str] = {}
    if time_spent_min is None or not 1 <= time_spent_min <= MAX_TIME_SPENT_MIN:
        errors["time_spent_min"] = f"Enter the minutes spent (1 to {MAX_TIME_SPENT_MIN})."
    if amount_paid_pence is None or not 0 <= amount_paid_pence <= MAX_AMOUNT_PENCE:
        errors["amount_paid"] = "Enter the amount paid (£0 if nothing)."
    if payment_method is None and (amount_paid_pence or 0) > 0:
        errors["payment_method"] = "Choose how they paid."
    text = check_text(errors, "completion_notes", notes, MAX_DETAILS, "Notes")
    if job.scheduled_date is not None and job.scheduled_date > today:
        errors["__all__"] = f"This job is scheduled for {job.scheduled_date:%-d %b %Y}: it cannot be done yet."
    if errors:
        raise ValidationError(errors)
    check_version(job.version, expected_version)
    job.status, job.completed_on = ExtraJobStatus.COMPLETED, job.scheduled_date
    job.time_spent_min, job.amount_paid_pence, job.payment_method = time_spent_min, amount_paid_pence, payment_method
    job.completion_notes = text
    audit(
        session,
        actor,
        "extra.complete",
        "extra_job",
        job.id,
        branch_id,
        f"minutes={time_spent_min} paid={amount_paid_pence}",
    )
    commit_or_replay(session, branch_id, "")


def cancel_job(
    session: Session, branch_id: int, job_id: int, *, reason: str, expected_version: int | None, actor: Actor
) -> None:
    job = get_job(session, branch_id, job_id)
    errors: dict[str, str] = {}
    text = check_text(errors, "cancel_reason", reason, 300, "The reason")
    if not text and not errors:
        errors["cancel_reason"] = "Say why the job is cancelled."
    if job.status is ExtraJobStatus.COMPLETED:
        errors["__all__"] = "A completed job cannot be cancelled."
    if errors:
        raise ValidationError(errors)
    if job.status is ExtraJobStatus.CANCELLED:
        return
    check_version(job.version, expected_version)
    job.status, job.cancel_reason = ExtraJobStatus.CANCELLED, text
    audit(session, actor, "extra.cancel", "extra_job", job.id, branch_id)
    commit_or_replay(session, branch_id, "")


# --- the job sheet and the volunteer's calendar --------------------------------------------------------------


def job_start_end(job: ExtraJob) -> tuple[datetime, datetime]:
    assert job.scheduled_date is not None and job.part_of_day is not None
    (start_h, start_m), (end_h, end_m) = PART_TIMES[job.part_of_day]
    day = job.scheduled_date
    return datetime(day.year, day.month, day.day, start_h, start_m), datetime(
        day.year, day.month, day.day, end_h, end_m
    )


def volunteer_extra_jobs(
    session: Session, branch_id: int, volunteer_id: int, start: date, days: int = 62
) -> list[ExtraJob]:
    """The volunteer's scheduled and completed jobs from ``start`` for ``days`` days (their calendar)."""
    jobs = session.scalars(
        in_branch(select(ExtraJob), ExtraJob, branch_id)
        .where(
            ExtraJob.volunteer_id == volunteer_id,
            ExtraJob.scheduled_date >= start,
            ExtraJob.scheduled_date < start + timedelta(days=days),
            ExtraJob.status.in_([ExtraJobStatus.SCHEDULED, ExtraJobStatus.COMPLETED]),
        )
        .options(selectinload(ExtraJob.task_type), selectinload(ExtraJob.customer))
    ).all()
    return sorted(jobs, key=lambda job: (job.scheduled_date, job.part_of_day is DayPart.AFTERNOON, job.id))


def job_sheet_pdf(session: Session, branch_id: int, job_id: int, *, actor: Actor) -> bytes:
    """The printable job sheet of a scheduled job (address, task, details, price; audited: it holds an address)."""
    from foodtrain.sheets import render_extra_job_sheet, ExtraJobSheet
    from foodtrain.money import format_pence

    job = get_job(session, branch_id, job_id)
    if job.status is not ExtraJobStatus.SCHEDULED or job.scheduled_date is None or job.volunteer is None:
        raise ValidationError({"__all__": "Schedule the job before printing its sheet."})
    customer = job.customer
    sheet = ExtraJobSheet(
        job_ref=f"EXTRA-{job.id}",
        task=job.task_type.name,
        day=job.scheduled_date,
        part=job.part_of_day.value if job.part_of_day else "",
        volunteer=job.volunteer.full_name,
        customer_name=customer.full_name,
        address=", ".join(
            part for part in (customer.address_line1, customer.address_line2, customer.town, customer.postcode) if part
        ),
        phone=customer.phone,
        access_notes=customer.access_notes,
        details=job.details,
        price=format_pence(job.price_pence),
    )
    audit(session, actor, "extra.print_sheet", "extra_job", job.id, branch_id)
    session.commit()
    return render_extra_job_sheet(sheet)


def add_price(
    session: Session,
    branch_id: int,
    *,
    task_name: str,
    effective_from: date | None,
    price_pence: int | None,
    actor: Actor,
) -> int:
    """Add a price-list entry from a date on for a task type of the branch (a new name adds the task type)."""
    errors: dict[str, str] = {}
    name = check_text(errors, "task_name", task_name, 80, "The job")
    if not name and "task_name" not in errors:
        errors["task_name"] = "Name the kind of job."
    if effective_from is None:
        errors["effective_from"] = "Enter the date the price starts."
    if price_pence is None or not 0 <= price_pence <= 100_00:
        errors["price"] = "Enter a price between £0 and £100."
    if errors:
        raise ValidationError(errors)
    task = session.scalar(in_branch(select(ExtraTaskType), ExtraTaskType, branch_id).where(ExtraTaskType.name == name))
    if task is not None and not task.active:
        raise ValidationError({"task_name": f"{name} is retired: offer it again before adding a price."})
    if task is None:
        task = ExtraTaskType(branch_id=branch_id, name=name)
        session.add(task)
        session.flush()
    if (
        session.scalar(
            select(ExtraPrice.id).where(ExtraPrice.task_type_id == task.id, ExtraPrice.effective_from == effective_from)
        )
        is not None
    ):
        raise ValidationError({"effective_from": f"{name} already has a price from {effective_from:%-d %b %Y}."})
    session.add(ExtraPrice(task_type_id=task.id, effective_from=effective_from, price_pence=price_pence))
    audit(
        session,
        actor,
        "extra.price",
        "extra_task_type",
        task.id,
        branch_id,
        f"from={effective_from} pence={price_pence}",
    )
    commit_or_replay(session, branch_id, "")
    return task.id


def get_task_type(session: Session, branch_id: int, task_type_id: int) -> ExtraTaskType:
    task = session.scalar(
        in_branch(select(ExtraTaskType), ExtraTaskType, branch_id).where(ExtraTaskType.id == task_type_id)
    )
    if task is None:
        raise NotFoundError(f"No kind of EXTRA job {task_type_id} in this branch.")
    return task


def set_task_type_offered(session: Session, branch_id: int, task_type_id: int, *, offered: bool, actor: Actor) -> None:
    """Retire a kind of job (no longer offered for new requests or as a skill to tick) or offer it again.

    Nothing is deleted: its dated prices, the jobs already requested or done and the volunteers' skills stay,
    so history keeps its prices and a job already asked for can still be scheduled and completed."""
    task = get_task_type(session, branch_id, task_type_id)
    if task.active == offered:
        return
    task.active = offered
    audit(session, actor, "extra.offer_task" if offered else "extra.retire_task", "extra_task_type", task.id, branch_id)
    commit_or_replay(session, branch_id, "")
