"""Vans out of service and shops closed for dates: the rota, the planner and order taking follow them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from foodtrain.models import AuditEvent, Customer, OrderLine, ShopClosure, VanServiceBreak
from foodtrain.services.audit import Actor
from foodtrain.services.errors import NotFoundError, ValidationError
from foodtrain.services.orders.moving import move_order
from foodtrain.services.orders.taking import OrderLineInput, order_entry_context, save_order
from foodtrain.services.planning import reading, staleness, storing
from foodtrain.services.rota_problem import slots_for_month
from foodtrain.services.service_breaks import (
    close_shop,
    closed_shop_orders,
    put_van_back,
    reopen_shop,
    shops_closed,
    take_van_out,
    vans_and_shops,
    vans_out_of_service,
)
from tests.factories import make_branch, make_customer, make_order, make_shop, make_van
from tests.foodtrain.test_plan_changes import DAY, _published

ACTOR = Actor(user_id=None, username="coordinator")
TODAY = date(2026, 11, 30)
TUESDAY = date(2026, 12, 1)  # the factories' customers are weekly on Tuesdays


@pytest.fixture
def world(session):
    branch = make_branch(session)
    shop = make_shop(session, branch, name="Co-op")
    other_shop = make_shop(session, branch, name="Spar")
    van = make_van(session, branch, name="Van A")
    spare = make_van(session, branch, name="Van B")
    customer = make_customer(session, branch, shop)
    stranger_branch = make_branch(session)
    ids = {
        "branch": branch.id,
        "shop": shop.id,
        "other_shop": other_shop.id,
        "van": van.id,
        "spare": spare.id,
        "customer": customer.id,
        "stranger_van": make_van(session, stranger_branch).id,
        "stranger_shop": make_shop(session, stranger_branch).id,
    }
    session.commit()
    return ids


def _count(session, model) -> int:
    return session.scalar(select(func.count(model.id)))


# ---------------------------------------------------------------- vans


def test_a_van_out_of_service_gets_no_rota_slot_and_is_not_planned_on_those_dates(session, world) -> None:
    """From the first to the last day (inclusive): no delivery slot on the rota, left out by the planner's rule."""
    take_van_out(session, world["branch"], world["van"], TUESDAY, TUESDAY + timedelta(days=7), "MOT", ACTOR, TODAY)
    slots = {
        (spec.van_id, spec.date)
        for spec in slots_for_month(session, world["branch"], TUESDAY)
        if spec.van_id is not None
    }
    assert (world["van"], TUESDAY) not in slots and (world["van"], TUESDAY + timedelta(days=7)) not in slots
    assert (world["van"], TUESDAY + timedelta(days=14)) in slots and (world["spare"], TUESDAY) in slots
    staffing = reading.day_staffing(session, world["branch"], TUESDAY)  # no rota: every van in service goes
    assert staffing.out_van_ids == {world["spare"]}
    assert [(v.van_id, v.reason) for v in staffing.left_out] == [(world["van"], "out of service (MOT)")]
    assert world["van"] in reading.day_staffing(session, world["branch"], TUESDAY + timedelta(days=8)).out_van_ids
    assert vans_out_of_service(session, world["branch"], TUESDAY - timedelta(days=1)) == {}
    assert session.scalar(select(AuditEvent.action).where(AuditEvent.entity_type == "van")) == "van.out_of_service"


def test_until_further_notice_then_back_in_service(session, world) -> None:
    """No last day: out from then on; back in service ends a running period yesterday, removes a future one."""
    take_van_out(session, world["branch"], world["van"], TODAY, None, "Engine", ACTOR, TODAY)
    assert world["van"] in vans_out_of_service(session, world["branch"], TODAY + timedelta(days=300))
    period_id = session.scalar(select(VanServiceBreak.id))
    put_van_back(session, world["branch"], world["van"], period_id, ACTOR, TODAY + timedelta(days=3))
    assert session.get(VanServiceBreak, period_id).end_date == TODAY + timedelta(days=2)
    assert vans_out_of_service(session, world["branch"], TODAY + timedelta(days=3)) == {}
    take_van_out(session, world["branch"], world["spare"], TUESDAY + timedelta(days=7), None, "Tyres", ACTOR, TODAY)
    future_id = session.scalar(select(VanServiceBreak.id).where(VanServiceBreak.van_id == world["spare"]))
    put_van_back(session, world["branch"], world["spare"], future_id, ACTOR, TODAY)
    assert session.get(VanServiceBreak, future_id) is None
    vans, _shops = vans_and_shops(session, world["branch"], TODAY + timedelta(days=3))
    assert all(row.periods == () for row in vans)


@pytest.mark.parametrize(
    "start, end, reason, field",
    [
        (TODAY - timedelta(days=1), None, "MOT", "start_date"),
        (TUESDAY, TUESDAY - timedelta(days=1), "MOT", "end_date"),
        (TUESDAY, None, "   ", "reason"),
        (TUESDAY, None, "x" * 201, "reason"),
    ],
)
def test_bad_periods_are_refused_and_nothing_is_written(session, world, start, end, reason, field) -> None:
    """A past start, a last day before the first, no reason, a reason too long: a message, no row, no audit."""
    with pytest.raises(ValidationError) as error:
        take_van_out(session, world["branch"], world["van"], start, end, reason, ACTOR, TODAY)
    assert field in error.value.field_errors
    with pytest.raises(ValidationError):
        close_shop(session, world["branch"], world["shop"], start, end, reason, ACTOR, TODAY)
    assert _count(session, VanServiceBreak) == _count(session, ShopClosure) == _count(session, AuditEvent) == 0


def test_overlapping_periods_are_refused(session, world) -> None:
    """A second period over the first says which one is there already."""
    take_van_out(session, world["branch"], world["van"], TUESDAY, TUESDAY + timedelta(days=6), "MOT", ACTOR, TODAY)
    with pytest.raises(ValidationError) as error:
        take_van_out(session, world["branch"], world["van"], TUESDAY + timedelta(days=6), None, "Again", ACTOR, TODAY)
    assert "already out of service from" in error.value.field_errors["start_date"]
    assert _count(session, VanServiceBreak) == 1


def test_another_branchs_van_or_shop_is_not_found(session, world) -> None:
    """Nothing of another branch can be taken out, closed, or ended."""
    with pytest.raises(NotFoundError):
        take_van_out(session, world["branch"], world["stranger_van"], TUESDAY, None, "MOT", ACTOR, TODAY)
    with pytest.raises(NotFoundError):
        close_shop(session, world["branch"], world["stranger_shop"], TUESDAY, None, "Refit", ACTOR, TODAY)
    take_van_out(session, world["branch"], world["van"], TUESDAY, None, "MOT", ACTOR, TODAY)
    period_id = session.scalar(select(VanServiceBreak.id))
    with pytest.raises(NotFoundError):  # the period is not the other van's
        put_van_back(session, world["branch"], world["spare"], period_id, ACTOR, TODAY)


def test_taking_a_van_out_reports_its_published_round_and_the_plan_says_so(session, monkeypatch) -> None:
    """Like closing a day: the published rounds on those dates are returned, and the plan lists the van."""
    branch, _shop, van, *_ = _published(session, monkeypatch)
    booked = take_van_out(session, branch.id, van.id, DAY, DAY, "Broken clutch", ACTOR, DAY - timedelta(days=1))
    assert booked.round_dates == (DAY,)
    assert [(c.kind, c.text) for c in staleness.plan_changes(session, branch.id, DAY)] == [
        ("van", "Van 1 is out of service (Broken clutch): its round has no van")
    ]
    assert reading.day_staffing(session, branch.id, DAY).out_van_ids == frozenset()


# ---------------------------------------------------------------- shops


def test_no_order_is_taken_or_moved_onto_a_day_the_shop_is_closed(session, world) -> None:
    """Said before typing (the entry page), refused on saving and on moving; another day is fine."""
    close_shop(session, world["branch"], world["shop"], TUESDAY, TUESDAY, "Stocktake", ACTOR, TODAY)
    assert shops_closed(session, world["branch"], TUESDAY) == {world["shop"]: "Stocktake"}
    assert order_entry_context(session, world["branch"], world["customer"], TUESDAY).shop_closed_reason == "Stocktake"
    with pytest.raises(ValidationError) as error:
        save_order(session, world["branch"], world["customer"], TUESDAY, [OrderLineInput("Milk")], "", ACTOR)
    assert "shop is closed on" in error.value.field_errors["delivery_date"]
    later = TUESDAY + timedelta(days=7)
    order_id = save_order(session, world["branch"], world["customer"], later, [OrderLineInput("Milk")], "", ACTOR)
    with pytest.raises(ValidationError) as error:
        move_order(session, world["branch"], order_id, TUESDAY, ACTOR, TODAY)
    assert "Stocktake" in error.value.field_errors["delivery_date"]


def test_closing_a_shop_lists_its_orders_to_move_and_opening_it_again_ends_that(session, world) -> None:
    """The orders still to deliver from that shop on those dates come back, and stay listed until moved."""
    customer_order = make_order(
        session,
        session.get(Customer, world["customer"]),
        delivery_date=TUESDAY,
        lines=[OrderLine(position=1, item="Tea", quantity=1)],
    )
    order_id = customer_order.id
    session.commit()
    to_move = close_shop(session, world["branch"], world["shop"], TUESDAY, None, "No longer a partner", ACTOR, TODAY)
    assert [order.order_id for order in to_move] == [order_id]
    shop, orders = closed_shop_orders(session, world["branch"], world["shop"], TODAY)
    assert shop.orders_to_move == 1 and [o.order_id for o in orders] == [order_id]
    assert {spec.shop_id for spec in slots_for_month(session, world["branch"], TUESDAY) if spec.shop_id} == {
        world["other_shop"]
    }
    closure_id = session.scalar(select(ShopClosure.id))
    reopen_shop(session, world["branch"], world["shop"], closure_id, ACTOR, TODAY)
    assert shops_closed(session, world["branch"], TUESDAY) == {}


def test_the_planner_plans_no_pickup_at_a_closed_shop(session, monkeypatch) -> None:
    """The published plan lists each order of the closed shop; re-planned, they are unplanned with the reason."""
    branch, shop, _van, _team, orders, _teams, _plan_id = _published(session, monkeypatch)
    close_shop(session, branch.id, shop.id, DAY, DAY, "Flooded", ACTOR, DAY - timedelta(days=1))
    assert [c.kind for c in staleness.plan_changes(session, branch.id, DAY)] == ["shop"] * len(orders)
    storing.plan_day(session, branch.id, DAY, time_limit_s=1)
    plan = reading.plan_row(session, branch.id, DAY)
    assert plan is not None and not any(stop.kind == "pickup" for stop in plan.stops)
    assert {u.order_id for u in plan.unplanned} == {o.id for o in orders}
    assert all("shop is closed on this day (Flooded)" in u.reason for u in plan.unplanned)
