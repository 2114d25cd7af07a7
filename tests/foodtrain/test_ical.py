"""iCalendar output (written by the icalendar package): parses back, RFC 5545 folding and CRLF, UID, DTSTAMP,
Europe/London times with their VTIMEZONE."""

from __future__ import annotations

from datetime import datetime, timezone

from icalendar import Calendar

from foodtrain.clock import BRANCH_TIMEZONE
from foodtrain.ical import CalendarEvent, build_calendar

STAMP = datetime(2026, 11, 25, 14, 3, 9)


def _unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_every_line_ends_with_crlf_and_fits_75_octets() -> None:
    """Lines are CRLF-terminated and at most 75 octets, long UTF-8 text included."""
    event = CalendarEvent(
        uid="rota-slot-1-volunteer-2@foodtrain",
        start=datetime(2026, 12, 1, 9),
        end=datetime(2026, 12, 1, 16, 30),
        summary="Delivery — Ünïcödé " * 12,
        description="With: Agnès Ó Súilleabháin (delivery mate)\nsecond line " * 5,
    )
    text = build_calendar([event], name="Rota", stamp_utc=STAMP)
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    for line in text.split("\r\n")[:-1]:
        assert len(line.encode("utf-8")) <= 75


def test_text_with_commas_semicolons_and_newlines_parses_back_unchanged() -> None:
    """Escaping round-trips: what a calendar app reads is exactly the text that went in."""
    text = "Van 1, Dumfries; back door\nWith: O'Neil \\ Smith"
    event = CalendarEvent(
        uid="u-1@foodtrain",
        start=datetime(2026, 12, 1, 9),
        end=datetime(2026, 12, 1, 12),
        summary=text,
        description=text,
        location=text,
    )
    parsed = Calendar.from_ical(build_calendar([event], name="Rota, Dora", stamp_utc=STAMP))
    (vevent,) = parsed.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == str(vevent["DESCRIPTION"]) == str(vevent["LOCATION"]) == text
    assert str(parsed["X-WR-CALNAME"]) == "Rota, Dora"


def test_calendar_has_uid_dtstamp_and_local_times() -> None:
    """Each event carries its UID, a UTC DTSTAMP and Europe/London start/end; the calendar has a VTIMEZONE."""
    events = [
        CalendarEvent(
            uid=f"rota-slot-{n}-volunteer-7@foodtrain",
            start=datetime(2026, 12, n, 9),
            end=datetime(2026, 12, n, 12, 30),
            summary="Office",
        )
        for n in (1, 2)
    ]
    text = build_calendar(events, name="Rota", stamp_utc=STAMP)
    lines = _unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and "VERSION:2.0" in lines and lines[-2] == "END:VCALENDAR"
    assert "BEGIN:VTIMEZONE" in lines and "TZID:Europe/London" in lines
    assert lines.count("BEGIN:VEVENT") == 2 and lines.count("DTSTAMP:20261125T140309Z") == 2
    assert "DTSTART;TZID=Europe/London:20261201T090000" in lines
    assert "DTEND;TZID=Europe/London:20261202T123000" in lines
    parsed = Calendar.from_ical(text)
    second = parsed.walk("VEVENT")[1]
    assert str(second["UID"]) == "rota-slot-2-volunteer-7@foodtrain"
    assert second.decoded("DTSTART") == datetime(2026, 12, 2, 9, tzinfo=BRANCH_TIMEZONE)
    assert second.decoded("DTSTAMP") == datetime(2026, 11, 25, 14, 3, 9, tzinfo=timezone.utc)


def test_summer_times_are_british_summer_time() -> None:
    """A July shift at 09:00 local is 08:00 UTC once parsed back (the VTIMEZONE knows BST)."""
    event = CalendarEvent(
        uid="u@foodtrain", start=datetime(2026, 7, 1, 9), end=datetime(2026, 7, 1, 12), summary="Office"
    )
    (vevent,) = Calendar.from_ical(build_calendar([event], name="Rota", stamp_utc=STAMP)).walk("VEVENT")
    assert vevent.decoded("DTSTART").astimezone(timezone.utc).hour == 8
