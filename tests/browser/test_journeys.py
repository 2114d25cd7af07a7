"""The main journeys end to end in Chromium: a coordinator draws up and publishes the rota and
plans the routes; a driver downloads their delivery sheet. Screenshots are kept in test-artifacts/."""

from __future__ import annotations

import io
import re
import time
from datetime import date

from pypdf import PdfReader
from sqlalchemy import select

from foodtrain.extensions import db
from foodtrain.models import User
from foodtrain.services.rota import teams_for_date
from tests.browser.conftest import click_and_wait, screenshot, sign_in_browser
from tests.conftest import DEMO_PASSWORD

MONTH = "2026-11"  # the demo's current month: its orders for 26-27 November are still to deliver
DELIVERY_DAYS = (date(2026, 11, 26), date(2026, 11, 27))


def _wait_for_job(page, name: str) -> float:
    """Wait on the job progress page until it opens the result; returns seconds taken."""
    started = time.monotonic()
    page.wait_for_url(re.compile(r"/jobs/\d+"))
    screenshot(page, f"{name}-progress")
    page.wait_for_url(lambda url: "/jobs/" not in url, timeout=180_000)
    return time.monotonic() - started


def _driver_day(demo_app) -> date:
    """A delivery day with orders on which driver-dg's volunteer is in a published team.

    The rota decides who drives when; if it did not roster the demo driver on either
    day, the driver login is linked to a volunteer it did roster (as the office would).
    """
    with demo_app.app_context():
        user = db.session.scalar(select(User).where(User.username == "driver-dg"))
        for day in DELIVERY_DAYS:
            teams = teams_for_date(db.session, user.branch_id, day)
            if any(user.volunteer_id in (t.driver_volunteer_id, t.mate_volunteer_id) for t in teams):
                return day
        team = next(t for t in teams_for_date(db.session, user.branch_id, DELIVERY_DAYS[0]) if t.driver_volunteer_id)
        user.volunteer_id = team.driver_volunteer_id
        db.session.commit()
        return DELIVERY_DAYS[0]


def _link_driver_to_a_planned_round(demo_app, day: date) -> None:
    """The plan may use fewer vans than teams rostered; link driver-dg to a team that got a round."""
    from foodtrain.models import RoutePlan, RoutePlanStatus
    from foodtrain.services.planning.reading import rostered_teams
    from foodtrain.services.planning.viewing import rounds_for_volunteer

    with demo_app.app_context():
        user = db.session.scalar(select(User).where(User.username == "driver-dg"))
        if any(
            d.delivery_date == day for d in rounds_for_volunteer(db.session, user.branch_id, user.volunteer_id, day, 1)
        ):
            return
        plan = db.session.scalar(
            select(RoutePlan).where(
                RoutePlan.branch_id == user.branch_id,
                RoutePlan.delivery_date == day,
                RoutePlan.status == RoutePlanStatus.PUBLISHED,
            )
        )
        planned_vans = {r.van_id for r in plan.rounds}
        team = next(
            t
            for t in rostered_teams(db.session, user.branch_id, day)
            if t.van_id in planned_vans and t.driver_volunteer_id
        )
        user.volunteer_id = team.driver_volunteer_id
        db.session.commit()


def _publish_anyway_if_asked(page, name: str) -> None:
    """Publishing lists what is unstaffed or unplanned and asks to confirm: the journey confirms."""
    confirm = page.get_by_role("button", name="Publish anyway")
    if confirm.count():
        screenshot(page, name)
        click_and_wait(page, confirm)


def test_coordinator_rota_and_routes_then_driver_sheet(browser_page, demo_app, monkeypatch) -> None:
    import web.routes  # the demo's delivery days are fixed dates: 'my rounds' lists from that week

    monkeypatch.setattr(web.routes, "_today", lambda: DELIVERY_DAYS[0])
    page = browser_page
    server = page.live_server
    sign_in_browser(page, "coordinator-dg", DEMO_PASSWORD)

    # The coordinator draws up the month's rota as a background job and publishes it.
    page.goto(f"{server}/rota/")
    page.get_by_label("Month").fill(MONTH)
    page.get_by_label(re.compile("search", re.I)).fill("5")
    screenshot(page, "journey-rota-form")
    page.get_by_role("button", name="Draw up the rota").click()
    rota_seconds = _wait_for_job(page, "journey-rota")
    page.wait_for_url(re.compile(r"/rota/\d+$"))
    screenshot(page, "journey-rota-calendar")
    click_and_wait(page, page.get_by_role("button", name="Publish this rota"))
    _publish_anyway_if_asked(page, "journey-rota-publish-confirm")
    assert "published" in page.content().lower()

    # The coordinator plans the delivery day and publishes the rounds to the teams.
    day = _driver_day(demo_app)
    page.goto(f"{server}/routes/?date={day.isoformat()}")
    page.get_by_label(re.compile("Search time")).fill("5")
    page.get_by_role("button", name=re.compile("Plan the routes|Re-plan")).click()
    routes_seconds = _wait_for_job(page, "journey-routes")
    page.wait_for_url(re.compile(r"/routes/"))
    assert page.locator("svg").count() >= 1, "the offline map is drawn"
    screenshot(page, "journey-routes-day")
    click_and_wait(page, page.get_by_role("button", name="Publish to the teams"))
    _publish_anyway_if_asked(page, "journey-routes-publish-confirm")
    _link_driver_to_a_planned_round(demo_app, day)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/login"))

    # The driver opens their round and downloads the delivery sheet.
    sign_in_browser(page, "driver-dg", DEMO_PASSWORD)
    page.goto(f"{server}/routes/mine")
    page.get_by_role("link", name=re.compile(day.strftime("%-d %B %Y"))).click()
    screenshot(page, "journey-driver-round")
    started = time.monotonic()
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Download my delivery sheet")).first.click()
    pdf_bytes = download_info.value.path().read_bytes()
    pdf_seconds = time.monotonic() - started
    reader = PdfReader(io.BytesIO(pdf_bytes))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert pdf_bytes.startswith(b"%PDF") and len(reader.pages) >= 1
    assert "Confidential" in text and "shred" in text
    print(
        f"\njourneys: rota generated in the browser in {rota_seconds:.1f} s (5 s search), routes planned in "
        f"{routes_seconds:.1f} s (5 s search), driver's sheet downloaded in {pdf_seconds:.2f} s "
        f"({len(reader.pages)} pages)"
    )
