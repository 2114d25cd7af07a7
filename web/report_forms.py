"""The report form: a date range, how to group it, and (for an admin) which branch."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice

from foodtrain.services.errors import ValidationError
from foodtrain.services.reports import Period, validate_range

ALL_BRANCHES = 0
PERIOD_CHOICES = [
    SelectChoice(Period.WEEK.value, "Week"),
    SelectChoice(Period.MONTH.value, "Month"),
    SelectChoice(Period.YEAR.value, "Year"),
    SelectChoice(Period.FINANCIAL_YEAR.value, "Financial year (April to March)"),
]


class ReportDateField(DateField):
    """A date as year-month-day (what a browser's date picker sends), with a message in plain words."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError("Enter a date as year-month-day, for example 2026-11-25.") from error


def default_range(today: date) -> tuple[date, date]:
    """The last twelve months: from the first day of the month eleven months ago, to today."""
    first = today.replace(day=1)
    for _ in range(11):
        first = (first - timedelta(days=1)).replace(day=1)
    return first, today


class ReportForm(FlaskForm):
    """Sent by GET (a report changes nothing), so it carries no CSRF token."""

    class Meta:
        csrf = False

    start = ReportDateField("From")
    end = ReportDateField("To")
    period = SelectField("Group by", choices=PERIOD_CHOICES, default=Period.MONTH.value)
    branch = SelectField("Branch", coerce=int)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.branch is not None and self.branch.errors:
            self.branch.errors = ["Choose a branch from the list."]
        if self.start.errors or self.end.errors:
            return False
        try:
            validate_range(self.start.data, self.end.data)
        except ValidationError as error:
            for name, message in error.field_errors.items():
                getattr(self, name).errors = [*getattr(self, name).errors, message]
            return False
        return valid

    @property
    def period_value(self) -> Period:
        return Period(self.period.data)
