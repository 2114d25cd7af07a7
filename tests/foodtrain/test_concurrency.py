"""8 threads x 25 read-modify-write edits of the same order, as the web does them (read, then
save with the version read): nothing is lost, and stale edits are refused, never overwritten.

Each thread keeps a tally line of its own ("Thread 3" x quantity) and every edit adds one to it, so
the order stays nine lines long: an overwritten edit shows as a tally short of EDITS_PER_THREAD, exactly as a
missing line would, while each attempt stays as cheap as a real edit (appending a line per edit
made every attempt load and rewrite up to 400 lines, about 5 minutes per database)."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date

from flask import Flask

from foodtrain.extensions import db
from foodtrain.services.audit import SYSTEM
from foodtrain.services.orders.rules import StaleOrderError
from foodtrain.services.orders.taking import OrderLineInput, order_edit_context, save_order
from tests.conftest import requires_postgres
from tests.factories import make_branch, make_customer

THREADS, EDITS_PER_THREAD = 8, 25
ROTA_EDITS_PER_THREAD = 12  # a rota seat edit checks every rule of the seat: each costs several order edits


def _tally_item(thread_number: int) -> str:
    return f"Thread {thread_number}"


def _with_one_more(lines: list[OrderLineInput], item: str) -> list[OrderLineInput]:
    """The order's lines with one more of `item` (a new line of 1 if it is not there yet)."""
    if not any(line.item == item for line in lines):
        return [*lines, OrderLineInput(item)]
    return [replace(line, quantity=line.quantity + 1) if line.item == item else line for line in lines]


def _hammer(app: Flask) -> tuple[dict[str, int], int, list[str]]:
    """Returns (quantity of each line in the order at the end, stale edits refused, errors)."""
    with app.app_context():
        branch = make_branch(db.session)
        customer = make_customer(db.session, branch)
        db.session.commit()
        branch_id, customer_id = branch.id, customer.id
        order_id = save_order(
            db.session, branch_id, customer_id, date(2026, 12, 1), [OrderLineInput("Bread")], "", actor=SYSTEM
        )
        db.session.remove()
    stale, errors = [0], []
    lock = threading.Lock()

    def edit_many(thread_number: int) -> None:
        with app.app_context():
            try:
                for _edit in range(EDITS_PER_THREAD):
                    while True:
                        context = order_edit_context(db.session, branch_id, order_id)  # the form is loaded ...
                        db.session.commit()  # ... in one request
                        snapshot = context.existing_order
                        lines = _with_one_more(snapshot.lines, _tally_item(thread_number))
                        try:  # ... and saved in another
                            save_order(
                                db.session,
                                branch_id,
                                customer_id,
                                date(2026, 12, 1),
                                lines,
                                "",
                                actor=SYSTEM,
                                expected_version=snapshot.version,
                                order_id=order_id,
                            )
                            break
                        except StaleOrderError:
                            with lock:
                                stale[0] += 1
            except Exception as error:  # noqa: BLE001 - collected and asserted below
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=edit_many, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        final = order_edit_context(db.session, branch_id, order_id).existing_order
        db.session.remove()
    return {line.item: line.quantity for line in final.lines}, stale[0], errors


def _check(app: Flask) -> None:
    quantities, stale, errors = _hammer(app)
    expected = {"Bread": 1} | {_tally_item(number): EDITS_PER_THREAD for number in range(THREADS)}
    database = app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0]
    lost = sum(expected.values()) - sum(quantities.values())
    print(
        f"\nconcurrency ({database}): {THREADS} threads x {EDITS_PER_THREAD} read-modify-write edits, "
        f"lost = {lost}, stale edits refused and retried = {stale}, errors = {len(errors)}"
    )
    assert errors == []
    assert quantities == expected  # every edit of every thread is in the order, none overwritten


def test_concurrent_order_edits_sqlite(app: Flask) -> None:
    _check(app)


@requires_postgres
def test_concurrent_order_edits_postgres(postgres_app: Flask) -> None:
    _check(postgres_app)


def _small_office_rota(app: Flask) -> tuple[int, int, int, list[int]]:
    """A branch whose rota is office cover only, drawn up by the real generation job: (branch, rota, slot, people)."""
    from sqlalchemy import select
    from sqlalchemy.orm import sessionmaker

    from foodtrain.jobs import get_job, run_job, submit_job
    from foodtrain.models import DayPart, PvgStatus, VolunteerAvailability, VolunteerRole
    from foodtrain.models.rota import RotaSlot
    from foodtrain.services.rota import GENERATE_JOB_KIND
    from tests.factories import make_volunteer

    with app.app_context():
        branch = make_branch(db.session)
        people = []
        for number in range(10):
            volunteer = make_volunteer(
                db.session,
                branch,
                roles=(VolunteerRole.OFFICE,),
                first_name=f"Office{number}",
                pvg_status=PvgStatus.NOT_NEEDED,
                pvg_issued_on=None,
                max_shifts_per_week=14,
                max_consecutive_days=7,
                shifts_per_month=8,
            )
            volunteer.availability = [VolunteerAvailability(weekday=day, day_part=DayPart.MORNING) for day in range(5)]
            people.append(volunteer.id)
        db.session.commit()
        branch_id = branch.id
        job_id = submit_job(
            db.session,
            branch_id=branch_id,
            kind=GENERATE_JOB_KIND,
            user_id=None,
            parameters={"month": "2026-12-01", "time_limit_s": 2},
        )
        db.session.remove()
        run_job(sessionmaker(bind=db.engine), job_id)
        rota_id = int(get_job(db.session, job_id, branch_id).result["rota_id"])
        slot_id = db.session.scalar(select(RotaSlot.id).where(RotaSlot.rota_id == rota_id).order_by(RotaSlot.date))
        db.session.remove()
    return branch_id, rota_id, slot_id, people


def _hammer_rota(app: Flask, edits_per_thread: int) -> tuple[int, int, int, int, list[str]]:
    """Threads set the office seat of one slot to someone new, reading the rota's version first (as the edit
    page does): returns (accepted edits, change-log rows, version increase, stale refusals, errors)."""
    from sqlalchemy import func, select

    from foodtrain.models import RotaChange, RotaChangeKind, RotaRole
    from foodtrain.models.rota import Rota, RotaAssignment
    from foodtrain.services.rota import Seat, StaleRotaError, update_slot

    branch_id, rota_id, slot_id, people = _small_office_rota(app)
    with app.app_context():
        version_before = db.session.get(Rota, rota_id).version
        db.session.remove()
    accepted, stale, errors = [0], [0], []
    lock = threading.Lock()

    def edit_many(thread_number: int) -> None:
        with app.app_context():
            try:
                for edit in range(edits_per_thread):
                    while True:
                        version = db.session.scalar(select(Rota.version).where(Rota.id == rota_id))
                        sitting = db.session.scalar(
                            select(RotaAssignment.volunteer_id).where(RotaAssignment.slot_id == slot_id)
                        )
                        db.session.commit()
                        candidates = [p for p in people if p != sitting]
                        chosen = candidates[(thread_number * edits_per_thread + edit) % len(candidates)]
                        try:
                            changed = update_slot(
                                db.session,
                                branch_id,
                                rota_id,
                                slot_id,
                                [Seat(RotaRole.OFFICE, chosen)],
                                expected_version=version,
                                actor=SYSTEM,
                            )
                        except StaleRotaError:
                            with lock:
                                stale[0] += 1
                            continue
                        if changed:
                            with lock:
                                accepted[0] += 1
                            break
            except Exception as error:  # noqa: BLE001 - collected and asserted below
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=edit_many, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        logged = db.session.scalar(
            select(func.count())
            .select_from(RotaChange)
            .where(RotaChange.rota_id == rota_id, RotaChange.kind == RotaChangeKind.EDIT)
        )
        version_increase = db.session.get(Rota, rota_id).version - version_before
        db.session.remove()
    return accepted[0], logged, version_increase, stale[0], errors


def _check_rota(app: Flask, edits_per_thread: int = ROTA_EDITS_PER_THREAD) -> None:
    accepted, logged, version_increase, stale, errors = _hammer_rota(app, edits_per_thread)
    database = app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0]
    print(
        f"\nconcurrency ({database}): {THREADS} threads x {edits_per_thread} rota seat edits, accepted = {accepted}, "
        f"lost = {accepted - logged}, stale edits refused and retried = {stale}, errors = {len(errors)}"
    )
    assert errors == []
    assert accepted == THREADS * edits_per_thread
    assert logged >= accepted and version_increase == accepted  # every accepted edit is in the log, none overwritten


def test_concurrent_rota_edits_sqlite(app: Flask) -> None:
    _check_rota(app)


@requires_postgres
def test_concurrent_rota_edits_postgres(postgres_app: Flask) -> None:
    _check_rota(postgres_app)
