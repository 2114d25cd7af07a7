"""The branch dashboard: this week's deliveries and the branch's people at a glance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from foodtrain.models import Customer, CustomerStatus, Order, OrderStatus, Volunteer, PvgStatus
from foodtrain.schedule import is_customer_due


@dataclass(frozen=True)
class DeliveryDaySummary:
    delivery_date: date
    customers_due: int
    orders_in: int
    orders_delivered: int
    orders_not_delivered: int


@dataclass(frozen=True)
class BranchDashboard:
    week_start: date
    days: list[DeliveryDaySummary]
    customers_by_status: dict[str, int]
    volunteers_active: int
    volunteers_pvg_pending: int
    volunteers_trainees: int


def week_start_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def branch_dashboard(session: Session, branch_id: int, today: date) -> BranchDashboard:
    """Counts for the week that contains `today` (Monday to Saturday)."""
    week_start = week_start_of(today)
    week_days = [week_start + timedelta(days=offset) for offset in range(6)]
    customers = session.execute(
        select(
            Customer.status,
            Customer.frequency,
            Customer.frequency_anchor_date,
            Customer.delivery_weekday,
            Customer.paused_from,
            Customer.paused_until,
            Customer.ended_on,
        ).where(Customer.branch_id == branch_id)
    ).all()
    order_counts = session.execute(
        select(Order.delivery_date, Order.status, func.count())
        .where(Order.branch_id == branch_id, Order.delivery_date.between(week_days[0], week_days[-1]))
        .group_by(Order.delivery_date, Order.status)
    ).all()
    by_day: dict[date, dict[OrderStatus, int]] = {}
    for delivery_date, status, count in order_counts:
        by_day.setdefault(delivery_date, {})[status] = count
    days = []
    for day in week_days:
        due = sum(
            1
            for row in customers
            if is_customer_due(
                status=row.status,
                frequency=row.frequency,
                anchor_date=row.frequency_anchor_date,
                delivery_weekday=row.delivery_weekday,
                paused_from=row.paused_from,
                paused_until=row.paused_until,
                ended_on=row.ended_on,
                on=day,
            )
        )
        statuses = by_day.get(day, {})
        orders_in = sum(count for status, count in statuses.items() if status is not OrderStatus.CANCELLED)
        if due == 0 and orders_in == 0:
            continue
        days.append(
            DeliveryDaySummary(
                delivery_date=day,
                customers_due=due,
                orders_in=orders_in,
                orders_delivered=statuses.get(OrderStatus.DELIVERED, 0),
                orders_not_delivered=statuses.get(OrderStatus.NOT_DELIVERED, 0),
            )
        )
    customers_by_status = {status.value: 0 for status in CustomerStatus}
    for row in customers:
        customers_by_status[row.status.value] += 1
    volunteer_rows = session.execute(
        select(Volunteer.pvg_status, Volunteer.is_trainee).where(
            Volunteer.branch_id == branch_id, Volunteer.left_on.is_(None)
        )
    ).all()
    return BranchDashboard(
        week_start=week_start,
        days=days,
        customers_by_status=customers_by_status,
        volunteers_active=len(volunteer_rows),
        volunteers_pvg_pending=sum(1 for row in volunteer_rows if row.pvg_status is PvgStatus.PENDING),
        volunteers_trainees=sum(1 for row in volunteer_rows if row.is_trainee),
    )
