"""The month-ahead rota: generate (background job), look at, edit, publish, repair and export.

The rota library (``rota``) does the thinking; this module reads its inputs
from the database (:mod:`foodtrain.services.rota_problem`), stores its answers,
and checks every manual change with the library's independent checker.
Transactions stay short: the solver never runs while a transaction is open.
"""
from __future__ import annotations

import json
import threading
import time as clock
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

import rota
from rota.explain import explain_unfilled
from rota.repair import repair as repair_library_rota
from rota.scoring import evaluate
from foodtrain.jobs import JobContext, register_job_kind
from foodtrain.models import (
    BackgroundJob,
    JobStatus,
    PartOfDay,
    PeopleFormToken,
    Rota,
    RotaAssignment,
    RotaChange,
    RotaChangeKind,
    RotaRole,
    RotaSlot,
    RotaStatus,
    SlotKind,
    Volunteer,
    VolunteerAbsence,
)
from foodtrain.models._types import utc_now
from foodtrain.services.audit import Actor, record_event
from foodtrain.services.errors import NotFoundError, StaleRecordError, ValidationError
from foodtrain.services.people import get_in_branch, in_branch
from foodtrain.services.rota_problem import (
    ROLE_FROM_LIBRARY,
    ROLE_TO_LIBRARY,
    ROLES_FOR_KIND,
    ProblemData,
    build_problem,
    slots_for_month,
    volunteers_for_month,
    humanise,
    library_assignments,
    volunteer_id_from_key,
    volunteer_key,
)

GENERATE_JOB_KIND = "rota_generate"
DEFAULT_TIME_LIMIT_S = 20.0
MIN_TIME_LIMIT_S, MAX_TIME_LIMIT_S = 1.0, 300.0
REPAIR_TIME_LIMIT_S = 5.0

ROLE_LABELS = {RotaRole.DRIVER: "Driver", RotaRole.MATE: "Delivery mate", RotaRole.COLLECTOR: "List collector",
               RotaRole.SHOPPER: "Shopper", RotaRole.OFFICE: "Office", RotaRole.SHADOW: "Shadowing"}
KIND_LABELS = {SlotKind.DELIVERY: "Delivery", SlotKind.LIST_COLLECTION: "List collection",
               SlotKind.SHOPPING: "Shopping", SlotKind.OFFICE: "Office"}
PART_LABELS = {PartOfDay.MORNING: "morning", PartOfDay.AFTERNOON: "afternoon", PartOfDay.WHOLE_DAY: "all day"}
# Times shown on personal rotas and in calendar files.
PART_TIMES = {PartOfDay.MORNING: ((9, 0), (12, 30)), PartOfDay.AFTERNOON: ((13, 0), (16, 30)),
              PartOfDay.WHOLE_DAY: ((9, 0), (16, 30))}
RULE_TEXT = {
    "known_ids": "only people and slots of this rota",
    "role_fits_slot": "the role must fit the kind of slot",
    "volunteer_has_role": "a volunteer only does the roles they have",
    "own_branch": "volunteers work in their own branch",
    "only_available_volunteers": "only volunteers available then (weekly availability and dates away)",
    "driver_needs_approval": "a driver must be approved to drive the van",
    "pvg_required_for_customer_contact": "customer-facing work needs a PVG clearance",
    "one_slot_at_a_time": "one slot at a time",
    "two_person_teams": "customer-facing work is done by a team of two (driver + delivery mate)",
    "seats": "no more people than the slot's seats",
    "trainee_with_experienced_partner": "a trainee works with an experienced volunteer",
    "shadow_only_for_trainees": "only a trainee with shadow shifts still to do shadows",
    "shadow_beside_experienced": "a trainee shadows beside experienced volunteers only (a full team on a van)",
    "one_shadow_per_slot": "one trainee shadowing per slot",
    "shadow_shifts_limit": "no more shadow shifts than the trainee still needs",
    "shadow_shifts_before_a_seat": "a trainee does their shadow shifts before taking a seat",
    "shadow_seat": "only a slot with room for a shadowing trainee",
    "never_pair": "never pair people who asked not to work together",
    "weekly_maximum": "nobody works more shifts in a week than their weekly maximum",
}


class StaleRotaError(StaleRecordError):
    """The rota changed since the form was loaded."""

    def __init__(self) -> None:
        super().__init__("rota")


def _month(value: date) -> date:
    return value.replace(day=1)


@dataclass(frozen=True)
class VanTeam:
    """Who takes which van out on a delivery day (names are "" and ids None for an empty seat)."""

    van_id: int
    van_name: str
    driver_volunteer_id: int | None
    driver_name: str
    mate_volunteer_id: int | None
    mate_name: str
    shadow_volunteer_id: int | None = None  # a trainee riding along as a third person, not one of the team
    shadow_name: str = ""


def month_start(day: date) -> date:
    return day.replace(day=1)


def published_rota_id(session: Session, branch_id: int, month: date) -> int | None:
    """The id of the branch's published rota for the month of ``month``, or None."""
    return session.scalar(
        select(Rota.id).where(Rota.branch_id == branch_id, Rota.published_month == month_start(month),
                              Rota.status == RotaStatus.PUBLISHED)
    )


def teams_for_date(session: Session, branch_id: int, day: date) -> list[VanTeam]:
    """The PUBLISHED rota's delivery teams on ``day``, one per van slot in van-name order; [] if none."""
    rota_id = published_rota_id(session, branch_id, day)
    if rota_id is None:
        return []
    slots = session.scalars(
        select(RotaSlot)
        .where(RotaSlot.rota_id == rota_id, RotaSlot.date == day, RotaSlot.kind == SlotKind.DELIVERY)
        .options(selectinload(RotaSlot.van), selectinload(RotaSlot.assignments).selectinload(RotaAssignment.volunteer))
    ).all()
    teams = []
    for slot in slots:
        by_role = {a.role: a.volunteer for a in slot.assignments}
        driver, mate = by_role.get(RotaRole.DRIVER), by_role.get(RotaRole.MATE)
        shadow = by_role.get(RotaRole.SHADOW)
        van = slot.van
        teams.append(VanTeam(
            van_id=van.id if van else 0,
            van_name=van.name if van else slot.resource,
            driver_volunteer_id=driver.id if driver else None,
            driver_name=driver.full_name if driver else "",
            mate_volunteer_id=mate.id if mate else None,
            mate_name=mate.full_name if mate else "",
            shadow_volunteer_id=shadow.id if shadow else None,
            shadow_name=shadow.full_name if shadow else "",
        ))
    teams.sort(key=lambda team: (team.van_name, team.van_id))
    return teams


# ---------------------------------------------------------------- what the pages show


@dataclass(frozen=True)
class SeatView:
    """One seat of a slot: a role and who fills it (None when empty)."""

    role: RotaRole
    assignment_id: int | None
    volunteer_id: int | None
    name: str

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]


@dataclass(frozen=True)
class SlotView:
    id: int
    key: str
    date: date
    part_of_day: PartOfDay
    kind: SlotKind
    resource: str
    seats: tuple[SeatView, ...]
    unfilled_reason: str
    shadowing: tuple[SeatView, ...] = ()  # trainees in the shadow seat: beside the seats, never one of them

    @property
    def filled(self) -> bool:
        return all(seat.volunteer_id is not None for seat in self.seats)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def part_label(self) -> str:
        return PART_LABELS[self.part_of_day]

    @property
    def label(self) -> str:
        return f"{self.date:%a} {self.date.day} {self.date:%b} · {self.resource} ({self.part_label})"


@dataclass(frozen=True)
class DayView:
    date: date
    deliveries: tuple[SlotView, ...]
    collections: tuple[SlotView, ...]
    shopping: tuple[SlotView, ...]
    office: tuple[SlotView, ...]

    @property
    def slots(self) -> tuple[SlotView, ...]:
        return self.deliveries + self.collections + self.shopping + self.office

    @property
    def unfilled(self) -> int:
        return sum(1 for slot in self.slots if not slot.filled)


@dataclass(frozen=True)
class ChangeView:
    changed_at: datetime
    kind: RotaChangeKind
    slot_label: str
    role: RotaRole
    old_name: str
    new_name: str
    note: str

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]


@dataclass(frozen=True)
class RotaSummary:
    id: int
    month: date
    status: RotaStatus
    created_at: datetime
    published_at: datetime | None
    solver_status: str
    seats: int
    seats_filled: int


@dataclass(frozen=True)
class RotaView:
    id: int
    branch_id: int
    month: date
    status: RotaStatus
    version: int
    created_at: datetime
    published_at: datetime | None
    solver_status: str
    objective: int
    best_bound: float
    solve_time_s: float
    objective_by_rule: dict[str, int]
    days: tuple[DayView, ...]
    changes: tuple[ChangeView, ...]

    @property
    def unfilled_slots(self) -> list[SlotView]:
        return [slot for day in self.days for slot in day.slots if not slot.filled]

    @property
    def seat_count(self) -> int:
        return sum(len(slot.seats) for day in self.days for slot in day.slots)

    @property
    def seats_filled(self) -> int:
        return sum(1 for day in self.days for slot in day.slots for seat in slot.seats if seat.volunteer_id)

    @property
    def month_grid(self) -> list[list[tuple[date | None, DayView | None]]]:
        """The calendar month as weeks of seven (Monday first) cells: (date or None, that day's slots or None)."""
        days = {day.date: day for day in self.days}
        first = self.month
        cells: list[tuple[date | None, DayView | None]] = [(None, None)] * first.weekday()
        current = first
        while current.month == first.month:
            cells.append((current, days.get(current)))
            current += timedelta(days=1)
        cells += [(None, None)] * (-len(cells) % 7)
        return [cells[i:i + 7] for i in range(0, len(cells), 7)]

    @property
    def weeks(self) -> list[list[DayView]]:
        """Days with slots grouped by ISO week (Monday first)."""
        grouped: dict[tuple[int, int], list[DayView]] = defaultdict(list)
        for day in self.days:
            year, week, _weekday = day.date.isocalendar()
            grouped[(year, week)].append(day)
        return [grouped[key] for key in sorted(grouped)]


def _seat_views(slot: RotaSlot) -> tuple[SeatView, ...]:
    """The slot's seats in role order, filled ones first within a role."""
    seats: list[SeatView] = []
    by_role: dict[RotaRole, list[RotaAssignment]] = defaultdict(list)
    for assignment in slot.assignments:
        if assignment.role is not RotaRole.SHADOW:
            by_role[assignment.role].append(assignment)
    roles = ROLES_FOR_KIND[slot.kind]
    per_role = 1 if slot.kind is SlotKind.DELIVERY else slot.seats
    for role in roles:
        people = by_role.pop(role, [])
        for assignment in people:
            seats.append(SeatView(role, assignment.id, assignment.volunteer_id, assignment.volunteer.full_name))
        seats.extend(SeatView(role, None, None, "") for _ in range(max(0, per_role - len(people))))
    for role, people in by_role.items():  # a role that does not belong (kept visible, never hidden)
        seats.extend(SeatView(role, a.id, a.volunteer_id, a.volunteer.full_name) for a in people)
    return tuple(seats)


def _shadow_views(slot: RotaSlot) -> tuple[SeatView, ...]:
    return tuple(SeatView(RotaRole.SHADOW, a.id, a.volunteer_id, a.volunteer.full_name) for a in slot.assignments
                 if a.role is RotaRole.SHADOW)


def _slot_view(slot: RotaSlot) -> SlotView:
    return SlotView(slot.id, slot.key, slot.date, slot.part_of_day, slot.kind, slot.resource, _seat_views(slot),
                    slot.unfilled_reason, _shadow_views(slot))


MAX_ID = 2**31 - 1


def _plausible_id(value: object) -> bool:
    """Ids fit a 32-bit integer column: anything else cannot exist (and must not reach the database)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def _load_rota(session: Session, branch_id: int, rota_id: int, *, for_change: bool = False) -> Rota:
    """A rota of the branch with its slots and people, or NotFoundError.

    ``for_change`` locks the rota row until the transaction ends (PostgreSQL; SQLite's
    transactions already take the write lock), so two edits of one rota queue and the
    second sees the first's new version.
    """
    if not _plausible_id(rota_id):
        raise NotFoundError(f"No rota {rota_id} in this branch.")
    statement = in_branch(select(Rota), Rota, branch_id).where(Rota.id == rota_id)
    if for_change:
        statement = statement.with_for_update(of=Rota)
    rota_row = session.scalar(
        statement.options(
            selectinload(Rota.slots).selectinload(RotaSlot.assignments).selectinload(RotaAssignment.volunteer),
            selectinload(Rota.changes),
        )
    )
    if rota_row is None:
        raise NotFoundError(f"No rota {rota_id} in this branch.")
    return rota_row


def _name(volunteer: Volunteer | None) -> str:
    return volunteer.full_name if volunteer is not None else ""


def _rota_view(rota_row: Rota) -> RotaView:
    by_day: dict[date, list[SlotView]] = defaultdict(list)
    for slot in rota_row.slots:
        by_day[slot.date].append(_slot_view(slot))
    order = {SlotKind.DELIVERY: 0, SlotKind.LIST_COLLECTION: 1, SlotKind.SHOPPING: 2, SlotKind.OFFICE: 3}
    days = []
    for day in sorted(by_day):
        slots = sorted(by_day[day], key=lambda s: (order[s.kind], s.resource, s.id))
        days.append(DayView(
            day,
            tuple(s for s in slots if s.kind is SlotKind.DELIVERY),
            tuple(s for s in slots if s.kind is SlotKind.LIST_COLLECTION),
            tuple(s for s in slots if s.kind is SlotKind.SHOPPING),
            tuple(s for s in slots if s.kind is SlotKind.OFFICE),
        ))
    changes = tuple(
        ChangeView(c.changed_at, c.kind, c.slot_label, c.role, _name(c.old_volunteer), _name(c.new_volunteer), c.note)
        for c in sorted(rota_row.changes, key=lambda c: c.id, reverse=True)
    )
    return RotaView(
        id=rota_row.id, branch_id=rota_row.branch_id, month=rota_row.month, status=rota_row.status,
        version=rota_row.version, created_at=rota_row.created_at, published_at=rota_row.published_at,
        solver_status=rota_row.solver_status, objective=rota_row.objective, best_bound=rota_row.best_bound,
        solve_time_s=rota_row.solve_time_s, objective_by_rule=json.loads(rota_row.objective_json or "{}"),
        days=tuple(days), changes=changes,
    )


def get_rota(session: Session, branch_id: int, rota_id: int) -> RotaView:
    """The whole month of a rota of the branch, for the calendar page."""
    return _rota_view(_load_rota(session, branch_id, rota_id))


def list_rotas(session: Session, branch_id: int) -> list[RotaSummary]:
    """The branch's rotas, newest month first, with how many seats are filled."""
    rotas = session.scalars(
        in_branch(select(Rota), Rota, branch_id).order_by(Rota.month.desc(), Rota.id.desc())
        .options(selectinload(Rota.slots).selectinload(RotaSlot.assignments))
    ).all()
    out = []
    for row in rotas:
        seats = sum(len(_seat_views_count(slot)) for slot in row.slots)
        filled = sum(1 for slot in row.slots for a in slot.assignments if a.role is not RotaRole.SHADOW)
        out.append(RotaSummary(row.id, row.month, row.status, row.created_at, row.published_at, row.solver_status,
                               seats, min(filled, seats)))
    return out


def _seat_views_count(slot: RotaSlot) -> range:
    return range(2 if slot.kind is SlotKind.DELIVERY else slot.seats)


# ---------------------------------------------------------------- generation (background job)


def parse_month(text: str) -> date:
    """'2026-12' or '2026-12-01' -> date(2026, 12, 1); ValidationError on anything else."""
    try:
        parts = [int(part) for part in str(text).strip().split("-")]
        if len(parts) not in (2, 3) or not 2000 <= parts[0] <= 2100:
            raise ValueError
        return date(parts[0], parts[1], 1)
    except (ValueError, TypeError):
        raise ValidationError({"month": "Choose a month, for example 2026-12."}) from None


def active_generation_job(session: Session, branch_id: int) -> int | None:
    """The branch's rota generation job still queued or running (one at a time), or None."""
    return session.scalar(
        select(BackgroundJob.id).where(BackgroundJob.branch_id == branch_id,
                                       BackgroundJob.kind == GENERATE_JOB_KIND,
                                       BackgroundJob.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
        .order_by(BackgroundJob.id.desc())
    )


@dataclass(frozen=True)
class GenerationStart:
    job_id: int | None  # None: the same form was already sent and its job is not known yet
    started: bool  # False: a repeated submit, or another generation still running


def start_generation(session: Session, branch_id: int, form_token: str,
                     start_job: Callable[[], int]) -> GenerationStart:
    """Start one generation job per submitted form (``form_token``) and per branch at a time.

    ``start_job`` submits and starts the job (the web layer's worker) and returns its id.
    A repeated submit of the same form, or a submit while a generation runs, starts nothing.
    """
    token = (form_token or "")[:64]
    if token:
        earlier = session.scalar(select(PeopleFormToken).where(PeopleFormToken.token == token,
                                                               PeopleFormToken.branch_id == branch_id))
        if earlier is not None:
            return GenerationStart(earlier.entity_id, False)
    running = active_generation_job(session, branch_id)
    if running is not None:
        return GenerationStart(running, False)
    if token:
        session.add(PeopleFormToken(token=token, branch_id=branch_id, action="rota.generate", entity_id=None))
        try:
            session.commit()
        except IntegrityError:  # the same form, sent twice at once: the other request starts the job
            session.rollback()
            return GenerationStart(None, False)
    session.commit()
    job_id = start_job()
    if token:
        row = session.scalar(select(PeopleFormToken).where(PeopleFormToken.token == token))
        if row is not None:
            row.entity_id = job_id
            session.commit()
    return GenerationStart(job_id, True)


def _solve_with_progress(problem: rota.RotaProblem, params: rota.Params, job: JobContext,
                         baseline: int) -> rota.RotaResult:
    """Run the solver in a helper thread; meanwhile report elapsed time, best objective and bound, and honour cancel.

    Until the search finds its first rota the best objective shown is the greedy starting point.
    On cancel the search is asked to stop at once, and nothing is stored.
    """
    box: dict[str, object] = {}
    stop = threading.Event()

    def remember(progress: rota.SearchProgress) -> None:
        box["progress"] = progress

    def run() -> None:
        try:
            box["result"] = rota.solve(problem, params, on_progress=remember, should_stop=stop.is_set)
        except BaseException as exception:  # noqa: BLE001 - handed to the job thread below
            box["error"] = exception

    worker = threading.Thread(target=run, name=f"rota-solve-{job.job_id}", daemon=True)
    started = clock.monotonic()
    worker.start()
    while worker.is_alive():
        worker.join(0.5)
        progress = box.get("progress")
        figures: dict[str, Any] = {"best_objective": baseline}  # keywords of report_progress: Any, not object
        if isinstance(progress, rota.SearchProgress):
            figures = {"best_objective": round(progress.objective)}
            if progress.bound is not None:
                figures["bound"] = round(progress.bound)
        job.report_progress(message="Searching for the best rota…", solver_elapsed_s=round(clock.monotonic() - started, 1),
                            time_limit_s=params.time_limit_s, **figures)
        if job.cancel_requested():
            stop.set()
            worker.join(5)
            job.raise_if_cancelled()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["result"]  # type: ignore[return-value]


def _store_result(session: Session, rota_row: Rota, data: ProblemData, result: rota.RotaResult) -> None:
    """Put the library's answer into the rota's slots (assignments, unfilled reasons, objective)."""
    slots = {slot.key: slot for slot in rota_row.slots}
    for assignment in result.assignments:
        slot = slots[assignment.slot_id]
        slot.assignments.append(RotaAssignment(role=ROLE_FROM_LIBRARY[assignment.role],
                                               volunteer_id=volunteer_id_from_key(assignment.volunteer_id)))
    reasons = {u.slot_id: humanise(u.reason, data.names) for u in result.unfilled}
    for key, slot in slots.items():
        slot.unfilled_reason = reasons.get(key, "")
    rota_row.solver_status = result.status
    rota_row.objective = int(result.objective)
    rota_row.best_bound = float(result.best_bound)
    rota_row.solve_time_s = round(float(result.wall_time_s), 2)
    rota_row.objective_json = json.dumps(result.objective_by_rule)


def job_actor(job: JobContext) -> Actor:
    """Who asked for the job (a job receives ids, not objects): the ``user_id`` and ``username`` parameters."""
    user_id = job.parameters.get("user_id")
    return Actor(user_id=user_id if isinstance(user_id, int) else None,
                 username=str(job.parameters.get("username") or ("system" if user_id is None else "")))


def generate_rota_job(session: Session, job: JobContext) -> dict[str, object]:
    """Background job: draw up a draft rota for the month in ``job.parameters['month']``."""
    month = parse_month(job.parameters["month"])
    time_limit_s = min(MAX_TIME_LIMIT_S, max(MIN_TIME_LIMIT_S, float(job.parameters.get("time_limit_s",
                                                                                        DEFAULT_TIME_LIMIT_S))))
    job.report_progress(force=True, message="Reading volunteers and slots…")
    specs = slots_for_month(session, job.branch_id, month)
    data = build_problem(session, job.branch_id, month, specs)
    session.commit()  # end the read transaction before the long solve
    # The library reports nothing while it searches: show the greedy starting point it improves on.
    baseline = sum(evaluate(data.problem, rota.greedy_rota(data.problem), rota.Weights()).values())
    job.report_progress(force=True, message=f"Searching: {len(specs)} slots, {len(data.problem.volunteers)} volunteers",
                        best_objective=baseline, time_limit_s=time_limit_s)
    job.raise_if_cancelled()
    result = _solve_with_progress(data.problem, rota.Params(time_limit_s=time_limit_s), job, baseline)
    job.report_progress(force=True, message="Saving the draft rota…", best_objective=result.objective,
                        bound=result.best_bound, status=result.status)
    job.raise_if_cancelled()
    actor = job_actor(job)
    rota_row = Rota(branch_id=job.branch_id, month=month, status=RotaStatus.DRAFT, created_by_user_id=actor.user_id)
    for spec in specs:
        rota_row.slots.append(RotaSlot(key=spec.key, date=spec.date, part_of_day=spec.part_of_day, kind=spec.kind,
                                       van_id=spec.van_id, shop_id=spec.shop_id, resource=spec.resource,
                                       seats=spec.seats))
    session.add(rota_row)
    _store_result(session, rota_row, data, result)
    record_event(session, actor=actor, action="rota.generate", entity_type="rota",
                 branch_id=job.branch_id, detail=f"month={month:%Y-%m} status={result.status}")
    session.flush()
    rota_id = rota_row.id
    session.commit()
    url = str(job.parameters.get("result_url", "")).replace("ROTA_ID", str(rota_id))
    job.report_progress(force=True, message="Done", best_objective=result.objective, bound=result.best_bound,
                        status=result.status, status_summary=result.status_summary)
    return {"rota_id": rota_id, "url": url, "status": result.status, "status_summary": result.status_summary,
            "status_by_branch": result.status_by_branch, "source": result.source, "objective": result.objective,
            "bound": result.best_bound, "unfilled": len(result.unfilled), "solve_time_s": result.wall_time_s}


register_job_kind(GENERATE_JOB_KIND, generate_rota_job)


# ---------------------------------------------------------------- manual edits, checked by the library


def _problem_for(session: Session, rota_row: Rota) -> ProblemData:
    return build_problem(session, rota_row.branch_id, rota_row.month, rota_row.slots)


def _violation_keys(violations: Sequence[rota.Violation]) -> set[tuple[str, str, str]]:
    return {(v.rule, v.slot_id, v.volunteer_id) for v in violations}


_FRIENDLY = {
    "only_available_volunteers": "{name} is not available then (weekly availability or dates away)",
    "driver_needs_approval": "{name} is not approved to drive the van",
    "pvg_required_for_customer_contact": "{name} has no PVG clearance for that date, and this work is with customers",
    "volunteer_has_role": "{name} does not have this role",
    "two_person_teams": "it must be a team of two — a driver and a delivery mate together (or nobody at all)",
    "trainee_with_experienced_partner": "a trainee must work alongside an experienced volunteer",
    "seats": "there are more people than seats",
}


def _explain_violation(violation: rota.Violation, data: ProblemData, slot_labels: dict[str, str]) -> str:
    """One plain sentence naming the person, the slot and the rule that the change would break."""
    rule = RULE_TEXT.get(violation.rule, violation.rule.replace("_", " "))
    name = data.names.get(violation.volunteer_id, "")
    where = slot_labels.get(violation.slot_id, "")
    template = _FRIENDLY.get(violation.rule)
    if template is not None and (name or "{name}" not in template):
        detail = template.format(name=name)
    else:
        detail = humanise(violation.message, data.names)
    return f"Not allowed: {detail}" + (f" — {where}" if where else "") + f". (Rule: {rule}.)"


def _refresh_scores(rota_row: Rota, data: ProblemData, assignments: list[rota.Assignment]) -> None:
    """Recompute the objective and the unfilled reasons after a change (no solver)."""
    by_rule = evaluate(data.problem, assignments, rota.Weights())
    rota_row.objective_json = json.dumps(by_rule)
    rota_row.objective = int(sum(by_rule.values()))
    reasons = {u.slot_id: humanise(u.reason, data.names) for u in explain_unfilled(data.problem, assignments)}
    for slot in rota_row.slots:
        slot.unfilled_reason = reasons.get(slot.key, "")


def _slot_label(slot: RotaSlot) -> str:
    return f"{slot.date:%a %d %b} {slot.resource} ({PART_LABELS[slot.part_of_day]})"


@dataclass(frozen=True)
class Seat:
    """A requested seat: role and volunteer (None = leave empty)."""

    role: RotaRole
    volunteer_id: int | None


def _apply_and_check(session: Session, rota_row: Rota, new_by_slot: dict[int, list[Seat]], *, actor: Actor,
                     kind: RotaChangeKind, note: str, field_for_error: str = "__all__") -> list[RotaChange]:
    """Replace the seats of the given slots, refuse if that breaks a hard rule the rota did not
    already break, log each changed seat, refresh the scores. Caller commits."""
    data = _problem_for(session, rota_row)
    before = library_assignments(rota_row)
    slots = {slot.id: slot for slot in rota_row.slots}
    changed_keys = {slots[slot_id].key for slot_id in new_by_slot}
    after = [a for a in before if a.slot_id not in changed_keys]
    for slot_id, seats in new_by_slot.items():
        for seat in seats:
            if seat.volunteer_id is not None:
                after.append(rota.Assignment(slots[slot_id].key, ROLE_TO_LIBRARY[seat.role],
                                             volunteer_key(seat.volunteer_id)))
    old_keys = _violation_keys(rota.check(data.problem, before))
    new_violations = list({(v.rule, v.slot_id, v.volunteer_id): v for v in rota.check(data.problem, after)
                           if (v.rule, v.slot_id, v.volunteer_id) not in old_keys}.values())
    if new_violations:
        labels = {slot.key: _slot_label(slot) for slot in rota_row.slots}
        raise ValidationError({field_for_error: " ".join(dict.fromkeys(
            _explain_violation(v, data, labels) for v in new_violations[:3]))})
    changes: list[RotaChange] = []
    for slot_id, seats in new_by_slot.items():
        slot = slots[slot_id]
        old = defaultdict(list)
        for assignment in slot.assignments:
            old[assignment.role].append(assignment.volunteer_id)
        new = defaultdict(list)
        for seat in seats:
            if seat.volunteer_id is not None:
                new[seat.role].append(seat.volunteer_id)
        for role in sorted(set(old) | set(new), key=lambda r: r.value):
            gone = [v for v in old[role] if v not in new[role]]
            came = [v for v in new[role] if v not in old[role]]
            for index in range(max(len(gone), len(came))):
                changes.append(RotaChange(kind=kind, user_id=actor.user_id, slot_id=slot.id, slot_label=_slot_label(slot),
                                          role=role, old_volunteer_id=gone[index] if index < len(gone) else None,
                                          new_volunteer_id=came[index] if index < len(came) else None, note=note))
        slot.assignments = [a for a in slot.assignments if a.volunteer_id in new[a.role]]
        present = {(a.role, a.volunteer_id) for a in slot.assignments}
        try:
            session.flush()  # deletes before inserts (a person may move between roles of one slot)
        except (StaleDataError, IntegrityError):
            session.rollback()
            raise StaleRotaError() from None
        for role, people in new.items():
            for volunteer_id in people:
                if (role, volunteer_id) not in present:
                    slot.assignments.append(RotaAssignment(role=role, volunteer_id=volunteer_id))
    for change in changes:
        rota_row.changes.append(change)
    _refresh_scores(rota_row, data, after)
    # Any change of seats is a new version of the rota, even when the scores come out the same:
    # a form read before it must be refused ("changed meanwhile"), never overwrite it.
    flag_modified(rota_row, "objective_json")
    return changes


def _current_seats(slot: RotaSlot) -> list[Seat]:
    return sorted((Seat(a.role, a.volunteer_id) for a in slot.assignments),
                  key=lambda s: (s.role.value, s.volunteer_id or 0))


def _commit(session: Session) -> None:
    try:
        session.commit()
    except (StaleDataError, IntegrityError):
        session.rollback()
        raise StaleRotaError() from None


@dataclass(frozen=True)
class VolunteerChoice:
    id: int
    name: str
    roles: frozenset[RotaRole]


@dataclass(frozen=True)
class SlotEditor:
    """What the edit page of one slot needs: the slot, its rota's version, who could sit where."""

    rota_id: int
    rota_version: int
    rota_month: date
    slot: SlotView
    choices: dict[RotaRole, list[VolunteerChoice]]
    swap_targets: list[tuple[int, str]]  # (assignment id, "date · slot · role: name")
    fits: dict[RotaRole, frozenset[int]] = None  # type: ignore[assignment]  # who could sit there, per role


def _volunteer_choices(session: Session, branch_id: int, month: date) -> list[VolunteerChoice]:
    out = []
    for volunteer in volunteers_for_month(session, branch_id, month):
        library = set()
        for role, names in (
            (RotaRole.DRIVER, {"driver"}), (RotaRole.MATE, {"delivery_mate"}),
            (RotaRole.COLLECTOR, {"driver", "delivery_mate"}), (RotaRole.SHOPPER, {"shopper"}),
            (RotaRole.OFFICE, {"office"}),
        ):
            if {r.value for r in volunteer.role_values} & names:
                library.add(role)
        out.append(VolunteerChoice(volunteer.id, volunteer.full_name, frozenset(library)))
    return sorted(out, key=lambda c: (c.name, c.id))


def get_slot_editor(session: Session, branch_id: int, rota_id: int, slot_id: int) -> SlotEditor:
    """The edit page of one slot of a rota of the branch."""
    rota_row = _load_rota(session, branch_id, rota_id)
    slot = next((s for s in rota_row.slots if s.id == slot_id), None)
    if slot is None:
        raise NotFoundError(f"No slot {slot_id} in this rota.")
    people = _volunteer_choices(session, branch_id, rota_row.month)
    choices = {role: [c for c in people if role in c.roles] for role in ROLES_FOR_KIND[slot.kind]}
    fits = _who_fits(session, rota_row, slot, choices)
    targets = []
    for other in rota_row.slots:
        if other.id == slot.id:
            continue
        for assignment in other.assignments:
            targets.append((assignment.id, f"{_slot_label(other)} · {ROLE_LABELS[assignment.role]}: "
                                           f"{assignment.volunteer.full_name}"))
    return SlotEditor(rota_row.id, rota_row.version, rota_row.month, _slot_view(slot), choices, targets, fits)


def _who_fits(session: Session, rota_row: Rota, slot: RotaSlot,
              choices: dict[RotaRole, list[VolunteerChoice]]) -> dict[RotaRole, frozenset[int]]:
    """Per role of the slot, who could take a seat there without breaking a hard rule themselves
    (available, approved, cleared, not busy then, under their weekly maximum, may pair with the others)."""
    data = _problem_for(session, rota_row)
    everyone = library_assignments(rota_row)
    by_person: dict[str, list[rota.Assignment]] = defaultdict(list)
    for a in everyone:
        by_person[a.volunteer_id].append(a)
    here = [a for a in everyone if a.slot_id == slot.key]
    fits: dict[RotaRole, frozenset[int]] = {}
    for role, people in choices.items():
        ok = set()
        for choice in people:
            key = volunteer_key(choice.id)
            others = [a for a in by_person[key] if a.slot_id != slot.key]
            mates = [a for a in here if a.volunteer_id != key and ROLE_FROM_LIBRARY[a.role] is not role]
            base = others + mates
            trial = [*base, rota.Assignment(slot.key, ROLE_TO_LIBRARY[role], key)]
            before = _violation_keys(rota.check(data.problem, base))
            new = [v for v in rota.check(data.problem, trial) if (v.rule, v.slot_id, v.volunteer_id) not in before
                   and v.rule not in ("two_person_teams", "seats")]
            if not new:
                ok.add(choice.id)
        fits[role] = frozenset(ok)
    return fits


def update_slot(session: Session, branch_id: int, rota_id: int, slot_id: int, seats: Sequence[Seat], *,
                expected_version: int | None, actor: Actor) -> int:
    """Set who sits in each seat of a slot (the hard rules are checked); returns how many seats changed.

    A trainee shadowing in the slot stays while the new seats still hold an experienced team beside them, and
    is taken off (a logged change) when they no longer do. A repeated identical request (double click) changes
    nothing and is not an error.
    """
    rota_row = _load_rota(session, branch_id, rota_id, for_change=True)
    slot = next((s for s in rota_row.slots if s.id == slot_id), None)
    if slot is None:
        raise NotFoundError(f"No slot {slot_id} in this rota.")
    if rota_row.status is RotaStatus.REPLACED:
        raise ValidationError({"__all__": "This rota was replaced by a newer published one and can no longer change."})
    shadowing = [Seat(a.role, a.volunteer_id) for a in slot.assignments if a.role is RotaRole.SHADOW]
    wanted = sorted([*(s for s in seats if s.volunteer_id is not None and s.role is not RotaRole.SHADOW), *shadowing],
                    key=lambda s: (s.role.value, s.volunteer_id or 0))
    if wanted == _current_seats(slot):
        return 0
    if expected_version is None or rota_row.version != expected_version:
        raise StaleRotaError()
    allowed_roles = set(ROLES_FOR_KIND[slot.kind])
    errors: dict[str, str] = {}
    seen: set[int] = set()
    for index, seat in enumerate(seats):
        if seat.volunteer_id is None:
            continue
        if seat.role not in allowed_roles:
            errors[f"seat_{index}"] = f"A {KIND_LABELS[slot.kind].lower()} slot has no {ROLE_LABELS[seat.role]} seat."
            continue
        try:
            if not _plausible_id(seat.volunteer_id):
                raise NotFoundError("no such volunteer")
            get_in_branch(session, Volunteer, seat.volunteer_id, branch_id)
        except NotFoundError:
            errors[f"seat_{index}"] = "Choose a volunteer of this branch."
            continue
        if seat.volunteer_id in seen:
            errors[f"seat_{index}"] = "The same person cannot fill two seats of one slot."
        seen.add(seat.volunteer_id)
    if errors:
        raise ValidationError(errors)
    try:
        changes = _apply_and_check(session, rota_row, {slot.id: list(wanted)}, actor=actor,
                                   kind=RotaChangeKind.EDIT, note="edited by hand")
    except ValidationError:
        if not shadowing:
            raise
        # the new seats leave the shadowing trainee without an experienced team: they come off too (if the
        # seats break a rule of their own, this raises that rule's message)
        changes = _apply_and_check(session, rota_row, {slot.id: [s for s in wanted if s.role is not RotaRole.SHADOW]},
                                   actor=actor, kind=RotaChangeKind.EDIT, note="edited by hand")
    record_event(session, actor=actor, action="rota.edit", entity_type="rota", entity_id=rota_row.id,
                 branch_id=branch_id, detail=f"slot={slot.key} changes={len(changes)}")
    _commit(session)
    return len(changes)


def swap_assignments(session: Session, branch_id: int, rota_id: int, assignment_id: int, other_assignment_id: int, *,
                     expected_version: int | None, actor: Actor) -> None:
    """Swap two people between their seats (each keeps the other's role); hard rules are checked."""
    rota_row = _load_rota(session, branch_id, rota_id, for_change=True)
    found = {a.id: (slot, a) for slot in rota_row.slots for a in slot.assignments}
    if expected_version is not None and rota_row.version != expected_version and assignment_id not in found:
        raise StaleRotaError()  # e.g. the same swap submitted twice: the seats were already swapped
    if assignment_id not in found:
        raise ValidationError({"assignment_id": "Choose a person on this slot."})
    if other_assignment_id not in found or other_assignment_id == assignment_id:
        raise ValidationError({"other_assignment_id": "Choose someone else's seat on this rota to swap with."})
    if expected_version is None or rota_row.version != expected_version:
        raise StaleRotaError()
    (slot_a, first), (slot_b, second) = found[assignment_id], found[other_assignment_id]
    if slot_a.id == slot_b.id:
        raise ValidationError({"other_assignment_id": "Both people are already on this slot."})
    seats_a = [Seat(a.role, second.volunteer_id if a.id == first.id else a.volunteer_id) for a in slot_a.assignments]
    seats_b = [Seat(a.role, first.volunteer_id if a.id == second.id else a.volunteer_id) for a in slot_b.assignments]
    for seats, slot in ((seats_a, slot_a), (seats_b, slot_b)):
        ids = [seat.volunteer_id for seat in seats]
        if len(ids) != len(set(ids)):
            raise ValidationError({"other_assignment_id": f"That would put someone twice on {_slot_label(slot)}."})
    _apply_and_check(session, rota_row, {slot_a.id: seats_a, slot_b.id: seats_b}, actor=actor,
                     kind=RotaChangeKind.EDIT, note="swapped by hand", field_for_error="other_assignment_id")
    record_event(session, actor=actor, action="rota.swap", entity_type="rota", entity_id=rota_row.id,
                 branch_id=branch_id, detail=f"slots={slot_a.key},{slot_b.key}")
    _commit(session)


def publish_rota(session: Session, branch_id: int, rota_id: int, *, expected_version: int | None,
                 actor: Actor) -> bool:
    """Draft -> published; a rota already published for the month is marked replaced.

    Returns False (and changes nothing) when the rota is already published (a double click).
    """
    rota_row = _load_rota(session, branch_id, rota_id, for_change=True)
    if rota_row.status is RotaStatus.PUBLISHED:
        return False
    if rota_row.status is RotaStatus.REPLACED:
        raise ValidationError({"__all__": "This rota was replaced by a newer one; generate or open the current one."})
    if expected_version is None or rota_row.version != expected_version:
        raise StaleRotaError()
    current = session.scalar(in_branch(select(Rota), Rota, branch_id).where(
        Rota.published_month == rota_row.month, Rota.status == RotaStatus.PUBLISHED))
    if current is not None:
        current.status, current.published_month = RotaStatus.REPLACED, None
        session.flush()
    rota_row.status, rota_row.published_month = RotaStatus.PUBLISHED, rota_row.month
    rota_row.published_at, rota_row.published_by_user_id = utc_now(), actor.user_id
    record_event(session, actor=actor, action="rota.publish", entity_type="rota", entity_id=rota_row.id,
                 branch_id=branch_id, detail=f"month={rota_row.month:%Y-%m}"
                 + (f" replaces={current.id}" if current is not None else ""))
    _commit(session)
    return True


# ---------------------------------------------------------------- repair after a drop-out


@dataclass(frozen=True)
class RepairOutcome:
    rota_id: int
    changes: tuple[ChangeView, ...]
    n_changes: int
    solver_status: str


def repair_after_dropout(session: Session, branch_id: int, rota_id: int, volunteer_id: int | None,
                         from_date: date | None, *, expected_version: int | None, actor: Actor,
                         time_limit_s: float = REPAIR_TIME_LIMIT_S) -> RepairOutcome:
    """The volunteer cannot help from ``from_date`` on: re-staff their seats with as few changes as possible.

    Slots before ``from_date`` stay as they are. The changes are stored and logged
    (before -> after), and the volunteer gets dates away to the end of the month
    so later checks know. Reads, then ends the transaction while the solver runs.
    """
    rota_row = _load_rota(session, branch_id, rota_id)
    errors: dict[str, str] = {}
    volunteer = None
    if volunteer_id is None:
        errors["volunteer_id"] = "Choose the volunteer who drops out."
    else:
        try:
            if not _plausible_id(volunteer_id):
                raise NotFoundError("no such volunteer")
            volunteer = get_in_branch(session, Volunteer, volunteer_id, branch_id)
        except NotFoundError:
            errors["volunteer_id"] = "Choose a volunteer of this branch."
    last_day = (rota_row.month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    if from_date is None:
        errors["from_date"] = "Enter the first day they cannot help."
    elif not rota_row.month <= from_date <= last_day:
        errors["from_date"] = f"Choose a day in {rota_row.month:%B %Y}."
    if rota_row.status is RotaStatus.REPLACED:
        errors["__all__"] = "This rota was replaced by a newer published one."
    if errors:
        raise ValidationError(errors)
    assert volunteer is not None and from_date is not None
    seats_affected = [a for slot in rota_row.slots if slot.date >= from_date for a in slot.assignments
                      if a.volunteer_id == volunteer.id]
    if not seats_affected:
        raise ValidationError({"volunteer_id": f"{volunteer.full_name} has no shifts on this rota from "
                                               f"{from_date:%d %B} on: nothing to repair."})
    if expected_version is None or rota_row.version != expected_version:
        raise StaleRotaError()
    data = _problem_for(session, rota_row)
    published = library_assignments(rota_row)
    names = dict(data.names)
    dropped_id = volunteer.id
    session.commit()  # no transaction open while the solver runs (plain values only from here)

    try:
        outcome = repair_library_rota(data.problem, published, volunteer_key(dropped_id), from_date,
                                      rota.Params(time_limit_s=time_limit_s))
    except rota.RotaInputError as error:  # e.g. the frozen past breaks a rule after a hand edit: say which slot
        raise ValidationError({"from_date": humanise(str(error), names)}) from None

    rota_row = _load_rota(session, branch_id, rota_id, for_change=True)
    if rota_row.version != expected_version:
        raise StaleRotaError()
    slots = {slot.key: slot for slot in rota_row.slots}
    note = f"repair: {names.get(volunteer_key(dropped_id), '')} unavailable from {from_date:%d %b %Y}"[:300]
    for change in outcome.changes:
        slot = slots[change.slot_id]
        role = ROLE_FROM_LIBRARY[change.role]
        if change.old_volunteer_id is not None:
            old_id = volunteer_id_from_key(change.old_volunteer_id)
            slot.assignments = [a for a in slot.assignments if not (a.volunteer_id == old_id and a.role is role)]
    session.flush()
    new_changes = []
    for change in outcome.changes:
        slot = slots[change.slot_id]
        role = ROLE_FROM_LIBRARY[change.role]
        if change.new_volunteer_id is not None:
            slot.assignments.append(RotaAssignment(role=role, volunteer_id=volunteer_id_from_key(change.new_volunteer_id)))
        row = RotaChange(kind=RotaChangeKind.REPAIR, user_id=actor.user_id, slot_id=slot.id, slot_label=_slot_label(slot),
                         role=role,
                         old_volunteer_id=volunteer_id_from_key(change.old_volunteer_id) if change.old_volunteer_id else None,
                         new_volunteer_id=volunteer_id_from_key(change.new_volunteer_id) if change.new_volunteer_id else None,
                         note=note)
        rota_row.changes.append(row)
        new_changes.append(ChangeView(utc_now(), RotaChangeKind.REPAIR, row.slot_label, role,
                                      names.get(change.old_volunteer_id or "", ""),
                                      names.get(change.new_volunteer_id or "", ""), note))
    dropped = session.get(Volunteer, dropped_id)
    session.add(VolunteerAbsence(volunteer_id=dropped_id, start_date=from_date, end_date=last_day,
                                 reason="Dropped out (rota repair)"))
    session.flush()
    session.expire(dropped, ["absences"])
    data = _problem_for(session, rota_row)
    _refresh_scores(rota_row, data, library_assignments(rota_row))
    rota_row.solver_status = outcome.result.status
    record_event(session, actor=actor, action="rota.repair", entity_type="rota", entity_id=rota_row.id,
                 branch_id=branch_id, detail=f"volunteer={dropped_id} from={from_date} changes={outcome.n_changes}")
    _commit(session)
    return RepairOutcome(rota_id, tuple(new_changes), outcome.n_changes, outcome.result.status)


def rota_volunteers(session: Session, branch_id: int, rota_id: int) -> tuple[RotaView, list[VolunteerChoice]]:
    """A rota and the volunteers on it (for the drop-out form)."""
    rota_row = _load_rota(session, branch_id, rota_id)
    on_rota = {a.volunteer_id: a.volunteer.full_name for slot in rota_row.slots for a in slot.assignments}
    people = sorted((VolunteerChoice(vid, name, frozenset()) for vid, name in on_rota.items()),
                    key=lambda c: (c.name, c.id))
    return _rota_view(rota_row), people


# ---------------------------------------------------------------- a volunteer's own rota


@dataclass(frozen=True)
class Shift:
    """One shift of one volunteer on a published rota (no customer data)."""

    slot_id: int
    date: date
    part_of_day: PartOfDay
    kind: SlotKind
    resource: str
    role: RotaRole
    partners: tuple[str, ...]
    branch_name: str

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def start(self) -> datetime:
        hour, minute = PART_TIMES[self.part_of_day][0]
        return datetime(self.date.year, self.date.month, self.date.day, hour, minute)

    @property
    def end(self) -> datetime:
        hour, minute = PART_TIMES[self.part_of_day][1]
        return datetime(self.date.year, self.date.month, self.date.day, hour, minute)

    @property
    def title(self) -> str:
        return f"Food Train: {ROLE_LABELS[self.role]} — {self.resource}"


@dataclass(frozen=True)
class VolunteerRota:
    volunteer_id: int
    name: str
    shifts: tuple[Shift, ...]


def volunteer_rota(session: Session, branch_id: int, volunteer_id: int, start: date,
                   days: int = 62) -> VolunteerRota:
    """The volunteer's shifts on the branch's published rotas from ``start`` for ``days`` days."""
    if not _plausible_id(volunteer_id):
        raise NotFoundError(f"No volunteer {volunteer_id} in this branch.")
    volunteer = get_in_branch(session, Volunteer, volunteer_id, branch_id)
    end = start + timedelta(days=days)
    rows = session.scalars(
        select(RotaAssignment).join(RotaSlot, RotaAssignment.slot_id == RotaSlot.id)
        .join(Rota, RotaSlot.rota_id == Rota.id)
        .where(Rota.branch_id == branch_id, Rota.status == RotaStatus.PUBLISHED,
               RotaAssignment.volunteer_id == volunteer.id, RotaSlot.date >= start, RotaSlot.date < end)
        .options(selectinload(RotaAssignment.slot).selectinload(RotaSlot.assignments)
                 .selectinload(RotaAssignment.volunteer),
                 selectinload(RotaAssignment.slot).selectinload(RotaSlot.rota).selectinload(Rota.branch))
    ).all()
    shifts = []
    for assignment in rows:
        slot = assignment.slot
        partners = tuple(f"{a.volunteer.full_name} ({ROLE_LABELS[a.role].lower()})" for a in slot.assignments
                         if a.volunteer_id != volunteer.id)
        shifts.append(Shift(slot.id, slot.date, slot.part_of_day, slot.kind, slot.resource, assignment.role, partners,
                            slot.rota.branch.name))
    shifts.sort(key=lambda s: (s.date, s.start, s.slot_id))
    return VolunteerRota(volunteer.id, volunteer.full_name, tuple(shifts))
