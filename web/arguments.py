"""Reading query-string arguments safely."""
from __future__ import annotations

from datetime import date

from flask import request

MAX_PAGE = 10_000


def page_argument() -> int:
    """The ?page= number, 1 when missing or nonsense."""
    page = request.args.get("page", "1")
    return int(page) if page.isdigit() and 0 < int(page) < MAX_PAGE else 1


def date_argument(value: str | None) -> date | None:
    """A yyyy-mm-dd date from the query string, or None when missing or nonsense."""
    if not value or len(value) != 10:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if 2000 <= day.year <= 2100 else None


def int_argument(value: str | None) -> int | None:
    """A small positive whole number from the query string, or None."""
    return int(value) if value and value.isascii() and value.isdigit() and len(value) < 10 else None
