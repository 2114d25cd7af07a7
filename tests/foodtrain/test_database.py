"""SQLite is configured for durability and for concurrent read-then-write without lost updates."""
from __future__ import annotations

import threading

from sqlalchemy import text

from foodtrain.extensions import db
from tests.factories import make_branch, make_customer, make_order


def test_sqlite_pragmas(session) -> None:  # type: ignore[no-untyped-def]
    """WAL journal, foreign keys on, synchronous FULL and a busy timeout on every connection."""
    assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    assert session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_concurrent_read_modify_write_loses_no_update(app) -> None:  # type: ignore[no-untyped-def]
    """8 threads x 25 read-then-write increments of one order's crates all land (BEGIN IMMEDIATE)."""
    with app.app_context():
        branch = make_branch(db.session)
        order = make_order(db.session, make_customer(db.session, branch), crates=0)
        db.session.commit()
        order_id = order.id
    threads_count, increments = 8, 25
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with app.app_context():
                for _ in range(increments):
                    crates = db.session.execute(text("SELECT crates FROM orders WHERE id = :id"),
                                                {"id": order_id}).scalar_one()
                    db.session.execute(text("UPDATE orders SET crates = :c WHERE id = :id"),
                                       {"c": crates + 1, "id": order_id})
                    db.session.commit()
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        final = db.session.execute(text("SELECT crates FROM orders WHERE id = :id"), {"id": order_id}).scalar_one()
    assert final == threads_count * increments
