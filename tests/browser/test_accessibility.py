"""axe-core finds no serious or critical accessibility problem on the main pages."""
from __future__ import annotations

from tests.browser.conftest import screenshot, serious_accessibility_violations, sign_in_browser
from tests.conftest import DEMO_PASSWORD

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
    "help": "/help/",
    "help-topic": "/help/phone-order",
    "referrals": "/referrals/",
    "extra": "/extra/",
    "extra-new": "/extra/new",
    "befriending": "/befriending/",
    "outcomes": "/outcomes/",
    "survey-new": "/outcomes/surveys/new",
}


def test_main_pages_have_no_serious_accessibility_violations(browser_page) -> None:  # type: ignore[no-untyped-def]
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
    print(f"\naccessibility: {len(found)} pages checked with axe-core, serious or critical violations = "
          f"{sum(len(v) for v in problems.values())}")
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


def test_office_pages_at_phone_size_have_no_serious_accessibility_violations(browser_page) -> None:  # type: ignore[no-untyped-def]
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
