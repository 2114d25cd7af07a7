"""The team records the door on a 360 px phone, in Chromium: delivered with the amount, Undo, not in;
the page never scrolls sideways and axe finds nothing serious. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from foodtrain.extensions import db
from foodtrain.models import Branch, Order, OrderStatus, User
from foodtrain.services.audit import SYSTEM
from foodtrain.services.planning import adjusting, reading, storing, viewing
from foodtrain.services.orders.shops import record_packing
from foodtrain.services.rota import VanTeam
from tests.browser.conftest import screenshot, serious_accessibility_violations, sign_in_browser
from tests.conftest import DEMO_PASSWORD

DAY = date(2026, 11, 26)  # the demo's busiest open day in DG
PHONE_WIDTH_PX = 360


def _status(demo_app, order_id: int) -> OrderStatus:
    with demo_app.app_context():
        status = db.session.get(Order, order_id).status
        db.session.remove()
        return status


def test_driver_records_delivered_undoes_it_and_records_not_in_on_a_phone(browser_page, demo_app, monkeypatch) -> None:
    """On the round's cards: Delivered + £10.00 saves and shows on the card, Undo brings the form back,
    Not delivered keeps 'Not in'; at 360 px the page fits the screen and axe finds nothing serious."""
    with demo_app.app_context():
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
        storing.plan_day(db.session, branch_id, DAY, time_limit_s=2)
        view = viewing.get_plan_view(db.session, branch_id, DAY)
        adjusting.publish_plan(db.session, branch_id, view.id, view.version, SYSTEM, confirmed=True)
        mine = view.rounds[0]
        order_ids = [s.order_id for s in mine.stops if s.kind == "delivery"]
        for order_id in order_ids[:2]:
            record_packing(db.session, branch_id, order_id, 2, 1200, SYSTEM)
        volunteer_id = db.session.scalar(select(User.volunteer_id).where(User.username == "driver-dg"))
        db.session.remove()
    monkeypatch.setattr(
        reading,
        "rostered_teams",
        lambda s, b, d: [VanTeam(mine.van_id, mine.van_name, volunteer_id, "Me Driver", None, "")],
    )
    monkeypatch.setattr("web.routes._today", lambda: DAY)
    page, server = browser_page, browser_page.live_server
    page.set_viewport_size({"width": PHONE_WIDTH_PX, "height": 800})
    sign_in_browser(page, "driver-dg", DEMO_PASSWORD)
    day_url = f"{server}/routes/mine/{DAY.isoformat()}"
    page.goto(day_url)
    first, second = (page.locator(f"#stop-{order_id}") for order_id in order_ids[:2])
    first.get_by_label("Delivered", exact=True).check()
    first.get_by_label("Amount received (£)").fill("10.00")
    first.get_by_label("Paid by").select_option("cash")
    screenshot(page, "phone-delivery-form-360px")
    assert serious_accessibility_violations(page) == []
    # each form answers with a redirect to the same page (its card's anchor): wait for that navigation itself
    with page.expect_navigation(url=re.compile(rf"/routes/mine/{DAY.isoformat()}#stop-{order_ids[0]}$")):
        first.get_by_role("button", name=re.compile("^Save")).click()
    assert "Delivered: £10.00 received (cash)" in first.inner_text()
    assert "less than the" in page.locator(".flash").first.inner_text()
    assert _status(demo_app, order_ids[0]) is OrderStatus.DELIVERED
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH_PX
    screenshot(page, "phone-delivery-recorded-360px")
    assert serious_accessibility_violations(page) == []
    with page.expect_navigation(url=re.compile(rf"#stop-{order_ids[0]}$")):
        first.get_by_role("button", name=re.compile("^Undo")).click()
    assert first.get_by_label("Delivered", exact=True).count() == 1
    assert _status(demo_app, order_ids[0]) is OrderStatus.PACKED
    second.get_by_label("Not delivered", exact=True).check()
    with page.expect_navigation(url=re.compile(rf"#stop-{order_ids[1]}$")):
        second.get_by_role("button", name=re.compile("^Save")).click()
    assert "Not delivered: Not in" in second.inner_text()
    assert _status(demo_app, order_ids[1]) is OrderStatus.NOT_DELIVERED
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH_PX
    screenshot(page, "phone-delivery-not-in-360px")
    assert serious_accessibility_violations(page) == []
