"""Volunteers: create and edit (roles, PVG, training, frequency, availability, partners), dates away, warnings.

PVG details are criminal-records data: callers pass `pvg=None` when the user may not edit them, and the
stored PVG fields are then left exactly as they were.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from foodtrain.models import (
    DayPart,
    HelpFrequency,
    PartnerPreferenceKind,
    PvgDisclosureType,
    PvgStatus,
    Volunteer,
    VolunteerAbsence,
    VolunteerAvailability,
    VolunteerPartnerPreference,
    VolunteerRole,
    VolunteerRoleAssignment,
)
from foodtrain.field_rules import SERVICE_FOUNDED, birth_date_error, joining_date_error, record_date_error
from foodtrain.models._types import utc_now
from foodtrain.models.volunteer import MINIMUM_VOLUNTEER_AGE_YEARS
from foodtrain.postcodes import InvalidPostcodeError, normalise_postcode
from foodtrain.services.audit import record_event
from foodtrain.services.audit import Actor
from foodtrain.services.customers import (
    _phone,
    _text,
    age_on,
    claim_form_token,
    commit_or_replay,
    used_form_token,
)
from foodtrain.services.errors import NotFoundError, ValidationError, check_version
from foodtrain.services.people import get_in_branch, in_branch

GRID_WEEKDAYS = range(6)  # Monday to Saturday, the days the service runs
MAX_SHADOW_SHIFTS = 20
MAX_ABSENCE_DAYS = 366


@dataclass(frozen=True)
class PvgDetails:
    status: PvgStatus
    issued_on: date | None = None
    reference: str = ""
    disclosure_type: PvgDisclosureType | None = None


@dataclass(frozen=True)
class VolunteerDetails:
    """Everything the volunteer form edits except PVG, as plain values (None = left empty)."""

    first_name: str
    last_name: str
    date_of_birth: date | None
    email: str = ""
    phone: str = ""
    postcode: str = ""
    joined_on: date | None = None
    left_on: date | None = None
    roles: frozenset[VolunteerRole] = field(default_factory=frozenset)
    van_driving_approved: bool = False
    training_completed_on: date | None = None
    is_trainee: bool = False
    shadow_shifts_remaining: int | None = 0
    help_frequency: HelpFrequency = HelpFrequency.WEEKLY
    shifts_per_month: int | None = 4
    max_shifts_per_week: int | None = 2
    max_consecutive_days: int | None = 2
    happy_to_do_extra: bool = False
    # (weekday, day part) -> preferred
    availability: Mapping[tuple[int, DayPart], bool] = field(default_factory=dict)
    preferred_partner_ids: frozenset[int] = field(default_factory=frozenset)
    never_partner_ids: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class CheckedVolunteer:
    values: dict[str, object]
    roles: frozenset[VolunteerRole]
    availability: dict[tuple[int, DayPart], bool]
    partners: dict[int, PartnerPreferenceKind]
    pvg: dict[str, object] | None


def _number(errors: dict[str, str], name: str, value: int | None, label: str, low: int, high: int) -> int | None:
    if value is None:
        errors[name] = f"Enter {label.lower()} as a whole number."
    elif not low <= value <= high:
        errors[name] = f"{label} must be between {low} and {high}."
    return value


def check_pvg(pvg: PvgDetails, today: date, errors: dict[str, str]) -> dict[str, object]:
    reference = _text(errors, "pvg_reference", pvg.reference, "PVG reference", 40, False)
    if pvg.issued_on is not None and pvg.issued_on > today:
        errors["pvg_issued_on"] = "The issue date is in the future."
    if pvg.status is PvgStatus.CLEARED and pvg.issued_on is None:
        errors["pvg_issued_on"] = "A cleared PVG needs its issue date."
    return {
        "pvg_status": pvg.status,
        "pvg_issued_on": pvg.issued_on,
        "pvg_reference": reference,
        "pvg_disclosure_type": pvg.disclosure_type,
    }


def check_volunteer_details(
    session: Session,
    branch_id: int,
    details: VolunteerDetails,
    pvg: PvgDetails | None,
    today: date,
    volunteer_id: int | None = None,
) -> CheckedVolunteer:
    """Check every field of the volunteer form; raise ValidationError naming each wrong field."""
    errors: dict[str, str] = {}
    values: dict[str, object] = {
        "first_name": _text(errors, "first_name", details.first_name, "First name", 80, True),
        "last_name": _text(errors, "last_name", details.last_name, "Last name", 80, True),
        "email": _text(errors, "email", details.email, "Email", 200, False),
        "phone": _phone(errors, details.phone),
    }
    if values["email"] and "@" not in str(values["email"]):
        errors["email"] = "That does not look like an email address (it has no @)."
    postcode = (details.postcode or "").strip()
    if postcode:
        try:
            postcode = normalise_postcode(postcode)
        except InvalidPostcodeError as error:
            errors["postcode"] = str(error).split(" Check it,")[0]
    values["postcode"] = postcode[:10]
    born = details.date_of_birth
    if born is None:
        errors["date_of_birth"] = "Enter the date of birth (volunteers must be 16 or over)."
    elif birth_problem := birth_date_error(born, today):
        errors["date_of_birth"] = birth_problem
    elif age_on(born, today) < MINIMUM_VOLUNTEER_AGE_YEARS:
        errors["date_of_birth"] = f"Volunteers must be {MINIMUM_VOLUNTEER_AGE_YEARS} or over."
    values["date_of_birth"] = born
    if details.joined_on is not None:
        if joined_problem := joining_date_error(details.joined_on, today):
            errors["joined_on"] = joined_problem
        values["joined_on"] = details.joined_on
    if details.left_on is not None and details.left_on > today + timedelta(days=366):
        errors["left_on"] = "The leaving date is more than a year ahead."
    elif details.left_on is not None and (
        left_problem := record_date_error(details.left_on, details.joined_on or SERVICE_FOUNDED, "leaving date")
    ):
        # A leaving date before the volunteer joined would make the retention rule anonymise them at once.
        errors["left_on"] = left_problem
    values["left_on"] = details.left_on
    if details.training_completed_on is not None and details.training_completed_on > today:
        errors["training_completed_on"] = "The training date is in the future."
    values["training_completed_on"] = details.training_completed_on
    values["van_driving_approved"] = details.van_driving_approved
    values["is_trainee"] = details.is_trainee
    shadows = _number(
        errors,
        "shadow_shifts_remaining",
        details.shadow_shifts_remaining,
        "Shadow shifts remaining",
        0,
        MAX_SHADOW_SHIFTS,
    )
    values["shadow_shifts_remaining"] = shadows if details.is_trainee else 0
    values["help_frequency"] = details.help_frequency
    values["shifts_per_month"] = _number(errors, "shifts_per_month", details.shifts_per_month, "Shifts a month", 0, 31)
    values["max_shifts_per_week"] = _number(
        errors, "max_shifts_per_week", details.max_shifts_per_week, "Most shifts a week", 1, 14
    )
    values["max_consecutive_days"] = _number(
        errors, "max_consecutive_days", details.max_consecutive_days, "Most days in a row", 1, 7
    )
    values["happy_to_do_extra"] = bool(details.happy_to_do_extra)
    if not details.roles:
        errors["roles"] = "Tick at least one role."
    availability = {}
    for (weekday, part), preferred in details.availability.items():
        if weekday in GRID_WEEKDAYS and isinstance(part, DayPart):
            availability[(weekday, part)] = bool(preferred)
    both = details.preferred_partner_ids & details.never_partner_ids
    if both:
        errors["never_partner_ids"] = "Someone is both a preferred partner and never to be paired: choose one."
    partner_ids = details.preferred_partner_ids | details.never_partner_ids
    if volunteer_id is not None and volunteer_id in partner_ids:
        errors["preferred_partner_ids"] = "A volunteer cannot be their own partner."
    if partner_ids:
        found = set(
            session.scalars(in_branch(select(Volunteer.id).where(Volunteer.id.in_(partner_ids)), Volunteer, branch_id))
        )
        if found != set(partner_ids):
            errors.setdefault("preferred_partner_ids", "Choose partners among this branch's volunteers.")
    partners = {pid: PartnerPreferenceKind.PREFERRED for pid in details.preferred_partner_ids}
    partners |= {pid: PartnerPreferenceKind.NEVER for pid in details.never_partner_ids}
    checked_pvg = check_pvg(pvg, today, errors) if pvg is not None else None
    if errors:
        raise ValidationError(errors)
    return CheckedVolunteer(
        values=values, roles=frozenset(details.roles), availability=availability, partners=partners, pvg=checked_pvg
    )


def _check_left_after_joining(checked: CheckedVolunteer, joined_before: date) -> None:
    joined_on = checked.values.get("joined_on") or joined_before
    left_on = checked.values.get("left_on")
    if isinstance(left_on, date) and isinstance(joined_on, date) and left_on < joined_on:
        raise ValidationError({"left_on": f"They joined on {joined_on:%d %b %Y}: they cannot leave before that."})


def _audit(
    session: Session, actor: Actor, action: str, volunteer_id: int | None, branch_id: int, detail: str = ""
) -> None:
    record_event(
        session,
        user_id=actor.user_id,
        username=actor.username,
        action=action,
        entity_type="volunteer",
        entity_id=volunteer_id,
        branch_id=branch_id,
        detail=detail,
        remote_address=actor.remote_address,
    )


def apply_collections(volunteer: Volunteer, checked: CheckedVolunteer) -> list[str]:
    """Bring roles, availability and partners in line with checked details (form or import); returns the changes."""
    changed = []
    if volunteer.role_values != checked.roles:
        changed.append("roles")
        keep = [row for row in volunteer.roles if row.role in checked.roles]
        have = {row.role for row in keep}
        volunteer.roles = keep + [
            VolunteerRoleAssignment(role=role) for role in sorted(checked.roles - have, key=lambda r: r.value)
        ]
    current = {(row.weekday, row.day_part): row for row in volunteer.availability}
    if {key: row.preferred for key, row in current.items()} != checked.availability:
        changed.append("availability")
        rows = []
        for key, preferred in sorted(checked.availability.items(), key=lambda item: (item[0][0], item[0][1].value)):
            row = current.get(key) or VolunteerAvailability(weekday=key[0], day_part=key[1])
            row.preferred = preferred
            rows.append(row)
        volunteer.availability = rows
    current_partners = {row.partner_id: row for row in volunteer.partner_preferences}
    if {pid: row.kind for pid, row in current_partners.items()} != checked.partners:
        changed.append("partners")
        partner_rows = []
        for pid, kind in sorted(checked.partners.items()):
            partner_row = current_partners.get(pid) or VolunteerPartnerPreference(partner_id=pid)
            partner_row.kind = kind
            partner_rows.append(partner_row)
        volunteer.partner_preferences = partner_rows
    return changed


def create_volunteer(
    session: Session,
    branch_id: int,
    details: VolunteerDetails,
    pvg: PvgDetails | None,
    *,
    actor: Actor,
    form_token: str,
    today: date,
) -> int:
    """Add a volunteer to the branch (PVG pending unless given); returns its id, the same for a resubmit."""
    earlier = used_form_token(session, branch_id, form_token)
    if earlier is not None and earlier.entity_id is not None:
        return earlier.entity_id
    checked = check_volunteer_details(session, branch_id, details, pvg, today)
    _check_left_after_joining(checked, today)
    values = dict(checked.values)
    values.setdefault("joined_on", today)
    volunteer = Volunteer(branch_id=branch_id, **values, **(checked.pvg or {"pvg_status": PvgStatus.PENDING}))
    apply_collections(volunteer, checked)
    session.add(volunteer)
    session.flush()
    claim_form_token(session, branch_id, form_token, "volunteer.create", volunteer.id)
    _audit(session, actor, "volunteer.create", volunteer.id, branch_id)
    replayed = commit_or_replay(session, branch_id, form_token)
    return replayed if replayed is not None else volunteer.id


def update_volunteer(
    session: Session,
    branch_id: int,
    volunteer_id: int,
    details: VolunteerDetails,
    pvg: PvgDetails | None,
    *,
    expected_version: int | None,
    actor: Actor,
    form_token: str,
    today: date,
) -> None:
    """Save the edited volunteer; PVG fields change only when `pvg` is given."""
    volunteer = get_in_branch(session, Volunteer, volunteer_id, branch_id)
    if used_form_token(session, branch_id, form_token) is not None:
        return
    check_version(volunteer.version, expected_version)
    checked = check_volunteer_details(session, branch_id, details, pvg, today, volunteer_id=volunteer.id)
    _check_left_after_joining(checked, volunteer.joined_on)
    values = dict(checked.values) | (checked.pvg or {})
    with session.no_autoflush:  # one UPDATE, one version step
        changed = sorted(name for name, value in values.items() if getattr(volunteer, name) != value)
        for name, value in values.items():
            setattr(volunteer, name, value)
        changed += apply_collections(volunteer, checked)
        if changed:
            volunteer.updated_at = utc_now()
    claim_form_token(session, branch_id, form_token, "volunteer.update", volunteer.id)
    _audit(session, actor, "volunteer.update", volunteer.id, branch_id, detail="changed=" + ",".join(changed))
    commit_or_replay(session, branch_id, form_token)


def add_absence(
    session: Session,
    branch_id: int,
    volunteer_id: int,
    *,
    start_date: date | None,
    end_date: date | None,
    reason: str,
    actor: Actor,
    form_token: str,
) -> int:
    """Record dates away (inclusive); returns the absence id."""
    volunteer = get_in_branch(session, Volunteer, volunteer_id, branch_id)
    earlier = used_form_token(session, branch_id, form_token)
    if earlier is not None and earlier.entity_id is not None:
        return earlier.entity_id
    errors: dict[str, str] = {}
    reason = _text(errors, "reason", reason, "Reason", 200, False)
    if start_date is None:
        errors["start_date"] = "Enter the first day away."
    if end_date is None:
        errors["end_date"] = "Enter the last day away (the same day for one day)."
    elif start_date is not None and end_date < start_date:
        errors["end_date"] = "The last day away must be on or after the first."
    elif start_date is not None and (end_date - start_date).days > MAX_ABSENCE_DAYS:
        errors["end_date"] = "That is more than a year away: check the dates."
    if errors:
        raise ValidationError(errors)
    absence = VolunteerAbsence(volunteer_id=volunteer.id, start_date=start_date, end_date=end_date, reason=reason)
    session.add(absence)
    session.flush()
    claim_form_token(session, branch_id, form_token, "volunteer.absence", absence.id)
    _audit(session, actor, "volunteer.absence_add", volunteer.id, branch_id, detail=f"{start_date}..{end_date}")
    replayed = commit_or_replay(session, branch_id, form_token)
    return replayed if replayed is not None else absence.id


def remove_absence(session: Session, branch_id: int, volunteer_id: int, absence_id: int, *, actor: Actor) -> None:
    """Remove dates away; removing one already gone is not an error (a double click)."""
    volunteer = get_in_branch(session, Volunteer, volunteer_id, branch_id)
    absence = session.scalar(
        select(VolunteerAbsence).where(VolunteerAbsence.id == absence_id, VolunteerAbsence.volunteer_id == volunteer.id)
    )
    if absence is None:
        return
    session.delete(absence)
    _audit(
        session,
        actor,
        "volunteer.absence_remove",
        volunteer.id,
        branch_id,
        detail=f"{absence.start_date}..{absence.end_date}",
    )
    session.commit()


def volunteer_warnings(volunteer: Volunteer, show_pvg: bool) -> list[str]:
    """What a coordinator must know before rostering this volunteer (PVG only for those who may see it)."""
    warnings = []
    if show_pvg and volunteer.pvg_status is PvgStatus.PENDING:
        warnings.append("PVG check pending: no customer-facing work until it is cleared.")
    if volunteer.is_trainee and volunteer.shadow_shifts_remaining > 0:
        shifts = volunteer.shadow_shifts_remaining
        warnings.append(
            f"Trainee: {shifts} shadow shift{'' if shifts == 1 else 's'} still to do "
            "alongside an experienced volunteer."
        )
    return warnings


def volunteer_profile(session: Session, branch_id: int, volunteer_id: int) -> Volunteer:
    """The volunteer with roles, availability, dates away and partners loaded."""
    volunteer = session.scalar(
        in_branch(select(Volunteer).where(Volunteer.id == volunteer_id), Volunteer, branch_id).options(
            selectinload(Volunteer.roles),
            selectinload(Volunteer.availability),
            selectinload(Volunteer.absences),
            selectinload(Volunteer.partner_preferences).selectinload(VolunteerPartnerPreference.partner),
        )
    )
    if volunteer is None:
        raise NotFoundError(f"No volunteer {volunteer_id} in this branch.")
    return volunteer


def partner_choices(session: Session, branch_id: int, exclude_id: int | None = None) -> Sequence[tuple[int, str]]:
    """The branch's volunteers as (id, "Last, First"), for choosing partners (former ones marked)."""
    statement = in_branch(
        select(Volunteer.id, Volunteer.first_name, Volunteer.last_name, Volunteer.left_on), Volunteer, branch_id
    )
    if exclude_id is not None:
        statement = statement.where(Volunteer.id != exclude_id)
    rows = session.execute(statement.order_by(Volunteer.last_name, Volunteer.first_name)).all()
    return [(row.id, f"{row.last_name}, {row.first_name}" + (" (former)" if row.left_on else "")) for row in rows]
