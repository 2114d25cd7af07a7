"""Forms of the rota pages: generate, edit a slot, swap, publish, repair after a drop-out."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, InputRequired, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from foodtrain.services.errors import ValidationError as ServiceValidationError
from foodtrain.services.rota import DEFAULT_TIME_LIMIT_S, MAX_TIME_LIMIT_S, MIN_TIME_LIMIT_S, parse_month

NOBODY = 0


def _version_field() -> IntegerField:
    return IntegerField(widget=HiddenInput(), validators=[InputRequired(message="Reload the page.")])


class GenerateForm(FlaskForm):
    form_token = HiddenField()  # one per page load: a repeated submit starts no second job
    month = StringField(
        "Month to draw up",
        validators=[DataRequired(message="Choose a month.")],
        render_kw={"type": "month", "placeholder": "2026-12"},
    )
    time_limit_s = IntegerField(
        "Search time (seconds)",
        default=int(DEFAULT_TIME_LIMIT_S),
        validators=[
            InputRequired(message="Enter a number of seconds."),
            NumberRange(
                min=int(MIN_TIME_LIMIT_S),
                max=int(MAX_TIME_LIMIT_S),
                message=f"Between {int(MIN_TIME_LIMIT_S)} and {int(MAX_TIME_LIMIT_S)} seconds.",
            ),
        ],
    )

    def validate_month(self, field: StringField) -> None:
        try:
            field.parsed = parse_month(field.data or "")
        except ServiceValidationError as error:
            raise ValidationError(error.field_errors["month"]) from None


class CalendarFeedForm(FlaskForm):
    """A volunteer's calendar feed: "new" makes (or replaces) the secret address, "revoke" stops it."""

    action = StringField(validators=[AnyOf(["new", "revoke"], message="Choose what to do with the feed.")])


class VersionForm(FlaskForm):
    """Publishing: the rota's version (and the CSRF token); confirmed "1" after seeing the empty seats."""

    version = _version_field()
    confirmed = HiddenField()


class SwapForm(FlaskForm):
    version = _version_field()
    assignment_id = SelectField(
        "Person on this slot",
        coerce=int,
        validate_choice=False,
        validators=[InputRequired(message="Choose a person on this slot.")],
    )
    other_assignment_id = SelectField(
        "Swap with",
        coerce=int,
        validate_choice=False,
        validators=[InputRequired(message="Choose someone to swap with.")],
    )


class ShadowMissedForm(FlaskForm):
    """The trainee shadowing on a past slot did not come ("1"), or did after all ("0")."""

    missed = StringField(validators=[AnyOf(["0", "1"], message="Choose whether they came.")])


class RepairForm(FlaskForm):
    version = _version_field()
    volunteer_id = SelectField(
        "Volunteer who drops out",
        coerce=int,
        validate_choice=False,
        validators=[InputRequired(message="Choose the volunteer who drops out.")],
    )
    from_date = DateField("Unavailable from (first day)", validators=[Optional()])

    def validate_from_date(self, field: DateField) -> None:
        if field.data is None:
            raise ValidationError("Enter the first day they cannot help, e.g. 2026-12-10.")
        if not date(2000, 1, 1) <= field.data <= date(2100, 12, 31):
            raise ValidationError("Enter a date in the rota's month.")


def slot_form_class(seat_count: int) -> type[FlaskForm]:
    """A form with one select per seat of the slot (seat_0, seat_1, ...), the shadow seat (a trainee shadowing
    beside them, or nobody) and the rota's version."""

    class SlotForm(FlaskForm):
        version = _version_field()
        shadow = SelectField(
            "Shadowing (trainee)", coerce=int, validate_choice=False, default=NOBODY, validators=[Optional()]
        )

    for index in range(seat_count):
        setattr(
            SlotForm,
            f"seat_{index}",
            SelectField(
                f"Seat {index + 1}",
                coerce=int,
                validate_choice=False,
                validators=[InputRequired(message="Choose someone or nobody.")],
            ),
        )
    return SlotForm
