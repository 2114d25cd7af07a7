"""A volunteer's calendar: rota shifts, EXTRA jobs and befriending visits as one iCalendar file, and the secret
feed URL a calendar app subscribes to.

What goes in is the volunteer's own time, never a customer's data: a shift's role, van or shop and team-mates;
an EXTRA job's task and town; "Befriending visit" and nothing about whom. :func:`calendar_events` builds every
event from plain values, so the rule of what a calendar shows lives in one place.

The feed token is shown once when it is made; only its SHA-256 digest is stored. Making a new one or revoking it
stops the old URL at once (404, as for a token that never existed).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from foodtrain.clock import BRANCH_TIMEZONE
from foodtrain.ical import CalendarEvent, build_calendar
from foodtrain.models import DayPart, Volunteer, VolunteerCalendarToken
from foodtrain.models._types import utc_now
from foodtrain.models.support import ExtraJob
from foodtrain.services import commitments
from foodtrain.services.audit import Actor
from foodtrain.services.errors import NotFoundError
from foodtrain.services.extra import PART_TIMES as SUPPORT_PART_TIMES
from foodtrain.services.extra import job_start_end, volunteer_extra_jobs
from foodtrain.services.people import get_in_branch
from foodtrain.services.referrals import audit
from foodtrain.services.rota import Shift, volunteer_rota
from foodtrain.secret_tokens import new_token, token_digest

FEED_DAYS_BEFORE = 31  # a subscribed calendar keeps last month's shifts
FEED_DAYS_AFTER = 93  # and shows the next three months (the rota is published a month ahead)
LAST_USED_STEP = timedelta(hours=1)  # "last fetched" is written at most once an hour per feed
MAX_TOKEN_CHARS = 100
NO_SUCH_FEED = "No such calendar feed."


@dataclass(frozen=True)
class ExtraJobEntry:
    """An EXTRA job in a volunteer's calendar: the task and the town only (the sheet has the address)."""

    job_id: int
    task: str
    start: datetime
    end: datetime
    town: str


@dataclass(frozen=True)
class BefriendingVisit:
    """One weekly befriending visit of a match (no customer data)."""

    match_id: int
    start: datetime
    end: datetime
    town: str = ""  # where the visit is, as for an EXTRA job (never a name or an address)


@dataclass(frozen=True)
class FeedStatus:
    """What the volunteer may see of their feed: when it was made and last fetched (branch local time)."""

    created_at: datetime
    last_used_at: datetime | None


def calendar_events(
    volunteer_id: int,
    shifts: Iterable[Shift],
    extra_jobs: Iterable[ExtraJobEntry],
    visits: Iterable[BefriendingVisit],
    *,
    host: str = "foodtrain",
) -> list[CalendarEvent]:
    """Every event of a volunteer's calendar, in time order, from plain values (never a customer's data)."""
    events = []
    for shift in shifts:
        lines = [f"{shift.role_label} — {shift.kind_label.lower()}: {shift.resource}"]
        if shift.cancelled:
            lines.insert(0, f"Cancelled. {shift.cancelled_notice}.")
        elif shift.partners:
            lines.append("With: " + ", ".join(shift.partners))
        summary = f"Cancelled — {shift.title}" if shift.cancelled else shift.title
        events.append(
            CalendarEvent(
                uid=f"rota-slot-{shift.slot_id}-volunteer-{volunteer_id}@{host}",
                start=shift.start,
                end=shift.end,
                summary=summary,
                description="\n".join(lines),
                location=shift.branch_name,
                cancelled=shift.cancelled,
            )
        )
    for job in extra_jobs:
        events.append(
            CalendarEvent(
                uid=f"extra-job-{job.job_id}@{host}",
                start=job.start,
                end=job.end,
                summary=f"Food Train EXTRA: {job.task}",
                description="The job sheet has the address; ask the office.",
                location=job.town,
            )
        )
    for visit in visits:
        events.append(
            CalendarEvent(
                uid=f"befriending-{visit.match_id}-{visit.start:%Y%m%d}@{host}",
                start=visit.start,
                end=visit.end,
                summary="Food Train: befriending visit",
                description="Your regular befriending visit.",
                location=visit.town,
            )
        )
    return sorted(events, key=lambda event: (event.start, event.uid))


def extra_job_entries(jobs: Iterable[ExtraJob]) -> list[ExtraJobEntry]:
    """The calendar's view of scheduled EXTRA jobs."""
    entries = []
    for job in jobs:
        start, end = job_start_end(job)
        entries.append(ExtraJobEntry(job.id, job.task_type.name, start, end, job.customer.town))
    return entries


def _at(day: date, part: DayPart, which: int) -> datetime:
    hour, minute = SUPPORT_PART_TIMES[part][which]
    return datetime(day.year, day.month, day.day, hour, minute)


def befriending_visits(
    session: Session, branch_id: int, volunteer_id: int, start: date, days: int
) -> list[BefriendingVisit]:
    """The weekly visits of the volunteer's active befriending matches from ``start`` for ``days`` days: the
    half-days ``commitments.is_free`` counts as taken (one rule, in commitments)."""
    return [
        BefriendingVisit(
            visit.record_id,
            _at(visit.day, DayPart(visit.halves[0]), 0),
            _at(visit.day, DayPart(visit.halves[0]), 1),
            visit.town,
        )
        for visit in commitments.befriending_visits(session, volunteer_id, start, days)
    ]


@dataclass(frozen=True)
class VolunteerCalendar:
    """A volunteer's calendar file and the name to give it."""

    volunteer_name: str
    text: str


def volunteer_calendar(
    session: Session, branch_id: int, volunteer_id: int, start: date, days: int = 62, *, host: str = "foodtrain"
) -> VolunteerCalendar:
    """The volunteer's shifts, EXTRA jobs and befriending visits from ``start`` for ``days`` days, as iCalendar."""
    rota = volunteer_rota(session, branch_id, volunteer_id, start, days)
    jobs = extra_job_entries(volunteer_extra_jobs(session, branch_id, volunteer_id, start, days))
    visits = befriending_visits(session, branch_id, volunteer_id, start, days)
    events = calendar_events(rota.volunteer_id, rota.shifts, jobs, visits, host=host)
    text = build_calendar(events, name=f"Food Train rota — {rota.name}", stamp_utc=utc_now())
    return VolunteerCalendar(rota.name, text)


def _local(stamp_utc: datetime) -> datetime:
    return stamp_utc.replace(tzinfo=timezone.utc).astimezone(BRANCH_TIMEZONE).replace(tzinfo=None)


def _token_row(session: Session, volunteer_id: int) -> VolunteerCalendarToken | None:
    return session.scalar(select(VolunteerCalendarToken).where(VolunteerCalendarToken.volunteer_id == volunteer_id))


def feed_status(session: Session, branch_id: int, volunteer_id: int) -> FeedStatus | None:
    """The volunteer's feed (when made, when last fetched), or None when they have none."""
    volunteer = get_in_branch(session, Volunteer, volunteer_id, branch_id)
    row = _token_row(session, volunteer.id)
    if row is None:
        return None
    return FeedStatus(_local(row.created_at), _local(row.last_used_at) if row.last_used_at else None)


def new_feed_token(session: Session, branch_id: int, volunteer_id: int, *, actor: Actor) -> str:
    """A new unguessable feed token for the volunteer; any earlier URL stops working. Shown once, stored hashed."""
    volunteer = get_in_branch(session, Volunteer, volunteer_id, branch_id)
    token = new_token()
    row = _token_row(session, volunteer.id)
    if row is None:
        session.add(VolunteerCalendarToken(volunteer_id=volunteer.id, token_sha256=token_digest(token)))
    else:
        row.token_sha256, row.created_at, row.last_used_at = token_digest(token), utc_now(), None
    audit(session, actor, "calendar_feed.new", "volunteer", volunteer.id, branch_id)
    session.commit()
    return token


def revoke_feed(session: Session, branch_id: int, volunteer_id: int, *, actor: Actor) -> bool:
    """Stop the volunteer's feed URL; False (and nothing written) when there was none."""
    volunteer = get_in_branch(session, Volunteer, volunteer_id, branch_id)
    row = _token_row(session, volunteer.id)
    if row is None:
        return False
    session.delete(row)
    audit(session, actor, "calendar_feed.revoke", "volunteer", volunteer.id, branch_id)
    session.commit()
    return True


def feed_calendar(session: Session, token: str, today: date, *, host: str = "foodtrain") -> VolunteerCalendar:
    """The calendar behind a feed token (last month to three months ahead), or NotFoundError.

    A revoked or replaced token, and the token of someone who has left, find nothing."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        raise NotFoundError(NO_SUCH_FEED)
    row = session.scalar(
        select(VolunteerCalendarToken).where(VolunteerCalendarToken.token_sha256 == token_digest(token))
    )
    volunteer = session.get(Volunteer, row.volunteer_id) if row is not None else None
    if row is None or volunteer is None or volunteer.left_on is not None and volunteer.left_on <= today:
        raise NotFoundError(NO_SUCH_FEED)
    now = utc_now()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_STEP:
        row.last_used_at = now
        session.commit()
    return volunteer_calendar(
        session,
        volunteer.branch_id,
        volunteer.id,
        today - timedelta(days=FEED_DAYS_BEFORE),
        FEED_DAYS_BEFORE + FEED_DAYS_AFTER,
        host=host,
    )
