"""Dates and buckets: checking a date range and cutting it into ISO weeks, months, financial or calendar years."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from foodtrain.services.errors import ValidationError
from foodtrain.services.reports.definitions import (
    Bucket,
    EARLIEST_REPORT_DATE,
    FINANCIAL_YEAR_START_MONTH,
    LATEST_REPORT_DATE,
    MAX_RANGE_YEARS,
    Period,
    ReportQuery,
)


def add_years(day: date, years: int) -> date:
    """The same day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def validate_range(start: date | None, end: date | None) -> None:
    """A report's date range: both dates given, in the supported years, end not before start, at most 5 years."""
    errors: dict[str, str] = {}
    for name, value in (("start", start), ("end", end)):
        if value is None:
            errors[name] = "Enter a date, for example 2026-11-25."
        elif not EARLIEST_REPORT_DATE <= value <= LATEST_REPORT_DATE:
            errors[name] = f"Choose a date between {EARLIEST_REPORT_DATE.year} and {LATEST_REPORT_DATE.year}."
    if not errors and start is not None and end is not None:
        if end < start:
            errors["end"] = "The end date must be on or after the start date."
        elif end > add_years(start, MAX_RANGE_YEARS):
            errors["end"] = f"Choose a range of at most {MAX_RANGE_YEARS} years."
    if errors:
        raise ValidationError(errors)


def validate_query(query: ReportQuery) -> None:
    validate_range(query.start, query.end)
    if not query.branch_ids:
        raise ValidationError({"branch": "Choose a branch."})
    if not 0 <= query.hour_value_pence <= 100_000:
        raise ValidationError({"hour_value": "The value of an hour must be between £0 and £1,000."})


def period_start(day: date, period: Period) -> date:
    """The first day of the ISO week (Monday), month or year that holds `day`."""
    if period is Period.WEEK:
        return day - timedelta(days=day.weekday())
    if period is Period.MONTH:
        return day.replace(day=1)
    if period is Period.FINANCIAL_YEAR:
        year = day.year if day.month >= FINANCIAL_YEAR_START_MONTH else day.year - 1
        return date(year, FINANCIAL_YEAR_START_MONTH, 1)
    return day.replace(month=1, day=1)


def _next_period(start: date, period: Period) -> date:
    if period is Period.WEEK:
        return start + timedelta(days=7)
    if period is Period.MONTH:
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start.replace(year=start.year + 1)


def bucket_label(start: date, period: Period) -> str:
    if period is Period.WEEK:
        return f"{start.day} {start:%b %Y}"
    if period is Period.MONTH:
        return f"{start:%b %Y}"
    if period is Period.FINANCIAL_YEAR:
        return f"{start.year}/{(start.year + 1) % 100:02d}"
    return str(start.year)


def period_buckets(start: date, end: date, period: Period) -> tuple[Bucket, ...]:
    """Every week, month or year that overlaps [start, end], in order (empty ones too, so charts show gaps)."""
    buckets = []
    current = period_start(start, period)
    while current <= end:
        buckets.append(Bucket(current, bucket_label(current, period)))
        current = _next_period(current, period)
    return tuple(buckets)


def bucket_counts(rows: Sequence[tuple[date, int]], buckets: tuple[Bucket, ...], period: Period) -> list[int]:
    """Per-day figures summed into their buckets."""
    index = {bucket.start: position for position, bucket in enumerate(buckets)}
    totals = [0] * len(buckets)
    for day, amount in rows:
        position = index.get(period_start(day, period))
        if position is not None:
            totals[position] += int(amount or 0)
    return totals
