"""One rule for how long a rota shift is: the hours the reports credit come from the times the rota shows."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from foodtrain.models import PartOfDay
from foodtrain.services.reports.definitions import SHIFT_HOURS
from foodtrain.services.rota.labels import PART_TIMES


def _shown(part: PartOfDay) -> timedelta:
    (start_h, start_m), (end_h, end_m) = PART_TIMES[part]
    return datetime(2026, 12, 7, end_h, end_m) - datetime(2026, 12, 7, start_h, start_m)


def test_reported_hours_are_the_shift_times_on_the_rota_and_a_whole_day_is_both_halves() -> None:
    """Morning and afternoon are credited as long as the rota (and a volunteer's calendar) shows them; a whole day
    runs from the morning's start to the afternoon's end and is credited as the two halves, without the break."""
    for part in (PartOfDay.MORNING, PartOfDay.AFTERNOON):
        assert SHIFT_HOURS[part] == Decimal(_shown(part).seconds) / 3600
    assert PART_TIMES[PartOfDay.WHOLE_DAY] == (PART_TIMES[PartOfDay.MORNING][0], PART_TIMES[PartOfDay.AFTERNOON][1])
    assert SHIFT_HOURS[PartOfDay.WHOLE_DAY] == SHIFT_HOURS[PartOfDay.MORNING] + SHIFT_HOURS[PartOfDay.AFTERNOON]
    assert SHIFT_HOURS[PartOfDay.WHOLE_DAY] < Decimal(_shown(PartOfDay.WHOLE_DAY).seconds) / 3600
    assert [str(SHIFT_HOURS[part]) for part in PartOfDay] == ["3.5", "3.5", "7"]  # as the report's note words them
