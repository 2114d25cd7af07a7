"""Route planning service: gathering the day, solving, storing, adjusting, sheets data, the job."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from foodtrain.extensions import db
from foodtrain.jobs import get_job, run_job, submit_job
from foodtrain.models import (
    AuditEvent,
    CustomerSupportNeed,
    JobStatus,
    OrderLine,
    OrderStatus,
    RoutePlan,
    RouteStop,
    SupportNeed,
)
from foodtrain.services.planning import adjusting, printouts, reading, solving, staleness, storing, viewing
from foodtrain.services.audit import SYSTEM, Actor
from foodtrain.services.errors import NotFoundError, ValidationError
from foodtrain.services.privacy import text_without_names
from foodtrain.services.rota import VanTeam
from tests.factories import make_branch, make_customer, make_order, make_shop, make_van

DAY = date(2026, 12, 1)


def _lines(count: int) -> list[OrderLine]:
    return [OrderLine(position=i, item=f"item {i}", quantity=1) for i in range(1, count + 1)]


def _day(session, orders: int = 4, vans: int = 2, capacity: int = 16):
    """A branch with one shop near Dumfries, some vans and `orders` orders for DAY."""
    branch = make_branch(session)
    shop = make_shop(session, branch, latitude=55.07, longitude=-3.61)
    van_rows = [make_van(session, branch, name=f"Van {k}", capacity_crates=capacity) for k in range(1, vans + 1)]
    order_rows = []
    for k in range(orders):
        customer = make_customer(
            session,
            branch,
            shop,
            latitude=55.05 + 0.01 * k,
            longitude=-3.55 - 0.01 * k,
            window_start=time(10, 0),
            window_end=time(15, 0),
        )
        order_rows.append(make_order(session, customer, delivery_date=DAY, lines=_lines(7)))
    session.commit()
    return branch, shop, van_rows, order_rows


def _plan(session, branch, **kwargs) -> int:
    return storing.plan_day(session, branch.id, DAY, time_limit_s=1, **kwargs)


def test_plan_serves_every_open_order_once_pickup_before_delivery_within_capacity(session) -> None:
    """Every open order of the day is delivered exactly once, after its pickup, and no van is over capacity."""
    branch, _, vans, orders = _day(session, orders=5)
    _plan(session, branch)
    view = viewing.get_plan_view(session, branch.id, DAY)
    assert view is not None and not view.unplanned
    delivered = [s.order_id for r in view.rounds for s in r.stops if s.kind == "delivery"]
    assert sorted(delivered) == sorted(o.id for o in orders)
    capacity = {v.id: v.capacity_crates for v in vans}
    for round_ in view.rounds:
        kinds = [(s.kind, s.order_id) for s in round_.stops]
        for order_id in (s.order_id for s in round_.stops if s.kind == "delivery"):
            assert kinds.index(("pickup", order_id)) < kinds.index(("delivery", order_id))
        assert all(s.load_after_crates <= capacity[round_.van_id] for s in round_.stops)
        assert round_.stops[0].kind == "start" and round_.stops[-1].kind == "end"
    assert view.total_distance_km > 0 and view.vans_used == len(view.rounds) >= 1
    assert view.no_team_rostered and all(r.team == "no team rostered" for r in view.rounds)


def test_closed_orders_other_days_and_other_branches_are_left_out(session) -> None:
    """Cancelled and delivered orders, other dates and another branch's orders are not planned."""
    branch, shop, _, orders = _day(session, orders=3)
    orders[0].status = OrderStatus.CANCELLED
    orders[1].status = OrderStatus.DELIVERED
    make_order(session, make_customer(session, branch, shop), delivery_date=date(2026, 12, 2))
    other = make_branch(session)
    make_van(session, other)
    make_order(session, make_customer(session, other), delivery_date=DAY)
    session.commit()
    inputs = reading.read_day(session, branch.id, DAY, time(9), time(16))
    session.rollback()
    assert [o.id for o in inputs.orders] == [orders[2].id]


def test_crates_estimate_and_longer_service_for_support_needs(session) -> None:
    """Unpacked orders count ceil(lines/6) crates (at least 1); unpacking help lengthens the time at the door."""
    branch, shop, _, orders = _day(session, orders=2)
    orders[0].crates = 4
    customer = orders[1].customer
    session.add(CustomerSupportNeed(customer_id=customer.id, need=SupportNeed.UNPACKING))
    session.commit()
    inputs = reading.read_day(session, branch.id, DAY, time(9), time(16))
    session.rollback()
    by_id = {o.id: o for o in inputs.orders}
    assert (by_id[orders[0].id].crates, by_id[orders[0].id].crates_estimated) == (4, False)
    assert (by_id[orders[1].id].crates, by_id[orders[1].id].crates_estimated) == (2, True)  # 7 lines
    assert by_id[orders[1].id].service_min >= by_id[orders[0].id].service_min + 10 - 2
    assert reading.service_minutes(set(), 1) < reading.service_minutes({SupportNeed.UNPACKING}, 1)
    empty = make_order(session, make_customer(session, branch, shop), delivery_date=DAY)
    assert empty.crates_or_estimate() == (1, True)


def test_customer_without_location_is_unplanned_with_reason(session) -> None:
    """An order whose customer has no map location is listed as unplanned with an actionable reason."""
    branch, _, _, orders = _day(session, orders=2)
    orders[0].customer.latitude = None
    orders[0].customer.longitude = None
    session.commit()
    _plan(session, branch)
    view = viewing.get_plan_view(session, branch.id, DAY)
    assert [(u.order_id, u.reason) for u in view.unplanned] == [(orders[0].id, solving.NO_LOCATION_REASON)]


def test_rostered_teams_choose_the_vans_and_name_the_team(session, monkeypatch) -> None:
    """With teams rostered only their vans go out, and each round shows the team's names."""
    branch, _, vans, _ = _day(session, orders=3, vans=3)
    team = VanTeam(vans[1].id, vans[1].name, 11, "Ann Driver", 12, "Bob Mate")
    monkeypatch.setattr(reading, "rostered_teams", lambda s, b, d: [team])
    _plan(session, branch)
    view = viewing.get_plan_view(session, branch.id, DAY)
    assert {r.van_id for r in view.rounds} == {vans[1].id}
    assert view.rounds[0].team == "Ann Driver and Bob Mate" and not view.no_team_rostered


def test_a_shadowing_trainee_is_named_after_the_team_on_the_round_and_its_sheet(session, monkeypatch) -> None:
    """A trainee in the van's shadow seat rides as a third person: the round's team line and the delivery
    sheet name them after the team of two ("with ... shadowing"); erasing their name removes it."""
    branch, _, vans, _ = _day(session, orders=2, vans=1)
    team = VanTeam(vans[0].id, vans[0].name, 11, "Ann Driver", 12, "Bob Mate", 13, "Cat Trainee")
    monkeypatch.setattr(reading, "rostered_teams", lambda s, b, d: [team])
    plan_id = _plan(session, branch)
    view = viewing.get_plan_view(session, branch.id, DAY)
    assert view.rounds[0].team == "Ann Driver and Bob Mate, with Cat Trainee shadowing"
    sheets = printouts.delivery_sheets(session, branch.id, plan_id, None, Actor(None, "coord"))
    assert sheets[0].team == "Ann Driver and Bob Mate, with Cat Trainee shadowing"
    assert (
        text_without_names(view.rounds[0].team, ["Cat Trainee"], "[erased]")
        == "Ann Driver and Bob Mate, with [erased] shadowing"
    )


def test_moved_order_goes_to_chosen_van_and_locked_round_is_kept(session) -> None:
    """A moved order ends up on the chosen van; re-planning keeps a locked round stop for stop; nothing is lost."""
    branch, _, vans, orders = _day(session, orders=6, vans=3, capacity=40)
    plan_id = _plan(session, branch)
    view = viewing.get_plan_view(session, branch.id, DAY)
    first = view.rounds[0]
    moved = next(s.order_id for s in first.stops if s.kind == "delivery")
    target = next(v.id for v in vans if v.id != first.van_id)
    adjusting.move_order(session, branch.id, plan_id, moved, target, view.version, SYSTEM)
    _plan(session, branch)
    after = viewing.get_plan_view(session, branch.id, DAY)
    on_target = next(r for r in after.rounds if r.van_id == target)
    assert moved in {s.order_id for s in on_target.stops if s.kind == "delivery"}
    assert [p.order_id for p in after.pins] == [moved]
    adjusting.set_round_lock(session, branch.id, plan_id, target, True, after.version, SYSTEM)
    _plan(session, branch)
    again = viewing.get_plan_view(session, branch.id, DAY)
    kept = next(r for r in again.rounds if r.van_id == target)
    assert kept.locked and [(s.kind, s.order_id, s.arrival) for s in kept.stops] == [
        (s.kind, s.order_id, s.arrival) for s in on_target.stops
    ]
    delivered = [s.order_id for r in again.rounds for s in r.stops if s.kind == "delivery"]
    assert sorted(delivered) == sorted(o.id for o in orders)  # each once, nothing lost


def test_an_order_cannot_be_moved_onto_a_van_that_is_not_out_that_day(session, monkeypatch) -> None:
    """Van 2 has no team on the rota: the plan page offers only Van 1 to move an order to, and a move to Van 2 is
    refused with the reason (it was accepted, "Moved", and the order then fell off the next plan)."""
    branch, _, vans, orders = _day(session, orders=2, vans=2)
    teams = [VanTeam(vans[0].id, vans[0].name, 901, "Ann Driver", 902, "Bob Mate")]
    monkeypatch.setattr(reading, "rostered_teams", lambda s, b, d: teams)
    plan_id = _plan(session, branch)
    view = viewing.get_plan_view(session, branch.id, DAY)
    assert [van_id for van_id, _ in view.van_choices] == [vans[0].id]
    with pytest.raises(ValidationError) as refused:
        adjusting.move_order(session, branch.id, plan_id, orders[0].id, vans[1].id, view.version, SYSTEM)
    assert (
        refused.value.field_errors["van_id"]
        == "Van 2 is not out on this day (no delivery slot for this van on the rota)."
    )
    assert viewing.get_plan_view(session, branch.id, DAY).pins == ()


def test_an_outdated_plan_form_gets_the_one_stale_message_and_changes_nothing(session) -> None:
    """Move, lock and publish each check the form's plan version with the one errors.check_version: a form
    loaded before someone else published gets "changed by someone else (re-planned, published or adjusted)",
    and the plan keeps that publish with no pin, lock or second publish from the outdated form."""
    branch, _, _, _ = _day(session, orders=3, vans=2, capacity=40)
    plan_id = _plan(session, branch)
    outdated = viewing.get_plan_view(session, branch.id, DAY)
    adjusting.publish_plan(session, branch.id, plan_id, outdated.version, SYSTEM, confirmed=True)  # someone else
    van_id = outdated.rounds[0].van_id
    moved = next(s.order_id for s in outdated.rounds[0].stops if s.kind == "delivery")
    other_van = next(r.van_id for r in outdated.rounds if r.van_id != van_id) if len(outdated.rounds) > 1 else van_id
    attempts = [
        lambda: adjusting.move_order(session, branch.id, plan_id, moved, other_van, outdated.version, SYSTEM),
        lambda: adjusting.set_round_lock(session, branch.id, plan_id, van_id, True, outdated.version, SYSTEM),
        lambda: adjusting.publish_plan(session, branch.id, plan_id, outdated.version, SYSTEM, confirmed=True),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as stale:
            attempt()
        assert stale.value.field_errors["version"].startswith(
            "This plan was changed by someone else meanwhile (re-planned, published or adjusted)."
        )
    after = viewing.get_plan_view(session, branch.id, DAY)
    assert after.status == "published" and not after.pins and not any(r.locked for r in after.rounds)
    assert (
        session.scalar(
            select(db.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action.like("route_plan.%"), AuditEvent.action != "route_plan.plan")
        )
        == 1
    )


def test_adjustments_refuse_locked_vans_stale_versions_and_other_branches(session) -> None:
    """Moving onto a locked round, a stale version, or another branch's plan is refused and writes nothing."""
    branch, _, vans, orders = _day(session, orders=3)
    plan_id = _plan(session, branch)
    view = viewing.get_plan_view(session, branch.id, DAY)
    van_id = view.rounds[0].van_id
    adjusting.set_round_lock(session, branch.id, plan_id, van_id, True, view.version, SYSTEM)
    view = viewing.get_plan_view(session, branch.id, DAY)  # the lock is a new version: the page as it is now
    with pytest.raises(ValidationError) as locked:
        adjusting.move_order(session, branch.id, plan_id, orders[0].id, van_id, view.version, SYSTEM)
    assert "locked" in locked.value.field_errors["van_id"]
    adjusting.publish_plan(session, branch.id, plan_id, view.version, SYSTEM, confirmed=True)
    with pytest.raises(ValidationError) as stale:
        adjusting.publish_plan(session, branch.id, plan_id, view.version, SYSTEM, confirmed=True)
    assert "changed by someone else" in stale.value.field_errors["version"]
    other = make_branch(session)
    session.commit()
    with pytest.raises(NotFoundError):
        adjusting.set_round_lock(session, other.id, plan_id, van_id, False, None, SYSTEM)
    assert session.scalar(select(RoutePlan.status).where(RoutePlan.id == plan_id)).value == "published"


def test_replanning_makes_one_plan_per_day_back_in_draft(session) -> None:
    """Planning twice keeps one plan row for the day (replaced), back in draft, stops not duplicated."""
    branch, _, _, orders = _day(session, orders=3)
    plan_id = _plan(session, branch)
    view = viewing.get_plan_view(session, branch.id, DAY)
    adjusting.publish_plan(session, branch.id, plan_id, view.version, SYSTEM, confirmed=True)
    assert _plan(session, branch) == plan_id
    assert session.scalar(select(db.func.count()).select_from(RoutePlan)) == 1
    deliveries = session.scalar(select(db.func.count()).select_from(RouteStop).where(RouteStop.kind == "delivery"))
    assert deliveries == len(orders)
    assert viewing.get_plan_view(session, branch.id, DAY).status == "draft"


def test_plan_request_is_checked(session) -> None:
    """A shift under an hour or a silly time limit is refused with a message per field."""
    with pytest.raises(ValidationError) as error:
        storing.plan_job_parameters(DAY, time(10), time(10, 30), 0, SYSTEM, "/x")
    assert set(error.value.field_errors) == {"shift_end", "time_limit_s"}


def test_plan_job_runs_and_returns_the_result_url(session) -> None:
    """The background job kind plans the day and hands back the page to show."""
    branch, _, _, _ = _day(session, orders=2)
    parameters = storing.plan_job_parameters(DAY, time(9), time(16), 1, SYSTEM, "/routes/?date=2026-12-01")
    job_id = submit_job(session, branch_id=branch.id, kind=storing.PLAN_JOB_KIND, parameters=parameters, user_id=None)
    run_job(sessionmaker(bind=db.engine), job_id)
    job = get_job(session, job_id, branch.id)
    assert job.status is JobStatus.SUCCEEDED, job.error_message
    assert job.result["url"] == "/routes/?date=2026-12-01"
    assert session.get(RoutePlan, job.result["plan_id"]).delivery_date == DAY


def test_the_plan_job_and_each_adjustment_are_audited_as_the_actor_who_asked(session) -> None:
    """The job receives the actor as plain values (user id and name) and audits the stored plan as that actor;
    moving an order, locking a round and publishing take the one Actor too."""
    branch, _, vans, _ = _day(session, orders=3, vans=2, capacity=40)
    coordinator = Actor(user_id=None, username="coordinator-cat", remote_address="10.0.0.9")
    parameters = storing.plan_job_parameters(DAY, time(9), time(16), 1, coordinator, "/routes/")
    assert (parameters["user_id"], parameters["username"]) == (None, "coordinator-cat")
    job_id = submit_job(session, branch_id=branch.id, kind=storing.PLAN_JOB_KIND, parameters=parameters, user_id=None)
    run_job(sessionmaker(bind=db.engine), job_id)
    plan_id = get_job(session, job_id, branch.id).result["plan_id"]
    view = viewing.get_plan_view(session, branch.id, DAY)
    moved = next(s.order_id for r in view.rounds for s in r.stops if s.kind == "delivery")
    adjusting.move_order(session, branch.id, plan_id, moved, vans[0].id, view.version, coordinator)
    view = viewing.get_plan_view(session, branch.id, DAY)
    adjusting.set_round_lock(session, branch.id, plan_id, vans[0].id, True, view.version, coordinator)
    view = viewing.get_plan_view(session, branch.id, DAY)
    adjusting.publish_plan(session, branch.id, plan_id, view.version, coordinator, confirmed=True)
    rows = session.execute(
        select(AuditEvent.action, AuditEvent.username, AuditEvent.remote_address)
        .where(AuditEvent.entity_type == "route_plan")
        .order_by(AuditEvent.id)
    ).all()
    assert [action for action, _, _ in rows] == [
        "route_plan.plan",
        "route_plan.move_order",
        "route_plan.lock",
        "route_plan.publish",
    ]
    assert [username for _, username, _ in rows] == ["coordinator-cat"] * 4
    assert [address for _, _, address in rows] == ["", "10.0.0.9", "10.0.0.9", "10.0.0.9"]  # the job has no address


def test_delivery_sheet_data_is_audited_and_drivers_see_only_their_published_round(session, monkeypatch) -> None:
    """Sheets carry the door details and amount due; each download is audited; a driver gets only their team's van."""
    branch, _, vans, orders = _day(session, orders=4, vans=2, capacity=6)
    orders[0].till_receipt_pence = 1234
    session.commit()
    monkeypatch.setattr(
        reading,
        "rostered_teams",
        lambda s, b, d: [
            VanTeam(vans[0].id, vans[0].name, 21, "Ann Driver", 22, "Bob Mate"),
            VanTeam(vans[1].id, vans[1].name, 23, "Cat Driver", 24, "Dan Mate"),
        ],
    )
    plan_id = _plan(session, branch)
    sheets = printouts.delivery_sheets(session, branch.id, plan_id, None, Actor(None, "coord"))
    stops = [s for sheet in sheets for s in sheet.stops if s.kind == "delivery"]
    assert len(stops) == 4
    amounts = {s.order_ref: s.amount_due for s in stops}
    assert amounts[str(orders[0].id)] == "£15.34"  # receipt + £3.00 charge
    assert amounts[str(orders[1].id)] == "receipt + £3.00 charge"
    assert (
        session.scalar(
            select(db.func.count()).select_from(AuditEvent).where(AuditEvent.action == "delivery_sheet.download")
        )
        == 1
    )
    driver = Actor(None, "driver", volunteer_id=23, drivers_only=True)
    with pytest.raises(NotFoundError):  # draft: not for drivers yet
        printouts.delivery_sheets(session, branch.id, plan_id, None, driver)
    view = viewing.get_plan_view(session, branch.id, DAY)
    adjusting.publish_plan(session, branch.id, plan_id, view.version, SYSTEM, confirmed=True)
    mine_van = view.rounds[0].van_id
    other_van = next(v for v in vans if v.id != mine_van)
    monkeypatch.setattr(
        reading,
        "rostered_teams",
        lambda s, b, d: [
            VanTeam(mine_van, "Mine", 23, "Cat Driver", 24, "Dan Mate"),
            VanTeam(other_van.id, other_van.name, 21, "Ann Driver", 22, "Bob Mate"),
        ],
    )
    mine = printouts.delivery_sheets(session, branch.id, plan_id, None, driver)
    assert [s.van_name for s in mine] == [view.rounds[0].van_name] and mine[0].team == "Cat Driver and Dan Mate"
    with pytest.raises(NotFoundError):
        printouts.delivery_sheets(session, branch.id, plan_id, other_van.id, driver)
    assert [d.van_names for d in viewing.rounds_for_volunteer(session, branch.id, 23, date(2026, 11, 30))] == [
        ("Mine",)
    ]


def test_key_safe_codes_only_on_the_days_team_sheet(session, monkeypatch) -> None:
    """A key-safe code is decrypted only onto the sheet of the viewer's own round of a published plan.

    A coordinator's print-out or another team's sheet says a code is held by the team; a code
    encrypted with another key says it cannot be read; the audit counts codes, never shows them.
    """
    from foodtrain.encryption import FieldCipher

    cipher = FieldCipher(FieldCipher.new_key())
    branch, _, vans, orders = _day(session, orders=2)
    orders[0].customer.key_safe_code_encrypted = cipher.encrypt("4711")
    orders[1].customer.key_safe_code_encrypted = FieldCipher(FieldCipher.new_key()).encrypt("0000")
    session.commit()
    plan_id = _plan(session, branch)
    view = viewing.get_plan_view(session, branch.id, DAY)
    monkeypatch.setattr(
        reading,
        "rostered_teams",
        lambda s, b, d: [
            VanTeam(van.id, van.name, 100 + index, "Driver", 200 + index, "Mate") for index, van in enumerate(vans)
        ],
    )
    team_member = Actor(None, "driver", volunteer_id=100 + [v.id for v in vans].index(view.rounds[0].van_id))

    def codes(viewer, today=DAY):
        sheets = printouts.delivery_sheets(session, branch.id, plan_id, None, viewer, cipher, today=today)
        return {s.order_ref: s.key_safe_code for sheet in sheets for s in sheet.stops if s.kind == "delivery"}

    draft_codes = codes(team_member)
    assert set(draft_codes.values()) <= {printouts.KEY_SAFE_HELD_BY_TEAM}  # not before the plan is published
    adjusting.publish_plan(
        session, branch.id, plan_id, viewing.get_plan_view(session, branch.id, DAY).version, SYSTEM, confirmed=True
    )
    coordinator_codes = codes(Actor(None, "coordinator"))
    assert set(coordinator_codes.values()) == {printouts.KEY_SAFE_HELD_BY_TEAM}
    own_round_orders = {str(s.order_id) for s in view.rounds[0].stops if s.order_id}
    team_codes = codes(team_member)
    for order, expected in ((orders[0], "4711"), (orders[1], "cannot be read: ask the office")):
        if str(order.id) in own_round_orders:
            assert team_codes[str(order.id)] == expected
        else:
            assert team_codes.get(str(order.id), printouts.KEY_SAFE_HELD_BY_TEAM) == printouts.KEY_SAFE_HELD_BY_TEAM
    day_after = codes(team_member, today=DAY + timedelta(days=1))  # an old sheet: no codes any more
    assert set(day_after.values()) <= {printouts.KEY_SAFE_HELD_BY_TEAM}
    details = session.scalars(
        select(AuditEvent.detail).where(AuditEvent.action == "delivery_sheet.download").order_by(AuditEvent.id)
    ).all()
    assert details[1].endswith("key-safe codes printed: 0")
    assert all("4711" not in detail for detail in details)


def test_cancelled_plan_job_writes_nothing(session) -> None:
    """Cancelling the planning job stops it at its next progress check and stores no plan."""
    from foodtrain.jobs import request_cancel

    branch, _, _, _ = _day(session, orders=3)
    parameters = storing.plan_job_parameters(DAY, time(9), time(16), 2, SYSTEM, "/routes/")
    job_id = submit_job(session, branch_id=branch.id, kind=storing.PLAN_JOB_KIND, parameters=parameters, user_id=None)
    request_cancel(session, job_id, branch.id)
    run_job(sessionmaker(bind=db.engine), job_id)
    assert get_job(session, job_id, branch.id).status is JobStatus.CANCELLED
    assert session.scalar(select(db.func.count()).select_from(RoutePlan)) == 0


def test_a_cancel_during_the_search_stops_it_within_two_seconds() -> None:
    """The job's cancel (its progress callback raising) stops a 60 s search, and the cancel reaches the job."""
    import time as wall

    import routing
    from foodtrain.services.planning.solving import PLAN_SEARCH_WORKERS, _solve_watched
    from routing.generator import generate_day

    class Cancelled(Exception):
        pass

    started = wall.monotonic()
    messages: list[str] = []

    def progress(message: str) -> None:
        messages.append(message)
        if wall.monotonic() - started > 1.0:
            raise Cancelled()

    with pytest.raises(Cancelled):
        _solve_watched(
            generate_day(seed=21, orders=60),
            routing.Params(time_limit_s=60, workers=PLAN_SEARCH_WORKERS),
            progress,
            "Searching",
        )
    assert wall.monotonic() - started < 3.0
    assert messages


def test_only_vans_with_a_complete_rostered_team_are_planned_and_the_others_say_why(session, monkeypatch) -> None:
    """A van whose slot lacks a driver or a mate, or has no slot, gets no deliveries; the plan says why."""
    branch, _, vans, orders = _day(session, orders=4, vans=3)
    teams = [
        VanTeam(vans[0].id, vans[0].name, 11, "Ann Driver", 12, "Bob Mate"),
        VanTeam(vans[1].id, vans[1].name, None, "", 13, "Cy Mate"),
    ]
    monkeypatch.setattr(reading, "rostered_teams", lambda s, b, d: teams)
    _plan(session, branch)
    view = viewing.get_plan_view(session, branch.id, DAY)
    assert {r.van_id for r in view.rounds} == {vans[0].id}
    assert sorted(s.order_id for s in view.rounds[0].stops if s.kind == "delivery") == sorted(o.id for o in orders)
    assert [(v.van_name, v.reason) for v in view.vans_left_out] == [
        ("Van 2", "no driver rostered"),
        ("Van 3", "no delivery slot for this van on the rota"),
    ]
    assert not view.no_team_rostered and not view.changes


def test_plan_changes_lists_cancelled_changed_new_orders_and_rota_changes(session, monkeypatch) -> None:
    """After planning: a cancelled, an edited and a new order and a changed team are each listed, exactly."""
    from foodtrain.services.orders.cancelling import cancel_order
    from foodtrain.services.orders.taking import OrderLineInput, save_order

    branch, shop, vans, orders = _day(session, orders=3, vans=1, capacity=40)
    teams = [VanTeam(vans[0].id, vans[0].name, 11, "Ann Driver", 12, "Bob Mate")]
    monkeypatch.setattr(reading, "rostered_teams", lambda s, b, d: teams)
    _plan(session, branch)
    assert staleness.plan_changes(session, branch.id, DAY) == []
    cancel_order(session, branch.id, orders[0].id, "in hospital", SYSTEM)
    save_order(session, branch.id, orders[1].customer_id, DAY, [OrderLineInput("Bread", 2, "", True)], "", SYSTEM)
    late = make_order(session, make_customer(session, branch, shop), delivery_date=DAY)
    session.commit()
    teams[0] = VanTeam(vans[0].id, vans[0].name, 11, "Ann Driver", 14, "Dot Mate")
    changes = staleness.plan_changes(session, branch.id, DAY)
    assert [(c.kind, c.order_id) for c in changes] == [
        ("cancelled", orders[0].id),
        ("changed", orders[1].id),
        ("new", late.id),
        ("rota", None),
    ]
    assert changes[0].text == f"Order {orders[0].id} for {orders[0].customer.full_name} was cancelled (Van 1's round)"
    assert (
        changes[3].text == "Van 1: the rota changed: planned with Ann Driver and Bob Mate, now Ann Driver and Dot Mate"
    )
    view = viewing.get_plan_view(session, branch.id, DAY)
    assert view.out_of_date and view.new_orders == 1
    cancelled = [s for r in view.rounds for s in r.stops if s.order_id == orders[0].id and s.kind == "delivery"]
    assert cancelled and cancelled[0].cancelled and view.rounds[0].deliveries == 2
    sheets = printouts.delivery_sheets(session, branch.id, view.id, None, Actor(None, "coord"))
    struck = [s for s in sheets[0].stops if s.cancelled]
    assert [s.order_ref for s in struck] == [str(orders[0].id)] and not struck[0].phone
    assert any("was cancelled" in text for text in sheets[0].changes)
    _plan(session, branch)  # re-planning removes the cancelled stop and takes the changes in
    assert staleness.plan_changes(session, branch.id, DAY) == []


def test_a_plan_job_searches_with_as_many_processes_as_the_routing_benchmarks(session, monkeypatch) -> None:
    """The route search in a job uses the worker count the routing benchmarks are measured with (2), so the
    published quality figures hold for the app; pin-fitting re-solves are small and stay single-process."""
    import inspect

    from routing.benchmark import solve_instance
    from routing.daybench import run_days

    benchmark_workers = inspect.signature(solve_instance).parameters["workers"].default
    assert benchmark_workers == inspect.signature(run_days).parameters["workers"].default
    assert solving.PLAN_SEARCH_WORKERS == benchmark_workers
    seen_workers: list[int] = []
    real_solve = solving.routing.solve

    def recording_solve(problem, params, **kwargs):
        seen_workers.append(params.workers)
        return real_solve(problem, params, **kwargs)

    monkeypatch.setattr(solving.routing, "solve", recording_solve)
    branch, _, _, _ = _day(session, orders=2)
    parameters = storing.plan_job_parameters(DAY, time(9), time(16), 1, SYSTEM, "/routes/?date=2026-12-01")
    job_id = submit_job(session, branch_id=branch.id, kind=storing.PLAN_JOB_KIND, parameters=parameters, user_id=None)
    run_job(sessionmaker(bind=db.engine), job_id)
    assert get_job(session, job_id, branch.id).status is JobStatus.SUCCEEDED
    assert seen_workers == [benchmark_workers]
