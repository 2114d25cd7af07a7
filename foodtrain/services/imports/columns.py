"""The import spreadsheets' columns, the headings people use for them, limits, and the preview rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from foodtrain import DATA_DIRECTORY
from foodtrain.models import (
    DeliveryFrequency,
    HelpFrequency,
    ListMethod,
    PaymentMethod,
    PvgStatus,
    ReferralSource,
    SupportNeed,
    VolunteerRole,
)


KINDS = ("customers", "volunteers")
MAX_IMPORT_ROWS = 2000
MAX_COLUMNS = 60
MAX_CELL_CHARS = 2000
# An .xlsx is a zip: bound what it unpacks to, not only the upload (a 400 KB file can hold gigabytes).
MAX_XLSX_UNPACKED_BYTES = 40 * 1024 * 1024
MAX_XLSX_MEMBERS = 200
BATCH_LIFETIME = timedelta(hours=24)
TEMPLATE_DIRECTORY = DATA_DIRECTORY / "import_templates"

CUSTOMER_COLUMNS = (
    "first_name",
    "last_name",
    "address_line1",
    "address_line2",
    "town",
    "postcode",
    "latitude",
    "longitude",
    "phone",
    "date_of_birth",
    "eligibility_override_reason",
    "referral_source",
    "referred_by",
    "joined_on",
    "membership_paid_until",
    "shop",
    "frequency",
    "delivery_weekday",
    "frequency_anchor_date",
    "window_start",
    "window_end",
    "list_method",
    "support_needs",
    "access_notes",
    "payment_method",
)
CUSTOMER_REQUIRED = ("first_name", "last_name", "address_line1", "town", "postcode", "shop", "delivery_weekday")
VOLUNTEER_COLUMNS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "phone",
    "email",
    "postcode",
    "joined_on",
    "roles",
    "van_driving_approved",
    "pvg_status",
    "pvg_issued_on",
    "pvg_reference",
    "training_completed_on",
    "is_trainee",
    "shadow_shifts_remaining",
    "help_frequency",
    "shifts_per_month",
    "max_shifts_per_week",
    "max_consecutive_days",
    "availability",
)
VOLUNTEER_REQUIRED = ("first_name", "last_name", "date_of_birth", "roles")
COLUMNS = {"customers": CUSTOMER_COLUMNS, "volunteers": VOLUNTEER_COLUMNS}
REQUIRED = {"customers": CUSTOMER_REQUIRED, "volunteers": VOLUNTEER_REQUIRED}

# Headings people actually use in their spreadsheets, mapped onto the template's columns.
HEADER_ALIASES = {
    "forename": "first_name",
    "first": "first_name",
    "firstname": "first_name",
    "given_name": "first_name",
    "surname": "last_name",
    "last": "last_name",
    "lastname": "last_name",
    "family_name": "last_name",
    "address": "address_line1",
    "address_1": "address_line1",
    "address1": "address_line1",
    "street": "address_line1",
    "address_2": "address_line2",
    "address2": "address_line2",
    "post_code": "postcode",
    "telephone": "phone",
    "phone_number": "phone",
    "tel": "phone",
    "dob": "date_of_birth",
    "birth_date": "date_of_birth",
    "delivery_day": "delivery_weekday",
    "day": "delivery_weekday",
    "first_delivery": "frequency_anchor_date",
    "first_delivery_date": "frequency_anchor_date",
    "how_often": "frequency",
    "pays_by": "payment_method",
    "payment": "payment_method",
    "referral": "referral_source",
    "referred": "referral_source",
    "notes": "access_notes",
    "access": "access_notes",
    "support": "support_needs",
    "joined": "joined_on",
    "paid_until": "membership_paid_until",
    "e_mail": "email",
    "role": "roles",
    "van_driver": "van_driving_approved",
    "pvg": "pvg_status",
    "trainee": "is_trainee",
    "shadow_shifts": "shadow_shifts_remaining",
}

WEEKDAYS = {
    name: index
    for index, names in enumerate(
        (
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thur", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        )
    )
    for name in names
}
ENUM_ALIASES: dict[type, dict[str, str]] = {
    DeliveryFrequency: {
        "every_week": "weekly",
        "every_two_weeks": "fortnightly",
        "every_four_weeks": "four_weekly",
        "4_weekly": "four_weekly",
        "monthly": "four_weekly",
        "adhoc": "ad_hoc",
        "now_and_then": "ad_hoc",
    },
    ReferralSource: {
        "self_referral": "self",
        "doctor": "gp",
        "social_worker": "social_work",
        "agency": "other_agency",
        "another_agency": "other_agency",
    },
    ListMethod: {
        "form": "collected_form",
        "collected": "collected_form",
        "phone": "telephone",
        "by_telephone": "telephone",
    },
    PaymentMethod: {"other": "other_arrangement", "arrangement": "other_arrangement"},
    PvgStatus: {"not_required": "not_needed", "none": "not_needed", "clear": "cleared", "yes": "cleared"},
    HelpFrequency: {
        "every_week": "weekly",
        "every_two_weeks": "fortnightly",
        "once_a_month": "monthly",
        "times_a_month": "times_per_month",
    },
    VolunteerRole: {"mate": "delivery_mate", "delivery": "delivery_mate", "shop": "shopper"},
    SupportNeed: {
        "unpack": "unpacking",
        "writing": "help_writing_list",
        "packets": "opening_packets",
        "labels": "reading_labels",
        "stairs": "carrying_upstairs",
        "deaf": "hearing",
        "hard_of_hearing": "hearing",
    },
}
TRUE_WORDS = {"yes", "y", "true", "1", "x", "✓"}
FALSE_WORDS = {"no", "n", "false", "0", ""}


@dataclass
class PreviewRow:
    number: int  # the row number in the spreadsheet (the heading is row 1)
    cells: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.cells.get('first_name', '')} {self.cells.get('last_name', '')}".strip()


@dataclass(frozen=True)
class ImportPreview:
    token: str
    kind: str
    filename: str
    status: str
    rows: Sequence[PreviewRow]
    imported_count: int

    @property
    def error_count(self) -> int:
        return sum(1 for row in self.rows if row.errors)

    @property
    def ready(self) -> bool:
        return self.status == "preview" and bool(self.rows) and self.error_count == 0
