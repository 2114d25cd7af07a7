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


def test_the_order_board_runs_a_fixed_number_of_statements_however_many_orders(demo_app: Flask,
                                                                               demo_client: FlaskClient) -> None:
    """A full day's board (dozens of rows) runs a handful of statements, not one or more per row."""
    sign_in(demo_client, "office-dg")
    with demo_app.app_context():
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
        busy = order_board(db.session, branch_id, DAY)
        assert len(busy.due_with_order) + len(busy.other_orders) >= 10
        quiet_day = next(DAY.replace(day=day) for day in range(1, 29)
                         if db.session.scalar(select(Order.id).where(Order.branch_id == branch_id,
                                                                   Order.delivery_date == DAY.replace(day=day)))
                         is None)
        db.session.remove()
    demo_client.get(f"/orders/?date={quiet_day.isoformat()}")  # warm: the user's session row is fresh
    busy_count, html = _statements(demo_app, demo_client, f"/orders/?date={DAY.isoformat()}")
    # the signed-in session, customers due, their shops, the orders, their customers and shops, line counts,
    # balances (2), shops closed that day: fixed however many rows; a lazy load per row would add dozens
    assert busy_count <= 11, busy_count
    assert html.count("/orders/new?customer_id=") >= 1


def test_order_lines_are_drawn_with_the_attributes_wtforms_gives_them(demo_app: Flask,
                                                                      demo_client: FlaskClient) -> None:
    """The template writes each line's inputs itself: same names, values, ids and limits as the fields' widgets."""
    sign_in(demo_client, "office-dg")
    with demo_app.app_context():
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
        customer_id = order_board(db.session, branch_id, DAY).due_missing[0].customer_id
        db.session.remove()
    _count, html = _statements(demo_app, demo_client, f"/orders/new?customer_id={customer_id}&date={DAY}")
    page_inputs = {attributes["name"]: attributes for attributes in map(_attributes, INPUT.findall(html))
                   if attributes.get("name", "").startswith("lines-")}
    assert len(page_inputs) == 15 * 4
    with demo_app.test_request_context():
        form = OrderForm(meta={"csrf": False})
        line = form.lines.entries[0].form
        widgets = {line.item: "input input--item", line.quantity: "input input--quantity",
                   line.notes: "input input--notes", line.substitute_allowed: "checkbox"}
        for field, css in widgets.items():
            expected = _attributes(str(field(class_=css)))
            assert page_inputs[field.name] == expected, field.name


def test_the_new_order_page_of_a_customer_with_an_order_goes_straight_to_it(demo_app: Flask,
                                                                            demo_client: FlaskClient) -> None:
    """A customer who already has an order that day: the page redirects to it before working out usual items."""
    sign_in(demo_client, "office-dg")
    with demo_app.app_context():
        order = db.session.scalar(select(Order).join(Branch, Order.branch_id == Branch.id)
                                  .where(Branch.code == "DG", Order.delivery_date == DAY))
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
