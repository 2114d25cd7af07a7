"""The new-customer form warns about a likely duplicate, links to the record on file, keeps what was typed,
and adds the customer once the office confirms a different person."""

from __future__ import annotations

from sqlalchemy import select

from foodtrain.extensions import db
from foodtrain.models import Branch, Customer, CustomerStatus
from tests.conftest import sign_in
from tests.web.test_people_views import _branch_shop, _count, _customer_form, _tokens


def test_duplicate_warning_links_to_the_existing_record(demo_app, demo_client) -> None:
    with demo_app.app_context():
        existing = db.session.scalar(
            select(Customer)
            .join(Branch)
            .where(Branch.code == "DG", Customer.status == CustomerStatus.ACTIVE, Customer.phone != "")
            .limit(1)
        )
        existing_id, phone = existing.id, existing.phone
    _, shop_id = _branch_shop(demo_app, "DG")
    sign_in(demo_client, "office-dg")
    data = _customer_form(shop_id, phone=phone.replace(" ", "")) | _tokens(demo_client, "/customers/new")
    response = demo_client.post("/customers/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Already on file?" in page and f'href="/customers/{existing_id}"' in page and "same phone number" in page
    assert 'value="Zedkerr"' in page  # nothing typed is lost
    assert _count(demo_app, Customer, last_name="Zedkerr") == 0
    confirmed = demo_client.post("/customers/new", data=data | {"not_a_duplicate": "y"})
    assert confirmed.status_code == 302
    assert _count(demo_app, Customer, last_name="Zedkerr") == 1
