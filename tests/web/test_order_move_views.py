"""Moving an order to another date from its page: office and coordinator, clear refusals, other branches kept out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from foodtrain.extensions import db
from foodtrain.models import Branch, Order
from foodtrain.services.audit import SYSTEM
from foodtrain.services.closures import set_day
from foodtrain.services.orders.board import order_board
from foodtrain.services.orders.taking import OrderLineInput, save_order
from tests.conftest import DEMO_TODAY, csrf_token_from, sign_in

DAY = DEMO_TODAY


@pytest.fixture
def order_id(demo_app, monkeypatch) -> int:
    """A new two-line order in DG for a customer due on DAY; the office's today is DAY."""
    monkeypatch.setattr("web.orders._today", lambda: DAY)
    with demo_app.app_context():
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
        customer_id = order_board(db.session, branch_id, DAY).due_missing[0].customer_id
        return save_order(
            db.session,
            branch_id,
            customer_id,
            DAY,
            [OrderLineInput("Milk", 2), OrderLineInput("Tea bags", 1, "80s")],
            "",
            SYSTEM,
        )


def _order(demo_app, order_id: int) -> tuple:
    with demo_app.app_context():
        order = db.session.get(Order, order_id)
        return order.delivery_date, [(line.item, line.quantity) for line in order.lines], order.version


def _post(client, order_id: int, day, version: int = 1):
    token = csrf_token_from(client.get(f"/orders/{order_id}").get_data(as_text=True))
    return client.post(
        f"/orders/{order_id}/move",
        data={"csrf_token": token, "move-version": str(version), "move-delivery_date": day.isoformat() if day else ""},
    )


@pytest.mark.parametrize("username", ["office-dg", "coordinator-dg"])
def test_office_and_coordinator_move_an_order_with_its_lines(demo_app, demo_client, order_id, username) -> None:
    """The order page offers the move; the order goes to the new date with the same lines."""
    sign_in(demo_client, username)
    assert "Move to another date" in demo_client.get(f"/orders/{order_id}").get_data(as_text=True)
    target = DAY + timedelta(days=7)
    response = _post(demo_client, order_id, target)
    assert response.status_code == 302
    day, lines, _version = _order(demo_app, order_id)
    assert day == target and lines == [("Milk", 2), ("Tea bags", 1)]
    page = demo_client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Order moved from {DAY:%A %-d %B} to {target:%A %-d %B}" in page


def test_bad_dates_are_refused_with_a_message_and_nothing_changes(demo_app, demo_client, order_id) -> None:
    """No date, a past date and a closure day: 400 with the reason on the page; a stale form: 409."""
    sign_in(demo_client, "office-dg")
    with demo_app.app_context():
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
        set_day(db.session, branch_id, DAY + timedelta(days=3), is_open=False, reason="Staff training", actor=SYSTEM)
    for day, message in (
        (None, "Choose the new delivery date."),
        (DAY - timedelta(days=1), "has passed"),
        (DAY + timedelta(days=3), "is a closure day (Staff training)"),
    ):
        refused = _post(demo_client, order_id, day)
        assert refused.status_code == 400 and message in refused.get_data(as_text=True)
    stale = _post(demo_client, order_id, DAY + timedelta(days=7), version=99)
    assert stale.status_code == 409 and "changed" in stale.get_data(as_text=True)
    assert _order(demo_app, order_id)[0] == DAY


def test_a_driver_and_another_branch_cannot_move(demo_app, demo_client, order_id) -> None:
    """A driver is refused; West Lothian's office gets 404 for a Dumfries order; the order stays."""
    sign_in(demo_client, "driver-dg")
    token = csrf_token_from(demo_client.get("/").get_data(as_text=True))
    assert demo_client.post(f"/orders/{order_id}/move", data={"csrf_token": token}).status_code == 403
    demo_client.post("/logout", data={"csrf_token": token})
    sign_in(demo_client, "office-wl")
    token = csrf_token_from(demo_client.get("/orders/customers").get_data(as_text=True))
    response = demo_client.post(
        f"/orders/{order_id}/move",
        data={"csrf_token": token, "move-version": "1", "move-delivery_date": (DAY + timedelta(days=7)).isoformat()},
    )
    assert response.status_code == 404
    assert _order(demo_app, order_id)[0] == DAY
