"""A report as an audited CSV or Excel download."""

from __future__ import annotations

from sqlalchemy.orm import Session

from foodtrain.exports import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, tables_to_csv, tables_to_xlsx
from foodtrain.services.audit import Actor, record_event
from foodtrain.services.reports.definitions import ExportFile, ExportFormat, PERIOD_NAMES, ReportQuery
from foodtrain.services.reports.queries import build_report
from foodtrain.services.reports.rendering import report_tables


def export_report(
    session: Session,
    query: ReportQuery,
    export_format: ExportFormat,
    *,
    actor: Actor,
) -> ExportFile:
    """The report as a CSV or Excel file; the export is written to the audit log."""
    report = build_report(session, query)  # ends its read transaction; the audit row then commits alone
    tables = report_tables(report)
    if export_format is ExportFormat.CSV:
        content, media_type = tables_to_csv(tables), CSV_MEDIA_TYPE
    else:
        content, media_type = tables_to_xlsx(tables), XLSX_MEDIA_TYPE
    branch_scope = query.branch_ids[0] if len(query.branch_ids) == 1 else None
    record_event(
        session,
        actor=actor,
        action="report.export",
        entity_type="report",
        branch_id=branch_scope,
        detail=(
            f"{query.kind.value} {export_format.value} {query.start.isoformat()}..{query.end.isoformat()} "
            f"by {PERIOD_NAMES[query.period]}; branches {','.join(str(i) for i in query.branch_ids)}"
        ),
    )
    session.commit()
    filename = (
        f"foodtrain-{query.kind.value}-{query.start.isoformat()}-to-{query.end.isoformat()}.{export_format.value}"
    )
    return ExportFile(filename, media_type, content)
