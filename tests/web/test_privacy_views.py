"""Admins handle subject access and erasure requests from the browser."""
from __future__ import annotations

import json

from sqlalchemy import select

from foodtrain.extensions import db
from foodtrain.models import Branch, Customer
from foodtrain.services.privacy import ERASED
from tests.conftest import csrf_token_from, sign_in


def _dg_customer_id(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(select(Customer.id).join(Branch).where(Branch.code == "DG").limit(1))


def test_admin_exports_and_erases_a_customer(demo_app, demo_client) -> None:  # type: ignore[no-untyped-def]
    customer_id = _dg_customer_id(demo_app)
    sign_in(demo_client, "admin")
    exported = demo_client.get(f"/privacy/customers/{customer_id}/export.json")
    assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
    assert json.loads(exported.data)["data"]["customers"][0]["id"] == customer_id
    assert demo_client.get(f"/privacy/customers/{customer_id}/export.csv").status_code == 200
    page = demo_client.get(f"/privacy/customers/{customer_id}").get_data(as_text=True)
    refused = demo_client.post(f"/privacy/customers/{customer_id}/erase",
                               data={"csrf_token": csrf_token_from(page), "confirmation": "erase"})
    assert refused.status_code == 400 and "Type ERASE" in refused.get_data(as_text=True)
    with demo_app.app_context():
        assert db.session.get(Customer, customer_id).first_name != ERASED
    done = demo_client.post(f"/privacy/customers/{customer_id}/erase",
                            data={"csrf_token": csrf_token_from(page), "confirmation": "ERASE"})
    assert done.status_code == 302
    with demo_app.app_context():
        assert db.session.get(Customer, customer_id).first_name == ERASED


def test_only_admins_reach_privacy_pages(demo_app, demo_client) -> None:  # type: ignore[no-untyped-def]
    customer_id = _dg_customer_id(demo_app)
    sign_in(demo_client, "coordinator-dg")
    assert demo_client.get(f"/privacy/customers/{customer_id}").status_code == 403
    assert demo_client.get(f"/privacy/customers/{customer_id}/export.json").status_code == 403
    assert demo_client.get("/privacy/nonsense/1").status_code == 403
