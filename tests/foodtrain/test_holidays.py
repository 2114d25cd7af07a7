"""Scottish bank holidays computed offline, substitute days included (checked against the published lists)."""

from __future__ import annotations

from datetime import date

import pytest

from foodtrain.holidays import easter_sunday, scottish_public_holidays


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (
            2026,
            [
                "2026-01-01",
                "2026-01-02",
                "2026-04-03",
                "2026-05-04",
                "2026-05-25",
                "2026-08-03",
                "2026-11-30",
                "2026-12-25",
                "2026-12-28",
            ],
        ),
        (
            2022,
            [
                "2022-01-03",
                "2022-01-04",
                "2022-04-15",
                "2022-05-02",
                "2022-05-30",
                "2022-08-01",
                "2022-11-30",
                "2022-12-26",
                "2022-12-27",
            ],
        ),
        (
            2023,
            [
                "2023-01-02",
                "2023-01-03",
                "2023-04-07",
                "2023-05-01",
                "2023-05-29",
                "2023-08-07",
                "2023-11-30",
                "2023-12-25",
                "2023-12-26",
            ],
        ),
        (
            2027,
            [
                "2027-01-01",
                "2027-01-04",
                "2027-03-26",
                "2027-05-03",
                "2027-05-31",
                "2027-08-02",
                "2027-11-30",
                "2027-12-27",
                "2027-12-28",
            ],
        ),
    ],
)
def test_scottish_bank_holidays(year: int, expected: list[str]) -> None:
    """The nine Scottish bank holidays, weekend ones moved to the next free weekday; no Easter Monday."""
    holidays = scottish_public_holidays(year)
    assert [day.isoformat() for day in holidays] == expected
    assert easter_sunday(year) + (date(2000, 1, 2) - date(2000, 1, 1)) not in holidays


def test_substitute_days_are_named_and_boxing_day_keeps_a_weekday() -> None:
    """2022: Christmas (Sunday) moves to Tuesday 27 because Boxing Day keeps Monday 26."""
    holidays = scottish_public_holidays(2022)
    assert holidays[date(2022, 12, 26)] == "Boxing Day"
    assert holidays[date(2022, 12, 27)] == "Christmas Day (substitute day)"
    assert scottish_public_holidays(2026)[date(2026, 12, 28)] == "Boxing Day (substitute day)"
    assert easter_sunday(2024) == date(2024, 3, 31) and easter_sunday(2026) == date(2026, 4, 5)
