"""Scottish public (bank) holidays, computed offline for any year.

Scotland's bank holidays: New Year's Day and 2 January, Good Friday, the early May and spring bank holidays
(first and last Monday of May), the summer bank holiday (first Monday of August), St Andrew's Day
(30 November), Christmas Day and Boxing Day. Easter Monday is not a bank holiday in Scotland. A holiday that
falls on a weekend moves to the next weekday that is not already a holiday (the substitute day). One-off
holidays proclaimed for a single year (coronations, jubilees) are not known here: a branch enters them as
closure days.
"""

from __future__ import annotations

from datetime import date, timedelta

__all__ = ["easter_sunday", "scottish_public_holidays"]


def easter_sunday(year: int) -> date:
    """Western Easter Sunday (the anonymous Gregorian computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month = (h + el - 7 * m + 114) // 31
    day = (h + el - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def _first_monday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    last = (date(year + (month == 12), month % 12 + 1, 1)) - timedelta(days=1)
    return last - timedelta(days=last.weekday())


def _with_substitutes(holidays: dict[date, str], fixed: list[tuple[date, str]]) -> None:
    """Add fixed-date holidays: those on weekdays keep their date; the others, in order, move to the next
    weekday that is not already a holiday (2022: Boxing Day Monday 26, Christmas substitute Tuesday 27)."""
    moved = []
    for day, name in fixed:
        if day.weekday() < 5 and day not in holidays:
            holidays[day] = name
        else:
            moved.append((day, name))
    for day, name in moved:
        substitute = day
        while substitute.weekday() >= 5 or substitute in holidays:
            substitute += timedelta(days=1)
        holidays[substitute] = f"{name} (substitute day)"


def scottish_public_holidays(year: int) -> dict[date, str]:
    """Every Scottish bank holiday of ``year``: date -> name, in date order."""
    easter = easter_sunday(year)
    holidays: dict[date, str] = {
        easter - timedelta(days=2): "Good Friday",
        _first_monday(year, 5): "Early May bank holiday",
        _last_monday(year, 5): "Spring bank holiday",
        _first_monday(year, 8): "Summer bank holiday",
    }
    _with_substitutes(holidays, [(date(year, 1, 1), "New Year's Day"), (date(year, 1, 2), "2nd January")])
    _with_substitutes(holidays, [(date(year, 11, 30), "St Andrew's Day")])
    _with_substitutes(holidays, [(date(year, 12, 25), "Christmas Day"), (date(year, 12, 26), "Boxing Day")])
    return dict(sorted(holidays.items()))
