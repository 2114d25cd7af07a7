"""Looking at a plan: the day's plan as plain data for the pages, and a volunteer's rounds.

:func:`get_plan_view` builds the page's :class:`PlanView` (rounds, stops, unplanned orders, pins, the
map and what changed since planning); the other functions answer a volunteer's or an order's question.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from foodtrain.models import (
    Branch,
    Customer,
    Order,
    OrderStatus,
    RoutePlan,
    RoutePlanStatus,
    RouteStop,
    Shop,
    Van,
)
from foodtrain.models import PAYMENT_METHOD_LABELS, SUPPORT_NEED_LABELS
from foodtrain.money import format_pence
from foodtrain.route_map import MapPoint, MapRound, tile_url_origin
from foodtrain.services.balances import amount_due_with_balance_text, balances_pence
from foodtrain.services.people import in_branch
from foodtrain.services.planning.reading import VanLeftOut, clock_text, day_staffing, plan_row, team_text
from foodtrain.services.planning.staleness import PlanChange, changes_of
from foodtrain.services.planning import reading

__all__ = [
    "StopView",
    "RoundView",
    "UnplannedView",
    "PinView",
    "PlanView",
    "get_plan_view",
    "DriverDay",
    "rounds_for_volunteer",
    "order_round_text",
    "NextRound",
    "next_round_for_volunteer",
    "PlanOutOfDate",
    "published_plans_out_of_date",
    "amount_due_text",
    "outcome_text",
]


@dataclass(frozen=True)
class StopView:
    sequence: int
    kind: str
    order_id: int | None
    label: str
    place: str
    arrival: str
    departure: str
    wait_min: int
    load_after_crates: int
    crates: int | None
    crates_estimated: bool
    lat: float
    lon: float
    cancelled: bool = False
    # For the team's phone cards (delivery stops only).
    address: str = ""
    phone: str = ""
    access_notes: str = ""
    support_needs: str = ""
    amount_due: str = ""
    payment_method: str = ""
    # What the team recorded at the door (delivery stops only): the order's status and version for the
    # phone's delivered / not-in form, the amount due at the door to start it with, and what was recorded.
    order_status: str = ""
    order_version: int = 0
    amount_due_at_door: str = ""
    customer_payment_method: str = ""
    outcome: str = ""

    @property
    def delivery_recorded(self) -> bool:
        return self.order_status in ("delivered", "not_delivered")

    @property
    def phone_link(self) -> str:
        """tel: link for tap-to-call ("" without a phone number)."""
        digits = "".join(ch for ch in self.phone if ch.isdigit() or ch == "+")
        return f"tel:{digits}" if digits else ""

    @property
    def directions_link(self) -> str:
        """geo: link that opens the phone's own map app at the stop (no network call from this app)."""
        return f"geo:{self.lat:.6f},{self.lon:.6f}?q={self.lat:.6f},{self.lon:.6f}"


@dataclass(frozen=True)
class RoundView:
    van_id: int
    van_name: str
    capacity_crates: int
    locked: bool
    team: str
    driver_volunteer_id: int | None
    mate_volunteer_id: int | None
    stops: tuple[StopView, ...]
    distance_km: float
    drive_min: int
    start: str
    end: str
    deliveries: int
    max_load_crates: int


@dataclass(frozen=True)
class UnplannedView:
    order_id: int
    customer_name: str
    postcode: str
    shop_name: str
    reason: str


@dataclass(frozen=True)
class PinView:
    order_id: int
    customer_name: str
    van_name: str


@dataclass(frozen=True)
class PlanView:
    id: int
    delivery_date: date
    status: str
    version: int
    shift_start: time
    shift_end: time
    time_limit_s: int
    solver_status: str
    total_distance_km: float
    total_drive_min: int
    vans_used: int
    runtime_s: float
    no_team_rostered: bool
    rounds: tuple[RoundView, ...]
    unplanned: tuple[UnplannedView, ...]
    pins: tuple[PinView, ...]
    van_choices: tuple[tuple[int, str], ...]
    changes: tuple[PlanChange, ...]
    vans_left_out: tuple[VanLeftOut, ...]
    map_rounds: tuple[MapRound, ...]  # the rounds' stops to draw (the web layer draws the map)
    map_tile_url: str | None  # the branch's own tile server under the map (None: the offline map)
    map_tile_origin: str = ""  # the branch's own tile server the map loads images from ("" for the offline map)

    @property
    def out_of_date(self) -> bool:
        return bool(self.changes)

    @property
    def new_orders(self) -> int:
        return sum(1 for change in self.changes if change.kind == "new")

    @property
    def published(self) -> bool:
        return self.status == RoutePlanStatus.PUBLISHED.value

    @property
    def total_deliveries(self) -> int:
        return sum(r.deliveries for r in self.rounds)


def _changes_for_team(changes: list[PlanChange], team_vans: set[int]) -> tuple[PlanChange, ...]:
    """What a team is told: the changes of its own rounds, in full, and those of the whole day (an order taken
    after planning, a change to an order on no round: each may change their round when the office re-plans),
    without the other customer's name."""
    return tuple(
        replace(c, text=c.text_for_team(c.van_id if c.van_id in team_vans else None))
        for c in changes
        if c.van_id is None or c.van_id in team_vans
    )


def get_plan_view(
    session: Session,
    branch_id: int,
    day: date,
    volunteer_id: int | None = None,
    drivers_only: bool = False,
    map_tile_urls: Mapping[str, str] | None = None,
) -> PlanView | None:
    """The day's plan for the page, or None. ``drivers_only``: only the published rounds of ``volunteer_id``'s teams.
    ``map_tile_urls``: branch code → the branch's own tile server, drawn under the map instead of the offline one."""
    plan = plan_row(session, branch_id, day)
    if plan is None:
        return None
    teams = {team.van_id: team for team in reading.rostered_teams(session, branch_id, day)}
    if drivers_only:
        if plan.status is not RoutePlanStatus.PUBLISHED or volunteer_id is None:
            return None
        visible_vans = {
            van_id
            for van_id, team in teams.items()
            if volunteer_id in (team.driver_volunteer_id, team.mate_volunteer_id)
        }
        if not visible_vans:
            return None
    else:
        visible_vans = None
    vans = {van.id: van for van in session.scalars(in_branch(select(Van), Van, branch_id)).all()}
    order_ids = (
        {s.order_id for s in plan.stops if s.order_id}
        | {u.order_id for u in plan.unplanned}
        | {p.order_id for p in plan.pins}
    )
    orders = {
        o.id: o
        for o in session.scalars(
            in_branch(select(Order), Order, branch_id)
            .where(Order.id.in_(order_ids))
            .options(
                selectinload(Order.customer).selectinload(Customer.support_needs),
                selectinload(Order.shop),
                selectinload(Order.lines),
            )
        ).all()
    }
    shops = {s.id: s for s in session.scalars(in_branch(select(Shop), Shop, branch_id)).all()}
    balances = balances_pence(session, branch_id, {o.customer_id for o in orders.values()}, before=day)
    branch = session.get(Branch, branch_id)
    rounds = []
    for round_ in plan.rounds:
        if visible_vans is not None and round_.van_id not in visible_vans:
            continue
        van = vans[round_.van_id]
        stops = []
        for stop in (s for s in plan.stops if s.van_id == round_.van_id):
            order = orders.get(stop.order_id) if stop.order_id else None
            crates, estimated = order.crates_or_estimate() if order else (None, False)
            if stop.kind == "pickup" and stop.shop_id in shops:
                shop = shops[stop.shop_id]
                label, place, lat, lon = (
                    f"Collect for {order.customer.full_name}" if order else "Collect",
                    shop.name,
                    shop.latitude,
                    shop.longitude,
                )
            elif stop.kind == "delivery" and order is not None:
                customer = order.customer
                label, place = customer.full_name, f"{customer.address_line1}, {customer.postcode}"
                lat, lon = customer.latitude or van.base_latitude, customer.longitude or van.base_longitude
            else:
                label = "Leave the base" if stop.kind == "start" else "Back at the base"
                place, lat, lon = (branch.base_name if branch else ""), van.base_latitude, van.base_longitude
            details = {}
            if stop.kind == "delivery" and order is not None:
                customer = order.customer
                details = dict(
                    address=", ".join(
                        part
                        for part in (customer.address_line1, customer.address_line2, customer.town, customer.postcode)
                        if part
                    ),
                    phone=customer.phone or "",
                    access_notes=customer.access_notes or "",
                    support_needs="; ".join(SUPPORT_NEED_LABELS[n.need] for n in customer.support_needs),
                    amount_due=amount_due_text(order, balances),
                    payment_method=PAYMENT_METHOD_LABELS[customer.payment_method],
                    order_status=order.status.value,
                    order_version=order.version,
                    amount_due_at_door=(
                        f"{order.amount_due_pence / 100:.2f}" if order.amount_due_pence is not None else ""
                    ),
                    customer_payment_method=customer.payment_method.value,
                    outcome=outcome_text(order),
                )
            stops.append(
                StopView(
                    stop.sequence,
                    stop.kind,
                    stop.order_id,
                    label,
                    place,
                    clock_text(stop.arrival_min),
                    clock_text(stop.departure_min),
                    int(round(stop.wait_min)),
                    stop.load_after_crates,
                    crates,
                    estimated,
                    lat,
                    lon,
                    cancelled=order is not None and reading.left_the_day(order, plan.delivery_date),
                    **details,
                )
            )
        team = teams.get(round_.van_id)
        rounds.append(
            RoundView(
                van_id=van.id,
                van_name=van.name,
                capacity_crates=van.capacity_crates,
                locked=round_.locked,
                team=team_text(team),
                driver_volunteer_id=team.driver_volunteer_id if team else None,
                mate_volunteer_id=team.mate_volunteer_id if team else None,
                stops=tuple(stops),
                distance_km=round(round_.distance_m / 1000, 1),
                drive_min=int(round(round_.drive_min)),
                start=stops[0].departure if stops else "",
                end=stops[-1].arrival if stops else "",
                deliveries=sum(1 for s in stops if s.kind == "delivery" and not s.cancelled),
                max_load_crates=max((s.load_after_crates for s in stops), default=0),
            )
        )
    if visible_vans is None:
        unplanned = tuple(
            UnplannedView(
                u.order_id,
                orders[u.order_id].customer.full_name,
                orders[u.order_id].customer.postcode,
                orders[u.order_id].shop.name,
                u.reason,
            )
            for u in plan.unplanned
            if u.order_id in orders
        )
        pins = tuple(
            PinView(p.order_id, orders[p.order_id].customer.full_name, vans[p.van_id].name)
            for p in plan.pins
            if p.order_id in orders and p.van_id in vans
        )
        changes = tuple(changes_of(session, branch_id, plan))
        vans_left_out = day_staffing(session, branch_id, day).left_out
    else:
        unplanned, pins = (), ()
        changes = _changes_for_team(changes_of(session, branch_id, plan), visible_vans)
        vans_left_out = ()
    not_out = {v.van_id for v in vans_left_out}  # a moved order may only go to a van that is out that day
    van_choices = tuple(
        (van.id, van.name)
        for van in sorted(vans.values(), key=lambda v: v.name)
        if van.active and van.id not in not_out
    )
    tile_url = (map_tile_urls or {}).get(branch.code) if branch else None
    map_rounds = tuple(
        MapRound(r.van_name, tuple(MapPoint(s.lat, s.lon, s.kind, str(i)) for i, s in enumerate(r.stops)))
        for r in rounds
    )
    return PlanView(
        id=plan.id,
        delivery_date=plan.delivery_date,
        status=plan.status.value,
        version=plan.version,
        shift_start=plan.shift_start,
        shift_end=plan.shift_end,
        time_limit_s=plan.time_limit_s,
        solver_status=plan.solver_status,
        total_distance_km=round(sum(r.distance_km for r in rounds), 1),
        total_drive_min=sum(r.drive_min for r in rounds),
        vans_used=len(rounds),
        runtime_s=plan.runtime_s,
        no_team_rostered=plan.no_team_rostered,
        rounds=tuple(rounds),
        unplanned=unplanned,
        pins=pins,
        van_choices=van_choices,
        changes=changes,
        vans_left_out=vans_left_out,
        map_rounds=map_rounds,
        map_tile_url=tile_url,
        map_tile_origin=tile_url_origin(tile_url) if tile_url else "",
    )


@dataclass(frozen=True)
class DriverDay:
    delivery_date: date
    van_names: tuple[str, ...]
    changes: int = 0  # how many changes since planning the team is told of (plan_changes)


def _published_plans(session: Session, branch_id: int, from_day: date, days: int) -> Sequence[RoutePlan]:
    """The branch's published plans from ``from_day`` on, within ``days``, by day."""
    return session.scalars(
        in_branch(select(RoutePlan), RoutePlan, branch_id)
        .where(
            RoutePlan.status == RoutePlanStatus.PUBLISHED,
            RoutePlan.delivery_date >= from_day,
            RoutePlan.delivery_date < from_day + timedelta(days=days),
        )
        .order_by(RoutePlan.delivery_date)
    ).all()


def rounds_for_volunteer(
    session: Session, branch_id: int, volunteer_id: int | None, from_day: date, days: int = 14
) -> list[DriverDay]:
    """Published plans in the coming days with a round of a team the volunteer is in."""
    if volunteer_id is None:
        return []
    plans = _published_plans(session, branch_id, from_day, days)
    found = []
    for plan in plans:
        planned_vans = {r.van_id for r in plan.rounds}
        mine = {
            team.van_id: team.van_name
            for team in reading.rostered_teams(session, branch_id, plan.delivery_date)
            if team.van_id in planned_vans and volunteer_id in (team.driver_volunteer_id, team.mate_volunteer_id)
        }
        if mine:
            changes = _changes_for_team(changes_of(session, branch_id, plan), set(mine))
            found.append(DriverDay(plan.delivery_date, tuple(mine.values()), len(changes)))
    return found


def order_round_text(session: Session, branch_id: int, order_id: int) -> str:
    """Where an order is in its day's plan, in words for a cancel confirmation ("" when not planned)."""
    stop = session.scalar(
        select(RouteStop)
        .join(RoutePlan, RoutePlan.id == RouteStop.plan_id)
        .where(RoutePlan.branch_id == branch_id, RouteStop.order_id == order_id, RouteStop.kind == "delivery")
    )
    if stop is None:
        return ""
    van = session.get(Van, stop.van_id)
    plan = stop.plan
    number = sum(
        1 for s in plan.stops if s.van_id == stop.van_id and s.kind == "delivery" and s.sequence <= stop.sequence
    )
    where = f"{van.name if van else 'a van'}'s round for {plan.delivery_date:%A %-d %B} (delivery {number})"
    if plan.status is RoutePlanStatus.PUBLISHED:
        return (
            f"It is on {where}, already published: the team will see it struck through as CANCELLED on "
            "their sheet and phone until the plan is re-published."
        )
    return f"It is on {where} in the draft plan: re-plan before publishing."


@dataclass(frozen=True)
class NextRound:
    """A driver's or mate's next published round, for their dashboard."""

    delivery_date: date
    van_name: str
    team: str
    start: str
    deliveries: int
    first_stop: str
    changes: tuple[str, ...] = ()  # what changed since planning (plan_changes, as the team is told)


def next_round_for_volunteer(
    session: Session, branch_id: int, volunteer_id: int | None, today: date
) -> NextRound | None:
    """The volunteer's next published round from today on (within two weeks), or None."""
    for day in rounds_for_volunteer(session, branch_id, volunteer_id, today):
        view = get_plan_view(session, branch_id, day.delivery_date, volunteer_id, drivers_only=True)
        if view is None or not view.rounds:
            continue
        round_ = view.rounds[0]
        first = next((s for s in round_.stops if s.kind != "start"), None)
        return NextRound(
            view.delivery_date,
            round_.van_name,
            round_.team,
            round_.start,
            round_.deliveries,
            f"{first.label}, {first.place}" if first else "",
            changes=tuple(change.text for change in view.changes),
        )
    return None


@dataclass(frozen=True)
class PlanOutOfDate:
    """A published day whose plan today's data has changed (plan_changes), for the office's dashboard."""

    delivery_date: date
    changes: tuple[PlanChange, ...]


def published_plans_out_of_date(session: Session, branch_id: int, today: date, days: int = 14) -> list[PlanOutOfDate]:
    """The published plans from ``today`` on (within ``days``) that something changed since planning, by day."""
    plans = _published_plans(session, branch_id, today, days)
    found = []
    for plan in plans:
        changes = changes_of(session, branch_id, plan)
        if changes:
            found.append(PlanOutOfDate(plan.delivery_date, tuple(changes)))
    return found


def amount_due_text(order: Order, balances: dict[int, int]) -> str:
    """This order's amount due with the customer's balance from earlier deliveries carried in."""
    return amount_due_with_balance_text(
        order.amount_due_pence, order.delivery_charge_pence, balances.get(order.customer_id, 0)
    )


def outcome_text(order: Order) -> str:
    """What was recorded at the door, in words ("" while nothing is)."""
    if order.status is OrderStatus.DELIVERED:
        method = order.payment_method_received
        paid_by = PAYMENT_METHOD_LABELS[method] if method is not None else ""
        return f"Delivered: {format_pence(order.amount_received_pence)} received" + (
            f" ({paid_by.lower()})" if paid_by else ""
        )
    if order.status is OrderStatus.NOT_DELIVERED:
        return f"Not delivered: {order.not_delivered_reason or 'no reason given'}"
    return ""
