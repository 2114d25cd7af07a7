"""What changed since a plan was made: cancelled, moved, edited and new orders, customer edits and rota changes.

A stored plan goes stale when customers, orders or the rota change after it; :func:`plan_changes`
lists each change in words so the coordinator (and the teams, on their sheets) can see what to re-plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload

from foodtrain.models import (
    AuditEvent,
    Customer,
    CustomerStatus,
    Order,
    OrderStatus,
    RoutePlan,
    Van,
    VolunteerAbsence,
)
from foodtrain.services.closures import closed_reason
from foodtrain.services.service_breaks import shops_closed, vans_out_of_service
from foodtrain.schedule import is_on_pause
from foodtrain.services.people import in_branch
from foodtrain.services.planning.reading import CLOSED_STATUSES, NO_TEAM_TEXT, plan_row, team_missing, team_text
from foodtrain.services.planning import reading

__all__ = [
    "PlanChange",
    "ORDER_EDIT_ACTIONS",
    "CUSTOMER_EDIT_ACTIONS",
    "CUSTOMER_ROUTE_FIELDS",
    "plan_changes",
    "changes_of",
]


@dataclass(frozen=True)
class PlanChange:
    """Something that changed since the plan was made: the plan is out of date until re-planned."""

    # Orders: "cancelled", "changed", "new", "customer" (paused, ended, erased, moved house), "shop" (closed);
    # rounds: "rota" (team changed or away), "capacity" (load now above the van's), "van" (out of service);
    # the day: "closed" (one per round, so every team's sheet says it).
    kind: str
    order_id: int | None
    van_id: int | None
    text: str
    # The same without the customer's name, for teams whose round it is not on ("" when ``text`` has no name).
    team_text: str = ""

    def text_for_team(self, van_id: int | None) -> str:
        """What the team of ``van_id`` is told: the whole text on their own round, else without the customer."""
        return self.text if self.van_id is not None and self.van_id == van_id else (self.team_text or self.text)


ORDER_EDIT_ACTIONS = ("order.update", "order.reopen")
CUSTOMER_EDIT_ACTIONS = ("customer.update", "customer.erase")
# A customer's details that move the stop or its time window: a change to these makes the round wrong.
CUSTOMER_ROUTE_FIELDS = frozenset(
    {"address_line1", "address_line2", "town", "postcode", "latitude", "longitude", "window_start", "window_end"}
)


def plan_changes(session: Session, branch_id: int, day: date) -> list[PlanChange]:
    """What today's data says has changed since the day's plan was made ([] when none, or no plan).

    Orders cancelled, moved to another date, edited or taken after planning; customers paused,
    ended, erased or moved house; shops closed; rounds whose rostered team is no longer the one
    planned with or has someone away; rounds now loaded above their van's capacity; vans out of
    service; and the branch closed on the day. The one list the plan page, publishing and the
    delivery sheets use.
    """
    plan = plan_row(session, branch_id, day)
    return changes_of(session, branch_id, plan) if plan is not None else []


def _customer_edits(session: Session, customer_ids: set[int], since: datetime) -> dict[int, str]:
    """Customers erased (ever) or whose address or time window was edited after ``since``: id -> what."""
    found: dict[int, str] = {}
    for customer_id, action, detail, occurred_at in session.execute(
        select(AuditEvent.entity_id, AuditEvent.action, AuditEvent.detail, AuditEvent.occurred_at)
        .where(
            AuditEvent.entity_type == "customer",
            AuditEvent.entity_id.in_(customer_ids),
            AuditEvent.action.in_(CUSTOMER_EDIT_ACTIONS),
        )
        .order_by(AuditEvent.id)
    ).all():
        if customer_id is None:  # the query asks for these ids only
            continue
        if action == "customer.erase":
            found[customer_id] = "erase"
        elif occurred_at > since and found.get(customer_id) != "erase":
            fields = set((detail or "").removeprefix("changed=").split(","))
            if fields & CUSTOMER_ROUTE_FIELDS:
                found[customer_id] = "moved"
    return found


def _customer_change(customer: Customer, day: date, edit: str | None) -> str:
    """Why the customer's delivery on ``day`` no longer stands as planned ("" when it does)."""
    if edit == "erase":
        return "the customer's details were erased: take the order off the round"
    if customer.status is CustomerStatus.ENDED and customer.ended_on is not None and customer.ended_on <= day:
        return f"the customer ended on {customer.ended_on:%-d %B %Y}"
    if is_on_pause(customer.status, customer.paused_from, customer.paused_until, day):
        until = f" until {customer.paused_until:%-d %B}" if customer.paused_until else ""
        return f"the customer is paused from {customer.paused_from:%-d %B}{until}"
    if edit == "moved":
        return "the customer's address or time window was changed after planning"
    return ""


def _round_load_crates(plan: RoutePlan, van_id: int, orders: dict[int, Order], day: date) -> int:
    """The most crates on board along the planned round with today's orders (cancelled or moved ones left)."""
    load = most = 0
    for stop in plan.stops:
        order = orders.get(stop.order_id) if stop.order_id else None
        if (
            stop.van_id != van_id
            or order is None
            or order.status is OrderStatus.CANCELLED
            or order.delivery_date != day
        ):
            continue
        crates = order.crates_or_estimate()[0]
        load += crates if stop.kind == "pickup" else -crates if stop.kind == "delivery" else 0
        most = max(most, load)
    return most


def changes_of(session: Session, branch_id: int, plan: RoutePlan) -> list[PlanChange]:
    day = plan.delivery_date
    vans = {v.id: v for v in session.scalars(in_branch(select(Van), Van, branch_id)).all()}
    van_names = {van_id: van.name for van_id, van in vans.items()}
    van_of = {s.order_id: s.van_id for s in plan.stops if s.kind == "delivery" and s.order_id}
    known = set(van_of) | {u.order_id for u in plan.unplanned}
    orders = {
        o.id: o
        for o in session.scalars(
            in_branch(select(Order), Order, branch_id)
            .where(or_(Order.id.in_(known), and_(Order.delivery_date == day, Order.status.not_in(CLOSED_STATUSES))))
            .options(selectinload(Order.customer), selectinload(Order.shop), selectinload(Order.lines))
        ).all()
    }
    edited = set(
        session.scalars(
            select(AuditEvent.entity_id).where(
                AuditEvent.entity_type == "order",
                AuditEvent.entity_id.in_(known),
                AuditEvent.action.in_(ORDER_EDIT_ACTIONS),
                AuditEvent.occurred_at > plan.planned_at,
            )
        ).all()
    )
    customer_edits = _customer_edits(session, {o.customer_id for o in orders.values()}, plan.planned_at)
    closed_shops = shops_closed(session, branch_id, day)
    off_road = vans_out_of_service(session, branch_id, day)
    changes = []
    for order_id in sorted(known):
        order = orders.get(order_id)
        if order is None:
            continue
        van_id = van_of.get(order_id)
        where = f" ({van_names.get(van_id, 'van')}'s round)" if van_id else " (it was not planned)"
        customer_change = _customer_change(order.customer, day, customer_edits.get(order.customer_id))
        if order.status is OrderStatus.CANCELLED:
            kind, what = "cancelled", " was cancelled"
        elif order.delivery_date != day:
            kind, what = "changed", f" was moved to {order.delivery_date:%A %-d %B}"
        elif order.status in CLOSED_STATUSES:
            continue  # delivered or otherwise done: nothing left to change
        elif customer_change:
            kind, what = "customer", f": {customer_change}"
        elif order.shop_id in closed_shops:
            kind, what = (
                "shop",
                f": {order.shop.name} is closed ({closed_shops[order.shop_id]}), nobody will pick the order",
            )
        elif order_id in edited:
            kind, what = "changed", " was changed after planning"
        else:
            continue
        changes.append(
            PlanChange(
                kind,
                order_id,
                van_id,
                f"Order {order_id} for {order.customer.full_name}{what}{where}",
                team_text=f"Order {order_id}{what}{where}",
            )
        )
    for order in sorted((o for o in orders.values() if o.id not in known), key=lambda o: o.id):
        changes.append(
            PlanChange(
                "new",
                order.id,
                None,
                f"Order {order.id} for {order.customer.full_name} came in after planning",
                team_text=f"Order {order.id} came in after planning: it is on no round yet",
            )
        )
    teams = {team.van_id: team for team in reading.rostered_teams(session, branch_id, day)}
    absent = _absences_on(session, teams.values(), day)
    for round_ in plan.rounds:
        name = van_names.get(round_.van_id, "A van")
        team = teams.get(round_.van_id)
        now = team_text(team)
        if round_.team_text and now != round_.team_text:
            missing = team_missing(team) if round_.team_text != NO_TEAM_TEXT else ""
            changes.append(
                PlanChange(
                    "rota",
                    None,
                    round_.van_id,
                    f"{name}: the rota changed: planned with {round_.team_text}, now {now}"
                    + (f": {missing}" if missing else ""),
                )
            )
        for volunteer_id, volunteer_name in (
            ((team.driver_volunteer_id, team.driver_name), (team.mate_volunteer_id, team.mate_name)) if team else ()
        ):
            if volunteer_id in absent:
                changes.append(
                    PlanChange(
                        "rota",
                        None,
                        round_.van_id,
                        f"{name}: {volunteer_name} is away that day ({absent[volunteer_id]}): the van has no full team",
                    )
                )
        van = vans.get(round_.van_id)
        if van is not None and (not van.active or van.id in off_road):
            changes.append(
                PlanChange(
                    "van",
                    None,
                    round_.van_id,
                    f"{name} is {off_road.get(van.id, 'out of service')}: its round has no van",
                )
            )
        elif van is not None:
            load = _round_load_crates(plan, round_.van_id, orders, day)
            if load > van.capacity_crates:
                changes.append(
                    PlanChange(
                        "capacity",
                        None,
                        round_.van_id,
                        f"{name}: its orders now fill {load} crates, more than the van's {van.capacity_crates}",
                    )
                )
    closed = closed_reason(session, branch_id, day)
    if closed is not None:
        # once, for the whole day (no van): every team's sheet and page show whole-day changes
        changes.append(PlanChange("closed", None, None, f"The branch is closed on {day:%A %-d %B} ({closed})"))
    return changes


def _absences_on(session: Session, teams: Any, day: date) -> dict[int, str]:
    """Rostered volunteers recorded as away on ``day``: id -> the reason ("away" when none given)."""
    ids = {vid for team in teams for vid in (team.driver_volunteer_id, team.mate_volunteer_id) if vid}
    if not ids:
        return {}
    rows = session.execute(
        select(VolunteerAbsence.volunteer_id, VolunteerAbsence.reason).where(
            VolunteerAbsence.volunteer_id.in_(ids), VolunteerAbsence.start_date <= day, VolunteerAbsence.end_date >= day
        )
    ).all()
    return {volunteer_id: reason or "away" for volunteer_id, reason in rows}
