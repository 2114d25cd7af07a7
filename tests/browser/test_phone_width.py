"""The office's main pages on a 360 px phone: nothing is wider than the screen (no sideways scrolling).

Tables may scroll inside their own box (a focusable region), but the page itself never does.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from foodtrain.extensions import db
from foodtrain.models import Branch, Customer, Order, Volunteer
from foodtrain.services.planning import storing
from tests.browser.conftest import screenshot, sign_in_browser
from tests.conftest import DEMO_PASSWORD

PHONE_WIDTH_PX = 360
DAY = date(2026, 11, 26)  # the demo's busiest open day in DG
NEW_ORDER_DAY = date(2026, 12, 10)
DESKTOP_WIDTH_PX = 1280
OFFICE_PAGES = {
    "dashboard": "/",
    "customers": "/customers/",
    "customers-search": "/customers/?q=dg1",
    "customer-new": "/customers/new",
    "volunteers": "/volunteers/",
    "order-board": f"/orders/?date={DAY.isoformat()}",
    "order-find": "/orders/customers?q=campbell",
    "shops-day": f"/orders/shops?date={DAY.isoformat()}",
    "routes": f"/routes/?date={DAY.isoformat()}",
    "picking": f"/routes/picking?date={DAY.isoformat()}",
    "rota": "/rota/",
    "reports": "/reports/",
    "deliveries-report": "/reports/deliveries",
    "balances-report": "/reports/balances",
    "closures": "/closures/",
    "vans-and-shops": "/vans-and-shops/",
    "help": "/help/",
    "referrals": "/referrals/",
    "extra": "/extra/",
    "befriending": "/befriending/",
    "outcomes": "/outcomes/",
    "imports": "/imports/",
    "account": "/account/",
}


WIDEST_ELEMENT_JS = """(width) => {
  const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > width + 0.5);
  const outermost = wide.filter(e => !wide.includes(e.parentElement));
  return outermost.slice(0, 3).map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).trim()
    .replace(/\\s+/g, '.') : '') + ' ' + Math.round(e.getBoundingClientRect().right) + 'px').join(', ');
}"""


SCROLLING_TABLES_JS = """() => [...document.querySelectorAll('.table-scroll')]
  .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.getAttribute('aria-label') + ' ' + e.scrollWidth + 'px')"""


def _page_width_px(page) -> int:
    return int(page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"))


def test_office_pages_never_scroll_sideways_at_360px(browser_page, demo_app) -> None:
    """Every main office page, a customer's record, an order and a planned day fit a 360 px wide screen."""
    with demo_app.app_context():
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
        order = db.session.scalars(
            select(Order).where(Order.branch_id == branch_id, Order.delivery_date == DAY).order_by(Order.id)
        ).first()
        customer_id = order.customer_id
        volunteer_id = db.session.scalar(
            select(Volunteer.id).where(Volunteer.branch_id == branch_id).order_by(Volunteer.id)
        )
        storing.plan_day(db.session, branch_id, DAY, time_limit_s=2)
        pages = dict(
            OFFICE_PAGES,
            **{
                "customer": f"/customers/{customer_id}",
                "order": f"/orders/{order.id}",
                "volunteer": f"/volunteers/{volunteer_id}",
                "order-new": f"/orders/new?customer_id={customer_id}&date={NEW_ORDER_DAY}",
            },
        )
        assert db.session.get(Customer, customer_id) is not None
        db.session.remove()
    page = browser_page
    page.set_viewport_size({"width": PHONE_WIDTH_PX, "height": 800})
    sign_in_browser(page, "coordinator-dg", DEMO_PASSWORD)
    too_wide: dict[str, str] = {}
    for name, path in pages.items():
        response = page.goto(f"{page.live_server}{path}")
        assert response is not None and response.status == 200, f"{path}: {response.status if response else None}"
        width_px = _page_width_px(page)
        if width_px > PHONE_WIDTH_PX:
            too_wide[name] = f"{width_px} px: {page.evaluate(WIDEST_ELEMENT_JS, PHONE_WIDTH_PX)}"
            screenshot(page, f"phone-width-{name}-too-wide")
    print(f"\n360 px check: {len(pages)} office pages, too wide: {too_wide or 'none'}")
    assert too_wide == {}, f"pages wider than {PHONE_WIDTH_PX} px: {too_wide}"


def test_order_form_and_outcomes_fit_a_390px_phone_and_a_1280px_desktop(browser_page, demo_app) -> None:
    """The order form (with its usual-items list) at 390 px, and the outcomes report at 1280 px, are no wider
    than the screen, and the report's table needs no sideways scrolling there (the 360 px check above covers
    both pages at 360 px)."""
    with demo_app.app_context():
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
        customer_id = db.session.scalars(
            select(Order.customer_id).where(Order.branch_id == branch_id, Order.delivery_date == DAY).order_by(Order.id)
        ).first()
        db.session.remove()
    page = browser_page
    sign_in_browser(page, "coordinator-dg", DEMO_PASSWORD)
    too_wide: dict[str, str] = {}
    for width_px, name, path in (
        (390, "order-new", f"/orders/new?customer_id={customer_id}&date={NEW_ORDER_DAY}"),
        (DESKTOP_WIDTH_PX, "outcomes", "/outcomes/"),
    ):
        page.set_viewport_size({"width": width_px, "height": 800})
        page.goto(f"{page.live_server}{path}")
        width = _page_width_px(page)
        if width > width_px:
            too_wide[f"{name} at {width_px} px"] = f"{width} px: {page.evaluate(WIDEST_ELEMENT_JS, width_px)}"
            screenshot(page, f"width-{name}-{width_px}-too-wide")
        if width_px == DESKTOP_WIDTH_PX and page.evaluate(SCROLLING_TABLES_JS):  # on a desktop, no table scrolls either
            too_wide[f"{name} at {width_px} px"] = f"tables scroll sideways: {page.evaluate(SCROLLING_TABLES_JS)}"
    assert too_wide == {}, too_wide
