"""Two things at once on a day's route plan: the result is one consistent current plan, never a mix.

A re-plan reads the day, solves for seconds, then stores: whatever someone else stored, published,
moved or locked on the day's plan in between wins, and the re-plan stops with a message saying so
(the plan's version, the house's optimistic lock). Data changes in between are listed as changes.
"""

from __future__ import annotations

import threading
from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import sessionmaker

from foodtrain.extensions import db
from foodtrain.jobs import ABANDONED_AFTER_S, get_job, recover_abandoned_jobs, run_job, submit_job
from foodtrain.models import (
    AuditEvent,
    BackgroundJob,
    JobStatus,
    OrderLine,
    RoutePlan,
    RoutePlanStatus,
    RouteStop,
    UserRole,
)
from foodtrain.models._types import utc_now
from foodtrain.services.audit import SYSTEM, Actor
from foodtrain.services.errors import StaleRecordError
from foodtrain.services.planning import adjusting, reading, solving, staleness, storing, viewing
from foodtrain.services.rota import VanTeam
from tests.factories import make_branch, make_customer, make_order, make_shop, make_user, make_van

DAY = date(2026, 12, 1)
START, END = storing.DEFAULT_SHIFT_START, storing.DEFAULT_SHIFT_END


def _day(session, vans: int = 2):
    branch = make_branch(session)
    shop = make_shop(session, branch, latitude=55.07, longitude=-3.61)
    van_rows = [make_van(session, branch, name=f"Van {k}", capacity_crates=30) for k in range(1, vans + 1)]
    orders = []
    for k in range(4):
        customer = make_customer(
            session,
            branch,
            shop,
            latitude=55.05 + 0.01 * k,
            longitude=-3.55 - 0.01 * k,
            window_start=time(10, 0),
            window_end=time(15, 0),
        )
        orders.append(
            make_order(session, customer, delivery_date=DAY, lines=[OrderLine(position=1, item="Bread", quantity=1)])
        )
    session.commit()
    return branch, van_rows, orders


def _read(session, branch) -> reading.DayInputs:
    inputs = reading.read_day(session, branch.id, DAY, START, END)
    session.rollback()
    return inputs


def _store(session, inputs: reading.DayInputs) -> int:
    return storing.store_plan(
        session, inputs, solving.solve_day(inputs, 1), shift_start=START, shift_end=END, time_limit_s=1, actor=SYSTEM
    )


def _deliveries(session, plan_id: int) -> list[int]:
    return sorted(
        session.scalars(
            select(RouteStop.order_id).where(RouteStop.plan_id == plan_id, RouteStop.kind == "delivery")
        ).all()
    )


def test_two_plans_of_the_same_day_at_once_keep_the_first_and_the_second_says_why(session) -> None:
    """Both read the day before either stores: the first is stored, the second refused with a message."""
    branch, _, orders = _day(session)
    first, second = _read(session, branch), _read(session, branch)
    plan_id = _store(session, first)
    with pytest.raises(storing.PlanChangedMeanwhile, match="was changed while this one was being computed"):
        _store(session, second)
    assert session.scalar(select(func.count()).select_from(RoutePlan)) == 1
    assert _deliveries(session, plan_id) == sorted(o.id for o in orders)  # each order once: not a mix of two


def test_publishing_while_a_replan_runs_keeps_the_published_plan(session) -> None:
    """A coordinator publishes while another's re-plan is solving: the publish stands, the re-plan stops."""
    branch, _, _ = _day(session)
    plan_id = storing.plan_day(session, branch.id, DAY, time_limit_s=1)
    replan = _read(session, branch)
    adjusting.publish_plan(session, branch.id, plan_id, None, SYSTEM, confirmed=True)
    stops_before = _deliveries(session, plan_id)
    with pytest.raises(storing.PlanChangedMeanwhile):
        _store(session, replan)
    plan = session.get(RoutePlan, plan_id)
    assert plan.status is RoutePlanStatus.PUBLISHED and _deliveries(session, plan_id) == stops_before


def test_an_order_moved_while_a_replan_runs_is_not_lost(session) -> None:
    """A move (a pin) made during the solve would be ignored by the plan stored: the re-plan stops instead,
    and the next re-plan puts the order on the chosen van."""
    branch, vans, orders = _day(session)
    plan_id = storing.plan_day(session, branch.id, DAY, time_limit_s=1)
    replan = _read(session, branch)
    view = viewing.get_plan_view(session, branch.id, DAY)
    order_van = {s.order_id: r.van_id for r in view.rounds for s in r.stops if s.kind == "delivery"}
    other_van = next(v.id for v in vans if v.id != order_van[orders[0].id])
    adjusting.move_order(session, branch.id, plan_id, orders[0].id, other_van, view.version, SYSTEM)
    with pytest.raises(storing.PlanChangedMeanwhile):
        _store(session, replan)
    storing.plan_day(session, branch.id, DAY, time_limit_s=1)
    view = viewing.get_plan_view(session, branch.id, DAY)
    assert {s.order_id: r.van_id for r in view.rounds for s in r.stops if s.kind == "delivery"}[
        orders[0].id
    ] == other_van


def test_a_round_locked_while_a_replan_runs_is_not_overwritten(session) -> None:
    """A re-plan read before a round was locked cannot replace the locked round."""
    branch, _, _ = _day(session)
    plan_id = storing.plan_day(session, branch.id, DAY, time_limit_s=1)
    replan = _read(session, branch)
    view = viewing.get_plan_view(session, branch.id, DAY)
    adjusting.set_round_lock(session, branch.id, plan_id, view.rounds[0].van_id, True, view.version, SYSTEM)
    with pytest.raises(storing.PlanChangedMeanwhile):
        _store(session, replan)
    assert viewing.get_plan_view(session, branch.id, DAY).rounds[0].locked


def test_rota_resolved_while_routes_are_planned_shows_on_the_new_plan(session, monkeypatch) -> None:
    """The team changes between reading the day and storing: the stored plan lists the rota change."""
    branch, vans, _ = _day(session, vans=1)
    teams = [VanTeam(vans[0].id, vans[0].name, 11, "Ann Driver", 12, "Bob Mate")]
    monkeypatch.setattr(reading, "rostered_teams", lambda s, b, d: teams)
    inputs = _read(session, branch)
    teams[0] = VanTeam(vans[0].id, vans[0].name, 11, "Ann Driver", 14, "Dot Mate")
    _store(session, inputs)
    assert [(c.kind, c.text) for c in staleness.plan_changes(session, branch.id, DAY)] == [
        ("rota", "Van 1: the rota changed: planned with Ann Driver and Bob Mate, now Ann Driver and Dot Mate")
    ]


def _run(app, job_id: int) -> None:
    with app.app_context():
        run_job(sessionmaker(bind=db.engine), job_id)


def test_two_plan_jobs_at_once_in_two_workers_end_with_one_plan_sqlite(app) -> None:
    """Two coordinators press Plan for the same day: two jobs run at once in two threads (SQLite)."""
    _two_plan_jobs_at_once(app)


def test_two_plan_jobs_at_once_in_two_workers_end_with_one_plan_postgres(postgres_app) -> None:
    """The same on PostgreSQL, where both transactions really run at once (read committed)."""
    _two_plan_jobs_at_once(postgres_app)
    with postgres_app.app_context():  # and with a plan already there: both re-plans read its version
        branch_id = db.session.scalar(select(RoutePlan.branch_id))
        db.session.remove()
    _two_plan_jobs_at_once(postgres_app, branch_id)


def _two_plan_jobs_at_once(app, branch_id: int | None = None) -> None:
    """One plan is stored with every order once; each job either succeeded or failed saying another plan was
    kept (never a mix of two, never two plans)."""
    with app.app_context():
        if branch_id is None:
            branch, _, orders = _day(db.session)
            branch_id = branch.id
        orders = reading.open_orders(db.session, branch_id, DAY)
        db.session.rollback()
        parameters = storing.plan_job_parameters(DAY, START, END, 2, SYSTEM, "/routes")
        job_ids = [
            submit_job(db.session, branch_id=branch_id, kind=storing.PLAN_JOB_KIND, parameters=parameters, user_id=None)
            for _ in range(2)
        ]
        workers = [threading.Thread(target=_run, args=(app, job_id)) for job_id in job_ids]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        assert not any(worker.is_alive() for worker in workers)
        db.session.expire_all()
        jobs = [get_job(db.session, job_id, branch_id) for job_id in job_ids]
        assert JobStatus.SUCCEEDED in {job.status for job in jobs}
        for job in jobs:
            assert job.status is JobStatus.SUCCEEDED or (
                job.status is JobStatus.FAILED and "was changed while this one was being computed" in job.error_message
            ), (job.status, job.error_message)
        plans = db.session.scalars(select(RoutePlan)).all()
        assert len(plans) == 1
        assert _deliveries(db.session, plans[0].id) == sorted(o.id for o in orders)
        db.session.remove()


def _mark_running(session, job_id: int, heartbeat_age_s: float, attempts: int) -> None:
    session.execute(
        update(BackgroundJob)
        .where(BackgroundJob.id == job_id)
        .values(
            status=JobStatus.RUNNING,
            worker_id=f"host:{job_id}:killed",
            attempts=attempts,
            heartbeat_at=utc_now() - timedelta(seconds=heartbeat_age_s),
        )
    )
    session.commit()


def test_a_plan_job_running_when_the_app_is_killed_is_retried_and_never_blocks_the_day(session) -> None:
    """The app (server and workers) is killed mid-solve and started again on the same database: the job left
    RUNNING does not stop a new Plan for the day; the workers start it once more (it plans the day), and a
    second death fails it with a message. A live job does make a second Plan follow it."""
    branch, _, orders = _day(session)
    parameters = storing.plan_job_parameters(DAY, START, END, 1, SYSTEM, "/routes")

    def submit() -> int:
        return submit_job(session, branch_id=branch.id, kind=storing.PLAN_JOB_KIND, parameters=parameters, user_id=None)

    job_id = submit()
    assert storing.active_plan_job(session, branch.id, DAY) == job_id  # queued: a second Plan follows it
    _mark_running(session, job_id, heartbeat_age_s=1, attempts=1)
    assert storing.active_plan_job(session, branch.id, DAY) == job_id  # a live worker runs it
    _mark_running(session, job_id, heartbeat_age_s=ABANDONED_AFTER_S + 5, attempts=1)  # killed with the app
    assert storing.active_plan_job(session, branch.id, DAY) is None  # the day can be planned again at once
    assert recover_abandoned_jobs(session) == [job_id]
    run_job(sessionmaker(bind=db.engine), job_id)
    session.expire_all()
    job = get_job(session, job_id, branch.id)
    assert job.status is JobStatus.SUCCEEDED and session.get(BackgroundJob, job_id).attempts == 2, job.error_message
    assert _deliveries(session, job.result["plan_id"]) == sorted(o.id for o in orders)

    again = submit()
    _mark_running(session, again, heartbeat_age_s=ABANDONED_AFTER_S + 5, attempts=2)  # killed a second time
    assert recover_abandoned_jobs(session) == []
    failed = get_job(session, again, branch.id)
    assert failed.status is JobStatus.FAILED and "stopped" in failed.error_message
    session.commit()
    last = submit()
    run_job(sessionmaker(bind=db.engine), last)
    session.expire_all()
    assert get_job(session, last, branch.id).status is JobStatus.SUCCEEDED
    assert session.scalar(select(func.count()).select_from(RoutePlan)) == 1


# --- two coordinators on one plan: every change is a new version, a change made from an old one saves nothing ---


def _two_coordinators(session):
    """A planned day and two coordinators of its branch who both read the plan page (the same version)."""
    branch, vans, orders = _day(session)
    plan_id = storing.plan_day(session, branch.id, DAY, time_limit_s=1)
    ann_id = make_user(session, branch, UserRole.COORDINATOR, username="ann")
    bob_id = make_user(session, branch, UserRole.COORDINATOR, username="bob")
    view = viewing.get_plan_view(session, branch.id, DAY)
    session.rollback()
    return branch, vans, orders, plan_id, view, Actor(ann_id, "ann"), Actor(bob_id, "bob")


def _plan_state(session, plan_id: int):
    """Everything a change could touch: version, status, locks, pins and the audit trail of the plan."""
    session.expire_all()
    plan = session.get(RoutePlan, plan_id)
    state = (
        plan.version,
        plan.status,
        sorted((r.van_id, r.locked) for r in plan.rounds),
        sorted((p.order_id, p.van_id) for p in plan.pins),
        session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity_type == "route_plan", AuditEvent.entity_id == plan_id)
        ).all(),
    )
    session.rollback()
    return state


def _other_van(view, vans, order_id: int) -> int:
    on = next(r.van_id for r in view.rounds for s in r.stops if s.order_id == order_id)
    return next(v.id for v in vans if v.id != on)


STALE = (
    "This plan was changed by someone else meanwhile (re-planned, published or adjusted). "
    "Reload the page to see the latest version, then make your change again."
)


def test_a_round_locked_by_one_coordinator_refuses_the_others_publish_from_the_page_before(session) -> None:
    """Ann locks a round; Bob, on the page read before, publishes: refused with the message, nothing published."""
    branch, _, _, plan_id, view, ann, bob = _two_coordinators(session)
    adjusting.set_round_lock(session, branch.id, plan_id, view.rounds[0].van_id, True, view.version, ann)
    after_lock = _plan_state(session, plan_id)
    assert after_lock[0] == view.version + 1 and after_lock[2][0] == (view.rounds[0].van_id, True)
    with pytest.raises(StaleRecordError) as refused:
        adjusting.publish_plan(session, branch.id, plan_id, view.version, bob, confirmed=True)
    assert refused.value.field_errors == {"version": STALE}
    assert _plan_state(session, plan_id) == after_lock  # still a draft, no publish in the audit trail


def test_an_order_moved_by_one_coordinator_refuses_the_others_lock_move_and_publish(session) -> None:
    """Ann moves an order; each of Bob's changes made from the page read before is refused and saves nothing."""
    branch, vans, orders, plan_id, view, ann, bob = _two_coordinators(session)
    adjusting.move_order(
        session, branch.id, plan_id, orders[0].id, _other_van(view, vans, orders[0].id), view.version, ann
    )
    after_move = _plan_state(session, plan_id)
    assert after_move[0] == view.version + 1 and len(after_move[3]) == 1
    changes = [
        lambda: adjusting.set_round_lock(session, branch.id, plan_id, view.rounds[0].van_id, True, view.version, bob),
        lambda: adjusting.move_order(
            session, branch.id, plan_id, orders[1].id, _other_van(view, vans, orders[1].id), view.version, bob
        ),
        lambda: adjusting.publish_plan(session, branch.id, plan_id, view.version, bob, confirmed=True),
    ]
    for change in changes:
        with pytest.raises(StaleRecordError, match="changed by someone else meanwhile"):
            change()
        assert _plan_state(session, plan_id) == after_move
    # from the page as it is now, Bob's lock goes through (and is one more version)
    adjusting.set_round_lock(session, branch.id, plan_id, view.rounds[0].van_id, True, after_move[0], bob)
    assert _plan_state(session, plan_id)[0] == view.version + 2


def test_unlocking_is_a_new_version_too_and_a_repeated_click_is_no_error(session) -> None:
    """Lock, unlock: two versions. The same lock or move sent again (a double click, its version now old) changes
    nothing, is no error and bumps nothing; an identical lock on the current version bumps nothing either."""
    branch, vans, orders, plan_id, view, ann, bob = _two_coordinators(session)
    van_id = view.rounds[0].van_id
    adjusting.set_round_lock(session, branch.id, plan_id, van_id, True, view.version, ann)
    adjusting.set_round_lock(session, branch.id, plan_id, van_id, True, view.version, ann)  # the double click
    adjusting.set_round_lock(session, branch.id, plan_id, van_id, True, view.version + 1, bob)
    assert _plan_state(session, plan_id)[0] == view.version + 1
    adjusting.set_round_lock(session, branch.id, plan_id, van_id, False, view.version + 1, ann)
    assert _plan_state(session, plan_id)[0] == view.version + 2
    target = _other_van(view, vans, orders[0].id)
    adjusting.move_order(session, branch.id, plan_id, orders[0].id, target, view.version + 2, ann)
    adjusting.move_order(session, branch.id, plan_id, orders[0].id, target, view.version + 2, ann)
    state = _plan_state(session, plan_id)
    assert state[0] == view.version + 3 and state[3] == [(orders[0].id, target)]
    assert state[4].count("route_plan.move_order") == 1 and state[4].count("route_plan.lock") == 1


def _move_while_ann_locks(session, monkeypatch, ann_locks) -> None:
    """Bob moves an order from the current page; ``ann_locks(plan_id, van_id, version, ann)`` runs after Bob's
    version check and before his commit. Bob is refused and nothing of his is stored."""
    branch, vans, orders, plan_id, view, ann, bob = _two_coordinators(session)
    real_record_event = adjusting.record_event

    def ann_locks_meanwhile(*args, **kwargs) -> None:
        monkeypatch.setattr(adjusting, "record_event", real_record_event)  # once: Ann's own change records as usual
        ann_locks(branch.id, plan_id, view.rounds[0].van_id, view.version, ann)
        real_record_event(*args, **kwargs)

    monkeypatch.setattr(adjusting, "record_event", ann_locks_meanwhile)
    with pytest.raises(StaleRecordError, match="changed by someone else meanwhile"):
        adjusting.move_order(
            session, branch.id, plan_id, orders[0].id, _other_van(view, vans, orders[0].id), view.version, bob
        )
    state = _plan_state(session, plan_id)
    assert state[3] == [] and "route_plan.move_order" not in state[4]
    return state, view


def test_a_change_committed_between_bobs_check_and_commit_refuses_his_move_sqlite(session, monkeypatch) -> None:
    """Bob's move adds only a pin row, yet it is refused at commit when the plan row's version is no longer the one
    he read (SQLite serialises writers, so the other change is made as the database would see it: the version
    column moved on under Bob's session)."""

    def version_moves_on(branch_id: int, plan_id: int, van_id: int, version: int, ann: Actor) -> None:
        with session.no_autoflush:  # Bob's pin and plan row are not written yet: the other change comes first
            session.execute(
                update(RoutePlan)
                .where(RoutePlan.id == plan_id)
                .values(version=version + 1)
                .execution_options(synchronize_session=False)
            )

    state, view = _move_while_ann_locks(session, monkeypatch, version_moves_on)
    assert state[0] == view.version  # Bob's transaction, the version change in it included, was rolled back


def test_a_lock_committed_between_bobs_check_and_commit_refuses_his_move_postgres(postgres_app, monkeypatch) -> None:
    """On PostgreSQL both really run at once: Ann's lock commits in her own transaction after Bob's version check;
    Bob's move (a pin row of its own) is refused at commit by the plan row's version; Ann's lock stands."""
    with postgres_app.app_context():

        def ann_locks(branch_id: int, plan_id: int, van_id: int, version: int, ann: Actor) -> None:
            other = sessionmaker(bind=db.engine)()
            try:
                adjusting.set_round_lock(other, branch_id, plan_id, van_id, True, version, ann)
            finally:
                other.close()

        state, view = _move_while_ann_locks(db.session, monkeypatch, ann_locks)
        assert state[0] == view.version + 1 and state[2][0] == (view.rounds[0].van_id, True)
        assert "route_plan.lock" in state[4]
        db.session.remove()
