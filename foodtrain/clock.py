"""The branch's clock: which day it is where the volunteers work.

Every branch is in the UK, so "today" is the date in Europe/London, whatever clock the server
keeps (a server on UTC is an hour behind in summer: at 00:30 BST it is still yesterday there).
Stored timestamps stay naive UTC (foodtrain.models._types.utc_now)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

BRANCH_TIMEZONE = ZoneInfo("Europe/London")


def branch_today(now: datetime | None = None) -> date:
    """Today's date for the branch; `now` (timezone-aware) is for tests."""
    return (now or datetime.now(BRANCH_TIMEZONE)).astimezone(BRANCH_TIMEZONE).date()
