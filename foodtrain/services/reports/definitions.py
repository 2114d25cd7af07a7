"""What a report is: the kinds, periods and query, and the frozen dataclasses each report returns."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from foodtrain.models import PaymentMethod
from foodtrain.models.rota import PartOfDay, SlotKind
from foodtrain.services.rota.labels import PART_TIMES


MAX_RANGE_YEARS = 5
EARLIEST_REPORT_DATE = date(1990, 1, 1)
LATEST_REPORT_DATE = date(2100, 12, 31)


def _minutes(part: PartOfDay) -> int:
    """A half-day's length by the rota's own times (PART_TIMES: what personal rotas and calendars show)."""
    (start_h, start_m), (end_h, end_m) = PART_TIMES[part]
    return (end_h * 60 + end_m) - (start_h * 60 + start_m)


# Volunteer hours credited for one seat on the published rota, by the slot's part of day: the rota's times; a
# whole day is its morning and afternoon (the break between them is not counted).
MORNING_SHIFT_HOURS = Decimal(_minutes(PartOfDay.MORNING)) / 60
AFTERNOON_SHIFT_HOURS = Decimal(_minutes(PartOfDay.AFTERNOON)) / 60
WHOLE_DAY_SHIFT_HOURS = Decimal(_minutes(PartOfDay.MORNING) + _minutes(PartOfDay.AFTERNOON)) / 60
SHIFT_HOURS = {
    PartOfDay.MORNING: MORNING_SHIFT_HOURS,
    PartOfDay.AFTERNOON: AFTERNOON_SHIFT_HOURS,
    PartOfDay.WHOLE_DAY: WHOLE_DAY_SHIFT_HOURS,
}

SLOT_KIND_LABELS = {
    SlotKind.DELIVERY: "Delivery rounds",
    SlotKind.LIST_COLLECTION: "List collection",
    SlotKind.SHOPPING: "Shopping",
    SlotKind.OFFICE: "Office",
}


class Period(enum.Enum):
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
    FINANCIAL_YEAR = "financial_year"  # April to March, as UK charities report (the case study's "2008/09")


PERIOD_HEADINGS = {
    Period.WEEK: "Week starting",
    Period.MONTH: "Month",
    Period.YEAR: "Year",
    Period.FINANCIAL_YEAR: "Financial year",
}
PERIOD_NAMES = {
    Period.WEEK: "week",
    Period.MONTH: "month",
    Period.YEAR: "year",
    Period.FINANCIAL_YEAR: "financial year",
}
FINANCIAL_YEAR_START_MONTH = 4


class ReportKind(enum.Enum):
    DELIVERIES = "deliveries"
    CUSTOMERS = "customers"
    VOLUNTEER_HOURS = "volunteer-hours"
    CHARGES = "charges"


REPORT_TITLES = {
    ReportKind.DELIVERIES: "Deliveries",
    ReportKind.CUSTOMERS: "Customers",
    ReportKind.VOLUNTEER_HOURS: "Volunteer hours",
    ReportKind.CHARGES: "Delivery charges and payments",
}


class ExportFormat(enum.Enum):
    CSV = "csv"
    XLSX = "xlsx"


@dataclass(frozen=True)
class BranchRef:
    id: int
    name: str


@dataclass(frozen=True)
class Bucket:
    """One week, month or year of a report; `start` may lie before the report's first day."""

    start: date
    label: str


@dataclass(frozen=True)
class ReportQuery:
    """What to report on: plain values, validated by `validate_query`."""

    kind: ReportKind
    branch_ids: tuple[int, ...]
    start: date
    end: date
    period: Period = Period.MONTH
    hour_value_pence: int = 1010


@dataclass(frozen=True)
class BranchDeliveries:
    branch: BranchRef
    delivered: tuple[int, ...]
    not_delivered: tuple[int, ...]

    @property
    def total_delivered(self) -> int:
        return sum(self.delivered)

    @property
    def total_not_delivered(self) -> int:
        return sum(self.not_delivered)


@dataclass(frozen=True)
class DeliveriesReport:
    query: ReportQuery
    buckets: tuple[Bucket, ...]
    branches: tuple[BranchDeliveries, ...]


@dataclass(frozen=True)
class BranchCustomers:
    branch: BranchRef
    active: int
    paused: int
    ended: int
    joined: tuple[int, ...]
    left: tuple[int, ...]

    @property
    def total_now(self) -> int:
        return self.active + self.paused + self.ended


@dataclass(frozen=True)
class CustomersReport:
    query: ReportQuery
    buckets: tuple[Bucket, ...]
    branches: tuple[BranchCustomers, ...]


@dataclass(frozen=True)
class BranchVolunteerHours:
    branch: BranchRef
    shifts: tuple[int, ...]
    hours: tuple[Decimal, ...]
    value_pence: tuple[int, ...]
    hours_by_kind: tuple[tuple[SlotKind, Decimal], ...]
    volunteers: int

    @property
    def total_hours(self) -> Decimal:
        return sum(self.hours, Decimal(0))

    @property
    def total_value_pence(self) -> int:
        return sum(self.value_pence)


@dataclass(frozen=True)
class VolunteerHoursReport:
    query: ReportQuery
    buckets: tuple[Bucket, ...]
    branches: tuple[BranchVolunteerHours, ...]


@dataclass(frozen=True)
class BranchCharges:
    branch: BranchRef
    paid_deliveries: tuple[int, ...]
    unpaid_deliveries: tuple[int, ...]
    charges_pence: tuple[int, ...]
    received_pence: tuple[tuple[PaymentMethod, tuple[int, ...]], ...]

    @property
    def total_charges_pence(self) -> int:
        return sum(self.charges_pence)

    def received_total(self, index: int) -> int:
        return sum(amounts[index] for _, amounts in self.received_pence)


@dataclass(frozen=True)
class ChargesReport:
    query: ReportQuery
    buckets: tuple[Bucket, ...]
    branches: tuple[BranchCharges, ...]


Report = DeliveriesReport | CustomersReport | VolunteerHoursReport | ChargesReport


@dataclass(frozen=True)
class ExportFile:
    filename: str
    media_type: str
    content: bytes
