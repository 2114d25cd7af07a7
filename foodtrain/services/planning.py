"""Route planning for a delivery date: gather the day, solve with `routing`, store and adjust the plan.

The solve runs as a background job (kind ``route_plan``). Inputs are read in one
short transaction that is closed before the solver starts (SQLite takes the
write lock at BEGIN); the plan is written in another short transaction after.
Adjustments (move an order to a van, lock a van's round) are stored on the plan
and honoured by the next re-plan. Delivery sheets and shop picking lists are
built here as plain data and rendered to PDF by :mod:`foodtrain.sheets`.
"""
from __future__ import annotations

import json
import time as clock
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

import routing
from foodtrain.clock import branch_today
from foodtrain.encryption import DecryptionError, FieldCipher
from foodtrain.jobs import ABANDONED_AFTER_S, JobContext, register_job_kind
from foodtrain.models import (
    AuditEvent,
    BackgroundJob,
    Branch,
    Customer,
    CustomerStatus,
    JobStatus,
    Order,
    OrderStatus,
    RoutePin,
    RoutePlan,
    RoutePlanStatus,
    RouteRound,
    RouteStop,
    RouteUnplanned,
    Shop,
    SupportNeed,
    Van,
    VolunteerAbsence,
)
from foodtrain.models import PAYMENT_METHOD_LABELS, SUPPORT_NEED_LABELS
from foodtrain.models._types import utc_now
from foodtrain.money import format_pence
from foodtrain.route_map import MapPoint, MapRound, render_round_map, tile_url_origin
from foodtrain.services.audit import Actor, record_event
from foodtrain.services.closures import closed_reason
from foodtrain.schedule import is_on_pause
from foodtrain.services.balances import amount_due_with_balance_text, balances_pence
from foodtrain.services.errors import ConfirmationNeeded, NotFoundError, StaleRecordError, ValidationError
from foodtrain.services.people import get_in_branch, in_branch
from foodtrain.services.rota import VanTeam, published_rota_id, teams_for_date
from foodtrain.sheets import SheetStop, TeamSheet

PLAN_JOB_KIND = "route_plan"
CLOSED_STATUSES = (OrderStatus.CANCELLED, OrderStatus.DELIVERED, OrderStatus.NOT_DELIVERED)
DEFAULT_SHIFT_START = time(9, 0)
DEFAULT_SHIFT_END = time(16, 0)
DEFAULT_TIME_LIMIT_S = 10
MAX_TIME_LIMIT_S = 300
PIN_SOLVE_LIMIT_S = 2.0
#: Search processes per plan: the worker count the routing benchmarks are measured with.
PLAN_SEARCH_WORKERS = 2
#: How often a running solve asks the job whether it was cancelled (each ask reads the database).
CANCEL_POLL_S = 0.5
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
STALE_PLAN_CHANGES = "re-planned, published or adjusted"
NO_TEAM_TEXT = "no team rostered"
NO_LOCATION_REASON = "the customer has no map location: set the postcode or a pin on the customer's page"


class PlanChangedMeanwhile(ValidationError):
    """The day's plan was stored, published or adjusted by someone else while this one was computed."""

    def __init__(self, day: date):
        super().__init__({"plan": f"The plan for {day:%A %-d %B} was changed while this one was being computed "
                                  "(another Plan, a publish, or an order moved or a round locked): that plan is "
                                  "kept and nothing was overwritten. Look at it, then press Plan again to redo it."})


class PlanningCancelled(Exception):
    """The coordinator cancelled the planning job; nothing was written."""


# ---------------------------------------------------------------------------
# Reading the day


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
    """The one rule for which vans go out: with a published rota, only vans with a complete team.

    Without a published rota for the month every active van is planned (the branch may keep
    its rota on paper); the plan then says no team is rostered and publishing asks to confirm.
    """
    vans = list(session.scalars(in_branch(select(Van), Van, branch_id).where(Van.active.is_(True))
                                .order_by(Van.name)).all())
    teams = {team.van_id: team for team in rostered_teams(session, branch_id, day)}
    if not teams and published_rota_id(session, branch_id, day) is None:
        return DayStaffing(False, frozenset(v.id for v in vans), ())
    out_ids = set()
    left_out = []
    for van in vans:
        missing = team_missing(teams.get(van.id))
        if missing:
            left_out.append(VanLeftOut(van.id, van.name, missing))
        else:
            out_ids.add(van.id)
    return DayStaffing(True, frozenset(out_ids), tuple(left_out))


def open_orders(session: Session, branch_id: int, day: date) -> list[Order]:
    """The branch's orders for the day that still have to be delivered."""
    return list(session.scalars(
        in_branch(select(Order), Order, branch_id)
        .where(Order.delivery_date == day, Order.status.not_in(CLOSED_STATUSES))
        .options(selectinload(Order.lines), selectinload(Order.customer).selectinload(Customer.support_needs),
                 selectinload(Order.shop))
        .order_by(Order.id)
    ).all())


def _plan_row(session: Session, branch_id: int, day: date) -> RoutePlan | None:
    return session.scalar(in_branch(select(RoutePlan), RoutePlan, branch_id).where(RoutePlan.delivery_date == day))


def read_day(session: Session, branch_id: int, day: date, shift_start: time, shift_end: time) -> DayInputs:
    """Read the day's orders, shops, vans (of the rostered teams) and the current plan's adjustments."""
    read_at = utc_now()
    branch = session.get(Branch, branch_id)
    if branch is None:
        raise NotFoundError(f"No branch {branch_id}.")
    staffing = day_staffing(session, branch_id, day)
    vans = list(session.scalars(in_branch(select(Van), Van, branch_id).where(Van.id.in_(staffing.out_van_ids))
                                .order_by(Van.name)).all())
    orders = open_orders(session, branch_id, day)
    order_inputs = []
    for order in orders:
        crates, estimated = order.crates_or_estimate()
        customer = order.customer
        order_inputs.append(OrderInput(
            id=order.id, customer_name=customer.full_name, lat=customer.latitude, lon=customer.longitude,
            shop_id=order.shop_id, crates=crates, crates_estimated=estimated,
            window_start_min=minutes_of(customer.window_start), window_end_min=minutes_of(customer.window_end),
            service_min=service_minutes(customer.support_need_values, crates)))
    shops = {order.shop.id: order.shop for order in orders}
    shop_inputs = tuple(ShopInput(s.id, s.name, s.latitude, s.longitude, minutes_of(s.orders_ready_time),
                                  float(s.loading_min_per_visit), float(s.loading_min_per_order))
                        for s in sorted(shops.values(), key=lambda s: s.id))
    locked: list[RoundRecord] = []
    pins: dict[int, int] = {}
    plan = _plan_row(session, branch_id, day)
    open_ids = {order.id for order in orders}
    if plan is not None:
        pins = {pin.order_id: pin.van_id for pin in plan.pins if pin.order_id in open_ids}
        for round_ in plan.rounds:
            if round_.locked:
                stops = tuple(_stop_record(stop) for stop in plan.stops if stop.van_id == round_.van_id
                              and (stop.order_id is None or stop.order_id in open_ids))
                locked.append(RoundRecord(round_.van_id, stops, round_.distance_m, round_.drive_min,
                                          round_.duration_min, locked=True))
    return DayInputs(
        branch_id=branch_id, day=day, detour_factor=branch.detour_factor,
        average_speed_kmh=branch.average_speed_kmh, shift_start_min=minutes_of(shift_start),
        shift_end_min=minutes_of(shift_end),
        vans=tuple(VanInput(v.id, v.name, v.capacity_crates, v.base_latitude, v.base_longitude) for v in vans),
        shops=shop_inputs, orders=tuple(order_inputs), locked_rounds=tuple(locked), pins=pins,
        no_team_rostered=not staffing.rota_published, read_at=read_at,
        plan_version=plan.version if plan is not None else None,
        team_texts={team.van_id: _team_text(team) for team in rostered_teams(session, branch_id, day)})


def _stop_record(stop: RouteStop) -> StopRecord:
    return StopRecord(stop.van_id, stop.kind, stop.order_id, stop.shop_id, stop.arrival_min, stop.departure_min,
                      stop.wait_min, stop.load_after_crates)


# ---------------------------------------------------------------------------
# Solving


def build_problem(inputs: DayInputs, vans: tuple[VanInput, ...], orders: tuple[OrderInput, ...]) -> routing.Problem:
    """The routing library's problem for some of the day's vans and orders."""
    used_shops = {order.shop_id for order in orders}
    shops = tuple(
        routing.Shop(id=f"shop{s.id}", location=routing.Location(f"shop{s.id}", s.lat, s.lon), ready_min=s.ready_min,
                     loading_per_visit_min=s.loading_per_visit_min, loading_per_order_min=s.loading_per_order_min)
        for s in inputs.shops if s.id in used_shops)
    return routing.Problem(
        vans=tuple(routing.Van(id=str(v.id), capacity_crates=v.capacity_crates,
                               start=routing.Location(f"base{v.id}", v.lat, v.lon),
                               shift_start_min=inputs.shift_start_min, shift_end_min=inputs.shift_end_min)
                   for v in vans),
        orders=tuple(routing.Order(id=str(o.id), location=routing.Location(f"order{o.id}", o.lat, o.lon),
                                   size_crates=o.crates, shop_id=f"shop{o.shop_id}",
                                   windows=(routing.TimeWindow(o.window_start_min, o.window_end_min),),
                                   service_min=o.service_min)
                     for o in orders if o.lat is not None and o.lon is not None),
        shops=shops,
        travel=routing.GreatCircleTravel(detour_factor=inputs.detour_factor, speed_kmh=inputs.average_speed_kmh),
    )


@dataclass(frozen=True)
class Solution:
    """Rounds (including locked ones), unplanned orders with reasons, and the solver's figures."""

    rounds: tuple[RoundRecord, ...]
    unplanned: dict[int, str]
    status: str
    runtime_s: float


ProgressCallback = Callable[[str], None]


def _solve_watched(problem: routing.Problem, params: routing.Params, progress: ProgressCallback,
                   message: str) -> routing.Result:
    """Solve, reporting the best plan so far; a cancel (the callback raising) stops the search.

    The search runs in ``params.workers`` processes (see :func:`routing.solve`);
    the callback is asked here, in the caller's thread, at most every
    ``CANCEL_POLL_S``, and the exception it raised is raised again once the
    search has stopped (within about a second).
    """
    cancelled: list[BaseException] = []
    asked_at = [clock.monotonic()]
    latest = [message]

    def should_stop() -> bool:
        now = clock.monotonic()
        if not cancelled and now - asked_at[0] >= CANCEL_POLL_S:
            asked_at[0] = now
            try:
                progress(latest[0])
            except BaseException as stop:  # noqa: BLE001 - the job's cancel, re-raised below
                cancelled.append(stop)
        return bool(cancelled)

    def on_progress(best: routing.Progress) -> None:
        unplanned = f", {best.unserved} not yet placed" if best.unserved else ""
        latest[0] = f"{message}: best so far {best.vans_used} vans, {best.drive_min:.0f} min driving{unplanned}"

    result = routing.solve(problem, params, should_stop=should_stop, on_progress=on_progress)
    if cancelled:
        raise cancelled[0]
    return result


def _round_from(route: routing.Route) -> RoundRecord:
    van_id = int(route.van_id)
    stops = []
    for stop in route.stops:
        kind = stop.kind if stop.kind in ("start", "pickup", "delivery", "end") else "delivery"
        shop_id = int(stop.location_id[4:]) if kind == "pickup" else None
        stops.append(StopRecord(van_id, kind, int(stop.order_id) if stop.order_id else None, shop_id,
                                stop.arrival_min, max(stop.departure_min, stop.arrival_min), stop.wait_min,
                                max(0, stop.load_after_crates)))
    return RoundRecord(van_id, tuple(stops), route.distance_m, route.drive_min, route.duration_min)


def solve_day(inputs: DayInputs, time_limit_s: float, progress: ProgressCallback | None = None) -> Solution:
    """Plan the day: locked rounds kept, the rest solved, moved (pinned) orders kept on their van.

    The routing library has no fixed order-to-van assignment, so pins are honoured
    in a second pass: each van with pinned orders is re-solved alone with the
    orders the first pass gave it plus its pinned ones.
    """
    progress = progress or (lambda message: None)
    started = clock.monotonic()
    locked_vans = {r.van_id for r in inputs.locked_rounds}
    locked_orders = {s.order_id for r in inputs.locked_rounds for s in r.stops if s.order_id}
    free_vans = tuple(v for v in inputs.vans if v.id not in locked_vans)
    van_names = {v.id: v.name for v in inputs.vans}
    unplanned: dict[int, str] = {}
    candidates = []
    for order in inputs.orders:
        if order.id in locked_orders:
            continue
        if order.lat is None or order.lon is None:
            unplanned[order.id] = NO_LOCATION_REASON
            continue
        candidates.append(order)
    pinned = {o.id: inputs.pins[o.id] for o in candidates if o.id in inputs.pins}
    free_van_ids = {v.id for v in free_vans}
    for order_id, van_id in list(pinned.items()):
        if van_id not in free_van_ids:
            name = van_names.get(van_id, f"van {van_id}")
            unplanned[order_id] = (f"it was moved to {name}, which is locked or not out on this day; "
                                   "move it to another van or unlock the round")
            del pinned[order_id]
    first_pass = tuple(o for o in candidates if o.id not in pinned and o.id not in unplanned)
    rounds: dict[int, RoundRecord] = {}
    status = "feasible"
    if not free_vans:
        for order in first_pass:
            unplanned[order.id] = ("no van is free on this day (every round is locked, or no van has a rostered "
                                   "team of driver and mate)")
    elif first_pass:
        result = _solve_watched(build_problem(inputs, free_vans, first_pass),
                                routing.Params(time_limit_s=float(time_limit_s), workers=PLAN_SEARCH_WORKERS),
                                progress, "Searching for rounds")
        status = result.status.value
        for route in result.routes:
            rounds[int(route.van_id)] = _round_from(route)
        for unserved in result.unserved:
            unplanned[int(unserved.order_id)] = unserved.reason
    by_id = {o.id: o for o in inputs.orders}
    for van_id in sorted(set(pinned.values())):
        van = next(v for v in free_vans if v.id == van_id)
        already = [s.order_id for s in rounds[van_id].stops if s.kind == "delivery"] if van_id in rounds else []
        forced = [order_id for order_id, target in pinned.items() if target == van_id]
        orders = tuple(by_id[i] for i in [*already, *forced] if i is not None)
        result = _solve_watched(build_problem(inputs, (van,), orders),
                                routing.Params(time_limit_s=min(PIN_SOLVE_LIMIT_S, float(time_limit_s))),
                                progress, f"Fitting moved orders onto {van.name}")
        rounds.pop(van_id, None)
        for route in result.routes:
            rounds[van_id] = _round_from(route)
        for unserved in result.unserved:
            order_id = int(unserved.order_id)
            if order_id in forced:
                unplanned[order_id] = f"it was moved to {van.name}, but it does not fit there: {unserved.reason}"
            else:
                unplanned[order_id] = f"left out to make room for orders moved to {van.name}: {unserved.reason}"
    if unplanned and status == "feasible":
        status = "infeasible"
    for locked in inputs.locked_rounds:
        rounds[locked.van_id] = locked
    ordered = tuple(rounds[k] for k in sorted(rounds, key=lambda k: van_names.get(k, "")))
    return Solution(ordered, unplanned, status, clock.monotonic() - started)


# ---------------------------------------------------------------------------
# Storing


def store_plan(session: Session, inputs: DayInputs, solution: Solution, *, shift_start: time, shift_end: time,
               time_limit_s: int, user_id: int | None) -> int:
    """Write the plan for the day (replacing the previous one, keeping its pins); back to draft."""
    for attempt in (1, 2):
        try:
            plan = _plan_row(session, inputs.branch_id, inputs.day)
            if inputs.read_at is not None and _changed_since_read(plan, inputs):
                raise PlanChangedMeanwhile(inputs.day)  # one current plan: never a mix of two, never a lost publish
            if plan is None:
                plan = RoutePlan(branch_id=inputs.branch_id, delivery_date=inputs.day, created_by_user_id=user_id)
                session.add(plan)
                session.flush()
            else:
                for model in (RouteStop, RouteRound, RouteUnplanned):
                    session.execute(delete(model).where(model.plan_id == plan.id))
                open_ids = {o.id for o in inputs.orders}
                session.execute(delete(RoutePin).where(RoutePin.plan_id == plan.id,
                                                       RoutePin.order_id.not_in(open_ids)))
                session.expire(plan, ["rounds", "stops", "unplanned", "pins"])
            plan.status = RoutePlanStatus.DRAFT
            plan.published_at = None
            plan.shift_start, plan.shift_end, plan.time_limit_s = shift_start, shift_end, time_limit_s
            plan.solver_status = solution.status
            plan.runtime_s = round(solution.runtime_s, 3)
            plan.total_distance_m = sum(r.distance_m for r in solution.rounds)
            plan.total_drive_min = sum(r.drive_min for r in solution.rounds)
            plan.vans_used = len(solution.rounds)
            plan.no_team_rostered = inputs.no_team_rostered
            plan.planned_at = inputs.read_at or utc_now()  # an edit made during the solve is a change since
            if user_id is not None:
                plan.created_by_user_id = user_id
            for round_ in solution.rounds:
                session.add(RouteRound(plan_id=plan.id, van_id=round_.van_id, locked=round_.locked,
                                       distance_m=round_.distance_m, drive_min=round_.drive_min,
                                       duration_min=round_.duration_min,
                                       team_text=inputs.team_texts.get(round_.van_id, NO_TEAM_TEXT)))
                for sequence, stop in enumerate(round_.stops, start=1):
                    session.add(RouteStop(plan_id=plan.id, van_id=round_.van_id, sequence=sequence, kind=stop.kind,
                                          order_id=stop.order_id, shop_id=stop.shop_id,
                                          arrival_min=stop.arrival_min, departure_min=stop.departure_min,
                                          wait_min=stop.wait_min, load_after_crates=stop.load_after_crates))
            for order_id, reason in sorted(solution.unplanned.items()):
                session.add(RouteUnplanned(plan_id=plan.id, order_id=order_id, reason=reason[:1000]))
            record_event(session, user_id=user_id, action="route_plan.plan", entity_type="route_plan",
                         entity_id=plan.id, branch_id=inputs.branch_id,
                         detail=f"{inputs.day.isoformat()}: {len(solution.rounds)} rounds, "
                                f"{len(solution.unplanned)} unplanned")
            plan_id = plan.id
            session.commit()  # nothing is read after this: a read would open a new (locking) transaction
            return plan_id
        except (IntegrityError, StaleDataError):
            session.rollback()  # another job created or changed the day's plan meanwhile: the check above says so
            if attempt == 2:
                raise
        except Exception:
            session.rollback()
            raise
    raise AssertionError("unreachable")


def _changed_since_read(plan: RoutePlan | None, inputs: DayInputs) -> bool:
    """Whether the day's plan was stored, published, adjusted (a move, a lock) since ``inputs`` were read."""
    if plan is None or inputs.plan_version is None:
        return (plan is None) != (inputs.plan_version is None)
    open_ids = {order.id for order in inputs.orders}
    return (plan.version != inputs.plan_version
            or {pin.order_id: pin.van_id for pin in plan.pins if pin.order_id in open_ids} != inputs.pins
            or {r.van_id for r in plan.rounds if r.locked} != {r.van_id for r in inputs.locked_rounds})


def plan_day(session: Session, branch_id: int, day: date, *, shift_start: time = DEFAULT_SHIFT_START,
             shift_end: time = DEFAULT_SHIFT_END, time_limit_s: int = DEFAULT_TIME_LIMIT_S,
             user_id: int | None = None, progress: ProgressCallback | None = None) -> int:
    """Plan (or re-plan) a delivery date and store it; returns the plan id."""
    _check_plan_request(shift_start, shift_end, time_limit_s)
    try:
        inputs = read_day(session, branch_id, day, shift_start, shift_end)
    finally:
        session.rollback()  # close the read transaction before the long solve
    solution = solve_day(inputs, time_limit_s, progress)
    if progress is not None:
        progress("Storing the plan")  # the last moment a cancel can stop it: nothing is stored
    return store_plan(session, inputs, solution, shift_start=shift_start, shift_end=shift_end,
                      time_limit_s=time_limit_s, user_id=user_id)


def _check_plan_request(shift_start: time, shift_end: time, time_limit_s: int) -> None:
    errors = {}
    if minutes_of(shift_end) - minutes_of(shift_start) < 60:
        errors["shift_end"] = "The shift must end at least an hour after it starts."
    if not 1 <= time_limit_s <= MAX_TIME_LIMIT_S:
        errors["time_limit_s"] = f"Give between 1 and {MAX_TIME_LIMIT_S} seconds."
    if errors:
        raise ValidationError(errors)


def check_day_to_plan(session: Session, branch_id: int, day: date) -> None:
    """Refuse to plan a day with no open order (and no plan to redo): an empty plan helps nobody."""
    has_order = session.scalar(in_branch(select(Order.id), Order, branch_id)
                               .where(Order.delivery_date == day, Order.status.not_in(CLOSED_STATUSES)).limit(1))
    has_plan = _plan_row(session, branch_id, day) is not None
    session.rollback()
    if has_order is None and not has_plan:
        raise ValidationError({"delivery_date": f"No orders to deliver on {day:%A %-d %B}: nothing to plan. "
                                                "Take the orders first, or choose another date."})


def active_plan_job(session: Session, branch_id: int, day: date) -> int | None:
    """The branch's plan job for ``day`` still queued or running, or None: a second Plan for the day joins it.

    A job RUNNING without a recent heartbeat (its worker died, e.g. the app was killed) does not count:
    the day can be planned again at once; the workers start that job once more or fail it.
    """
    alive_since = utc_now() - timedelta(seconds=ABANDONED_AFTER_S)
    rows = session.execute(
        select(BackgroundJob.id, BackgroundJob.parameters_json)
        .where(BackgroundJob.branch_id == branch_id, BackgroundJob.kind == PLAN_JOB_KIND,
               or_(BackgroundJob.status == JobStatus.QUEUED,
                   and_(BackgroundJob.status == JobStatus.RUNNING, BackgroundJob.heartbeat_at >= alive_since)))
        .order_by(BackgroundJob.id)).all()
    session.rollback()
    return next((job_id for job_id, parameters in rows
                 if json.loads(parameters or "{}").get("date") == day.isoformat()), None)


def plan_job_parameters(day: date, shift_start: time, shift_end: time, time_limit_s: int, user_id: int | None,
                        result_url: str) -> dict[str, Any]:
    """The job's parameters (plain JSON) after checking them."""
    _check_plan_request(shift_start, shift_end, time_limit_s)
    return {"date": day.isoformat(), "shift_start": shift_start.strftime("%H:%M"),
            "shift_end": shift_end.strftime("%H:%M"), "time_limit_s": time_limit_s, "user_id": user_id,
            "url": result_url}


def run_plan_job(session: Session, job: JobContext) -> dict[str, Any]:
    """Background job handler: plan the date, reporting progress; cancel leaves the old plan untouched."""
    parameters = job.parameters
    day = date.fromisoformat(parameters["date"])

    def progress(message: str) -> None:
        job.report_progress(message=message)
        job.raise_if_cancelled()

    job.report_progress(force=True, message="Reading the day's orders and teams")
    plan_id = plan_day(session, job.branch_id, day,
                       shift_start=time.fromisoformat(parameters["shift_start"]),
                       shift_end=time.fromisoformat(parameters["shift_end"]),
                       time_limit_s=int(parameters["time_limit_s"]), user_id=parameters.get("user_id"),
                       progress=progress)
    job.report_progress(force=True, message="Plan stored")
    return {"plan_id": plan_id, "url": parameters.get("url", "")}


register_job_kind(PLAN_JOB_KIND, run_plan_job)


# ---------------------------------------------------------------------------
# Looking at a plan


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
    map_svg: str
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
CUSTOMER_ROUTE_FIELDS = frozenset({"address_line1", "address_line2", "town", "postcode", "latitude", "longitude",
                                   "window_start", "window_end"})


def plan_changes(session: Session, branch_id: int, day: date) -> list[PlanChange]:
    """What today's data says has changed since the day's plan was made ([] when none, or no plan).

    Orders cancelled, moved to another date, edited or taken after planning; customers paused,
    ended, erased or moved house; shops closed; rounds whose rostered team is no longer the one
    planned with or has someone away; rounds now loaded above their van's capacity; vans out of
    service; and the branch closed on the day. The one list the plan page, publishing and the
    delivery sheets use.
    """
    plan = _plan_row(session, branch_id, day)
    return _changes_of(session, branch_id, plan) if plan is not None else []


def _customer_edits(session: Session, customer_ids: set[int], since: datetime) -> dict[int, str]:
    """Customers erased (ever) or whose address or time window was edited after ``since``: id -> what."""
    found: dict[int, str] = {}
    for customer_id, action, detail, occurred_at in session.execute(
            select(AuditEvent.entity_id, AuditEvent.action, AuditEvent.detail, AuditEvent.occurred_at)
            .where(AuditEvent.entity_type == "customer", AuditEvent.entity_id.in_(customer_ids),
                   AuditEvent.action.in_(CUSTOMER_EDIT_ACTIONS)).order_by(AuditEvent.id)).all():
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
        if stop.van_id != van_id or order is None or order.status is OrderStatus.CANCELLED \
                or order.delivery_date != day:
            continue
        crates = order.crates_or_estimate()[0]
        load += crates if stop.kind == "pickup" else -crates if stop.kind == "delivery" else 0
        most = max(most, load)
    return most


def _changes_of(session: Session, branch_id: int, plan: RoutePlan) -> list[PlanChange]:
    day = plan.delivery_date
    vans = {v.id: v for v in session.scalars(in_branch(select(Van), Van, branch_id)).all()}
    van_names = {van_id: van.name for van_id, van in vans.items()}
    van_of = {s.order_id: s.van_id for s in plan.stops if s.kind == "delivery" and s.order_id}
    known = set(van_of) | {u.order_id for u in plan.unplanned}
    orders = {o.id: o for o in session.scalars(
        in_branch(select(Order), Order, branch_id)
        .where(or_(Order.id.in_(known), and_(Order.delivery_date == day,
                                             Order.status.not_in(CLOSED_STATUSES))))
        .options(selectinload(Order.customer), selectinload(Order.shop), selectinload(Order.lines))).all()}
    edited = set(session.scalars(
        select(AuditEvent.entity_id).where(AuditEvent.entity_type == "order", AuditEvent.entity_id.in_(known),
                                           AuditEvent.action.in_(ORDER_EDIT_ACTIONS),
                                           AuditEvent.occurred_at > plan.planned_at)).all())
    customer_edits = _customer_edits(session, {o.customer_id for o in orders.values()}, plan.planned_at)
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
        elif not order.shop.active:
            kind, what = "shop", f": {order.shop.name} is closed, nobody will pick the order"
        elif order_id in edited:
            kind, what = "changed", " was changed after planning"
        else:
            continue
        changes.append(PlanChange(kind, order_id, van_id, f"Order {order_id} for {order.customer.full_name}{what}{where}",
                                  team_text=f"Order {order_id}{what}{where}"))
    for order in sorted((o for o in orders.values() if o.id not in known), key=lambda o: o.id):
        changes.append(PlanChange("new", order.id, None,
                                  f"Order {order.id} for {order.customer.full_name} came in after planning",
                                  team_text=f"Order {order.id} came in after planning: it is on no round yet"))
    teams = {team.van_id: team for team in rostered_teams(session, branch_id, day)}
    absent = _absences_on(session, teams.values(), day)
    for round_ in plan.rounds:
        name = van_names.get(round_.van_id, "A van")
        team = teams.get(round_.van_id)
        now = _team_text(team)
        if round_.team_text and now != round_.team_text:
            missing = team_missing(team) if round_.team_text != NO_TEAM_TEXT else ""
            changes.append(PlanChange("rota", None, round_.van_id,
                                      f"{name}: the rota changed: planned with {round_.team_text}, now {now}"
                                      + (f": {missing}" if missing else "")))
        for volunteer_id, volunteer_name in ((team.driver_volunteer_id, team.driver_name),
                                             (team.mate_volunteer_id, team.mate_name)) if team else ():
            if volunteer_id in absent:
                changes.append(PlanChange("rota", None, round_.van_id,
                                          f"{name}: {volunteer_name} is away that day ({absent[volunteer_id]}): "
                                          "the van has no full team"))
        van = vans.get(round_.van_id)
        if van is not None and not van.active:
            changes.append(PlanChange("van", None, round_.van_id, f"{name} is out of service: its round has no van"))
        elif van is not None:
            load = _round_load_crates(plan, round_.van_id, orders, day)
            if load > van.capacity_crates:
                changes.append(PlanChange("capacity", None, round_.van_id,
                                          f"{name}: its orders now fill {load} crates, more than the van's "
                                          f"{van.capacity_crates}"))
    closed = closed_reason(session, branch_id, day)
    if closed is not None:
        text = f"The branch is closed on {day:%A %-d %B} ({closed})"
        van_ids: list[int | None] = [r.van_id for r in plan.rounds] or [None]
        changes.extend(PlanChange("closed", None, van_id, text) for van_id in van_ids)
    return changes


def _absences_on(session: Session, teams: Any, day: date) -> dict[int, str]:
    """Rostered volunteers recorded as away on ``day``: id -> the reason ("away" when none given)."""
    ids = {vid for team in teams for vid in (team.driver_volunteer_id, team.mate_volunteer_id) if vid}
    if not ids:
        return {}
    rows = session.execute(select(VolunteerAbsence.volunteer_id, VolunteerAbsence.reason).where(
        VolunteerAbsence.volunteer_id.in_(ids), VolunteerAbsence.start_date <= day,
        VolunteerAbsence.end_date >= day)).all()
    return {volunteer_id: reason or "away" for volunteer_id, reason in rows}


TEAM_NAME_SEPARATOR = " and "


def _team_text(team: VanTeam | None) -> str:
    if team is None:
        return NO_TEAM_TEXT
    names = [name for name in (team.driver_name, team.mate_name) if name]
    if not names:
        return NO_TEAM_TEXT
    # a trainee riding along as a third person is named after the team of two, never as one of it
    shadow = f", with {team.shadow_name} shadowing" if team.shadow_name else ""
    return TEAM_NAME_SEPARATOR.join(names) + shadow


def _changes_for_team(changes: list[PlanChange], team_vans: set[int]) -> tuple[PlanChange, ...]:
    """What a team is told: the changes of its own rounds, in full, and those of the whole day (an order taken
    after planning, a change to an order on no round: each may change their round when the office re-plans),
    without the other customer's name."""
    return tuple(replace(c, text=c.text_for_team(c.van_id if c.van_id in team_vans else None))
                 for c in changes if c.van_id is None or c.van_id in team_vans)


def get_plan_view(session: Session, branch_id: int, day: date, volunteer_id: int | None = None,
                  drivers_only: bool = False, map_tile_urls: Mapping[str, str] | None = None) -> PlanView | None:
    """The day's plan for the page, or None. ``drivers_only``: only the published rounds of ``volunteer_id``'s teams.
    ``map_tile_urls``: branch code → the branch's own tile server, drawn under the map instead of the offline one."""
    plan = _plan_row(session, branch_id, day)
    if plan is None:
        return None
    teams = {team.van_id: team for team in rostered_teams(session, branch_id, day)}
    if drivers_only:
        if plan.status is not RoutePlanStatus.PUBLISHED or volunteer_id is None:
            return None
        visible_vans = {van_id for van_id, team in teams.items()
                        if volunteer_id in (team.driver_volunteer_id, team.mate_volunteer_id)}
        if not visible_vans:
            return None
    else:
        visible_vans = None
    vans = {van.id: van for van in session.scalars(in_branch(select(Van), Van, branch_id)).all()}
    order_ids = {s.order_id for s in plan.stops if s.order_id} | {u.order_id for u in plan.unplanned} | \
                {p.order_id for p in plan.pins}
    orders = {o.id: o for o in session.scalars(
        in_branch(select(Order), Order, branch_id).where(Order.id.in_(order_ids))
        .options(selectinload(Order.customer).selectinload(Customer.support_needs), selectinload(Order.shop),
                 selectinload(Order.lines))).all()}
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
                label, place, lat, lon = (f"Collect for {order.customer.full_name}" if order else "Collect",
                                          shop.name, shop.latitude, shop.longitude)
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
                    address=", ".join(part for part in (customer.address_line1, customer.address_line2,
                                                        customer.town, customer.postcode) if part),
                    phone=customer.phone or "", access_notes=customer.access_notes or "",
                    support_needs="; ".join(SUPPORT_NEED_LABELS[n.need] for n in customer.support_needs),
                    amount_due=_amount_due_text(order, balances),
                    payment_method=PAYMENT_METHOD_LABELS[customer.payment_method],
                    order_status=order.status.value, order_version=order.version,
                    amount_due_at_door=(f"{order.amount_due_pence / 100:.2f}" if order.amount_due_pence is not None
                                        else ""),
                    customer_payment_method=customer.payment_method.value, outcome=_outcome_text(order))
            stops.append(StopView(stop.sequence, stop.kind, stop.order_id, label, place,
                                  clock_text(stop.arrival_min), clock_text(stop.departure_min),
                                  int(round(stop.wait_min)), stop.load_after_crates, crates, estimated, lat, lon,
                                  cancelled=order is not None and order.status is OrderStatus.CANCELLED,
                                  **details))
        team = teams.get(round_.van_id)
        rounds.append(RoundView(
            van_id=van.id, van_name=van.name, capacity_crates=van.capacity_crates, locked=round_.locked,
            team=_team_text(team), driver_volunteer_id=team.driver_volunteer_id if team else None,
            mate_volunteer_id=team.mate_volunteer_id if team else None, stops=tuple(stops),
            distance_km=round(round_.distance_m / 1000, 1), drive_min=int(round(round_.drive_min)),
            start=stops[0].departure if stops else "", end=stops[-1].arrival if stops else "",
            deliveries=sum(1 for s in stops if s.kind == "delivery" and not s.cancelled),
            max_load_crates=max((s.load_after_crates for s in stops), default=0)))
    if visible_vans is None:
        unplanned = tuple(UnplannedView(u.order_id, orders[u.order_id].customer.full_name,
                                        orders[u.order_id].customer.postcode, orders[u.order_id].shop.name, u.reason)
                          for u in plan.unplanned if u.order_id in orders)
        pins = tuple(PinView(p.order_id, orders[p.order_id].customer.full_name, vans[p.van_id].name)
                     for p in plan.pins if p.order_id in orders and p.van_id in vans)
        changes = tuple(_changes_of(session, branch_id, plan))
        vans_left_out = day_staffing(session, branch_id, day).left_out
    else:
        unplanned, pins = (), ()
        changes = _changes_for_team(_changes_of(session, branch_id, plan), visible_vans)
        vans_left_out = ()
    van_choices = tuple((van.id, van.name) for van in sorted(vans.values(), key=lambda v: v.name) if van.active)
    tile_url = (map_tile_urls or {}).get(branch.code) if branch else None
    map_svg = render_round_map(
        [MapRound(r.van_name, tuple(MapPoint(s.lat, s.lon, s.kind, str(i)) for i, s in enumerate(r.stops)))
         for r in rounds], tile_url=tile_url)
    return PlanView(
        id=plan.id, delivery_date=plan.delivery_date, status=plan.status.value, version=plan.version,
        shift_start=plan.shift_start, shift_end=plan.shift_end, time_limit_s=plan.time_limit_s,
        solver_status=plan.solver_status,
        total_distance_km=round(sum(r.distance_km for r in rounds), 1),
        total_drive_min=sum(r.drive_min for r in rounds), vans_used=len(rounds), runtime_s=plan.runtime_s,
        no_team_rostered=plan.no_team_rostered, rounds=tuple(rounds), unplanned=unplanned, pins=pins,
        van_choices=van_choices, changes=changes, vans_left_out=vans_left_out, map_svg=map_svg,
        map_tile_origin=tile_url_origin(tile_url) if tile_url else "")


@dataclass(frozen=True)
class DriverDay:
    delivery_date: date
    van_names: tuple[str, ...]
    changes: int = 0  # how many changes since planning the team is told of (plan_changes)


def _published_plans(session: Session, branch_id: int, from_day: date, days: int) -> Sequence[RoutePlan]:
    """The branch's published plans from ``from_day`` on, within ``days``, by day."""
    return session.scalars(
        in_branch(select(RoutePlan), RoutePlan, branch_id)
        .where(RoutePlan.status == RoutePlanStatus.PUBLISHED, RoutePlan.delivery_date >= from_day,
               RoutePlan.delivery_date < from_day + timedelta(days=days))
        .order_by(RoutePlan.delivery_date)).all()


def rounds_for_volunteer(session: Session, branch_id: int, volunteer_id: int | None, from_day: date,
                         days: int = 14) -> list[DriverDay]:
    """Published plans in the coming days with a round of a team the volunteer is in."""
    if volunteer_id is None:
        return []
    plans = _published_plans(session, branch_id, from_day, days)
    found = []
    for plan in plans:
        planned_vans = {r.van_id for r in plan.rounds}
        mine = {team.van_id: team.van_name for team in rostered_teams(session, branch_id, plan.delivery_date)
                if team.van_id in planned_vans and volunteer_id in (team.driver_volunteer_id, team.mate_volunteer_id)}
        if mine:
            changes = _changes_for_team(_changes_of(session, branch_id, plan), set(mine))
            found.append(DriverDay(plan.delivery_date, tuple(mine.values()), len(changes)))
    return found


def order_round_text(session: Session, branch_id: int, order_id: int) -> str:
    """Where an order is in its day's plan, in words for a cancel confirmation ("" when not planned)."""
    stop = session.scalar(
        select(RouteStop).join(RoutePlan, RoutePlan.id == RouteStop.plan_id)
        .where(RoutePlan.branch_id == branch_id, RouteStop.order_id == order_id, RouteStop.kind == "delivery"))
    if stop is None:
        return ""
    van = session.get(Van, stop.van_id)
    plan = stop.plan
    number = sum(1 for s in plan.stops if s.van_id == stop.van_id and s.kind == "delivery"
                 and s.sequence <= stop.sequence)
    where = f"{van.name if van else 'a van'}'s round for {plan.delivery_date:%A %-d %B} (delivery {number})"
    if plan.status is RoutePlanStatus.PUBLISHED:
        return (f"It is on {where}, already published: the team will see it struck through as CANCELLED on "
                "their sheet and phone until the plan is re-published.")
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


def next_round_for_volunteer(session: Session, branch_id: int, volunteer_id: int | None,
                             today: date) -> NextRound | None:
    """The volunteer's next published round from today on (within two weeks), or None."""
    for day in rounds_for_volunteer(session, branch_id, volunteer_id, today):
        view = get_plan_view(session, branch_id, day.delivery_date, volunteer_id, drivers_only=True)
        if view is None or not view.rounds:
            continue
        round_ = view.rounds[0]
        first = next((s for s in round_.stops if s.kind != "start"), None)
        return NextRound(view.delivery_date, round_.van_name, round_.team, round_.start, round_.deliveries,
                         f"{first.label}, {first.place}" if first else "",
                         changes=tuple(change.text for change in view.changes))
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
        changes = _changes_of(session, branch_id, plan)
        if changes:
            found.append(PlanOutOfDate(plan.delivery_date, tuple(changes)))
    return found


# ---------------------------------------------------------------------------
# Adjusting and publishing


def _commit_change(session: Session) -> None:
    """Commit an adjustment; a plan changed by another request meanwhile is refused, not overwritten."""
    try:
        session.commit()
    except StaleDataError as error:
        session.rollback()
        raise StaleRecordError("plan", STALE_PLAN_CHANGES) from error


def plan_date(session: Session, branch_id: int, plan_id: int) -> date:
    """The delivery date of a plan of the branch; NotFoundError for a missing or another branch's plan."""
    plan = get_in_branch(session, RoutePlan, plan_id, branch_id)
    return plan.delivery_date


def _plan_for_change(session: Session, branch_id: int, plan_id: int, version: int | None) -> RoutePlan:
    plan = get_in_branch(session, RoutePlan, plan_id, branch_id)
    if version is not None and plan.version != version:
        raise StaleRecordError("plan", STALE_PLAN_CHANGES)
    return plan


def move_order(session: Session, branch_id: int, plan_id: int, order_id: int, van_id: int, version: int | None,
               user_id: int | None) -> None:
    """Keep an order on a chosen van at the next re-plan (a second identical move changes nothing)."""
    try:
        plan = _plan_for_change(session, branch_id, plan_id, version)
        order = get_in_branch(session, Order, order_id, branch_id)
        if order.delivery_date != plan.delivery_date or order.status in CLOSED_STATUSES:
            raise ValidationError({"order_id": "That order is not open for this delivery date."})
        van = session.scalar(in_branch(select(Van), Van, branch_id).where(Van.id == van_id, Van.active.is_(True)))
        if van is None:
            raise ValidationError({"van_id": "Choose one of the branch's vans."})
        locked_vans = {r.van_id for r in plan.rounds if r.locked}
        if van_id in locked_vans:
            raise ValidationError({"van_id": f"{van.name}'s round is locked: unlock it first to add an order."})
        if any(s.order_id == order_id and s.van_id in locked_vans for s in plan.stops):
            raise ValidationError({"van_id": "That order is on a locked round: unlock that round first."})
        pin = next((p for p in plan.pins if p.order_id == order_id), None)
        if pin is None:
            session.add(RoutePin(plan_id=plan.id, order_id=order_id, van_id=van_id))
        else:
            pin.van_id = van_id
        record_event(session, user_id=user_id, action="route_plan.move_order", entity_type="route_plan",
                     entity_id=plan.id, branch_id=branch_id, detail=f"order {order_id} to van {van_id}")
        _commit_change(session)
    except Exception:
        session.rollback()
        raise


def set_round_lock(session: Session, branch_id: int, plan_id: int, van_id: int, locked: bool, version: int | None,
                   user_id: int | None) -> None:
    """Lock (keep as it is at the next re-plan) or unlock a van's round."""
    try:
        plan = _plan_for_change(session, branch_id, plan_id, version)
        round_ = next((r for r in plan.rounds if r.van_id == van_id), None)
        if round_ is None:
            raise ValidationError({"van_id": "That van has no round in this plan."})
        round_.locked = locked
        record_event(session, user_id=user_id, action="route_plan.lock" if locked else "route_plan.unlock",
                     entity_type="route_plan", entity_id=plan.id, branch_id=branch_id, detail=f"van {van_id}")
        _commit_change(session)
    except Exception:
        session.rollback()
        raise


def publish_warnings(session: Session, branch_id: int, plan: RoutePlan) -> list[str]:
    """What publishing would send out unstaffed, unplanned or out of date, in words ([] when nothing)."""
    warnings = []
    staffing = day_staffing(session, branch_id, plan.delivery_date)
    if not staffing.rota_published:
        warnings.append("No rota is published for this month: no team is rostered, so no driver will see "
                        "these rounds on their phone.")
    else:
        teams = {team.van_id: team for team in rostered_teams(session, branch_id, plan.delivery_date)}
        van_names = {v.id: v.name for v in session.scalars(in_branch(select(Van), Van, branch_id)).all()}
        for round_ in plan.rounds:
            missing = team_missing(teams.get(round_.van_id))
            if missing:
                warnings.append(f"{van_names.get(round_.van_id, 'A van')} is unstaffed: {missing}.")
    if plan.unplanned:
        warnings.append(f"{len(plan.unplanned)} order{'s are' if len(plan.unplanned) != 1 else ' is'} not planned "
                        "and will not be delivered unless you re-plan or move them onto a van.")
    changes = _changes_of(session, branch_id, plan)
    if changes:
        warnings.append(f"The plan is out of date ({len(changes)} change{'s' if len(changes) != 1 else ''}): "
                        + "; ".join(change.text for change in changes) + ".")
    return warnings


def publish_plan(session: Session, branch_id: int, plan_id: int, version: int | None, user_id: int | None,
                 confirmed: bool = False) -> None:
    """Publish the plan: its teams can now see their rounds and download their sheets.

    A plan without a delivery is refused; one with unstaffed vans, unplanned orders or changes
    since planning raises ConfirmationNeeded with the list, unless ``confirmed``.
    """
    try:
        plan = _plan_for_change(session, branch_id, plan_id, version)
        if plan.status is not RoutePlanStatus.PUBLISHED:
            if not any(stop.kind == "delivery" for stop in plan.stops):
                raise ValidationError({"plan": "Nothing to publish: no round has a delivery. Take orders for the "
                                               "day or check the vans' teams, then plan again."})
            warnings = publish_warnings(session, branch_id, plan)
            if warnings and not confirmed:
                raise ConfirmationNeeded(warnings)
            plan.status = RoutePlanStatus.PUBLISHED
            plan.published_at = utc_now()
            record_event(session, user_id=user_id, action="route_plan.publish", entity_type="route_plan",
                         entity_id=plan.id, branch_id=branch_id, detail=plan.delivery_date.isoformat())
        _commit_change(session)
    except Exception:
        session.rollback()
        raise


# ---------------------------------------------------------------------------
# Delivery sheets and picking lists (plain data for foodtrain.sheets)


def _amount_due_text(order: Order, balances: dict[int, int]) -> str:
    """This order's amount due with the customer's balance from earlier deliveries carried in."""
    return amount_due_with_balance_text(order.amount_due_pence, order.delivery_charge_pence,
                                        balances.get(order.customer_id, 0))




def _outcome_text(order: Order) -> str:
    """What was recorded at the door, in words ("" while nothing is)."""
    if order.status is OrderStatus.DELIVERED:
        method = order.payment_method_received
        paid_by = PAYMENT_METHOD_LABELS[method] if method is not None else ""
        return f"Delivered: {format_pence(order.amount_received_pence)} received" + (f" ({paid_by.lower()})"
                                                                                       if paid_by else "")
    if order.status is OrderStatus.NOT_DELIVERED:
        return f"Not delivered: {order.not_delivered_reason or 'no reason given'}"
    return ""


KEY_SAFE_HELD_BY_TEAM = "on the team's own sheet"


def _key_safe_text(encrypted: str | None, cipher: FieldCipher | None) -> str:
    """The code for the day's team (given a cipher), else only a note that there is one."""
    if not encrypted:
        return ""
    if cipher is None:
        return KEY_SAFE_HELD_BY_TEAM
    try:
        return cipher.decrypt(encrypted)
    except DecryptionError:
        return "cannot be read: ask the office"


def delivery_sheets(session: Session, branch_id: int, plan_id: int, van_id: int | None, viewer: Actor,
                    cipher: FieldCipher | None = None, today: date | None = None) -> list[TeamSheet]:
    """The teams' delivery sheets of a plan (one van or all visible ones); the download is audited.

    Key-safe codes are printed (decrypted with ``cipher``) only on the sheet of a round whose
    rostered team the viewer is in, once the plan is published and not after its day (an old
    sheet would print customers' current codes): the codes go to the day's team and nobody else. Other sheets say a code is held by the team. The audit counts the codes.
    """
    try:
        plan = get_in_branch(session, RoutePlan, plan_id, branch_id)
        team_of_van = {team.van_id: {team.driver_volunteer_id, team.mate_volunteer_id} - {None}
                       for team in rostered_teams(session, branch_id, plan.delivery_date)}
        view = get_plan_view(session, branch_id, plan.delivery_date, viewer.volunteer_id, viewer.drivers_only)
        if view is None:
            raise NotFoundError("No delivery sheets for you on that day.")
        rounds = [r for r in view.rounds if van_id is None or r.van_id == van_id]
        if not rounds:
            raise NotFoundError("No such round in this plan.")
        order_ids = {s.order_id for r in rounds for s in r.stops if s.order_id}
        orders = {o.id: o for o in session.scalars(
            in_branch(select(Order), Order, branch_id).where(Order.id.in_(order_ids))
            .options(selectinload(Order.customer).selectinload(Customer.support_needs), selectinload(Order.shop),
                     selectinload(Order.lines))).all()}
        balances = balances_pence(session, branch_id, {o.customer_id for o in orders.values()},
                                  before=plan.delivery_date)
        sheets = []
        key_safe_codes = 0
        for round_ in rounds:
            viewer_in_team = (plan.status is RoutePlanStatus.PUBLISHED and viewer.volunteer_id is not None
                              and plan.delivery_date >= (today or branch_today())
                              and viewer.volunteer_id in team_of_van.get(round_.van_id, set()))
            stops = []
            for stop in round_.stops:
                order = orders.get(stop.order_id) if stop.order_id else None
                cancelled = order is not None and order.status is OrderStatus.CANCELLED
                if stop.kind == "delivery" and order is not None and cancelled:
                    customer = order.customer
                    stops.append(SheetStop(number=0, kind="delivery", arrival=stop.arrival,
                                           customer_name=customer.full_name,
                                           address=f"{customer.address_line1}, {customer.postcode}",
                                           order_ref=str(order.id), cancelled=True))
                elif stop.kind == "delivery" and order is not None:
                    customer = order.customer
                    address = ", ".join(part for part in (customer.address_line1, customer.address_line2,
                                                          customer.town, customer.postcode) if part)
                    needs = "; ".join(SUPPORT_NEED_LABELS[n.need] for n in customer.support_needs)
                    stops.append(SheetStop(
                        number=0, kind="delivery", arrival=stop.arrival, customer_name=customer.full_name,
                        address=address, phone=customer.phone, access_notes=customer.access_notes,
                        support_needs=needs, shop_name=order.shop.name,
                        crates=f"{stop.crates} (estimate)" if stop.crates_estimated else str(stop.crates),
                        amount_due=_amount_due_text(order, balances),
                        payment_method=PAYMENT_METHOD_LABELS[customer.payment_method],
                        order_ref=str(order.id),
                        key_safe_code=_key_safe_text(customer.key_safe_code_encrypted,
                                                     cipher if viewer_in_team else None)))
                elif stop.kind == "pickup" and order is not None:
                    crates = f"{stop.crates} (estimate)" if stop.crates_estimated else str(stop.crates)
                    if cancelled:
                        crates = "CANCELLED: leave at the shop"
                    stops.append(SheetStop(number=0, kind="pickup", arrival=stop.arrival,
                                           customer_name=order.customer.full_name, shop_name=stop.place,
                                           crates=crates, order_ref=str(order.id),
                                           pickup_orders=((str(order.id), order.customer.full_name, crates),)))
            stops = _merge_pickups(stops)
            key_safe_codes += sum(1 for s in stops if s.key_safe_code and s.key_safe_code != KEY_SAFE_HELD_BY_TEAM)
            sheets.append(TeamSheet(
                delivery_date=view.delivery_date, van_name=round_.van_name, team=round_.team,
                start=round_.start, end=round_.end, distance_km=round_.distance_km,
                stops=tuple(replace(s, number=i) for i, s in enumerate(stops, start=1)),
                changes=tuple(c.text_for_team(round_.van_id) for c in view.changes
                              if c.van_id is None or c.van_id == round_.van_id)))
        record_event(session, user_id=viewer.user_id, username=viewer.username, action="delivery_sheet.download",
                     entity_type="route_plan", entity_id=plan.id, branch_id=branch_id,
                     detail=f"{plan.delivery_date.isoformat()} vans: {', '.join(r.van_name for r in rounds)}; "
                            f"key-safe codes printed: {key_safe_codes}",
                     remote_address=viewer.remote_address)
        session.commit()
        return sheets
    except Exception:
        session.rollback()
        raise


def _merge_pickups(stops: list[SheetStop]) -> list[SheetStop]:
    """Consecutive pickups at the same shop become one 'collect' stop listing the orders."""
    merged: list[SheetStop] = []
    for stop in stops:
        last = merged[-1] if merged else None
        if stop.kind == "pickup" and last is not None and last.kind == "pickup" and last.shop_name == stop.shop_name:
            merged[-1] = replace(last, customer_name=f"{last.customer_name}; {stop.customer_name}",
                                 crates=f"{last.crates}; {stop.crates}",
                                 order_ref=f"{last.order_ref}, {stop.order_ref}",
                                 pickup_orders=last.pickup_orders + stop.pickup_orders)
        else:
            merged.append(stop)
    return merged


def shops_of_branch(session: Session, branch_id: int) -> list[tuple[int, str]]:
    """(id, name) of the branch's shops, for the picking-list links."""
    return [(s.id, s.name) for s in session.scalars(in_branch(select(Shop), Shop, branch_id).order_by(Shop.name))]
