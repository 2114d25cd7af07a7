"""A likely-duplicate customer is caught before it is added: same name and date of birth, same address,
or same phone number; the office can confirm a different person; erased records never match."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from foodtrain.models import Customer
from foodtrain.services import customers as customer_service
from foodtrain.services.audit import Actor
from foodtrain.services.customers import CustomerDetails, LikelyDuplicateError
from foodtrain.services.privacy import ERASED
from tests.factories import make_branch, make_customer, make_shop

TODAY = date(2026, 11, 25)


def _details(shop_id: int, **overrides) -> CustomerDetails:
    fields = dict(
        first_name="Margaret",
        last_name="Campbell",
        address_line1="12 Lovers Walk",
        town="Dumfries",
        postcode="DG1 4AD",
        shop_id=shop_id,
        delivery_weekday=1,
        frequency_anchor_date=date(2026, 12, 1),
        date_of_birth=date(1941, 3, 2),
        phone="01387 261234",
    )
    return CustomerDetails(**(fields | overrides))


@pytest.fixture
def on_file(session):
    branch = make_branch(session)
    shop = make_shop(session, branch)
    existing = make_customer(
        session,
        branch,
        shop,
        first_name="Margaret",
        last_name="Campbell",
        address_line1="12 Lovers Walk",
        postcode="DG1 4AD",
        phone="01387 261234",
        date_of_birth=date(1941, 3, 2),
    )
    session.commit()
    return branch, shop, existing


def _create(session, branch, shop, token: str = "t1", confirmed: bool = False, **overrides) -> int:
    return customer_service.create_customer(
        session,
        branch.id,
        _details(shop.id, **overrides),
        actor=Actor(user_id=None, username="tester"),
        form_token=token,
        today=TODAY,
        confirmed_not_duplicate=confirmed,
    )


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        (
            {"address_line1": "1 Other Street", "postcode": "DG2 7AA", "phone": "", "first_name": "MARGARET"},
            "same name and date of birth",
        ),
        (
            {
                "first_name": "Jean",
                "date_of_birth": None,
                "phone": "",
                "address_line1": "12  lovers walk",
                "postcode": "dg14ad",
            },
            "same address",
        ),
        (
            {
                "first_name": "Jean",
                "address_line1": "1 Other Street",
                "postcode": "DG2 7AA",
                "phone": "+44 (1387) 261-234",
            },
            "same phone number",
        ),
    ],
)
def test_each_kind_of_likeness_is_caught(session, on_file, overrides, reason) -> None:
    """Nothing is added; the error names the record on file and why it looks the same."""
    branch, shop, existing = on_file
    with pytest.raises(LikelyDuplicateError) as caught:
        _create(session, branch, shop, **overrides)
    session.rollback()
    [duplicate] = caught.value.duplicates
    assert duplicate.customer_id == existing.id and reason in duplicate.reasons
    assert session.scalar(select(func.count(Customer.id))) == 1


def test_a_different_person_is_added_without_a_warning(session, on_file) -> None:
    """Same surname, another first name, address and phone: no warning."""
    branch, shop, _ = on_file
    _create(
        session,
        branch,
        shop,
        first_name="Jean",
        address_line1="3 Annan Road",
        postcode="DG11 2AB",
        phone="01461 200300",
    )
    assert session.scalar(select(func.count(Customer.id))) == 2


def test_confirmed_different_person_is_added(session, on_file) -> None:
    """After the office confirms (twins at one address, say), the customer is added once."""
    branch, shop, _ = on_file
    first = _create(session, branch, shop, confirmed=True, first_name="Jean")
    assert _create(session, branch, shop, confirmed=True, first_name="Jean") == first  # same form token
    assert session.scalar(select(func.count(Customer.id))) == 2


def test_erased_and_other_branch_records_never_match(session, on_file) -> None:
    """An erased record keeps no identity to match; another branch's customers are not this office's to show."""
    branch, shop, existing = on_file
    existing.first_name = existing.last_name = existing.address_line1 = ERASED
    existing.phone = ""
    other = make_branch(session)
    make_customer(
        session,
        other,
        first_name="Margaret",
        last_name="Campbell",
        address_line1="12 Lovers Walk",
        postcode="DG1 4AD",
        phone="01387 261234",
        date_of_birth=date(1941, 3, 2),
    )
    session.commit()
    assert (
        customer_service.likely_duplicates(
            session,
            branch.id,
            {
                "first_name": "Margaret",
                "last_name": "Campbell",
                "date_of_birth": date(1941, 3, 2),
                "address_line1": "12 Lovers Walk",
                "postcode": "DG1 4AD",
                "phone": "01387 261234",
            },
        )
        == []
    )
