"""8 threads x 50 read-modify-write edits of the same order, as the web does them (read, then
save with the version read): nothing is lost, and stale edits are refused, never overwritten."""
from __future__ import annotations

import threading
from datetime import date

from flask import Flask

from foodtrain.extensions import db
from foodtrain.services.orders import OrderLineInput, StaleOrderError, order_edit_context, save_order
from tests.conftest import requires_postgres
from tests.factories import make_branch, make_customer

THREADS, EDITS_PER_THREAD = 8, 50


def _hammer(app: Flask) -> tuple[int, int, list[str]]:
    """Returns (lines in the order at the end, stale edits refused, errors)."""
    with app.app_context():
        branch = make_branch(db.session)
        customer = make_customer(db.session, branch)
        db.session.commit()
        branch_id, customer_id = branch.id, customer.id
        order_id = save_order(db.session, branch_id, customer_id, date(2026, 12, 1),
                              [OrderLineInput("Bread")], "", user_id=None)
        db.session.remove()
    stale, errors = [0], []
    lock = threading.Lock()

    def edit_many(thread_number: int) -> None:
        with app.app_context():
            try:
                for edit in range(EDITS_PER_THREAD):
                    while True:
                        context = order_edit_context(db.session, branch_id, order_id)  # the form is loaded ...
                        db.session.commit()  # ... in one request
                        snapshot = context.existing_order
                        lines = [*snapshot.lines, OrderLineInput(f"Item {thread_number}-{edit}")]
                        try:  # ... and saved in another
                            save_order(db.session, branch_id, customer_id, date(2026, 12, 1), lines, "",
                                       user_id=None, expected_version=snapshot.version, order_id=order_id)
                            break
                        except StaleOrderError:
                            with lock:
                                stale[0] += 1
            except Exception as error:  # noqa: BLE001 - collected and asserted below
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=edit_many, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        final = order_edit_context(db.session, branch_id, order_id).existing_order
        db.session.remove()
    return len(final.lines), stale[0], errors


def _check(app: Flask) -> None:
    lines, stale, errors = _hammer(app)
    expected = 1 + THREADS * EDITS_PER_THREAD
    database = app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0]
    print(f"\nconcurrency ({database}): {THREADS} threads x {EDITS_PER_THREAD} read-modify-write edits, "
          f"lost = {expected - lines}, stale edits refused and retried = {stale}, errors = {len(errors)}")
    assert errors == []
    assert lines == expected


def test_concurrent_order_edits_sqlite(app: Flask) -> None:
    _check(app)


@requires_postgres
def test_concurrent_order_edits_postgres(postgres_app: Flask) -> None:
    _check(postgres_app)
