"""Test factories: build valid records with keyword overrides (`make_customer(session, postcode=...)`)."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from sqlalchemy.orm import Session

from foodtrain.models import (
    Branch,
    Customer,
    DeliveryCharge,
    Order,
    PvgStatus,
    Shop,
    UserRole,
    Van,
    Volunteer,
    VolunteerRole,
    VolunteerRoleAssignment,
)
from foodtrain.services.auth import add_user

_counter = iter(range(1, 10**9))


def make_branch(session: Session, **overrides: Any) -> Branch:
    number = next(_counter)
    fields: dict[str, Any] = {
        "name": f"Branch {number}",
        "code": f"B{number}",
        "base_latitude": 55.07,
        "base_longitude": -3.6,
    }
    branch = Branch(**(fields | overrides))
    session.add(branch)
    session.flush()
    session.add(DeliveryCharge(branch_id=branch.id, effective_from=date(2000, 1, 1), amount_pence=200))
    session.add(DeliveryCharge(branch_id=branch.id, effective_from=date(2012, 4, 1), amount_pence=300))
    session.flush()
    return branch


def make_shop(session: Session, branch: Branch, **overrides: Any) -> Shop:
    fields: dict[str, Any] = {
        "branch_id": branch.id,
        "name": f"Shop {next(_counter)}",
        "address": "1 High Street",
        "postcode": "DG1 2BD",
        "latitude": 55.067,
        "longitude": -3.61,
        "orders_ready_time": time(9, 30),
    }
    shop = Shop(**(fields | overrides))
    session.add(shop)
    session.flush()
    return shop


def make_van(session: Session, branch: Branch, **overrides: Any) -> Van:
    fields: dict[str, Any] = {
        "branch_id": branch.id,
        "name": f"Van {next(_counter)}",
        "capacity_crates": 16,
        "base_latitude": 55.07,
        "base_longitude": -3.6,
    }
    van = Van(**(fields | overrides))
    session.add(van)
    session.flush()
    return van


def make_customer(session: Session, branch: Branch, shop: Shop | None = None, **overrides: Any) -> Customer:
    shop = shop or make_shop(session, branch)
    fields: dict[str, Any] = {
        "branch_id": branch.id,
        "first_name": "Agnes",
        "last_name": f"Maxwell{next(_counter)}",
        "address_line1": "4 Church Road",
        "town": "Dumfries",
        "postcode": "DG1 2BD",
        "latitude": 55.067,
        "longitude": -3.61,
        "date_of_birth": date(1940, 5, 1),
        "joined_on": date(2024, 1, 8),
        "shop_id": shop.id,
        "frequency_anchor_date": date(2024, 1, 9),
        "delivery_weekday": 1,
    }
    customer = Customer(**(fields | overrides))
    session.add(customer)
    session.flush()
    return customer


def make_order(session: Session, customer: Customer, **overrides: Any) -> Order:
    fields: dict[str, Any] = {
        "branch_id": customer.branch_id,
        "customer_id": customer.id,
        "shop_id": customer.shop_id,
        "delivery_date": date(2026, 12, 1),
        "delivery_charge_pence": 300,
    }
    order = Order(**(fields | overrides))
    session.add(order)
    session.flush()
    return order


def make_volunteer(
    session: Session, branch: Branch, roles: tuple[VolunteerRole, ...] = (VolunteerRole.DRIVER,), **overrides: Any
) -> Volunteer:
    fields: dict[str, Any] = {
        "branch_id": branch.id,
        "first_name": "Hamish",
        "last_name": f"Reid{next(_counter)}",
        "date_of_birth": date(1960, 3, 3),
        "joined_on": date(2020, 2, 2),
        "pvg_status": PvgStatus.CLEARED,
        "pvg_issued_on": date(2020, 3, 1),
    }
    volunteer = Volunteer(**(fields | overrides))
    volunteer.roles = [VolunteerRoleAssignment(role=role) for role in roles]
    session.add(volunteer)
    session.flush()
    return volunteer


def make_user(
    session: Session,
    branch: Branch | None,
    role: UserRole = UserRole.OFFICE,
    password: str = "correct horse battery staple",
    **overrides: Any,
) -> int:
    fields: dict[str, Any] = {
        "username": f"user{next(_counter)}",
        "password": password,
        "role": role,
        "branch_id": branch.id if branch else None,
        "hash_time_cost": 1,
    }
    user_id = add_user(session, **(fields | overrides))
    session.commit()
    return user_id
