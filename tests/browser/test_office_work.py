"""Fast office work in Chromium: an order of five lines typed and saved by keyboard only (key presses
counted), and each search form finding a customer or volunteer the way people say them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from foodtrain.extensions import db
from foodtrain.models import Branch, Customer, CustomerStatus, Order, Volunteer
from tests.browser.conftest import screenshot, serious_accessibility_violations, sign_in_browser
from tests.conftest import DEMO_PASSWORD

ORDER_DAY = date(2026, 12, 10)  # after the demo's orders: nobody has an order in yet
MAX_KEY_PRESSES_FOR_FIVE_LINES = 40


class CountingKeyboard:
    """Types through Playwright's keyboard and counts every key pressed (a typed letter is one press)."""

    def __init__(self, page) -> None:
        self.keyboard = page.keyboard
        self.presses = 0

    def type(self, text: str) -> None:
        self.keyboard.type(text)
        self.presses += len(text)

    def press(self, key: str) -> None:
        self.keyboard.press(key)  # a chord such as Control+Enter counts as one press
        self.presses += 1


def _dg_customer(demo_app) -> tuple[int, str, str, str, str]:
    with demo_app.app_context():
        customer = db.session.scalar(
            select(Customer)
            .join(Branch)
            .where(Branch.code == "DG", Customer.status == CustomerStatus.ACTIVE, Customer.phone != "")
            .order_by(Customer.id)
            .limit(1)
        )
        return customer.id, customer.first_name, customer.last_name, customer.postcode, customer.phone


def test_order_of_five_lines_saved_by_keyboard_only(browser_page, demo_app) -> None:
    """From the order form's first field: item, Tab, quantity, Enter for each line, then Ctrl+Enter saves."""
    customer_id = _dg_customer(demo_app)[0]
    page = browser_page
    sign_in_browser(page, "office-dg", DEMO_PASSWORD)
    page.goto(f"{page.live_server}/orders/new?customer_id={customer_id}&date={ORDER_DAY.isoformat()}")
    save = page.locator("#save-order")
    assert "Ctrl+Enter" in save.inner_text()  # the shortcut is shown on the button itself
    assert save.get_attribute("aria-keyshortcuts") == "Control+Enter"
    assert serious_accessibility_violations(page) == []
    keys = CountingKeyboard(page)
    lines = [("Milk", "2"), ("Bread", "1"), ("Eggs", "6"), ("Tea", "1"), ("Jam", "2")]
    for number, (item, quantity) in enumerate(lines, start=1):
        keys.type(item)
        keys.press("Tab")
        keys.type(quantity)
        if number < len(lines):
            keys.press("Enter")
    screenshot(page, "office-order-by-keyboard")
    keys.press("Control+Enter")
    page.wait_for_url(lambda url: "/orders/new" not in url)
    print(f"\nkeyboard order entry: {len(lines)} lines saved in {keys.presses} key presses")
    assert keys.presses <= MAX_KEY_PRESSES_FOR_FIVE_LINES
    assert "Order saved" in page.content()
    with demo_app.app_context():
        order = db.session.scalar(
            select(Order).where(Order.customer_id == customer_id, Order.delivery_date == ORDER_DAY)
        )
        assert [(line.item, str(line.quantity)) for line in order.lines] == lines


def test_ctrl_enter_saves_from_the_order_notes(browser_page, demo_app) -> None:
    """The shortcut works from any field, the order's notes box included."""
    customer_id = _dg_customer(demo_app)[0]
    page = browser_page
    sign_in_browser(page, "office-dg", DEMO_PASSWORD)
    page.goto(f"{page.live_server}/orders/new?customer_id={customer_id}&date={ORDER_DAY.isoformat()}")
    page.keyboard.type("Oatcakes")
    page.get_by_label("Notes for the whole order").focus()
    page.keyboard.type("Leave with neighbour")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(lambda url: "/orders/new" not in url)
    with demo_app.app_context():
        order = db.session.scalar(
            select(Order).where(Order.customer_id == customer_id, Order.delivery_date == ORDER_DAY)
        )
        assert [line.item for line in order.lines] == ["Oatcakes"]
        assert order.notes == "Leave with neighbour"


def _search(page, path: str, text: str):
    page.goto(f"{page.live_server}{path}")
    page.locator("#q").fill(text)
    page.locator("#q").press("Enter")
    page.wait_for_load_state()
    return page.locator("table tbody").inner_text()


def test_each_search_form_finds_people_as_they_are_said(browser_page, demo_app) -> None:
    """Customers list, 'take an order' search and volunteers list: reversed name with a comma, a title,
    the postcode without its space, and the phone number with other spacing."""
    _id, first, last, postcode, phone = _dg_customer(demo_app)
    with demo_app.app_context():
        volunteer = db.session.scalar(
            select(Volunteer)
            .join(Branch)
            .where(Branch.code == "DG", Volunteer.left_on.is_(None), Volunteer.phone != "")
            .order_by(Volunteer.id)
            .limit(1)
        )
        v_first, v_last, v_phone = volunteer.first_name, volunteer.last_name, volunteer.phone
    page = browser_page
    sign_in_browser(page, "coordinator-dg", DEMO_PASSWORD)
    listed = f"{last}, {first}"
    digits = "".join(ch for ch in phone if ch.isdigit())
    spaced_phone = f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    for path in ("/customers/", f"/orders/customers?date={ORDER_DAY.isoformat()}"):
        for text in (listed, f"Mrs {last} {first}", postcode.replace(" ", "").lower(), spaced_phone):
            rows = _search(page, path, text)
            assert last in rows and first in rows, (path, text, rows)
        screenshot(page, f"office-search-{path.strip('/').split('/')[0]}")
        assert serious_accessibility_violations(page) == []
    district = postcode.split()[0]
    rows = _search(page, "/customers/", district)
    assert all(f"{district} " in line for line in rows.splitlines() if line.strip()), rows
    # "DG1" is Dumfries only: never Lockerbie's DG11 or Annan's DG12 (the demo has customers in all three)
    rows = _search(page, "/customers/", "dg1")
    assert rows.strip() and all("DG1 " in line for line in rows.splitlines() if line.strip()), rows
    with demo_app.app_context():
        address = db.session.get(Customer, _id).address_line1
    street = address.split(" ", 1)[1]  # "12 Burns Street" -> "Burns Street"
    for path in ("/customers/", f"/orders/customers?date={ORDER_DAY.isoformat()}"):
        rows = _search(page, path, street.lower())
        assert last in rows and first in rows, (path, street, rows)
    v_digits = "".join(ch for ch in v_phone if ch.isdigit())
    for text in (f"{v_last}, {v_first}", f"Mr {v_first} {v_last}", v_digits):
        rows = _search(page, "/volunteers/", text)
        assert v_last in rows, (text, rows)
    screenshot(page, "office-search-volunteers")
    assert serious_accessibility_violations(page) == []


def test_new_customer_like_one_on_file_is_warned_with_a_link(browser_page, demo_app) -> None:
    """Entering someone already on file (same phone) shows a warning linking to their record; nothing is added."""
    existing_id, first, last, _postcode, phone = _dg_customer(demo_app)
    page = browser_page
    sign_in_browser(page, "office-dg", DEMO_PASSWORD)
    page.goto(f"{page.live_server}/customers/new")
    page.get_by_label("First name", exact=True).fill("Maggie")
    page.get_by_label("Last name", exact=True).fill(last)
    page.get_by_label("Address", exact=True).fill("1 Somewhere Else")
    page.get_by_label("Town", exact=True).fill("Dumfries")
    page.get_by_label("Postcode", exact=True).fill("DG1 2BD")
    page.get_by_label("Phone", exact=True).fill(phone)
    page.get_by_label("Date of birth").fill("1940-01-01")
    page.get_by_label("Delivery day").select_option("1")
    page.get_by_label("First (or any regular) delivery date").fill("2026-12-01")
    page.get_by_role("button", name="Add customer").click()
    warning = page.locator("#duplicates")
    warning.wait_for()
    screenshot(page, "office-duplicate-warning")
    assert "same phone number" in warning.inner_text()
    assert serious_accessibility_violations(page) == []
    with demo_app.app_context():
        assert db.session.scalar(select(Customer).where(Customer.first_name == "Maggie")) is None
    warning.get_by_role("link", name=f"{first} {last}").click()
    page.wait_for_url(f"{page.live_server}/customers/{existing_id}")
