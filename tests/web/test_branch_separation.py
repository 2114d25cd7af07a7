"""Each user sees only their own branch, and only what their role needs."""

from __future__ import annotations

from sqlalchemy import select

from foodtrain.extensions import db
from foodtrain.models import Branch, Customer, Volunteer
from tests.conftest import sign_in


def _ids(app, model, code: str) -> list[int]:
    with app.app_context():
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == code))
        return list(db.session.scalars(select(model.id).where(model.branch_id == branch_id).limit(3)))


def test_other_branch_records_answer_404(demo_app, demo_client) -> None:
    """Dumfries & Galloway office staff get 404 for West Lothian customers and volunteers."""
    sign_in(demo_client, "office-dg")
    for customer_id in _ids(demo_app, Customer, "WL"):
        assert demo_client.get(f"/customers/{customer_id}").status_code == 404
    for volunteer_id in _ids(demo_app, Volunteer, "WL"):
        assert demo_client.get(f"/volunteers/{volunteer_id}").status_code == 404
    for customer_id in _ids(demo_app, Customer, "DG"):
        assert demo_client.get(f"/customers/{customer_id}").status_code == 200


def test_lists_show_only_the_own_branch(demo_app, demo_client) -> None:
    """The West Lothian list names no Dumfries & Galloway customer, and the count matches the branch."""
    with demo_app.app_context():
        wl = db.session.scalar(select(Branch).where(Branch.code == "WL"))
        wl_towns = {c.town for c in db.session.scalars(select(Customer).where(Customer.branch_id == wl.id))}
        wl_count = len(db.session.scalars(select(Customer.id).where(Customer.branch_id == wl.id)).all())
    sign_in(demo_client, "office-wl")
    page = demo_client.get("/customers/").get_data(as_text=True)
    assert f"{wl_count} customers" in page
    assert "Dumfries" not in page and "Stranraer" not in page
    assert any(town in page for town in wl_towns)


def test_search_finds_by_name_and_postcode(demo_app, demo_client) -> None:
    with demo_app.app_context():
        customer = db.session.scalar(select(Customer).join(Branch).where(Branch.code == "DG").limit(1))
        last_name, postcode = customer.last_name, customer.postcode
    sign_in(demo_client, "office-dg")
    assert last_name in demo_client.get(f"/customers/?q={last_name}").get_data(as_text=True)
    assert postcode in demo_client.get(f"/customers/?q={postcode.replace(' ', '+')}").get_data(as_text=True)
    assert "0 customers" in demo_client.get("/customers/?q=zzzznotaname").get_data(as_text=True)


def test_driver_cannot_browse_customers_or_volunteers(demo_client) -> None:
    sign_in(demo_client, "driver-dg")
    assert demo_client.get("/").status_code == 200
    assert demo_client.get("/customers/").status_code == 403
    assert demo_client.get("/volunteers/").status_code == 403


def test_pvg_details_only_for_coordinators(demo_app, demo_client) -> None:
    """Office staff see volunteers without their PVG record; coordinators see it, and the view is audited."""
    volunteer_id = _ids(demo_app, Volunteer, "DG")[0]
    sign_in(demo_client, "office-dg")
    assert "PVG" not in demo_client.get(f"/volunteers/{volunteer_id}").get_data(as_text=True)
    demo_client.post("/logout")
    client = demo_app.test_client()
    sign_in(client, "coordinator-dg")
    assert "PVG" in client.get(f"/volunteers/{volunteer_id}").get_data(as_text=True)
    from foodtrain.models import AuditEvent

    with demo_app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == volunteer_id)).all()
    assert "volunteer.view_pvg" in actions


def test_customer_view_is_audited(demo_app, demo_client) -> None:
    from foodtrain.models import AuditEvent

    customer_id = _ids(demo_app, Customer, "DG")[0]
    sign_in(demo_client, "office-dg")
    demo_client.get(f"/customers/{customer_id}")
    with demo_app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "customer.view_sensitive"))
        assert event.entity_id == customer_id and event.username == "office-dg"
