"""A report as the tables and SVG charts a page shows (no database access)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from foodtrain.charts import Series, bar_chart
from foodtrain.exports import CellKind, Column, Table
from foodtrain.models import PAYMENT_METHOD_LABELS
from foodtrain.models.rota import SlotKind
from foodtrain.money import format_pence
from foodtrain.services.reports.definitions import (
    ChargesReport,
    CustomersReport,
    DeliveriesReport,
    MORNING_SHIFT_HOURS,
    PERIOD_HEADINGS,
    PERIOD_NAMES,
    Report,
    ReportQuery,
    SLOT_KIND_LABELS,
    VolunteerHoursReport,
    WHOLE_DAY_SHIFT_HOURS,
)


def _range_note(query: ReportQuery) -> str:
    return (
        f"From {query.start:%d %b %Y} to {query.end:%d %b %Y}, by {PERIOD_NAMES[query.period]}. "
        "The first and last periods count only the days inside the range."
    )


def _period_column(query: ReportQuery) -> Column:
    return Column(PERIOD_HEADINGS[query.period])


def _total(values: Sequence[int] | Sequence[Decimal]) -> int | Decimal:
    if any(isinstance(value, Decimal) for value in values):
        return sum(values, Decimal(0))
    return sum(values)


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
        return (
            _side_by_side(
                report,
                "Deliveries",
                [("Delivered", CellKind.COUNT, "delivered"), ("Not delivered", CellKind.COUNT, "not_delivered")],
            ),
        )
    if isinstance(report, CustomersReport):
        now = Table(
            "Customers now",
            (
                Column("Branch"),
                Column("Active", CellKind.COUNT),
                Column("Paused", CellKind.COUNT),
                Column("Ended", CellKind.COUNT),
                Column("All", CellKind.COUNT),
            ),
            tuple((row.branch.name, row.active, row.paused, row.ended, row.total_now) for row in report.branches),
        )
        return (
            now,
            _side_by_side(
                report,
                "New and ended customers",
                [("New", CellKind.COUNT, "joined"), ("Ended", CellKind.COUNT, "left")],
            ),
        )
    if isinstance(report, VolunteerHoursReport):
        rate = format_pence(report.query.hour_value_pence)
        per_period = _side_by_side(
            report,
            "Volunteer hours",
            [
                ("Shifts", CellKind.COUNT, "shifts"),
                ("Hours", CellKind.HOURS, "hours"),
                (f"Value at {rate} an hour", CellKind.PENCE, "value_pence"),
            ],
        )
        per_period = Table(
            per_period.title,
            per_period.columns,
            per_period.rows,
            per_period.totals,
            per_period.notes
            + (
                f"Hours from the published rota: a morning or afternoon shift counts "
                f"{MORNING_SHIFT_HOURS} hours, a whole day {WHOLE_DAY_SHIFT_HOURS}; "
                "dates still to come are planned hours.",
            ),
        )
        by_kind = Table(
            "Volunteer hours by kind of work",
            (
                Column("Branch"),
                *(Column(SLOT_KIND_LABELS[kind], CellKind.HOURS) for kind in SlotKind),
                Column("Volunteers on the rota", CellKind.COUNT),
            ),
            tuple(
                (row.branch.name, *(hours for _, hours in row.hours_by_kind), row.volunteers) for row in report.branches
            ),
        )
        return (per_period, by_kind)
    tables = []
    for row in report.branches:
        columns = (
            _period_column(report.query),
            Column("Paid deliveries", CellKind.COUNT),
            Column("Delivered, no payment recorded", CellKind.COUNT),
            Column("Delivery charges collected", CellKind.PENCE),
            *(Column(f"Received: {PAYMENT_METHOD_LABELS[method]}", CellKind.PENCE) for method, _ in row.received_pence),
            Column("Received in all", CellKind.PENCE),
        )
        body = tuple(
            (
                bucket.label,
                row.paid_deliveries[i],
                row.unpaid_deliveries[i],
                row.charges_pence[i],
                *(amounts[i] for _, amounts in row.received_pence),
                row.received_total(i),
            )
            for i, bucket in enumerate(report.buckets)
        )
        totals = (
            "Total",
            sum(row.paid_deliveries),
            sum(row.unpaid_deliveries),
            row.total_charges_pence,
            *(sum(amounts) for _, amounts in row.received_pence),
            sum(row.received_total(i) for i in range(len(report.buckets))),
        )
        tables.append(
            Table(f"Charges and payments: {row.branch.name}", columns, body, totals, (_range_note(report.query),))
        )
    return tuple(tables)


def _money_ticks(pence: float) -> str:
    return format_pence(int(pence))


def _deliveries_charts(report: DeliveriesReport, categories: list[str], per: str) -> tuple[str, ...]:
    if len(report.branches) > 1:
        series = [Series(row.branch.name, row.delivered) for row in report.branches]
        what = "orders delivered by branch"
    else:
        series = [
            Series("Delivered", report.branches[0].delivered),
            Series("Not delivered", report.branches[0].not_delivered),
        ]
        what = "orders delivered and not delivered"
    return (
        bar_chart(
            chart_id="chart-deliveries",
            title=f"Deliveries per {per}",
            description=f"Bar chart of {what} per {per}; the table below gives the same figures.",
            categories=categories,
            series=series,
            x_label=PERIOD_HEADINGS[report.query.period],
            y_label="Orders",
        ),
    )


def _customers_charts(report: CustomersReport, categories: list[str], per: str) -> tuple[str, ...]:
    now = bar_chart(
        chart_id="chart-customers-now",
        title="Customers now by status",
        description="Bar chart of customers active, paused and ended now, by branch.",
        categories=["Active", "Paused", "Ended"],
        series=[Series(row.branch.name, (row.active, row.paused, row.ended)) for row in report.branches],
        x_label="Status",
        y_label="Customers",
    )
    if len(report.branches) > 1:
        series = [Series(f"{row.branch.name}: new", row.joined) for row in report.branches]
        what = "new customers by branch"
    else:
        series = [Series("New", report.branches[0].joined), Series("Ended", report.branches[0].left)]
        what = "new and ended customers"
    flow = bar_chart(
        chart_id="chart-customers-flow",
        title=f"New and ended customers per {per}",
        description=f"Bar chart of {what} per {per}; the table gives the same figures.",
        categories=categories,
        series=series,
        x_label=PERIOD_HEADINGS[report.query.period],
        y_label="Customers",
    )
    return (now, flow)


def _volunteer_hours_charts(report: VolunteerHoursReport, categories: list[str], per: str) -> tuple[str, ...]:
    return (
        bar_chart(
            chart_id="chart-volunteer-hours",
            title=f"Volunteer hours per {per}",
            description="Bar chart of volunteer hours on the published rota by branch; the table gives "
            "the hours and their value.",
            categories=categories,
            series=[Series(row.branch.name, tuple(float(hours) for hours in row.hours)) for row in report.branches],
            x_label=PERIOD_HEADINGS[report.query.period],
            y_label="Hours",
        ),
    )


def _charges_charts(report: ChargesReport, categories: list[str], per: str) -> tuple[str, ...]:
    return (
        bar_chart(
            chart_id="chart-charges",
            title=f"Delivery charges collected per {per}",
            description="Bar chart of delivery charges collected by branch; the tables give the charges "
            "and the amounts received by payment method.",
            categories=categories,
            series=[Series(row.branch.name, row.charges_pence) for row in report.branches],
            x_label=PERIOD_HEADINGS[report.query.period],
            y_label="Charges collected",
            value_text=_money_ticks,
        ),
    )


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
