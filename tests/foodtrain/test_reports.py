"""Reports: figures aggregated in SQL and bucketed by week, month and year, per branch, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import os
from datetime import date
from decimal import Decimal

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import event, select

from foodtrain.extensions import db
from foodtrain.models import AuditEvent, CustomerStatus, OrderStatus, PaymentMethod
from foodtrain.models.rota import PartOfDay, Rota, RotaAssignment, RotaRole, RotaSlot, RotaStatus, SlotKind
from foodtrain.services.audit import Actor
from foodtrain.services.errors import NotFoundError, ValidationError
from foodtrain.services.reports import (
    ExportFormat,
    Period,
    ReportKind,
    ReportQuery,
    build_report,
    charges_report,
    customers_report,
    deliveries_report,
    export_report,
    hours_value_pence,
    period_buckets,
    report_charts,
    report_tables,
    validate_range,
    volunteer_hours_report,
)
from tests.factories import make_branch, make_customer, make_order, make_shop, make_van, make_volunteer
from web import MIGRATIONS_DIRECTORY, create_app

POSTGRES_URL = os.environ.get("DATABASE_URL_TEST_POSTGRES")


def _query(
    kind: ReportKind,
    branch_ids,
    start=date(2026, 1, 1),
    end=date(2026, 12, 31),
    period: Period = Period.MONTH,
    hour_value_pence: int = 1010,
) -> ReportQuery:
    return ReportQuery(kind, tuple(branch_ids), start, end, period, hour_value_pence)


def _orders(session, branch, specs):
    """Orders from (date, status, method, amount received) tuples, one customer each."""
    shop = make_shop(session, branch)
    for day, status, method, received in specs:
        customer = make_customer(session, branch, shop)
        make_order(
            session,
            customer,
            delivery_date=day,
            status=status,
            payment_method_received=method,
            amount_received_pence=received,
            delivery_charge_pence=300,
            not_delivered_reason="No answer" if status is OrderStatus.NOT_DELIVERED else None,
        )


def _rota(session, branch, status, seats, month=date(2026, 3, 1)):
    """A rota with one slot per (date, part of day, kind, number of volunteers) and that many assignments."""
    rota = Rota(
        branch_id=branch.id,
        month=month,
        status=status,
        published_month=month if status is RotaStatus.PUBLISHED else None,
    )
    session.add(rota)
    session.flush()
    for number, (day, part, kind, people) in enumerate(seats):
        slot = RotaSlot(
            rota_id=rota.id,
            key=f"s{number}",
            date=day,
            part_of_day=part,
            kind=kind,
            seats=people,
            shop_id=make_shop(session, branch).id if kind is SlotKind.SHOPPING else None,
            van_id=make_van(session, branch).id if kind is SlotKind.DELIVERY else None,
        )
        session.add(slot)
        session.flush()
        for _ in range(people):
            session.add(
                RotaAssignment(slot_id=slot.id, role=RotaRole.OFFICE, volunteer_id=make_volunteer(session, branch).id)
            )
    session.flush()
    return rota


def _delivery_fixture(session):
    branch, other = make_branch(session, name="Dumfries"), make_branch(session, name="West Lothian")
    _orders(
        session,
        branch,
        [
            (date(2026, 3, 2), OrderStatus.DELIVERED, PaymentMethod.CASH, 2300),  # Monday, ISO week 10
            (date(2026, 3, 8), OrderStatus.DELIVERED, PaymentMethod.CHEQUE, 1500),  # Sunday, same ISO week
            (date(2026, 3, 9), OrderStatus.NOT_DELIVERED, None, None),  # next week
            (date(2026, 4, 30), OrderStatus.DELIVERED, None, None),  # delivered, not paid
            (date(2026, 4, 30), OrderStatus.CANCELLED, None, None),  # never counted
            (date(2026, 5, 1), OrderStatus.RECEIVED, None, None),  # not yet delivered
            (date(2025, 12, 31), OrderStatus.DELIVERED, PaymentMethod.CASH, 1000),  # before the range
        ],
    )
    _orders(session, other, [(date(2026, 3, 3), OrderStatus.DELIVERED, PaymentMethod.CASH, 900)])
    session.commit()
    return branch, other


def test_deliveries_by_week_month_and_year(session) -> None:
    """Delivered and not-delivered orders land in their ISO week, month and year; other statuses and dates don't."""
    branch, _ = _delivery_fixture(session)
    by_week = deliveries_report(
        session, _query(ReportKind.DELIVERIES, [branch.id], date(2026, 3, 1), date(2026, 3, 15), Period.WEEK)
    )
    assert [bucket.start for bucket in by_week.buckets] == [date(2026, 2, 23), date(2026, 3, 2), date(2026, 3, 9)]
    assert by_week.branches[0].delivered == (0, 2, 0)
    assert by_week.branches[0].not_delivered == (0, 0, 1)

    by_month = deliveries_report(session, _query(ReportKind.DELIVERIES, [branch.id]))
    assert len(by_month.buckets) == 12 and by_month.buckets[2].label == "Mar 2026"
    assert by_month.branches[0].delivered[2:5] == (2, 1, 0)
    assert by_month.branches[0].total_delivered == 3 and by_month.branches[0].total_not_delivered == 1

    by_year = deliveries_report(
        session, _query(ReportKind.DELIVERIES, [branch.id], date(2025, 1, 1), date(2026, 12, 31), Period.YEAR)
    )
    assert [bucket.label for bucket in by_year.buckets] == ["2025", "2026"]
    assert by_year.branches[0].delivered == (1, 3)

    by_financial_year = deliveries_report(
        session, _query(ReportKind.DELIVERIES, [branch.id], date(2025, 12, 1), date(2026, 4, 30), Period.FINANCIAL_YEAR)
    )
    assert [bucket.label for bucket in by_financial_year.buckets] == ["2025/26", "2026/27"]
    assert by_financial_year.buckets[0].start == date(2025, 4, 1)
    assert by_financial_year.branches[0].delivered == (3, 1)  # 31 Dec and March in 2025/26, 30 April in 2026/27


def test_branches_side_by_side_and_scoped(session) -> None:
    """Each branch counts only its own orders; asking for two branches gives both, in the order asked."""
    branch, other = _delivery_fixture(session)
    alone = deliveries_report(session, _query(ReportKind.DELIVERIES, [other.id]))
    assert alone.branches[0].total_delivered == 1
    both = deliveries_report(session, _query(ReportKind.DELIVERIES, [branch.id, other.id]))
    assert [row.branch.name for row in both.branches] == ["Dumfries", "West Lothian"]
    assert [row.total_delivered for row in both.branches] == [3, 1]
    table = report_tables(both)[0]
    assert [column.heading for column in table.columns] == [
        "Month",
        "Dumfries: Delivered",
        "Dumfries: Not delivered",
        "West Lothian: Delivered",
        "West Lothian: Not delivered",
    ]
    assert table.totals == ("Total", 3, 1, 1, 0)
    with pytest.raises(NotFoundError):
        deliveries_report(session, _query(ReportKind.DELIVERIES, [other.id + 1000]))


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (date(2026, 5, 1), date(2026, 4, 30), "end"),
        (date(2020, 1, 1), date(2025, 1, 2), "end"),
        (None, date(2026, 1, 1), "start"),
        (date(1066, 10, 14), date(1067, 1, 1), "start"),
        (date(2026, 1, 1), date(9999, 12, 31), "end"),
    ],
)
def test_date_range_is_validated(start, end, field) -> None:
    """End before start, more than five years, missing or absurd dates are refused with a message on the field."""
    with pytest.raises(ValidationError) as raised:
        validate_range(start, end)
    assert field in raised.value.field_errors


def test_five_years_exactly_and_one_day_are_fine() -> None:
    """The limits are inclusive: a single day and exactly five years (across 29 February) are accepted."""
    validate_range(date(2026, 1, 1), date(2026, 1, 1))
    validate_range(date(2024, 2, 29), date(2029, 2, 28))
    assert len(period_buckets(date(2021, 1, 1), date(2026, 1, 1), Period.WEEK)) == 262


def test_customers_now_and_joined_and_ended_per_month(session) -> None:
    """Status counts are for now; joined_on and ended_on are counted in their month within the range."""
    branch = make_branch(session)
    shop = make_shop(session, branch)
    make_customer(session, branch, shop, joined_on=date(2026, 2, 3))
    make_customer(session, branch, shop, joined_on=date(2026, 2, 27))
    make_customer(
        session,
        branch,
        shop,
        joined_on=date(2025, 6, 1),
        status=CustomerStatus.PAUSED,
        paused_from=date(2026, 3, 1),
        pause_reason="In hospital",
    )
    make_customer(
        session, branch, shop, joined_on=date(2024, 6, 1), status=CustomerStatus.ENDED, ended_on=date(2026, 3, 10)
    )
    make_customer(session, make_branch(session), joined_on=date(2026, 2, 5))  # another branch
    session.commit()
    report = customers_report(session, _query(ReportKind.CUSTOMERS, [branch.id], date(2026, 1, 1), date(2026, 3, 31)))
    row = report.branches[0]
    assert (row.active, row.paused, row.ended, row.total_now) == (2, 1, 1, 4)
    assert row.joined == (0, 2, 0) and row.left == (0, 0, 1)
    now, flow = report_tables(report)
    assert now.rows[0][1:] == (2, 1, 1, 4)
    assert flow.totals == ("Total", 2, 1)


def test_charges_collected_and_received_by_method(session) -> None:
    """Charges count only delivered orders with a payment; amounts received are split by payment method."""
    branch, _ = _delivery_fixture(session)
    report = charges_report(session, _query(ReportKind.CHARGES, [branch.id]))
    row = report.branches[0]
    march, april = 2, 3
    assert row.paid_deliveries[march] == 2 and row.unpaid_deliveries[april] == 1
    assert row.charges_pence[march] == 600 and row.charges_pence[april] == 0
    received = dict(row.received_pence)
    assert received[PaymentMethod.CASH][march] == 2300
    assert received[PaymentMethod.CHEQUE][march] == 1500
    assert row.received_total(march) == 3800
    table = report_tables(report)[0]
    assert table.totals == ("Total", 2, 1, 600, 2300, 1500, 0, 3800)


def test_volunteer_hours_from_the_published_rota(session) -> None:
    """Seats on published rotas count 3.5 h a morning or afternoon and 7 h a whole day; drafts don't count."""
    branch = make_branch(session)
    _rota(
        session,
        branch,
        RotaStatus.PUBLISHED,
        [
            (date(2026, 3, 3), PartOfDay.MORNING, SlotKind.DELIVERY, 2),
            (date(2026, 3, 3), PartOfDay.AFTERNOON, SlotKind.OFFICE, 1),
            (date(2026, 3, 4), PartOfDay.WHOLE_DAY, SlotKind.SHOPPING, 1),
            (date(2026, 3, 31), PartOfDay.MORNING, SlotKind.DELIVERY, 1),
        ],
    )
    _rota(session, branch, RotaStatus.DRAFT, [(date(2026, 3, 5), PartOfDay.WHOLE_DAY, SlotKind.OFFICE, 3)])
    _rota(
        session,
        make_branch(session),
        RotaStatus.PUBLISHED,
        [(date(2026, 3, 5), PartOfDay.WHOLE_DAY, SlotKind.OFFICE, 3)],
    )
    session.commit()
    report = volunteer_hours_report(
        session,
        _query(
            ReportKind.VOLUNTEER_HOURS,
            [branch.id],
            date(2026, 3, 1),
            date(2026, 3, 31),
            Period.WEEK,
            hour_value_pence=1010,
        ),
    )
    row = report.branches[0]
    assert row.total_hours == Decimal("21")  # 2×3.5 + 3.5 + 7 + 3.5
    assert row.total_value_pence == 21_210  # £10.10 an hour
    assert row.shifts == (0, 4, 0, 0, 0, 1)
    assert dict(row.hours_by_kind)[SlotKind.DELIVERY] == Decimal("10.5")
    assert row.volunteers == 5
    cheaper = volunteer_hours_report(session, _query(ReportKind.VOLUNTEER_HOURS, [branch.id], hour_value_pence=500))
    assert cheaper.branches[0].total_value_pence == 10_500


def test_hour_value_rounds_to_the_penny() -> None:
    """Half pence round up, and the rate is a plain argument."""
    assert hours_value_pence(Decimal("3.5"), 1010) == 3535
    assert hours_value_pence(Decimal("0.5"), 1011) == 506
    assert hours_value_pence(Decimal("0"), 1010) == 0


def test_aggregation_runs_a_fixed_number_of_queries(session) -> None:
    """The database does the counting: 5 or 60 orders take the same number of SQL statements."""
    branch = make_branch(session)
    statements: list[str] = []

    def count(*_args) -> None:
        statements.append("x")

    def run() -> int:
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            for kind in ReportKind:
                build_report(session, _query(kind, [branch.id], period=Period.WEEK))
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    _orders(
        session, branch, [(date(2026, 3, day), OrderStatus.DELIVERED, PaymentMethod.CASH, 500) for day in range(1, 6)]
    )
    session.commit()
    few = run()
    _orders(
        session,
        branch,
        [(date(2026, 1 + day % 12, 1 + day % 28), OrderStatus.DELIVERED, PaymentMethod.CASH, 500) for day in range(55)],
    )
    session.commit()
    assert run() == few


def test_charts_and_export_of_every_report(session) -> None:
    """Every report draws its charts and exports as CSV and Excel; each export is audited."""
    branch, other = _delivery_fixture(session)
    for kind in ReportKind:
        report = build_report(session, _query(kind, [branch.id, other.id]))
        assert all(chart.startswith("<svg") for chart in report_charts(report))
        for export_format in ExportFormat:
            exported = export_report(
                session, _query(kind, [branch.id, other.id]), export_format, actor=Actor(None, "tester")
            )
            assert exported.filename.endswith("." + export_format.value) and exported.content
    actions = session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "report.export")).all()
    assert len(actions) == 2 * len(ReportKind)
    assert any(detail.startswith("deliveries csv 2026-01-01..2026-12-31") for detail in actions)


def test_export_neutralises_formulas_in_branch_names(session) -> None:
    """A branch called "=HYPERLINK(...)" reaches the CSV as text with a leading apostrophe."""
    branch = make_branch(session, name='=HYPERLINK("http://evil.example","x")')
    _orders(session, branch, [(date(2026, 3, 2), OrderStatus.DELIVERED, PaymentMethod.CASH, 500)])
    session.commit()
    exported = export_report(session, _query(ReportKind.CUSTOMERS, [branch.id]), ExportFormat.CSV, actor=Actor(None))
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert '\'=HYPERLINK("http://evil.example","x")' in cells
    assert not any(cell.startswith("=") for cell in cells)


@pytest.mark.postgres
@pytest.mark.skipif(POSTGRES_URL is None, reason="DATABASE_URL_TEST_POSTGRES is not set (tests/run.sh sets it)")
def test_reports_on_postgresql(tmp_path) -> None:
    """The same aggregation on a real PostgreSQL server gives the same figures as on SQLite."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": POSTGRES_URL}, instance_path=str(tmp_path))
    with app.app_context():
        downgrade(directory=MIGRATIONS_DIRECTORY, revision="base")
        upgrade(directory=MIGRATIONS_DIRECTORY, revision="heads")
        try:
            session = db.session
            branch, other = _delivery_fixture(session)
            _rota(
                session,
                branch,
                RotaStatus.PUBLISHED,
                [
                    (date(2026, 3, 3), PartOfDay.MORNING, SlotKind.DELIVERY, 2),
                    (date(2026, 3, 4), PartOfDay.WHOLE_DAY, SlotKind.OFFICE, 1),
                ],
            )
            session.commit()
            deliveries = deliveries_report(
                session,
                _query(ReportKind.DELIVERIES, [branch.id, other.id], date(2026, 3, 1), date(2026, 3, 15), Period.WEEK),
            )
            assert deliveries.branches[0].delivered == (0, 2, 0)
            assert deliveries.branches[0].not_delivered == (0, 0, 1)
            assert deliveries.branches[1].delivered == (0, 1, 0)
            charges = charges_report(session, _query(ReportKind.CHARGES, [branch.id]))
            assert charges.branches[0].charges_pence[2] == 600
            assert isinstance(charges.branches[0].charges_pence[2], int)
            assert charges.branches[0].received_total(2) == 3800
            customers = customers_report(
                session, _query(ReportKind.CUSTOMERS, [branch.id], date(2020, 1, 1), date(2024, 12, 31), Period.YEAR)
            )
            assert customers.branches[0].active == 7 and sum(customers.branches[0].joined) == 7
            hours = volunteer_hours_report(session, _query(ReportKind.VOLUNTEER_HOURS, [branch.id]))
            assert hours.branches[0].total_hours == Decimal("14") and hours.branches[0].total_value_pence == 14_140
            exported = export_report(
                session, _query(ReportKind.CHARGES, [branch.id]), ExportFormat.XLSX, actor=Actor(None)
            )
            assert exported.content[:2] == b"PK"
        finally:
            db.session.remove()
            downgrade(directory=MIGRATIONS_DIRECTORY, revision="base")
            db.engine.dispose()
