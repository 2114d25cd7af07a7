"""Customers: create, edit, pause, resume, end, renew membership, and the history of orders and payments.

Every change is one transaction with its audit event. Forms carry a one-time token (a second submit of the
same form does nothing) and edits carry the record's version (a stale version is refused, never overwritten).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from foodtrain.clock import branch_today
from foodtrain.models import (
    Customer,
    CustomerStatus,
    CustomerSupportNeed,
    DeliveryFrequency,
    ListMethod,
    MembershipPayment,
    Order,
    PaymentMethod,
    PeopleFormToken,
    ReferralSource,
    Shop,
    SupportNeed,
)
from foodtrain.field_rules import (
    birth_date_error,
    control_character_in,
    in_delivery_window,
    joining_date_error,
    phone_error,
)
from foodtrain.models._types import utc_now
from foodtrain.models.customer import MINIMUM_CUSTOMER_AGE_YEARS
from foodtrain.models.membership import DEFAULT_MEMBERSHIP_FEE_PENCE
from foodtrain.postcodes import (
    InvalidCoordinatesError,
    InvalidPostcodeError,
    PostcodeDataError,
    UnknownPostcodeError,
    lookup_postcode,
    normalise_postcode,
    validate_latitude_longitude,
)
from foodtrain.services.audit import Actor, record_event
from foodtrain.services.errors import NotFoundError, StaleRecordError, ValidationError, check_version
from foodtrain.services.people import get_in_branch, in_branch, phone_digits, phone_digits_column
from foodtrain.services.privacy import ERASED
from foodtrain.services.service_breaks import shops_closed_until_further_notice

MAX_MEMBERSHIP_YEARS = 5
MAX_MEMBERSHIP_PAYMENT_PENCE = 100_00
HISTORY_LIMIT = 200
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# Fewer digits than this are not a phone number worth comparing.
DUPLICATE_PHONE_MIN_DIGITS = 6


@dataclass(frozen=True)
class LikelyDuplicate:
    """An existing customer who is probably the person being added, and why."""

    customer_id: int
    name: str
    address: str
    reasons: tuple[str, ...]


class LikelyDuplicateError(Exception):
    """The new customer looks like one already on file; the office confirms before adding them."""

    def __init__(self, duplicates: list[LikelyDuplicate]) -> None:
        super().__init__(f"{len(duplicates)} customer(s) on file look like the same person.")
        self.duplicates = duplicates


@dataclass(frozen=True)
class CustomerDetails:
    """Everything the customer form edits, as plain values (None = left empty)."""

    first_name: str
    last_name: str
    address_line1: str
    town: str
    postcode: str
    shop_id: int | None
    delivery_weekday: int | None
    frequency_anchor_date: date | None
    address_line2: str = ""
    place_by_hand: bool = False
    latitude: object = None
    longitude: object = None
    phone: str = ""
    date_of_birth: date | None = None
    eligibility_override_reason: str = ""
    referral_source: ReferralSource = ReferralSource.SELF
    referred_by: str = ""
    frequency: DeliveryFrequency = DeliveryFrequency.WEEKLY
    window_start: time | None = time(10, 0)
    window_end: time | None = time(16, 0)
    list_method: ListMethod = ListMethod.COLLECTED_FORM
    support_needs: frozenset[SupportNeed] = field(default_factory=frozenset)
    access_notes: str = ""
    payment_method: PaymentMethod = PaymentMethod.CASH
    joined_on: date | None = None


@dataclass(frozen=True)
class CheckedCustomer:
    """Details that passed every check, with the location resolved."""

    values: dict[str, object]
    support_needs: frozenset[SupportNeed]


@dataclass(frozen=True)
class CustomerHistory:
    customer: Customer
    orders: Sequence[Order]
    payments: Sequence[MembershipPayment]


# --- checks --------------------------------------------------------------------------------------------------


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def add_years(day: date, years: int) -> date:
    """The same day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


MULTILINE_FIELDS = frozenset({"access_notes", "notes"})


def _text(errors: dict[str, str], name: str, value: str, label: str, max_length: int, required: bool) -> str:
    value = (value or "").strip()
    if control_character_in(value, multiline=name in MULTILINE_FIELDS):
        errors[name] = f"{label} contains a control character: retype it without pasting."
    elif required and not value:
        errors[name] = f"Enter the {label.lower()}."
    elif len(value) > max_length:
        errors[name] = f"{label} is too long: at most {max_length} characters (you typed {len(value)})."
    return value


def _phone(errors: dict[str, str], value: str) -> str:
    """A phone number checked by the one rule (foodtrain.field_rules.phone_error)."""
    phone = _text(errors, "phone", value, "Phone", 30, False)
    problem = phone_error(phone) if "phone" not in errors else None
    if problem:
        errors["phone"] = problem
    return phone


def resolve_location(
    postcode: str, place_by_hand: bool, latitude: object, longitude: object, errors: dict[str, str]
) -> tuple[str, float | None, float | None]:
    """The postcode as stored and its position: from the offline lookup, or the position entered by hand.

    Never invents a position: a postcode that cannot be found is an error unless a valid position is given.
    """
    text = (postcode or "").strip()
    if not text:
        errors["postcode"] = "Enter the postcode, for example DG1 2BD."
        return "", None, None
    if place_by_hand:
        try:
            stored = normalise_postcode(text)
        except InvalidPostcodeError:
            stored = " ".join(text.upper().split())
            if len(stored) > 10:
                errors["postcode"] = "The postcode is too long: at most 10 characters."
        try:
            lat, lon = validate_latitude_longitude(latitude, longitude)
        except InvalidCoordinatesError as error:
            errors["latitude"] = str(error)
            return stored, None, None
        return stored, round(lat, 6), round(lon, 6)
    try:
        location = lookup_postcode(text)
    except (InvalidPostcodeError, UnknownPostcodeError) as error:
        errors["postcode"] = f"{error} (Tick “Place by latitude and longitude” to enter the position.)"
        return text[:10], None, None
    except PostcodeDataError:
        errors["postcode"] = (
            "The offline postcode data cannot be read on this server. Tick “Place by latitude "
            "and longitude” to enter the position, and tell an admin."
        )
        return text[:10], None, None
    return location.postcode, location.latitude, location.longitude


def is_placed_by_hand(postcode: str, latitude: float | None, longitude: float | None) -> bool:
    """Whether a stored position was entered by hand (the postcode is unknown, or points elsewhere)."""
    if latitude is None or longitude is None:
        return False
    try:
        location = lookup_postcode(postcode)
    except (InvalidPostcodeError, UnknownPostcodeError, PostcodeDataError):
        return True
    return abs(location.latitude - latitude) > 1e-5 or abs(location.longitude - longitude) > 1e-5


def check_customer_details(
    session: Session, branch_id: int, details: CustomerDetails, today: date, current: Customer | None = None
) -> CheckedCustomer:
    """Check every field of the customer form; raise ValidationError naming each wrong field.

    The cycle's anchor date must fall on the delivery day when either is set or changed (records from before
    this rule keep theirs until someone changes the day or the date).
    """
    errors: dict[str, str] = {}
    values: dict[str, object] = {
        "first_name": _text(errors, "first_name", details.first_name, "First name", 80, True),
        "last_name": _text(errors, "last_name", details.last_name, "Last name", 80, True),
        "address_line1": _text(errors, "address_line1", details.address_line1, "Address", 200, True),
        "address_line2": _text(errors, "address_line2", details.address_line2, "Address line 2", 200, False),
        "town": _text(errors, "town", details.town, "Town", 100, True),
        "phone": _phone(errors, details.phone),
        "referred_by": _text(errors, "referred_by", details.referred_by, "Referred by", 200, False),
        "access_notes": _text(errors, "access_notes", details.access_notes, "Access notes", 2000, False),
    }
    override = _text(
        errors,
        "eligibility_override_reason",
        details.eligibility_override_reason,
        "Reason for an under-65 member",
        300,
        False,
    )
    postcode, latitude, longitude = resolve_location(
        details.postcode, details.place_by_hand, details.latitude, details.longitude, errors
    )
    values.update(postcode=postcode, latitude=latitude, longitude=longitude)

    born = details.date_of_birth
    if born is not None:
        if birth_problem := birth_date_error(born, today):
            errors["date_of_birth"] = birth_problem
        elif age_on(born, today) < MINIMUM_CUSTOMER_AGE_YEARS and not override:
            errors["eligibility_override_reason"] = (
                f"This person is {age_on(born, today)}, under {MINIMUM_CUSTOMER_AGE_YEARS}: give the reason they "
                "can still be a member (for example, referred by social work)."
            )
    values["date_of_birth"] = born
    values["eligibility_override_reason"] = override or None
    values["referral_source"] = details.referral_source
    if details.shop_id is None:
        errors["shop_id"] = "Choose the shop."
    else:
        shop = session.scalar(
            in_branch(select(Shop).where(Shop.id == details.shop_id, Shop.active.is_(True)), Shop, branch_id)
        )
        if shop is None:
            errors["shop_id"] = "Choose one of this branch's shops."
        elif current is None or current.shop_id != shop.id:  # a customer already with it keeps it
            if (closed := shops_closed_until_further_notice(session, branch_id).get(shop.id)) is not None:
                errors["shop_id"] = f"{shop.name} is closed until further notice ({closed}): choose another shop."
    values["shop_id"] = details.shop_id
    weekday = details.delivery_weekday
    if weekday is None or not 0 <= weekday <= 6:
        errors["delivery_weekday"] = "Choose the delivery day."
    anchor = details.frequency_anchor_date
    if anchor is None:
        errors["frequency_anchor_date"] = "Enter the date of the first (or any regular) delivery."
    elif (
        weekday is not None
        and 0 <= weekday <= 6
        and anchor.weekday() != weekday
        and (current is None or (current.frequency_anchor_date, current.delivery_weekday) != (anchor, weekday))
    ):
        errors["frequency_anchor_date"] = (
            f"{anchor:%d %b %Y} is a {WEEKDAY_NAMES[anchor.weekday()]}, but deliveries are on "
            f"{WEEKDAY_NAMES[weekday]}s: choose a {WEEKDAY_NAMES[weekday]}."
        )
    values.update(frequency=details.frequency, frequency_anchor_date=anchor, delivery_weekday=weekday)
    if details.window_start is None:
        errors["window_start"] = "Enter the earliest delivery time, for example 10:00."
    if details.window_end is None:
        errors["window_end"] = "Enter the latest delivery time, for example 16:00."
    elif details.window_start is not None and details.window_end <= details.window_start:
        errors["window_end"] = "The latest time must be after the earliest time."
    values.update(
        window_start=details.window_start,
        window_end=details.window_end,
        list_method=details.list_method,
        payment_method=details.payment_method,
    )
    if details.joined_on is not None:
        if joined_problem := joining_date_error(details.joined_on, today):
            errors["joined_on"] = joined_problem
        values["joined_on"] = details.joined_on
    if errors:
        raise ValidationError(errors)
    return CheckedCustomer(values=values, support_needs=frozenset(details.support_needs))


def _plain(text: object) -> str:
    return " ".join(str(text or "").lower().split())


def likely_duplicates(
    session: Session, branch_id: int, values: dict[str, object], exclude_id: int | None = None
) -> list[LikelyDuplicate]:
    """Customers of the branch who are probably the same person: same name and date of birth, same address
    (first line and postcode), or same phone number (digits compared). Erased records never match."""
    first, last = _plain(values.get("first_name")), _plain(values.get("last_name"))
    born = values.get("date_of_birth")
    street, postcode = _plain(values.get("address_line1")), _plain(values.get("postcode")).replace(" ", "")
    phone = phone_digits(str(values.get("phone") or ""))
    same_name_and_birth = (
        (func.lower(Customer.first_name) == first)
        & (func.lower(Customer.last_name) == last)
        & (Customer.date_of_birth == born)
        if born is not None
        else None
    )
    same_address = (
        (func.lower(Customer.address_line1) == street)
        & (func.replace(func.lower(Customer.postcode), " ", "") == postcode)
        if street and postcode
        else None
    )
    same_phone = (phone_digits_column(Customer.phone) == phone) if len(phone) >= DUPLICATE_PHONE_MIN_DIGITS else None
    tests = [test for test in (same_name_and_birth, same_address, same_phone) if test is not None]
    if not tests:
        return []
    statement = in_branch(select(Customer), Customer, branch_id).where(Customer.first_name != ERASED, or_(*tests))
    if exclude_id is not None:
        statement = statement.where(Customer.id != exclude_id)
    found = []
    for customer in session.scalars(statement.order_by(Customer.last_name, Customer.id).limit(10)):
        reasons = []
        if born is not None and (_plain(customer.first_name), _plain(customer.last_name), customer.date_of_birth) == (
            first,
            last,
            born,
        ):
            reasons.append("same name and date of birth")
        if (
            street
            and postcode
            and (_plain(customer.address_line1), _plain(customer.postcode).replace(" ", "")) == (street, postcode)
        ):
            reasons.append("same address")
        if len(phone) >= DUPLICATE_PHONE_MIN_DIGITS and phone_digits(customer.phone) == phone:
            reasons.append("same phone number")
        found.append(
            LikelyDuplicate(
                customer_id=customer.id,
                name=customer.full_name,
                address=f"{customer.address_line1}, {customer.postcode}",
                reasons=tuple(reasons) or ("similar details",),
            )
        )
    return found


# --- one-time form tokens and commits ------------------------------------------------------------------------


def used_form_token(session: Session, branch_id: int, token: str) -> PeopleFormToken | None:
    """The record of an already-submitted form with this token, if any."""
    if not token:
        return None
    return session.scalar(
        select(PeopleFormToken).where(PeopleFormToken.token == token[:64], PeopleFormToken.branch_id == branch_id)
    )


def claim_form_token(session: Session, branch_id: int, token: str, action: str, entity_id: int | None) -> None:
    """Remember the form token in the current transaction (a second submit then finds it)."""
    if token:
        session.add(PeopleFormToken(token=token[:64], branch_id=branch_id, action=action, entity_id=entity_id))


def commit_or_replay(session: Session, branch_id: int, token: str) -> int | None:
    """Commit; if a concurrent submit of the same form won the race, roll back and return its entity id.

    Returns None when this commit went through. A stale version becomes StaleRecordError.
    """
    try:
        session.commit()
    except StaleDataError:
        session.rollback()
        raise StaleRecordError() from None
    except IntegrityError:
        session.rollback()
        earlier = used_form_token(session, branch_id, token)
        if earlier is None:
            raise
        return earlier.entity_id or 0
    return None


def _audit(
    session: Session, actor: Actor, action: str, customer_id: int | None, branch_id: int, detail: str = ""
) -> None:
    record_event(
        session,
        user_id=actor.user_id,
        username=actor.username,
        action=action,
        entity_type="customer",
        entity_id=customer_id,
        branch_id=branch_id,
        detail=detail,
        remote_address=actor.remote_address,
    )


# --- create and edit -----------------------------------------------------------------------------------------


def create_customer(
    session: Session,
    branch_id: int,
    details: CustomerDetails,
    *,
    actor: Actor,
    form_token: str,
    today: date,
    confirmed_not_duplicate: bool = False,
) -> int:
    """Add a customer to the branch and return its id (the same id again for a resubmitted form).

    Raises LikelyDuplicateError when someone on file looks like the same person, unless the office has
    confirmed this is a different person.
    """
    earlier = used_form_token(session, branch_id, form_token)
    if earlier is not None and earlier.entity_id is not None:
        return earlier.entity_id
    checked = check_customer_details(session, branch_id, details, today)
    if not confirmed_not_duplicate:
        duplicates = likely_duplicates(session, branch_id, checked.values)
        if duplicates:
            # The "duplicate" may be this very form, saved by a repeated submit that committed meanwhile.
            earlier = used_form_token(session, branch_id, form_token)
            if earlier is not None and earlier.entity_id is not None:
                return earlier.entity_id
            raise LikelyDuplicateError(duplicates)
    values = dict(checked.values)
    values.setdefault("joined_on", today)
    customer = Customer(branch_id=branch_id, status=CustomerStatus.ACTIVE, **values)
    customer.support_needs = [
        CustomerSupportNeed(need=need) for need in sorted(checked.support_needs, key=lambda n: n.value)
    ]
    session.add(customer)
    session.flush()
    claim_form_token(session, branch_id, form_token, "customer.create", customer.id)
    _audit(session, actor, "customer.create", customer.id, branch_id)
    replayed = commit_or_replay(session, branch_id, form_token)
    return replayed if replayed is not None else customer.id


def update_customer(
    session: Session,
    branch_id: int,
    customer_id: int,
    details: CustomerDetails,
    *,
    expected_version: int | None,
    actor: Actor,
    form_token: str,
    today: date,
) -> None:
    """Save the edited details, unless someone else changed the customer since the form was loaded."""
    customer = get_in_branch(session, Customer, customer_id, branch_id)
    if used_form_token(session, branch_id, form_token) is not None:
        return
    check_version(customer.version, expected_version)
    checked = check_customer_details(session, branch_id, details, today, current=customer)
    with session.no_autoflush:  # one UPDATE, one version step
        changed = sorted(name for name, value in checked.values.items() if getattr(customer, name) != value)
        for name, value in checked.values.items():
            setattr(customer, name, value)
        if customer.support_need_values != checked.support_needs:
            changed.append("support_needs")
            keep = [row for row in customer.support_needs if row.need in checked.support_needs]
            have = {row.need for row in keep}
            customer.support_needs = keep + [
                CustomerSupportNeed(need=need) for need in sorted(checked.support_needs - have, key=lambda n: n.value)
            ]
        if changed:
            customer.updated_at = utc_now()  # an UPDATE even when only support needs changed: the version moves on
    claim_form_token(session, branch_id, form_token, "customer.update", customer.id)
    _audit(session, actor, "customer.update", customer.id, branch_id, detail="changed=" + ",".join(changed))
    commit_or_replay(session, branch_id, form_token)


# --- pause, resume, end ----------------------------------------------------------------------------------------


def pause_customer(
    session: Session,
    branch_id: int,
    customer_id: int,
    *,
    paused_from: date | None,
    paused_until: date | None,
    reason: str,
    expected_version: int | None,
    actor: Actor,
    form_token: str,
) -> None:
    """Pause deliveries from a date (until a date, or until resumed), with the reason."""
    customer = get_in_branch(session, Customer, customer_id, branch_id)
    if used_form_token(session, branch_id, form_token) is not None:
        return
    check_version(customer.version, expected_version)
    errors: dict[str, str] = {}
    reason = _text(errors, "reason", reason, "Reason", 300, True)
    if customer.status is CustomerStatus.ENDED:
        errors["paused_from"] = "This customer has ended: a customer who ended cannot be paused."
    if paused_from is None:
        errors["paused_from"] = "Enter the first date with no delivery."
    elif paused_until is not None and paused_until < paused_from:
        errors["paused_until"] = "The pause must end on or after its first day."
    elif not in_delivery_window(paused_from, branch_today()) or (
        paused_until is not None and not in_delivery_window(paused_until, branch_today())
    ):
        errors["paused_from"] = "Check the dates: a pause lies within two years of today."
    if errors:
        raise ValidationError(errors)
    customer.status = CustomerStatus.PAUSED
    customer.paused_from, customer.paused_until, customer.pause_reason = paused_from, paused_until, reason
    claim_form_token(session, branch_id, form_token, "customer.pause", customer.id)
    _audit(
        session,
        actor,
        "customer.pause",
        customer.id,
        branch_id,
        detail=f"from={paused_from} until={paused_until or ''}",
    )
    commit_or_replay(session, branch_id, form_token)


def resume_customer(
    session: Session, branch_id: int, customer_id: int, *, expected_version: int | None, actor: Actor, form_token: str
) -> None:
    """End a pause: deliveries start again on the customer's usual days."""
    customer = get_in_branch(session, Customer, customer_id, branch_id)
    if used_form_token(session, branch_id, form_token) is not None:
        return
    check_version(customer.version, expected_version)
    if customer.status is not CustomerStatus.PAUSED:
        raise ValidationError({"status": "This customer is not paused."})
    customer.status = CustomerStatus.ACTIVE
    customer.paused_from = customer.paused_until = customer.pause_reason = None
    claim_form_token(session, branch_id, form_token, "customer.resume", customer.id)
    _audit(session, actor, "customer.resume", customer.id, branch_id)
    commit_or_replay(session, branch_id, form_token)


def end_customer(
    session: Session,
    branch_id: int,
    customer_id: int,
    *,
    ended_on: date | None,
    reason: str,
    expected_version: int | None,
    actor: Actor,
    form_token: str,
) -> None:
    """End the membership (moved into care, moved away, ...); the record and its history stay."""
    customer = get_in_branch(session, Customer, customer_id, branch_id)
    if used_form_token(session, branch_id, form_token) is not None:
        return
    check_version(customer.version, expected_version)
    errors: dict[str, str] = {}
    reason = _text(errors, "reason", reason, "Reason", 300, True)
    if customer.status is CustomerStatus.ENDED:
        errors["ended_on"] = "This customer has already ended."
    elif ended_on is None:
        errors["ended_on"] = "Enter the date the customer stopped."
    elif ended_on < customer.joined_on:
        errors["ended_on"] = f"That is before the customer joined ({customer.joined_on:%d %b %Y})."
    elif ended_on > branch_today() + timedelta(days=366):
        errors["ended_on"] = "The end date is more than a year ahead: check the year."
    if errors:
        raise ValidationError(errors)
    customer.status = CustomerStatus.ENDED
    customer.ended_on, customer.end_reason = ended_on, reason
    customer.paused_from = customer.paused_until = customer.pause_reason = None
    claim_form_token(session, branch_id, form_token, "customer.end", customer.id)
    _audit(session, actor, "customer.end", customer.id, branch_id, detail=f"on={ended_on}")
    commit_or_replay(session, branch_id, form_token)


# --- membership ------------------------------------------------------------------------------------------------


def membership_period_until(paid_until: date | None, paid_on: date, years: int) -> date:
    """A renewal runs on from the current paid-until date, or from the payment date if that has lapsed."""
    start = paid_until if paid_until is not None and paid_until >= paid_on else paid_on
    return add_years(start, years)


def renew_membership(
    session: Session,
    branch_id: int,
    customer_id: int,
    *,
    paid_on: date | None,
    amount_pence: int | None = DEFAULT_MEMBERSHIP_FEE_PENCE,
    years: int = 1,
    actor: Actor,
    form_token: str,
    today: date,
) -> int:
    """Record a membership payment and extend membership_paid_until; returns the payment id."""
    customer = get_in_branch(session, Customer, customer_id, branch_id)
    earlier = used_form_token(session, branch_id, form_token)
    if earlier is not None and earlier.entity_id is not None:
        return earlier.entity_id
    errors: dict[str, str] = {}
    if paid_on is None:
        errors["paid_on"] = "Enter the date of the payment."
    elif paid_on > today:
        errors["paid_on"] = "The payment date is in the future."
    elif paid_on.year < 2000:
        errors["paid_on"] = "The payment date is before 2000: check the year."
    if amount_pence is None or amount_pence < 0:
        errors["amount"] = "Enter the amount paid, for example 1.00."
    elif amount_pence > MAX_MEMBERSHIP_PAYMENT_PENCE:
        errors["amount"] = "That is more than £100: check the amount."
    if not 1 <= years <= MAX_MEMBERSHIP_YEARS:
        errors["years"] = f"Renew for 1 to {MAX_MEMBERSHIP_YEARS} years."
    if errors:
        raise ValidationError(errors)
    assert paid_on is not None and amount_pence is not None
    try:
        period_until = membership_period_until(customer.membership_paid_until, paid_on, years)
    except ValueError:  # a paid-until date near the year 9999
        raise ValidationError(
            {"paid_on": "The membership is already paid far ahead: check the paid-until date."}
        ) from None
    payment = MembershipPayment(
        branch_id=branch_id,
        customer_id=customer.id,
        paid_on=paid_on,
        amount_pence=amount_pence,
        period_until=period_until,
        recorded_by_user_id=actor.user_id,
    )
    session.add(payment)
    customer.membership_paid_until = period_until
    session.flush()
    claim_form_token(session, branch_id, form_token, "customer.renew", payment.id)
    _audit(
        session,
        actor,
        "customer.renew_membership",
        customer.id,
        branch_id,
        detail=f"amount_pence={amount_pence} until={period_until}",
    )
    replayed = commit_or_replay(session, branch_id, form_token)
    return replayed if replayed is not None else payment.id


# --- reading ---------------------------------------------------------------------------------------------------


def customer_history(session: Session, branch_id: int, customer_id: int) -> CustomerHistory:
    """The customer with their latest orders and membership payments (newest first)."""
    customer = session.scalar(
        in_branch(select(Customer).where(Customer.id == customer_id), Customer, branch_id).options(
            selectinload(Customer.shop), selectinload(Customer.support_needs)
        )
    )
    if customer is None:
        raise NotFoundError(f"No customer {customer_id} in this branch.")
    orders = session.scalars(
        in_branch(select(Order).where(Order.customer_id == customer.id), Order, branch_id)
        .options(selectinload(Order.shop), selectinload(Order.lines))
        .order_by(Order.delivery_date.desc())
        .limit(HISTORY_LIMIT)
    ).all()
    payments = session.scalars(
        in_branch(
            select(MembershipPayment).where(MembershipPayment.customer_id == customer.id), MembershipPayment, branch_id
        )
        .order_by(MembershipPayment.paid_on.desc(), MembershipPayment.id.desc())
        .limit(HISTORY_LIMIT)
    ).all()
    return CustomerHistory(customer=customer, orders=orders, payments=payments)


def branch_shops(session: Session, branch_id: int, current_shop_id: int | None = None) -> list[tuple[int, str]]:
    """The branch's active shops as (id, name), for a choice list.

    A shop closed until further notice is left out, except the customer's ``current_shop_id``: their record shows
    it, marked closed."""
    closed = shops_closed_until_further_notice(session, branch_id)
    rows = session.execute(
        in_branch(select(Shop.id, Shop.name).where(Shop.active.is_(True)), Shop, branch_id).order_by(Shop.name)
    ).all()
    return [
        (row.id, f"{row.name} (closed until further notice)" if row.id in closed else row.name)
        for row in rows
        if row.id not in closed or row.id == current_shop_id
    ]
