"""iCalendar (RFC 5545) files of a volunteer's calendar, written by the ``icalendar`` package.

Only calendar facts go in (date, time, role, van/shop, team-mates' names, a
town): never customer data. Event times are the branch's local time; the
package writes the VTIMEZONE of the branch's zone from the time-zone database
(no hand-kept daylight-saving block), escapes text and folds long lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

from icalendar import Calendar, Event

from foodtrain.clock import BRANCH_TIMEZONE

PRODUCT_ID = "-//foodtrain//volunteer calendar//EN"


@dataclass(frozen=True)
class CalendarEvent:
    """One event: ``start``/``end`` are naive local times of the branch (Europe/London)."""

    uid: str
    start: datetime
    end: datetime
    summary: str
    description: str = ""
    location: str = ""
    cancelled: bool = False  # STATUS:CANCELLED: calendar apps strike the event through rather than lose it


def build_calendar(events: Iterable[CalendarEvent], *, name: str, stamp_utc: datetime) -> str:
    """The whole VCALENDAR text (CRLF line ends, folded lines). ``stamp_utc`` is naive UTC (DTSTAMP)."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", BRANCH_TIMEZONE.key)
    stamp = stamp_utc.replace(tzinfo=timezone.utc)
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", item.start.replace(tzinfo=BRANCH_TIMEZONE))
        event.add("dtend", item.end.replace(tzinfo=BRANCH_TIMEZONE))
        event.add("summary", item.summary)
        if item.description:
            event.add("description", item.description)
        if item.location:
            event.add("location", item.location)
        if item.cancelled:
            event.add("status", "CANCELLED")
        event.add("transp", "TRANSPARENT" if item.cancelled else "OPAQUE")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical().decode("utf-8")
