"""Report pages and exports: who may see which report, branch scoping, the date form, CSV/Excel downloads."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import func, select

from foodtrain.extensions import db
from foodtrain.models import AuditEvent, Branch, Order, OrderStatus
from foodtrain.models.rota import PartOfDay, Rota, RotaAssignment, RotaRole, RotaSlot, RotaStatus, SlotKind
from tests.conftest import sign_in
from tests.factories import make_volunteer
from web.report_forms import default_range

RANGE = "start=2026-10-01&end=2026-11-30&period=month"


def _delivered(app, code: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(Order.id))
            .join(Branch, Order.branch_id == Branch.id)
            .where(
                Branch.code == code,
                Order.status == OrderStatus.DELIVERED,
                Order.delivery_date.between(date(2026, 10, 1), date(2026, 11, 30)),
            )
        )


def _total_row(page: str) -> list[str]:
    """The figures of the first table's total row."""
    footer = re.search(r"<tfoot>(.*?)</tfoot>", page, re.S).group(1)
    return re.findall(r'<td class="num">([^<]*)</td>', footer)


def _export_events(app) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report.export")))


def test_office_sees_its_own_branch_deliveries(demo_app, demo_client) -> None:
    """Office staff get their branch's figures (matching the database), a chart and a table; no branch choice."""
    sign_in(demo_client, "office-dg")
    page = demo_client.get(f"/reports/deliveries?{RANGE}").get_data(as_text=True)
    assert f"{_delivered(demo_app, 'DG'):,}" == _total_row(page)[0]
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and '<title id="chart-deliveries-title">' in page
    assert 'name="branch"' not in page
    assert "css/reports.css" in page and " style=" not in page
    other = db_branch_id(demo_app, "WL")
    spoofed = demo_client.get(f"/reports/deliveries?{RANGE}&branch={other}").get_data(as_text=True)
    assert _total_row(spoofed) == _total_row(page)  # a branch in the query string is ignored


def db_branch_id(app, code: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Branch.id).where(Branch.code == code))


def test_admin_sees_all_branches_side_by_side(demo_app, demo_client) -> None:
    """An admin's "all branches" report has a column pair per branch with each branch's own total."""
    sign_in(demo_client, "admin")
    page = demo_client.get(f"/reports/deliveries?{RANGE}&branch=0").get_data(as_text=True)
    assert "Dumfries &amp; Galloway: Delivered" in page and "West Lothian: Delivered" in page
    totals = _total_row(page)
    assert totals[0] == f"{_delivered(demo_app, 'DG'):,}" and totals[2] == f"{_delivered(demo_app, 'WL'):,}"
    one = demo_client.get(f"/reports/deliveries?{RANGE}&branch={db_branch_id(demo_app, 'WL')}")
    assert "West Lothian" in one.get_data(as_text=True) and "Dumfries &amp; Galloway: Delivered" not in one.get_data(
        as_text=True
    )
    assert "Choose a branch from the list." in demo_client.get(f"/reports/deliveries?{RANGE}&branch=999").get_data(
        as_text=True
    )


def test_roles(demo_client, demo_app) -> None:
    """Office: deliveries, customers, charges but not volunteer hours; drivers nothing; anonymous to login."""
    assert demo_client.get("/reports/").status_code == 302
    assert demo_client.get("/reports/deliveries/export.csv").status_code == 302
    sign_in(demo_client, "office-dg")
    for path in ("/reports/", "/reports/deliveries", "/reports/customers", "/reports/charges"):
        assert demo_client.get(path).status_code == 200, path
    assert "Volunteer hours" not in demo_client.get("/reports/").get_data(as_text=True)
    assert demo_client.get("/reports/volunteer-hours").status_code == 403
    assert demo_client.get("/reports/volunteer-hours/export.csv").status_code == 403
    assert demo_client.get("/reports/volunteer-hours/export.xlsx").status_code == 403
    driver = demo_app.test_client()
    sign_in(driver, "driver-dg")
    assert driver.get("/reports/").status_code == 403
    assert driver.get("/reports/deliveries/export.xlsx").status_code == 403
    assert _export_events(demo_app) == []


def test_bad_dates_are_explained_next_to_the_field(demo_client) -> None:
    """End before start, over five years and nonsense get a message by the field, keep the input, show no report."""
    sign_in(demo_client, "office-dg")
    cases = [
        ("start=2026-11-30&end=2026-10-01", "The end date must be on or after the start date."),
        ("start=2015-01-01&end=2026-01-01", "Choose a range of at most 5 years."),
        ("start=tomorrow&end=2026-01-01", "Enter a date as year-month-day"),
        ("start=2026-01-01&end=" + "9" * 5000, "Enter a date as year-month-day"),
        ("start=2026-01-01%00&end=2026-02-01&period=decade", "Not a valid choice"),
    ]
    for query, message in cases:
        response = demo_client.get(f"/reports/deliveries?{query}")
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and message in page, query
        assert "<svg" not in page and "export.csv" not in page
    kept = demo_client.get("/reports/customers?start=tomorrow&end=2026-01-01").get_data(as_text=True)
    assert 'value="tomorrow"' in kept and 'aria-invalid="true"' in kept


def test_csv_export_is_audited_and_matches_the_page(demo_app, demo_client) -> None:
    """The CSV download carries the same totals as the page, is an attachment, and is written to the audit log."""
    sign_in(demo_client, "office-dg")
    response = demo_client.get(f"/reports/deliveries/export.csv?{RANGE}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="foodtrain-deliveries-2026-10-01-to-2026-11-30.csv"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert ["Total", str(_delivered(demo_app, "DG"))] == rows[-1][:2]
    events = _export_events(demo_app)
    assert len(events) == 1 and events[0].username == "office-dg"
    assert events[0].detail.startswith("deliveries csv 2026-10-01..2026-11-30")
    assert events[0].branch_id == db_branch_id(demo_app, "DG")


def test_excel_export_of_charges(demo_app, demo_client) -> None:
    """The Excel download opens with openpyxl, has a sheet per branch for an admin, and money as numbers."""
    sign_in(demo_client, "admin")
    response = demo_client.get(f"/reports/charges/export.xlsx?{RANGE}&branch=0")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(response.data))
    assert len(workbook.sheetnames) == 2
    money = [
        cell.value
        for row in workbook.worksheets[0].iter_rows()
        for cell in row
        if cell.number_format == '"£"#,##0.00' and cell.value
    ]
    assert money and all(isinstance(value, (int, float)) for value in money)
    assert len(_export_events(demo_app)) == 1


def test_invalid_export_redirects_without_a_file(demo_app, demo_client) -> None:
    """An export with bad dates sends the user back to the page (which explains) and audits nothing."""
    sign_in(demo_client, "office-dg")
    response = demo_client.get("/reports/customers/export.csv?start=2026-12-01&end=2026-01-01")
    assert response.status_code == 302 and "/reports/customers?" in response.headers["Location"]
    assert _export_events(demo_app) == []


def test_volunteer_hours_for_coordinators(demo_app, demo_client) -> None:
    """A coordinator sees the published rota's hours valued at the configured £10.10 an hour."""
    with demo_app.app_context():
        branch = db.session.scalar(select(Branch).where(Branch.code == "DG"))
        rota = Rota(
            branch_id=branch.id, month=date(2026, 10, 1), status=RotaStatus.PUBLISHED, published_month=date(2026, 10, 1)
        )
        db.session.add(rota)
        db.session.flush()
        slot = RotaSlot(
            rota_id=rota.id,
            key="office-1",
            date=date(2026, 10, 6),
            part_of_day=PartOfDay.WHOLE_DAY,
            kind=SlotKind.OFFICE,
            seats=2,
        )
        db.session.add(slot)
        db.session.flush()
        for _ in range(2):
            db.session.add(
                RotaAssignment(
                    slot_id=slot.id, role=RotaRole.OFFICE, volunteer_id=make_volunteer(db.session, branch).id
                )
            )
        db.session.commit()
    sign_in(demo_client, "coordinator-dg")
    page = demo_client.get(f"/reports/volunteer-hours?{RANGE}").get_data(as_text=True)
    assert "Value at £10.10 an hour" in page
    assert _total_row(page) == ["2", "14.0", "£141.40"]


def test_default_range_is_the_last_twelve_months() -> None:
    """With no dates given, a report covers twelve calendar months up to today (across a year end too)."""
    assert default_range(date(2026, 11, 25)) == (date(2025, 12, 1), date(2026, 11, 25))
    assert default_range(date(2026, 1, 31)) == (date(2025, 2, 1), date(2026, 1, 31))


def test_financial_year_grouping(demo_client) -> None:
    """Grouping by financial year (April to March) labels the periods like the case study: 2026/27."""
    sign_in(demo_client, "office-dg")
    page = demo_client.get("/reports/charges?start=2026-01-01&end=2026-11-30&period=financial_year").get_data(
        as_text=True
    )
    assert "2025/26" in page and "2026/27" in page and "by financial year" in page


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.text(max_size=40),
    end=st.one_of(st.dates().map(date.isoformat), st.text(max_size=40)),
    period=st.sampled_from(["week", "month", "year", "financial_year", "", "day\x00"]),
    branch=st.one_of(st.integers(min_value=-(2**70), max_value=2**70).map(str), st.text(max_size=10)),
)
def test_any_query_string_gives_a_page_not_an_error(demo_client, start, end, period, branch) -> None:
    """Whatever the query string holds (NUL bytes, huge numbers, odd dates), the report answers 200 or redirects."""
    if not demo_client.get("/reports/").status_code == 200:
        sign_in(demo_client, "admin")
    params = {"start": start, "end": end, "period": period, "branch": branch}
    assert demo_client.get("/reports/charges", query_string=params).status_code == 200
    assert demo_client.get("/reports/deliveries/export.csv", query_string=params).status_code in (200, 302)
