"""Customers' balances: under- and over-payments carry from one delivery to the next."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from foodtrain.models import ListMethod, PaymentMethod
from foodtrain.services.audit import SYSTEM
from foodtrain.services.balances import (
    amount_due_with_balance_text,
    balance_text,
    balances_pence,
    balances_report,
    customer_balance_pence,
)
from foodtrain.services.errors import ValidationError
from foodtrain.services.orders.board import order_board
from foodtrain.services.orders.delivery import record_delivery
from foodtrain.services.orders.shops import record_packing
from foodtrain.services.orders.taking import OrderLineInput, save_order
from tests.factories import make_branch, make_customer, make_shop

TUESDAY = date(2026, 12, 1)
LINES = [OrderLineInput("Milk", 2)]


@pytest.fixture
def world(session):
    branch = make_branch(session)
    shop = make_shop(session, branch, orders_ready_time=time(9, 0))
    ann = make_customer(session, branch, shop, list_method=ListMethod.TELEPHONE)
    bob = make_customer(session, branch, shop)
    ids = {"branch": branch.id, "ann": ann.id, "bob": bob.id}
    session.commit()
    return ids


def _delivered(session, world, customer: str, day: date, till_pence: int, received_pence: int) -> int:
    order_id = save_order(session, world["branch"], world[customer], day, LINES, "", SYSTEM)
    record_packing(session, world["branch"], order_id, 1, till_pence, SYSTEM)
    record_delivery(session, world["branch"], order_id, True, received_pence, PaymentMethod.CASH, "", SYSTEM, today=day)
    return order_id


def test_underpayment_and_overpayment_carry_to_the_balance(session, world) -> None:
    """£10 received against £15.50 due leaves £5.50 owed; a later £2 overpayment brings it to £3.50 owed."""
    _delivered(session, world, "ann", TUESDAY, 1250, 1000)  # due 12.50 + 3.00 charge = 15.50
    assert customer_balance_pence(session, world["branch"], world["ann"]) == -550
    assert balance_text(-550) == "owes £5.50"
    _delivered(session, world, "ann", TUESDAY + timedelta(days=7), 1000, 1500)  # due 13.00, paid 15.00
    assert customer_balance_pence(session, world["branch"], world["ann"]) == -350
    assert customer_balance_pence(session, world["branch"], world["ann"], before=TUESDAY + timedelta(days=7)) == -550
    _delivered(session, world, "bob", TUESDAY, 700, 1200)  # due 10.00, paid 12.00
    assert balances_pence(session, world["branch"]) == {world["ann"]: -350, world["bob"]: 200}
    assert [(row.customer_id, row.text) for row in balances_report(session, world["branch"])] == [
        (world["ann"], "owes £3.50"),
        (world["bob"], "in credit £2.00"),
    ]


def test_next_sheet_amount_adds_what_is_owed_and_board_shows_it(session, world) -> None:
    """The amount to collect adds the balance carried from before; the order board shows the balance."""
    assert amount_due_with_balance_text(1550, 300, -550) == "£15.50 + £5.50 owed from before = £21.00"
    assert amount_due_with_balance_text(1550, 300, 200) == "£15.50 − £2.00 in credit = £13.50"
    assert amount_due_with_balance_text(None, 300, -550) == "receipt + £3.00 charge + £5.50 owed from before"
    assert amount_due_with_balance_text(1550, 300, 0) == "£15.50"
    _delivered(session, world, "ann", TUESDAY, 1250, 1000)
    next_week = TUESDAY + timedelta(days=7)
    save_order(session, world["branch"], world["ann"], next_week, LINES, "", SYSTEM)
    board = order_board(session, world["branch"], next_week)
    entry = next(e for e in board.due_with_order if e.customer_id == world["ann"])
    assert entry.balance_text == "owes £5.50"


def test_no_delivery_recorded_in_the_future(session, world) -> None:
    """Recording a delivery for a later date than today is refused, and nothing changes."""
    order_id = save_order(session, world["branch"], world["ann"], TUESDAY, LINES, "", SYSTEM)
    record_packing(session, world["branch"], order_id, 1, 1000, SYSTEM)
    with pytest.raises(ValidationError, match="not before"):
        record_delivery(
            session,
            world["branch"],
            order_id,
            True,
            1300,
            PaymentMethod.CASH,
            "",
            SYSTEM,
            today=TUESDAY - timedelta(days=1),
        )
    assert customer_balance_pence(session, world["branch"], world["ann"]) == 0
