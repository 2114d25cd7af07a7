"""Order pages: the board, a phone order taken once, the no-JavaScript form, shops, packing, delivery, roles."""

from __future__ import annotations

import re
from datetime import timedelta
import pytest
from sqlalchemy import func, select

from foodtrain.extensions import db
from foodtrain.models import Branch, Customer, Order, OrderLine, OrderStatus, Shop
from foodtrain.services.audit import SYSTEM
from foodtrain.services.orders.board import order_board
from foodtrain.services.orders.shops import record_packing
from foodtrain.services.orders.taking import OrderLineInput, save_order
from tests.conftest import DEMO_PASSWORD, DEMO_TODAY, csrf_token_from, sign_in

DAY = DEMO_TODAY  # the demo leaves some of the customers due today without an order


def _branch_id(code: str) -> int:
    return db.session.scalar(select(Branch.id).where(Branch.code == code))


def _missing_customer(app, code: str = "DG") -> tuple[int, str, str]:
    """A customer due on DAY with no order yet: (id, 'Last, First', phone)."""
    with app.app_context():
        board = order_board(db.session, _branch_id(code), DAY)
        entry = board.due_missing[0]
        return entry.customer_id, entry.name, entry.phone


def _order_count(app, customer_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(Order.id)).where(Order.customer_id == customer_id, Order.delivery_date == DAY)
        )


def _order_of(app, customer_id: int) -> Order:
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.customer_id == customer_id, Order.delivery_date == DAY))
        assert order is not None
        _ = list(order.lines), order.customer.full_name
        db.session.expunge_all()
        return order


def _entry_form(client, customer_id: int) -> str:
    response = client.get(f"/orders/new?customer_id={customer_id}&date={DAY.isoformat()}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _lines(*lines: tuple[str, str, str, bool]) -> dict[str, str]:
    data: dict[str, str] = {}
    for index, (item, quantity, notes, substitute) in enumerate(lines):
        data |= {f"lines-{index}-item": item, f"lines-{index}-quantity": quantity, f"lines-{index}-notes": notes}
        if substitute:
            data[f"lines-{index}-substitute_allowed"] = "y"
    return data


def _new_order_post(token: str, customer_id: int, **extra: str) -> dict[str, str]:
    return {"csrf_token": token, "customer_id": str(customer_id), "delivery_date": DAY.isoformat(), **extra}


@pytest.fixture
def office(demo_client):
    sign_in(demo_client, "office-dg")
    return demo_client


# ---------------------------------------------------------------- the board


def test_board_lists_due_customers_with_and_without_orders(demo_app, office) -> None:
    """The board shows the counts and the missing customers with phone and list method and a 'Take order' link."""
    customer_id, name, phone = _missing_customer(demo_app)
    response = office.get("/orders/")
    assert response.status_code == 302 and "date=" in response.headers["Location"]
    page = office.get(f"/orders/?date={DAY.isoformat()}").get_data(as_text=True)
    with demo_app.app_context():
        board = order_board(db.session, _branch_id("DG"), DAY)
    assert f'<span class="counts__number">{board.customers_due}</span> customers due' in page
    assert f'<span class="counts__number">{len(board.due_missing)}</span> missing' in page
    missing_section = page.split('id="missing-heading"')[1].split("</section>")[0]
    assert name in missing_section and phone in missing_section
    assert re.search(r"(Telephone|Collected form)", missing_section)
    assert f"/orders/new?customer_id={customer_id}&amp;date={DAY.isoformat()}" in missing_section
    assert "/orders/?date=2026-11-24" in page and "/orders/?date=2026-11-26" in page  # previous / next day
    assert "West Lothian" not in page


def test_bad_date_falls_back_and_nothing_breaks(demo_app, office) -> None:
    """Nonsense dates in the query string redirect to the next delivery date instead of erroring."""
    for value in ("yesterday", "2026-13-45", "9999-01-01", "2026-11-25%00"):
        assert office.get(f"/orders/?date={value}").status_code == 302
    assert office.get("/orders/new?customer_id=abc&date=2026-11-25").status_code == 400
    with demo_app.app_context():
        shop_id = db.session.scalar(select(Shop.id).where(Shop.branch_id == _branch_id("DG")))
    assert office.get(f"/orders/shops/{shop_id}/picking?date=nope").status_code == 200  # the next delivery date


# ---------------------------------------------------------------- taking a phone order


def test_office_takes_a_phone_order_once_even_when_saved_twice(demo_app, office) -> None:
    """Posting the same order twice (a double click) keeps one order with the typed lines."""
    customer_id, _name, _phone = _missing_customer(demo_app)
    page = _entry_form(office, customer_id)
    assert 'name="lines-14-item"' in page and 'name="lines-15-item"' not in page  # 15 blank lines without JS
    assert "js/orders.js" in page and "onclick" not in page and "style=" not in page
    data = _new_order_post(
        csrf_token_from(page),
        customer_id,
        notes="Knock loudly",
        save="Save order",
        **_lines(("Milk", "2", "semi-skimmed", True), ("", "1", "", True), ("Bread", "", "wholemeal", False)),
    )
    first = office.post("/orders/new", data=data)
    second = office.post("/orders/new", data=data)
    assert first.status_code == 302 and second.status_code == 302
    assert f"date={DAY.isoformat()}" in first.headers["Location"]
    assert _order_count(demo_app, customer_id) == 1
    order = _order_of(demo_app, customer_id)
    assert [(l.item, l.quantity, l.notes, l.substitute_allowed) for l in order.lines] == [
        ("Milk", 2, "semi-skimmed", True),
        ("Bread", 1, "wholemeal", False),
    ]
    assert order.notes == "Knock loudly" and order.status is OrderStatus.RECEIVED
    assert "Order saved" in office.get(first.headers["Location"]).get_data(as_text=True)
    # Opening "new order" again for the same customer and date goes to the existing order.
    again = office.get(f"/orders/new?customer_id={customer_id}&date={DAY.isoformat()}")
    assert again.status_code == 302 and f"/orders/{order.id}/edit" in again.headers["Location"]


def test_without_javascript_more_lines_and_usual_items_save_nothing(demo_app, office) -> None:
    """'Add more lines' adds blank lines and a usual-item button fills one, keeping what was typed, unsaved."""
    customer_id, _name, _phone = _missing_customer(demo_app)
    page = _entry_form(office, customer_id)
    usual = re.findall(r'name="add_item" value="([^"]+)"', page)
    assert usual, "the demo customer has past orders to prompt from"
    data = _new_order_post(
        csrf_token_from(page), customer_id, more_lines="Add more lines", **_lines(("Eggs", "6", "free range", True))
    )
    more = office.post("/orders/new", data=data).get_data(as_text=True)
    assert 'name="lines-24-item"' in more and 'value="Eggs"' in more and 'value="free range"' in more
    data = _new_order_post(
        csrf_token_from(more), customer_id, add_item=usual[0].replace("&amp;", "&"), **_lines(("Eggs", "6", "", True))
    )
    added = office.post("/orders/new", data=data).get_data(as_text=True)
    assert re.search(r'name="lines-1-item" type="text" value="' + re.escape(usual[0]) + '"', added)
    assert _order_count(demo_app, customer_id) == 0


def test_bad_quantity_is_explained_next_to_the_line_and_nothing_is_saved(demo_app, office) -> None:
    """Bad lines get messages next to them, keep what was typed, and nothing is written; an empty list too."""
    customer_id, _name, _phone = _missing_customer(demo_app)
    page = _entry_form(office, customer_id)
    data = _new_order_post(
        csrf_token_from(page),
        customer_id,
        save="Save order",
        **_lines(("Tea bags", "lots", "", True), ("", "", "the usual jam", True)),
    )
    response = office.post("/orders/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Line 1: the quantity must be a whole number" in html and "Line 2: say what the item is" in html
    assert 'value="Tea bags"' in html and 'value="lots"' in html and 'value="the usual jam"' in html
    empty = office.post("/orders/new", data=_new_order_post(csrf_token_from(page), customer_id, save="Save order"))
    assert empty.status_code == 400 and "Enter at least one item" in empty.get_data(as_text=True)
    assert _order_count(demo_app, customer_id) == 0


def test_order_form_needs_its_csrf_token(demo_app, office) -> None:
    """An order post without the CSRF token is refused and saves nothing."""
    customer_id, _name, _phone = _missing_customer(demo_app)
    data = _new_order_post("", customer_id, save="Save order", **_lines(("Milk", "1", "", True)))
    del data["csrf_token"]
    assert office.post("/orders/new", data=data).status_code == 400
    assert _order_count(demo_app, customer_id) == 0


def test_editing_a_changed_order_says_so_and_keeps_the_other_change(demo_app, office) -> None:
    """Optimistic locking in the browser: a stale edit form gets 'changed by someone else', not an overwrite."""
    customer_id, _name, _phone = _missing_customer(demo_app)
    with demo_app.app_context():
        order_id = save_order(db.session, _branch_id("DG"), customer_id, DAY, [OrderLineInput("Milk", 1)], "", SYSTEM)
    page = office.get(f"/orders/{order_id}/edit").get_data(as_text=True)
    assert 'value="Milk"' in page and 'name="version" type="hidden" value="1"' in page
    token = csrf_token_from(page)
    post = {
        "csrf_token": token,
        "customer_id": str(customer_id),
        "delivery_date": DAY.isoformat(),
        "version": "1",
        "save": "Save order",
    }
    assert office.post(f"/orders/{order_id}/edit", data=post | _lines(("Butter", "1", "", True))).status_code == 302
    stale = office.post(f"/orders/{order_id}/edit", data=post | _lines(("Cheese", "1", "", True)))
    assert stale.status_code == 409 and "changed by someone else" in stale.get_data(as_text=True)
    assert [line.item for line in _order_of(demo_app, customer_id).lines] == ["Butter"]
    without_version = {key: value for key, value in post.items() if key != "version"}
    crafted = office.post(f"/orders/{order_id}/edit", data=without_version | _lines(("Jam", "1", "", True)))
    assert crafted.status_code in (400, 409, 422), crafted.status_code  # refused as malformed or as outdated
    assert [line.item for line in _order_of(demo_app, customer_id).lines] == ["Butter"]  # a post without a version


# ---------------------------------------------------------------- shops, packing, delivery, cancelling


def test_shop_summary_and_printable_picking_lists(demo_app, office) -> None:
    """Each shop's orders, ready time and crates; picking lists print one order per page."""
    with demo_app.app_context():
        order = db.session.scalar(
            select(Order)
            .join(Branch, Order.branch_id == Branch.id)
            .where(Branch.code == "DG", Order.delivery_date == DAY)
        )
        shop = db.session.get(Shop, order.shop_id)
        shop_id, shop_name, ready = shop.id, shop.name, shop.orders_ready_time.strftime("%H:%M")
        first_item = order.lines[0].item
        customer_name = order.customer.full_name
    summary = office.get(f"/orders/shops?date={DAY.isoformat()}").get_data(as_text=True)
    assert shop_name in summary and ready in summary and "Crates (estimate)" in summary
    picking = office.get(f"/orders/shops/{shop_id}/picking?date={DAY.isoformat()}")
    html = picking.get_data(as_text=True)
    assert picking.status_code == 200 and customer_name in html and first_item in html
    assert html.count('class="picking-list"') >= 1 and "css/orders.css" in html
    assert 'class="button js-print" hidden' in html  # shown only when the script can print
    with office.get("/static/css/orders.css") as response:
        css = response.get_data(as_text=True)
    assert "@media print" in css and "page-break-inside: avoid" in css and "break-after: page" in css
    with demo_app.app_context():
        wl_shop = db.session.scalar(select(Shop.id).where(Shop.branch_id == _branch_id("WL")))
    assert office.get(f"/orders/shops/{wl_shop}/picking?date={DAY.isoformat()}").status_code == 404


def test_packing_parses_pounds_and_pence(demo_app, office) -> None:
    """'23.45' becomes 2345 pence and the order PACKED; '12.345' is explained next to the field."""
    customer_id, _name, _phone = _missing_customer(demo_app)
    with demo_app.app_context():
        order_id = save_order(db.session, _branch_id("DG"), customer_id, DAY, [OrderLineInput("Milk", 1)], "", SYSTEM)
    page = office.get(f"/orders/{order_id}").get_data(as_text=True)
    token = csrf_token_from(page)
    bad = office.post(
        f"/orders/{order_id}/packing",
        data={"csrf_token": token, "packing-version": "1", "packing-crates": "2", "packing-till_receipt": "12.345"},
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "two figures after the point" in html and 'value="12.345"' in html
    assert _order_of(demo_app, customer_id).status is OrderStatus.RECEIVED
    good = office.post(
        f"/orders/{order_id}/packing",
        data={
            "csrf_token": token,
            "packing-version": "1",
            "packing-crates": "2",
            "packing-till_receipt": "£23.45",
            "packing-return_shop_id": "",
            "packing-return_date": "",
        },
    )
    assert good.status_code == 302 and good.headers["Location"].endswith(f"/orders/{order_id}")
    order = _order_of(demo_app, customer_id)
    assert (order.status, order.crates, order.till_receipt_pence) == (OrderStatus.PACKED, 2, 2345)
    shown = office.get(f"/orders/{order_id}").get_data(as_text=True)
    assert f"£{(2345 + order.delivery_charge_pence) / 100:.2f}" in shown  # amount due = receipt + charge


def test_packing_from_the_shop_page_returns_to_it(demo_app, office) -> None:
    """The shop page has one packing form per order; saving one goes back to that shop on the same day."""
    customer_id, _name, _phone = _missing_customer(demo_app)
    with demo_app.app_context():
        order_id = save_order(db.session, _branch_id("DG"), customer_id, DAY, [OrderLineInput("Milk", 1)], "", SYSTEM)
        shop_id = db.session.get(Order, order_id).shop_id
    page = office.get(f"/orders/shops?date={DAY}").get_data(as_text=True)
    assert f'id="crates-{order_id}"' in page and f'id="receipt-{order_id}"' in page
    assert len(re.findall(r'id="([^"]+)"', page)) == len(set(re.findall(r'id="([^"]+)"', page)))  # ids unique
    response = office.post(
        f"/orders/{order_id}/packing",
        data={
            "csrf_token": csrf_token_from(page),
            "packing-version": "1",
            "packing-crates": "1",
            "packing-till_receipt": "9.99",
            "packing-return_shop_id": str(shop_id),
            "packing-return_date": DAY.isoformat(),
        },
    )
    assert response.status_code == 302
    assert f"/orders/shops?date={DAY}&packed={order_id}#order-{order_id}" in response.headers["Location"]
    assert _order_of(demo_app, customer_id).till_receipt_pence == 999
    back = office.get(response.headers["Location"]).get_data(as_text=True)  # the confirmation is on the row
    row = back[back.index(f'id="order-{order_id}"') :]
    assert "Saved: 1 crate, till receipt £9.99." in row[: row.index("</tr>")]


def test_delivery_and_not_delivered_reason(demo_app, office) -> None:
    """Not delivered without a reason is refused; delivered records amount and method."""
    customer_id, _name, _phone = _missing_customer(demo_app)
    with demo_app.app_context():
        branch_id = _branch_id("DG")
        order_id = save_order(db.session, branch_id, customer_id, DAY, [OrderLineInput("Milk", 1)], "", SYSTEM)
        record_packing(db.session, branch_id, order_id, 1, 1000, SYSTEM)
    token = csrf_token_from(office.get(f"/orders/{order_id}").get_data(as_text=True))
    refused = office.post(
        f"/orders/{order_id}/delivery",
        data={"csrf_token": token, "delivery-version": "2", "delivery-outcome": "not_delivered"},
    )
    assert refused.status_code == 400 and "Say why" in refused.get_data(as_text=True)
    done = office.post(
        f"/orders/{order_id}/delivery",
        data={
            "csrf_token": token,
            "delivery-version": "2",
            "delivery-outcome": "delivered",
            "delivery-amount_received": "13.00",
            "delivery-payment_method": "cheque",
        },
    )
    assert done.status_code == 302
    order = _order_of(demo_app, customer_id)
    assert order.status is OrderStatus.DELIVERED and order.amount_received_pence == 1300
    assert order.payment_method_received.value == "cheque"


def test_cancel_needs_a_reason(demo_app, office) -> None:
    """Cancelling without a reason is refused; with one the order is CANCELLED and the reason kept."""
    customer_id, _name, _phone = _missing_customer(demo_app)
    with demo_app.app_context():
        order_id = save_order(db.session, _branch_id("DG"), customer_id, DAY, [OrderLineInput("Milk", 1)], "", SYSTEM)
    token = csrf_token_from(office.get(f"/orders/{order_id}").get_data(as_text=True))
    refused = office.post(f"/orders/{order_id}/cancel", data={"csrf_token": token, "cancel-version": "1"})
    assert refused.status_code == 400 and "Say why the order is cancelled" in refused.get_data(as_text=True)
    asked = office.post(
        f"/orders/{order_id}/cancel", data={"csrf_token": token, "cancel-version": "1", "cancel-reason": "In hospital"}
    )
    assert asked.status_code == 200 and "Yes, cancel the order" in asked.get_data(as_text=True)
    assert _order_of(demo_app, customer_id).status is OrderStatus.RECEIVED  # nothing before the confirmation
    done = office.post(
        f"/orders/{order_id}/cancel",
        data={"csrf_token": token, "cancel-version": "1", "cancel-reason": "In hospital", "cancel-confirmed": "1"},
    )
    assert done.status_code == 302
    order = _order_of(demo_app, customer_id)
    assert order.status is OrderStatus.CANCELLED and "Cancelled: In hospital" in order.notes


def _order_by_id(app, order_id: int) -> Order:
    with app.app_context():
        order = db.session.get(Order, order_id)
        db.session.expunge(order)
        return order


def test_cancel_can_be_undone_until_the_round_is_out(demo_app, office) -> None:
    """Undo brings the order back to its status before cancelling; once an order of the day is out, it cannot."""
    from foodtrain.services.orders.cancelling import cancel_order

    customer_id, _name, _phone = _missing_customer(demo_app)
    day = DAY + timedelta(days=14)
    with demo_app.app_context():
        order_id = save_order(db.session, _branch_id("DG"), customer_id, day, [OrderLineInput("Milk", 1)], "", SYSTEM)
        record_packing(db.session, _branch_id("DG"), order_id, 1, 450, SYSTEM)
        cancel_order(db.session, _branch_id("DG"), order_id, "Away", SYSTEM)
    page = office.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "Undo the cancellation" in page
    done = office.post(
        f"/orders/{order_id}/undo-cancel", data={"csrf_token": csrf_token_from(page), "undo-version": "3"}
    )
    assert done.status_code == 302
    order = _order_by_id(demo_app, order_id)
    assert order.status is OrderStatus.PACKED and order.crates == 1 and "Cancellation undone." in order.notes
    with demo_app.app_context():
        cancel_order(db.session, _branch_id("DG"), order_id, "Away again", SYSTEM)
        other = db.session.scalar(
            select(Order)
            .where(Order.branch_id == _branch_id("DG"), Order.id != order_id, Order.status != OrderStatus.CANCELLED)
            .limit(1)
        )
        other.delivery_date, other.status = day, OrderStatus.OUT_FOR_DELIVERY
        db.session.commit()
    page = office.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "Undo the cancellation" not in page and "already out" in page
    refused = office.post(
        f"/orders/{order_id}/undo-cancel",
        data={"csrf_token": csrf_token_from(page), "undo-version": "5"},
        follow_redirects=True,
    )
    assert "cannot be undone" in refused.get_data(as_text=True)
    assert _order_by_id(demo_app, order_id).status is OrderStatus.CANCELLED


# ---------------------------------------------------------------- roles and branches


def test_drivers_and_anonymous_visitors_get_no_order_pages(demo_app, demo_client) -> None:
    """Drivers get 403 on every order page (GET and POST); anonymous visitors go to the login page."""
    customer_id, _name, _phone = _missing_customer(demo_app)
    with demo_app.app_context():
        order_id = save_order(db.session, _branch_id("DG"), customer_id, DAY, [OrderLineInput("Milk", 1)], "", SYSTEM)
        shop_id = db.session.scalar(select(Shop.id).where(Shop.branch_id == _branch_id("DG")))
    pages = [
        "/orders/",
        f"/orders/?date={DAY}",
        f"/orders/customers?date={DAY}",
        f"/orders/new?customer_id={customer_id}&date={DAY}",
        f"/orders/{order_id}",
        f"/orders/{order_id}/edit",
        f"/orders/shops?date={DAY}",
        f"/orders/shops/{shop_id}/picking?date={DAY}",
    ]
    posts = [
        "/orders/new",
        f"/orders/{order_id}/edit",
        f"/orders/{order_id}/packing",
        f"/orders/{order_id}/delivery",
        f"/orders/{order_id}/cancel",
    ]
    for path in pages:
        response = demo_client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    sign_in(demo_client, "driver-dg")
    token = csrf_token_from(demo_client.get("/").get_data(as_text=True))
    for path in pages:
        assert demo_client.get(path).status_code == 403, path
    for path in posts:
        assert demo_client.post(path, data={"csrf_token": token}).status_code == 403, path
    assert _order_of(demo_app, customer_id).status is OrderStatus.RECEIVED


def test_other_branch_orders_answer_404(demo_app, demo_client) -> None:
    """West Lothian office staff cannot see, change or order for Dumfries & Galloway records."""
    customer_id, _name, _phone = _missing_customer(demo_app)
    with demo_app.app_context():
        order_id = save_order(db.session, _branch_id("DG"), customer_id, DAY, [OrderLineInput("Milk", 1)], "", SYSTEM)
    sign_in(demo_client, "office-wl")
    token = csrf_token_from(demo_client.get("/").get_data(as_text=True))
    assert demo_client.get(f"/orders/{order_id}").status_code == 404
    assert demo_client.get(f"/orders/{order_id}/edit").status_code == 404
    assert demo_client.get(f"/orders/new?customer_id={customer_id}&date={DAY}").status_code == 404
    packing = demo_client.post(
        f"/orders/{order_id}/packing",
        data={"csrf_token": token, "packing-version": "1", "packing-crates": "1", "packing-till_receipt": "1.00"},
    )
    assert packing.status_code == 404
    data = _new_order_post(token, customer_id, save="Save order", **_lines(("Milk", "9", "", True)))
    assert demo_client.post("/orders/new", data=data).status_code == 404
    for path in (
        f"/orders/{order_id}/edit",
        f"/orders/{order_id}/packing",
        f"/orders/{order_id}/delivery",
        f"/orders/{order_id}/cancel",
    ):
        assert demo_client.post(path, data={"csrf_token": token}).status_code == 404, path  # even when incomplete
    assert demo_client.post(f"/orders/{order_id}/edit", data=data | {"version": "1"}).status_code == 404
    order = _order_of(demo_app, customer_id)
    assert order.status is OrderStatus.RECEIVED and [line.quantity for line in order.lines] == [1]
    with demo_app.app_context():
        assert db.session.scalar(select(func.count(OrderLine.id)).where(OrderLine.order_id == order_id)) == 1


def test_coordinator_and_admin_can_use_the_board(demo_client) -> None:
    """Coordinators see the board and have it in their menu."""
    sign_in(demo_client, "coordinator-dg")
    assert demo_client.get(f"/orders/?date={DAY}").status_code == 200
    assert 'href="/orders/"' in demo_client.get("/").get_data(as_text=True)  # in the menu


def test_find_a_customer_for_an_ad_hoc_order(demo_app, office) -> None:
    """Any customer of the branch can be found by name and given an order for the day."""
    with demo_app.app_context():
        customer = db.session.scalar(select(Customer).where(Customer.branch_id == _branch_id("DG")).limit(1))
        last_name = customer.last_name
    page = office.get(f"/orders/customers?date={DAY}&q={last_name}").get_data(as_text=True)
    assert last_name in page and "Take order" in page


def test_absurd_ids_and_values_answer_cleanly(demo_app, office) -> None:
    """Huge ids, NUL bytes and huge numbers give 4xx answers, never a server error, and write nothing."""
    huge = "9" * 30
    token = csrf_token_from(office.get("/").get_data(as_text=True))
    assert office.get(f"/orders/{huge}").status_code == 404
    assert office.get(f"/orders/{2**63}/edit").status_code == 404
    assert office.get(f"/orders/shops/{2**64}/picking?date={DAY}").status_code == 404
    assert office.post(f"/orders/{2**64}/packing", data={"csrf_token": token}).status_code in (400, 404)
    customer_id, _name, _phone = _missing_customer(demo_app)
    for customer in (huge, "0", "-1", "\x00"):
        data = _new_order_post(token, customer_id, save="Save order", **_lines(("Milk", "1", "", True)))
        data["customer_id"] = customer
        assert office.post("/orders/new", data=data).status_code in (400, 404), customer
    data = _new_order_post(
        token,
        customer_id,
        save="Save order",
        **_lines(("Milk\x00", "1", "", True), ("Tea", huge, "", True), ("x" * 5000, "1", "", True)),
    )
    response = office.post("/orders/new", data=data)
    assert response.status_code == 400
    assert _order_count(demo_app, customer_id) == 0


# ---------------------------------------------------------------- in a real browser (Debian's Chromium)


@pytest.fixture
def live_server(demo_app):
    """The demo app served over HTTP on a free local port, for a real browser."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, demo_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


@pytest.mark.browser
def test_phone_order_by_keyboard_in_chromium(demo_app, live_server) -> None:
    """An office volunteer takes a phone order with the keyboard only: Enter moves line by line, a usual
    item is added with one key, a double click on Save keeps one order; no script errors (CSP holds)."""
    import shutil
    from pathlib import Path

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    playwright_api = pytest.importorskip("playwright.sync_api")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed")
    customer_id, name, _phone = _missing_customer(demo_app)
    artifacts = Path("test-artifacts")
    artifacts.mkdir(exist_ok=True)
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            problems: list[str] = []
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on(
                "console",
                lambda message: (
                    problems.append(message.text)
                    if message.type == "error" and "Failed to load resource" not in message.text
                    else None
                ),
            )
            page.on(
                "response",
                lambda response: (
                    problems.append(f"{response.status} {response.url}")
                    if response.status >= 400 and not response.url.endswith("/favicon.ico")
                    else None
                ),
            )
            page.goto(f"{live_server}/login")
            page.fill("#username", "office-dg")
            page.fill("#password", DEMO_PASSWORD)
            with page.expect_navigation():
                page.keyboard.press("Enter")
            page.goto(f"{live_server}/orders/?date={DAY.isoformat()}")
            with page.expect_navigation():
                page.click(f"a[href='/orders/new?customer_id={customer_id}&date={DAY.isoformat()}']")
            assert page.evaluate("document.activeElement.id") == "lines-0-item"
            page.keyboard.type("Milk")
            page.keyboard.press("Tab")
            page.keyboard.press("Control+A")
            page.keyboard.type("2")
            page.keyboard.press("Enter")
            assert page.evaluate("document.activeElement.id") == "lines-1-item"
            page.keyboard.type("Bread")
            page.keyboard.press("Enter")
            page.focus("#lines-14-item")
            page.keyboard.type("Jam")
            page.keyboard.press("Enter")  # Enter on the last line adds one
            assert page.locator("tr.order-line").count() == 16
            usual = page.locator(".usual-item").first
            usual_item = usual.get_attribute("data-item")
            usual.focus()
            page.keyboard.press("Enter")  # one key adds a usual item to the first blank line
            assert page.input_value("#lines-2-item") == usual_item
            assert page.evaluate("document.activeElement.id") == "lines-2-quantity"
            page.screenshot(path=str(artifacts / "orders-entry.png"), full_page=True)
            with page.expect_navigation():
                page.dblclick("#save-order")
            assert "Order saved" in page.inner_text(".flash")
            page.screenshot(path=str(artifacts / "orders-board-after-save.png"), full_page=True)
            assert not problems, problems
        finally:
            browser.close()
    assert _order_count(demo_app, customer_id) == 1
    items = [line.item for line in _order_of(demo_app, customer_id).lines]
    assert items == ["Milk", "Bread", usual_item, "Jam"], name


def test_a_delivery_cannot_be_recorded_before_its_day(demo_app, office, monkeypatch) -> None:
    """An order for next week, packed: 'Delivered' today is refused next to the choice and nothing is recorded."""
    monkeypatch.setattr("web.orders._today", lambda: DAY)
    customer_id, _name, _phone = _missing_customer(demo_app)
    later = DAY + timedelta(days=7)
    with demo_app.app_context():
        branch_id = _branch_id("DG")
        order_id = save_order(db.session, branch_id, customer_id, later, [OrderLineInput("Milk", 1)], "", SYSTEM)
        record_packing(db.session, branch_id, order_id, 1, 1000, SYSTEM)
    token = csrf_token_from(office.get(f"/orders/{order_id}").get_data(as_text=True))
    refused = office.post(
        f"/orders/{order_id}/delivery",
        data={
            "csrf_token": token,
            "delivery-version": "2",
            "delivery-outcome": "delivered",
            "delivery-amount_received": "10.00",
            "delivery-payment_method": "cash",
        },
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert f"This order is for {later:%A %-d %B}: record the delivery on or after that day" in page
    with demo_app.app_context():
        order = db.session.get(Order, order_id)
        assert order.status is OrderStatus.PACKED and order.amount_received_pence is None
