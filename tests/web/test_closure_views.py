"""Closure days page: a coordinator opens a holiday or closes a day; planning a closed day is refused."""
from __future__ import annotations

from datetime import date

from tests.conftest import csrf_token_from, sign_in


def test_coordinator_closes_a_day_and_planning_it_is_refused(demo_app, demo_client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import web.closures

    monkeypatch.setattr(web.closures, "_today", lambda: date(2026, 11, 20))
    sign_in(demo_client, "coordinator-dg")
    page = demo_client.get("/closures/").get_data(as_text=True)
    assert "St Andrew&#39;s Day" in page or "St Andrew's Day" in page
    assert "Christmas Day" in page and "Open this day" in page
    token = csrf_token_from(page)
    missing = demo_client.post("/closures/", data={"csrf_token": token, "day": "2026-12-18", "action": "close"})
    assert missing.status_code == 400 and "Say why" in missing.get_data(as_text=True)
    closed = demo_client.post("/closures/", data={"csrf_token": token, "day": "2026-12-18", "action": "close",
                                                  "reason": "Christmas party"}, follow_redirects=True)
    assert "Christmas party" in closed.get_data(as_text=True)
    routes = demo_client.get("/routes/?date=2026-12-18").get_data(as_text=True)
    refused = demo_client.post("/routes/plan", data={"csrf_token": csrf_token_from(routes), "delivery_date": "2026-12-18",
                                                     "shift_start": "09:00", "shift_end": "16:00", "time_limit_s": "1"})
    assert refused.status_code == 400 and "closure day (Christmas party)" in refused.get_data(as_text=True)


def test_office_and_drivers_cannot_change_closures(demo_client) -> None:  # type: ignore[no-untyped-def]
    sign_in(demo_client, "office-dg")
    assert demo_client.get("/closures/").status_code == 403
