"""Moving an order to another date: lines kept, the new date checked as for taking an order, plan says so."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from foodtrain.models import AuditEvent, CustomerStatus, OrderLine, OrderStatus
from foodtrain.services.audit import Actor
from foodtrain.services.closures import set_day
from foodtrain.services.errors import NotFoundError, ValidationError
from foodtrain.services.orders.moving import move_order
from foodtrain.services.orders.rules import StaleOrderError
from foodtrain.services.orders.taking import get_order
from foodtrain.services.planning import printouts, staleness
from tests.factories import make_branch, make_customer, make_order, make_shop
from tests.foodtrain.test_plan_changes import DAY as PLANNED_DAY, _published

ACTOR = Actor(user_id=None, username="office")
TODAY = date(2026, 11, 30)
TUESDAY = date(2026, 12, 1)  # factories' customers are weekly on Tuesdays
NEXT_TUESDAY = TUESDAY + timedelta(days=7)


@pytest.fixture
def world(session):
    """A customer's order for Tuesday with two lines, and another branch's order."""
    branch = make_branch(session)
    shop = make_shop(session, branch)
    customer = make_customer(session, branch, shop)
    lines = [
        OrderLine(position=1, item="Milk", quantity=2, notes="semi-skimmed"),
        OrderLine(position=2, item="Bread", quantity=1, substitute_allowed=False),
    ]
    order = make_order(session, customer, delivery_date=TUESDAY, lines=lines, notes="Knock loudly")
    stranger = make_order(session, make_customer(session, make_branch(session)), delivery_date=TUESDAY)
    ids = {
        "branch": branch.id,
        "customer": customer.id,
        "order": order.id,
        "version": order.version,
        "stranger": stranger.id,
        "shop": shop.id,
    }
    session.commit()
    return ids


def _lines(session, world) -> list[tuple[str, int, str, bool]]:
    order = get_order(session, world["branch"], world["order"])
    return [(line.item, line.quantity, line.notes, line.substitute_allowed) for line in order.lines]


def test_move_keeps_lines_and_notes_and_is_audited(session, world) -> None:
    """The order goes to the new date with the same lines and notes; the audit says from and to (no name)."""
    before = _lines(session, world)
    moved = move_order(
        session, world["branch"], world["order"], NEXT_TUESDAY, ACTOR, TODAY, expected_version=world["version"]
    )
    assert (moved.from_date, moved.to_date, moved.customer_due) == (TUESDAY, NEXT_TUESDAY, True)
    order = get_order(session, world["branch"], world["order"])
    assert order.delivery_date == NEXT_TUESDAY and order.notes == "Knock loudly" and order.version > world["version"]
    assert _lines(session, world) == before
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "order.move"))
    assert event is not None and event.entity_id == world["order"]
    assert event.detail == f"from={TUESDAY.isoformat()} to={NEXT_TUESDAY.isoformat()}"


def test_a_day_not_usual_for_the_customer_is_allowed_and_said(session, world) -> None:
    """As when taking an order, any open day is allowed; the result says it is not the customer's usual day."""
    moved = move_order(session, world["branch"], world["order"], TUESDAY + timedelta(days=2), ACTOR, TODAY)
    assert moved.customer_due is False


def test_a_sent_order_goes_back_to_received_and_the_charge_follows_the_date(session, world) -> None:
    """The shop's list of the old day no longer holds it; the charge is the one in force on the new date."""
    order = get_order(session, world["branch"], world["order"])
    order.status, order.delivery_charge_pence = OrderStatus.SENT_TO_SHOP, 999
    session.commit()
    move_order(session, world["branch"], world["order"], NEXT_TUESDAY, ACTOR, TODAY)
    order = get_order(session, world["branch"], world["order"])
    assert order.status is OrderStatus.RECEIVED and order.delivery_charge_pence == 300


@pytest.mark.parametrize(
    "case", ["closed", "ended", "past", "duplicate", "cancelled_duplicate", "packed", "cancelled", "far"]
)
def test_a_refused_move_says_why_and_writes_nothing(session, world, case: str) -> None:
    """The taking rules (closed day, membership ended) and the move's own: nothing is written when refused."""
    target = NEXT_TUESDAY
    expected = {
        "closed": "closure day",
        "ended": "membership ended",
        "past": "has passed",
        "duplicate": "already has an order",
        "cancelled_duplicate": "already has a cancelled order",
        "packed": "can no longer be moved (cancel it",
        "cancelled": "take a new order for the other date",
        "far": "more than two years",
    }[case]
    if case == "closed":
        set_day(session, world["branch"], target, is_open=False, reason="Van service day", actor=ACTOR)
    elif case == "ended":
        customer = get_order(session, world["branch"], world["order"]).customer
        customer.status, customer.ended_on = CustomerStatus.ENDED, TUESDAY + timedelta(days=3)
    elif case == "past":
        target = TODAY - timedelta(days=1)
    elif case in ("duplicate", "cancelled_duplicate"):
        other = make_order(session, get_order(session, world["branch"], world["order"]).customer, delivery_date=target)
        if case == "cancelled_duplicate":
            other.status = OrderStatus.CANCELLED
    elif case in ("packed", "cancelled"):
        get_order(session, world["branch"], world["order"]).status = OrderStatus[case.upper()]
    elif case == "far":
        target = TODAY + timedelta(days=800)
    session.commit()
    with pytest.raises(ValidationError) as error:
        move_order(session, world["branch"], world["order"], target, ACTOR, TODAY)
    assert expected in error.value.field_errors["delivery_date"]
    assert get_order(session, world["branch"], world["order"]).delivery_date == TUESDAY
    assert session.scalar(select(AuditEvent.id).where(AuditEvent.action == "order.move")) is None


def test_a_stale_form_is_refused_and_a_repeat_is_harmless(session, world) -> None:
    """The version check refuses a form loaded before someone else's change; the same move sent twice is fine."""
    move_order(session, world["branch"], world["order"], NEXT_TUESDAY, ACTOR, TODAY, expected_version=world["version"])
    again = move_order(
        session, world["branch"], world["order"], NEXT_TUESDAY, ACTOR, TODAY, expected_version=world["version"]
    )
    assert again.from_date == again.to_date == NEXT_TUESDAY
    with pytest.raises(StaleOrderError):
        move_order(
            session,
            world["branch"],
            world["order"],
            TUESDAY + timedelta(days=14),
            ACTOR,
            TODAY,
            expected_version=world["version"],
        )
    assert get_order(session, world["branch"], world["order"]).delivery_date == NEXT_TUESDAY


def test_another_branchs_order_is_not_found(session, world) -> None:
    """An order of another branch cannot be moved (it does not exist for this branch)."""
    with pytest.raises(NotFoundError):
        move_order(session, world["branch"], world["stranger"], NEXT_TUESDAY, ACTOR, TODAY)


def test_moving_off_a_published_round_marks_the_plan_out_of_date_and_the_sheet_says_do_not_deliver(
    session, monkeypatch
) -> None:
    """The old day's plan lists the move; the team's sheet shows the stop as cancelled, not to deliver."""
    branch, _shop, _van, _team, orders, _teams, plan_id = _published(session, monkeypatch)
    moved_id = orders[0].id
    move_order(session, branch.id, moved_id, PLANNED_DAY + timedelta(days=7), ACTOR, PLANNED_DAY - timedelta(days=1))
    changes = staleness.plan_changes(session, branch.id, PLANNED_DAY)
    assert [(c.kind, c.order_id) for c in changes] == [("changed", moved_id)]
    assert "was moved to" in changes[0].text
    sheet = printouts.delivery_sheets(session, branch.id, plan_id, None, ACTOR)[0]
    assert [stop.cancelled for stop in sheet.stops if stop.order_ref == str(moved_id) and stop.kind == "delivery"] == [
        True
    ]


def test_an_order_taken_for_that_date_meanwhile_refuses_the_move_cleanly(session, world) -> None:
    """Someone takes an order for the customer on the new date between the check and the write: the unique
    (customer, date) rule refuses the move with a message, and everything is rolled back."""
    from sqlalchemy import event

    from foodtrain.models import Order

    customer_id, branch_id = world["customer"], world["branch"]
    raced = []

    def take_one_meanwhile(flushing_session, _context, _instances) -> None:
        if not raced:
            raced.append(True)
            flushing_session.add(
                Order(
                    branch_id=branch_id,
                    customer_id=customer_id,
                    shop_id=world["shop"],
                    delivery_date=NEXT_TUESDAY,
                    delivery_charge_pence=300,
                )
            )

    event.listen(session, "before_flush", take_one_meanwhile)
    try:
        with pytest.raises(ValidationError) as error:
            move_order(session, branch_id, world["order"], NEXT_TUESDAY, ACTOR, TODAY)
    finally:
        event.remove(session, "before_flush", take_one_meanwhile)
    assert "now has an order on that date" in error.value.field_errors["delivery_date"]
    assert get_order(session, branch_id, world["order"]).delivery_date == TUESDAY
    assert session.scalar(select(Order.id).where(Order.delivery_date == NEXT_TUESDAY)) is None
