"""Admins handle subject access and erasure requests from the browser."""

from __future__ import annotations

import json

from sqlalchemy import select

from foodtrain.extensions import db
from foodtrain.models import Branch, Customer
from foodtrain.services.privacy import ERASED
from tests.conftest import csrf_token_from, sign_in


def _dg_customer_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Customer.id).join(Branch).where(Branch.code == "DG").limit(1))


def test_admin_exports_and_erases_a_customer(demo_app, demo_client) -> None:
    customer_id = _dg_customer_id(demo_app)
    sign_in(demo_client, "admin")
    exported = demo_client.get(f"/privacy/customers/{customer_id}/export.json")
    assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
    assert json.loads(exported.data)["data"]["customers"][0]["id"] == customer_id
    assert demo_client.get(f"/privacy/customers/{customer_id}/export.csv").status_code == 200
    page = demo_client.get(f"/privacy/customers/{customer_id}").get_data(as_text=True)
    refused = demo_client.post(
        f"/privacy/customers/{customer_id}/erase", data={"csrf_token": csrf_token_from(page), "confirmation": "erase"}
    )
    assert refused.status_code == 400 and "Type ERASE" in refused.get_data(as_text=True)
    with demo_app.app_context():
        assert db.session.get(Customer, customer_id).first_name != ERASED
    done = demo_client.post(
        f"/privacy/customers/{customer_id}/erase", data={"csrf_token": csrf_token_from(page), "confirmation": "ERASE"}
    )
    assert done.status_code == 302
    with demo_app.app_context():
        assert db.session.get(Customer, customer_id).first_name == ERASED


def test_only_admins_reach_privacy_pages(demo_app, demo_client) -> None:
    customer_id = _dg_customer_id(demo_app)
    sign_in(demo_client, "coordinator-dg")
    assert demo_client.get(f"/privacy/customers/{customer_id}").status_code == 403
    assert demo_client.get(f"/privacy/customers/{customer_id}/export.json").status_code == 403
    assert demo_client.get("/privacy/nonsense/1").status_code == 403


def test_an_order_cancelled_by_erasure_cannot_be_brought_back(demo_app, demo_client) -> None:
    """Undoing the cancellation would put an erased customer's order back on a van: the order page offers no
    undo and says why, and a crafted undo post is refused; the order stays cancelled."""
    from datetime import timedelta

    from foodtrain.clock import branch_today
    from foodtrain.models import Order, OrderStatus

    customer_id = _dg_customer_id(demo_app)
    with demo_app.app_context():
        customer = db.session.get(Customer, customer_id)
        order = Order(
            branch_id=customer.branch_id,
            customer_id=customer.id,
            shop_id=customer.shop_id,
            delivery_date=branch_today() + timedelta(days=3),
            delivery_charge_pence=300,
        )
        db.session.add(order)
        db.session.commit()
        order_id = order.id
    sign_in(demo_client, "admin")
    page = demo_client.get(f"/privacy/customers/{customer_id}").get_data(as_text=True)
    assert (
        demo_client.post(
            f"/privacy/customers/{customer_id}/erase",
            data={"csrf_token": csrf_token_from(page), "confirmation": "ERASE"},
        ).status_code
        == 302
    )
    with demo_app.app_context():
        order = db.session.get(Order, order_id)
        assert order.status is OrderStatus.CANCELLED
        version = order.version
    page = demo_client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "Undo the cancellation" not in page and "details were erased" in page
    refused = demo_client.post(
        f"/orders/{order_id}/undo-cancel",
        data={"csrf_token": csrf_token_from(page), "undo-version": str(version)},
        follow_redirects=True,
    )
    assert "cannot be undone" in refused.get_data(as_text=True)
    with demo_app.app_context():
        assert db.session.get(Order, order_id).status is OrderStatus.CANCELLED
