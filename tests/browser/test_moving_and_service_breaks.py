"""In Chromium: the office moves an order to another date from its page; the coordinator takes a van out of
service for a week (the page passes axe). Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from foodtrain.extensions import db
from foodtrain.models import Branch, Order, OrderStatus, Van, VanServiceBreak
from tests.browser.conftest import click_and_wait, screenshot, serious_accessibility_violations, sign_in_browser
from tests.conftest import DEMO_PASSWORD

DAY = date(2026, 11, 26)


def test_office_moves_an_order_and_coordinator_takes_a_van_out(browser_page, demo_app, monkeypatch) -> None:
    """The move form on the order page moves it, lines and all; the vans page takes a van out for a week."""
    monkeypatch.setattr("web.orders._today", lambda: DAY - timedelta(days=1))
    monkeypatch.setattr("web.service_breaks._today", lambda: DAY - timedelta(days=1))
    with demo_app.app_context():
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
        order = db.session.scalar(
            select(Order)
            .where(Order.branch_id == branch_id, Order.delivery_date == DAY, Order.status == OrderStatus.RECEIVED)
            .order_by(Order.id)
        )
        assert order is not None
        order_id, lines = order.id, len(order.lines)
        van_name = db.session.scalar(select(Van.name).where(Van.branch_id == branch_id).order_by(Van.name))
        db.session.remove()
    page, server = browser_page, browser_page.live_server
    sign_in_browser(page, "office-dg", DEMO_PASSWORD)
    page.goto(f"{server}/orders/{order_id}")
    target = DAY + timedelta(days=7)
    page.get_by_label("New delivery date").fill(target.isoformat())
    click_and_wait(page, page.get_by_role("button", name="Move the order"))
    assert f"Order moved from {DAY:%A %-d %B} to {target:%A %-d %B}" in page.content()
    screenshot(page, "order-moved")
    with demo_app.app_context():
        moved = db.session.get(Order, order_id)
        assert moved is not None and moved.delivery_date == target and len(moved.lines) == lines
        db.session.remove()

    page.context.clear_cookies()
    sign_in_browser(page, "coordinator-dg", DEMO_PASSWORD)
    page.goto(f"{server}/vans-and-shops/")
    assert serious_accessibility_violations(page) == []
    page.get_by_text(re.compile(f"Take out of service.*{van_name}")).first.click()
    row = page.locator("tr", has_text=van_name).first
    row.get_by_label("From").fill(DAY.isoformat())
    row.get_by_label(re.compile("^To")).fill((DAY + timedelta(days=6)).isoformat())
    row.get_by_label("Why").fill("MOT")
    click_and_wait(page, row.get_by_role("button", name="Take out of service"))
    assert "Van out of service" in page.content() and "(MOT)" in page.content()
    screenshot(page, "van-out-of-service")
    assert serious_accessibility_violations(page) == []
    with demo_app.app_context():
        assert db.session.scalar(select(VanServiceBreak.reason)) == "MOT"
        db.session.remove()
