"""The offline route map on the plan page, in Chromium: coast, towns and the data's licences under the
rounds, zoom and pan by buttons and keys, nothing fetched from anywhere but the app itself."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from foodtrain.basemap import BASEMAP_ATTRIBUTION
from foodtrain.extensions import db
from foodtrain.models import Branch
from foodtrain.services.planning import storing
from tests.browser.conftest import click_and_wait, screenshot, serious_accessibility_violations, sign_in_browser
from tests.browser.test_phone_width import WIDEST_ELEMENT_JS
from tests.conftest import DEMO_PASSWORD

DAY = date(2026, 11, 26)  # the demo's busiest open day in DG


def _view_box(page) -> list[float]:
    return [float(v) for v in page.locator("svg.route-map__area").get_attribute("viewBox").split()]


def test_plan_page_map_shows_coast_and_towns_and_zooms_and_pans(browser_page, demo_app) -> None:
    """The map draws land and named towns under the numbered stops, credits its data, zooms in and out with
    the buttons and the keyboard (stops keep their size, the scale bar follows), moves with the arrow keys,
    and asks no other host for anything."""
    with demo_app.app_context():
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
        storing.plan_day(db.session, branch_id, DAY, time_limit_s=2)
        db.session.remove()
    page, server = browser_page, browser_page.live_server
    other_hosts: list[str] = []
    page.on(
        "request",
        lambda request: (
            other_hosts.append(request.url)
            if not request.url.startswith(server) and not request.url.startswith("data:")
            else None
        ),
    )
    sign_in_browser(page, "coordinator-dg", DEMO_PASSWORD)
    page.goto(f"{server}/routes/?date={DAY.isoformat()}")
    svg = page.locator(".route-map-wrap svg.route-map")
    assert page.locator("path.route-map__land").count() == 1
    town_names = page.locator("svg.route-map__area text").all_text_contents()
    assert "Dumfries" in town_names or "Annan" in town_names, town_names
    assert BASEMAP_ATTRIBUTION in (svg.text_content() or "")
    numbered = page.locator(".route-map__stops circle title").all_text_contents()
    assert numbered and all(re.fullmatch(r".+, stop \d+", title) for title in numbered)
    screenshot(page, "route-map-plan")
    full = _view_box(page)
    stop = page.locator(".route-map__stop circle[r='10']").first
    stop_width_px = stop.bounding_box()["width"]
    scale_label = page.locator(".route-map__scale-label").text_content()
    page.get_by_role("button", name="Zoom in").click()
    zoomed = _view_box(page)
    assert zoomed[2] == full[2] / 2
    assert abs(stop.bounding_box()["width"] - stop_width_px) < 1  # markers keep their size on screen
    assert page.locator(".route-map__scale-label").text_content() != scale_label  # the scale bar follows
    page.locator(".route-map-wrap").focus()
    page.keyboard.press("ArrowRight")
    assert _view_box(page)[0] > zoomed[0]
    page.keyboard.press("+")
    assert _view_box(page)[2] == full[2] / 4
    screenshot(page, "route-map-zoomed")
    page.get_by_role("button", name="Show all").click()
    assert _view_box(page) == full
    page.get_by_role("button", name="Zoom out").click()
    assert _view_box(page) == full  # never smaller than the whole day
    assert other_hosts == []
    assert serious_accessibility_violations(page) == []
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "route-map-plan-360px")


def test_admin_map_page_refuses_a_bad_tile_address_and_saves_offline(browser_page) -> None:
    """The admin's Map page: a plain-http address is refused next to the field; 'offline only' saves; the page
    fits a 360 px phone and axe finds nothing serious at either size."""
    page, server = browser_page, browser_page.live_server
    sign_in_browser(page, "admin", DEMO_PASSWORD)
    page.get_by_role("link", name="Map", exact=True).click()
    page.wait_for_url(f"{server}/map-settings/")
    assert serious_accessibility_violations(page) == []
    page.get_by_label("The branch's own tile server").check()
    page.get_by_label("Tile server address").fill("http://tiles.example.org/{z}/{x}/{y}.png")
    click_and_wait(page, page.get_by_role("button", name="Save the map setting"))
    assert "must start with https://" in page.locator(".field--error").inner_text()
    assert page.get_by_label("Tile server address").get_attribute("aria-invalid") == "true"
    screenshot(page, "map-settings-refused")
    assert serious_accessibility_violations(page) == []
    page.get_by_label(re.compile("^The offline map only")).check()
    page.get_by_role("button", name="Save the map setting").click()
    page.wait_for_url(f"{server}/map-settings/")
    assert "The map setting is saved" in page.locator(".flash").first.inner_text()
    assert page.locator(".map-setting-now").inner_text() == "the offline map"
    page.set_viewport_size({"width": 360, "height": 800})
    screenshot(page, "map-settings-360px")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.evaluate(WIDEST_ELEMENT_JS, 360)
    assert serious_accessibility_violations(page) == []
