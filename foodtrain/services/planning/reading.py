"""Reading a delivery day for the planner: open orders, shops, vans and their rostered teams, as plain inputs.

Everything the solver needs is read here into frozen dataclasses (:class:`DayInputs`) in one short
transaction, so the solve itself holds no database lock. The rostered team of a van, its words
(:func:`team_text`) and what keeps a van off the road (:func:`day_staffing`) live here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from foodtrain.models import (
    Branch,
    Customer,
    Order,
    OrderStatus,
    RoutePlan,
    RouteStop,
    SupportNeed,
    Van,
)
from foodtrain.models._types import utc_now
from foodtrain.services.errors import NotFoundError
from foodtrain.services.people import in_branch
from foodtrain.services.rota import VanTeam, published_rota_id, teams_for_date
from foodtrain.services.service_breaks import shops_closed, vans_out_of_service

__all__ = [
    "CLOSED_STATUSES",
    "BASE_SERVICE_MIN",
    "SERVICE_MIN_PER_CRATE",
    "SUPPORT_SERVICE_MIN",
    "NO_TEAM_TEXT",
    "VanInput",
    "ShopInput",
    "OrderInput",
    "StopRecord",
    "RoundRecord",
    "DayInputs",
    "minutes_of",
    "clock_text",
    "service_minutes",
    "rostered_teams",
    "VanLeftOut",
    "DayStaffing",
    "team_missing",
    "day_staffing",
    "open_orders",
    "left_the_day",
    "plan_row",
    "read_day",
    "TEAM_NAME_SEPARATOR",
    "team_text",
]


CLOSED_STATUSES = (OrderStatus.CANCELLED, OrderStatus.DELIVERED, OrderStatus.NOT_DELIVERED)
BASE_SERVICE_MIN = 5.0
SERVICE_MIN_PER_CRATE = 1.0
# Extra minutes at the door for the help a customer asked for.
SUPPORT_SERVICE_MIN = {
    SupportNeed.UNPACKING: 10.0,
    SupportNeed.CARRYING_UPSTAIRS: 5.0,
    SupportNeed.OPENING_PACKETS: 3.0,
    SupportNeed.READING_LABELS: 3.0,
    SupportNeed.MEMORY: 5.0,
    SupportNeed.HEARING: 2.0,
    SupportNeed.HELP_WRITING_LIST: 0.0,
}
NO_TEAM_TEXT = "no team rostered"


@dataclass(frozen=True)
class VanInput:
    id: int
    name: str
    capacity_crates: int
    lat: float
    lon: float


@dataclass(frozen=True)
class ShopInput:
    id: int
    name: str
    lat: float
    lon: float
    ready_min: int
    loading_per_visit_min: float
    loading_per_order_min: float


@dataclass(frozen=True)
class OrderInput:
    id: int
    customer_name: str
    lat: float | None
    lon: float | None
    shop_id: int
    crates: int
    crates_estimated: bool
    window_start_min: int
    window_end_min: int
    service_min: float


@dataclass(frozen=True)
class StopRecord:
    """A stop as stored (minutes after midnight)."""

    van_id: int
    kind: str
    order_id: int | None
    shop_id: int | None
    arrival_min: float
    departure_min: float
    wait_min: float
    load_after_crates: int


@dataclass(frozen=True)
class RoundRecord:
    van_id: int
    stops: tuple[StopRecord, ...]
    distance_m: float
    drive_min: float
    duration_min: float
    locked: bool = False


@dataclass(frozen=True)
class DayInputs:
    """Everything the solver needs for one branch day, as plain values."""

    branch_id: int
    day: date
    detour_factor: float
    average_speed_kmh: float
    shift_start_min: int
    shift_end_min: int
    vans: tuple[VanInput, ...]
    shops: tuple[ShopInput, ...]
    orders: tuple[OrderInput, ...]
    locked_rounds: tuple[RoundRecord, ...] = ()
    pins: dict[int, int] = field(default_factory=dict)
    no_team_rostered: bool = False
    team_texts: dict[int, str] = field(default_factory=dict)
    read_at: datetime | None = None  # when the day was read: what changed after it is a change since planning
    plan_version: int | None = None  # the day's plan as read (None: there was none); checked when storing
    closed_shops: dict[int, str] = field(default_factory=dict)  # shop id -> why: no pickup there that day


def minutes_of(value: time) -> int:
    return value.hour * 60 + value.minute


def clock_text(minutes: float) -> str:
    """Minutes after midnight as HH:MM (rounded to the minute)."""
    whole = int(round(minutes))
    return f"{whole // 60:02d}:{whole % 60:02d}"


def service_minutes(needs: set[SupportNeed], crates: int) -> float:
    """Time at the door: carrying in, checking off, and the help the customer asked for."""
    return BASE_SERVICE_MIN + SERVICE_MIN_PER_CRATE * crates + sum(SUPPORT_SERVICE_MIN.get(n, 0.0) for n in needs)


def rostered_teams(session: Session, branch_id: int, day: date) -> list[VanTeam]:
    """The day's van teams from the published rota (the rota service), [] when there is none."""
    return [team for team in teams_for_date(session, branch_id, day) if team.van_id]


@dataclass(frozen=True)
class VanLeftOut:
    """An active van that does not go out on the day, and why."""

    van_id: int
    van_name: str
    reason: str


@dataclass(frozen=True)
class DayStaffing:
    """Which vans can go out on a day: those with a full rostered team (driver and delivery mate)."""

    rota_published: bool
    out_van_ids: frozenset[int]
    left_out: tuple[VanLeftOut, ...]


def team_missing(team: VanTeam | None) -> str:
    """Why a van slot cannot go out ("" when its team is complete): a team of two works at the door."""
    if team is None:
        return "no delivery slot for this van on the rota"
    if team.driver_volunteer_id is None and team.mate_volunteer_id is None:
        return "nobody rostered on it"
    if team.driver_volunteer_id is None:
        return "no driver rostered"
    if team.mate_volunteer_id is None:
        return "no delivery mate rostered (a team of two works at the door)"
    return ""


def day_staffing(session: Session, branch_id: int, day: date) -> DayStaffing:
    """The one rule for which vans go out: never one out of service; with a published rota, only vans with a
    complete team.

    Without a published rota for the month every active van is planned (the branch may keep
    its rota on paper); the plan then says no team is rostered and publishing asks to confirm.
    """
    vans = list(
        session.scalars(in_branch(select(Van), Van, branch_id).where(Van.active.is_(True)).order_by(Van.name)).all()
    )
    off_road = vans_out_of_service(session, branch_id, day)
    teams = {team.van_id: team for team in rostered_teams(session, branch_id, day)}
    if not teams and published_rota_id(session, branch_id, day) is None:
        return DayStaffing(
            False,
            frozenset(v.id for v in vans if v.id not in off_road),
            tuple(VanLeftOut(v.id, v.name, off_road[v.id]) for v in vans if v.id in off_road),
        )
    out_ids = set()
    left_out = []
    for van in vans:
        missing = off_road.get(van.id) or team_missing(teams.get(van.id))
        if missing:
            left_out.append(VanLeftOut(van.id, van.name, missing))
        else:
            out_ids.add(van.id)
    return DayStaffing(True, frozenset(out_ids), tuple(left_out))


def open_orders(session: Session, branch_id: int, day: date) -> list[Order]:
    """The branch's orders for the day that still have to be delivered."""
    return list(
        session.scalars(
            in_branch(select(Order), Order, branch_id)
            .where(Order.delivery_date == day, Order.status.not_in(CLOSED_STATUSES))
            .options(
                selectinload(Order.lines),
                selectinload(Order.customer).selectinload(Customer.support_needs),
                selectinload(Order.shop),
            )
            .order_by(Order.id)
        ).all()
    )


def left_the_day(order: Order, day: date) -> bool:
    """A planned delivery the team must not make: the order was cancelled, or moved to another date."""
    return order.status is OrderStatus.CANCELLED or order.delivery_date != day


def plan_row(session: Session, branch_id: int, day: date) -> RoutePlan | None:
    return session.scalar(in_branch(select(RoutePlan), RoutePlan, branch_id).where(RoutePlan.delivery_date == day))


def read_day(session: Session, branch_id: int, day: date, shift_start: time, shift_end: time) -> DayInputs:
    """Read the day's orders, shops, vans (of the rostered teams) and the current plan's adjustments."""
    read_at = utc_now()
    branch = session.get(Branch, branch_id)
    if branch is None:
        raise NotFoundError(f"No branch {branch_id}.")
    staffing = day_staffing(session, branch_id, day)
    vans = list(
        session.scalars(
            in_branch(select(Van), Van, branch_id).where(Van.id.in_(staffing.out_van_ids)).order_by(Van.name)
        ).all()
    )
    orders = open_orders(session, branch_id, day)
    order_inputs = []
    for order in orders:
        crates, estimated = order.crates_or_estimate()
        customer = order.customer
        order_inputs.append(
            OrderInput(
                id=order.id,
                customer_name=customer.full_name,
                lat=customer.latitude,
                lon=customer.longitude,
                shop_id=order.shop_id,
                crates=crates,
                crates_estimated=estimated,
                window_start_min=minutes_of(customer.window_start),
                window_end_min=minutes_of(customer.window_end),
                service_min=service_minutes(customer.support_need_values, crates),
            )
        )
    shops = {order.shop.id: order.shop for order in orders}
    shop_inputs = tuple(
        ShopInput(
            s.id,
            s.name,
            s.latitude,
            s.longitude,
            minutes_of(s.orders_ready_time),
            float(s.loading_min_per_visit),
            float(s.loading_min_per_order),
        )
        for s in sorted(shops.values(), key=lambda s: s.id)
    )
    locked: list[RoundRecord] = []
    pins: dict[int, int] = {}
    plan = plan_row(session, branch_id, day)
    open_ids = {order.id for order in orders}
    if plan is not None:
        pins = {pin.order_id: pin.van_id for pin in plan.pins if pin.order_id in open_ids}
        for round_ in plan.rounds:
            if round_.locked:
                stops = tuple(
                    _stop_record(stop)
                    for stop in plan.stops
                    if stop.van_id == round_.van_id and (stop.order_id is None or stop.order_id in open_ids)
                )
                locked.append(
                    RoundRecord(
                        round_.van_id, stops, round_.distance_m, round_.drive_min, round_.duration_min, locked=True
                    )
                )
    return DayInputs(
        branch_id=branch_id,
        day=day,
        detour_factor=branch.detour_factor,
        average_speed_kmh=branch.average_speed_kmh,
        shift_start_min=minutes_of(shift_start),
        shift_end_min=minutes_of(shift_end),
        vans=tuple(VanInput(v.id, v.name, v.capacity_crates, v.base_latitude, v.base_longitude) for v in vans),
        shops=shop_inputs,
        orders=tuple(order_inputs),
        locked_rounds=tuple(locked),
        pins=pins,
        no_team_rostered=not staffing.rota_published,
        read_at=read_at,
        closed_shops={
            shop_id: why for shop_id, why in shops_closed(session, branch_id, day).items() if shop_id in shops
        },
        plan_version=plan.version if plan is not None else None,
        team_texts={team.van_id: team_text(team) for team in rostered_teams(session, branch_id, day)},
    )


def _stop_record(stop: RouteStop) -> StopRecord:
    return StopRecord(
        stop.van_id,
        stop.kind,
        stop.order_id,
        stop.shop_id,
        stop.arrival_min,
        stop.departure_min,
        stop.wait_min,
        stop.load_after_crates,
    )


TEAM_NAME_SEPARATOR = " and "


def team_text(team: VanTeam | None) -> str:
    if team is None:
        return NO_TEAM_TEXT
    names = [name for name in (team.driver_name, team.mate_name) if name]
    if not names:
        return NO_TEAM_TEXT
    # a trainee riding along as a third person is named after the team of two, never as one of it
    shadow = f", with {team.shadow_name} shadowing" if team.shadow_name else ""
    return TEAM_NAME_SEPARATOR.join(names) + shadow
