"""Reports: deliveries, customers, volunteer hours and charges, as tables, SVG charts, CSV and Excel.

Office staff see deliveries, customers and charges; volunteer hours are for
coordinators and admins. An admin reports on one branch or all side by side.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from foodtrain.clock import branch_today
from foodtrain.exports import CellKind
from foodtrain.extensions import db
from foodtrain.models import UserRole
from foodtrain.money import format_pence
from foodtrain.services.balances import balances_report
from foodtrain.services.reports import (
    PERIOD_NAMES,
    REPORT_TITLES,
    ExportFormat,
    ReportKind,
    ReportQuery,
    build_report,
    export_report,
    list_branches,
    report_charts,
    report_tables,
)
from web.report_forms import ALL_BRANCHES, ReportForm, default_range
from web.security import current_actor, current_branch_id, roles_required

blueprint = Blueprint("reports", __name__, url_prefix="/reports")

OFFICE_ROLES = (UserRole.ADMIN, UserRole.COORDINATOR, UserRole.OFFICE)
COORDINATOR_ROLES = (UserRole.ADMIN, UserRole.COORDINATOR)
NAV_ITEMS = [("Reports", "reports.index", OFFICE_ROLES, 80)]

REPORT_ARGUMENTS = ("start", "end", "period", "branch")
REPORT_ROLES = {
    ReportKind.DELIVERIES: OFFICE_ROLES,
    ReportKind.CUSTOMERS: OFFICE_ROLES,
    ReportKind.CHARGES: OFFICE_ROLES,
    ReportKind.VOLUNTEER_HOURS: COORDINATOR_ROLES,
}
REPORT_DESCRIPTIONS = {
    ReportKind.DELIVERIES: "Orders delivered and not delivered per week, month or year.",
    ReportKind.CUSTOMERS: "Customers active, paused and ended now; new and ended customers per period.",
    ReportKind.VOLUNTEER_HOURS: "Hours on the published rota and what they are worth at the hourly value.",
    ReportKind.CHARGES: "Delivery charges collected and amounts received by payment method.",
}


def _endpoint(kind: ReportKind) -> str:
    return kind.value.replace("-", "_")


def format_cell(value: object, kind: CellKind) -> str:
    """A table cell as the page shows it."""
    if value is None:
        return ""
    if kind is CellKind.PENCE and isinstance(value, int):
        return format_pence(value)
    if kind is CellKind.COUNT and isinstance(value, int):
        return f"{value:,}"
    if kind is CellKind.HOURS and isinstance(value, (int, float, Decimal)):
        return f"{Decimal(str(value)):,.1f}"
    return str(value)


def _visible_reports() -> list[ReportKind]:
    return [kind for kind in ReportKind if current_user.role in REPORT_ROLES[kind]]


def _form() -> ReportForm:
    """The report form from the query string (defaults: the last twelve months by month, the user's branch)."""
    start, end = default_range(branch_today())
    form = ReportForm(formdata=request.args or None, start=start, end=end)
    if current_user.role is UserRole.ADMIN:
        form.branch.choices = [SelectChoice(ALL_BRANCHES, "All branches, side by side")] + [
            SelectChoice(branch.id, branch.name) for branch in list_branches(db.session())
        ]
        if not request.args.get("branch"):
            form.branch.data = current_branch_id()
    else:
        del form.branch
    return form


def _query(kind: ReportKind, form: ReportForm) -> ReportQuery:
    if current_user.role is UserRole.ADMIN:
        chosen = form.branch.data
        branch_ids = tuple(b.id for b in list_branches(db.session())) if chosen == ALL_BRANCHES else (chosen,)
    else:
        branch_ids = (current_branch_id(),)
    return ReportQuery(
        kind=kind,
        branch_ids=branch_ids,
        start=form.start.data,
        end=form.end.data,
        period=form.period_value,
        hour_value_pence=int(current_app.config["VOLUNTEER_HOUR_VALUE_PENCE"]),
    )


def _show(kind: ReportKind) -> ResponseReturnValue:
    form = _form()
    report = tables = charts = None
    if form.validate():
        report = build_report(db.session(), _query(kind, form))
        tables = report_tables(report)
        # charts.py escapes every piece of text it puts in the SVG.
        charts = [Markup(svg) for svg in report_charts(report)]  # nosec B704
    return render_template(
        "reports/show.html",
        kind=kind,
        title=REPORT_TITLES[kind],
        form=form,
        report=report,
        tables=tables,
        charts=charts,
        reports=_visible_reports(),
        titles=REPORT_TITLES,
        period_names=PERIOD_NAMES,
        endpoint=_endpoint,
        format_cell=format_cell,
        CellKind=CellKind,
        export_args={key: value for key, value in request.args.items() if key in REPORT_ARGUMENTS},
    )


def _export(kind: ReportKind, export_format: str) -> ResponseReturnValue:
    form = _form()
    if not form.validate():
        # Only the form's own fields go back: url_for(**request.args) let a query string name url_for's options.
        arguments: dict[str, Any] = {key: value for key, value in request.args.items() if key in REPORT_ARGUMENTS}
        return redirect(url_for(f"reports.{_endpoint(kind)}", **arguments))
    exported = export_report(db.session(), _query(kind, form), ExportFormat(export_format), actor=current_actor())
    return Response(
        exported.content,
        mimetype=exported.media_type,
        headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'},
    )


def _register(kind: ReportKind) -> None:
    """The page and its two exports, allowed to the report's roles."""
    roles = REPORT_ROLES[kind]
    name = _endpoint(kind)

    def show() -> ResponseReturnValue:
        return _show(kind)

    def export(export_format: str) -> ResponseReturnValue:
        return _export(kind, export_format)

    show.__name__, export.__name__ = name, f"{name}_export"
    show.__doc__ = f"The {REPORT_TITLES[kind].lower()} report."
    export.__doc__ = f"The {REPORT_TITLES[kind].lower()} report as a CSV or Excel file (audited)."
    blueprint.add_url_rule(f"/{kind.value}", endpoint=name, view_func=roles_required(*roles)(show))
    for export_format in ExportFormat:
        blueprint.add_url_rule(
            f"/{kind.value}/export.{export_format.value}",
            endpoint=f"{name}_{export_format.value}",
            view_func=roles_required(*roles)(export),
            defaults={"export_format": export_format.value},
        )


for _kind in ReportKind:
    _register(_kind)


@blueprint.route("/balances")
@roles_required(*OFFICE_ROLES)
def balances() -> ResponseReturnValue:
    rows = balances_report(db.session(), current_branch_id())
    return render_template(
        "reports/balances.html",
        rows=rows,
        owed_pence=-sum(r.balance_pence for r in rows if r.balance_pence < 0),
        credit_pence=sum(r.balance_pence for r in rows if r.balance_pence > 0),
    )


@blueprint.route("/")
@roles_required(*OFFICE_ROLES)
def index() -> ResponseReturnValue:
    return render_template(
        "reports/index.html",
        reports=_visible_reports(),
        titles=REPORT_TITLES,
        descriptions=REPORT_DESCRIPTIONS,
        endpoint=_endpoint,
    )
