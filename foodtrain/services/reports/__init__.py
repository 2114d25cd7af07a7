"""Reports for a branch (or all branches side by side): deliveries, customers, volunteer hours, charges.

Each report is aggregated in the database with GROUP BY on the date column
(portable between SQLite and PostgreSQL: no date-truncation functions), then the
few rows per day are bucketed by ISO week, month or year here. Every query of
branch-owned rows goes through `in_branch`. The reports are plain frozen
dataclasses; `report_tables` and `report_charts` turn one into the tables and SVG
charts a page shows, and `export_report` into an audited CSV or Excel file.

The package, along the seams: `definitions` (what a report is), `periods` (dates and buckets),
`queries` (the reports), `rendering` (tables and charts) and `export` (audited downloads).
The names below are its public surface.
"""

from __future__ import annotations

from foodtrain.services.reports.definitions import (
    BranchRef,
    Bucket,
    ChargesReport,
    CustomersReport,
    DeliveriesReport,
    ExportFile,
    ExportFormat,
    PERIOD_HEADINGS,
    PERIOD_NAMES,
    Period,
    REPORT_TITLES,
    Report,
    ReportKind,
    ReportQuery,
    VolunteerHoursReport,
)
from foodtrain.services.reports.periods import period_buckets, validate_query, validate_range
from foodtrain.services.reports.queries import (
    build_report,
    charges_report,
    customers_report,
    deliveries_report,
    hours_value_pence,
    list_branches,
    volunteer_hours_report,
)
from foodtrain.services.reports.rendering import report_charts, report_tables
from foodtrain.services.reports.export import export_report

__all__ = [
    "BranchRef",
    "Bucket",
    "ChargesReport",
    "CustomersReport",
    "DeliveriesReport",
    "ExportFile",
    "ExportFormat",
    "PERIOD_HEADINGS",
    "PERIOD_NAMES",
    "Period",
    "REPORT_TITLES",
    "Report",
    "ReportKind",
    "ReportQuery",
    "VolunteerHoursReport",
    "build_report",
    "charges_report",
    "customers_report",
    "deliveries_report",
    "export_report",
    "hours_value_pence",
    "list_branches",
    "period_buckets",
    "report_charts",
    "report_tables",
    "validate_query",
    "validate_range",
    "volunteer_hours_report",
]
