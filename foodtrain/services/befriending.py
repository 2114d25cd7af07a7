"""Befriending: an isolated customer's wishes, ranked befriender suggestions with reasons, matches, the log of
visits, calls and outings, periodic reviews, and ending a match with a reason.

Matching rules, hard ones first (a volunteer breaking one is listed apart with the reason), each one function:
- ``rule_befriender``: the volunteer offers befriending;
- ``rule_pvg_cleared``: PVG cleared by the start date;
- ``rule_within_distance``: their postcode within the customer's chosen distance;
- ``rule_gender`` / ``rule_language``: the customer's preference, only when they asked;
- ``rule_available``: free (the rota's availability plus every commitment) on a wished half-day.
Soft: shared interests first, then distance, then how many wished half-days they are free.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from foodtrain.geography import distance_km
from foodtrain.models import Customer, DayPart, PvgStatus, Volunteer
from foodtrain.models.support import (
    BefriendingContact,
    BefriendingMatch,
    BefriendingReview,
    BefriendingStatus,
    BefriendingWish,
    ContactKind,
    Gender,
    VolunteerSupportProfile,
)
from foodtrain.postcodes import PostcodeError, lookup_postcode
from foodtrain.services.commitments import WEEKDAY_NAMES, weekly_clashes, why_not_free
from foodtrain.services.audit import Actor
from foodtrain.services.customers import commit_or_replay
from foodtrain.services.errors import NotFoundError, ValidationError, check_version
from foodtrain.services.people import get_in_branch, in_branch
from foodtrain.services.referrals import audit, check_text

CONTACT_LABELS = {ContactKind.VISIT: "Visit", ContactKind.CALL: "Phone call", ContactKind.OUTING: "Outing"}
GENDER_LABELS = {Gender.FEMALE: "Woman", Gender.MALE: "Man", Gender.OTHER: "Other"}
MAX_DURATION_MIN = 720
MAX_NOTES = 2000
SERVICE_WEEKDAYS = range(6)  # Monday to Saturday


def words(text: str) -> set[str]:
    """A comma-separated list as a set of lower-case entries ("Gardening, bowls" -> {"gardening", "bowls"})."""
    return {item.strip().lower() for item in (text or "").split(",") if item.strip()}


def next_weekday(on: date, weekday: int) -> date:
    return on + timedelta(days=(weekday - on.weekday()) % 7)


# --- wishes --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WishDetails:
    interests: str = ""
    preferred_gender: Gender | None = None
    language: str = ""
    max_distance_km: float | None = 10.0
    weekday: int | None = None
    part_of_day: DayPart | None = None
    notes: str = ""


def save_wish(session: Session, branch_id: int, customer_id: int, details: WishDetails, *, actor: Actor) -> int:
    """Create or replace what the customer would like from a befriender."""
    customer = get_in_branch(session, Customer, customer_id, branch_id)
    errors: dict[str, str] = {}
    interests = check_text(errors, "interests", details.interests, 500, "Interests")
    language = check_text(errors, "language", details.language, 80, "Language")
    notes = check_text(errors, "notes", details.notes, MAX_NOTES, "Notes")
    if details.max_distance_km is None or not 0 < details.max_distance_km <= 200:
        errors["max_distance_km"] = "Enter a distance between 1 and 200 km."
    if details.weekday is not None and details.weekday not in range(7):
        errors["weekday"] = "Choose a day of the week."
    if errors:
        raise ValidationError(errors)
    wish = session.scalar(select(BefriendingWish).where(BefriendingWish.customer_id == customer.id))
    if wish is None:
        wish = BefriendingWish(branch_id=branch_id, customer_id=customer.id)
        session.add(wish)
    wish.interests, wish.language, wish.notes = interests, language, notes
    wish.preferred_gender, wish.max_distance_km = details.preferred_gender, float(details.max_distance_km or 10)
    wish.weekday, wish.part_of_day = details.weekday, details.part_of_day
    session.flush()
    audit(session, actor, "befriending.wish", "customer", customer.id, branch_id)
    commit_or_replay(session, branch_id, "")
    return wish.id


def wish_of(session: Session, branch_id: int, customer_id: int) -> BefriendingWish | None:
    return session.scalar(
        in_branch(select(BefriendingWish), BefriendingWish, branch_id).where(BefriendingWish.customer_id == customer_id)
    )


# --- matching rules ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Wanted:
    """What the customer asks for, as plain values."""

    location: tuple[float, float] | None
    max_distance_km: float
    interests: frozenset[str]
    gender: Gender | None
    language: str
    half_days: tuple[tuple[int, DayPart], ...]  # (weekday, part) the customer would like


def rule_befriender(profile: VolunteerSupportProfile | None) -> str | None:
    return None if profile is not None and profile.befriender else "does not offer befriending"


def rule_pvg_cleared(volunteer: Volunteer, on: date) -> str | None:
    if volunteer.pvg_status is PvgStatus.CLEARED and (volunteer.pvg_issued_on is None or volunteer.pvg_issued_on <= on):
        return None
    return "PVG not cleared"


def volunteer_location(volunteer: Volunteer) -> tuple[float, float] | None:
    """The volunteer's postcode centroid from the offline postcode data (None when unknown)."""
    try:
        found = lookup_postcode(volunteer.postcode)
    except (PostcodeError, ValueError):
        return None
    return found.latitude, found.longitude


def rule_within_distance(wanted: Wanted, location: tuple[float, float] | None) -> tuple[str | None, float | None]:
    if wanted.location is None:
        return "the customer's address has no location", None
    if location is None:
        return "no known postcode", None
    km = distance_km(wanted.location, location)
    if km > wanted.max_distance_km:
        return f"{km:.1f} km away (more than {wanted.max_distance_km:g} km)", km
    return None, km


def rule_gender(wanted: Wanted, profile: VolunteerSupportProfile | None) -> str | None:
    if wanted.gender is None or (profile is not None and profile.gender is wanted.gender):
        return None
    return f"the customer asked for a befriender who is a {GENDER_LABELS[wanted.gender].lower()}"


def rule_language(wanted: Wanted, profile: VolunteerSupportProfile | None) -> str | None:
    if not wanted.language or (profile is not None and wanted.language.lower() in words(profile.languages)):
        return None
    return f"does not speak {wanted.language}"


def rule_available(session: Session, volunteer: Volunteer, wanted: Wanted, on: date) -> tuple[str | None, list[str]]:
    """Free on at least one wished half-day (its next date from ``on``); returns the free ones as labels."""
    free, refusals = [], []
    for weekday, part in wanted.half_days:
        reasons = why_not_free(session, volunteer, next_weekday(on, weekday), part)
        if reasons:
            refusals.append(reasons[0])
        else:
            free.append(f"{WEEKDAY_NAMES[weekday]} {part.value}")
    if not free:
        return ("not free on a wished half-day" + (f" ({refusals[0]})" if refusals else "")), []
    return None, free


@dataclass(frozen=True)
class Suggestion:
    volunteer_id: int
    name: str
    distance_km: float | None
    shared_interests: tuple[str, ...]
    free_half_days: tuple[str, ...]
    reasons: tuple[str, ...]  # why they are suggested, in words


@dataclass(frozen=True)
class Excluded:
    volunteer_id: int
    name: str
    reason: str


@dataclass(frozen=True)
class MatchSuggestions:
    suggestions: tuple[Suggestion, ...]
    excluded: tuple[Excluded, ...]


def wanted_for(customer: Customer, wish: BefriendingWish | None) -> Wanted:
    location = (
        (customer.latitude, customer.longitude)
        if customer.latitude is not None and customer.longitude is not None
        else None
    )
    if wish is not None and wish.weekday is not None:
        parts = [wish.part_of_day] if wish.part_of_day is not None else list(DayPart)
        half_days = tuple((wish.weekday, part) for part in parts)
    else:
        half_days = tuple((day, part) for day in SERVICE_WEEKDAYS for part in DayPart)
    return Wanted(
        location=location,
        max_distance_km=wish.max_distance_km if wish else 10.0,
        interests=frozenset(words(wish.interests)) if wish else frozenset(),
        gender=wish.preferred_gender if wish else None,
        language=wish.language if wish else "",
        half_days=half_days,
    )


def suggest_befrienders(session: Session, branch_id: int, customer_id: int, on: date) -> MatchSuggestions:
    """The branch's befrienders ranked for the customer (hard rules kept, reasons given), and who was left out."""
    customer = get_in_branch(session, Customer, customer_id, branch_id)
    wanted = wanted_for(customer, wish_of(session, branch_id, customer.id))
    volunteers = session.scalars(
        in_branch(select(Volunteer), Volunteer, branch_id)
        .where(Volunteer.left_on.is_(None))
        .options(
            selectinload(Volunteer.availability),
            selectinload(Volunteer.absences),
            selectinload(Volunteer.roles),
            selectinload(Volunteer.partner_preferences),
        )
        .order_by(Volunteer.last_name, Volunteer.first_name, Volunteer.id)
    ).all()
    profiles = {
        p.volunteer_id: p
        for p in session.scalars(
            select(VolunteerSupportProfile).where(VolunteerSupportProfile.volunteer_id.in_([v.id for v in volunteers]))
        )
    }
    suggestions, excluded = [], []
    for volunteer in volunteers:
        profile = profiles.get(volunteer.id)
        if rule_befriender(profile) is not None:
            continue  # not a befriender at all: not worth listing
        reason = rule_pvg_cleared(volunteer, on) or rule_gender(wanted, profile) or rule_language(wanted, profile)
        km = None
        if reason is None:
            reason, km = rule_within_distance(wanted, volunteer_location(volunteer))
        free: list[str] = []
        if reason is None:
            reason, free = rule_available(session, volunteer, wanted, on)
        if reason is not None:
            excluded.append(Excluded(volunteer.id, volunteer.full_name, reason))
            continue
        shared = tuple(sorted(wanted.interests & words(profile.interests if profile else "")))
        reasons = ["PVG cleared", f"{km:.1f} km away"]
        if shared:
            reasons.append("shares " + ", ".join(shared))
        if wanted.gender is not None:
            reasons.append(f"a {GENDER_LABELS[wanted.gender].lower()}, as asked")
        if wanted.language:
            reasons.append(f"speaks {wanted.language}")
        reasons.append("free " + ", ".join(free[:3]) + (" …" if len(free) > 3 else ""))
        suggestions.append(Suggestion(volunteer.id, volunteer.full_name, km, shared, tuple(free), tuple(reasons)))
    suggestions.sort(
        key=lambda s: (-len(s.shared_interests), s.distance_km or 0.0, -len(s.free_half_days), s.name, s.volunteer_id)
    )
    return MatchSuggestions(tuple(suggestions), tuple(excluded))


# --- matches, contacts, reviews ------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate_day in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate_day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def start_match(
    session: Session,
    branch_id: int,
    customer_id: int,
    volunteer_id: int | None,
    *,
    weekday: int | None,
    part: DayPart | None,
    started_on: date | None,
    review_every_months: int | None,
    actor: Actor,
    referral_id: int | None = None,
) -> int:
    """Match a befriender to the customer on a weekly half-day; every hard rule is checked again here."""
    customer = get_in_branch(session, Customer, customer_id, branch_id)
    errors: dict[str, str] = {}
    volunteer = None
    try:
        volunteer = get_in_branch(session, Volunteer, volunteer_id or 0, branch_id)
    except NotFoundError:
        errors["volunteer_id"] = "Choose a befriender of this branch."
    if weekday is None or weekday not in range(7):
        errors["weekday"] = "Choose the day of the week they meet."
    if part is None:
        errors["part_of_day"] = "Choose morning or afternoon."
    if started_on is None:
        errors["started_on"] = "Enter the first day."
    if review_every_months is None or not 1 <= review_every_months <= 24:
        errors["review_every_months"] = "Review every 1 to 24 months."
    if errors:
        raise ValidationError(errors)
    assert volunteer and weekday is not None and part and started_on and review_every_months
    wanted = wanted_for(customer, wish_of(session, branch_id, customer.id))
    profile = session.scalar(
        select(VolunteerSupportProfile).where(VolunteerSupportProfile.volunteer_id == volunteer.id)
    )
    reason = (
        rule_befriender(profile)
        or rule_pvg_cleared(volunteer, started_on)
        or rule_gender(wanted, profile)
        or rule_language(wanted, profile)
        or rule_within_distance(wanted, volunteer_location(volunteer))[0]
    )
    if reason is None:
        first_day = next_weekday(started_on, weekday)
        busy = why_not_free(session, volunteer, first_day, part)
        later = weekly_clashes(session, volunteer.id, weekday, part, first_day)
        if busy:
            reason = f"not free on {WEEKDAY_NAMES[weekday]} {part.value}s: {busy[0]}"
        elif later:
            reason = (
                f"{later[0].taken_by} on {later[0].day:%-d %b %Y} that {part.value}, which a weekly "
                f"{WEEKDAY_NAMES[weekday]} {part.value} would double-book"
            )
    if reason is not None:
        raise ValidationError({"volunteer_id": f"{volunteer.full_name} cannot be matched: {reason}."})
    match = BefriendingMatch(
        branch_id=branch_id,
        customer_id=customer.id,
        volunteer_id=volunteer.id,
        referral_id=referral_id,
        started_on=started_on,
        weekday=weekday,
        part_of_day=part,
        review_every_months=review_every_months,
        next_review_on=add_months(started_on, review_every_months),
        created_by_user_id=actor.user_id,
    )
    session.add(match)
    session.flush()
    audit(
        session,
        actor,
        "befriending.match",
        "befriending_match",
        match.id,
        branch_id,
        f"customer={customer.id} volunteer={volunteer.id}",
    )
    commit_or_replay(session, branch_id, "")
    return match.id


def get_match(session: Session, branch_id: int, match_id: int) -> BefriendingMatch:
    match = session.scalar(
        in_branch(select(BefriendingMatch), BefriendingMatch, branch_id)
        .where(BefriendingMatch.id == match_id)
        .options(
            selectinload(BefriendingMatch.customer),
            selectinload(BefriendingMatch.volunteer),
            selectinload(BefriendingMatch.contacts),
            selectinload(BefriendingMatch.reviews),
        )
    )
    if match is None:
        raise NotFoundError(f"No befriending match {match_id} in this branch.")
    return match


def list_matches(
    session: Session,
    branch_id: int,
    *,
    customer_id: int | None = None,
    volunteer_id: int | None = None,
    active_only: bool = False,
) -> list[BefriendingMatch]:
    statement = in_branch(select(BefriendingMatch), BefriendingMatch, branch_id).options(
        selectinload(BefriendingMatch.customer), selectinload(BefriendingMatch.volunteer)
    )
    if customer_id is not None:
        statement = statement.where(BefriendingMatch.customer_id == customer_id)
    if volunteer_id is not None:
        statement = statement.where(BefriendingMatch.volunteer_id == volunteer_id)
    if active_only:
        statement = statement.where(BefriendingMatch.status == BefriendingStatus.ACTIVE)
    return list(session.scalars(statement.order_by(BefriendingMatch.started_on.desc(), BefriendingMatch.id)).all())


def _active(match: BefriendingMatch) -> None:
    if match.status is not BefriendingStatus.ACTIVE:
        raise ValidationError({"__all__": "This match has ended."})


def log_contact(
    session: Session,
    branch_id: int,
    match_id: int,
    *,
    kind: ContactKind | None,
    happened_on: date | None,
    duration_min: int | None,
    notes: str = "",
    actor: Actor,
    today: date,
) -> int:
    """Log one visit, call or outing and how long it took."""
    match = get_match(session, branch_id, match_id)
    _active(match)
    errors: dict[str, str] = {}
    text = check_text(errors, "notes", notes, MAX_NOTES, "Notes")
    if kind is None:
        errors["kind"] = "Choose visit, call or outing."
    if happened_on is None:
        errors["happened_on"] = "Enter the date."
    elif happened_on > today:
        errors["happened_on"] = "The date is in the future."
    elif happened_on < match.started_on:
        errors["happened_on"] = "The date is before the match started."
    if duration_min is None or not 1 <= duration_min <= MAX_DURATION_MIN:
        errors["duration_min"] = f"Enter the minutes (1 to {MAX_DURATION_MIN})."
    if errors:
        raise ValidationError(errors)
    contact = BefriendingContact(
        match_id=match.id,
        kind=kind,
        happened_on=happened_on,
        duration_min=duration_min,
        notes=text,
        recorded_by_user_id=actor.user_id,
    )
    session.add(contact)
    session.flush()
    audit(
        session,
        actor,
        "befriending.contact",
        "befriending_match",
        match.id,
        branch_id,
        f"kind={kind.value if kind else ''} minutes={duration_min}",
    )
    commit_or_replay(session, branch_id, "")
    return contact.id


def review_match(
    session: Session,
    branch_id: int,
    match_id: int,
    *,
    reviewed_on: date | None,
    notes: str,
    continues: bool,
    expected_version: int | None,
    actor: Actor,
    today: date,
) -> None:
    """Record a review; the next one is due N months later. A review that does not continue ends the match."""
    match = get_match(session, branch_id, match_id)
    _active(match)
    errors: dict[str, str] = {}
    text = check_text(errors, "notes", notes, MAX_NOTES, "Notes")
    if reviewed_on is None or reviewed_on > today or reviewed_on < match.started_on:
        errors["reviewed_on"] = "Enter the review date (not in the future, not before the match started)."
    if not continues and not text:
        errors["notes"] = "Say why the match should end."
    if errors:
        raise ValidationError(errors)
    check_version(match.version, expected_version)
    assert reviewed_on is not None
    match.reviews.append(
        BefriendingReview(reviewed_on=reviewed_on, notes=text, continues=continues, recorded_by_user_id=actor.user_id)
    )
    match.next_review_on = add_months(reviewed_on, match.review_every_months)
    if not continues:
        match.status, match.ended_on, match.end_reason = BefriendingStatus.ENDED, reviewed_on, "Ended at review"
    audit(session, actor, "befriending.review", "befriending_match", match.id, branch_id, f"continues={continues}")
    commit_or_replay(session, branch_id, "")


def end_match(
    session: Session,
    branch_id: int,
    match_id: int,
    *,
    ended_on: date | None,
    reason: str,
    expected_version: int | None,
    actor: Actor,
    today: date,
) -> None:
    match = get_match(session, branch_id, match_id)
    _active(match)
    errors: dict[str, str] = {}
    text = check_text(errors, "end_reason", reason, 300, "The reason")
    if not text and "end_reason" not in errors:
        errors["end_reason"] = "Say why the match ends."
    if ended_on is None or ended_on < match.started_on or ended_on > today + timedelta(days=366):
        errors["ended_on"] = "Enter the last day (not before the match started)."
    if errors:
        raise ValidationError(errors)
    check_version(match.version, expected_version)
    match.status, match.ended_on, match.end_reason = BefriendingStatus.ENDED, ended_on, text
    audit(session, actor, "befriending.end", "befriending_match", match.id, branch_id)
    commit_or_replay(session, branch_id, "")


def reviews_due(session: Session, branch_id: int, on: date) -> list[BefriendingMatch]:
    """Active matches whose review is due on or before ``on``."""
    return [m for m in list_matches(session, branch_id, active_only=True) if m.next_review_on <= on]
