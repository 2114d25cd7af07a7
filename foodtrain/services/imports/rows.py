"""Checking rows: each row becomes the details the forms would send, with the same checks, plus duplicates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from foodtrain.models import (
    Customer,
    DeliveryFrequency,
    HelpFrequency,
    ListMethod,
    PaymentMethod,
    PvgStatus,
    ReferralSource,
    Shop,
    SupportNeed,
    Volunteer,
    VolunteerRole,
)
from foodtrain.postcodes import InvalidPostcodeError, normalise_postcode
from foodtrain.services.customers import CustomerDetails, check_customer_details
from foodtrain.services.errors import ValidationError
from foodtrain.services.people import in_branch
from foodtrain.services.volunteers import PvgDetails, VolunteerDetails, check_volunteer_details
from foodtrain.services.imports.columns import PreviewRow, REQUIRED
from foodtrain.services.imports.cells import (
    cell_errors,
    parse_availability,
    parse_bool,
    parse_date,
    parse_enum,
    parse_enum_list,
    parse_int,
    parse_time,
    parse_weekday,
)


CUSTOMER_FIELD_TO_COLUMN = {"shop_id": "shop", "latitude": "latitude", "place_by_hand": "latitude"}
VOLUNTEER_FIELD_TO_COLUMN = {"preferred_partner_ids": "roles", "never_partner_ids": "roles"}


def _next_weekday(start: date, weekday: int) -> date:
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def _customer_from_row(
    session: Session, branch_id: int, row: PreviewRow, shops: dict[str, int], today: date
) -> tuple[dict[str, object], frozenset[SupportNeed]] | None:
    cells, errors = row.cells, row.errors
    get = lambda column: cells.get(column, "")  # noqa: E731
    born = cell_errors(errors, "date_of_birth", parse_date, get("date_of_birth"))
    joined = cell_errors(errors, "joined_on", parse_date, get("joined_on"))
    paid_until = cell_errors(errors, "membership_paid_until", parse_date, get("membership_paid_until"))
    anchor = cell_errors(errors, "frequency_anchor_date", parse_date, get("frequency_anchor_date"))
    weekday = cell_errors(errors, "delivery_weekday", parse_weekday, get("delivery_weekday"))
    window_start = cell_errors(errors, "window_start", parse_time, get("window_start")) or time(10, 0)
    window_end = cell_errors(errors, "window_end", parse_time, get("window_end")) or time(16, 0)
    enums = {
        "referral_source": (ReferralSource, ReferralSource.SELF),
        "frequency": (DeliveryFrequency, DeliveryFrequency.WEEKLY),
        "list_method": (ListMethod, ListMethod.COLLECTED_FORM),
        "payment_method": (PaymentMethod, PaymentMethod.CASH),
    }
    parsed = {
        column: cell_errors(errors, column, parse_enum, get(column), enum_class, default)
        for column, (enum_class, default) in enums.items()
    }
    needs = None
    try:
        needs = parse_enum_list(get("support_needs"), SupportNeed)
    except ValueError as error:
        errors["support_needs"] = str(error)
    shop_name = get("shop").strip().lower()
    shop_id = shops.get(shop_name)
    if shop_name and shop_id is None:
        errors["shop"] = (
            f"“{get('shop')[:40]}” is not one of this branch's shops ({', '.join(sorted(shops)) or 'none'})."
        )
    elif not shop_name:
        errors["shop"] = "Name the shop."
    if anchor is None and weekday is not None and "frequency_anchor_date" not in errors:
        anchor = _next_weekday(joined or today, weekday)
    latitude, longitude = get("latitude"), get("longitude")
    details = CustomerDetails(
        first_name=get("first_name"),
        last_name=get("last_name"),
        address_line1=get("address_line1"),
        address_line2=get("address_line2"),
        town=get("town"),
        postcode=get("postcode"),
        place_by_hand=bool(latitude or longitude),
        latitude=latitude or None,
        longitude=longitude or None,
        phone=get("phone"),
        date_of_birth=born,
        eligibility_override_reason=get("eligibility_override_reason"),
        referral_source=parsed["referral_source"] or ReferralSource.SELF,
        referred_by=get("referred_by"),
        shop_id=shop_id if shop_id is not None else -1,
        delivery_weekday=weekday,
        frequency_anchor_date=anchor,
        frequency=parsed["frequency"] or DeliveryFrequency.WEEKLY,
        window_start=window_start,
        window_end=window_end,
        list_method=parsed["list_method"] or ListMethod.COLLECTED_FORM,
        support_needs=needs or frozenset(),
        access_notes=get("access_notes"),
        payment_method=parsed["payment_method"] or PaymentMethod.CASH,
        joined_on=joined,
    )
    try:
        checked = check_customer_details(session, branch_id, details, today)
    except ValidationError as error:
        for name, message in error.field_errors.items():
            errors.setdefault(CUSTOMER_FIELD_TO_COLUMN.get(name, name), message)
        return None
    if errors:
        return None
    if paid_until is not None and not date(1990, 1, 1) <= paid_until <= today + timedelta(days=3660):
        errors["membership_paid_until"] = "The paid-until date is not plausible: check the year."
        return None
    values = dict(checked.values)
    values["membership_paid_until"] = paid_until
    return values, checked.support_needs


def _volunteer_from_row(
    session: Session, branch_id: int, row: PreviewRow, today: date
) -> tuple[dict[str, object], object] | None:
    cells, errors = row.cells, row.errors
    get = lambda column: cells.get(column, "")  # noqa: E731
    dates = {
        column: cell_errors(errors, column, parse_date, get(column))
        for column in ("date_of_birth", "joined_on", "pvg_issued_on", "training_completed_on")
    }
    flags = {
        column: cell_errors(errors, column, parse_bool, get(column))
        for column in ("van_driving_approved", "is_trainee")
    }
    numbers = {
        column: cell_errors(errors, column, parse_int, get(column), default)
        for column, default in (
            ("shadow_shifts_remaining", 0),
            ("shifts_per_month", 4),
            ("max_shifts_per_week", 2),
            ("max_consecutive_days", 2),
        )
    }
    roles = None
    try:
        roles = parse_enum_list(get("roles"), VolunteerRole)
    except ValueError as error:
        errors["roles"] = str(error)
    pvg_status = cell_errors(errors, "pvg_status", parse_enum, get("pvg_status"), PvgStatus, PvgStatus.PENDING)
    help_frequency = cell_errors(
        errors, "help_frequency", parse_enum, get("help_frequency"), HelpFrequency, HelpFrequency.WEEKLY
    )
    availability = cell_errors(errors, "availability", parse_availability, get("availability"))
    details = VolunteerDetails(
        first_name=get("first_name"),
        last_name=get("last_name"),
        date_of_birth=dates["date_of_birth"],
        email=get("email"),
        phone=get("phone"),
        postcode=get("postcode"),
        joined_on=dates["joined_on"],
        roles=roles or frozenset(),
        van_driving_approved=bool(flags["van_driving_approved"]),
        training_completed_on=dates["training_completed_on"],
        is_trainee=bool(flags["is_trainee"]),
        shadow_shifts_remaining=numbers["shadow_shifts_remaining"],
        help_frequency=help_frequency or HelpFrequency.WEEKLY,
        shifts_per_month=numbers["shifts_per_month"],
        max_shifts_per_week=numbers["max_shifts_per_week"],
        max_consecutive_days=numbers["max_consecutive_days"],
        availability=availability or {},
    )
    pvg = PvgDetails(
        status=pvg_status or PvgStatus.PENDING, issued_on=dates["pvg_issued_on"], reference=get("pvg_reference")
    )
    try:
        checked = check_volunteer_details(session, branch_id, details, pvg, today)
    except ValidationError as error:
        for name, message in error.field_errors.items():
            errors.setdefault(VOLUNTEER_FIELD_TO_COLUMN.get(name, name), message)
        return None
    if errors:
        return None
    return dict(checked.values) | (checked.pvg or {}), checked


def _customer_key(cells: dict[str, str]) -> tuple[str, str, str]:
    postcode = cells.get("postcode", "")
    try:
        postcode = normalise_postcode(postcode)
    except InvalidPostcodeError:
        postcode = postcode.strip().upper()
    return cells.get("first_name", "").strip().lower(), cells.get("last_name", "").strip().lower(), postcode


def _volunteer_key(cells: dict[str, str]) -> tuple[str, str, str]:
    try:
        born = parse_date(cells.get("date_of_birth", ""))
    except ValueError:
        born = None
    return (
        cells.get("first_name", "").strip().lower(),
        cells.get("last_name", "").strip().lower(),
        born.isoformat() if born else "",
    )


def _existing_keys(session: Session, branch_id: int, kind: str) -> set[tuple[str, str, str]]:
    if kind == "customers":
        rows = session.execute(
            in_branch(select(Customer.first_name, Customer.last_name, Customer.postcode), Customer, branch_id)
        ).all()
        return {(row[0].strip().lower(), row[1].strip().lower(), row[2]) for row in rows}
    rows = session.execute(
        in_branch(select(Volunteer.first_name, Volunteer.last_name, Volunteer.date_of_birth), Volunteer, branch_id)
    ).all()
    return {(row[0].strip().lower(), row[1].strip().lower(), row[2].isoformat()) for row in rows}


def check_rows(session: Session, branch_id: int, kind: str, rows: Iterable[PreviewRow], today: date) -> list:
    """Check each row (errors go into row.errors); returns what to write for each row (None where it has errors)."""
    shops = {
        name.strip().lower(): shop_id
        for shop_id, name in session.execute(
            in_branch(select(Shop.id, Shop.name).where(Shop.active.is_(True)), Shop, branch_id)
        ).all()
    }
    existing = _existing_keys(session, branch_id, kind)
    seen: dict[tuple[str, str, str], int] = {}
    key_of = _customer_key if kind == "customers" else _volunteer_key
    results: list[tuple[dict[str, object], object] | None] = []
    with session.no_autoflush:
        for row in rows:
            row.errors.clear()
            for column in REQUIRED[kind]:
                if not row.cells.get(column, "").strip():
                    row.errors[column] = "This is required."
            if kind == "customers":
                results.append(_customer_from_row(session, branch_id, row, shops, today))
            else:
                results.append(_volunteer_from_row(session, branch_id, row, today))
            key = key_of(row.cells)
            if key in existing:
                row.errors["duplicate"] = "Already in this branch (same name and " + (
                    "postcode)." if kind == "customers" else "date of birth)."
                )
            elif key in seen:
                row.errors["duplicate"] = f"Same person as row {seen[key]} of this file."
            else:
                seen[key] = row.number
            if row.errors:
                results[-1] = None
    return results
