"""What a typed value must look like, in one place: whole numbers and ids, text, phone numbers, dates.

Used by the services (which own the rules) and by the web layer's parsing of query strings and
hidden fields, so `²`, full-width digits, ids beyond the database's integers, control characters,
a phone number "=1+1" and a date in 1800 are refused the same way everywhere.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

# Record ids and versions fit a 32-bit signed integer (PostgreSQL `integer`), and so a lookup never overflows.
MAX_ID = 2**31 - 1
# The service started in 1995: no one joined, left or was delivered to before that.
SERVICE_FOUNDED = date(1995, 1, 1)
EARLIEST_BIRTH = date(1900, 1, 1)
DELIVERY_WINDOW = timedelta(days=2 * 366)  # deliveries are looked at and entered within two years of today
JOINING_AHEAD = timedelta(days=366)  # a customer or volunteer may be entered up to a year before they join
PHONE_PATTERN = re.compile(r"\+?[0-9(][0-9 ()-]*")
PHONE_DIGITS_MIN, PHONE_DIGITS_MAX = 7, 15
_ALLOWED_CONTROLS_MULTILINE = frozenset("\n\r\t")


def parse_whole_number(text: object, maximum: int = MAX_ID) -> int | None:
    """An ASCII-digit number from 0 to `maximum`, or None (no signs, spaces, `²` or full-width digits)."""
    if not isinstance(text, str) or not text or len(text) > len(str(maximum)):
        return None
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= maximum else None


def parse_id(text: object) -> int | None:
    """A record id (or version): 1 to MAX_ID in ASCII digits, else None."""
    value = parse_whole_number(text)
    return value if value is not None and value >= 1 else None


def is_valid_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def control_character_in(value: str, multiline: bool = False) -> bool:
    """True when the text holds a control character (line breaks and tabs allowed in multi-line fields)."""
    allowed = _ALLOWED_CONTROLS_MULTILINE if multiline else frozenset()
    return any(
        (ord(c) < 32 or 0x7F <= ord(c) < 0xA0 or c in "\u2028\u2029\u202e\u202d") and c not in allowed for c in value
    )


def phone_error(value: str) -> str | None:
    """Why this is not a phone number, or None (empty is allowed: the field is optional)."""
    if not value:
        return None
    digits = sum(c.isdigit() for c in value)
    if not PHONE_PATTERN.fullmatch(value) or not value.isascii() or not PHONE_DIGITS_MIN <= digits <= PHONE_DIGITS_MAX:
        return "Enter a phone number of digits and spaces, for example 01387 123456 or +44 1387 123456."
    return None


def birth_date_error(born: date, today: date) -> str | None:
    if born < EARLIEST_BIRTH or born > today:
        return "Check the date of birth: it is in the future or before 1900."
    return None


def delivery_date_error(day: date, today: date) -> str | None:
    if abs(day - today) > DELIVERY_WINDOW:
        return "Check the delivery date: it is more than two years from today."
    return None


def in_delivery_window(day: date, today: date) -> bool:
    return delivery_date_error(day, today) is None


def joining_date_error(joined_on: date, today: date) -> str | None:
    """A customer's or a volunteer's joining date: at most a year ahead, never before the service existed."""
    if joined_on > today + JOINING_AHEAD:
        return "The joining date is more than a year ahead."
    return record_date_error(joined_on, SERVICE_FOUNDED, "joining date")


def record_date_error(day: date, earliest: date, label: str) -> str | None:
    """A joining, leaving or ending date: never before the service existed, nor before `earliest` (the record)."""
    floor = max(SERVICE_FOUNDED, earliest)
    if day < floor:
        return f"The {label} is before {floor:%-d %B %Y}: check the year."
    return None
