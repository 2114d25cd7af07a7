"""Vans out of service and shops closed, from the coordinator's page: what is booked is said, others kept out."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from foodtrain.extensions import db
from foodtrain.models import Branch, Order, OrderStatus, Shop, ShopClosure, Van, VanServiceBreak
from tests.conftest import csrf_token_from, sign_in

TODAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _today(monkeypatch) -> None:
    monkeypatch.setattr("web.service_breaks._today", lambda: TODAY)


def _ids(demo_app) -> dict[str, int]:
    with demo_app.app_context():
        dg = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
        wl = db.session.scalar(select(Branch.id).where(Branch.code == "WL"))
        order = db.session.scalar(
            select(Order)
            .where(Order.branch_id == dg, Order.delivery_date > TODAY, Order.status == OrderStatus.RECEIVED)
            .order_by(Order.id)
        )
        assert order is not None
        return {
            "van": db.session.scalar(select(Van.id).where(Van.branch_id == dg).order_by(Van.id)),
            "wl_van": db.session.scalar(select(Van.id).where(Van.branch_id == wl)),
            "shop": order.shop_id,
            "wl_shop": db.session.scalar(select(Shop.id).where(Shop.branch_id == wl)),
            "order": order.id,
            "order_day": order.delivery_date.toordinal(),
        }


@pytest.mark.parametrize("username", ["coordinator-dg", "admin"])
def test_coordinator_takes_a_van_out_and_back_in(demo_app, demo_client, username) -> None:
    """The page lists the vans; taking one out for a week shows the period; back in service removes it."""
    ids = _ids(demo_app)
    sign_in(demo_client, username)
    page = demo_client.get("/vans-and-shops/").get_data(as_text=True)
    assert "Take out of service" in page
    start = TODAY + timedelta(days=3)
    done = demo_client.post(
        f"/vans-and-shops/vans/{ids['van']}/out",
        data={
            "csrf_token": csrf_token_from(page),
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=6)).isoformat(),
            "reason": "MOT",
        },
        follow_redirects=True,
    )
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and "Van out of service" in text and "(MOT)" in text
    with demo_app.app_context():
        period_id = db.session.scalar(select(VanServiceBreak.id).where(VanServiceBreak.van_id == ids["van"]))
    back = demo_client.post(
        f"/vans-and-shops/vans/{ids['van']}/back",
        data={"csrf_token": csrf_token_from(text), "period_id": str(period_id)},
    )
    assert back.status_code == 302
    with demo_app.app_context():
        assert db.session.get(VanServiceBreak, period_id) is None


def test_bad_input_is_refused_with_a_message_and_nothing_saved(demo_app, demo_client) -> None:
    """No first day, a last day before the first, no reason: 400 with the message by the field; no row."""
    ids = _ids(demo_app)
    sign_in(demo_client, "coordinator-dg")
    token = csrf_token_from(demo_client.get("/vans-and-shops/").get_data(as_text=True))
    for data, message in (
        ({"start_date": ""}, "Enter the first day."),
        ({"start_date": "2026-12-10", "end_date": "2026-12-01", "reason": "x"}, "before the first"),
        ({"start_date": "2026-12-10"}, "Say why"),
        ({"start_date": "not a date"}, "Enter the first day."),
    ):
        refused = demo_client.post(f"/vans-and-shops/vans/{ids['van']}/out", data={"csrf_token": token, **data})
        assert refused.status_code == 400 and message in refused.get_data(as_text=True), data
    wrong = demo_client.post(f"/vans-and-shops/vans/{ids['van']}/back", data={"csrf_token": token, "period_id": "x"})
    assert wrong.status_code == 302
    with demo_app.app_context():
        assert db.session.scalar(select(VanServiceBreak.id)) is None


def test_closing_a_shop_lists_the_orders_for_the_office_to_move(demo_app, demo_client) -> None:
    """The coordinator closes the shop on an order's day: told how many orders, linked to the list the office
    opens; each row links to the order's move form."""
    ids = _ids(demo_app)
    day = date.fromordinal(ids["order_day"])
    sign_in(demo_client, "coordinator-dg")
    token = csrf_token_from(demo_client.get("/vans-and-shops/").get_data(as_text=True))
    done = demo_client.post(
        f"/vans-and-shops/shops/{ids['shop']}/close",
        data={"csrf_token": token, "start_date": day.isoformat(), "end_date": day.isoformat(), "reason": "Refit"},
        follow_redirects=True,
    )
    text = done.get_data(as_text=True)
    assert "Shop closed on those dates" in text and "already in for those dates" in text
    demo_client.post("/logout", data={"csrf_token": token})
    sign_in(demo_client, "office-dg")
    listed = demo_client.get(f"/vans-and-shops/shops/{ids['shop']}/orders").get_data(as_text=True)
    assert f"/orders/{ids['order']}#move" in listed and "Refit" in listed
    board = demo_client.get(f"/orders/?date={day.isoformat()}").get_data(as_text=True)
    assert "is closed on this day (Refit)" in board and f"/vans-and-shops/shops/{ids['shop']}/orders" in board
    assert demo_client.get("/vans-and-shops/").status_code == 403


def test_another_branch_and_the_office_cannot_change_vans_or_shops(demo_app, demo_client) -> None:
    """West Lothian's coordinator gets 404 for Dumfries' van and shop; the office 403; nothing is written."""
    ids = _ids(demo_app)
    sign_in(demo_client, "coordinator-wl")
    token = csrf_token_from(demo_client.get("/vans-and-shops/").get_data(as_text=True))
    data = {"csrf_token": token, "start_date": "2026-12-10", "reason": "MOT"}
    assert demo_client.post(f"/vans-and-shops/vans/{ids['van']}/out", data=data).status_code == 404
    assert demo_client.post(f"/vans-and-shops/shops/{ids['shop']}/close", data=data).status_code == 404
    assert demo_client.get(f"/vans-and-shops/shops/{ids['shop']}/orders").status_code == 404
    demo_client.post("/logout", data={"csrf_token": token})
    sign_in(demo_client, "office-dg")
    token = csrf_token_from(demo_client.get("/").get_data(as_text=True))
    assert (
        demo_client.post(f"/vans-and-shops/vans/{ids['van']}/out", data={**data, "csrf_token": token}).status_code
        == 403
    )
    with demo_app.app_context():
        assert db.session.scalar(select(VanServiceBreak.id)) is None
        assert db.session.scalar(select(ShopClosure.id)) is None


def test_the_rota_page_marks_a_van_out_of_service_off_and_does_not_count_its_seats(demo_app, demo_client) -> None:
    """A draft rota with one empty van slot: "2 seats empty"; the van taken out that day: the slot says it is
    off and the staffing line says complete."""
    from foodtrain.models.rota import PartOfDay, Rota, RotaSlot, RotaStatus, SlotKind

    ids = _ids(demo_app)
    day = date(2027, 3, 2)
    with demo_app.app_context():
        branch_id = db.session.scalar(select(Van.branch_id).where(Van.id == ids["van"]))
        rota = Rota(branch_id=branch_id, month=date(2027, 3, 1), status=RotaStatus.DRAFT)
        db.session.add(rota)
        db.session.flush()
        db.session.add(
            RotaSlot(
                rota_id=rota.id,
                key="van-test",
                date=day,
                part_of_day=PartOfDay.WHOLE_DAY,
                kind=SlotKind.DELIVERY,
                van_id=ids["van"],
                resource="Van",
                seats=2,
            )
        )
        db.session.commit()
        rota_id = rota.id
    sign_in(demo_client, "coordinator-dg")
    assert "2 seats empty" in demo_client.get(f"/rota/{rota_id}").get_data(as_text=True)
    token = csrf_token_from(demo_client.get("/vans-and-shops/").get_data(as_text=True))
    demo_client.post(
        f"/vans-and-shops/vans/{ids['van']}/out",
        data={"csrf_token": token, "start_date": day.isoformat(), "end_date": day.isoformat(), "reason": "MOT"},
    )
    page = demo_client.get(f"/rota/{rota_id}").get_data(as_text=True)
    assert "Off:</strong> the van is out of service that day" in page and "complete, every seat is filled" in page
