"""Looking up customers and volunteers, always within one branch."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from foodtrain.field_rules import is_valid_id
from foodtrain.models import Customer, CustomerStatus, Volunteer, VolunteerRole, VolunteerRoleAssignment
from foodtrain.services.errors import NotFoundError

BranchOwned = TypeVar("BranchOwned", Customer, Volunteer)

PAGE_SIZE = 50


def in_branch(statement: Select, model: type, branch_id: int) -> Select:
    """Restrict a query to one branch: the single place where branch scoping is applied."""
    return statement.where(model.branch_id == branch_id)


def get_in_branch(session: Session, model: type[BranchOwned], record_id: int, branch_id: int) -> BranchOwned:
    """A record of the branch, or NotFoundError (a record of another branch is not found either)."""
    if not is_valid_id(record_id):  # beyond the database's integers: no such record, and no overflow
        raise NotFoundError(f"No {model.__name__.lower()} {record_id!r} in this branch.")
    record = session.scalar(in_branch(select(model).where(model.id == record_id), model, branch_id))
    if record is None:
        raise NotFoundError(f"No {model.__name__.lower()} {record_id} in this branch.")
    return record


def _name_search(model: type, text: str):  # type: ignore[no-untyped-def]
    words = [word for word in text.split() if word][:4]
    conditions = []
    for word in words:
        pattern = f"%{word.lower()}%"
        conditions.append(or_(
            func.lower(model.first_name).like(pattern),
            func.lower(model.last_name).like(pattern),
            func.lower(model.postcode).like(pattern),
        ))
    return conditions


def search_customers(
    session: Session, branch_id: int, text: str = "", status: CustomerStatus | None = None, page: int = 1
) -> tuple[Sequence[Customer], int]:
    """Customers of the branch matching name/postcode words and status; (page of rows, total)."""
    statement = in_branch(select(Customer), Customer, branch_id)
    for condition in _name_search(Customer, text):
        statement = statement.where(condition)
    if status is not None:
        statement = statement.where(Customer.status == status)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.scalars(
        statement.options(selectinload(Customer.shop))
        .order_by(Customer.last_name, Customer.first_name, Customer.id)
        .limit(PAGE_SIZE).offset((max(page, 1) - 1) * PAGE_SIZE)
    ).all()
    return rows, total


def search_volunteers(
    session: Session, branch_id: int, text: str = "", role: VolunteerRole | None = None,
    include_former: bool = False, page: int = 1,
) -> tuple[Sequence[Volunteer], int]:
    """Volunteers of the branch matching name/postcode words and role; (page of rows, total)."""
    statement = in_branch(select(Volunteer), Volunteer, branch_id)
    for condition in _name_search(Volunteer, text):
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
        .limit(PAGE_SIZE).offset((max(page, 1) - 1) * PAGE_SIZE)
    ).all()
    return rows, total
