"""axe-core finds no serious or critical accessibility problem on the main pages."""

from __future__ import annotations

from datetime import date

from tests.browser.conftest import screenshot, serious_accessibility_violations, sign_in_browser
from tests.conftest import DEMO_PASSWORD

DAY = date(2026, 11, 26)  # the demo's busiest open day in DG

MAIN_PAGES = {
    "login": "/login",
    "dashboard": "/",
    "customers": "/customers/",
    "customer-new": "/customers/new",
    "volunteers": "/volunteers/",
    "order-board": "/orders/?date=2026-11-26",
    "order-new": "/orders/customers",
    "shops-day": "/orders/shops?date=2026-11-26",
    "routes": "/routes/?date=2026-11-26",
    "reports": "/reports/deliveries",
    "account": "/account/",
    "closures": "/closures/",
    "vans-and-shops": "/vans-and-shops/",
    "help": "/help/",
    "help-topic": "/help/phone-order",
    "referrals": "/referrals/",
    "extra": "/extra/",
    "extra-new": "/extra/new",
    "befriending": "/befriending/",
    "outcomes": "/outcomes/",
    "survey-new": "/outcomes/surveys/new",
}


def test_main_pages_have_no_serious_accessibility_violations(browser_page) -> None:
    page = browser_page
    found: dict[str, list[str]] = {}
    page.goto(f"{page.live_server}/login")
    found["login"] = serious_accessibility_violations(page)
    sign_in_browser(page, "coordinator-dg", DEMO_PASSWORD)
    for name, path in MAIN_PAGES.items():
        if name == "login":
            continue
        page.goto(f"{page.live_server}{path}")
        screenshot(page, f"a11y-{name}")
        found[name] = serious_accessibility_violations(page)
    problems = {name: violations for name, violations in found.items() if violations}
    print(
        f"\naccessibility: {len(found)} pages checked with axe-core, serious or critical violations = "
        f"{sum(len(v) for v in problems.values())}"
    )
    assert problems == {}, problems


PHONE_PAGES = {
    "customers-search": "/customers/?q=dg1",
    "order-find": "/orders/customers?q=campbell",
    "customer-new": "/customers/new",
    "closures": "/closures/",
    "help": "/help/",
    "help-topic": "/help/rota",
    "rota": "/rota/",
}


def test_office_pages_at_phone_size_have_no_serious_accessibility_violations(browser_page) -> None:
    """The search, new-customer, closures and help pages at 390 px wide."""
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_browser(page, "coordinator-dg", DEMO_PASSWORD)
    found = {}
    for name, path in PHONE_PAGES.items():
        page.goto(f"{page.live_server}{path}")
        screenshot(page, f"a11y-phone-{name}")
        found[name] = serious_accessibility_violations(page)
    assert {name: v for name, v in found.items() if v} == {}


PHONE_WIDTHS_PX = (390, 360)


def test_record_pages_with_tables_at_phone_sizes_have_no_serious_accessibility_violations(
    browser_page, demo_app
) -> None:
    """At 390 and 360 px the wide tables scroll inside a named, focusable region (_table.html), so axe finds no
    "scrollable-region-focusable" (nor anything else serious) on the coordinator's dashboard, a customer, an
    order, a volunteer and the outcomes report, nor on a driver's own rota."""
    from sqlalchemy import select

    from foodtrain.extensions import db
    from foodtrain.models import Branch, Order, Volunteer

    with demo_app.app_context():
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
        order = db.session.scalars(
            select(Order).where(Order.branch_id == branch_id, Order.delivery_date == DAY).order_by(Order.id)
        ).first()
        volunteer_id = db.session.scalar(
            select(Volunteer.id).where(Volunteer.branch_id == branch_id).order_by(Volunteer.id)
        )
        coordinator_pages = {
            "dashboard": "/",
            "customer": f"/customers/{order.customer_id}",
            "order": f"/orders/{order.id}",
            "volunteer": f"/volunteers/{volunteer_id}",
            "outcomes": "/outcomes/",
        }
    page = browser_page
    found: dict[str, list[str]] = {}
    without_tables: list[str] = []
    driver_pages = {"rota-mine": f"/rota/mine?month={DAY:%Y-%m}"}
    for username, pages in (("coordinator-dg", coordinator_pages), ("driver-dg", driver_pages)):
        page.context.clear_cookies()
        sign_in_browser(page, username, DEMO_PASSWORD)
        for width_px in PHONE_WIDTHS_PX:
            page.set_viewport_size({"width": width_px, "height": 844})
            for name, path in pages.items():
                page.goto(f"{page.live_server}{path}")
                screenshot(page, f"a11y-phone-{width_px}-{name}")
                found[f"{name} at {width_px} px"] = serious_accessibility_violations(page)
                if page.locator(".table-scroll[role=region][aria-label]").count() == 0:
                    without_tables.append(path)  # the page must show a table for this test to mean anything
    problems = {name: violations for name, violations in found.items() if violations}
    print(
        f"\naccessibility at phone sizes: {len(found)} page views, serious or critical violations = "
        f"{sum(len(v) for v in problems.values())}"
    )
    assert problems == {}, problems
    assert without_tables == []
