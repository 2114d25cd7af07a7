"""Forms of the services beyond groceries (referrals, EXTRA, befriending, outcomes): parse into plain values.

The rules live in the services (foodtrain.services.referrals/extra/befriending/outcomes), which answer with
field errors; `apply_errors` puts those next to the fields.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from foodtrain.models import PAYMENT_METHOD_LABELS, DayPart, PaymentMethod, ReferralSource
from foodtrain.models.support import ContactKind, ExtraUrgency, Gender, ReferralOutcome, SupportService
from foodtrain.services.befriending import CONTACT_LABELS, GENDER_LABELS
from foodtrain.services.commitments import WEEKDAY_NAMES
from foodtrain.services.extra import URGENCY_LABELS
from foodtrain.services.outcomes import OUTCOME_LABELS
from foodtrain.services.referrals import OUTCOME_LABELS as REFERRAL_OUTCOME_LABELS
from foodtrain.services.referrals import SERVICE_LABELS, SOURCE_LABELS
from web.people_forms import TEXT, MultiCheckboxField, _OnceForm, _VersionedForm

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue

E = TypeVar("E", bound=enum.Enum)
PART_LABELS = {DayPart.MORNING: "Morning", DayPart.AFTERNOON: "Afternoon"}
EMPTY = ("", "— choose —")


def options(pairs: Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """(value, label) pairs as choice-list options."""
    return [SelectChoice(str(value), label) for value, label in pairs]


def _choices(labels: Mapping[Any, str], empty: bool = True) -> list[SelectChoice]:
    return options(([EMPTY] if empty else []) + [(member.value, label) for member, label in labels.items()])


def enum_of(enum_class: type[E], value: str | None) -> E | None:
    return next((member for member in enum_class if member.value == value), None)


def int_of(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


WEEKDAY_PAIRS = [(str(day), WEEKDAY_NAMES[day]) for day in range(7)]


class ReferralForm(_OnceForm):
    customer_id = SelectField("Customer", choices=[])
    service = SelectField("Service", choices=_choices(SERVICE_LABELS))
    source = SelectField("Referred by", choices=_choices(SOURCE_LABELS))
    referred_on = DateField("Date of the referral", validators=[Optional()])
    referrer_name = StringField("Who referred (name, or the agency, group or club)", validators=TEXT)
    referrer_contact = StringField("Their phone or email", validators=TEXT)
    consent_recorded = BooleanField("The person agrees to the referral (consent recorded)")
    notes = TextAreaField("Notes", validators=TEXT)


class ReferralDecisionForm(_VersionedForm):
    outcome = SelectField("Outcome", choices=_choices(REFERRAL_OUTCOME_LABELS))
    consent_recorded = BooleanField("Consent recorded")
    decline_reason = StringField("Reason, if declined", validators=TEXT)


class ExtraRequestForm(_OnceForm):
    customer_id = SelectField("Customer", choices=[])
    task_type_id = SelectField("Job", choices=[])
    details = TextAreaField("What needs doing, and where in the home", validators=TEXT)
    preferred_weekdays = MultiCheckboxField("Days that suit", choices=options(WEEKDAY_PAIRS[:6]))
    urgency = SelectField("Urgency", choices=_choices(URGENCY_LABELS, empty=False))


class ExtraScheduleForm(_VersionedForm):
    scheduled_date = DateField("Date", validators=[Optional()])
    part_of_day = SelectField("Half-day", choices=_choices(PART_LABELS))
    volunteer_id = SelectField("Volunteer", choices=[])


class ExtraCompleteForm(_VersionedForm):
    time_spent_min = IntegerField("Minutes spent", validators=[Optional()])
    amount_paid = StringField("Amount paid (£)", validators=TEXT)
    payment_method = SelectField("Paid by", choices=_choices(PAYMENT_METHOD_LABELS))
    completion_notes = TextAreaField("Notes", validators=TEXT)


class ExtraCancelForm(_VersionedForm):
    cancel_reason = StringField("Why is the job cancelled?", validators=TEXT)


class WishForm(_OnceForm):
    interests = StringField("Interests (separated by commas)", validators=TEXT)
    preferred_gender = SelectField(
        "Would like a befriender who is",
        choices=options([("", "No preference")] + [(g.value, label) for g, label in GENDER_LABELS.items()]),
    )
    language = StringField("Language wanted (leave empty if English is fine)", validators=TEXT)
    max_distance_km = IntegerField("Befriender lives within (km)", validators=[Optional()], default=10)
    weekday = SelectField("Day that suits", choices=options([("", "Any day")] + WEEKDAY_PAIRS[:6]))
    part_of_day = SelectField(
        "Half-day that suits",
        choices=options([("", "Either")] + [(p.value, label) for p, label in PART_LABELS.items()]),
    )
    notes = TextAreaField("Notes", validators=TEXT)


class MatchForm(_OnceForm):
    volunteer_id = SelectField("Befriender", choices=[])
    weekday = SelectField("They meet on", choices=options(WEEKDAY_PAIRS[:6]))
    part_of_day = SelectField("Half-day", choices=_choices(PART_LABELS, empty=False))
    started_on = DateField("First day", validators=[Optional()])
    review_every_months = IntegerField("Review every (months)", validators=[Optional()], default=3)


class ContactForm(_OnceForm):
    kind = SelectField("What", choices=_choices(CONTACT_LABELS, empty=False))
    happened_on = DateField("Date", validators=[Optional()])
    duration_min = IntegerField("Minutes", validators=[Optional()])
    notes = TextAreaField("Notes", validators=TEXT)


class ReviewForm(_VersionedForm):
    reviewed_on = DateField("Review date", validators=[Optional()])
    continues = BooleanField("The match continues", default=True)
    notes = TextAreaField("How it goes (say why if it should end)", validators=TEXT)


class EndMatchForm(_VersionedForm):
    ended_on = DateField("Last day", validators=[Optional()])
    end_reason = StringField("Why does the match end?", validators=TEXT)


class SurveyForm(_OnceForm):
    customer_id = SelectField("Customer", choices=[])
    surveyed_on = DateField("Date", validators=[Optional()])
    outcomes = MultiCheckboxField("The service helps me with", choices=options(OUTCOME_LABELS.items()))
    comments = TextAreaField("In their own words", validators=TEXT)
    on_paper = BooleanField("Typed in from the printed form")


__all__ = [
    "ContactForm",
    "EndMatchForm",
    "ExtraCancelForm",
    "ExtraCompleteForm",
    "ExtraRequestForm",
    "ExtraScheduleForm",
    "HiddenField",
    "MatchForm",
    "ReferralDecisionForm",
    "ReferralForm",
    "ReviewForm",
    "SurveyForm",
    "WishForm",
    "enum_of",
    "int_of",
    "FlaskForm",
    "ContactKind",
    "ExtraUrgency",
    "Gender",
    "PaymentMethod",
    "ReferralOutcome",
    "ReferralSource",
    "SupportService",
]


def render_form(
    form: FlaskForm,
    title: str,
    submit: str,
    *,
    back: tuple[str, str] | None = None,
    intro: str = "",
    general: list[str] | None = None,
    status: int = 200,
    template: str = "support/form.html",
    **extra: Any,
) -> ResponseReturnValue:
    from flask import render_template

    return render_template(
        template, form=form, title=title, submit=submit, back=back, intro=intro, general_errors=general or [], **extra
    ), status


class SupportProfileForm(_OnceForm):
    task_type_ids = MultiCheckboxField("EXTRA jobs they can do", choices=[])
    befriender = BooleanField("Offers befriending")
    gender = SelectField(
        "Gender (only used when a customer asks)",
        choices=options([("", "Not given")] + [(g.value, label) for g, label in GENDER_LABELS.items()]),
    )
    languages = StringField("Languages (separated by commas)", validators=TEXT)
    interests = StringField("Interests (separated by commas)", validators=TEXT)


class PriceForm(_OnceForm):
    task_name = StringField("Job (an existing one, or a new kind)", validators=TEXT)
    effective_from = DateField("Price from", validators=[Optional()])
    price = StringField("Price per job (£)", validators=TEXT)


class TaskTypeOfferForm(FlaskForm):
    """Retire a kind of EXTRA job, or offer it again ("1": offer, "0": retire)."""

    offered = HiddenField()
