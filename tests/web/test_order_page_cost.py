"""What the office's busiest pages cost: SQL statements bounded (no query per row), order lines drawn as
WTForms would draw them (the template writes them out itself, for speed), the new-order page's shortcut.

No timings here (they depend on the machine): `python -m web.page_cost` prints those.
"""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from foodtrain.extensions import db
from foodtrain.models import Branch, Order
from foodtrain.services.orders.board import order_board
from tests.conftest import DEMO_TODAY, sign_in
from web.order_forms import OrderForm
from web.page_cost import StatementCounter

DAY = DEMO_TODAY
INPUT = re.compile(r"<input[^>]*>")


def _statements(app: Flask, client: FlaskClient, path: str) -> tuple[int, str]:
    counter = StatementCounter(app)
    try:
        response = client.get(path)
    finally:
        counter.close()
    assert response.status_code in (200, 302), (path, response.status_code)
    return counter.count, response.get_data(as_text=True)


def _attributes(tag: str) -> dict[str, str]:
    return dict(re.findall(r'([\w-]+)(?:="([^"]*)")?', tag.strip("<>"))[1:])


def test_the_order_board_runs_a_fixed_number_of_statements_however_many_orders(
    demo_app: Flask, demo_client: FlaskClient
) -> None:
    """A full day's board (dozens of rows) runs a handful of statements, not one or more per row."""
    sign_in(demo_client, "office-dg")
    with demo_app.app_context():
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
        busy = order_board(db.session, branch_id, DAY)
        assert len(busy.due_with_order) + len(busy.other_orders) >= 10
        quiet_day = next(
            DAY.replace(day=day)
            for day in range(1, 29)
            if db.session.scalar(
                select(Order.id).where(Order.branch_id == branch_id, Order.delivery_date == DAY.replace(day=day))
            )
            is None
        )
        db.session.remove()
    demo_client.get(f"/orders/?date={quiet_day.isoformat()}")  # warm: the user's session row is fresh
    busy_count, html = _statements(demo_app, demo_client, f"/orders/?date={DAY.isoformat()}")
    # the signed-in session, customers due, their shops, the orders, their customers and shops, line counts,
    # balances (2), shops closed that day: fixed however many rows; a lazy load per row would add dozens
    assert busy_count <= 11, busy_count
    assert html.count("/orders/new?customer_id=") >= 1


def test_order_lines_are_drawn_with_the_attributes_wtforms_gives_them(
    demo_app: Flask, demo_client: FlaskClient
) -> None:
    """The template writes each line's inputs itself: same names, values, ids and limits as the fields' widgets."""
    sign_in(demo_client, "office-dg")
    with demo_app.app_context():
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
        customer_id = order_board(db.session, branch_id, DAY).due_missing[0].customer_id
        db.session.remove()
    _count, html = _statements(demo_app, demo_client, f"/orders/new?customer_id={customer_id}&date={DAY}")
    page_inputs = {
        attributes["name"]: attributes
        for attributes in map(_attributes, INPUT.findall(html))
        if attributes.get("name", "").startswith("lines-")
    }
    assert len(page_inputs) == 15 * 4
    with demo_app.test_request_context():
        form = OrderForm(meta={"csrf": False})
        line = form.lines.entries[0].form
        widgets = {
            line.item: "input input--item",
            line.quantity: "input input--quantity",
            line.notes: "input input--notes",
            line.substitute_allowed: "checkbox",
        }
        for field, css in widgets.items():
            expected = _attributes(str(field(class_=css)))
            assert page_inputs[field.name] == expected, field.name


def test_the_new_order_page_of_a_customer_with_an_order_goes_straight_to_it(
    demo_app: Flask, demo_client: FlaskClient
) -> None:
    """A customer who already has an order that day: the page redirects to it before working out usual items."""
    sign_in(demo_client, "office-dg")
    with demo_app.app_context():
        order = db.session.scalar(
            select(Order)
            .join(Branch, Order.branch_id == Branch.id)
            .where(Branch.code == "DG", Order.delivery_date == DAY)
        )
        customer_id, order_id = order.customer_id, order.id
        db.session.remove()
    demo_client.get(f"/orders/?date={DAY.isoformat()}")
    count, _html = _statements(demo_app, demo_client, f"/orders/new?customer_id={customer_id}&date={DAY}")
    response = demo_client.get(f"/orders/new?customer_id={customer_id}&date={DAY}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/orders/{order_id}/edit")
    assert count <= 4, count  # the signed-in user's session, its branch check, and the order's id


def test_each_role_sees_its_own_menu_worked_out_once(demo_app: Flask) -> None:
    """The main menu (each role's entries, now computed once at start-up instead of on every page) still
    shows the office its entries only, an admin the admin entries too, and marks the page's own entry."""
    menus = {}
    for username in ("office-dg", "admin"):
        client = demo_app.test_client()
        sign_in(client, username)
        html = client.get("/orders/", follow_redirects=True).get_data(as_text=True)
        menus[username] = re.findall(r'<li><a href="([^"]+)"( aria-current="page")?>', html)
    office, admin = ({href for href, _current in menus[name]} for name in ("office-dg", "admin"))
    assert "/orders/" in office and "/customers/" in office and "/users/" not in office
    assert "/users/" in admin and office - admin == set()
    assert [href for href, current in menus["office-dg"] if current] == ["/orders/"]


def _due_missing_customers(app: Flask, count: int) -> list[int]:
    """Customers of DG due on DAY with no order yet (the demo leaves several)."""
    with app.app_context():
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
        missing = [entry.customer_id for entry in order_board(db.session, branch_id, DAY).due_missing[:count]]
        db.session.remove()
    assert len(missing) == count, missing
    return missing


def _order_lines(count: int, first_item: str = "Item") -> dict[str, str]:
    fields: dict[str, str] = {}
    for index in range(count):
        fields |= {
            f"lines-{index}-item": f"{first_item} {index + 1}",
            f"lines-{index}-quantity": "2",
            f"lines-{index}-notes": "",
            f"lines-{index}-substitute_allowed": "y",
        }
    return fields


def _post_statements(app: Flask, client: FlaskClient, path: str, fields: dict[str, str]) -> int:
    """SQL statements of one POST (the redirect it answers with is not followed)."""
    page = client.get(path, follow_redirects=True)
    hidden = dict(
        re.findall(
            r'name="(csrf_token|customer_id|delivery_date|version)" (?:type="hidden" )?'
            r'value="([^"]*)"',
            page.get_data(as_text=True),
        )
    )
    counter = StatementCounter(app)
    try:
        response = client.post(page.request.path, data={**hidden, **fields, "save": "Save order"})
    finally:
        counter.close()
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return counter.count


def test_saving_an_order_runs_the_same_statements_with_one_line_or_twenty(
    demo_app: Flask, demo_client: FlaskClient
) -> None:
    """Taking an order (and changing it) costs a fixed number of statements however many lines it has:
    its lines are written in one statement, never one per line (an N+1 here slows the busiest page)."""
    sign_in(demo_client, "office-dg")
    one, twenty = _due_missing_customers(demo_app, 2)
    demo_client.get(f"/orders/?date={DAY.isoformat()}")  # warm: the user's session row is fresh
    new_one = _post_statements(demo_app, demo_client, f"/orders/new?customer_id={one}&date={DAY}", _order_lines(1))
    new_twenty = _post_statements(
        demo_app, demo_client, f"/orders/new?customer_id={twenty}&date={DAY}", _order_lines(20)
    )
    assert new_one == new_twenty, (new_one, new_twenty)
    # BEGIN, the signed-in session, the customer with their order that day (one statement), the closure
    # check, the shop-closed check (service breaks), the delivery charge, the order, its lines (one INSERT
    # for all), the audit event; then the saved order (with its customer and shop) and its lines for the
    # message: 12. Was 15 before one statement found the customer and their order and the saved order was
    # read with its customer and shop (and 11 before shops could be closed for dates).
    assert new_one <= 12, new_one
    # Changing the order: the order with its customer, its lines (for the same-content check), the version
    # UPDATE, one DELETE of the old lines, one INSERT of the new, the audit event, then the message's reads.
    edit_one = _post_statements(
        demo_app, demo_client, f"/orders/new?customer_id={one}&date={DAY}", _order_lines(20, "Changed")
    )
    edit_twenty = _post_statements(
        demo_app, demo_client, f"/orders/new?customer_id={twenty}&date={DAY}", _order_lines(1, "Changed")
    )
    assert edit_one == edit_twenty, (edit_one, edit_twenty)
    assert edit_one <= 12, edit_one


def test_the_order_page_runs_a_fixed_number_of_statements(demo_app: Flask, demo_client: FlaskClient) -> None:
    """The new-order page: BEGIN, the session, the order-that-day check, the customer with their shop, their
    support needs, their usual items (one statement for the last orders' lines), the closure check, the
    shop-closed check: 8. Was 11 (the order-that-day check and the customer asked twice, the shop and the
    usual items apart)."""
    sign_in(demo_client, "office-dg")
    (customer_id,) = _due_missing_customers(demo_app, 1)
    demo_client.get(f"/orders/?date={DAY.isoformat()}")
    count, html = _statements(demo_app, demo_client, f"/orders/new?customer_id={customer_id}&date={DAY}")
    assert 'id="order-form"' in html
    assert count <= 8, count
