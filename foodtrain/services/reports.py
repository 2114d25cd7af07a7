"""Reports for a branch (or all branches side by side): deliveries, customers, volunteer hours, charges.

Each report is aggregated in the database with GROUP BY on the date column
(portable between SQLite and PostgreSQL: no date-truncation functions), then the
few rows per day are bucketed by ISO week, month or year here. Every query of
branch-owned rows goes through `in_branch`. The reports are plain frozen
dataclasses; `report_tables` and `report_charts` turn one into the tables and SVG
charts a page shows, and `export_report` into an audited CSV or Excel file.
"""
from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from foodtrain.charts import Series, bar_chart
from foodtrain.exports import (
    CSV_MEDIA_TYPE,
    XLSX_MEDIA_TYPE,
    CellKind,
    Column,
    Table,
    tables_to_csv,
    tables_to_xlsx,
)
from foodtrain.models import PAYMENT_METHOD_LABELS, Branch, Customer, CustomerStatus, Order, OrderStatus, PaymentMethod
from foodtrain.models.rota import PartOfDay, Rota, RotaAssignment, RotaSlot, RotaStatus, SlotKind
from foodtrain.money import format_pence
from foodtrain.services.audit import Actor, record_event
from foodtrain.services.errors import NotFoundError, ValidationError
from foodtrain.services.people import in_branch

MAX_RANGE_YEARS = 5
EARLIEST_REPORT_DATE = date(1990, 1, 1)
LATEST_REPORT_DATE = date(2100, 12, 31)

# Volunteer hours credited for one seat on the published rota, by the slot's part of day.
MORNING_SHIFT_HOURS = Decimal("3.5")
AFTERNOON_SHIFT_HOURS = Decimal("3.5")
WHOLE_DAY_SHIFT_HOURS = Decimal("7")
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


PERIOD_HEADINGS = {Period.WEEK: "Week starting", Period.MONTH: "Month", Period.YEAR: "Year",
                   Period.FINANCIAL_YEAR: "Financial year"}
PERIOD_NAMES = {Period.WEEK: "week", Period.MONTH: "month", Period.YEAR: "year",
                Period.FINANCIAL_YEAR: "financial year"}
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


# --- dates and buckets -----------------------------------------------------------------------------------------


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


def _bucket_counts(rows: Sequence[tuple[date, int]], buckets: tuple[Bucket, ...], period: Period) -> list[int]:
    """Per-day figures summed into their buckets."""
    index = {bucket.start: position for position, bucket in enumerate(buckets)}
    totals = [0] * len(buckets)
    for day, amount in rows:
        position = index.get(period_start(day, period))
        if position is not None:
            totals[position] += int(amount or 0)
    return totals


# --- branches ------------------------------------------------------------------------------------------------


def list_branches(session: Session) -> list[BranchRef]:
    """All branches by name (for an admin's choice)."""
    rows = session.execute(select(Branch.id, Branch.name).order_by(Branch.name))
    return [BranchRef(row.id, row.name) for row in rows]


def _branches(session: Session, branch_ids: Sequence[int]) -> list[BranchRef]:
    names = dict(session.execute(select(Branch.id, Branch.name).where(Branch.id.in_(list(branch_ids)))).all())
    missing = [branch_id for branch_id in branch_ids if branch_id not in names]
    if missing:
        raise NotFoundError(f"No branch {missing[0]}.")
    return [BranchRef(branch_id, names[branch_id]) for branch_id in dict.fromkeys(branch_ids)]


# --- the reports ---------------------------------------------------------------------------------------------


def deliveries_report(session: Session, query: ReportQuery) -> DeliveriesReport:
    """Delivered and not-delivered orders per week, month or year, for each branch asked for."""
    validate_query(query)
    buckets = period_buckets(query.start, query.end, query.period)
    rows = []
    for branch in _branches(session, query.branch_ids):
        counts = session.execute(
            in_branch(select(Order.delivery_date, Order.status, func.count(Order.id)), Order, branch.id)
            .where(Order.delivery_date.between(query.start, query.end),
                   Order.status.in_([OrderStatus.DELIVERED, OrderStatus.NOT_DELIVERED]))
            .group_by(Order.delivery_date, Order.status)
        ).all()
        delivered = [(day, count) for day, status, count in counts if status is OrderStatus.DELIVERED]
        not_delivered = [(day, count) for day, status, count in counts if status is OrderStatus.NOT_DELIVERED]
        rows.append(BranchDeliveries(
            branch=branch,
            delivered=tuple(_bucket_counts(delivered, buckets, query.period)),
            not_delivered=tuple(_bucket_counts(not_delivered, buckets, query.period)),
        ))
    return DeliveriesReport(query, buckets, tuple(rows))


def customers_report(session: Session, query: ReportQuery) -> CustomersReport:
    """Customers active, paused and ended now; joined and ended per period, for each branch asked for."""
    validate_query(query)
    buckets = period_buckets(query.start, query.end, query.period)
    rows = []
    for branch in _branches(session, query.branch_ids):
        by_status = dict(session.execute(
            in_branch(select(Customer.status, func.count(Customer.id)), Customer, branch.id).group_by(Customer.status)
        ).all())
        joined = session.execute(
            in_branch(select(Customer.joined_on, func.count(Customer.id)), Customer, branch.id)
            .where(Customer.joined_on.between(query.start, query.end)).group_by(Customer.joined_on)
        ).all()
        left = session.execute(
            in_branch(select(Customer.ended_on, func.count(Customer.id)), Customer, branch.id)
            .where(Customer.ended_on.between(query.start, query.end)).group_by(Customer.ended_on)
        ).all()
        rows.append(BranchCustomers(
            branch=branch,
            active=by_status.get(CustomerStatus.ACTIVE, 0),
            paused=by_status.get(CustomerStatus.PAUSED, 0),
            ended=by_status.get(CustomerStatus.ENDED, 0),
            joined=tuple(_bucket_counts(joined, buckets, query.period)),
            left=tuple(_bucket_counts(left, buckets, query.period)),
        ))
    return CustomersReport(query, buckets, tuple(rows))


def hours_value_pence(hours: Decimal, hour_value_pence: int) -> int:
    """What the hours are worth at the hourly value, rounded to the penny."""
    return int((hours * hour_value_pence).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _published_seats(branch_id: int, start: date, end: date, *columns: Any) -> Select[Any]:
    """Seats filled on the branch's published rotas between two dates, selecting `columns`."""
    return in_branch(
        select(*columns).select_from(RotaAssignment)
        .join(RotaSlot, RotaAssignment.slot_id == RotaSlot.id)
        .join(Rota, RotaSlot.rota_id == Rota.id),
        Rota, branch_id,
    ).where(Rota.status == RotaStatus.PUBLISHED, RotaSlot.date.between(start, end))


def volunteer_hours_report(session: Session, query: ReportQuery) -> VolunteerHoursReport:
    """Hours volunteered on the published rota (seats × shift length) and their value, per period and branch."""
    validate_query(query)
    buckets = period_buckets(query.start, query.end, query.period)
    rows = []
    for branch in _branches(session, query.branch_ids):
        seats = session.execute(
            _published_seats(branch.id, query.start, query.end, RotaSlot.date, RotaSlot.part_of_day, RotaSlot.kind,
                             func.count(RotaAssignment.id))
            .group_by(RotaSlot.date, RotaSlot.part_of_day, RotaSlot.kind)
        ).all()
        volunteers = session.scalar(_published_seats(
            branch.id, query.start, query.end, func.count(func.distinct(RotaAssignment.volunteer_id)))) or 0
        index = {bucket.start: position for position, bucket in enumerate(buckets)}
        shifts = [0] * len(buckets)
        hours = [Decimal(0)] * len(buckets)
        by_kind = {kind: Decimal(0) for kind in SlotKind}
        for day, part_of_day, kind, count in seats:
            position = index.get(period_start(day, query.period))
            if position is None:
                continue
            shift_hours = SHIFT_HOURS[part_of_day] * int(count)
            shifts[position] += int(count)
            hours[position] += shift_hours
            by_kind[kind] += shift_hours
        rows.append(BranchVolunteerHours(
            branch=branch,
            shifts=tuple(shifts),
            hours=tuple(hours),
            value_pence=tuple(hours_value_pence(amount, query.hour_value_pence) for amount in hours),
            hours_by_kind=tuple(by_kind.items()),
            volunteers=int(volunteers),
        ))
    return VolunteerHoursReport(query, buckets, tuple(rows))


def charges_report(session: Session, query: ReportQuery) -> ChargesReport:
    """Delivery charges collected (delivered orders with a payment received) and amounts received by method."""
    validate_query(query)
    buckets = period_buckets(query.start, query.end, query.period)
    rows = []
    for branch in _branches(session, query.branch_ids):
        paid = Order.amount_received_pence > 0
        figures = session.execute(
            in_branch(select(
                Order.delivery_date,
                Order.payment_method_received,
                func.sum(case((paid, 1), else_=0)),
                func.sum(case((paid, 0), else_=1)),
                func.sum(case((paid, Order.delivery_charge_pence), else_=0)),
                func.sum(case((paid, Order.amount_received_pence), else_=0)),
            ), Order, branch.id)
            .where(Order.status == OrderStatus.DELIVERED, Order.delivery_date.between(query.start, query.end))
            .group_by(Order.delivery_date, Order.payment_method_received)
        ).all()
        received = {
            method: _bucket_counts([(row[0], row[5]) for row in figures if row[1] is method], buckets, query.period)
            for method in PaymentMethod
        }
        rows.append(BranchCharges(
            branch=branch,
            paid_deliveries=tuple(_bucket_counts([(row[0], row[2]) for row in figures], buckets, query.period)),
            unpaid_deliveries=tuple(_bucket_counts([(row[0], row[3]) for row in figures], buckets, query.period)),
            charges_pence=tuple(_bucket_counts([(row[0], row[4]) for row in figures], buckets, query.period)),
            received_pence=tuple((method, tuple(amounts)) for method, amounts in received.items()),
        ))
    return ChargesReport(query, buckets, tuple(rows))


_BUILDERS = {
    ReportKind.DELIVERIES: deliveries_report,
    ReportKind.CUSTOMERS: customers_report,
    ReportKind.VOLUNTEER_HOURS: volunteer_hours_report,
    ReportKind.CHARGES: charges_report,
}


def build_report(session: Session, query: ReportQuery) -> Report:
    """The report the query asks for (read-only: ends the read transaction before returning)."""
    try:
        return _BUILDERS[query.kind](session, query)
    finally:
        session.rollback()


# --- tables and charts ---------------------------------------------------------------------------------------


def _range_note(query: ReportQuery) -> str:
    return (f"From {query.start:%d %b %Y} to {query.end:%d %b %Y}, by {PERIOD_NAMES[query.period]}. "
            "The first and last periods count only the days inside the range.")


def _period_column(query: ReportQuery) -> Column:
    return Column(PERIOD_HEADINGS[query.period])


def _total(values: Sequence[int] | Sequence[Decimal]) -> int | Decimal:
    if any(isinstance(value, Decimal) for value in values):
        return sum(values, Decimal(0))
    return sum(values)  # type: ignore[arg-type]  # mypy cannot narrow the Sequence union by the any() check above


def _side_by_side(report: Report, title: str, measures: Sequence[tuple[str, CellKind, str]]) -> Table:
    """One row per period; for each branch, one column per measure (attribute name of per-bucket figures)."""
    multiple = len(report.branches) > 1
    columns = [_period_column(report.query)]
    for branch_row in report.branches:
        for heading, kind, _ in measures:
            columns.append(Column(f"{branch_row.branch.name}: {heading}" if multiple else heading, kind))
    rows = []
    for position, bucket in enumerate(report.buckets):
        row: list[object] = [bucket.label]
        for branch_row in report.branches:
            row.extend(getattr(branch_row, attribute)[position] for _, _, attribute in measures)
        rows.append(tuple(row))
    totals: list[object] = ["Total"]
    for branch_row in report.branches:
        totals.extend(_total(getattr(branch_row, attribute)) for _, _, attribute in measures)
    return Table(title, tuple(columns), tuple(rows), tuple(totals), (_range_note(report.query),))


def report_tables(report: Report) -> tuple[Table, ...]:
    """The report as tables: what the page shows and what CSV/Excel exports contain."""
    if isinstance(report, DeliveriesReport):
        return (_side_by_side(report, "Deliveries", [("Delivered", CellKind.COUNT, "delivered"),
                                                     ("Not delivered", CellKind.COUNT, "not_delivered")]),)
    if isinstance(report, CustomersReport):
        now = Table(
            "Customers now",
            (Column("Branch"), Column("Active", CellKind.COUNT), Column("Paused", CellKind.COUNT),
             Column("Ended", CellKind.COUNT), Column("All", CellKind.COUNT)),
            tuple((row.branch.name, row.active, row.paused, row.ended, row.total_now) for row in report.branches),
        )
        return (now, _side_by_side(report, "New and ended customers",
                                   [("New", CellKind.COUNT, "joined"), ("Ended", CellKind.COUNT, "left")]))
    if isinstance(report, VolunteerHoursReport):
        rate = format_pence(report.query.hour_value_pence)
        per_period = _side_by_side(report, "Volunteer hours", [
            ("Shifts", CellKind.COUNT, "shifts"), ("Hours", CellKind.HOURS, "hours"),
            (f"Value at {rate} an hour", CellKind.PENCE, "value_pence"),
        ])
        per_period = Table(per_period.title, per_period.columns, per_period.rows, per_period.totals,
                           per_period.notes + (f"Hours from the published rota: a morning or afternoon shift counts "
                                               f"{MORNING_SHIFT_HOURS} hours, a whole day {WHOLE_DAY_SHIFT_HOURS}; "
                                               "dates still to come are planned hours.",))
        by_kind = Table(
            "Volunteer hours by kind of work",
            (Column("Branch"), *(Column(SLOT_KIND_LABELS[kind], CellKind.HOURS) for kind in SlotKind),
             Column("Volunteers on the rota", CellKind.COUNT)),
            tuple((row.branch.name, *(hours for _, hours in row.hours_by_kind), row.volunteers)
                  for row in report.branches),
        )
        return (per_period, by_kind)
    tables = []
    for row in report.branches:
        columns = (_period_column(report.query), Column("Paid deliveries", CellKind.COUNT),
                   Column("Delivered, no payment recorded", CellKind.COUNT),
                   Column("Delivery charges collected", CellKind.PENCE),
                   *(Column(f"Received: {PAYMENT_METHOD_LABELS[method]}", CellKind.PENCE) for method, _ in
                     row.received_pence),
                   Column("Received in all", CellKind.PENCE))
        body = tuple(
            (bucket.label, row.paid_deliveries[i], row.unpaid_deliveries[i], row.charges_pence[i],
             *(amounts[i] for _, amounts in row.received_pence), row.received_total(i))
            for i, bucket in enumerate(report.buckets)
        )
        totals = ("Total", sum(row.paid_deliveries), sum(row.unpaid_deliveries), row.total_charges_pence,
                  *(sum(amounts) for _, amounts in row.received_pence),
                  sum(row.received_total(i) for i in range(len(report.buckets))))
        tables.append(Table(f"Charges and payments: {row.branch.name}", columns, body, totals,
                            (_range_note(report.query),)))
    return tuple(tables)


def _money_ticks(pence: float) -> str:
    return format_pence(int(pence))


def _deliveries_charts(report: DeliveriesReport, categories: list[str], per: str) -> tuple[str, ...]:
    if len(report.branches) > 1:
        series = [Series(row.branch.name, row.delivered) for row in report.branches]
        what = "orders delivered by branch"
    else:
        series = [Series("Delivered", report.branches[0].delivered),
                  Series("Not delivered", report.branches[0].not_delivered)]
        what = "orders delivered and not delivered"
    return (bar_chart(chart_id="chart-deliveries", title=f"Deliveries per {per}",
                      description=f"Bar chart of {what} per {per}; the table below gives the same figures.",
                      categories=categories, series=series, x_label=PERIOD_HEADINGS[report.query.period],
                      y_label="Orders"),)


def _customers_charts(report: CustomersReport, categories: list[str], per: str) -> tuple[str, ...]:
    now = bar_chart(chart_id="chart-customers-now", title="Customers now by status",
                    description="Bar chart of customers active, paused and ended now, by branch.",
                    categories=["Active", "Paused", "Ended"],
                    series=[Series(row.branch.name, (row.active, row.paused, row.ended)) for row in report.branches],
                    x_label="Status", y_label="Customers")
    if len(report.branches) > 1:
        series = [Series(f"{row.branch.name}: new", row.joined) for row in report.branches]
        what = "new customers by branch"
    else:
        series = [Series("New", report.branches[0].joined), Series("Ended", report.branches[0].left)]
        what = "new and ended customers"
    flow = bar_chart(chart_id="chart-customers-flow", title=f"New and ended customers per {per}",
                     description=f"Bar chart of {what} per {per}; the table gives the same figures.",
                     categories=categories, series=series, x_label=PERIOD_HEADINGS[report.query.period],
                     y_label="Customers")
    return (now, flow)


def _volunteer_hours_charts(report: VolunteerHoursReport, categories: list[str], per: str) -> tuple[str, ...]:
    return (bar_chart(chart_id="chart-volunteer-hours", title=f"Volunteer hours per {per}",
                      description="Bar chart of volunteer hours on the published rota by branch; the table gives "
                                  "the hours and their value.",
                      categories=categories,
                      series=[Series(row.branch.name, tuple(float(hours) for hours in row.hours))
                              for row in report.branches],
                      x_label=PERIOD_HEADINGS[report.query.period], y_label="Hours"),)


def _charges_charts(report: ChargesReport, categories: list[str], per: str) -> tuple[str, ...]:
    return (bar_chart(chart_id="chart-charges", title=f"Delivery charges collected per {per}",
                      description="Bar chart of delivery charges collected by branch; the tables give the charges "
                                  "and the amounts received by payment method.",
                      categories=categories,
                      series=[Series(row.branch.name, row.charges_pence) for row in report.branches],
                      x_label=PERIOD_HEADINGS[report.query.period], y_label="Charges collected",
                      value_text=_money_ticks),)


def report_charts(report: Report) -> tuple[str, ...]:
    """The report's bar charts as SVG strings (the same figures are in `report_tables`)."""
    categories = [bucket.label for bucket in report.buckets]
    per = PERIOD_NAMES[report.query.period]
    if isinstance(report, DeliveriesReport):
        return _deliveries_charts(report, categories, per)
    if isinstance(report, CustomersReport):
        return _customers_charts(report, categories, per)
    if isinstance(report, VolunteerHoursReport):
        return _volunteer_hours_charts(report, categories, per)
    return _charges_charts(report, categories, per)


# --- export --------------------------------------------------------------------------------------------------


def export_report(
    session: Session, query: ReportQuery, export_format: ExportFormat, *, actor: Actor,
) -> ExportFile:
    """The report as a CSV or Excel file; the export is written to the audit log."""
    report = _BUILDERS[query.kind](session, query)
    tables = report_tables(report)
    if export_format is ExportFormat.CSV:
        content, media_type = tables_to_csv(tables), CSV_MEDIA_TYPE
    else:
        content, media_type = tables_to_xlsx(tables), XLSX_MEDIA_TYPE
    branch_scope = query.branch_ids[0] if len(query.branch_ids) == 1 else None
    record_event(session, actor=actor, action="report.export", entity_type="report", branch_id=branch_scope,
                 detail=(f"{query.kind.value} {export_format.value} {query.start.isoformat()}..{query.end.isoformat()} "
                         f"by {PERIOD_NAMES[query.period]}; branches {','.join(str(i) for i in query.branch_ids)}"))
    session.commit()
    filename = (f"foodtrain-{query.kind.value}-{query.start.isoformat()}-to-{query.end.isoformat()}"
                f".{export_format.value}")
    return ExportFile(filename, media_type, content)
