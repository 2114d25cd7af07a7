"""Help pages: one per task, linked from every page, with screenshots of the screens as they are now.

With FOODTRAIN_HELP_SCREENSHOTS=1 this test writes the help's screenshots into web/static/help/ (commit
them); it always checks that every image the help pages show exists and loads."""
from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

from sqlalchemy import select

from foodtrain.extensions import db
from foodtrain.models import Branch, Order, OrderStatus
from foodtrain.services.planning import storing
from tests.browser.conftest import ARTIFACTS, serious_accessibility_violations, sign_in_browser
from tests.conftest import DEMO_PASSWORD
from web.help import TOPICS

HELP_IMAGES = Path(__file__).resolve().parents[2] / "web" / "static" / "help"
DAY = date(2026, 11, 26)
NEW_ORDER_DAY = date(2026, 12, 10)


def _shot(page, filename: str) -> None:  # type: ignore[no-untyped-def]
    """The visible screen (not the whole page): into the help when asked, else as a test artifact."""
    folder = HELP_IMAGES if os.environ.get("FOODTRAIN_HELP_SCREENSHOTS") == "1" else ARTIFACTS / "help"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / filename))


def test_every_help_image_exists() -> None:
    """Every screenshot a help topic names is in web/static/help/ (taken by the test below)."""
    missing = [shot.filename for topic in TOPICS.values() for shot in topic.screenshots
               if not (HELP_IMAGES / shot.filename).is_file()]
    assert missing == []


def test_help_screens_are_taken_and_shown(browser_page, demo_app) -> None:  # type: ignore[no-untyped-def]
    """Walk through each task's screens (screenshots), follow a page's Help link, and load every help image."""
    page = browser_page
    server = page.live_server
    with demo_app.app_context():
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
        order = db.session.scalar(select(Order).where(Order.branch_id == branch_id, Order.delivery_date == DAY)
                                  .order_by(Order.id).limit(1))
        packed = db.session.scalar(select(Order.id).where(
            Order.branch_id == branch_id, Order.status.in_([OrderStatus.PACKED, OrderStatus.DELIVERED]))
            .order_by(Order.delivery_date.desc(), Order.id).limit(1))
        customer = order.customer
        customer_id, postcode = customer.id, customer.postcode
        storing.plan_day(db.session, branch_id, DAY, time_limit_s=1)
    sign_in_browser(page, "coordinator-dg", DEMO_PASSWORD)

    page.goto(f"{server}/orders/customers?date={NEW_ORDER_DAY.isoformat()}&q={postcode.replace(' ', '').lower()}")
    _shot(page, "phone-order-find.png")
    page.goto(f"{server}/orders/new?customer_id={customer_id}&date={NEW_ORDER_DAY.isoformat()}")
    for item, quantity in (("Milk", "2"), ("Bread", "1"), ("Eggs", "6"), ("Tea", "1"), ("Jam", "1")):
        page.keyboard.type(item)
        page.keyboard.press("Tab")
        page.keyboard.type(quantity)
        page.keyboard.press("Enter")
    _shot(page, "phone-order-entry.png")
    page.goto(f"{server}/orders/{packed}")
    page.evaluate("document.getElementById('delivery').scrollIntoView()")
    _shot(page, "record-delivery.png")
    page.goto(f"{server}/routes/picking?date={DAY.isoformat()}")
    _shot(page, "print-picking.png")
    page.goto(f"{server}/routes/?date={DAY.isoformat()}")
    _shot(page, "routes-day.png")

    page.goto(f"{server}/rota/")
    page.get_by_label("Month").fill("2026-12")
    page.get_by_label(re.compile("search", re.I)).fill("1")
    _shot(page, "rota-form.png")
    page.get_by_label("Month").press("Enter")
    page.wait_for_url(re.compile(r"/rota/\d+$"), timeout=120_000)
    _shot(page, "rota-draft.png")
    page.goto(page.url + "/repair")
    _shot(page, "drop-out.png")
    page.context.clear_cookies()  # sign out: the Map page is the admin's
    sign_in_browser(page, "admin", DEMO_PASSWORD)
    page.goto(f"{server}/map-settings/")
    _shot(page, "map-settings.png")
    page.get_by_role("link", name="Help", exact=True).click()
    page.wait_for_url(f"{server}/help/map")

    # Every page links to help; the link leads to the topic of the section where there is one.
    page.goto(f"{server}/orders/?date={DAY.isoformat()}")
    page.get_by_role("link", name="Help", exact=True).click()
    page.wait_for_url(f"{server}/help/phone-order")
    for topic in TOPICS.values():
        page.goto(f"{server}/help/{topic.slug}")
        images = page.locator("figure img")
        assert images.count() == len(topic.screenshots)
        for index in range(images.count()):
            images.nth(index).scroll_into_view_if_needed()
            assert images.nth(index).evaluate("img => img.complete && img.naturalWidth > 0"), topic.slug
        assert serious_accessibility_violations(page) == [], topic.slug
    page.goto(f"{server}/help/")
    assert page.get_by_role("link").filter(has_text="Take a phone order").count() == 1
    assert serious_accessibility_violations(page) == []
