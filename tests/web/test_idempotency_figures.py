"""A form posted five times with one token creates one record: customers, orders, rota generation."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from foodtrain.extensions import db
from foodtrain.models import BackgroundJob, Customer, Order
from tests.conftest import csrf_token_from, sign_in
from tests.web.test_order_views import DAY, _lines, _missing_customer, _new_order_post
from tests.web.test_people_views import _branch_shop, _customer_form, _tokens

POSTS = 5


def _count(app, statement) -> int:
    with app.app_context():
        return db.session.scalar(statement)


def test_five_posts_of_one_form_create_one_record(demo_app) -> None:
    office = demo_app.test_client()
    sign_in(office, "office-dg")
    created: dict[str, int] = {}

    _, shop_id = _branch_shop(demo_app, "DG")
    customer_form = _customer_form(shop_id, last_name="Zedfivetimes") | _tokens(office, "/customers/new")
    for _ in range(POSTS):
        assert office.post("/customers/new", data=customer_form).status_code in (302, 303)
    created["customer"] = _count(demo_app, select(func.count(Customer.id)).where(Customer.last_name == "Zedfivetimes"))

    customer_id, _, _ = _missing_customer(demo_app)
    page = office.get(f"/orders/new?customer_id={customer_id}&date={DAY.isoformat()}").get_data(as_text=True)
    order_form = _new_order_post(csrf_token_from(page), customer_id) | _lines(("Porridge oats", "1", "", True))
    for _ in range(POSTS):
        assert office.post("/orders/new", data=order_form).status_code in (302, 303)
    created["order"] = _count(
        demo_app, select(func.count(Order.id)).where(Order.customer_id == customer_id, Order.delivery_date == DAY)
    )

    coordinator = demo_app.test_client()
    sign_in(coordinator, "coordinator-dg")
    page = coordinator.get("/rota/").get_data(as_text=True)
    rota_form = {
        "csrf_token": csrf_token_from(page),
        "month": "2026-12",
        "time_limit_s": "1",
        "form_token": re.search(r'name="form_token" type="hidden" value="([^"]+)"', page).group(1),
    }
    jobs_before = _count(demo_app, select(func.count(BackgroundJob.id)))
    for _ in range(POSTS):
        assert coordinator.post("/rota/generate", data=rota_form).status_code in (302, 303)
    created["rota generation"] = _count(demo_app, select(func.count(BackgroundJob.id))) - jobs_before

    print(
        f"\nidempotency: {len(created)} forms x {POSTS} posts with one token, records created = "
        f"{sum(created.values())} (expected {len(created)})"
    )
    assert created == {"customer": 1, "order": 1, "rota generation": 1}
