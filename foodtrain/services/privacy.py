"""Data protection: subject access export, erasure that keeps anonymous statistics, and retention.

Export follows the foreign keys: every row that points at the person (and
every row that points at those, e.g. an order's lines) is included, so a new
table holding personal data is exported without changes here.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import Table, delete, select, update
from sqlalchemy.orm import Session

from foodtrain.extensions import db
from foodtrain.models import (
    Customer,
    CustomerStatus,
    CustomerSupportNeed,
    User,
    Volunteer,
    VolunteerAbsence,
    VolunteerAvailability,
    VolunteerPartnerPreference,
)
from foodtrain.models.support import (
    BefriendingContact,
    BefriendingMatch,
    BefriendingReview,
    BefriendingWish,
    ExtraJob,
    OutcomeSurvey,
    Referral,
    VolunteerSkill,
    VolunteerSupportProfile,
)
from foodtrain.services.audit import record_event
from foodtrain.services.people import get_in_branch

ERASED = "(erased)"
EXPORT_DEPTH = 2
# Tables that point at people but are not the person's own data.
_NOT_PERSONAL_DATA = {"audit_events", "background_jobs", "user_sessions"}


@dataclass(frozen=True)
class SubjectExport:
    """One person's data: section name (table) -> list of rows (column -> value)."""

    subject: str
    subject_id: int
    sections: dict[str, list[dict[str, Any]]]

    def to_json(self) -> str:
        return json.dumps({"subject": self.subject, "id": self.subject_id, "exported_at": datetime.now(timezone.utc).isoformat(),
                           "data": self.sections}, default=_plain, indent=2, ensure_ascii=False)

    def to_csv(self) -> str:
        """Long format: section, row number, field, value (cells neutralised against formula injection)."""
        from foodtrain.exports import safe_cell

        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["section", "row", "field", "value"])
        for section, rows in self.sections.items():
            for number, row in enumerate(rows, start=1):
                for field, value in row.items():
                    writer.writerow([section, number, field, safe_cell(_plain(value) if value is not None else "")])
        return buffer.getvalue()


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    return value


def _referencing(table: Table) -> list[tuple[Table, str]]:
    """(table, column) pairs whose foreign key points at `table`.id."""
    found = []
    for other in db.metadata.sorted_tables:
        if other.name in _NOT_PERSONAL_DATA:
            continue
        for foreign_key in other.foreign_keys:
            if foreign_key.column.table is table and foreign_key.column.name == "id":
                found.append((other, foreign_key.parent.name))
    return found


def _collect(session: Session, table: Table, ids: list[int], depth: int, sections: dict) -> None:  # type: ignore[type-arg]
    if depth == 0 or not ids:
        return
    for other, column in _referencing(table):
        rows = session.execute(select(other).where(other.c[column].in_(ids))).mappings().all()
        if not rows:
            continue
        section = sections.setdefault(other.name, [])
        section.extend({key: _plain(value) for key, value in row.items() if key != "password_hash"} for row in rows)
        if "id" in other.c:
            _collect(session, other, [row["id"] for row in rows], depth - 1, sections)


def export_subject(session: Session, model: type[Customer] | type[Volunteer], record_id: int, branch_id: int,
                   user_id: int | None, username: str = "") -> SubjectExport:
    """Everything held about one customer or volunteer of the branch (audited)."""
    record = get_in_branch(session, model, record_id, branch_id)
    table = model.__table__
    own = session.execute(select(table).where(table.c.id == record.id)).mappings().one()
    sections: dict[str, list[dict[str, Any]]] = {table.name: [{key: _plain(value) for key, value in own.items()}]}
    _collect(session, table, [record.id], EXPORT_DEPTH, sections)
    subject = model.__name__.lower()
    record_event(session, user_id=user_id, username=username, action=f"{subject}.export", entity_type=subject,
                 entity_id=record.id, branch_id=branch_id)
    session.commit()
    return SubjectExport(subject, record.id, sections)


def _anonymise_customer(session: Session, customer: Customer) -> None:
    customer.first_name = ERASED
    customer.last_name = ERASED
    customer.address_line1 = ERASED
    customer.address_line2 = ""
    customer.phone = ""
    customer.date_of_birth = None
    customer.eligibility_override_reason = None
    customer.referred_by = ""
    customer.access_notes = ""
    customer.pause_reason = ERASED if customer.pause_reason else None
    customer.end_reason = "Erased on request" if customer.status is CustomerStatus.ENDED else customer.end_reason
    # Keep the postcode district (outward code) and a coarse location for anonymous statistics.
    customer.postcode = customer.postcode.split(" ")[0]
    if customer.latitude is not None and customer.longitude is not None:
        customer.latitude = round(customer.latitude, 2)
        customer.longitude = round(customer.longitude, 2)
    if customer.status is not CustomerStatus.ENDED:
        customer.status = CustomerStatus.ENDED
        customer.ended_on = date.today()
        customer.end_reason = "Erased on request"
    session.execute(delete(CustomerSupportNeed).where(CustomerSupportNeed.customer_id == customer.id))
    _clear_support_texts(session, customer.id)


# Free-text columns of the other services that hold a customer's personal data (erased with the customer;
# the rows stay as anonymous statistics: dates, durations, prices, outcomes).
CUSTOMER_SUPPORT_TEXT_COLUMNS = (
    (Referral, ("referrer_name", "referrer_contact", "notes")),
    (ExtraJob, ("details", "completion_notes")),
    (BefriendingWish, ("interests", "language", "notes")),
    (OutcomeSurvey, ("comments",)),
)
MATCH_TEXT_COLUMNS = ((BefriendingContact, ("notes",)), (BefriendingReview, ("notes",)))


def _clear_support_texts(session: Session, customer_id: int) -> None:
    for model, columns in CUSTOMER_SUPPORT_TEXT_COLUMNS:
        session.execute(update(model).where(model.customer_id == customer_id).values(**dict.fromkeys(columns, "")))
    match_ids = select(BefriendingMatch.id).where(BefriendingMatch.customer_id == customer_id)
    for model, columns in MATCH_TEXT_COLUMNS:
        session.execute(update(model).where(model.match_id.in_(match_ids)).values(**dict.fromkeys(columns, "")))


def _anonymise_volunteer(session: Session, volunteer: Volunteer) -> None:
    volunteer.first_name = ERASED
    volunteer.last_name = ERASED
    volunteer.email = ""
    volunteer.phone = ""
    volunteer.postcode = volunteer.postcode.split(" ")[0] if volunteer.postcode else ""
    volunteer.date_of_birth = date(volunteer.date_of_birth.year, 1, 1)
    volunteer.pvg_reference = ""
    if volunteer.left_on is None:
        volunteer.left_on = max(date.today(), volunteer.joined_on)
    for child in (VolunteerAvailability, VolunteerAbsence, VolunteerSkill, VolunteerSupportProfile):
        session.execute(delete(child).where(child.volunteer_id == volunteer.id))
    session.execute(delete(VolunteerPartnerPreference).where(
        (VolunteerPartnerPreference.volunteer_id == volunteer.id)
        | (VolunteerPartnerPreference.partner_id == volunteer.id)))
    session.execute(update(User).where(User.volunteer_id == volunteer.id).values(is_enabled=False, volunteer_id=None))


def erase_customer(session: Session, customer_id: int, branch_id: int, user_id: int | None, username: str = "") -> None:
    """Remove a customer's personal data; orders stay (anonymous) for the statistics."""
    customer = get_in_branch(session, Customer, customer_id, branch_id)
    _anonymise_customer(session, customer)
    record_event(session, user_id=user_id, username=username, action="customer.erase", entity_type="customer",
                 entity_id=customer.id, branch_id=branch_id)
    session.commit()


def erase_volunteer(session: Session, volunteer_id: int, branch_id: int, user_id: int | None, username: str = "") -> None:
    """Remove a volunteer's personal data (PVG reference included); their shifts stay for the statistics."""
    volunteer = get_in_branch(session, Volunteer, volunteer_id, branch_id)
    _anonymise_volunteer(session, volunteer)
    record_event(session, user_id=user_id, username=username, action="volunteer.erase", entity_type="volunteer",
                 entity_id=volunteer.id, branch_id=branch_id)
    session.commit()


@dataclass(frozen=True)
class RetentionOutcome:
    customers: list[int]
    volunteers: list[int]


def apply_retention(session: Session, today: date, years: int, dry_run: bool = False) -> RetentionOutcome:
    """Anonymise customers who ended, and volunteers who left, more than `years` years before `today`."""
    if years < 1:
        raise ValueError("years: keep records for at least one year")
    cutoff = today - timedelta(days=round(365.25 * years))
    customers = session.scalars(select(Customer).where(
        Customer.status == CustomerStatus.ENDED, Customer.ended_on < cutoff, Customer.first_name != ERASED)).all()
    volunteers = session.scalars(select(Volunteer).where(
        Volunteer.left_on.is_not(None), Volunteer.left_on < cutoff, Volunteer.first_name != ERASED)).all()
    outcome = RetentionOutcome([c.id for c in customers], [v.id for v in volunteers])
    if dry_run:
        return outcome
    for customer in customers:
        _anonymise_customer(session, customer)
        record_event(session, user_id=None, username="retention", action="customer.erase", entity_type="customer",
                     entity_id=customer.id, branch_id=customer.branch_id, detail=f"retention {years} years")
    for volunteer in volunteers:
        _anonymise_volunteer(session, volunteer)
        record_event(session, user_id=None, username="retention", action="volunteer.erase", entity_type="volunteer",
                     entity_id=volunteer.id, branch_id=volunteer.branch_id, detail=f"retention {years} years")
    session.commit()
    return outcome
