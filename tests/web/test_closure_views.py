"""Closure days page: a coordinator opens a holiday or closes a day; planning a closed day is refused."""

from __future__ import annotations

from datetime import date

from tests.conftest import csrf_token_from, sign_in


def test_coordinator_closes_a_day_and_planning_it_is_refused(demo_app, demo_client, monkeypatch) -> None:
    import web.closures

    monkeypatch.setattr(web.closures, "_today", lambda: date(2026, 11, 20))
    sign_in(demo_client, "coordinator-dg")
    page = demo_client.get("/closures/").get_data(as_text=True)
    assert "St Andrew&#39;s Day" in page or "St Andrew's Day" in page
    assert "Christmas Day" in page and "Open this day" in page
    token = csrf_token_from(page)
    missing = demo_client.post("/closures/", data={"csrf_token": token, "day": "2026-12-18", "action": "close"})
    assert missing.status_code == 400 and "Say why" in missing.get_data(as_text=True)
    closed = demo_client.post(
        "/closures/",
        data={"csrf_token": token, "day": "2026-12-18", "action": "close", "reason": "Christmas party"},
        follow_redirects=True,
    )
    assert "Christmas party" in closed.get_data(as_text=True)
    routes = demo_client.get("/routes/?date=2026-12-18").get_data(as_text=True)
    refused = demo_client.post(
        "/routes/plan",
        data={
            "csrf_token": csrf_token_from(routes),
            "delivery_date": "2026-12-18",
            "shift_start": "09:00",
            "shift_end": "16:00",
            "time_limit_s": "1",
        },
    )
    assert refused.status_code == 400 and "closure day (Christmas party)" in refused.get_data(as_text=True)


def test_office_and_drivers_cannot_change_closures(demo_client) -> None:
    sign_in(demo_client, "office-dg")
    assert demo_client.get("/closures/").status_code == 403


def test_closing_a_day_that_has_orders_and_rostered_volunteers_says_so(demo_app, demo_client, monkeypatch) -> None:
    """Closing a day after orders were taken and the rota published (a storm warning on Wednesday) tells the
    coordinator how many orders are still booked for it and how many volunteers are rostered, with the order
    board to move them from; a day with neither says nothing more."""
    from sqlalchemy import select

    import web.closures
    from foodtrain.extensions import db
    from foodtrain.models import Branch
    from foodtrain.services.planning import reading
    from tests.factories import make_customer, make_order

    monkeypatch.setattr(web.closures, "_today", lambda: date(2026, 11, 20))
    day = date(2026, 12, 9)
    with demo_app.app_context():
        branch = db.session.scalar(select(Branch).where(Branch.code == "DG"))
        booked = len(reading.open_orders(db.session, branch.id, day))
        customer_id = make_customer(db.session, branch).id
        if booked == 0:
            make_order(db.session, make_customer(db.session, branch), delivery_date=day)
            booked = 1
        db.session.commit()
    sign_in(demo_client, "coordinator-dg")
    token = csrf_token_from(demo_client.get("/closures/").get_data(as_text=True))
    page = demo_client.post(
        "/closures/",
        data={"csrf_token": token, "day": day.isoformat(), "action": "close", "reason": "Storm warning"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert f"{booked} order{'s' if booked != 1 else ''} still booked for that day" in page
    assert "/orders/?date=2026-12-09" in page
    board = demo_client.get("/orders/?date=2026-12-09").get_data(as_text=True)
    assert "The branch is closed on this day (Storm warning)" in board
    assert "closed on this day" not in demo_client.get("/orders/?date=2026-12-08").get_data(as_text=True)
    entry = demo_client.get(f"/orders/new?customer_id={customer_id}&date=2026-12-09").get_data(as_text=True)
    assert "The branch is closed on this day (Storm warning)" in entry
    quiet = demo_client.post(
        "/closures/",
        data={"csrf_token": token, "day": "2027-01-13", "action": "close", "reason": "Staff training"},
        follow_redirects=True,
    )
    assert "still booked" not in quiet.get_data(as_text=True)
