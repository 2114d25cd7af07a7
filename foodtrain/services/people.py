"""Looking up customers and volunteers, always within one branch."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload
from sqlalchemy.sql.base import ExecutableOption as ORMOption

from foodtrain.field_rules import is_valid_id
from foodtrain.models import Customer, CustomerStatus, Volunteer, VolunteerRole, VolunteerRoleAssignment
from foodtrain.postcodes import InvalidPostcodeError, normalise_postcode, postcode_district
from foodtrain.services.errors import NotFoundError


class BranchRecord(Protocol):
    """A record that belongs to one branch: what get_in_branch needs of a model."""

    @property
    def id(self) -> int: ...

    @property
    def branch_id(self) -> int: ...


BranchOwned = TypeVar("BranchOwned", bound=BranchRecord)

PAGE_SIZE = 50


def in_branch(statement: Select, model: type[Any], branch_id: int) -> Select:
    """Restrict a query to one branch: the single place where branch scoping is applied."""
    return statement.where(model.branch_id == branch_id)


def get_in_branch(
    session: Session, model: type[BranchOwned], record_id: int, branch_id: int, *options: ORMOption
) -> BranchOwned:
    """A record of the branch, or NotFoundError (a record of another branch is not found either).
    ``options``: loader options (e.g. joinedload of what the caller reads next, in the same statement)."""
    if not is_valid_id(record_id):  # beyond the database's integers: no such record, and no overflow
        raise NotFoundError(f"No {model.__name__.lower()} {record_id!r} in this branch.")
    record = session.scalar(in_branch(select(model).filter_by(id=record_id), model, branch_id).options(*options))
    if record is None:
        raise NotFoundError(f"No {model.__name__.lower()} {record_id} in this branch.")
    return record


# Courtesy titles people say on the phone ("Mrs Campbell"); never part of a stored name.
NAME_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "rev", "revd", "sir", "dame", "lady", "lord", "prof"})
# A run of at least this many digits is a phone number, not a house number.
PHONE_SEARCH_MIN_DIGITS = 5
_PHONE_TEXT = re.compile(r"[\d\s+()\-.]+")


@dataclass(frozen=True)
class SearchTerms:
    """What one search box's text asks for: every part given must match (AND)."""

    postcode: str | None = None  # a full postcode, compact ("DG14AD")
    district: str | None = None  # an exact district ("DG1": never DG11 or DG12)
    phone_digits: str | None = None  # digits only, a leading +44 read as 0
    words: tuple[str, ...] = ()  # lower-case words of a name, street or town, in any order


def phone_digits(text: str) -> str:
    """A phone number as digits only, a leading +44 read as 0 (how two numbers are compared)."""
    digits = re.sub(r"\D", "", text)
    if text.strip().startswith("+44") or (digits.startswith("44") and len(digits) >= 12):
        digits = "0" + digits[2:]
    return digits


def parse_search_text(text: str) -> SearchTerms:
    """Read a search box: postcode with or without the space, a district, a phone number, or words.

    Words may come in any order, with commas ("Campbell, Margaret") and titles ("Mrs Campbell"),
    which are dropped.
    """
    text = (text or "").strip()[:100]
    if not text:
        return SearchTerms()
    if _PHONE_TEXT.fullmatch(text) and len(phone_digits(text)) >= PHONE_SEARCH_MIN_DIGITS:
        return SearchTerms(phone_digits=phone_digits(text))
    tokens = [token for token in re.split(r"[\s,;.]+", text) if token]
    postcode = None
    # A full postcode: the whole text, two neighbouring words ("DG1 4AD") or one ("dg14ad").
    for start in range(len(tokens)):
        for width in (2, 1):
            if start + width > len(tokens):
                continue
            try:
                found = normalise_postcode("".join(tokens[start : start + width]))
            except InvalidPostcodeError:
                continue
            postcode = found.replace(" ", "")
            del tokens[start : start + width]
            break
        if postcode:
            break
    district = None
    words: list[str] = []
    for token in tokens:
        as_district = postcode_district(token)
        if as_district and district is None and postcode is None:
            district = as_district
        elif token.lower().rstrip(".") not in NAME_TITLES:
            words.append(token.lower())
    return SearchTerms(postcode=postcode, district=district, phone_digits=None, words=tuple(words[:6]))


def _compact_postcode(model: type[Customer] | type[Volunteer]) -> ColumnElement:
    return func.replace(func.upper(model.postcode), " ", "")


def phone_digits_column(column: ColumnElement[str] | InstrumentedAttribute[str]) -> ColumnElement[str]:
    """SQL for phone_digits() of a stored phone column."""
    for mark in (" ", "-", "(", ")", "."):
        column = func.replace(column, mark, "")
    return func.replace(func.replace(column, "+44", "0"), "+", "")


def person_search_conditions(model: type[Customer] | type[Volunteer], text: str) -> list[ColumnElement]:
    """The one search rule for people (customers and volunteers): conditions that must all hold.

    Names match in any order and without titles; postcodes match with or without the space; a district
    matches exactly; phone numbers compare digits only; words also match the street and town where the
    record has them.
    """
    terms = parse_search_text(text)
    conditions: list[ColumnElement] = []
    if terms.postcode:
        conditions.append(_compact_postcode(model) == terms.postcode)
    if terms.district:
        # The inward code is always three characters: "DG1" + 3 is DG1 4AD, never DG11 4AD.
        conditions.append(_compact_postcode(model).like(terms.district + "___"))
    if terms.phone_digits:
        conditions.append(phone_digits_column(model.phone).contains(terms.phone_digits, autoescape=True))
    searched = [model.first_name, model.last_name]
    searched += [getattr(model, name) for name in ("address_line1", "address_line2", "town") if hasattr(model, name)]
    for word in terms.words:
        conditions.append(or_(*(func.lower(column).contains(word, autoescape=True) for column in searched)))
    return conditions


def search_customers(
    session: Session, branch_id: int, text: str = "", status: CustomerStatus | None = None, page: int = 1
) -> tuple[Sequence[Customer], int]:
    """Customers of the branch matching the search text (person_search_conditions) and status; (page of rows, total)."""
    statement = in_branch(select(Customer), Customer, branch_id)
    for condition in person_search_conditions(Customer, text):
        statement = statement.where(condition)
    if status is not None:
        statement = statement.where(Customer.status == status)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.scalars(
        statement.options(selectinload(Customer.shop))
        .order_by(Customer.last_name, Customer.first_name, Customer.id)
        .limit(PAGE_SIZE)
        .offset((max(page, 1) - 1) * PAGE_SIZE)
    ).all()
    return rows, total


def search_volunteers(
    session: Session,
    branch_id: int,
    text: str = "",
    role: VolunteerRole | None = None,
    include_former: bool = False,
    page: int = 1,
) -> tuple[Sequence[Volunteer], int]:
    """Volunteers of the branch matching the search text (person_search_conditions) and role; (page of rows, total)."""
    statement = in_branch(select(Volunteer), Volunteer, branch_id)
    for condition in person_search_conditions(Volunteer, text):
        statement = statement.where(condition)
    if role is not None:
        statement = statement.where(
            Volunteer.id.in_(select(VolunteerRoleAssignment.volunteer_id).where(VolunteerRoleAssignment.role == role))
        )
    if not include_former:
        statement = statement.where(Volunteer.left_on.is_(None))
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.scalars(
        statement.options(selectinload(Volunteer.roles))
        .order_by(Volunteer.last_name, Volunteer.first_name, Volunteer.id)
        .limit(PAGE_SIZE)
        .offset((max(page, 1) - 1) * PAGE_SIZE)
    ).all()
    return rows, total
