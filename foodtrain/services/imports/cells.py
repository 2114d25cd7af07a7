"""Reading one cell: dates, times, yes/no, numbers, weekdays, enum values and availability as people type them."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from datetime import date, time
from typing import Any, TypeVar

from foodtrain.models import DayPart
from foodtrain.services.imports.columns import ENUM_ALIASES, FALSE_WORDS, TRUE_WORDS, WEEKDAYS

E = TypeVar("E", bound=enum.Enum)
T = TypeVar("T")


def parse_date(text: str) -> date | None:
    """A date written as 2026-12-01, 01/12/2026, 1.12.2026 or 1-12-2026 (day first, as in the UK)."""
    text = text.strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?", text)
    if match:
        year, month, day = (int(part) for part in match.groups())
    else:
        match = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", text)
        if not match:
            raise ValueError(f"“{text[:20]}” is not a date: write it as 31/12/1940 or 1940-12-31.")
        day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"“{text[:20]}” is not a real date.") from None


def parse_time(text: str) -> time | None:
    text = text.strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d{1,2})[:.](\d{2})(?::00)?", text)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ValueError(f"“{text[:20]}” is not a time: write it as 10:00 or 16:30.")
    return time(int(match.group(1)), int(match.group(2)))


def parse_enum(text: str, enum_class: type[E], default: E | None = None) -> E:
    key = re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")
    if not key:
        if default is None:
            raise ValueError("This is required.")
        return default
    key = ENUM_ALIASES.get(enum_class, {}).get(key, key)
    for member in enum_class:
        if member.value == key:
            return member
    allowed = ", ".join(member.value.replace("_", " ") for member in enum_class)
    raise ValueError(f"“{text[:30]}” is not one of: {allowed}.")


def parse_enum_list(text: str, enum_class: type[E]) -> frozenset[E]:
    return frozenset(parse_enum(part, enum_class) for part in re.split(r"[;,/]", text) if part.strip())


def parse_bool(text: str) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"“{text[:20]}” is not yes or no.")


def parse_int(text: str, default: int | None) -> int | None:
    text = text.strip()
    if not text:
        return default
    if not re.fullmatch(r"\d{1,4}", text):
        raise ValueError(f"“{text[:20]}” is not a whole number.")
    return int(text)


def parse_weekday(text: str) -> int | None:
    key = text.strip().lower().rstrip("s")
    if not key:
        return None
    if key in WEEKDAYS:
        return WEEKDAYS[key]
    raise ValueError(f"“{text[:20]}” is not a day of the week (Monday … Sunday).")


def parse_availability(text: str) -> dict[tuple[int, DayPart], bool]:
    """“Mon am; Tue pm*; Thu all” → {(0, morning): False, (1, afternoon): True, (3, morning): …}; * = preferred."""
    slots: dict[tuple[int, DayPart], bool] = {}
    for part in re.split(r"[;,]", text):
        words = part.strip().lower().split()
        if not words:
            continue
        preferred = part.strip().endswith("*")
        words = [word.strip("*") for word in words if word.strip("*")]
        if len(words) != 2 or words[0].rstrip("s") not in WEEKDAYS:
            raise ValueError(f"“{part.strip()[:20]}” should look like “Mon am”, “Tue pm*” or “Wed all”.")
        weekday = WEEKDAYS[words[0].rstrip("s")]
        parts = {
            "am": (DayPart.MORNING,),
            "morning": (DayPart.MORNING,),
            "pm": (DayPart.AFTERNOON,),
            "afternoon": (DayPart.AFTERNOON,),
            "all": tuple(DayPart),
            "day": tuple(DayPart),
        }.get(words[1])
        if parts is None:
            raise ValueError(f"“{words[1][:10]}” should be am, pm or all.")
        for day_part in parts:
            slots[(weekday, day_part)] = preferred
    return slots


def cell_errors(errors: dict[str, str], column: str, parse: Callable[..., T], text: str, *args: Any) -> T | None:
    """Read one cell with `parse`; a value it cannot read becomes the message for its column (and None)."""
    try:
        return parse(text, *args)
    except ValueError as error:
        errors[column] = str(error)
        return None
