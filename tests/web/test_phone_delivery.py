"""The team records the door from the phone page: delivered (amount, how paid) or not in, with Undo;
another person's change in between is refused with a clear message, bad input never gives a 500."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from foodtrain.extensions import db
from foodtrain.models import AuditEvent, Branch, Order, OrderStatus, User
from foodtrain.services.audit import SYSTEM
from foodtrain.services.planning import adjusting, reading, storing, viewing
from foodtrain.services.orders.shops import record_packing
from foodtrain.services.rota import VanTeam
from tests.conftest import csrf_token_from, sign_in

DAY = date(2026, 11, 26)  # the demo's busiest open day in DG
PAGE = f"/routes/mine/{DAY.isoformat()}"


@pytest.fixture
def my_round(demo_app, demo_client, monkeypatch):
    """A published plan of DAY; driver-dg drives its first round, whose orders are packed (£12.00 + charge
    due at the door); the other rounds have no team member signed in. Returns (round, other round)."""
    with demo_app.app_context():
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
        storing.plan_day(db.session, branch_id, DAY, time_limit_s=1)
        view = viewing.get_plan_view(db.session, branch_id, DAY)
        adjusting.publish_plan(db.session, branch_id, view.id, view.version, SYSTEM, confirmed=True)
        mine, other = view.rounds[0], view.rounds[1]
        for stop in mine.stops:
            if stop.kind == "delivery":
                record_packing(db.session, branch_id, stop.order_id, 2, 1200, SYSTEM)
        volunteer_id = db.session.scalar(select(User.volunteer_id).where(User.username == "driver-dg"))
        db.session.remove()
    monkeypatch.setattr(
        reading,
        "rostered_teams",
        lambda s, b, d: [
            VanTeam(mine.van_id, mine.van_name, volunteer_id, "Me Driver", None, ""),
            VanTeam(other.van_id, other.van_name, None, "Someone Else", None, ""),
        ],
    )
    monkeypatch.setattr("web.routes._today", lambda: DAY)
    sign_in(demo_client, "driver-dg")
    return mine, other


def _deliveries(round_view) -> list[int]:
    return [s.order_id for s in round_view.stops if s.kind == "delivery"]


def _order(app, order_id: int) -> Order:
    with app.app_context():
        order = db.session.get(Order, order_id)
        db.session.expunge(order)
        db.session.remove()
        return order


def _post(client, order_id: int, version: int, **fields: str):
    token = csrf_token_from(client.get(PAGE).get_data(as_text=True))
    data = {"csrf_token": token, f"stop-{order_id}-version": str(version)}
    data.update({f"stop-{order_id}-{name}": value for name, value in fields.items()})
    return client.post(f"{PAGE}/orders/{order_id}/delivery", data=data)


def _undo(client, order_id: int, version: int):
    token = csrf_token_from(client.get(PAGE).get_data(as_text=True))
    return client.post(
        f"{PAGE}/orders/{order_id}/delivery/undo", data={"csrf_token": token, f"undo-{order_id}-version": str(version)}
    )


def test_delivered_with_payment_then_undone_from_the_phone(demo_app, demo_client, my_round) -> None:
    """Each stop has the form, started with the amount due; Delivered + £ + cash records it, the card then says
    so and offers Undo; Undo puts the order back to packed with nothing received, audited both ways."""
    mine, _ = my_round
    order_id = _deliveries(mine)[0]
    order = _order(demo_app, order_id)
    page = demo_client.get(PAGE).get_data(as_text=True)
    assert page.count('class="door-form"') == len(_deliveries(mine))
    assert f'value="{order.amount_due_pence / 100:.2f}"' in page
    response = _post(
        demo_client,
        order_id,
        order.version,
        outcome="delivered",
        amount_received="10.00",
        payment_method="cash",
        reason="Not in",
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{PAGE}#stop-{order_id}")
    done = _order(demo_app, order_id)
    assert done.status is OrderStatus.DELIVERED and done.amount_received_pence == 1000
    page = demo_client.get(PAGE).get_data(as_text=True)
    assert "Delivered: £10.00 received (cash)" in page and "less than the" in page  # the flash: what carries over
    assert page.count('class="door-form"') == len(_deliveries(mine))  # an Undo form in place of the form
    response = _undo(demo_client, order_id, done.version)
    assert response.status_code == 302
    undone = _order(demo_app, order_id)
    assert undone.status is OrderStatus.PACKED and undone.amount_received_pence is None
    assert undone.payment_method_received is None
    assert "undone, nothing is recorded" in demo_client.get(PAGE).get_data(as_text=True)
    with demo_app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == order_id)).all()
    assert "order.delivery" in actions and "order.delivery_undone" in actions


def test_not_in_is_recorded_with_its_reason(demo_app, demo_client, my_round) -> None:
    """Not delivered keeps the reason (the form starts with 'Not in'); the card says so."""
    mine, _ = my_round
    order_id = _deliveries(mine)[1]
    order = _order(demo_app, order_id)
    response = _post(
        demo_client,
        order_id,
        order.version,
        outcome="not_delivered",
        amount_received="",
        payment_method="",
        reason="Not in",
    )
    assert response.status_code == 302
    assert _order(demo_app, order_id).status is OrderStatus.NOT_DELIVERED
    assert "Not delivered: Not in" in demo_client.get(PAGE).get_data(as_text=True)


def test_a_change_made_meanwhile_is_refused_and_nothing_is_lost(demo_app, demo_client, my_round) -> None:
    """The driver and the mate both record the same stop from pages loaded at the same version: the second is
    refused with 409 and 'changed by someone else'; the first record stands. A stale Undo is refused too."""
    mine, _ = my_round
    order_id = _deliveries(mine)[0]
    version = _order(demo_app, order_id).version
    assert (
        _post(
            demo_client, order_id, version, outcome="delivered", amount_received="12.00", payment_method="cash"
        ).status_code
        == 302
    )
    second = _post(demo_client, order_id, version, outcome="not_delivered", reason="Not in")
    assert second.status_code == 409 and "changed by someone else" in second.get_data(as_text=True)
    kept = _order(demo_app, order_id)
    assert kept.status is OrderStatus.DELIVERED and kept.amount_received_pence == 1200
    stale_undo = _undo(demo_client, order_id, version)
    assert stale_undo.status_code == 409 and "Nothing was undone" in stale_undo.get_data(as_text=True)
    assert _order(demo_app, order_id).status is OrderStatus.DELIVERED


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"outcome": "delivered", "amount_received": "ten pounds", "payment_method": "cash"}, "for example"),
        ({"outcome": "delivered", "amount_received": "-3", "payment_method": "cash"}, "amount"),
        ({"outcome": "delivered", "amount_received": "5.00", "payment_method": ""}, "Choose how the customer paid"),
        ({"outcome": "not_delivered", "reason": ""}, "Say why the order was not delivered"),
        ({"outcome": "lost", "reason": "x"}, "Not a valid choice"),
        ({}, "Choose delivered or not delivered"),
    ],
)
def test_bad_input_gets_a_clear_message_by_the_field_and_saves_nothing(
    demo_app, demo_client, my_round, fields, message
) -> None:
    """Wrong or missing values answer 400 with the message on the stop's card; the order is unchanged."""
    mine, _ = my_round
    order_id = _deliveries(mine)[0]
    before = _order(demo_app, order_id)
    response = _post(demo_client, order_id, before.version, **fields)
    assert response.status_code == 400 and message.lower() in response.get_data(as_text=True).lower()
    assert _order(demo_app, order_id).status is OrderStatus.PACKED


def test_no_delivery_is_recorded_before_its_day_and_no_undo_after_it(
    demo_app, demo_client, my_round, monkeypatch
) -> None:
    """The day before the round the phone refuses to record; the day after, Undo sends the team to the office."""
    mine, _ = my_round
    order_id = _deliveries(mine)[0]
    version = _order(demo_app, order_id).version
    monkeypatch.setattr("web.routes._today", lambda: date(2026, 11, 25))
    early = _post(demo_client, order_id, version, outcome="delivered", amount_received="1.00", payment_method="cash")
    assert early.status_code == 400 and "on or after that day" in early.get_data(as_text=True)
    monkeypatch.setattr("web.routes._today", lambda: DAY)
    assert (
        _post(
            demo_client, order_id, version, outcome="delivered", amount_received="1.00", payment_method="cash"
        ).status_code
        == 302
    )
    monkeypatch.setattr("web.routes._today", lambda: date(2026, 11, 27))
    late = _undo(demo_client, order_id, _order(demo_app, order_id).version)
    assert late.status_code == 400 and "ask the office" in late.get_data(as_text=True)


def test_only_orders_on_my_own_round_and_real_days(demo_app, demo_client, my_round) -> None:
    """Another van's order, an unknown or absurd order id and a nonsense day are 404, never a 500."""
    mine, other = my_round
    token = csrf_token_from(demo_client.get(PAGE).get_data(as_text=True))
    for path in (
        f"{PAGE}/orders/{_deliveries(other)[0]}/delivery",
        f"{PAGE}/orders/99999999/delivery",
        f"{PAGE}/orders/{2**80}/delivery",
        f"/routes/mine/2026-02-31/orders/{_deliveries(mine)[0]}/delivery",
        f"/routes/mine/not-a-day/orders/{_deliveries(mine)[0]}/delivery/undo",
    ):
        response = demo_client.post(path, data={"csrf_token": token})
        assert response.status_code == 404, path
    assert _order(demo_app, _deliveries(other)[0]).status is not OrderStatus.DELIVERED
