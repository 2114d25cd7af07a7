"""The database itself refuses records that break the service's rules."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from foodtrain.models import CustomerStatus, OrderLine, UserRole, User
from tests.factories import make_branch, make_customer, make_order, make_shop, make_van, make_volunteer


def _expect_refused(session, statement_or_flush) -> None:
    with pytest.raises(IntegrityError):
        statement_or_flush()
    session.rollback()


def test_time_window_must_end_after_it_starts(session) -> None:
    """A customer window of 14:00-10:00 is refused by a CHECK constraint."""
    branch = make_branch(session)
    _expect_refused(session, lambda: make_customer(session, branch, window_start=time(14), window_end=time(10)))


def test_paused_customer_needs_dates_and_reason(session) -> None:
    """Pausing without a start date and reason is refused; with them it is stored."""
    branch = make_branch(session)
    _expect_refused(session, lambda: make_customer(session, branch, status=CustomerStatus.PAUSED))
    branch = make_branch(session)
    customer = make_customer(
        session, branch, status=CustomerStatus.PAUSED, paused_from=date(2026, 11, 1), pause_reason="In hospital"
    )
    assert customer.id is not None


def test_one_order_per_customer_per_delivery_date(session) -> None:
    """A second order for the same customer and date is refused (a double-click makes one order)."""
    branch = make_branch(session)
    customer = make_customer(session, branch)
    make_order(session, customer)
    _expect_refused(session, lambda: make_order(session, customer))


def test_negative_crates_and_empty_items_are_refused(session) -> None:
    """Crates cannot be negative and an order line needs an item and a positive quantity."""
    branch = make_branch(session)
    customer = make_customer(session, branch)
    _expect_refused(session, lambda: make_order(session, customer, crates=-1))
    branch = make_branch(session)
    order = make_order(session, make_customer(session, branch))

    def add_bad_line() -> None:
        session.add(OrderLine(order_id=order.id, position=1, item="Milk", quantity=0))
        session.flush()

    _expect_refused(session, add_bad_line)


def test_van_capacity_must_be_positive(session) -> None:
    branch = make_branch(session)
    _expect_refused(session, lambda: make_van(session, branch, capacity_crates=0))


def test_cleared_pvg_needs_issue_date(session) -> None:
    """A PVG 'cleared' status without the date it was issued is refused."""
    branch = make_branch(session)
    _expect_refused(session, lambda: make_volunteer(session, branch, pvg_issued_on=None))


def test_foreign_keys_are_enforced(session) -> None:
    """A shop pointing at a branch that does not exist is refused (PRAGMA foreign_keys is on)."""
    branch = make_branch(session)
    _expect_refused(session, lambda: make_shop(session, branch, branch_id=999_999))


def test_only_admins_may_have_no_branch(session) -> None:
    """A coordinator without a branch is refused by the database even if the service is bypassed."""

    def add_branchless_coordinator() -> None:
        session.add(User(username="c", password_hash="x", role=UserRole.COORDINATOR, branch_id=None))
        session.flush()

    _expect_refused(session, add_branchless_coordinator)


def test_enum_columns_refuse_unknown_values(session) -> None:
    """Raw SQL cannot store a customer status outside the list (named CHECK constraint)."""
    branch = make_branch(session)
    customer = make_customer(session, branch)
    session.commit()
    _expect_refused(
        session,
        lambda: session.execute(text("UPDATE customers SET status = 'vanished' WHERE id = :id"), {"id": customer.id}),
    )


def test_audit_log_is_append_only(session) -> None:
    """UPDATE and DELETE on audit_events are refused by a trigger."""
    from foodtrain.services.audit import record_event

    record_event(session, user_id=None, action="test.event")
    session.commit()
    for statement in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(IntegrityError, match="append-only"):
            session.execute(text(statement))
        session.rollback()
