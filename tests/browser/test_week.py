"""The week as it changes, in Chromium: a day planned with a van that has no team, an order cancelled
on a published day (sheet and the team's phone page show it), and the driver's round on a phone.

The rota is stood in for by patching the planning service's rostered teams (the app runs in this
process), so each test sets up exactly the teams it is about. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from pypdf import PdfReader
from sqlalchemy import select

from foodtrain.extensions import db
from foodtrain.models import Branch, Order, OrderStatus, User, Van
from foodtrain.services.audit import SYSTEM
from foodtrain.services.planning import adjusting, reading, storing, viewing
from foodtrain.services.rota import VanTeam
from tests.browser.conftest import click_and_wait, screenshot, serious_accessibility_violations, sign_in_browser
from tests.conftest import DEMO_PASSWORD

DAY = date(2026, 11, 26)  # the demo's busiest open day in DG
PHONE_WIDTHS_PX = (390, 360)


def _teams(demo_app, monkeypatch, unstaffed_van: bool = False) -> tuple[list[VanTeam], int]:
    """A complete team on every active DG van (the last one without a mate when ``unstaffed_van``)."""
    with demo_app.app_context():
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
        vans = db.session.scalars(
            select(Van).where(Van.branch_id == branch_id, Van.active.is_(True)).order_by(Van.name)
        ).all()
        teams = [
            VanTeam(van.id, van.name, 9000 + 2 * k, f"Driver {k}", 9001 + 2 * k, f"Mate {k}")
            for k, van in enumerate(vans)
        ]
        db.session.remove()
    if unstaffed_van:
        last = teams[-1]
        teams[-1] = VanTeam(last.van_id, last.van_name, last.driver_volunteer_id, last.driver_name, None, "")
    monkeypatch.setattr(reading, "rostered_teams", lambda session, branch, day: list(teams))
    return teams, branch_id


def _document_fits(page, width_px: int) -> None:
    page.set_viewport_size({"width": width_px, "height": 844})
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width_px, f"{page.url}: document {scroll_width} px wide on a {width_px} px screen"


def test_planning_a_day_where_one_van_has_no_team(browser_page, demo_app, monkeypatch) -> None:
    """The van without a full team gets no round; the page names it and says why; axe finds nothing serious."""
    teams, _ = _teams(demo_app, monkeypatch, unstaffed_van=True)
    page, server = browser_page, browser_page.live_server
    # The rota is replaced in this process only (monkeypatch), so the plan must run here too, not in the worker.
    demo_app.config["JOBS_RUN_INLINE"] = True
    sign_in_browser(page, "coordinator-dg", DEMO_PASSWORD)
    page.goto(f"{server}/routes/?date={DAY.isoformat()}")
    page.get_by_label(re.compile("Search time")).fill("2")
    page.get_by_role("button", name=re.compile("Plan the routes|Re-plan")).click()
    page.wait_for_url(re.compile(r"/jobs/\d+"))
    # The plan ran inline, so the job page shows it finished (nothing to poll): open its result as a user would.
    page.get_by_role("link", name="See the result").click()
    page.wait_for_url(re.compile(r"/routes/"))
    left_out = page.locator(".vans-left-out")
    assert f"{teams[-1].van_name}: no delivery mate rostered" in left_out.inner_text()
    assert page.locator(f"#round-{teams[-1].van_id}").count() == 0
    assert page.locator("section.round").count() >= 1
    screenshot(page, "week-plan-van-without-team")
    assert serious_accessibility_violations(page) == []


def test_cancelled_order_on_a_published_day_shows_on_the_sheet_and_the_drivers_phone(
    browser_page, demo_app, monkeypatch
) -> None:
    """Cancel (confirmed) an order on a published round: the plan is out of date, the sheet and the team's
    phone cards show it struck through as CANCELLED; the phone page never scrolls sideways at 390 or 360 px."""
    teams, branch_id = _teams(demo_app, monkeypatch)
    with demo_app.app_context():
        plan_id = storing.plan_day(db.session, branch_id, DAY, time_limit_s=2)
        view = viewing.get_plan_view(db.session, branch_id, DAY)
        adjusting.publish_plan(db.session, branch_id, plan_id, view.version, SYSTEM, confirmed=True)
        mine = view.rounds[0]
        order_id = next(s.order_id for s in mine.stops if s.kind == "delivery")
        driver = db.session.scalar(select(User).where(User.username == "driver-dg"))
        driver_volunteer_id = driver.volunteer_id
        db.session.remove()
    # driver-dg drives that round (same names: the rota has not changed since planning)
    index = next(k for k, t in enumerate(teams) if t.van_id == mine.van_id)
    team = teams[index]
    teams[index] = VanTeam(
        team.van_id, team.van_name, driver_volunteer_id, team.driver_name, team.mate_volunteer_id, team.mate_name
    )

    monkeypatch.setattr("web.orders._today", lambda: date(2026, 11, 25))  # the day before the round
    page, server = browser_page, browser_page.live_server
    sign_in_browser(page, "coordinator-dg", DEMO_PASSWORD)
    page.goto(f"{server}/orders/{order_id}")
    page.get_by_label("Why is it cancelled?").fill("In hospital")
    click_and_wait(page, page.get_by_role("button", name="Cancel this order"))
    assert "already published" in page.content()
    screenshot(page, "week-cancel-confirm")
    assert serious_accessibility_violations(page) == []
    page.get_by_role("button", name="Yes, cancel the order").click()
    page.wait_for_url(re.compile(rf"/orders/{order_id}$"))
    assert page.get_by_role("button", name="Undo the cancellation").count() == 1
    page.goto(f"{server}/routes/?date={DAY.isoformat()}")
    changes = page.locator(".plan-changes").inner_text()
    assert "Out of date" in changes and f"Order {order_id} for" in changes and "was cancelled" in changes
    assert (
        page.locator(
            f"#round-{mine.van_id} ~ table .route-stop--cancelled, "
            f"section:has(#round-{mine.van_id}) .route-stop--cancelled"
        ).count()
        >= 1
    )
    screenshot(page, "week-plan-out-of-date")
    assert serious_accessibility_violations(page) == []
    sheet = page.request.get(f"{server}/routes/{plan_id}/sheets.pdf?van={mine.van_id}")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(sheet.body())).pages)
    assert sheet.status == 200 and "CANCELLED" in text and "was cancelled" in text
    with demo_app.app_context():
        assert db.session.get(Order, order_id).status is OrderStatus.CANCELLED
        db.session.remove()
    monkeypatch.setattr("web.dashboard._today", lambda: date(2026, 11, 25))
    page.goto(f"{server}/")  # the coordinator's dashboard lists the published day that is out of date
    out_of_date = page.locator(".plan-changes").inner_text()
    assert f"Order {order_id} for" in out_of_date and "was cancelled" in out_of_date
    screenshot(page, "week-coordinator-dashboard-out-of-date")
    assert serious_accessibility_violations(page) == []

    page.get_by_role("button", name="Sign out").click()
    sign_in_browser(page, "driver-dg", DEMO_PASSWORD)
    page.goto(f"{server}/routes/mine/{DAY.isoformat()}")
    cancelled = page.locator(".stop-card--cancelled")
    assert cancelled.count() >= 1 and "CANCELLED" in cancelled.first.inner_text()
    assert "was cancelled" in page.locator(".plan-changes").inner_text()
    cards = page.locator(".stop-card:not(.stop-card--pickup):not(.stop-card--cancelled)")
    assert cards.count() >= 1
    card = cards.first
    assert card.locator("a[href^='geo:']").count() == 1
    for fact in ("Access notes", "Support needs", "Amount due", "Pays by"):
        assert fact in card.inner_text()
    assert "£" in card.locator(".amount-due").inner_text()
    calls = page.locator(".stop-card a[href^='tel:']")  # tap to call (customers with a phone number)
    assert calls.count() >= 1 and calls.first.inner_text().startswith("Call ")
    for width in PHONE_WIDTHS_PX:
        _document_fits(page, width)
        screenshot(page, f"week-driver-round-{width}px")
        assert serious_accessibility_violations(page) == []
    page.goto(f"{server}/")
    assert "Your next round" in page.content() and mine.van_name in page.locator(".next-round").inner_text()
    for width in PHONE_WIDTHS_PX:
        _document_fits(page, width)
        screenshot(page, f"week-driver-dashboard-{width}px")
    assert serious_accessibility_violations(page) == []
    for path in ("/routes/mine", "/rota/mine"):
        page.goto(f"{server}{path}")
        for width in PHONE_WIDTHS_PX:
            _document_fits(page, width)
        screenshot(page, f"week-driver{path.replace('/', '-')}-360px")


def test_an_underpayment_is_carried_to_the_next_delivery_sheet(browser_page, demo_app) -> None:
    """£10 received against £15.50 due: the office is told what carries over, the customer's record, the board
    and the balances report show it owed, and the next delivery sheet adds it to the amount to collect."""
    from foodtrain.services.orders.shops import record_packing
    from foodtrain.services.orders.taking import OrderLineInput, save_order

    with demo_app.app_context():
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
        plan_id = storing.plan_day(db.session, branch_id, DAY, time_limit_s=2)
        view = viewing.get_plan_view(db.session, branch_id, DAY)
        stop = next(s for r in view.rounds for s in r.stops if s.kind == "delivery")
        van_id = next(r.van_id for r in view.rounds if stop in r.stops)
        order = db.session.get(Order, stop.order_id)
        customer_id, name = order.customer_id, order.customer.full_name
        earlier = next(
            DAY - timedelta(days=7 * k)
            for k in range(2, 20)
            if db.session.scalar(
                select(Order.id).where(
                    Order.customer_id == customer_id, Order.delivery_date == DAY - timedelta(days=7 * k)
                )
            )
            is None
        )
        earlier_id = save_order(
            db.session, branch_id, customer_id, earlier, [OrderLineInput("Tea bags", 1)], "", SYSTEM
        )
        charge = db.session.get(Order, earlier_id).delivery_charge_pence
        record_packing(db.session, branch_id, earlier_id, 1, 1550 - charge, SYSTEM)  # £15.50 due at the door
        db.session.remove()

    page, server = browser_page, browser_page.live_server
    sign_in_browser(page, "office-dg", DEMO_PASSWORD)
    page.goto(f"{server}/orders/{earlier_id}")
    page.get_by_label("Delivered", exact=True).check()
    page.get_by_label("Amount received (£)").fill("10.00")
    page.get_by_role("button", name="Save delivery").click()
    page.wait_for_url(re.compile(rf"/orders/{earlier_id}$"))
    message = page.locator(".flash").first.inner_text()
    assert "£5.50 less than the £15.50 due" in message and "owes £5.50" in message
    screenshot(page, "week-underpayment-recorded")
    page.goto(f"{server}/customers/{customer_id}")
    assert "owes £5.50" in page.locator(".customer-balance").first.inner_text()
    screenshot(page, "week-customer-balance")
    assert serious_accessibility_violations(page) == []
    page.goto(f"{server}/orders/?date={DAY.isoformat()}")
    assert "Balance: owes £5.50" in page.content()
    page.goto(f"{server}/reports/balances")
    assert name in page.content() and "owes £5.50" in page.content()
    screenshot(page, "week-balances-report")
    assert serious_accessibility_violations(page) == []
    page.get_by_role("button", name="Sign out").click()
    sign_in_browser(page, "coordinator-dg", DEMO_PASSWORD)
    sheet = page.request.get(f"{server}/routes/{plan_id}/sheets.pdf?van={van_id}")
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(sheet.body())).pages)
    assert sheet.status == 200 and name in text and "£5.50 owed from before" in text
