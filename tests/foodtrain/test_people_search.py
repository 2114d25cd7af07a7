"""The one search rule for people: names in any order and with titles, postcodes with or without the space,
exact districts, phone numbers by digits, streets; the same rule for customers and volunteers."""

from __future__ import annotations

import pytest

from foodtrain.services.people import SearchTerms, parse_search_text, search_customers, search_volunteers
from tests.factories import make_branch, make_customer, make_shop, make_volunteer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Campbell, Margaret", SearchTerms(words=("campbell", "margaret"))),
        ("Mrs Campbell", SearchTerms(words=("campbell",))),
        ("Mrs. M. Campbell", SearchTerms(words=("m", "campbell"))),
        ("dg14ad", SearchTerms(postcode="DG14AD")),
        ("DG1 4AD", SearchTerms(postcode="DG14AD")),
        ("dg1", SearchTerms(district="DG1")),
        ("campbell dg1", SearchTerms(district="DG1", words=("campbell",))),
        ("01387 261 234", SearchTerms(phone_digits="01387261234")),
        ("+44 1387 261234", SearchTerms(phone_digits="01387261234")),
        ("12 Lovers Walk", SearchTerms(words=("12", "lovers", "walk"))),
        ("   ", SearchTerms()),
    ],
)
def test_search_text_is_read_as_people_say_it(text: str, expected: SearchTerms) -> None:
    """Commas and titles are dropped, a postcode is recognised with or without the space, digits make a phone."""
    assert parse_search_text(text) == expected


@pytest.fixture
def people(session):
    branch = make_branch(session)
    shop = make_shop(session, branch)
    margaret = make_customer(
        session,
        branch,
        shop,
        first_name="Margaret",
        last_name="Campbell",
        address_line1="12 Lovers Walk",
        postcode="DG1 4AD",
        phone="01387 261234",
    )
    jean = make_customer(
        session,
        branch,
        shop,
        first_name="Jean",
        last_name="Campbell",
        address_line1="3 Annan Road",
        postcode="DG11 2AB",
        phone="01461 200300",
    )
    ann = make_customer(
        session,
        branch,
        shop,
        first_name="Ann",
        last_name="Margaret-Smith",
        address_line1="7 High Street",
        postcode="DG12 6AA",
        phone="(01461) 261-234",
    )
    other_branch = make_branch(session)
    make_customer(session, other_branch, first_name="Margaret", last_name="Campbell", postcode="DG1 4AD")
    return branch, {"margaret": margaret.id, "jean": jean.id, "ann": ann.id}


def _found(session, branch_id: int, text: str) -> set[int]:
    rows, total = search_customers(session, branch_id, text)
    assert total == len(rows)
    return {row.id for row in rows}


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Campbell, Margaret", {"margaret"}),
        ("margaret campbell", {"margaret"}),
        ("Mrs Campbell", {"margaret", "jean"}),
        ("dg14ad", {"margaret"}),
        ("DG1 4AD", {"margaret"}),
        ("DG1", {"margaret"}),
        ("DG11", {"jean"}),
        ("01387261234", {"margaret"}),
        ("01387 261 234", {"margaret"}),
        ("01461 261234", {"ann"}),
        ("Lovers Walk", {"margaret"}),
        ("annan rd", set()),
        ("annan road", {"jean"}),
        ("campbell dg11", {"jean"}),
        ("100%", set()),
    ],
)
def test_customer_search(session, people, text: str, names: set[str]) -> None:
    """Each way the office looks someone up finds exactly them, within the branch only."""
    branch, ids = people
    assert _found(session, branch.id, text) == {ids[name] for name in names}


def test_volunteer_search_uses_the_same_rule(session) -> None:
    """Volunteers are found by name in any order, title, exact district and phone digits too."""
    branch = make_branch(session)
    isla = make_volunteer(
        session, branch, first_name="Isla", last_name="Campbell", postcode="DG1 4AD", phone="07700 900123"
    )
    make_volunteer(session, branch, first_name="Ross", last_name="Campbell", postcode="DG12 6AA", phone="")

    def found(text: str) -> list[int]:
        return [row.id for row in search_volunteers(session, branch.id, text)[0]]

    assert found("Campbell, Isla") == [isla.id]
    assert found("Ms Campbell isla") == [isla.id]
    assert found("dg1") == [isla.id]
    assert found("dg14ad") == [isla.id]
    assert found("07700900123") == [isla.id]
