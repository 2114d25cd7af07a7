"""Help pages: one per task, linked from every page, with screenshots of the screens as they are now.

The walk-through takes every help screenshot and compares it with the one committed in web/static/help/: a
screen that has changed since (a new layout, a map drawn where a blank box was) fails the test, which prints
the command that retakes them. With FOODTRAIN_HELP_SCREENSHOTS=1 it writes them into web/static/help/ instead
(look at them, then commit). The server's clock is pinned to the demo's day, so dates never change a picture."""

from __future__ import annotations

import io
import os
import re
from datetime import date, datetime, tzinfo
from pathlib import Path

from sqlalchemy import select

from foodtrain.clock import BRANCH_TIMEZONE
from foodtrain.extensions import db
from foodtrain.models import Branch, Order, OrderStatus, User
from foodtrain.services.planning import adjusting, reading, storing, viewing
from foodtrain.services.rota import VanTeam
from tests.browser.conftest import ARTIFACTS, serious_accessibility_violations, sign_in_browser
from tests.conftest import DEMO_PASSWORD, DEMO_TODAY
from web.help import TOPICS

HELP_IMAGES = Path(__file__).resolve().parents[2] / "web" / "static" / "help"
DAY = date(2026, 11, 26)
NEW_ORDER_DAY = date(2026, 12, 10)
HELP_NOW = datetime(DEMO_TODAY.year, DEMO_TODAY.month, DEMO_TODAY.day, 10, 0, tzinfo=BRANCH_TIMEZONE)
PHONE_VIEWPORT = {"width": 390, "height": 844}
REGENERATE = "FOODTRAIN_HELP_SCREENSHOTS=1 .venv/bin/python -m pytest tests/browser/test_help.py -q"
# Mean absolute difference of the two screens, as grey images at 1/8 size, in grey levels (0-255). Retaking an
# unchanged screen differs by well under 1 (font antialiasing, a timestamp); a moved or new panel by far more.
STALE_DIFFERENCE = 2.0
DOWNSCALE = 8
# A planned day's map draws the solver's rounds, which vary a little from run to run under a time limit
# (measured up to 1.2); a changed layout is still tens of grey levels off (the old blank map box: 42).
STALE_DIFFERENCE_OF = {"routes-day.png": 5.0}


def screen_difference(taken_png: bytes, committed: Path) -> float:
    """How far a fresh screenshot is from the committed one (255 when the sizes differ or none is committed)."""
    from PIL import Image, ImageChops, ImageStat

    if not committed.is_file():
        return 255.0
    taken, kept = Image.open(io.BytesIO(taken_png)).convert("L"), Image.open(committed).convert("L")
    if taken.size != kept.size:
        return 255.0
    small = (max(1, taken.width // DOWNSCALE), max(1, taken.height // DOWNSCALE))
    box = Image.Resampling.BOX
    return float(ImageStat.Stat(ImageChops.difference(taken.resize(small, box), kept.resize(small, box))).mean[0])


class _HelpClock(datetime):
    """datetime with now() pinned to HELP_NOW, for the live server's branch clock (foodtrain.clock)."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]  # a frozen clock in place of datetime.now, same call shape
        return HELP_NOW.astimezone(tz) if tz is not None else HELP_NOW.replace(tzinfo=None)


def _shot(page, filename: str, differences: dict[str, float], element=None) -> None:
    """The visible screen (not the whole page), or one element of it: into the help when asked, else a test
    artifact compared with the committed one."""
    taken = (element or page).screenshot()
    if os.environ.get("FOODTRAIN_HELP_SCREENSHOTS") == "1":
        HELP_IMAGES.mkdir(parents=True, exist_ok=True)
        (HELP_IMAGES / filename).write_bytes(taken)
        return
    (ARTIFACTS / "help").mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "help" / filename).write_bytes(taken)
    differences[filename] = screen_difference(taken, HELP_IMAGES / filename)


def test_screen_difference_tolerates_antialiasing_but_not_a_changed_layout(tmp_path) -> None:
    """The stale-screenshot measure: the same screen with its text a pixel to the right stays under the
    threshold; a panel drawn where the screen was blank, or another size, is over it."""
    from PIL import Image, ImageDraw

    def screen(text_at: tuple[int, int], panel: bool = False, size: tuple[int, int] = (1280, 900)):
        image = Image.new("RGB", size, "white")
        draw = ImageDraw.Draw(image)
        for line in range(30):
            draw.text((text_at[0], text_at[1] + 25 * line), "Stop 3 · Deliver to 12 High Street, Dumfries", "black")
        if panel:
            draw.rectangle((700, 100, 1200, 600), fill=(120, 160, 200))
        return image

    def png(image) -> bytes:
        out = io.BytesIO()
        image.save(out, format="PNG")
        return out.getvalue()

    committed = tmp_path / "screen.png"
    screen((40, 40)).save(committed)
    assert screen_difference(png(screen((41, 40))), committed) < STALE_DIFFERENCE
    assert screen_difference(png(screen((40, 40), panel=True)), committed) > STALE_DIFFERENCE
    assert screen_difference(png(screen((40, 40), size=(1280, 1000))), committed) == 255.0
    assert screen_difference(png(screen((40, 40))), tmp_path / "missing.png") == 255.0


def test_every_help_image_exists() -> None:
    """Every screenshot a help topic names is in web/static/help/ (taken by the test below)."""
    missing = [
        shot.filename
        for topic in TOPICS.values()
        for shot in topic.screenshots
        if not (HELP_IMAGES / shot.filename).is_file()
    ]
    assert missing == []


def test_help_screens_are_taken_and_shown(browser_page, demo_app, monkeypatch) -> None:
    """Walk through each task's screens (screenshots, each compared with the committed one), follow a page's
    Help link, and load every help image."""
    monkeypatch.setattr("foodtrain.clock.datetime", _HelpClock)
    page = browser_page
    server = page.live_server
    differences: dict[str, float] = {}
    with demo_app.app_context():
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
        order = db.session.scalar(
            select(Order).where(Order.branch_id == branch_id, Order.delivery_date == DAY).order_by(Order.id).limit(1)
        )
        packed = db.session.scalar(
            select(Order.id)
            .where(Order.branch_id == branch_id, Order.status.in_([OrderStatus.PACKED, OrderStatus.DELIVERED]))
            .order_by(Order.delivery_date.desc(), Order.id)
            .limit(1)
        )
        customer = order.customer
        customer_id, postcode = customer.id, customer.postcode
        storing.plan_day(db.session, branch_id, DAY, time_limit_s=1)
        view = viewing.get_plan_view(db.session, branch_id, DAY)
        # The solver's rounds vary from run to run; the first order's stop card does not (but for its time).
        card_order_id = min(stop.order_id for round_ in view.rounds for stop in round_.stops if stop.kind == "delivery")
        card_round = next(
            round_ for round_ in view.rounds if any(stop.order_id == card_order_id for stop in round_.stops)
        )
        driver_volunteer_id = db.session.scalar(select(User.volunteer_id).where(User.username == "driver-dg"))
        db.session.remove()
    sign_in_browser(page, "coordinator-dg", DEMO_PASSWORD)

    page.goto(f"{server}/orders/customers?date={NEW_ORDER_DAY.isoformat()}&q={postcode.replace(' ', '').lower()}")
    _shot(page, "phone-order-find.png", differences)
    page.goto(f"{server}/orders/new?customer_id={customer_id}&date={NEW_ORDER_DAY.isoformat()}")
    for item, quantity in (("Milk", "2"), ("Bread", "1"), ("Eggs", "6"), ("Tea", "1"), ("Jam", "1")):
        page.keyboard.type(item)
        page.keyboard.press("Tab")
        page.keyboard.type(quantity)
        page.keyboard.press("Enter")
    _shot(page, "phone-order-entry.png", differences)
    page.goto(f"{server}/orders/{packed}")
    page.evaluate("document.getElementById('delivery').scrollIntoView()")
    _shot(page, "record-delivery.png", differences)
    page.goto(f"{server}/routes/picking?date={DAY.isoformat()}")
    _shot(page, "print-picking.png", differences)
    page.goto(f"{server}/routes/?date={DAY.isoformat()}")
    page.wait_for_load_state("networkidle")  # the map's tiles and rounds are drawn
    page.evaluate("document.getElementById('map-title').scrollIntoView()")
    _shot(page, "routes-day.png", differences)

    page.goto(f"{server}/rota/")
    page.get_by_label("Month").fill("2026-12")
    page.get_by_label(re.compile("search", re.I)).fill("1")
    _shot(page, "rota-form.png", differences)
    page.get_by_label("Month").press("Enter")
    page.wait_for_url(re.compile(r"/rota/\d+$"), timeout=120_000)
    _shot(page, "rota-draft.png", differences)
    page.goto(page.url + "/repair")
    _shot(page, "drop-out.png", differences)
    page.context.clear_cookies()  # sign out: the Map page is the admin's
    sign_in_browser(page, "admin", DEMO_PASSWORD)
    page.goto(f"{server}/map-settings/")
    _shot(page, "map-settings.png", differences)
    page.get_by_role("link", name="Help", exact=True).click()
    page.wait_for_url(f"{server}/help/map")

    # A stop's card on the driver's phone: driver-dg in the team of the round with the day's first order.
    with demo_app.app_context():
        adjusting.publish_plan(db.session, branch_id, view.id, view.version, None, confirmed=True)
        db.session.remove()
    monkeypatch.setattr(
        reading,
        "rostered_teams",
        lambda s, b, d: [VanTeam(card_round.van_id, card_round.van_name, driver_volunteer_id, "Me Driver", None, "")],
    )
    page.context.clear_cookies()
    sign_in_browser(page, "driver-dg", DEMO_PASSWORD)
    page.set_viewport_size(PHONE_VIEWPORT)
    page.goto(f"{server}/routes/mine/{DAY.isoformat()}")
    _shot(page, "driver-round-phone.png", differences, page.locator(f"#stop-{card_order_id}"))
    page.set_viewport_size({"width": 1280, "height": 900})
    stale = {
        name: round(value, 2)
        for name, value in differences.items()
        if value > STALE_DIFFERENCE_OF.get(name, STALE_DIFFERENCE)
    }
    print(
        f"\nhelp screenshots compared with web/static/help/ (grey, 1/{DOWNSCALE} size, mean difference): "
        f"{ {name: round(value, 2) for name, value in differences.items()} }"
    )
    assert stale == {}, (
        f"help screenshots out of date (mean grey difference over {STALE_DIFFERENCE}, "
        f"{STALE_DIFFERENCE_OF} for those): {stale}; "
        f"the new ones are in {ARTIFACTS / 'help'}. Retake them with `{REGENERATE}`, look at "
        "them and commit web/static/help/."
    )
    page.context.clear_cookies()
    sign_in_browser(page, "admin", DEMO_PASSWORD)  # every help topic, the Map one included

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
