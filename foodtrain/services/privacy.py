"""Data protection: subject access export, erasure that keeps anonymous statistics, and retention.

Both follow the hand-written map in foodtrain/personal_data.py: the person's own
rows (SUBJECT_ROWS) and how each text column is erased (PERSONAL). The export
holds only those rows and never secrets (ciphertext, hashes, tokens).
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import String, Table, case, cast, delete, literal, null, or_, select, update
from sqlalchemy import text as sql_text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from foodtrain.clock import branch_today
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
from foodtrain.personal_data import (
    CUSTOMER_NAME_IN,
    CUSTOMER_OWN_TEXT,
    DELETED_AT_ERASURE,
    EXPORTED_AS_WORKER,
    FreeText,
    PERSONAL,
    SUBJECT_ROWS,
    VOLUNTEER_NAME_IN,
    VOLUNTEER_OWN_TEXT,
    Link,
    Treatment,
)
from foodtrain.services.audit import Actor, record_event
from foodtrain.services.orders.cancelling import cancel_open_orders_of_erased_customer
from foodtrain.services.people import get_in_branch

ERASED = "(erased)"
# Every table an erasure may write (its own rows, and names in other people's texts): vacuumed after it.
ERASURE_WRITES = frozenset(PERSONAL) | frozenset(VOLUNTEER_NAME_IN) | frozenset(CUSTOMER_NAME_IN) | DELETED_AT_ERASURE
#: Who erases records past their retention period (the audit log names it; no signed-in user).
RETENTION = Actor(user_id=None, username="retention")


@dataclass(frozen=True)
class SubjectExport:
    """One person's data: section name (table) -> list of rows (column -> value)."""

    subject: str
    subject_id: int
    sections: dict[str, list[dict[str, Any]]]

    def to_json(self) -> str:
        return json.dumps(
            {
                "subject": self.subject,
                "id": self.subject_id,
                "exported_at": datetime.now(timezone.utc).isoformat(),
                "data": self.sections,
            },
            default=_plain,
            indent=2,
            ensure_ascii=False,
        )

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


def _rows_of(session: Session, kind: str, subject_id: int) -> list[tuple[Table, Any]]:
    """(table, WHERE clause) for each table holding the person's own rows, as personal_data.SUBJECT_ROWS says."""
    return [_linked_rows(link, subject_id) for link in SUBJECT_ROWS[kind]]


def _linked_rows(link: Link, subject_id: int) -> tuple[Table, Any]:
    """(table, WHERE clause) of the rows the link finds for the person."""
    tables = db.metadata.tables
    table = tables[link.table]
    if link.via is None:
        return table, or_(*(table.c[column] == subject_id for column in link.columns))
    via = tables[link.via]
    if link.via_column is None:
        raise ValueError(f"Link to {link.table} through {link.via} names no column of {link.via}.")
    ids = select(via.c.id).where(via.c[link.via_column] == subject_id)
    return table, or_(*(table.c[column].in_(ids) for column in link.columns))


def _erase_rows(session: Session, kind: str, subject_id: int) -> None:
    """Apply the map: delete the rows of DELETED_AT_ERASURE tables, erase each personal text column of the rest."""
    for table, condition in _rows_of(session, kind, subject_id):
        if table.name in DELETED_AT_ERASURE:
            session.execute(delete(table).where(condition))
            continue
        columns = PERSONAL.get(table.name, {})
        values: dict[str, Any] = {}
        for name, personal in columns.items():
            column = table.c[name]
            if personal.treatment is Treatment.MARK:
                values[name] = ERASED
            elif personal.treatment is Treatment.BLANK:
                # NULL stays NULL (it may mean "none", e.g. not paused); any value becomes "", so a row that
                # must hold one (a not-delivered order's reason) keeps a valid, empty one.
                # Secrets (ciphertext, hashes) go to NULL: "no secret" is what the code checks for.
                if not column.nullable:
                    values[name] = ""
                elif not personal.exported:
                    values[name] = None
                else:
                    values[name] = case((column.is_(None), null()), else_=literal(""))
            elif personal.treatment is Treatment.DISTRICT:
                for row_id, value in session.execute(select(table.c.id, column).where(condition)).all():
                    session.execute(update(table).where(table.c.id == row_id).values({name: postcode_district(value)}))
            elif personal.treatment is Treatment.ERASED_ID:
                values[name] = literal("erased-") + cast(table.c.id, String)
        if values:
            session.execute(update(table).where(condition).values(**values))


def postcode_district(postcode: str | None) -> str:
    """The outward code ("DG1" of "DG1 2BD"), kept for anonymous statistics."""
    return (postcode or "").split(" ")[0]


def checkpoint_after_erasure(session: Session) -> bool:
    """After an erasure, leave no old copy of an erased value where the database keeps superseded rows.

    SQLite: copy the write-ahead log into the database file and empty it (freed space is zeroed by
    secure_delete). PostgreSQL keeps each updated row's old version in the table until VACUUM: a plain VACUUM
    of the tables erasure writes removes those versions (it takes no lock that blocks the app; the bytes of
    the freed space are overwritten as it is reused, see README). Its WAL is recycled by the server and is not
    readable by the app's users. False when the database was too busy (it catches up by itself)."""
    engine = session.get_bind()
    if engine.dialect.name == "postgresql":
        try:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:  # type: ignore[union-attr]  # the Engine, as below
                connection.execute(sql_text("SET lock_timeout = '5s'"))
                for table_name in sorted(ERASURE_WRITES):
                    connection.execute(sql_text(f'VACUUM "{table_name}"'))
        except OperationalError:
            return False  # e.g. the lock timed out behind a schema change: autovacuum gets there later
        return True
    if engine.dialect.name == "sqlite":
        # On a raw connection outside any transaction (the engine's BEGIN IMMEDIATE would block a checkpoint).
        raw = engine.raw_connection()  # type: ignore[union-attr]  # get_bind() may be a Connection in general; here it is the Engine
        try:
            cursor = raw.cursor()
            busy = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            cursor.close()
        except sqlite3.OperationalError:
            return False  # another connection is busy: SQLite checkpoints by itself once it is done
        finally:
            raw.close()
        return busy is not None and busy[0] == 0
    return True


def export_subject(
    session: Session, model: type[Customer] | type[Volunteer], record_id: int, branch_id: int, actor: Actor
) -> SubjectExport:
    """Everything held about one customer or volunteer of the branch (audited)."""
    record = get_in_branch(session, model, record_id, branch_id)
    subject = model.__name__.lower()
    sections: dict[str, list[dict[str, Any]]] = {}
    for table, condition in _rows_of(session, subject, record.id):
        hidden = {name for name, personal in PERSONAL.get(table.name, {}).items() if not personal.exported}
        rows = session.execute(select(table).where(condition).order_by(*table.primary_key.columns)).mappings().all()
        if rows:
            sections[table.name] = [
                {key: _plain(value) for key, value in row.items() if key not in hidden} for row in rows
            ]
    for link, columns in EXPORTED_AS_WORKER[subject]:
        # Someone else's rows naming the person as the one doing the work: only the listed columns.
        table, condition = _linked_rows(link, record.id)
        rows = (
            session.execute(
                select(*(table.c[name] for name in columns)).where(condition).order_by(*table.primary_key.columns)
            )
            .mappings()
            .all()
        )
        if rows:
            sections[table.name] = [{key: _plain(value) for key, value in row.items()} for row in rows]
    record_event(
        session, actor=actor, action=f"{subject}.export", entity_type=subject, entity_id=record.id, branch_id=branch_id
    )
    session.commit()
    return SubjectExport(subject, record.id, sections)


def _anonymise_customer(session: Session, customer: Customer, actor: Actor) -> None:
    session.flush()
    _erase_names_from_free_texts(
        session,
        customer.branch_id,
        customer_names(customer),
        customer.first_name,
        CUSTOMER_NAME_IN,
        CUSTOMER_OWN_TEXT,
        customer.id,
    )
    session.flush()
    _erase_rows(session, "customer", customer.id)
    # After the notes were blanked, so the order keeps the (non-personal) cancellation reason.
    cancel_open_orders_of_erased_customer(session, customer.id, actor, branch_today())
    session.expire(customer)
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
    customer.postcode = postcode_district(customer.postcode)
    if customer.latitude is not None and customer.longitude is not None:
        customer.latitude = round(customer.latitude, 2)
        customer.longitude = round(customer.longitude, 2)
    if customer.status is not CustomerStatus.ENDED:
        customer.status = CustomerStatus.ENDED
        customer.ended_on = branch_today()
        customer.end_reason = "Erased on request"
    session.execute(delete(CustomerSupportNeed).where(CustomerSupportNeed.customer_id == customer.id))


def text_without_names(text: str, names: Iterable[str], replacement: str) -> str:
    """`text` with each of the names replaced wherever it stands as whole words, in any case and with any
    spacing between its words ("Ann  LEE" is Ann Lee; "Joann Lee" is not). Longer names go first, so a name
    holding another is replaced whole. The one rule for finding a person's name in free text."""
    for name in sorted({" ".join(name.split()) for name in names} - {""}, key=len, reverse=True):
        pattern = r"(?<!\w)" + r"\s+".join(re.escape(word) for word in name.split()) + r"(?!\w)"
        text = re.sub(pattern, lambda _match: replacement, text, flags=re.IGNORECASE)
    return text


def volunteer_names(session: Session, volunteer: Volunteer) -> set[str]:
    """The names a volunteer goes by in free text: their full name (also as "Last, First", as lists write it)
    and the display name of a linked login. Not the first name alone: that would take other people's too."""
    display_names = session.scalars(select(User.display_name).where(User.volunteer_id == volunteer.id)).all()
    return {volunteer.full_name, f"{volunteer.last_name}, {volunteer.first_name}", *display_names} - {"", ERASED}


def customer_names(customer: Customer) -> set[str]:
    """The names a customer goes by in free text: their full name (also as "Last, First"). Not the first name
    alone: that would take other people's too."""
    return {customer.full_name, f"{customer.last_name}, {customer.first_name}"} - {"", ERASED}


def _erase_names_from_free_texts(
    session: Session,
    branch_id: int,
    names: set[str],
    first_name: str,
    name_in: Mapping[str, FreeText],
    own_text: Mapping[str, Link],
    subject_id: int,
) -> None:
    """Every text of the branch that may name the person (``name_in``: personal_data.VOLUNTEER_NAME_IN or
    CUSTOMER_NAME_IN) loses their name(s); two people of the same name both lose it there. Their first name alone
    goes too, but only in their own rows (``own_text``: VOLUNTEER_OWN_TEXT or CUSTOMER_OWN_TEXT): elsewhere it
    may be someone else's ("not Elsie Brodieson")."""
    tables = db.metadata.tables
    first_names = {first_name} - {"", ERASED}
    for table_name, place in name_in.items():
        table = tables[table_name]
        if place.branch_via is None or place.key is None:
            query = select(table.c.id, *(table.c[name] for name in place.columns)).where(table.c.branch_id == branch_id)
        else:
            parent = tables[place.branch_via]
            assert place.key is not None, f"{table_name}: branch_via needs its key column"
            query = (
                select(table.c.id, *(table.c[name] for name in place.columns))
                .join(parent, parent.c.id == table.c[place.key])
                .where(parent.c.branch_id == branch_id)
            )
        own_ids: set[int] = set()
        if table_name in own_text:
            own_table, own_condition = _linked_rows(own_text[table_name], subject_id)
            own_ids = set(session.scalars(select(own_table.c.id).where(own_condition)).all())
        written = or_(*(table.c[name] != "" for name in place.columns))  # NULL and "" name no one
        for row in session.execute(query.where(written)).all():
            changed = {}
            for column_name, text in zip(place.columns, row[1:]):
                if text:
                    without = text_without_names(text, names, ERASED)
                    if row[0] in own_ids:
                        without = text_without_names(without, first_names, ERASED)
                    if without != text:  # "(erased)" may be longer than a short name: keep within the column
                        changed[column_name] = without[: getattr(table.c[column_name].type, "length", None)]
            if changed:
                session.execute(update(table).where(table.c.id == row[0]).values(changed))


def _anonymise_volunteer(session: Session, volunteer: Volunteer) -> None:
    session.flush()
    _erase_names_from_free_texts(
        session,
        volunteer.branch_id,
        volunteer_names(session, volunteer),
        volunteer.first_name,
        VOLUNTEER_NAME_IN,
        VOLUNTEER_OWN_TEXT,
        volunteer.id,
    )
    session.flush()
    _erase_rows(session, "volunteer", volunteer.id)
    session.expire(volunteer)
    volunteer.first_name = ERASED
    volunteer.last_name = ERASED
    volunteer.email = ""
    volunteer.phone = ""
    volunteer.postcode = postcode_district(volunteer.postcode)
    volunteer.date_of_birth = date(volunteer.date_of_birth.year, 1, 1)
    volunteer.pvg_reference = ""
    # The disclosure record (criminal-records data): only whether they were cleared, and the year, stay.
    volunteer.pvg_disclosure_type = None
    if volunteer.pvg_issued_on is not None:
        volunteer.pvg_issued_on = date(volunteer.pvg_issued_on.year, 1, 1)
    if volunteer.left_on is None:
        volunteer.left_on = max(branch_today(), volunteer.joined_on)
    for child in (VolunteerAvailability, VolunteerAbsence):
        session.execute(delete(child).where(child.volunteer_id == volunteer.id))
    session.execute(
        delete(VolunteerPartnerPreference).where(
            (VolunteerPartnerPreference.volunteer_id == volunteer.id)
            | (VolunteerPartnerPreference.partner_id == volunteer.id)
        )
    )
    session.execute(update(User).where(User.volunteer_id == volunteer.id).values(is_enabled=False, volunteer_id=None))


def erase_customer(session: Session, customer_id: int, branch_id: int, actor: Actor) -> None:
    """Remove a customer's personal data and cancel their open orders; orders stay (anonymous) for the statistics."""
    customer = get_in_branch(session, Customer, customer_id, branch_id)
    _anonymise_customer(session, customer, actor)
    record_event(
        session,
        actor=actor,
        action="customer.erase",
        entity_type="customer",
        entity_id=customer.id,
        branch_id=branch_id,
    )
    session.commit()
    checkpoint_after_erasure(session)


def erase_volunteer(session: Session, volunteer_id: int, branch_id: int, actor: Actor) -> None:
    """Remove a volunteer's personal data (PVG reference included); their shifts stay for the statistics."""
    volunteer = get_in_branch(session, Volunteer, volunteer_id, branch_id)
    _anonymise_volunteer(session, volunteer)
    record_event(
        session,
        actor=actor,
        action="volunteer.erase",
        entity_type="volunteer",
        entity_id=volunteer.id,
        branch_id=branch_id,
    )
    session.commit()
    checkpoint_after_erasure(session)


@dataclass(frozen=True)
class RetentionOutcome:
    customers: list[int]
    volunteers: list[int]


def apply_retention(session: Session, today: date, years: int, dry_run: bool = False) -> RetentionOutcome:
    """Anonymise customers who ended, and volunteers who left, more than `years` years before `today`."""
    if years < 1:
        raise ValueError("years: keep records for at least one year")
    cutoff = today - timedelta(days=round(365.25 * years))
    customers = session.scalars(
        select(Customer).where(
            Customer.status == CustomerStatus.ENDED, Customer.ended_on < cutoff, Customer.first_name != ERASED
        )
    ).all()
    volunteers = session.scalars(
        select(Volunteer).where(
            Volunteer.left_on.is_not(None), Volunteer.left_on < cutoff, Volunteer.first_name != ERASED
        )
    ).all()
    outcome = RetentionOutcome([c.id for c in customers], [v.id for v in volunteers])
    if dry_run:
        return outcome
    for customer in customers:
        _anonymise_customer(session, customer, RETENTION)
        record_event(
            session,
            actor=RETENTION,
            action="customer.erase",
            entity_type="customer",
            entity_id=customer.id,
            branch_id=customer.branch_id,
            detail=f"retention {years} years",
        )
    for volunteer in volunteers:
        _anonymise_volunteer(session, volunteer)
        record_event(
            session,
            actor=RETENTION,
            action="volunteer.erase",
            entity_type="volunteer",
            entity_id=volunteer.id,
            branch_id=volunteer.branch_id,
            detail=f"retention {years} years",
        )
    session.commit()
    if outcome.customers or outcome.volunteers:
        checkpoint_after_erasure(session)
    return outcome
