"""Reading query-string arguments safely."""

from __future__ import annotations

from datetime import date

from flask import request

from foodtrain.clock import branch_today
from foodtrain.field_rules import in_delivery_window, parse_id

MAX_PAGE = 10_000


def page_argument() -> int:
    """The ?page= number, 1 when missing or nonsense."""
    page = parse_id(request.args.get("page", "1"))
    return page if page is not None and page < MAX_PAGE else 1


def date_argument(value: str | None) -> date | None:
    """A yyyy-mm-dd date from the query string, or None when missing or nonsense."""
    if not value or len(value) != 10:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if in_delivery_window(day, branch_today()) else None


def int_argument(value: str | None) -> int | None:
    """A record id from the query string (ASCII digits, within the database's integers), or None."""
    return parse_id(value)
