"""iCalendar (RFC 5545) files of a volunteer's rota: escaped text, folded lines, CRLF, UID and DTSTAMP.

Only rota facts go in (date, time, role, van/shop, team-mates' names): never
customer data. Times are local UK times with a VTIMEZONE for Europe/London.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

PRODUCT_ID = "-//foodtrain//volunteer rota//EN"
TIMEZONE_ID = "Europe/London"
MAX_LINE_OCTETS = 75

# Europe/London since 1996: BST from the last Sunday of March 01:00 UTC to the last Sunday of October.
_VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    f"TZID:{TIMEZONE_ID}",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0000",
    "TZOFFSETTO:+0100",
    "TZNAME:BST",
    "DTSTART:19810329T010000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0000",
    "TZNAME:GMT",
    "DTSTART:19961027T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
)


@dataclass(frozen=True)
class CalendarEvent:
    """One event: ``start``/``end`` are naive local (Europe/London) times."""

    uid: str
    start: datetime
    end: datetime
    summary: str
    description: str = ""
    location: str = ""


def escape_text(value: str) -> str:
    """RFC 5545 TEXT escaping: backslash, semicolon, comma and newlines."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return "".join(ch for ch in value if ch == "\t" or ord(ch) >= 0x20 and ord(ch) != 0x7F)


def fold_line(line: str) -> str:
    """Fold a content line into chunks of at most 75 octets, never splitting a UTF-8 character;
    continuation lines start with one space (RFC 5545 section 3.1)."""
    out: list[str] = []
    current, size, limit = [], 0, MAX_LINE_OCTETS
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            out.append("".join(current))
            current, size, limit = [" "], 1, MAX_LINE_OCTETS
        current.append(ch)
        size += width
    out.append("".join(current))
    return "\r\n".join(out)


def _local(value: datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%S")


def build_calendar(events: Iterable[CalendarEvent], *, name: str, stamp_utc: datetime) -> str:
    """The whole VCALENDAR text, CRLF line ends, folded lines. ``stamp_utc`` is naive UTC (DTSTAMP)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT_ID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        f"X-WR-TIMEZONE:{TIMEZONE_ID}",
        *_VTIMEZONE,
    ]
    stamp = stamp_utc.strftime("%Y%m%dT%H%M%SZ")
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{escape_text(event.uid)}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;TZID={TIMEZONE_ID}:{_local(event.start)}",
            f"DTEND;TZID={TIMEZONE_ID}:{_local(event.end)}",
            f"SUMMARY:{escape_text(event.summary)}",
        ]
        if event.description:
            lines.append(f"DESCRIPTION:{escape_text(event.description)}")
        if event.location:
            lines.append(f"LOCATION:{escape_text(event.location)}")
        lines += ["TRANSP:OPAQUE", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) + "\r\n" for line in lines)
