"""Erasure reaches the database files themselves: no erased value stays in the SQLite file or its WAL."""

from __future__ import annotations

from pathlib import Path

from foodtrain.services.audit import Actor
from foodtrain.services.privacy import erase_customer, erase_volunteer
from tests.factories import make_branch, make_customer, make_order, make_volunteer


def _database_bytes(session) -> bytes:
    path = Path(session.get_bind().url.database)
    return b"".join(file.read_bytes() for file in (path, path.with_name(path.name + "-wal")) if file.exists())


def test_erased_values_are_gone_from_the_sqlite_file_and_its_wal(session) -> None:
    """After erasing a customer and a volunteer, the raw bytes of the database file and the WAL hold none of
    their values (the WAL is checkpointed; freed space is overwritten, not left holding the old row)."""
    branch = make_branch(session)
    customer = make_customer(
        session, branch, last_name="Zqrawsurname", phone="01000 777111", access_notes="Zqraw key under the mat"
    )
    make_order(session, customer, notes="Zqraw ring her son")
    volunteer = make_volunteer(session, branch, last_name="Zqrawvolunteer", pvg_reference="ZQRAW1234567")
    session.commit()
    values = [b"Zqrawsurname", b"01000 777111", b"Zqraw key", b"Zqraw ring", b"Zqrawvolunteer", b"ZQRAW1234567"]
    assert all(value in _database_bytes(session) for value in values)  # the check can see a value
    erase_customer(session, customer.id, branch.id, Actor(None))
    erase_volunteer(session, volunteer.id, branch.id, Actor(None))
    session.close()
    raw = _database_bytes(session)
    assert [value for value in values if value in raw] == []


def test_every_sqlite_connection_zeroes_freed_space(session) -> None:
    """secure_delete is set by the app, not left to the SQLite build (many builds default to off, which
    would keep an erased row's bytes in a free block of its page)."""
    from sqlalchemy import text

    assert session.execute(text("PRAGMA secure_delete")).scalar() == 1


def test_without_the_checkpoint_the_wal_would_keep_erased_values(session, monkeypatch) -> None:
    """The check above can fail: with the checkpoint after erasure switched off, the WAL still holds the
    value as it was before the erasure."""
    import foodtrain.services.privacy as privacy

    monkeypatch.setattr(privacy, "checkpoint_after_erasure", lambda session: True)
    branch = make_branch(session)
    customer = make_customer(session, branch, last_name="Zqwalsurname")
    session.commit()
    erase_customer(session, customer.id, branch.id, Actor(None))
    assert b"Zqwalsurname" in _database_bytes(session)


def test_retention_leaves_no_erased_value_in_the_sqlite_file_or_its_wal(session) -> None:
    """The retention command erases like the admin's button: the WAL is checkpointed after it too."""
    from datetime import date

    from foodtrain.models import CustomerStatus
    from foodtrain.services.privacy import apply_retention

    branch = make_branch(session)
    make_customer(
        session,
        branch,
        last_name="Zqretainsurname",
        status=CustomerStatus.ENDED,
        ended_on=date(2019, 1, 1),
        end_reason="Moved away",
    )
    session.commit()
    assert b"Zqretainsurname" in _database_bytes(session)
    outcome = apply_retention(session, date(2026, 12, 7), 3)
    assert len(outcome.customers) == 1
    session.close()
    assert b"Zqretainsurname" not in _database_bytes(session)
