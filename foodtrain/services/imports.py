"""Importing customers and volunteers from the spreadsheets charities keep today (CSV and Excel .xlsx).

Upload → preview → confirm:

* `start_import` reads the file, keeps its rows (as text) in an ImportBatch row on the server under a random
  token, scoped to the branch and the user who uploaded it, and writes nothing else.
* `import_preview` checks every row (the same checks as the forms, plus duplicates and unknown shops) and
  lists each row with its problems.
* `confirm_import` checks everything again (the branch may have changed meanwhile) and writes all rows in one
  transaction, or nothing at all. A second confirm of the same batch writes nothing.

The rows are cleared from the batch once it is imported or cancelled; previews older than a day expire.
"""
from __future__ import annotations

import csv
import enum
import io
import json
import re
import secrets
import warnings
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from foodtrain import DATA_DIRECTORY
from foodtrain.models import (
    Customer,
    CustomerStatus,
    CustomerSupportNeed,
    DayPart,
    DeliveryFrequency,
    HelpFrequency,
    ImportBatch,
    ListMethod,
    PaymentMethod,
    PvgStatus,
    ReferralSource,
    Shop,
    SupportNeed,
    Volunteer,
    VolunteerRole,
)
from foodtrain.exports import safe_cell
from foodtrain.models._types import utc_now
from foodtrain.postcodes import InvalidPostcodeError, normalise_postcode
from foodtrain.services.audit import record_event
from foodtrain.services.audit import Actor
from foodtrain.services.customers import CustomerDetails, check_customer_details
from foodtrain.services.errors import NotFoundError, ValidationError
from foodtrain.services.people import in_branch
from foodtrain.services.volunteers import PvgDetails, VolunteerDetails, _apply_collections, check_volunteer_details

E = TypeVar("E", bound=enum.Enum)
T = TypeVar("T")
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
    "first_name", "last_name", "address_line1", "address_line2", "town", "postcode", "latitude", "longitude",
    "phone", "date_of_birth", "eligibility_override_reason", "referral_source", "referred_by", "joined_on",
    "membership_paid_until", "shop", "frequency", "delivery_weekday", "frequency_anchor_date", "window_start",
    "window_end", "list_method", "support_needs", "access_notes", "payment_method",
)
CUSTOMER_REQUIRED = ("first_name", "last_name", "address_line1", "town", "postcode", "shop", "delivery_weekday")
VOLUNTEER_COLUMNS = (
    "first_name", "last_name", "date_of_birth", "phone", "email", "postcode", "joined_on", "roles",
    "van_driving_approved", "pvg_status", "pvg_issued_on", "pvg_reference", "training_completed_on", "is_trainee",
    "shadow_shifts_remaining", "help_frequency", "shifts_per_month", "max_shifts_per_week", "max_consecutive_days",
    "availability",
)
VOLUNTEER_REQUIRED = ("first_name", "last_name", "date_of_birth", "roles")
COLUMNS = {"customers": CUSTOMER_COLUMNS, "volunteers": VOLUNTEER_COLUMNS}
REQUIRED = {"customers": CUSTOMER_REQUIRED, "volunteers": VOLUNTEER_REQUIRED}

# Headings people actually use in their spreadsheets, mapped onto the template's columns.
HEADER_ALIASES = {
    "forename": "first_name", "first": "first_name", "firstname": "first_name", "given_name": "first_name",
    "surname": "last_name", "last": "last_name", "lastname": "last_name", "family_name": "last_name",
    "address": "address_line1", "address_1": "address_line1", "address1": "address_line1", "street": "address_line1",
    "address_2": "address_line2", "address2": "address_line2", "post_code": "postcode", "telephone": "phone",
    "phone_number": "phone", "tel": "phone", "dob": "date_of_birth", "birth_date": "date_of_birth",
    "delivery_day": "delivery_weekday", "day": "delivery_weekday", "first_delivery": "frequency_anchor_date",
    "first_delivery_date": "frequency_anchor_date", "how_often": "frequency", "pays_by": "payment_method",
    "payment": "payment_method", "referral": "referral_source", "referred": "referral_source",
    "notes": "access_notes", "access": "access_notes", "support": "support_needs", "joined": "joined_on",
    "paid_until": "membership_paid_until", "e_mail": "email", "role": "roles", "van_driver": "van_driving_approved",
    "pvg": "pvg_status", "trainee": "is_trainee", "shadow_shifts": "shadow_shifts_remaining",
}

WEEKDAYS = {name: index for index, names in enumerate((
    ("monday", "mon"), ("tuesday", "tue", "tues"), ("wednesday", "wed"), ("thursday", "thu", "thur", "thurs"),
    ("friday", "fri"), ("saturday", "sat"), ("sunday", "sun"))) for name in names}
ENUM_ALIASES: dict[type, dict[str, str]] = {
    DeliveryFrequency: {"every_week": "weekly", "every_two_weeks": "fortnightly", "every_four_weeks": "four_weekly",
                        "4_weekly": "four_weekly", "monthly": "four_weekly", "adhoc": "ad_hoc", "now_and_then": "ad_hoc"},
    ReferralSource: {"self_referral": "self", "doctor": "gp", "social_worker": "social_work",
                     "agency": "other_agency", "another_agency": "other_agency"},
    ListMethod: {"form": "collected_form", "collected": "collected_form", "phone": "telephone",
                 "by_telephone": "telephone"},
    PaymentMethod: {"other": "other_arrangement", "arrangement": "other_arrangement"},
    PvgStatus: {"not_required": "not_needed", "none": "not_needed", "clear": "cleared", "yes": "cleared"},
    HelpFrequency: {"every_week": "weekly", "every_two_weeks": "fortnightly", "once_a_month": "monthly",
                    "times_a_month": "times_per_month"},
    VolunteerRole: {"mate": "delivery_mate", "delivery": "delivery_mate", "shop": "shopper"},
    SupportNeed: {"unpack": "unpacking", "writing": "help_writing_list", "packets": "opening_packets",
                  "labels": "reading_labels", "stairs": "carrying_upstairs", "deaf": "hearing",
                  "hard_of_hearing": "hearing"},
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


# --- reading files ---------------------------------------------------------------------------------------------


def normalise_header(text: object) -> str:
    key = re.sub(r"[^a-z0-9]+", "_", str(text or "").strip().lower()).strip("_")
    return HEADER_ALIASES.get(key, key)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0, 0) else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()[:MAX_CELL_CHARS]


def _read_csv(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise ValidationError({"file": "The file is not readable text. Save it as CSV (UTF-8) and try again."})
    if "\x00" in text:
        raise ValidationError({"file": "The file is not a CSV text file. Save it as CSV (UTF-8) or .xlsx."})
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        for row in reader:
            rows.append([cell.strip()[:MAX_CELL_CHARS] for cell in row[:MAX_COLUMNS]])
            if len(rows) > MAX_IMPORT_ROWS + 1:
                break
    except csv.Error as error:
        raise ValidationError({"file": f"The CSV file is damaged near line {reader.line_num}: {error}."}) from None
    return rows


def check_xlsx_unpacked_size(data: bytes) -> None:
    """Refuse an .xlsx that would unpack to more than MAX_XLSX_UNPACKED_BYTES (zipfile never reads past the
    sizes the archive declares, so checking the declared sizes bounds the real work)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ValidationError({"file": "The Excel file could not be read. Save it as .xlsx (or CSV) and try again."}
                              ) from None
    unpacked_bytes = sum(member.file_size for member in members)
    if len(members) > MAX_XLSX_MEMBERS or unpacked_bytes > MAX_XLSX_UNPACKED_BYTES:
        raise ValidationError({"file": f"The Excel file unpacks to {unpacked_bytes // (1024 * 1024)} MB, more than "
                                       f"the {MAX_XLSX_UNPACKED_BYTES // (1024 * 1024)} MB an import may hold: "
                                       "remove large cells, pictures or extra sheets, or save it as CSV."})


def _read_xlsx(data: bytes) -> list[list[str]]:
    import openpyxl

    check_xlsx_unpacked_size(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it ignores anyway
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                rows = []
                for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
                    rows.append([_cell_text(value) for value in values])
                    if len(rows) > MAX_IMPORT_ROWS + 1:
                        break
            finally:
                workbook.close()
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError, TypeError):
        raise ValidationError({"file": "The Excel file could not be read. Save it as .xlsx (or CSV) and try again."}
                              ) from None
    return rows


def read_table(filename: str, data: bytes) -> list[tuple[int, dict[str, str]]]:
    """The rows of the first sheet as (spreadsheet row number, {column: text}), blank rows left out."""
    name = (filename or "").lower()
    if name.endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        raw = _read_xlsx(data)
    elif name.endswith((".csv", ".txt")) or not name:
        raw = _read_csv(data)
    else:
        raise ValidationError({"file": "Upload a .csv or .xlsx file (older .xls files: save as .xlsx first)."})
    while raw and not any(raw[0]):
        raw.pop(0)
    if not raw:
        raise ValidationError({"file": "The file is empty."})
    headers = [normalise_header(cell) for cell in raw[0]]
    rows = []
    for offset, values in enumerate(raw[1:], start=2):
        if not any(value.strip() for value in values):
            continue
        cells = {header: values[index].strip() if index < len(values) else ""
                 for index, header in enumerate(headers) if header}
        rows.append((offset, cells))
    if len(rows) > MAX_IMPORT_ROWS:
        raise ValidationError({"file": f"The file has more than {MAX_IMPORT_ROWS} rows: split it into smaller files."})
    return rows


# --- reading cells ---------------------------------------------------------------------------------------------


def parse_date(text: str) -> date | None:
    """A date written as 2026-12-01, 01/12/2026, 1.12.2026 or 1-12-2026 (day first, as in the UK)."""
    text = text.strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?", text)
    if match:
        year, month, day = (int(part) for part in match.groups())
    else:
        match = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", text)
        if not match:
            raise ValueError(f"“{text[:20]}” is not a date: write it as 31/12/1940 or 1940-12-31.")
        day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"“{text[:20]}” is not a real date.") from None


def parse_time(text: str) -> time | None:
    text = text.strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d{1,2})[:.](\d{2})(?::00)?", text)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ValueError(f"“{text[:20]}” is not a time: write it as 10:00 or 16:30.")
    return time(int(match.group(1)), int(match.group(2)))


def parse_enum(text: str, enum_class: type[E], default: E | None = None) -> E:
    key = re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")
    if not key:
        if default is None:
            raise ValueError("This is required.")
        return default
    key = ENUM_ALIASES.get(enum_class, {}).get(key, key)
    for member in enum_class:
        if member.value == key:
            return member
    allowed = ", ".join(member.value.replace("_", " ") for member in enum_class)
    raise ValueError(f"“{text[:30]}” is not one of: {allowed}.")


def parse_enum_list(text: str, enum_class: type[E]) -> frozenset[E]:
    return frozenset(parse_enum(part, enum_class) for part in re.split(r"[;,/]", text) if part.strip())


def parse_bool(text: str) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"“{text[:20]}” is not yes or no.")


def parse_int(text: str, default: int | None) -> int | None:
    text = text.strip()
    if not text:
        return default
    if not re.fullmatch(r"\d{1,4}", text):
        raise ValueError(f"“{text[:20]}” is not a whole number.")
    return int(text)


def parse_weekday(text: str) -> int | None:
    key = text.strip().lower().rstrip("s")
    if not key:
        return None
    if key in WEEKDAYS:
        return WEEKDAYS[key]
    raise ValueError(f"“{text[:20]}” is not a day of the week (Monday … Sunday).")


def parse_availability(text: str) -> dict[tuple[int, DayPart], bool]:
    """“Mon am; Tue pm*; Thu all” → {(0, morning): False, (1, afternoon): True, (3, morning): …}; * = preferred."""
    slots: dict[tuple[int, DayPart], bool] = {}
    for part in re.split(r"[;,]", text):
        words = part.strip().lower().split()
        if not words:
            continue
        preferred = part.strip().endswith("*")
        words = [word.strip("*") for word in words if word.strip("*")]
        if len(words) != 2 or words[0].rstrip("s") not in WEEKDAYS:
            raise ValueError(f"“{part.strip()[:20]}” should look like “Mon am”, “Tue pm*” or “Wed all”.")
        weekday = WEEKDAYS[words[0].rstrip("s")]
        parts = {"am": (DayPart.MORNING,), "morning": (DayPart.MORNING,), "pm": (DayPart.AFTERNOON,),
                 "afternoon": (DayPart.AFTERNOON,), "all": tuple(DayPart), "day": tuple(DayPart)}.get(words[1])
        if parts is None:
            raise ValueError(f"“{words[1][:10]}” should be am, pm or all.")
        for day_part in parts:
            slots[(weekday, day_part)] = preferred
    return slots


def _cell_errors(errors: dict[str, str], column: str, parse: Callable[..., T], text: str, *args: Any) -> T | None:
    try:
        return parse(text, *args)
    except ValueError as error:
        errors[column] = str(error)
        return None


# --- checking rows ---------------------------------------------------------------------------------------------

CUSTOMER_FIELD_TO_COLUMN = {"shop_id": "shop", "latitude": "latitude", "place_by_hand": "latitude"}
VOLUNTEER_FIELD_TO_COLUMN = {"preferred_partner_ids": "roles", "never_partner_ids": "roles"}


def _next_weekday(start: date, weekday: int) -> date:
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def _customer_from_row(session: Session, branch_id: int, row: PreviewRow, shops: dict[str, int],
                       today: date) -> tuple[dict[str, object], frozenset[SupportNeed]] | None:
    cells, errors = row.cells, row.errors
    get = lambda column: cells.get(column, "")  # noqa: E731
    born = _cell_errors(errors, "date_of_birth", parse_date, get("date_of_birth"))
    joined = _cell_errors(errors, "joined_on", parse_date, get("joined_on"))
    paid_until = _cell_errors(errors, "membership_paid_until", parse_date, get("membership_paid_until"))
    anchor = _cell_errors(errors, "frequency_anchor_date", parse_date, get("frequency_anchor_date"))
    weekday = _cell_errors(errors, "delivery_weekday", parse_weekday, get("delivery_weekday"))
    window_start = _cell_errors(errors, "window_start", parse_time, get("window_start")) or time(10, 0)
    window_end = _cell_errors(errors, "window_end", parse_time, get("window_end")) or time(16, 0)
    enums = {
        "referral_source": (ReferralSource, ReferralSource.SELF), "frequency": (DeliveryFrequency,
                                                                                DeliveryFrequency.WEEKLY),
        "list_method": (ListMethod, ListMethod.COLLECTED_FORM), "payment_method": (PaymentMethod, PaymentMethod.CASH),
    }
    parsed = {column: _cell_errors(errors, column, parse_enum, get(column), enum_class, default)
              for column, (enum_class, default) in enums.items()}
    needs = None
    try:
        needs = parse_enum_list(get("support_needs"), SupportNeed)
    except ValueError as error:
        errors["support_needs"] = str(error)
    shop_name = get("shop").strip().lower()
    shop_id = shops.get(shop_name)
    if shop_name and shop_id is None:
        errors["shop"] = f"“{get('shop')[:40]}” is not one of this branch's shops ({', '.join(sorted(shops)) or 'none'})."
    elif not shop_name:
        errors["shop"] = "Name the shop."
    if anchor is None and weekday is not None and "frequency_anchor_date" not in errors:
        anchor = _next_weekday(joined or today, weekday)
    latitude, longitude = get("latitude"), get("longitude")
    details = CustomerDetails(
        first_name=get("first_name"), last_name=get("last_name"), address_line1=get("address_line1"),
        address_line2=get("address_line2"), town=get("town"), postcode=get("postcode"),
        place_by_hand=bool(latitude or longitude), latitude=latitude or None, longitude=longitude or None,
        phone=get("phone"), date_of_birth=born, eligibility_override_reason=get("eligibility_override_reason"),
        referral_source=parsed["referral_source"] or ReferralSource.SELF, referred_by=get("referred_by"),
        shop_id=shop_id if shop_id is not None else -1, delivery_weekday=weekday, frequency_anchor_date=anchor,
        frequency=parsed["frequency"] or DeliveryFrequency.WEEKLY, window_start=window_start, window_end=window_end,
        list_method=parsed["list_method"] or ListMethod.COLLECTED_FORM, support_needs=needs or frozenset(),
        access_notes=get("access_notes"), payment_method=parsed["payment_method"] or PaymentMethod.CASH,
        joined_on=joined,
    )
    try:
        checked = check_customer_details(session, branch_id, details, today)
    except ValidationError as error:
        for name, message in error.field_errors.items():
            errors.setdefault(CUSTOMER_FIELD_TO_COLUMN.get(name, name), message)
        return None
    if errors:
        return None
    if paid_until is not None and not date(1990, 1, 1) <= paid_until <= today + timedelta(days=3660):
        errors["membership_paid_until"] = "The paid-until date is not plausible: check the year."
        return None
    values = dict(checked.values)
    values["membership_paid_until"] = paid_until
    return values, checked.support_needs


def _volunteer_from_row(session: Session, branch_id: int, row: PreviewRow, today: date
                        ) -> tuple[dict[str, object], object] | None:
    cells, errors = row.cells, row.errors
    get = lambda column: cells.get(column, "")  # noqa: E731
    dates = {column: _cell_errors(errors, column, parse_date, get(column))
             for column in ("date_of_birth", "joined_on", "pvg_issued_on", "training_completed_on")}
    flags = {column: _cell_errors(errors, column, parse_bool, get(column))
             for column in ("van_driving_approved", "is_trainee")}
    numbers = {column: _cell_errors(errors, column, parse_int, get(column), default)
               for column, default in (("shadow_shifts_remaining", 0), ("shifts_per_month", 4),
                                       ("max_shifts_per_week", 2), ("max_consecutive_days", 2))}
    roles = None
    try:
        roles = parse_enum_list(get("roles"), VolunteerRole)
    except ValueError as error:
        errors["roles"] = str(error)
    pvg_status = _cell_errors(errors, "pvg_status", parse_enum, get("pvg_status"), PvgStatus, PvgStatus.PENDING)
    help_frequency = _cell_errors(errors, "help_frequency", parse_enum, get("help_frequency"), HelpFrequency,
                                  HelpFrequency.WEEKLY)
    availability = _cell_errors(errors, "availability", parse_availability, get("availability"))
    details = VolunteerDetails(
        first_name=get("first_name"), last_name=get("last_name"), date_of_birth=dates["date_of_birth"],
        email=get("email"), phone=get("phone"), postcode=get("postcode"), joined_on=dates["joined_on"],
        roles=roles or frozenset(), van_driving_approved=bool(flags["van_driving_approved"]),
        training_completed_on=dates["training_completed_on"], is_trainee=bool(flags["is_trainee"]),
        shadow_shifts_remaining=numbers["shadow_shifts_remaining"],
        help_frequency=help_frequency or HelpFrequency.WEEKLY, shifts_per_month=numbers["shifts_per_month"],
        max_shifts_per_week=numbers["max_shifts_per_week"], max_consecutive_days=numbers["max_consecutive_days"],
        availability=availability or {},
    )
    pvg = PvgDetails(status=pvg_status or PvgStatus.PENDING, issued_on=dates["pvg_issued_on"],
                     reference=get("pvg_reference"))
    try:
        checked = check_volunteer_details(session, branch_id, details, pvg, today)
    except ValidationError as error:
        for name, message in error.field_errors.items():
            errors.setdefault(VOLUNTEER_FIELD_TO_COLUMN.get(name, name), message)
        return None
    if errors:
        return None
    return dict(checked.values) | (checked.pvg or {}), checked


def _customer_key(cells: dict[str, str]) -> tuple[str, str, str]:
    postcode = cells.get("postcode", "")
    try:
        postcode = normalise_postcode(postcode)
    except InvalidPostcodeError:
        postcode = postcode.strip().upper()
    return cells.get("first_name", "").strip().lower(), cells.get("last_name", "").strip().lower(), postcode


def _volunteer_key(cells: dict[str, str]) -> tuple[str, str, str]:
    try:
        born = parse_date(cells.get("date_of_birth", ""))
    except ValueError:
        born = None
    return (cells.get("first_name", "").strip().lower(), cells.get("last_name", "").strip().lower(),
            born.isoformat() if born else "")


def _existing_keys(session: Session, branch_id: int, kind: str) -> set[tuple[str, str, str]]:
    if kind == "customers":
        rows = session.execute(in_branch(select(Customer.first_name, Customer.last_name, Customer.postcode),
                                         Customer, branch_id)).all()
        return {(row[0].strip().lower(), row[1].strip().lower(), row[2]) for row in rows}
    rows = session.execute(in_branch(select(Volunteer.first_name, Volunteer.last_name, Volunteer.date_of_birth),
                                     Volunteer, branch_id)).all()
    return {(row[0].strip().lower(), row[1].strip().lower(), row[2].isoformat()) for row in rows}


def check_rows(session: Session, branch_id: int, kind: str, rows: Iterable[PreviewRow], today: date) -> list:
    """Check each row (errors go into row.errors); returns what to write for each row (None where it has errors)."""
    shops = {name.strip().lower(): shop_id for shop_id, name in session.execute(
        in_branch(select(Shop.id, Shop.name).where(Shop.active.is_(True)), Shop, branch_id)).all()}
    existing = _existing_keys(session, branch_id, kind)
    seen: dict[tuple[str, str, str], int] = {}
    key_of = _customer_key if kind == "customers" else _volunteer_key
    results = []
    with session.no_autoflush:
        for row in rows:
            row.errors.clear()
            for column in REQUIRED[kind]:
                if not row.cells.get(column, "").strip():
                    row.errors[column] = "This is required."
            if kind == "customers":
                results.append(_customer_from_row(session, branch_id, row, shops, today))
            else:
                results.append(_volunteer_from_row(session, branch_id, row, today))
            key = key_of(row.cells)
            if key in existing:
                row.errors["duplicate"] = "Already in this branch (same name and " + (
                    "postcode)." if kind == "customers" else "date of birth).")
            elif key in seen:
                row.errors["duplicate"] = f"Same person as row {seen[key]} of this file."
            else:
                seen[key] = row.number
            if row.errors:
                results[-1] = None
    return results


# --- batches ---------------------------------------------------------------------------------------------------


def _batch(session: Session, branch_id: int, actor: Actor, token: str) -> ImportBatch:
    """The acting user's own batch (a preview is seen only by whoever uploaded it)."""
    batch = session.scalar(in_branch(select(ImportBatch).where(ImportBatch.token == (token or "")[:64],
                                                               ImportBatch.user_id == actor.user_id),
                                     ImportBatch, branch_id))
    if batch is None:
        raise NotFoundError("No such import for you in this branch.")
    if batch.status == "preview" and utc_now() - batch.created_at > BATCH_LIFETIME:
        raise NotFoundError("This import preview has expired: upload the file again.")
    return batch


def _rows_of(batch: ImportBatch) -> list[PreviewRow]:
    return [PreviewRow(number=item["row"], cells=item["cells"]) for item in json.loads(batch.rows_json or "[]")]


def start_import(session: Session, branch_id: int, *, kind: str, filename: str, data: bytes, actor: Actor) -> str:
    """Read the upload and keep its rows for the preview; returns the batch token. Writes no people."""
    if kind not in KINDS:
        raise ValidationError({"kind": "Choose customers or volunteers."})
    if not data:
        raise ValidationError({"file": "Choose a file to upload."})
    rows = read_table(filename, data)
    if not rows:
        raise ValidationError({"file": "The file has a heading row but no people in it."})
    present = set(rows[0][1])
    missing = [column for column in REQUIRED[kind] if column not in present]
    if missing:
        raise ValidationError({"file": "The file has no column for: " + ", ".join(missing)
                               + ". Start from the template to get the headings right."})
    known = set(COLUMNS[kind])
    payload = [{"row": number, "cells": {column: value for column, value in cells.items() if column in known}}
               for number, cells in rows]
    session.execute(delete(ImportBatch).where(ImportBatch.status == "preview",
                                              ImportBatch.created_at < utc_now() - BATCH_LIFETIME))
    token = secrets.token_urlsafe(32)
    session.add(ImportBatch(token=token, branch_id=branch_id, user_id=actor.user_id, kind=kind,
                            filename=Path(filename or "upload").name[:200], rows_json=json.dumps(payload),
                            row_count=len(payload)))
    record_event(session, actor=actor, action="import.upload", entity_type=kind, branch_id=branch_id,
                 detail=f"rows={len(payload)}")
    session.commit()
    return token


def ignored_columns(kind: str, headers: Iterable[str]) -> list[str]:
    return [header for header in headers if header not in COLUMNS[kind]]


def import_preview(session: Session, branch_id: int, actor: Actor, token: str, today: date) -> ImportPreview:
    """Every row of the batch with its problems (checked now, against the branch as it is now)."""
    batch = _batch(session, branch_id, actor, token)
    rows = _rows_of(batch)
    if batch.status == "preview":
        check_rows(session, branch_id, batch.kind, rows, today)
        session.rollback()  # checking reads only; end the read transaction
    return ImportPreview(token=batch.token, kind=batch.kind, filename=batch.filename, status=batch.status,
                         rows=rows, imported_count=batch.imported_count)


def confirm_import(session: Session, branch_id: int, actor: Actor, token: str, *, today: date) -> int:
    """Write every row of the batch in one transaction, or nothing; returns how many people were added.

    Raises ValidationError when any row has a problem (nothing is written). A batch already imported
    returns its count again without writing anything.
    """
    batch = _batch(session, branch_id, actor, token)
    if batch.status == "imported":
        return batch.imported_count
    if batch.status != "preview":
        raise ValidationError({"batch": "This import was cancelled: upload the file again."})
    rows = _rows_of(batch)
    results = check_rows(session, branch_id, batch.kind, rows, today)
    bad = sum(1 for row in rows if row.errors)
    if bad or not rows:
        session.rollback()
        raise ValidationError({"batch": f"{bad} row{'' if bad == 1 else 's'} still have problems: nothing was "
                                        "imported. Fix them in the spreadsheet and upload it again."})
    claimed = session.execute(update(ImportBatch).where(ImportBatch.id == batch.id, ImportBatch.status == "preview")
                              .values(status="imported", rows_json="[]", imported_count=len(rows),
                                      finished_at=utc_now()))
    if claimed.rowcount != 1:  # a concurrent confirm got there first
        session.rollback()
        return _batch(session, branch_id, actor, token).imported_count
    try:
        if batch.kind == "customers":
            for values, needs in results:
                values = dict(values)
                values.setdefault("joined_on", today)
                customer = Customer(branch_id=branch_id, status=CustomerStatus.ACTIVE, **values)
                customer.support_needs = [CustomerSupportNeed(need=need) for need in sorted(needs, key=lambda n: n.value)]
                session.add(customer)
        else:
            for values, checked in results:
                values = dict(values)
                values.setdefault("joined_on", today)
                volunteer = Volunteer(branch_id=branch_id, **values)
                _apply_collections(volunteer, checked)
                session.add(volunteer)
        session.flush()
        record_event(session, actor=actor, action="import.confirm", entity_type=batch.kind, branch_id=branch_id,
                     detail=f"rows={len(rows)} batch={batch.id}")
        session.commit()
    except Exception:
        session.rollback()
        raise
    return len(rows)


def cancel_import(session: Session, branch_id: int, actor: Actor, token: str) -> None:
    """Drop a preview and its rows (nothing was written)."""
    batch = _batch(session, branch_id, actor, token)
    if batch.status == "preview":
        batch.status, batch.rows_json, batch.finished_at = "cancelled", "[]", utc_now()
        session.commit()


def recent_imports(session: Session, branch_id: int, actor: Actor, limit: int = 10) -> Sequence[ImportBatch]:
    """The acting user's latest uploads in the branch."""
    return session.scalars(in_branch(select(ImportBatch).where(ImportBatch.user_id == actor.user_id), ImportBatch,
                                     branch_id).order_by(ImportBatch.created_at.desc()).limit(limit)).all()


# --- CSV out ---------------------------------------------------------------------------------------------------


def neutralise_cell(value: object) -> str:
    """A cell that a spreadsheet would run as a formula is written with a leading quote: the one rule of
    foodtrain.exports.safe_cell (= + - @, tab, CR, LF and their full-width forms)."""
    text = "" if value is None else str(value)
    return str(safe_cell(text))


def template_csv(kind: str) -> str:
    """The heading row of the template for customers or volunteers."""
    if kind not in KINDS:
        raise NotFoundError("No such template.")
    return (TEMPLATE_DIRECTORY / f"{kind}.csv").read_text(encoding="utf-8")


def problems_csv(preview: ImportPreview) -> str:
    """The rows with problems as CSV (the columns of the file plus row number and problem), formula-safe."""
    columns = list(COLUMNS[preview.kind])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "problems", *columns])
    for row in preview.rows:
        if row.errors:
            problems = "; ".join(f"{column}: {message}" for column, message in row.errors.items())
            writer.writerow([row.number, neutralise_cell(problems),
                             *(neutralise_cell(row.cells.get(column, "")) for column in columns)])
    return out.getvalue()

