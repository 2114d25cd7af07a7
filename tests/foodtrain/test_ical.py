"""iCalendar output: RFC 5545 line folding, CRLF, escaping, UID and DTSTAMP; rota facts only."""
from __future__ import annotations

from datetime import datetime

from foodtrain.ical import CalendarEvent, build_calendar, escape_text, fold_line

STAMP = datetime(2026, 11, 25, 14, 3, 9)


def _unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_every_line_ends_with_crlf_and_fits_75_octets() -> None:
    """Lines are CRLF-terminated and at most 75 octets, long UTF-8 text included."""
    event = CalendarEvent(uid="rota-slot-1-volunteer-2@foodtrain", start=datetime(2026, 12, 1, 9),
                          end=datetime(2026, 12, 1, 16, 30), summary="Delivery — Ünïcödé " * 12,
                          description="With: Agnès Ó Súilleabháin (delivery mate)\nsecond line " * 5)
    text = build_calendar([event], name="Rota", stamp_utc=STAMP)
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    for line in text.split("\r\n")[:-1]:
        assert len(line.encode("utf-8")) <= 75
    text.encode("utf-8").decode("utf-8")  # no character split across a fold


def test_folding_round_trips_and_continuations_start_with_a_space() -> None:
    """Unfolding (remove CRLF + space) gives back the original line."""
    line = "DESCRIPTION:" + "é" * 100 + "x" * 90
    folded = fold_line(line)
    assert all(part.startswith(" ") for part in folded.split("\r\n")[1:])
    assert folded.replace("\r\n ", "") == line


def test_text_is_escaped() -> None:
    """Commas, semicolons, backslashes and newlines are escaped; control characters dropped."""
    assert escape_text("a,b;c\\d\ne\x00") == "a\\,b\\;c\\\\d\\ne"


def test_calendar_has_uid_dtstamp_and_local_times() -> None:
    """Each event carries its UID, a UTC DTSTAMP and Europe/London start/end; the calendar has a VTIMEZONE."""
    events = [CalendarEvent(uid=f"rota-slot-{n}-volunteer-7@foodtrain", start=datetime(2026, 12, n, 9),
                            end=datetime(2026, 12, n, 12, 30), summary="Office") for n in (1, 2)]
    lines = _unfold(build_calendar(events, name="Rota, Dora", stamp_utc=STAMP))
    assert lines[0] == "BEGIN:VCALENDAR" and "VERSION:2.0" in lines and lines[-2] == "END:VCALENDAR"
    assert "X-WR-CALNAME:Rota\\, Dora" in lines and "BEGIN:VTIMEZONE" in lines
    assert lines.count("BEGIN:VEVENT") == 2 and lines.count("DTSTAMP:20261125T140309Z") == 2
    assert "UID:rota-slot-2-volunteer-7@foodtrain" in lines
    assert "DTSTART;TZID=Europe/London:20261201T090000" in lines
    assert "DTEND;TZID=Europe/London:20261202T123000" in lines
