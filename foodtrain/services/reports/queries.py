"""The reports themselves: each aggregated in the database (GROUP BY date, branch-scoped), then bucketed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from foodtrain.models import Branch, Customer, CustomerStatus, Order, OrderStatus, PaymentMethod
from foodtrain.models.rota import Rota, RotaAssignment, RotaSlot, RotaStatus, SlotKind
from foodtrain.services.errors import NotFoundError
from foodtrain.services.people import in_branch
from foodtrain.services.reports.definitions import (
    BranchCharges,
    BranchCustomers,
    BranchDeliveries,
    BranchRef,
    BranchVolunteerHours,
    ChargesReport,
    CustomersReport,
    DeliveriesReport,
    Report,
    ReportKind,
    ReportQuery,
    SHIFT_HOURS,
    VolunteerHoursReport,
)
from foodtrain.services.reports.periods import bucket_counts, period_buckets, period_start, validate_query


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


def deliveries_report(session: Session, query: ReportQuery) -> DeliveriesReport:
    """Delivered and not-delivered orders per week, month or year, for each branch asked for."""
    validate_query(query)
    buckets = period_buckets(query.start, query.end, query.period)
    rows = []
    for branch in _branches(session, query.branch_ids):
        counts = session.execute(
            in_branch(select(Order.delivery_date, Order.status, func.count(Order.id)), Order, branch.id)
            .where(
                Order.delivery_date.between(query.start, query.end),
                Order.status.in_([OrderStatus.DELIVERED, OrderStatus.NOT_DELIVERED]),
            )
            .group_by(Order.delivery_date, Order.status)
        ).all()
        delivered = [(day, count) for day, status, count in counts if status is OrderStatus.DELIVERED]
        not_delivered = [(day, count) for day, status, count in counts if status is OrderStatus.NOT_DELIVERED]
        rows.append(
            BranchDeliveries(
                branch=branch,
                delivered=tuple(bucket_counts(delivered, buckets, query.period)),
                not_delivered=tuple(bucket_counts(not_delivered, buckets, query.period)),
            )
        )
    return DeliveriesReport(query, buckets, tuple(rows))


def customers_report(session: Session, query: ReportQuery) -> CustomersReport:
    """Customers active, paused and ended now; joined and ended per period, for each branch asked for."""
    validate_query(query)
    buckets = period_buckets(query.start, query.end, query.period)
    rows = []
    for branch in _branches(session, query.branch_ids):
        by_status = dict(
            session.execute(
                in_branch(select(Customer.status, func.count(Customer.id)), Customer, branch.id).group_by(
                    Customer.status
                )
            ).all()
        )
        joined = session.execute(
            in_branch(select(Customer.joined_on, func.count(Customer.id)), Customer, branch.id)
            .where(Customer.joined_on.between(query.start, query.end))
            .group_by(Customer.joined_on)
        ).all()
        left = session.execute(
            in_branch(select(Customer.ended_on, func.count(Customer.id)), Customer, branch.id)
            .where(Customer.ended_on.between(query.start, query.end))
            .group_by(Customer.ended_on)
        ).all()
        rows.append(
            BranchCustomers(
                branch=branch,
                active=by_status.get(CustomerStatus.ACTIVE, 0),
                paused=by_status.get(CustomerStatus.PAUSED, 0),
                ended=by_status.get(CustomerStatus.ENDED, 0),
                joined=tuple(bucket_counts(joined, buckets, query.period)),
                left=tuple(bucket_counts(left, buckets, query.period)),
            )
        )
    return CustomersReport(query, buckets, tuple(rows))


def hours_value_pence(hours: Decimal, hour_value_pence: int) -> int:
    """What the hours are worth at the hourly value, rounded to the penny."""
    return int((hours * hour_value_pence).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _published_seats(branch_id: int, start: date, end: date, *columns: Any) -> Select[Any]:
    """Seats filled on the branch's published rotas between two dates, selecting `columns`."""
    return in_branch(
        select(*columns)
        .select_from(RotaAssignment)
        .join(RotaSlot, RotaAssignment.slot_id == RotaSlot.id)
        .join(Rota, RotaSlot.rota_id == Rota.id),
        Rota,
        branch_id,
    ).where(Rota.status == RotaStatus.PUBLISHED, RotaSlot.date.between(start, end))


def volunteer_hours_report(session: Session, query: ReportQuery) -> VolunteerHoursReport:
    """Hours volunteered on the published rota (seats × shift length) and their value, per period and branch."""
    validate_query(query)
    buckets = period_buckets(query.start, query.end, query.period)
    rows = []
    for branch in _branches(session, query.branch_ids):
        seats = session.execute(
            _published_seats(
                branch.id,
                query.start,
                query.end,
                RotaSlot.date,
                RotaSlot.part_of_day,
                RotaSlot.kind,
                func.count(RotaAssignment.id),
            ).group_by(RotaSlot.date, RotaSlot.part_of_day, RotaSlot.kind)
        ).all()
        volunteers = (
            session.scalar(
                _published_seats(
                    branch.id, query.start, query.end, func.count(func.distinct(RotaAssignment.volunteer_id))
                )
            )
            or 0
        )
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
        rows.append(
            BranchVolunteerHours(
                branch=branch,
                shifts=tuple(shifts),
                hours=tuple(hours),
                value_pence=tuple(hours_value_pence(amount, query.hour_value_pence) for amount in hours),
                hours_by_kind=tuple(by_kind.items()),
                volunteers=int(volunteers),
            )
        )
    return VolunteerHoursReport(query, buckets, tuple(rows))


def charges_report(session: Session, query: ReportQuery) -> ChargesReport:
    """Delivery charges collected (delivered orders with a payment received) and amounts received by method."""
    validate_query(query)
    buckets = period_buckets(query.start, query.end, query.period)
    rows = []
    for branch in _branches(session, query.branch_ids):
        paid = Order.amount_received_pence > 0
        figures = session.execute(
            in_branch(
                select(
                    Order.delivery_date,
                    Order.payment_method_received,
                    func.sum(case((paid, 1), else_=0)),
                    func.sum(case((paid, 0), else_=1)),
                    func.sum(case((paid, Order.delivery_charge_pence), else_=0)),
                    func.sum(case((paid, Order.amount_received_pence), else_=0)),
                ),
                Order,
                branch.id,
            )
            .where(Order.status == OrderStatus.DELIVERED, Order.delivery_date.between(query.start, query.end))
            .group_by(Order.delivery_date, Order.payment_method_received)
        ).all()
        received = {
            method: bucket_counts([(row[0], row[5]) for row in figures if row[1] is method], buckets, query.period)
            for method in PaymentMethod
        }
        rows.append(
            BranchCharges(
                branch=branch,
                paid_deliveries=tuple(bucket_counts([(row[0], row[2]) for row in figures], buckets, query.period)),
                unpaid_deliveries=tuple(bucket_counts([(row[0], row[3]) for row in figures], buckets, query.period)),
                charges_pence=tuple(bucket_counts([(row[0], row[4]) for row in figures], buckets, query.period)),
                received_pence=tuple((method, tuple(amounts)) for method, amounts in received.items()),
            )
        )
    return ChargesReport(query, buckets, tuple(rows))


_BUILDERS: dict[ReportKind, Callable[[Session, ReportQuery], Report]] = {
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
