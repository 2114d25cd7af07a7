"""Reading query-string arguments safely."""
from __future__ import annotations

from flask import request

MAX_PAGE = 10_000


def page_argument() -> int:
    """The ?page= number, 1 when missing or nonsense."""
    page = request.args.get("page", "1")
    return int(page) if page.isdigit() and 0 < int(page) < MAX_PAGE else 1
