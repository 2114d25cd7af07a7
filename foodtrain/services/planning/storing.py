"""Storing a solved plan, and the background planning job (kind ``route_plan``) that reads, solves and stores.

The inputs are read in one short transaction that is closed before the solver starts (SQLite takes
the write lock at BEGIN); the plan is written in another short transaction after, and refused
(:class:`PlanChangedMeanwhile`) when someone else stored, published or adjusted the day meanwhile.
"""

from __future__ import annotations

import json
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from foodtrain.jobs import ABANDONED_AFTER_S, JobContext
from foodtrain.models import (
    BackgroundJob,
    JobStatus,
    Order,
    RoutePin,
    RoutePlan,
    RoutePlanStatus,
    RouteRound,
    RouteStop,
    RouteUnplanned,
)
from foodtrain.models._types import utc_now
from foodtrain.services.audit import SYSTEM, Actor, record_event
from foodtrain.services.errors import ValidationError
from foodtrain.services.people import in_branch
from foodtrain.services.planning.reading import CLOSED_STATUSES, DayInputs, NO_TEAM_TEXT, minutes_of, plan_row, read_day
from foodtrain.services.planning.solving import ProgressCallback, Solution, solve_day

__all__ = [
    "PLAN_JOB_KIND",
    "DEFAULT_SHIFT_START",
    "DEFAULT_SHIFT_END",
    "DEFAULT_TIME_LIMIT_S",
    "MAX_TIME_LIMIT_S",
    "MIN_SHIFT_MIN",
    "PlanChangedMeanwhile",
    "shift_end_problem",
    "time_limit_problem",
    "store_plan",
    "plan_day",
    "check_day_to_plan",
    "active_plan_job",
    "plan_job_parameters",
    "run_plan_job",
]


PLAN_JOB_KIND = "route_plan"
DEFAULT_SHIFT_START = time(9, 0)
DEFAULT_SHIFT_END = time(16, 0)
DEFAULT_TIME_LIMIT_S = 10
MAX_TIME_LIMIT_S = 300
MIN_SHIFT_MIN = 60  # the teams' shift: at least an hour


class PlanChangedMeanwhile(ValidationError):
    """The day's plan was stored, published or adjusted by someone else while this one was computed."""

    def __init__(self, day: date):
        super().__init__(
            {
                "plan": f"The plan for {day:%A %-d %B} was changed while this one was being computed "
                "(another Plan, a publish, or an order moved or a round locked): that plan is "
                "kept and nothing was overwritten. Look at it, then press Plan again to redo it."
            }
        )


def store_plan(
    session: Session,
    inputs: DayInputs,
    solution: Solution,
    *,
    shift_start: time,
    shift_end: time,
    time_limit_s: int,
    actor: Actor,
) -> int:
    """Write the plan for the day (replacing the previous one, keeping its pins); back to draft."""
    for attempt in (1, 2):
        try:
            plan = plan_row(session, inputs.branch_id, inputs.day)
            if inputs.read_at is not None and _changed_since_read(plan, inputs):
                raise PlanChangedMeanwhile(inputs.day)  # one current plan: never a mix of two, never a lost publish
            if plan is None:
                plan = RoutePlan(branch_id=inputs.branch_id, delivery_date=inputs.day, created_by_user_id=actor.user_id)
                session.add(plan)
                session.flush()
            else:
                for model in (RouteStop, RouteRound, RouteUnplanned):
                    session.execute(delete(model).where(model.plan_id == plan.id))
                open_ids = {o.id for o in inputs.orders}
                session.execute(delete(RoutePin).where(RoutePin.plan_id == plan.id, RoutePin.order_id.not_in(open_ids)))
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
            if actor.user_id is not None:
                plan.created_by_user_id = actor.user_id
            for round_ in solution.rounds:
                session.add(
                    RouteRound(
                        plan_id=plan.id,
                        van_id=round_.van_id,
                        locked=round_.locked,
                        distance_m=round_.distance_m,
                        drive_min=round_.drive_min,
                        duration_min=round_.duration_min,
                        team_text=inputs.team_texts.get(round_.van_id, NO_TEAM_TEXT),
                    )
                )
                for sequence, stop in enumerate(round_.stops, start=1):
                    session.add(
                        RouteStop(
                            plan_id=plan.id,
                            van_id=round_.van_id,
                            sequence=sequence,
                            kind=stop.kind,
                            order_id=stop.order_id,
                            shop_id=stop.shop_id,
                            arrival_min=stop.arrival_min,
                            departure_min=stop.departure_min,
                            wait_min=stop.wait_min,
                            load_after_crates=stop.load_after_crates,
                        )
                    )
            for order_id, reason in sorted(solution.unplanned.items()):
                session.add(RouteUnplanned(plan_id=plan.id, order_id=order_id, reason=reason[:1000]))
            record_event(
                session,
                actor=actor,
                action="route_plan.plan",
                entity_type="route_plan",
                entity_id=plan.id,
                branch_id=inputs.branch_id,
                detail=f"{inputs.day.isoformat()}: {len(solution.rounds)} rounds, {len(solution.unplanned)} unplanned",
            )
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
    """Whether the day's plan was stored, published or adjusted since ``inputs`` were read: its version (a move and
    a lock are new versions too, see :mod:`.adjusting`)."""
    if plan is None or inputs.plan_version is None:
        return (plan is None) != (inputs.plan_version is None)
    return plan.version != inputs.plan_version


def plan_day(
    session: Session,
    branch_id: int,
    day: date,
    *,
    shift_start: time = DEFAULT_SHIFT_START,
    shift_end: time = DEFAULT_SHIFT_END,
    time_limit_s: int = DEFAULT_TIME_LIMIT_S,
    actor: Actor = SYSTEM,
    progress: ProgressCallback | None = None,
) -> int:
    """Plan (or re-plan) a delivery date and store it as ``actor`` (the system when not given); returns the plan id."""
    _check_plan_request(shift_start, shift_end, time_limit_s)
    try:
        inputs = read_day(session, branch_id, day, shift_start, shift_end)
    finally:
        session.rollback()  # close the read transaction before the long solve
    solution = solve_day(inputs, time_limit_s, progress)
    if progress is not None:
        progress("Storing the plan")  # the last moment a cancel can stop it: nothing is stored
    return store_plan(
        session, inputs, solution, shift_start=shift_start, shift_end=shift_end, time_limit_s=time_limit_s, actor=actor
    )


def shift_end_problem(shift_start: time, shift_end: time) -> str | None:
    """Why the teams' shift cannot be planned (the plan form shows it by the field), None when it can."""
    if minutes_of(shift_end) - minutes_of(shift_start) < MIN_SHIFT_MIN:
        return "The shift must end at least an hour after it starts."
    return None


def time_limit_problem(time_limit_s: int) -> str | None:
    """Why the search time is refused (the plan form shows it by the field), None when it is fine."""
    if not 1 <= time_limit_s <= MAX_TIME_LIMIT_S:
        return f"Give between 1 and {MAX_TIME_LIMIT_S} seconds."
    return None


def _check_plan_request(shift_start: time, shift_end: time, time_limit_s: int) -> None:
    problems = {
        "shift_end": shift_end_problem(shift_start, shift_end),
        "time_limit_s": time_limit_problem(time_limit_s),
    }
    errors = {name: message for name, message in problems.items() if message is not None}
    if errors:
        raise ValidationError(errors)


def check_day_to_plan(session: Session, branch_id: int, day: date) -> None:
    """Refuse to plan a day with no open order (and no plan to redo): an empty plan helps nobody."""
    has_order = session.scalar(
        in_branch(select(Order.id), Order, branch_id)
        .where(Order.delivery_date == day, Order.status.not_in(CLOSED_STATUSES))
        .limit(1)
    )
    has_plan = plan_row(session, branch_id, day) is not None
    session.rollback()
    if has_order is None and not has_plan:
        raise ValidationError(
            {
                "delivery_date": f"No orders to deliver on {day:%A %-d %B}: nothing to plan. "
                "Take the orders first, or choose another date."
            }
        )


def active_plan_job(session: Session, branch_id: int, day: date) -> int | None:
    """The branch's plan job for ``day`` still queued or running, or None: a second Plan for the day joins it.

    A job RUNNING without a recent heartbeat (its worker died, e.g. the app was killed) does not count:
    the day can be planned again at once; the workers start that job once more or fail it.
    """
    alive_since = utc_now() - timedelta(seconds=ABANDONED_AFTER_S)
    rows = session.execute(
        select(BackgroundJob.id, BackgroundJob.parameters_json)
        .where(
            BackgroundJob.branch_id == branch_id,
            BackgroundJob.kind == PLAN_JOB_KIND,
            or_(
                BackgroundJob.status == JobStatus.QUEUED,
                and_(BackgroundJob.status == JobStatus.RUNNING, BackgroundJob.heartbeat_at >= alive_since),
            ),
        )
        .order_by(BackgroundJob.id)
    ).all()
    session.rollback()
    return next(
        (job_id for job_id, parameters in rows if json.loads(parameters or "{}").get("date") == day.isoformat()), None
    )


def plan_job_parameters(
    day: date, shift_start: time, shift_end: time, time_limit_s: int, actor: Actor, result_url: str
) -> dict[str, Any]:
    """The job's parameters (plain JSON) after checking them; the actor goes as its user id and name (a job
    receives plain values) and is rebuilt by :func:`run_plan_job` for the audit log."""
    _check_plan_request(shift_start, shift_end, time_limit_s)
    return {
        "date": day.isoformat(),
        "shift_start": shift_start.strftime("%H:%M"),
        "shift_end": shift_end.strftime("%H:%M"),
        "time_limit_s": time_limit_s,
        "user_id": actor.user_id,
        "username": actor.username,
        "url": result_url,
    }


def run_plan_job(session: Session, job: JobContext) -> dict[str, Any]:
    """Background job handler: plan the date, reporting progress; cancel leaves the old plan untouched."""
    parameters = job.parameters
    day = date.fromisoformat(parameters["date"])

    def progress(message: str) -> None:
        job.report_progress(message=message)
        job.raise_if_cancelled()

    job.report_progress(force=True, message="Reading the day's orders and teams")
    plan_id = plan_day(
        session,
        job.branch_id,
        day,
        shift_start=time.fromisoformat(parameters["shift_start"]),
        shift_end=time.fromisoformat(parameters["shift_end"]),
        time_limit_s=int(parameters["time_limit_s"]),
        actor=Actor(user_id=parameters.get("user_id"), username=parameters.get("username", "")),
        progress=progress,
    )
    job.report_progress(force=True, message="Plan stored")
    return {"plan_id": plan_id, "url": parameters.get("url", "")}
