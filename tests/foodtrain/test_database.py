"""SQLite is configured for durability and for concurrent read-then-write without lost updates."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from foodtrain.database import is_stale_read_error, reading_transactions
from foodtrain.extensions import db
from tests.factories import make_branch, make_customer, make_order


def test_sqlite_pragmas(session) -> None:
    """WAL journal, foreign keys on, synchronous FULL and a busy timeout on every connection."""
    assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    assert session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_concurrent_read_modify_write_loses_no_update(app) -> None:
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
                    crates = db.session.execute(
                        text("SELECT crates FROM orders WHERE id = :id"), {"id": order_id}
                    ).scalar_one()
                    db.session.execute(
                        text("UPDATE orders SET crates = :c WHERE id = :id"), {"c": crates + 1, "id": order_id}
                    )
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


def _hold_write_transaction(app, order_id: int, holding: threading.Event, release: threading.Event) -> None:
    with app.app_context():
        db.session.execute(text("UPDATE orders SET crates = 99 WHERE id = :id"), {"id": order_id})
        holding.set()
        release.wait(20)
        db.session.commit()
        db.session.remove()


def _order_with_crates(app, crates: int) -> int:
    with app.app_context():
        order = make_order(db.session, make_customer(db.session, make_branch(db.session)), crates=crates)
        db.session.commit()
        order_id = order.id
        db.session.remove()
    return order_id


def test_reader_is_not_blocked_by_a_writer(app) -> None:
    """While a writing transaction holds the write lock, a reading transaction reads the last committed data at once."""
    order_id = _order_with_crates(app, 3)
    holding, release = threading.Event(), threading.Event()
    writer = threading.Thread(target=_hold_write_transaction, args=(app, order_id, holding, release))
    writer.start()
    try:
        assert holding.wait(10)
        with app.app_context(), reading_transactions():
            started = time.monotonic()
            crates = db.session.execute(text("SELECT crates FROM orders WHERE id = :id"), {"id": order_id}).scalar_one()
            db.session.rollback()
            waited_s = time.monotonic() - started
    finally:
        release.set()
        writer.join(20)
    assert crates == 3 and waited_s < 1.0


def test_a_page_is_served_while_a_writer_holds_the_lock(demo_app) -> None:
    """A GET request (the customer list) is answered while a job's write transaction is open."""
    from tests.conftest import sign_in

    client = demo_app.test_client()
    assert sign_in(client, "coordinator-dg").status_code == 302
    order_id = _order_with_crates(demo_app, 1)
    holding, release = threading.Event(), threading.Event()
    writer = threading.Thread(target=_hold_write_transaction, args=(demo_app, order_id, holding, release))
    writer.start()
    try:
        assert holding.wait(10)
        started = time.monotonic()
        response = client.get("/customers/")
        waited_s = time.monotonic() - started
    finally:
        release.set()
        writer.join(20)
    assert response.status_code == 200 and waited_s < 2.0


def test_a_stale_reading_transaction_that_writes_is_recognised(app) -> None:
    """A reading transaction whose snapshot went stale cannot write; the error is recognised (the web reruns the GET)."""
    order_id = _order_with_crates(app, 1)
    with app.app_context(), reading_transactions():
        db.session.execute(text("SELECT crates FROM orders WHERE id = :id"), {"id": order_id}).scalar_one()
        writer = threading.Thread(target=_hold_write_transaction, args=(app, order_id, threading.Event(), _set_event()))
        writer.start()
        writer.join(10)
        with pytest.raises(OperationalError) as raised:
            db.session.execute(text("UPDATE orders SET crates = 5 WHERE id = :id"), {"id": order_id})
        assert is_stale_read_error(raised.value)
        db.session.rollback()
        db.session.remove()


def _set_event() -> threading.Event:
    event = threading.Event()
    event.set()
    return event


def test_a_get_whose_read_went_stale_before_it_wrote_is_run_again_as_a_writer(app) -> None:
    """The web layer reruns a GET once, in a writing transaction, when SQLite refuses its late write; no 500."""
    order_id = _order_with_crates(app, 1)
    calls: list[int] = []

    def reads_then_writes():
        calls.append(1)
        crates = db.session.execute(text("SELECT crates FROM orders WHERE id = :id"), {"id": order_id}).scalar_one()
        if len(calls) == 1:  # another request saves meanwhile
            writer = threading.Thread(
                target=_hold_write_transaction, args=(app, order_id, threading.Event(), _set_event())
            )
            writer.start()
            writer.join(10)
        db.session.execute(text("UPDATE orders SET crates = :c WHERE id = :id"), {"c": crates + 1, "id": order_id})
        db.session.commit()
        return "ok"

    app.add_url_rule("/test-stale-read", "test_stale_read", reads_then_writes)
    response = app.test_client().get("/test-stale-read")
    assert response.status_code == 200 and len(calls) == 2
    with app.app_context():
        assert (
            db.session.execute(text("SELECT crates FROM orders WHERE id = :id"), {"id": order_id}).scalar_one() == 100
        )
        db.session.remove()


def test_a_get_whose_read_went_stale_in_a_before_request_hook_is_run_again_as_a_writer(app) -> None:
    """A before-request hook's late write (as loading the user writes its last-seen time) refused by SQLite
    reruns the hooks and the view as a writer; no 500 (found by the load test)."""
    order_id = _order_with_crates(app, 1)
    calls: list[int] = []

    @app.before_request
    def reads_then_writes() -> None:
        calls.append(1)
        crates = db.session.execute(text("SELECT crates FROM orders WHERE id = :id"), {"id": order_id}).scalar_one()
        if len(calls) == 1:  # another request saves meanwhile
            writer = threading.Thread(
                target=_hold_write_transaction, args=(app, order_id, threading.Event(), _set_event())
            )
            writer.start()
            writer.join(10)
        db.session.execute(text("UPDATE orders SET crates = :c WHERE id = :id"), {"c": crates + 1, "id": order_id})
        db.session.commit()

    app.add_url_rule("/test-stale-hook", "test_stale_hook", lambda: "ok")
    response = app.test_client().get("/test-stale-hook")
    assert response.status_code == 200 and len(calls) == 2
    with app.app_context():
        assert (
            db.session.execute(text("SELECT crates FROM orders WHERE id = :id"), {"id": order_id}).scalar_one() == 100
        )
        db.session.remove()
