"""Forms of the route planning pages: plan a day, move an order, lock a round, publish."""

from __future__ import annotations

from datetime import time

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, TimeField
from wtforms.validators import DataRequired, InputRequired, ValidationError

from foodtrain.field_rules import parse_id
from foodtrain.services.planning.storing import DEFAULT_TIME_LIMIT_S, shift_end_problem, time_limit_problem


class PlanDayForm(FlaskForm):
    """Plan (or re-plan) a delivery date: the teams' shift and how long the search may take."""

    delivery_date = DateField("Delivery date", validators=[DataRequired("Give the delivery date.")])
    shift_start = TimeField("Teams start at", default=time(9, 0), validators=[DataRequired("Give a time like 09:00.")])
    shift_end = TimeField(
        "Teams are back by", default=time(16, 0), validators=[DataRequired("Give a time like 16:00.")]
    )
    time_limit_s = IntegerField(
        "Search time (seconds)", default=DEFAULT_TIME_LIMIT_S, validators=[InputRequired("Give a number of seconds.")]
    )

    # the planning service's own rules (it checks them again for every plan), shown by the fields
    def validate_shift_end(self, field: TimeField) -> None:
        start = self.shift_start.data
        problem = shift_end_problem(start, field.data) if start is not None and field.data is not None else None
        if problem:
            raise ValidationError(problem)

    def validate_time_limit_s(self, field: IntegerField) -> None:
        problem = time_limit_problem(field.data) if field.data is not None else None
        if problem:
            raise ValidationError(problem)


def _int_or_none(value: object) -> int | None:
    """An id or version in ASCII digits within the database's integers, else None (refused as missing)."""
    return parse_id(value)


class PlanChangeForm(FlaskForm):
    """The plan's version when the page was shown (a stale one is refused)."""

    version = HiddenField(filters=[_int_or_none], validators=[DataRequired("Reload the page.")])


class MoveOrderForm(PlanChangeForm):
    order_id = HiddenField(filters=[_int_or_none], validators=[DataRequired("Choose an order.")])
    van_id = SelectField("Move to", coerce=int, validate_choice=False, validators=[InputRequired("Choose a van.")])


class LockRoundForm(PlanChangeForm):
    van_id = HiddenField(filters=[_int_or_none], validators=[DataRequired("Choose a van.")])
    locked = HiddenField(validators=[InputRequired()])


class PublishForm(PlanChangeForm):
    """Publish the plan to its teams ("1" in confirmed: after seeing what is unstaffed or unplanned)."""

    confirmed = HiddenField()
