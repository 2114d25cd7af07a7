"""One answer to "is this volunteer free on that date and half-day?", across the rota, EXTRA and befriending.

The weekly availability, dates away and joining/leaving dates are the rota's
own rules (``rota.Volunteer.available_for``, fed by the rota's mapping in
``rota_problem``); here they are asked about a single half-day, and the
volunteer's rota seats (published, and in a draft rota too, since publishing it
would double-book), scheduled EXTRA jobs and active befriending matches are added
as the things that already take that half-day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

import rota
from foodtrain.models import (
    BefriendingMatch,
    BefriendingStatus,
    Branch,
    DayPart,
    ExtraJob,
    ExtraJobStatus,
    Rota,
    RotaAssignment,
    RotaSlot,
    RotaStatus,
    Volunteer,
)
from foodtrain.services.rota_problem import library_volunteer_in_month_of

# The half-days of EXTRA jobs and befriending visits as times (job sheets, personal rotas, calendar files).
SUPPORT_PART_TIMES = {DayPart.MORNING: ((9, 30), (12, 30)), DayPart.AFTERNOON: ((13, 30), (16, 30))}
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
BUSY_STATUSES = (ExtraJobStatus.SCHEDULED, ExtraJobStatus.COMPLETED)


@dataclass(frozen=True)
class Commitment:
    """Something that already takes a volunteer's half-days on a date."""

    kind: str  # "rota" | "extra" | "befriending"
    record_id: int
    day: date
    halves: tuple[str, ...]
    label: str
    town: str = ""  # where, for the volunteer's own calendar (never a name or an address)
    draft: bool = False  # a seat in a draft rota: not published yet, but publishing it would double-book

    @property
    def what(self) -> str:
        """What it is, in a list of bookings: "rota shift: Van 1", "draft rota: Van 1", "EXTRA job: …"."""
        return f"draft rota: {self.label}" if self.draft else self.label

    @property
    def taken_by(self) -> str:
        """How the office reads it: "already on a rota shift: Van 1", "on the draft rota: Van 1"."""
        return f"on the draft rota: {self.label}" if self.draft else f"already on a {self.label}"


def current_rota_ids(session: Session, month: date) -> set[int]:
    """The rotas of ``month`` whose seats take a volunteer's half-days, in every branch: the published one, and
    the newest draft made after it (one publish away from being the rota). Older drafts are left-overs that
    nobody reads; publishing one is refused if it would double-book (``support_clashes_in_rota``)."""
    month = month.replace(day=1)
    published = dict(
        session.execute(
            select(Rota.branch_id, Rota.id).where(Rota.month == month, Rota.status == RotaStatus.PUBLISHED)
        ).all()
    )
    drafts = session.execute(
        select(Rota.branch_id, func.max(Rota.id))
        .where(Rota.month == month, Rota.status == RotaStatus.DRAFT)
        .group_by(Rota.branch_id)
    ).all()
    return set(published.values()) | {
        draft_id for branch_id, draft_id in drafts if draft_id > published.get(branch_id, 0)
    }


def _rota_commitments(session: Session, volunteer_id: int, day: date) -> list[Commitment]:
    rows = session.execute(
        select(RotaSlot.id, RotaSlot.part_of_day, RotaSlot.resource, Rota.status)
        .join(RotaAssignment, RotaAssignment.slot_id == RotaSlot.id)
        .join(Rota, RotaSlot.rota_id == Rota.id)
        .where(
            Rota.id.in_(current_rota_ids(session, day)),
            RotaSlot.date == day,
            RotaAssignment.volunteer_id == volunteer_id,
        )
        .order_by(Rota.status.desc(), RotaSlot.id)  # "published" before "draft"
    ).all()
    return [
        Commitment(
            "rota",
            slot_id,
            day,
            rota.Slot("probe", day, part.value, "office", "probe").halves,
            resource if status is RotaStatus.DRAFT else f"rota shift: {resource}",
            draft=status is RotaStatus.DRAFT,
        )
        for slot_id, part, resource, status in rows
    ]


def _extra_commitments(session: Session, volunteer_id: int, day: date, exclude_job_id: int | None) -> list[Commitment]:
    statement = (
        select(ExtraJob)
        .where(
            ExtraJob.volunteer_id == volunteer_id, ExtraJob.scheduled_date == day, ExtraJob.status.in_(BUSY_STATUSES)
        )
        .options(selectinload(ExtraJob.task_type))
    )
    return [
        Commitment("extra", job.id, day, (job.part_of_day.value,), f"EXTRA job: {job.task_type.name}")
        for job in session.scalars(statement)
        if job.id != exclude_job_id and job.part_of_day is not None
    ]


def _active_matches(session: Session, volunteer_id: int) -> list[BefriendingMatch]:
    return list(
        session.scalars(
            select(BefriendingMatch)
            .where(BefriendingMatch.volunteer_id == volunteer_id, BefriendingMatch.status == BefriendingStatus.ACTIVE)
            .options(selectinload(BefriendingMatch.customer))
            .order_by(BefriendingMatch.id)
        )
    )


def match_meets_on(match: BefriendingMatch, day: date) -> bool:
    """An active match takes its weekday's half-day every week from the day it started."""
    return match.status is BefriendingStatus.ACTIVE and match.weekday == day.weekday() and match.started_on <= day


def _visit(match: BefriendingMatch, day: date) -> Commitment:
    return Commitment(
        "befriending", match.id, day, (match.part_of_day.value,), "befriending visit", match.customer.town
    )


def _befriending_commitments(
    session: Session, volunteer_id: int, day: date, exclude_match_id: int | None
) -> list[Commitment]:
    return [
        _visit(match, day)
        for match in _active_matches(session, volunteer_id)
        if match.id != exclude_match_id and match_meets_on(match, day)
    ]


def befriending_visits(session: Session, volunteer_id: int, start: date, days: int = 62) -> list[Commitment]:
    """The volunteer's befriending visits from ``start`` for ``days`` days, for their calendar: the same
    weekly half-days that ``is_free`` counts as taken."""
    matches = _active_matches(session, volunteer_id)
    return [
        _visit(match, day)
        for day in (start + timedelta(days=offset) for offset in range(days))
        for match in matches
        if match_meets_on(match, day)
    ]


def commitments_on(
    session: Session,
    volunteer_id: int,
    day: date,
    *,
    exclude_extra_job_id: int | None = None,
    exclude_match_id: int | None = None,
) -> list[Commitment]:
    """Everything the volunteer is already down for on ``day`` (published or draft rota, EXTRA, befriending)."""
    return [
        *_rota_commitments(session, volunteer_id, day),
        *_extra_commitments(session, volunteer_id, day, exclude_extra_job_id),
        *_befriending_commitments(session, volunteer_id, day, exclude_match_id),
    ]


def commitments_between(session: Session, volunteer_id: int, first_day: date, last_day: date) -> list[Commitment]:
    """The volunteer's rota shifts (published, and the month's newest draft) and EXTRA jobs from ``first_day`` to ``last_day`` (inclusive), in date
    order: what dates away added now leave without them (befriending visits are theirs to rearrange)."""
    found: list[Commitment] = []
    day = first_day
    while day <= last_day:
        found += [*_rota_commitments(session, volunteer_id, day), *_extra_commitments(session, volunteer_id, day, None)]
        day += timedelta(days=1)
    return found


def why_not_free(
    session: Session,
    volunteer: Volunteer,
    day: date,
    part: DayPart,
    *,
    exclude_extra_job_id: int | None = None,
    exclude_match_id: int | None = None,
) -> list[str]:
    """Why the volunteer cannot take ``part`` of ``day`` (empty when they are free)."""
    branch = session.get(Branch, volunteer.branch_id)
    seen = library_volunteer_in_month_of(volunteer, day, branch.code if branch else str(volunteer.branch_id))
    probe = rota.Slot("probe", day, part.value, "office", "probe")
    reasons = []
    if not seen.available_for(probe):
        if day in seen.dates_away:
            reasons.append(f"away (or not with the service) on {day:%-d %b %Y}")
        else:
            reasons.append(f"not usually available on {WEEKDAY_NAMES[day.weekday()]} {part.value}s")
    for commitment in commitments_on(
        session, volunteer.id, day, exclude_extra_job_id=exclude_extra_job_id, exclude_match_id=exclude_match_id
    ):
        if part.value in commitment.halves:
            reasons.append(f"{commitment.taken_by} that {part.value}")
    return reasons


def weekly_clashes(
    session: Session,
    volunteer_id: int,
    weekday: int,
    part: DayPart,
    first_day: date,
    *,
    exclude_match_id: int | None = None,
) -> list[Commitment]:
    """What a weekly half-day from ``first_day`` on (a new befriending match) would double-book: published or draft
    rota seats and scheduled EXTRA jobs already on a later such weekday, and other matches meeting then. (Dates away
    only skip a week; they are not clashes.)"""
    later_dates = set(
        session.scalars(
            select(RotaSlot.date)
            .join(RotaAssignment, RotaAssignment.slot_id == RotaSlot.id)
            .join(Rota, RotaSlot.rota_id == Rota.id)
            .where(
                Rota.status.in_((RotaStatus.PUBLISHED, RotaStatus.DRAFT)),
                RotaSlot.date >= first_day,
                RotaAssignment.volunteer_id == volunteer_id,
            )
        )
    )
    later_dates |= set(
        session.scalars(
            select(ExtraJob.scheduled_date).where(
                ExtraJob.volunteer_id == volunteer_id,
                ExtraJob.status == ExtraJobStatus.SCHEDULED,
                ExtraJob.scheduled_date >= first_day,
            )
        )
    )
    clashes = [
        commitment
        for day in sorted(d for d in later_dates if d is not None and d.weekday() == weekday)
        for commitment in commitments_on(session, volunteer_id, day, exclude_match_id=exclude_match_id)
        if commitment.kind != "befriending" and part.value in commitment.halves
    ]
    for match in _active_matches(session, volunteer_id):
        if match.id != exclude_match_id and match.weekday == weekday and match.part_of_day is part:
            since = max(match.started_on, first_day)
            clashes.append(_visit(match, since + timedelta(days=(weekday - since.weekday()) % 7)))
    return clashes


def is_free(session: Session, volunteer: Volunteer, day: date, part: DayPart, **exclude: int | None) -> bool:
    """The volunteer is available (rota rules) and not already committed that half-day."""
    return not why_not_free(session, volunteer, day, part, **exclude)


def support_clashes_in_rota(session: Session, rota_id: int) -> list[str]:
    """What publishing the rota would double-book: seats on half-days that an EXTRA job or a befriending visit
    of the same volunteer already takes (scheduled after the draft was made, onto an older draft's seat)."""
    clashes = []
    for day, part, resource, volunteer_id, first_name, last_name in session.execute(
        select(
            RotaSlot.date,
            RotaSlot.part_of_day,
            RotaSlot.resource,
            Volunteer.id,
            Volunteer.first_name,
            Volunteer.last_name,
        )
        .join(RotaAssignment, RotaAssignment.slot_id == RotaSlot.id)
        .join(Volunteer, Volunteer.id == RotaAssignment.volunteer_id)
        .where(RotaSlot.rota_id == rota_id)
        .order_by(RotaSlot.date, RotaSlot.id, Volunteer.id)
    ):
        halves = rota.Slot("probe", day, part.value, "office", "probe").halves
        for commitment in [
            *_extra_commitments(session, volunteer_id, day, None),
            *_befriending_commitments(session, volunteer_id, day, None),
        ]:
            taken = [half for half in commitment.halves if half in halves]
            if taken:
                clashes.append(
                    f"{first_name} {last_name} is on {resource} on {day:%-d %b %Y} {taken[0]}, when "
                    f"they already have the {commitment.label}"
                )
    return clashes


def support_busy_in_month(
    session: Session, volunteer_ids: list[int], month: date
) -> dict[int, tuple[frozenset[date], frozenset[tuple[int, str]]]]:
    """Per volunteer, what EXTRA and befriending already take in the month, in the rota library's terms:
    dates of scheduled EXTRA jobs (the library blocks whole dates) and the weekly half-days of active
    befriending matches (taken out of their weekly availability), so the rota never double-books them."""
    from foodtrain.services.rota_problem import month_dates

    last_day = month_dates(month)[-1]
    dates: dict[int, set[date]] = {}
    half_days: dict[int, set[tuple[int, str]]] = {}
    for volunteer_id, day in session.execute(
        select(ExtraJob.volunteer_id, ExtraJob.scheduled_date).where(
            ExtraJob.volunteer_id.in_(volunteer_ids),
            ExtraJob.status.in_(BUSY_STATUSES),
            ExtraJob.scheduled_date.between(month, last_day),
        )
    ):
        if volunteer_id is not None and day is not None:  # both set by the query's conditions
            dates.setdefault(volunteer_id, set()).add(day)
    for volunteer_id, weekday, part in session.execute(
        select(BefriendingMatch.volunteer_id, BefriendingMatch.weekday, BefriendingMatch.part_of_day).where(
            BefriendingMatch.volunteer_id.in_(volunteer_ids),
            BefriendingMatch.status == BefriendingStatus.ACTIVE,
            BefriendingMatch.started_on <= last_day,
        )
    ):
        half_days.setdefault(volunteer_id, set()).add((weekday, part.value))
    return {
        volunteer_id: (frozenset(dates.get(volunteer_id, ())), frozenset(half_days.get(volunteer_id, ())))
        for volunteer_id in set(dates) | set(half_days)
    }
