"""Drawing up a month's draft rota as a background job: one job per form and branch at a time, the
solve outside any transaction (with progress and cancel), the answer stored in the rota's slots."""

from __future__ import annotations


import json
import threading
import time as clock
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import rota
from rota.scoring import evaluate
from foodtrain.clock import branch_today
from foodtrain.jobs import JobContext
from foodtrain.models import BackgroundJob, JobStatus, PeopleFormToken, Rota, RotaAssignment, RotaSlot, RotaStatus
from foodtrain.services.audit import Actor, record_event
from foodtrain.services.errors import ValidationError
from foodtrain.services.rota.shadow import count_shadow_shifts_done
from foodtrain.services.rota_problem import (
    ROLE_FROM_LIBRARY,
    ProblemData,
    build_problem,
    slots_for_month,
    humanise,
    volunteer_id_from_key,
)

GENERATE_JOB_KIND = "rota_generate"
DEFAULT_TIME_LIMIT_S = 20.0
MIN_TIME_LIMIT_S, MAX_TIME_LIMIT_S = 1.0, 300.0


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
        select(BackgroundJob.id)
        .where(
            BackgroundJob.branch_id == branch_id,
            BackgroundJob.kind == GENERATE_JOB_KIND,
            BackgroundJob.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]),
        )
        .order_by(BackgroundJob.id.desc())
    )


@dataclass(frozen=True)
class GenerationStart:
    job_id: int | None  # None: the same form was already sent and its job is not known yet
    started: bool  # False: a repeated submit, or another generation still running


def start_generation(
    session: Session, branch_id: int, form_token: str, start_job: Callable[[], int]
) -> GenerationStart:
    """Start one generation job per submitted form (``form_token``) and per branch at a time.

    ``start_job`` submits and starts the job (the web layer's worker) and returns its id.
    A repeated submit of the same form, or a submit while a generation runs, starts nothing.
    """
    token = (form_token or "")[:64]
    if token:
        earlier = session.scalar(
            select(PeopleFormToken).where(PeopleFormToken.token == token, PeopleFormToken.branch_id == branch_id)
        )
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


@dataclass
class _SolveOutcome:
    """What the solver thread hands back: its latest progress, then its result or the error it raised."""

    progress: rota.SearchProgress | None = None
    result: rota.RotaResult | None = None
    error: BaseException | None = None


def _solve_with_progress(
    problem: rota.RotaProblem, params: rota.Params, job: JobContext, baseline: int
) -> rota.RotaResult:
    """Run the solver in a helper thread; meanwhile report elapsed time, best objective and bound, and honour cancel.

    Until the search finds its first rota the best objective shown is the greedy starting point.
    On cancel the search is asked to stop at once, and nothing is stored.
    """
    box = _SolveOutcome()
    stop = threading.Event()

    def remember(progress: rota.SearchProgress) -> None:
        box.progress = progress

    def run() -> None:
        try:
            box.result = rota.solve(problem, params, on_progress=remember, should_stop=stop.is_set)
        except BaseException as exception:  # noqa: BLE001 - handed to the job thread below
            box.error = exception

    worker = threading.Thread(target=run, name=f"rota-solve-{job.job_id}", daemon=True)
    started = clock.monotonic()
    worker.start()
    while worker.is_alive():
        worker.join(0.5)
        progress = box.progress
        figures: dict[str, Any] = {"best_objective": baseline}  # keywords of report_progress: Any, not object
        if isinstance(progress, rota.SearchProgress):
            figures = {"best_objective": round(progress.objective)}
            if progress.bound is not None:
                figures["bound"] = round(progress.bound)
        job.report_progress(
            message="Searching for the best rota…",
            solver_elapsed_s=round(clock.monotonic() - started, 1),
            time_limit_s=params.time_limit_s,
            **figures,
        )
        if job.cancel_requested():
            stop.set()
            worker.join(5)
            job.raise_if_cancelled()
    if box.error is not None:
        raise box.error
    assert box.result is not None, "the solver thread ended without a result or an error"
    return box.result


def _store_result(session: Session, rota_row: Rota, data: ProblemData, result: rota.RotaResult) -> None:
    """Put the library's answer into the rota's slots (assignments, unfilled reasons, objective)."""
    slots = {slot.key: slot for slot in rota_row.slots}
    for assignment in result.assignments:
        slot = slots[assignment.slot_id]
        slot.assignments.append(
            RotaAssignment(
                role=ROLE_FROM_LIBRARY[assignment.role], volunteer_id=volunteer_id_from_key(assignment.volunteer_id)
            )
        )
    reasons = {u.slot_id: humanise(u.reason, data.names) for u in result.unfilled}
    for key, slot in slots.items():
        slot.unfilled_reason = reasons.get(key, "")
    rota_row.solver_status = result.status.value
    rota_row.objective = int(result.objective)
    rota_row.best_bound = float(result.best_bound)
    rota_row.solve_time_s = round(float(result.wall_time_s), 2)
    rota_row.objective_json = json.dumps(result.objective_by_rule)


def job_actor(job: JobContext) -> Actor:
    """Who asked for the job (a job receives ids, not objects): the ``user_id`` and ``username`` parameters."""
    user_id = job.parameters.get("user_id")
    return Actor(
        user_id=user_id if isinstance(user_id, int) else None,
        username=str(job.parameters.get("username") or ("system" if user_id is None else "")),
    )


def generate_rota_job(session: Session, job: JobContext) -> dict[str, object]:
    """Background job: draw up a draft rota for the month in ``job.parameters['month']``."""
    month = parse_month(job.parameters["month"])
    time_limit_s = min(
        MAX_TIME_LIMIT_S, max(MIN_TIME_LIMIT_S, float(job.parameters.get("time_limit_s", DEFAULT_TIME_LIMIT_S)))
    )
    job.report_progress(force=True, message="Reading volunteers and slots…")
    count_shadow_shifts_done(session, job.branch_id, branch_today())  # shadow shifts done so far count first
    specs = slots_for_month(session, job.branch_id, month)
    data = build_problem(session, job.branch_id, month, specs)
    session.commit()  # end the read transaction before the long solve
    # Until the search reports its first rota, the progress page shows the greedy starting point it improves on.
    baseline = sum(evaluate(data.problem, rota.greedy_rota(data.problem), rota.Weights()).values())
    job.report_progress(
        force=True,
        message=f"Searching: {len(specs)} slots, {len(data.problem.volunteers)} volunteers",
        best_objective=baseline,
        time_limit_s=time_limit_s,
    )
    job.raise_if_cancelled()
    result = _solve_with_progress(data.problem, rota.Params(time_limit_s=time_limit_s), job, baseline)
    job.report_progress(
        force=True,
        message="Saving the draft rota…",
        best_objective=result.objective,
        bound=result.best_bound,
        status=result.status.value,
    )
    job.raise_if_cancelled()
    actor = job_actor(job)
    rota_row = Rota(branch_id=job.branch_id, month=month, status=RotaStatus.DRAFT, created_by_user_id=actor.user_id)
    for spec in specs:
        rota_row.slots.append(
            RotaSlot(
                key=spec.key,
                date=spec.date,
                part_of_day=spec.part_of_day,
                kind=spec.kind,
                van_id=spec.van_id,
                shop_id=spec.shop_id,
                resource=spec.resource,
                seats=spec.seats,
            )
        )
    session.add(rota_row)
    _store_result(session, rota_row, data, result)
    record_event(
        session,
        actor=actor,
        action="rota.generate",
        entity_type="rota",
        branch_id=job.branch_id,
        detail=f"month={month:%Y-%m} status={result.status.value}",
    )
    session.flush()
    rota_id = rota_row.id
    session.commit()
    url = str(job.parameters.get("result_url", "")).replace("ROTA_ID", str(rota_id))
    job.report_progress(
        force=True,
        message="Done",
        best_objective=result.objective,
        bound=result.best_bound,
        status=result.status.value,
        status_summary=result.status_summary,
    )
    return {
        "rota_id": rota_id,
        "url": url,
        "status": result.status.value,
        "status_summary": result.status_summary,
        "status_by_branch": {branch: status.value for branch, status in result.status_by_branch.items()},
        "source": result.source,
        "objective": result.objective,
        "bound": result.best_bound,
        "unfilled": len(result.unfilled),
        "solve_time_s": result.wall_time_s,
    }
