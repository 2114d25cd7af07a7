"""Forms for customers, volunteers and imports: they parse what the browser sends into plain values.

The rules (required fields, ranges, postcode lookup, eligibility) live in the services, which answer with
field errors; `apply_errors` puts those next to the fields.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import time
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    Field,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from foodtrain.field_rules import parse_id, parse_whole_number
from foodtrain.secret_tokens import new_token
from foodtrain.models import (
    LIST_METHOD_LABELS,
    PAYMENT_METHOD_LABELS,
    SUPPORT_NEED_LABELS,
    Customer,
    DayPart,
    DeliveryFrequency,
    HelpFrequency,
    ListMethod,
    PaymentMethod,
    PvgDisclosureType,
    PvgStatus,
    ReferralSource,
    SupportNeed,
    Volunteer,
    VolunteerRole,
)
from foodtrain.services.customers import WEEKDAY_NAMES, CustomerDetails, is_placed_by_hand
from foodtrain.services.volunteers import GRID_WEEKDAYS, PvgDetails, VolunteerDetails

E = TypeVar("E", bound=enum.Enum)
D = TypeVar("D")
MAX_TEXT = 2000  # a typo guard before the services' own limits

FREQUENCY_LABELS = {
    DeliveryFrequency.WEEKLY: "Every week",
    DeliveryFrequency.FORTNIGHTLY: "Every two weeks",
    DeliveryFrequency.FOUR_WEEKLY: "Every four weeks",
    DeliveryFrequency.AD_HOC: "Now and then (ad hoc)",
}
REFERRAL_LABELS = {
    ReferralSource.SELF: "Self-referral",
    ReferralSource.FAMILY: "Family",
    ReferralSource.GP: "GP",
    ReferralSource.SOCIAL_WORK: "Social work",
    ReferralSource.OTHER_AGENCY: "Another agency",
    ReferralSource.OTHER: "Other",
}
ROLE_LABELS = {
    VolunteerRole.DRIVER: "Driver",
    VolunteerRole.DELIVERY_MATE: "Delivery mate",
    VolunteerRole.SHOPPER: "Shopper (in store)",
    VolunteerRole.OFFICE: "Office",
    VolunteerRole.PROMOTION: "Promotion",
}
HELP_FREQUENCY_LABELS = {
    HelpFrequency.WEEKLY: "Every week",
    HelpFrequency.FORTNIGHTLY: "Every two weeks",
    HelpFrequency.MONTHLY: "Once a month",
    HelpFrequency.TIMES_PER_MONTH: "A number of times a month",
}
PVG_LABELS = {
    PvgStatus.NOT_NEEDED: "Not needed for this role",
    PvgStatus.PENDING: "Pending",
    PvgStatus.CLEARED: "Cleared",
}
PVG_FIELDS = ("pvg_status", "pvg_issued_on", "pvg_reference", "pvg_disclosure_type")
PVG_TYPE_LABELS = {
    PvgDisclosureType.SCHEME_RECORD: "PVG Scheme Record",
    PvgDisclosureType.SCHEME_MEMBERSHIP_STATEMENT: "Scheme Membership Statement",
    PvgDisclosureType.SCHEME_RECORD_UPDATE: "Scheme Record Update",
}


def new_form_token() -> str:
    """A one-time token for a form (a repeated submit of the same page does nothing twice)."""
    return new_token()


def _choices(labels: Mapping[Any, str]) -> list[SelectChoice]:
    return [SelectChoice(member.value, label) for member, label in labels.items()]


def choices_of(pairs: Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """(value, label) pairs from a service as choice-list options."""
    return [SelectChoice(value, label) for value, label in pairs]


def _enum(enum_class: type[E], value: str | None, default: D) -> E | D:
    return next((member for member in enum_class if member.value == value), default)


def _no_nul(_form: FlaskForm, field: Field) -> None:
    if isinstance(field.data, str) and "\x00" in field.data:
        raise ValidationError("This contains a character that cannot be stored.")


def _max_text(_form: FlaskForm, field: Field) -> None:
    if isinstance(field.data, str) and len(field.data) > MAX_TEXT:
        raise ValidationError(f"Too long: at most {MAX_TEXT} characters.")


TEXT = [_no_nul, _max_text]


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes (keyboard-usable, one label each)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: FlaskForm) -> None:
        values = {str(choice.value) for choice in self._choices_from_input(self.choices) or []}
        for item in self.data or []:
            if str(item) not in values:
                raise ValidationError("Choose from the list.")


class _OnceForm(FlaskForm):
    """A form with a one-time token: submitting it twice has the effect of submitting it once."""

    form_token = HiddenField()

    def ensure_token(self) -> None:
        if not self.form_token.data:
            self.form_token.data = new_form_token()

    def validate_form_token(self, field: Field) -> None:
        if field.data and (len(field.data) > 64 or not field.data.replace("-", "").replace("_", "").isalnum()):
            raise ValidationError("The form is damaged: reload the page.")


class _VersionedForm(_OnceForm):
    version = HiddenField()

    @property
    def expected_version(self) -> int | None:
        return parse_id((self.version.data or "").strip())


def apply_errors(form: FlaskForm, field_errors: dict[str, str]) -> list[str]:
    """Put service errors next to their fields; returns those that belong to no field (shown at the top)."""
    general = []
    for name, message in field_errors.items():
        field = form._fields.get(name)
        if field is not None and not isinstance(field, HiddenField):
            field.errors = list(field.errors or []) + [message]
        else:
            general.append(message)
    return general


# --- customers -------------------------------------------------------------------------------------------------


class CustomerForm(_VersionedForm):
    first_name = StringField("First name", validators=TEXT)
    last_name = StringField("Last name", validators=TEXT)
    address_line1 = StringField("Address", validators=TEXT)
    address_line2 = StringField("Address line 2 (optional)", validators=TEXT)
    town = StringField("Town", validators=TEXT)
    postcode = StringField("Postcode", validators=TEXT)
    place_by_hand = BooleanField("Place by latitude and longitude (when the postcode is not found)")
    latitude = StringField("Latitude (for example 55.07)", validators=TEXT)
    longitude = StringField("Longitude (for example -3.61; west is negative)", validators=TEXT)
    phone = StringField("Phone", validators=TEXT)
    date_of_birth = DateField("Date of birth", validators=[Optional()])
    eligibility_override_reason = StringField("If under 65: why they can be a member", validators=TEXT)
    referral_source = SelectField("Referred by", choices=_choices(REFERRAL_LABELS))
    referred_by = StringField("Referrer's name or organisation (optional)", validators=TEXT)
    shop_id = SelectField("Shop", coerce=int, validate_choice=False)
    frequency = SelectField("How often", choices=_choices(FREQUENCY_LABELS))
    frequency_anchor_date = DateField("First (or any regular) delivery date", validators=[Optional()])
    delivery_weekday = SelectField(
        "Delivery day", choices=[SelectChoice(str(i), name) for i, name in enumerate(WEEKDAY_NAMES)]
    )
    window_start = TimeField("Deliver from", default=time(10, 0), validators=[Optional()])
    window_end = TimeField("Deliver by", default=time(16, 0), validators=[Optional()])
    list_method = SelectField("Shopping list comes", choices=_choices(LIST_METHOD_LABELS))
    support_needs = MultiCheckboxField("Help wanted at the door", choices=_choices(SUPPORT_NEED_LABELS))
    access_notes = TextAreaField("Access notes (key safe, knock loudly, ...)", validators=TEXT)
    payment_method = SelectField("Pays by", choices=_choices(PAYMENT_METHOD_LABELS))
    not_a_duplicate = BooleanField("This is a different person: add them anyway")

    def to_details(self) -> CustomerDetails:
        weekday = self.delivery_weekday.data
        return CustomerDetails(
            first_name=self.first_name.data or "",
            last_name=self.last_name.data or "",
            address_line1=self.address_line1.data or "",
            address_line2=self.address_line2.data or "",
            town=self.town.data or "",
            postcode=self.postcode.data or "",
            place_by_hand=bool(self.place_by_hand.data),
            latitude=self.latitude.data or None,
            longitude=self.longitude.data or None,
            phone=self.phone.data or "",
            date_of_birth=self.date_of_birth.data,
            eligibility_override_reason=self.eligibility_override_reason.data or "",
            referral_source=_enum(ReferralSource, self.referral_source.data, ReferralSource.SELF),
            referred_by=self.referred_by.data or "",
            shop_id=self.shop_id.data,
            frequency=_enum(DeliveryFrequency, self.frequency.data, DeliveryFrequency.WEEKLY),
            frequency_anchor_date=self.frequency_anchor_date.data,
            delivery_weekday=parse_whole_number(weekday, 6),
            window_start=self.window_start.data,
            window_end=self.window_end.data,
            list_method=_enum(ListMethod, self.list_method.data, ListMethod.COLLECTED_FORM),
            support_needs=frozenset(need for need in SupportNeed if need.value in (self.support_needs.data or [])),
            access_notes=self.access_notes.data or "",
            payment_method=_enum(PaymentMethod, self.payment_method.data, PaymentMethod.CASH),
        )

    def fill_from(self, customer: Customer) -> None:
        """Prefill an edit form from the stored customer."""
        for name in (
            "first_name",
            "last_name",
            "address_line1",
            "address_line2",
            "town",
            "postcode",
            "phone",
            "date_of_birth",
            "referred_by",
            "shop_id",
            "frequency_anchor_date",
            "window_start",
            "window_end",
            "access_notes",
        ):
            getattr(self, name).data = getattr(customer, name)
        self.eligibility_override_reason.data = customer.eligibility_override_reason or ""
        self.place_by_hand.data = is_placed_by_hand(customer.postcode, customer.latitude, customer.longitude)
        self.latitude.data = "" if customer.latitude is None else str(customer.latitude)
        self.longitude.data = "" if customer.longitude is None else str(customer.longitude)
        for name in ("referral_source", "frequency", "list_method", "payment_method"):
            getattr(self, name).data = getattr(customer, name).value
        self.delivery_weekday.data = str(customer.delivery_weekday)
        self.support_needs.data = [need.value for need in customer.support_need_values]
        self.version.data = str(customer.version)


class PauseForm(_VersionedForm):
    paused_from = DateField("No deliveries from", validators=[Optional()])
    paused_until = DateField("Until (leave empty if not known)", validators=[Optional()])
    reason = StringField("Reason (for example: in hospital after a fall)", validators=TEXT)


class EndForm(_VersionedForm):
    ended_on = DateField("Stopped on", validators=[Optional()])
    reason = StringField("Reason (for example: moved into a care home)", validators=TEXT)


class ResumeForm(_VersionedForm):
    """Only the tokens: resuming has no fields."""


class RenewForm(_OnceForm):
    paid_on = DateField("Paid on", validators=[Optional()])
    amount = StringField("Amount paid (£)", default="1.00", validators=TEXT)
    years = IntegerField("Years", default=1, validators=[Optional()])

    @property
    def amount_pence(self) -> int | None:
        text = (self.amount.data or "").strip().lstrip("£").strip()
        try:
            value = Decimal(text)
        except (InvalidOperation, ValueError):
            return None
        if not value.is_finite() or value < 0 or value > 10_000 or value != value.quantize(Decimal("0.01")):
            return None
        return int(value * 100)


# --- volunteers ------------------------------------------------------------------------------------------------

GRID_PARTS = (DayPart.MORNING, DayPart.AFTERNOON)


class VolunteerForm(_VersionedForm):
    first_name = StringField("First name", validators=TEXT)
    last_name = StringField("Last name", validators=TEXT)
    date_of_birth = DateField("Date of birth", validators=[Optional()])
    email = StringField("Email (optional)", validators=TEXT)
    phone = StringField("Phone", validators=TEXT)
    postcode = StringField("Postcode (optional)", validators=TEXT)
    joined_on = DateField("Joined on (empty: today)", validators=[Optional()])
    left_on = DateField("Stopped volunteering on (empty while they help)", validators=[Optional()])
    roles = MultiCheckboxField("Roles", choices=_choices(ROLE_LABELS))
    van_driving_approved = BooleanField("Approved to drive the van")
    pvg_status = SelectField("PVG status", choices=_choices(PVG_LABELS))
    pvg_issued_on = DateField("PVG issue date", validators=[Optional()])
    pvg_reference = StringField("PVG reference", validators=TEXT)
    pvg_disclosure_type = SelectField(
        "Disclosure type", choices=[SelectChoice("", "Not recorded"), *_choices(PVG_TYPE_LABELS)], validate_choice=False
    )  # anything unknown is stored as "not recorded"
    training_completed_on = DateField("Basic training completed on", validators=[Optional()])
    is_trainee = BooleanField("Trainee (shadows an experienced volunteer)")
    shadow_shifts_remaining = IntegerField("Shadow shifts still to do", default=0, validators=[Optional()])
    help_frequency = SelectField("Helps", choices=_choices(HELP_FREQUENCY_LABELS))
    shifts_per_month = IntegerField("Shifts a month", default=4, validators=[Optional()])
    max_shifts_per_week = IntegerField("Most shifts in a week", default=2, validators=[Optional()])
    max_consecutive_days = IntegerField("Most days in a row", default=2, validators=[Optional()])
    happy_to_do_extra = BooleanField("Happy to do more than their shifts a month when seats need it")
    preferred_partner_ids = MultiCheckboxField("Likes working with", coerce=int)
    never_partner_ids = MultiCheckboxField("Never pair with", coerce=int)

    def remove_pvg_fields(self) -> None:
        for name in PVG_FIELDS:
            delattr(self, name)

    @property
    def has_pvg_fields(self) -> bool:
        return "pvg_status" in self._fields

    def grid_field(self, kind: str, weekday: int, part: DayPart) -> Field:
        return self._fields[f"{kind}_{weekday}_{part.value}"]

    def to_details(self) -> VolunteerDetails:
        availability = {}
        for weekday in GRID_WEEKDAYS:
            for part in GRID_PARTS:
                preferred = bool(self.grid_field("pref", weekday, part).data)
                if self.grid_field("avail", weekday, part).data or preferred:  # preferred implies available
                    availability[(weekday, part)] = preferred
        return VolunteerDetails(
            first_name=self.first_name.data or "",
            last_name=self.last_name.data or "",
            date_of_birth=self.date_of_birth.data,
            email=self.email.data or "",
            phone=self.phone.data or "",
            postcode=self.postcode.data or "",
            joined_on=self.joined_on.data,
            left_on=self.left_on.data,
            roles=frozenset(role for role in VolunteerRole if role.value in (self.roles.data or [])),
            van_driving_approved=bool(self.van_driving_approved.data),
            training_completed_on=self.training_completed_on.data,
            is_trainee=bool(self.is_trainee.data),
            shadow_shifts_remaining=self.shadow_shifts_remaining.data or 0,
            help_frequency=_enum(HelpFrequency, self.help_frequency.data, HelpFrequency.WEEKLY),
            shifts_per_month=self.shifts_per_month.data,
            max_shifts_per_week=self.max_shifts_per_week.data,
            max_consecutive_days=self.max_consecutive_days.data,
            happy_to_do_extra=bool(self.happy_to_do_extra.data),
            availability=availability,
            preferred_partner_ids=frozenset(self.preferred_partner_ids.data or []),
            never_partner_ids=frozenset(self.never_partner_ids.data or []),
        )

    def to_pvg(self) -> PvgDetails | None:
        if not self.has_pvg_fields:
            return None
        return PvgDetails(
            status=_enum(PvgStatus, self.pvg_status.data, PvgStatus.PENDING),
            issued_on=self.pvg_issued_on.data,
            reference=self.pvg_reference.data or "",
            disclosure_type=_enum(PvgDisclosureType, self.pvg_disclosure_type.data, None),
        )

    def fill_from(self, volunteer: Volunteer) -> None:
        for name in (
            "first_name",
            "last_name",
            "date_of_birth",
            "email",
            "phone",
            "postcode",
            "joined_on",
            "left_on",
            "van_driving_approved",
            "training_completed_on",
            "is_trainee",
            "shadow_shifts_remaining",
            "shifts_per_month",
            "max_shifts_per_week",
            "max_consecutive_days",
            "happy_to_do_extra",
        ):
            getattr(self, name).data = getattr(volunteer, name)
        self.help_frequency.data = volunteer.help_frequency.value
        self.roles.data = [role.value for role in volunteer.role_values]
        if self.has_pvg_fields:
            self.pvg_status.data = volunteer.pvg_status.value
            self.pvg_issued_on.data = volunteer.pvg_issued_on
            self.pvg_reference.data = volunteer.pvg_reference
            self.pvg_disclosure_type.data = volunteer.pvg_disclosure_type.value if volunteer.pvg_disclosure_type else ""
        for row in volunteer.availability:
            if row.weekday in GRID_WEEKDAYS:
                self.grid_field("avail", row.weekday, row.day_part).data = True
                self.grid_field("pref", row.weekday, row.day_part).data = row.preferred
        self.preferred_partner_ids.data = [
            p.partner_id for p in volunteer.partner_preferences if p.kind.value == "preferred"
        ]
        self.never_partner_ids.data = [p.partner_id for p in volunteer.partner_preferences if p.kind.value == "never"]
        self.version.data = str(volunteer.version)


_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
for _weekday in GRID_WEEKDAYS:
    for _part in GRID_PARTS:
        setattr(
            VolunteerForm,
            f"avail_{_weekday}_{_part.value}",
            BooleanField(f"{_DAY_NAMES[_weekday]} {_part.value}: available"),
        )
        setattr(
            VolunteerForm,
            f"pref_{_weekday}_{_part.value}",
            BooleanField(f"{_DAY_NAMES[_weekday]} {_part.value}: preferred"),
        )


class AbsenceForm(_OnceForm):
    start_date = DateField("First day away", validators=[Optional()])
    end_date = DateField("Last day away", validators=[Optional()])
    reason = StringField("Reason (optional)", validators=TEXT)


class RemoveAbsenceForm(FlaskForm):
    """Only the CSRF token."""


# --- imports ---------------------------------------------------------------------------------------------------


class ImportUploadForm(FlaskForm):
    kind = SelectField(
        "What the file holds",
        choices=[SelectChoice("customers", "Customers"), SelectChoice("volunteers", "Volunteers")],
    )
    file = FileField("Spreadsheet (.csv or .xlsx)")


class ImportConfirmForm(FlaskForm):
    """Only the CSRF token: the rows are held on the server under the batch token."""
