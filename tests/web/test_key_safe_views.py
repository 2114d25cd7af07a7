"""Key-safe codes are written by the office, stored encrypted, and never shown back on a page."""

from __future__ import annotations

from sqlalchemy import select

from foodtrain.encryption import FieldCipher
from foodtrain.extensions import db
from foodtrain.models import AuditEvent, Branch, Customer
from tests.conftest import csrf_token_from, sign_in


def test_office_sets_a_code_that_is_encrypted_and_never_displayed(demo_app, demo_client) -> None:
    with demo_app.app_context():
        customer_id = db.session.scalar(select(Customer.id).join(Branch).where(Branch.code == "DG").limit(1))
    sign_in(demo_client, "office-dg")
    page = demo_client.get(f"/customers/{customer_id}").get_data(as_text=True)
    response = demo_client.post(
        f"/customers/{customer_id}/key-safe", data={"csrf_token": csrf_token_from(page), "code": "C4821X"}
    )
    assert response.status_code == 302
    shown = demo_client.get(f"/customers/{customer_id}").get_data(as_text=True)
    assert "A code is on file" in shown and "C4821X" not in shown
    with demo_app.app_context():
        customer = db.session.get(Customer, customer_id)
        assert "C4821X" not in customer.key_safe_code_encrypted
        cipher = FieldCipher(demo_app.config["ENCRYPTION_KEY"].encode())
        assert cipher.decrypt(customer.key_safe_code_encrypted) == "C4821X"
        details = db.session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "customer.key_safe_set")
        ).all()
        assert details and all("C4821X" not in detail for detail in details)
    removed = demo_client.post(
        f"/customers/{customer_id}/key-safe", data={"csrf_token": csrf_token_from(page), "code": ""}
    )
    assert removed.status_code == 302
    with demo_app.app_context():
        assert db.session.get(Customer, customer_id).key_safe_code_encrypted is None


def test_other_branch_and_drivers_cannot_set_codes(demo_app, demo_client) -> None:
    with demo_app.app_context():
        customer_id = db.session.scalar(select(Customer.id).join(Branch).where(Branch.code == "DG").limit(1))
    sign_in(demo_client, "office-wl")
    token = csrf_token_from(demo_client.get("/account/").get_data(as_text=True))
    assert (
        demo_client.post(f"/customers/{customer_id}/key-safe", data={"csrf_token": token, "code": "1"}).status_code
        == 404
    )
    driver = demo_app.test_client()
    sign_in(driver, "driver-dg")
    token = csrf_token_from(driver.get("/account/").get_data(as_text=True))
    assert driver.post(f"/customers/{customer_id}/key-safe", data={"csrf_token": token, "code": "1"}).status_code == 403
