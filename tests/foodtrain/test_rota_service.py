"""The rota service: published teams per day, generation, edits, publishing and repair."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

import rota as rota_library
from foodtrain.extensions import db
from foodtrain.jobs import get_job, run_job, submit_job
from foodtrain.models import (
    DayPart,
    JobStatus,
    PartOfDay,
    PartnerPreferenceKind,
    Rota,
    RotaAssignment,
    RotaChange,
    RotaChangeKind,
    RotaRole,
    RotaSlot,
    RotaStatus,
    SlotKind,
    VolunteerAbsence,
    VolunteerAvailability,
    VolunteerPartnerPreference,
    VolunteerRole,
)
from foodtrain.services.audit import SYSTEM
from foodtrain.services import rota as rota_service
from foodtrain.services.errors import NotFoundError, ValidationError
from foodtrain.services.rota import GENERATE_JOB_KIND, Seat, VanTeam, teams_for_date
from foodtrain.services.rota_problem import build_problem, library_assignments, slots_for_month
from tests.factories import make_branch, make_customer, make_shop, make_van, make_volunteer

DAY = date(2026, 12, 1)


def _rota(session, branch, status=RotaStatus.PUBLISHED, month=date(2026, 12, 1)) -> Rota:
    rota = Rota(
        branch_id=branch.id,
        month=month,
        status=status,
        published_month=month if status is RotaStatus.PUBLISHED else None,
    )
    session.add(rota)
    session.flush()
    return rota


def _delivery(session, rota, van, day=DAY, driver=None, mate=None) -> RotaSlot:
    slot = RotaSlot(
        rota_id=rota.id,
        key=f"d-{day}-{van.id}",
        date=day,
        part_of_day=PartOfDay.WHOLE_DAY,
        kind=SlotKind.DELIVERY,
        van_id=van.id,
        resource=van.name,
        seats=2,
    )
    session.add(slot)
    session.flush()
    if driver is not None:
        session.add(RotaAssignment(slot_id=slot.id, role=RotaRole.DRIVER, volunteer_id=driver.id))
    if mate is not None:
        session.add(RotaAssignment(slot_id=slot.id, role=RotaRole.MATE, volunteer_id=mate.id))
    session.flush()
    return slot


def test_teams_for_date_lists_published_teams_per_van(session) -> None:
    """Each delivery slot of the published rota on that day gives one VanTeam with driver and mate ids and names."""
    branch = make_branch(session)
    van_b, van_a = make_van(session, branch, name="Van B"), make_van(session, branch, name="Van A")
    driver = make_volunteer(session, branch, first_name="Dora", last_name="Driver")
    mate = make_volunteer(session, branch, (VolunteerRole.DELIVERY_MATE,), first_name="Mo", last_name="Mate")
    rota = _rota(session, branch)
    _delivery(session, rota, van_b, driver=driver, mate=mate)
    _delivery(session, rota, van_a)
    _delivery(session, rota, van_a, day=date(2026, 12, 2), driver=driver)
    session.commit()

    teams = teams_for_date(session, branch.id, DAY)

    assert teams == [
        VanTeam(van_a.id, "Van A", None, "", None, ""),
        VanTeam(van_b.id, "Van B", driver.id, "Dora Driver", mate.id, "Mo Mate"),
    ]


def test_teams_for_date_ignores_drafts_other_branches_and_other_kinds(session) -> None:
    """Only the published rota of the asked branch counts; drafts, shopping slots and other days give nothing."""
    branch, other = make_branch(session), make_branch(session)
    van, other_van = make_van(session, branch), make_van(session, other)
    driver = make_volunteer(session, branch)
    draft = _rota(session, branch, status=RotaStatus.DRAFT)
    _delivery(session, draft, van, driver=driver)
    other_rota = _rota(session, other)
    _delivery(session, other_rota, other_van)
    published = _rota(session, branch, month=date(2027, 1, 1))
    session.add(
        RotaSlot(
            rota_id=published.id,
            key="s1",
            date=date(2027, 1, 5),
            part_of_day=PartOfDay.MORNING,
            kind=SlotKind.SHOPPING,
            shop_id=make_shop(session, branch).id,
            resource="shop",
            seats=1,
        )
    )
    session.commit()

    assert teams_for_date(session, branch.id, DAY) == []
    assert teams_for_date(session, branch.id, date(2027, 1, 5)) == []
    assert [team.van_id for team in teams_for_date(session, other.id, DAY)] == [other_van.id]


def test_at_most_one_published_rota_per_branch_month(session) -> None:
    """The database refuses a second published rota for the same branch and month; drafts may be many."""
    branch = make_branch(session)
    _rota(session, branch, status=RotaStatus.DRAFT)
    _rota(session, branch, status=RotaStatus.DRAFT)
    _rota(session, branch)
    session.commit()
    with pytest.raises(IntegrityError):
        _rota(session, branch)
    session.rollback()


# ---------------------------------------------------------------- a small branch, generated end to end

TUESDAY = 1


def _available(volunteer, weekdays=(0, 1, 2, 3, 4), preferred=()) -> None:
    volunteer.availability = []
    db.session.flush()
    volunteer.availability = [
        VolunteerAvailability(weekday=d, day_part=part, preferred=d in preferred)
        for d in weekdays
        for part in (DayPart.MORNING, DayPart.AFTERNOON)
    ]


def _small_branch(session):
    """One van and one shop, customers on Tuesdays, enough volunteers for every seat."""
    branch = make_branch(session, code="SB")
    van = make_van(session, branch, name="Van 1")
    shop = make_shop(session, branch, name="Corner Shop")
    make_customer(session, branch, shop, delivery_weekday=TUESDAY)
    people = {}
    for name, roles, extra in (
        ("Dora", (VolunteerRole.DRIVER, VolunteerRole.DELIVERY_MATE), {"van_driving_approved": True}),
        ("Dan", (VolunteerRole.DRIVER, VolunteerRole.DELIVERY_MATE), {"van_driving_approved": True}),
        ("Mo", (VolunteerRole.DELIVERY_MATE,), {}),
        ("Mae", (VolunteerRole.DELIVERY_MATE,), {}),
        ("Sid", (VolunteerRole.SHOPPER,), {}),
        ("Sal", (VolunteerRole.SHOPPER,), {}),
        ("Olive", (VolunteerRole.OFFICE,), {"max_shifts_per_week": 5, "shifts_per_month": 20}),
        ("Otto", (VolunteerRole.OFFICE,), {"max_shifts_per_week": 5, "shifts_per_month": 20}),
        ("Uli", (VolunteerRole.DRIVER,), {"van_driving_approved": False}),
    ):
        volunteer = make_volunteer(session, branch, roles, first_name=name, last_name="Test", **extra)
        _available(volunteer)
        people[name] = volunteer
    session.commit()
    return branch, van, shop, people


def _generate(session, branch, month="2026-12", time_limit_s=1) -> int:
    job_id = submit_job(
        session,
        branch_id=branch.id,
        kind=GENERATE_JOB_KIND,
        user_id=None,
        parameters={"month": month, "time_limit_s": time_limit_s, "result_url": "/rota/ROTA_ID"},
    )
    run_job(sessionmaker(bind=db.engine), job_id)
    job = get_job(session, job_id, branch.id)
    assert job.status is JobStatus.SUCCEEDED, job.error_message
    assert job.result["url"] == f"/rota/{job.result['rota_id']}"
    assert {"best_objective", "bound", "elapsed_s"} <= set(job.progress)
    # the solver's own words on how it ended, per branch, and where the rota came from
    assert job.result["status"] in job.result["status_by_branch"].values()
    assert job.result["status_summary"] and job.result["source"] in ("cp-sat", "greedy", "most-seats")
    return int(job.result["rota_id"])


def test_slots_follow_the_branch_data(session) -> None:
    """Delivery teams per active van and shoppers per active shop on customers' delivery weekdays,
    list collection on Mondays, office cover every weekday morning; inactive vans and shops give none."""
    branch, van, shop, _ = _small_branch(session)
    make_van(session, branch, name="Old van", active=False)
    make_shop(session, branch, name="Closed shop", active=False)
    specs = slots_for_month(session, branch.id, date(2026, 12, 1))
    deliveries = [s for s in specs if s.kind is SlotKind.DELIVERY]
    assert {s.date.weekday() for s in deliveries} == {TUESDAY} and len(deliveries) == 5  # five Tuesdays
    assert all(s.van_id == van.id and s.seats == 2 for s in deliveries)
    shopping = [s for s in specs if s.kind is SlotKind.SHOPPING]
    assert [s.date for s in shopping] == [s.date for s in deliveries] and {s.shop_id for s in shopping} == {shop.id}
    assert {s.date.weekday() for s in specs if s.kind is SlotKind.LIST_COLLECTION} == {0}
    office = [s for s in specs if s.kind is SlotKind.OFFICE]
    # 23 weekdays less the public holidays: Christmas Day (25th) and the Boxing Day substitute (28th).
    assert len(office) == 21 and all(s.part_of_day is PartOfDay.MORNING for s in office)
    assert not {date(2026, 12, 25), date(2026, 12, 28)} & {s.date for s in specs}


def test_problem_maps_volunteer_rules(session) -> None:
    """Roles, approval, PVG, absences, partners and preferred days reach the library unchanged in meaning."""
    branch, _, _, people = _small_branch(session)
    dora, mo, uli = people["Dora"], people["Mo"], people["Uli"]
    dora.absences = [VolunteerAbsence(start_date=date(2026, 12, 8), end_date=date(2026, 12, 9), reason="Holiday")]
    _available(mo, weekdays=(1,), preferred=(1,))
    session.add(VolunteerPartnerPreference(volunteer_id=dora.id, partner_id=mo.id, kind=PartnerPreferenceKind.NEVER))
    session.commit()
    problem = build_problem(session, branch.id, date(2026, 12, 1)).problem
    by_id = {v.id: v for v in problem.volunteers}
    d, m, u = by_id[f"v{dora.id}"], by_id[f"v{mo.id}"], by_id[f"v{uli.id}"]
    assert {"driver", "delivery_mate", "list_collector"} <= d.roles and d.driver_approved
    assert d.dates_away == frozenset({date(2026, 12, 8), date(2026, 12, 9)}) and f"v{mo.id}" in d.never_partners
    assert m.availability == frozenset({(1, "morning"), (1, "afternoon")}) and m.preferred_weekdays == frozenset({1})
    assert not u.driver_approved and d.pvg_status == "cleared"


def test_generation_job_stores_a_valid_draft(session) -> None:
    """The background job stores a draft whose assignments pass the library's independent checker."""
    branch, _, _, _ = _small_branch(session)
    rota_id = _generate(session, branch)
    stored = session.get(Rota, rota_id)
    assert stored.status is RotaStatus.DRAFT and stored.published_month is None
    assert stored.solver_status in ("optimal", "feasible")
    problem = build_problem(session, branch.id, stored.month, stored.slots).problem
    assignments = library_assignments(stored)
    assert assignments and rota_library.check(problem, assignments) == []
    deliveries = [s for s in stored.slots if s.kind is SlotKind.DELIVERY]
    # a full team of two in every van, and perhaps a trainee shadowing beside it (never one of the team)
    assert all(
        {a.role for a in s.assignments} - {RotaRole.SHADOW} == {RotaRole.DRIVER, RotaRole.MATE} for s in deliveries
    )
    assert teams_for_date(session, branch.id, deliveries[0].date) == []  # a draft is not the published rota


def test_unfilled_slots_carry_the_reason(session) -> None:
    """With no approved driver free, delivery slots stay empty and say why in words."""
    branch, _, _, people = _small_branch(session)
    for name in ("Dora", "Dan"):
        people[name].van_driving_approved = False
    session.commit()
    rota_id = _generate(session, branch)
    view = rota_service.get_rota(session, branch.id, rota_id)
    unfilled = [s for s in view.unfilled_slots if s.kind is SlotKind.DELIVERY]
    assert len(unfilled) == 5
    assert all(
        "driver" in s.unfilled_reason and "v" + str(people["Dora"].id) not in s.unfilled_reason for s in unfilled
    )


def _published(session, branch) -> Rota:
    rota_id = _generate(session, branch)
    stored = session.get(Rota, rota_id)
    assert rota_service.publish_rota(session, branch.id, rota_id, expected_version=stored.version, actor=SYSTEM)
    return session.get(Rota, rota_id)


def test_publish_makes_teams_visible_and_replaces_the_old_one(session) -> None:
    """Publishing sets the month's published rota; publishing another draft replaces it; a repeat is a no-op."""
    branch, van, _, _ = _small_branch(session)
    first = _published(session, branch)
    tuesday = date(2026, 12, 1)
    teams = teams_for_date(session, branch.id, tuesday)
    assert [t.van_id for t in teams] == [van.id] and teams[0].driver_volunteer_id is not None
    assert not rota_service.publish_rota(session, branch.id, first.id, expected_version=first.version, actor=SYSTEM)
    second_id = _generate(session, branch)
    second = session.get(Rota, second_id)
    rota_service.publish_rota(session, branch.id, second_id, expected_version=second.version, actor=SYSTEM)
    assert session.get(Rota, first.id).status is RotaStatus.REPLACED
    assert rota_service.published_rota_id(session, branch.id, tuesday) == second_id


def test_publish_with_stale_version_is_refused(session) -> None:
    """A form loaded before someone else changed the rota gets the 'changed meanwhile' message."""
    branch, _, _, _ = _small_branch(session)
    rota_id = _generate(session, branch)
    with pytest.raises(ValidationError) as caught:
        rota_service.publish_rota(session, branch.id, rota_id, expected_version=99, actor=SYSTEM)
    assert "changed by someone else" in caught.value.field_errors["version"]


def _delivery_slot(stored: Rota) -> RotaSlot:
    return next(s for s in stored.slots if s.kind is SlotKind.DELIVERY and len(s.assignments) == 2)


def test_edit_that_breaks_a_rule_is_refused_with_the_rule_named(session) -> None:
    """Putting an unapproved driver in the driver seat names the approval rule and changes nothing."""
    branch, _, _, people = _small_branch(session)
    stored = session.get(Rota, _generate(session, branch))
    slot = _delivery_slot(stored)
    mate = next(a.volunteer_id for a in slot.assignments if a.role is RotaRole.MATE)
    with pytest.raises(ValidationError) as caught:
        rota_service.update_slot(
            session,
            branch.id,
            stored.id,
            slot.id,
            [Seat(RotaRole.DRIVER, people["Uli"].id), Seat(RotaRole.MATE, mate)],
            expected_version=stored.version,
            actor=SYSTEM,
        )
    message = caught.value.field_errors["__all__"]
    assert "approved to drive" in message and "Uli Test" in message
    session.rollback()
    assert session.scalar(select(RotaChange.id)) is None


def test_edit_that_leaves_half_a_team_is_refused(session) -> None:
    """Removing only the delivery mate breaks the two-person team rule."""
    branch, _, _, _ = _small_branch(session)
    stored = session.get(Rota, _generate(session, branch))
    slot = _delivery_slot(stored)
    driver = next(a.volunteer_id for a in slot.assignments if a.role is RotaRole.DRIVER)
    with pytest.raises(ValidationError) as caught:
        rota_service.update_slot(
            session,
            branch.id,
            stored.id,
            slot.id,
            [Seat(RotaRole.DRIVER, driver), Seat(RotaRole.MATE, None)],
            expected_version=stored.version,
            actor=SYSTEM,
        )
    assert "team of two" in caught.value.field_errors["__all__"]


def test_valid_edit_is_saved_logged_and_repeatable(session) -> None:
    """Emptying a whole team is allowed, logged before -> after, and the same request again changes nothing."""
    branch, _, _, _ = _small_branch(session)
    stored = session.get(Rota, _generate(session, branch))
    slot = _delivery_slot(stored)
    version, slot_id = stored.version, slot.id
    empty = [Seat(RotaRole.DRIVER, None), Seat(RotaRole.MATE, None)]
    assert (
        rota_service.update_slot(session, branch.id, stored.id, slot_id, empty, expected_version=version, actor=SYSTEM)
        == 2
    )
    assert (
        rota_service.update_slot(session, branch.id, stored.id, slot_id, empty, expected_version=version, actor=SYSTEM)
        == 0
    )
    changes = session.scalars(select(RotaChange)).all()
    assert len(changes) == 2 and all(c.kind is RotaChangeKind.EDIT and c.new_volunteer_id is None for c in changes)
    assert session.get(RotaSlot, slot_id).assignments == []
    assert session.get(RotaSlot, slot_id).unfilled_reason  # the empty slot now says why it is empty


def test_swap_exchanges_two_people_when_allowed(session) -> None:
    """Swapping the office volunteers of two mornings puts each in the other's seat."""
    branch, _, _, _ = _small_branch(session)
    stored = session.get(Rota, _generate(session, branch))
    office = [s for s in stored.slots if s.kind is SlotKind.OFFICE and s.assignments]
    first, second = next(
        (a, b)
        for a in office
        for b in office
        if a.assignments[0].volunteer_id != b.assignments[0].volunteer_id
        and a.date.isocalendar()[:2] == b.date.isocalendar()[:2]
    )
    one, two = first.assignments[0].volunteer_id, second.assignments[0].volunteer_id
    rota_service.swap_assignments(
        session,
        branch.id,
        stored.id,
        first.assignments[0].id,
        second.assignments[0].id,
        expected_version=stored.version,
        actor=SYSTEM,
    )
    assert [a.volunteer_id for a in session.get(RotaSlot, first.id).assignments] == [two]
    assert [a.volunteer_id for a in session.get(RotaSlot, second.id).assignments] == [one]


def test_repair_replaces_the_dropped_volunteer_and_logs_it(session) -> None:
    """After a drop-out the volunteer has no shift from that date, earlier shifts stay, changes are logged."""
    branch, _, _, _ = _small_branch(session)
    stored = _published(session, branch)
    from_date = date(2026, 12, 10)
    counts: dict[int, int] = {}
    for slot in stored.slots:
        for a in slot.assignments:
            if slot.date >= from_date:
                counts[a.volunteer_id] = counts.get(a.volunteer_id, 0) + 1
    dropped = max(counts, key=counts.__getitem__)
    before_early = {(s.id, a.volunteer_id) for s in stored.slots if s.date < from_date for a in s.assignments}
    outcome = rota_service.repair_after_dropout(
        session, branch.id, stored.id, dropped, from_date, expected_version=stored.version, actor=SYSTEM, time_limit_s=2
    )
    assert outcome.changes and all(c.kind is RotaChangeKind.REPAIR for c in outcome.changes)
    after = session.get(Rota, stored.id)
    assert not [a for s in after.slots if s.date >= from_date for a in s.assignments if a.volunteer_id == dropped]
    assert {(s.id, a.volunteer_id) for s in after.slots if s.date < from_date for a in s.assignments} == before_early
    assert len(after.changes) == len(outcome.changes)
    problem = build_problem(session, branch.id, after.month, after.slots).problem
    assert rota_library.check(problem, library_assignments(after)) == []


def test_repair_seats_nobody_in_a_shift_that_is_off(session) -> None:
    """After publishing, the van goes out of service on one Tuesday and the branch closes on another: the drop-out's
    seats on those days are not re-staffed (nobody goes out in an out-of-service van or on a closed day), as
    generation makes no slot for them; their seats on working days are."""
    from foodtrain.services.closures import set_day
    from foodtrain.services.service_breaks import take_van_out

    branch, van, _, _ = _small_branch(session)
    stored = _published(session, branch)
    van_out = date(2026, 12, 15)
    dropped = next(
        a.volunteer_id for s in stored.slots if s.van_id == van.id and s.date == van_out for a in s.assignments
    )
    their_days = sorted(
        {s.date for s in stored.slots if s.date > date(2026, 12, 2) for a in s.assignments if a.volunteer_id == dropped}
        - {van_out}
    )
    closed = their_days[-1]
    take_van_out(session, branch.id, van.id, van_out, van_out, "MOT", SYSTEM, date(2026, 12, 1))
    set_day(session, branch.id, closed, is_open=False, reason="Staff training", actor=SYSTEM)
    off_days = {van_out, closed}
    off_seats = {(s.id, a.role, a.volunteer_id) for s in stored.slots if s.date in off_days for a in s.assignments}
    outcome = rota_service.repair_after_dropout(
        session,
        branch.id,
        stored.id,
        dropped,
        date(2026, 12, 2),
        expected_version=stored.version,
        actor=SYSTEM,
        time_limit_s=2,
    )
    assert outcome.changes or len(their_days) == 1
    after = session.get(Rota, stored.id)
    assert {
        (s.id, a.role, a.volunteer_id) for s in after.slots if s.date in off_days for a in s.assignments
    } == off_seats
    assert not [
        a
        for s in after.slots
        if s.date > date(2026, 12, 2) and s.date not in off_days
        for a in s.assignments
        if a.volunteer_id == dropped
    ]


def test_a_repair_is_a_new_version_of_the_rota_even_when_its_scores_come_out_the_same(session, monkeypatch) -> None:
    """Seats changed by a repair make a form read before it stale, as a hand edit does (errors.mark_new_version),
    also when the rota's scores and the search's status are what they were."""
    from sqlalchemy import update

    from foodtrain.services.rota import repair as repair_module

    branch, _, _, _ = _small_branch(session)
    stored = _published(session, branch)
    rota_id, version = stored.id, stored.version
    dropped = next(a.volunteer_id for s in stored.slots if s.date >= date(2026, 12, 10) for a in s.assignments)
    real_repair = repair_module.repair_library_rota

    def same_status(*args, **kwargs):
        outcome = real_repair(*args, **kwargs)
        session.execute(update(Rota).where(Rota.id == rota_id).values(solver_status=outcome.result.status))
        session.commit()  # as if the search had ended the same way when the rota was made
        return outcome

    monkeypatch.setattr(repair_module, "repair_library_rota", same_status)
    monkeypatch.setattr(repair_module, "refresh_scores", lambda *args: None)  # the scores come out the same
    version = session.scalar(select(Rota.version).where(Rota.id == rota_id))
    outcome = rota_service.repair_after_dropout(
        session,
        branch.id,
        rota_id,
        dropped,
        date(2026, 12, 10),
        expected_version=stored.version,
        actor=SYSTEM,
        time_limit_s=2,
    )
    assert outcome.changes
    session.expire_all()
    assert session.get(Rota, rota_id).version != version


def test_repair_validates_its_input(session) -> None:
    """A date outside the month or a volunteer of another branch gives field messages."""
    branch, _, _, _ = _small_branch(session)
    other = make_volunteer(session, make_branch(session))
    session.commit()
    stored = _published(session, branch)
    with pytest.raises(ValidationError) as caught:
        rota_service.repair_after_dropout(
            session, branch.id, stored.id, other.id, date(2027, 1, 5), expected_version=stored.version, actor=SYSTEM
        )
    assert set(caught.value.field_errors) == {"volunteer_id", "from_date"}


def test_another_branch_rota_is_not_found(session) -> None:
    """A rota of another branch answers NotFoundError for every read and write."""
    branch, _, _, _ = _small_branch(session)
    other = make_branch(session)
    session.commit()
    rota_id = _generate(session, branch)
    with pytest.raises(NotFoundError):
        rota_service.get_rota(session, other.id, rota_id)
    with pytest.raises(NotFoundError):
        rota_service.publish_rota(session, other.id, rota_id, expected_version=1, actor=SYSTEM)


def test_volunteer_rota_lists_published_shifts_with_partners(session) -> None:
    """A volunteer's own rota shows their published shifts with team-mates."""
    branch, _, _, people = _small_branch(session)
    stored = _published(session, branch)
    driver_id = _delivery_slot(stored).assignments[0].volunteer_id
    mine = rota_service.volunteer_rota(session, branch.id, driver_id, date(2026, 12, 1))
    assert mine.shifts and all(s.date.month == 12 for s in mine.shifts)
    delivery = next(s for s in mine.shifts if s.kind is SlotKind.DELIVERY)
    assert len(delivery.partners) == 1


def test_cancelled_generation_stores_nothing(session) -> None:
    """Cancel while the solver runs: the job ends cancelled within a second and no rota is stored."""
    import threading
    import time

    from foodtrain.jobs import request_cancel

    branch, _, _, _ = _small_branch(session)
    job_id = submit_job(
        session,
        branch_id=branch.id,
        kind=GENERATE_JOB_KIND,
        user_id=None,
        parameters={"month": "2026-12", "time_limit_s": 6, "result_url": "/rota/ROTA_ID"},
    )
    worker = threading.Thread(target=run_job, args=(sessionmaker(bind=db.engine), job_id))
    worker.start()
    deadline = time.monotonic() + 10
    while get_job(session, job_id, branch.id).progress.get("message", "").startswith("Searching") is False:
        session.rollback()
        assert time.monotonic() < deadline, "the job never started searching"
        time.sleep(0.05)
    session.rollback()
    request_cancel(session, job_id, branch.id)
    started = time.monotonic()
    worker.join(10)
    assert not worker.is_alive() and time.monotonic() - started < 3
    session.rollback()
    assert get_job(session, job_id, branch.id).status is JobStatus.CANCELLED
    assert session.scalar(select(Rota.id)) is None


def test_branch_without_volunteers_gets_an_empty_rota_with_reasons(session) -> None:
    """No volunteers at all: the job still succeeds, every slot is unfilled and says nobody has the role."""
    branch = make_branch(session)
    make_van(session, branch)
    make_customer(session, branch, delivery_weekday=TUESDAY)
    session.commit()
    rota_id = _generate(session, branch)
    view = rota_service.get_rota(session, branch.id, rota_id)
    assert view.seats_filled == 0 and view.unfilled_slots
    assert all("at all" in slot.unfilled_reason for slot in view.unfilled_slots)


def test_last_months_published_rota_is_the_history(session) -> None:
    """Generating January reads December's published assignments as history (fairness and stable rounds)."""
    branch, _, _, _ = _small_branch(session)
    december = _published(session, branch)
    count = sum(len(slot.assignments) for slot in december.slots)
    problem = build_problem(session, branch.id, date(2027, 1, 1)).problem
    assert len(problem.history.assignments) == count > 0
    assert {h.date.month for h in problem.history.assignments} == {12}


def test_a_trainee_shadows_and_a_hand_edit_keeps_or_takes_off_the_shadow(session) -> None:
    """A trainee still to shadow is stored in a van's shadow seat (role shadow), not as one of its team; a new
    experienced mate keeps the shadow, an emptied van takes the shadow off too (logged)."""
    branch, _, _, people = _small_branch(session)
    trainee = make_volunteer(
        session,
        branch,
        (VolunteerRole.DELIVERY_MATE,),
        first_name="Tia",
        last_name="Trainee",
        is_trainee=True,
        shadow_shifts_remaining=1,
        shifts_per_month=1,
    )  # no seat after it
    _available(trainee, weekdays=(1,))  # Tuesdays: the delivery day
    session.commit()
    stored = session.get(Rota, _generate(session, branch))
    problem = build_problem(session, branch.id, stored.month, stored.slots).problem
    assert rota_library.check(problem, library_assignments(stored)) == []
    slot = next(s for s in stored.slots if any(a.role is RotaRole.SHADOW for a in s.assignments))
    assert slot.kind is SlotKind.DELIVERY and {
        a.volunteer_id for a in slot.assignments if a.role is RotaRole.SHADOW
    } == {trainee.id}
    driver = next(a.volunteer_id for a in slot.assignments if a.role is RotaRole.DRIVER)
    mate = next(a.volunteer_id for a in slot.assignments if a.role is RotaRole.MATE)
    busy = {a.volunteer_id for s in stored.slots if s.date == slot.date for a in s.assignments}
    other = next(p.id for name, p in people.items() if name in ("Mo", "Mae", "Dan", "Dora") and p.id not in busy)
    slot_id = slot.id
    rota_service.update_slot(
        session,
        branch.id,
        stored.id,
        slot_id,
        [Seat(RotaRole.DRIVER, driver), Seat(RotaRole.MATE, other)],
        expected_version=stored.version,
        actor=SYSTEM,
    )
    assert {(a.role, a.volunteer_id) for a in session.get(RotaSlot, slot_id).assignments} == {
        (RotaRole.DRIVER, driver),
        (RotaRole.MATE, other),
        (RotaRole.SHADOW, trainee.id),
    }
    assert mate != other
    stored = session.get(Rota, stored.id)
    rota_service.update_slot(
        session,
        branch.id,
        stored.id,
        slot_id,
        [Seat(RotaRole.DRIVER, None), Seat(RotaRole.MATE, None)],
        expected_version=stored.version,
        actor=SYSTEM,
    )
    assert session.get(RotaSlot, slot_id).assignments == []
    assert (
        session.scalar(
            select(RotaChange.id).where(RotaChange.role == RotaRole.SHADOW, RotaChange.old_volunteer_id == trainee.id)
        )
        is not None
    )


def test_staffing_summary_says_complete_or_which_seats_are_empty_and_why(session) -> None:
    """The rota page's summary per branch: "complete", or the empty seats by role and the commonest reasons, in
    the coordinator's words (no solver terms)."""
    branch, _, _, people = _small_branch(session)
    for name in ("Dora", "Dan"):
        people[name].van_driving_approved = False
    session.commit()
    view = rota_service.get_rota(session, branch.id, _generate(session, branch))
    staffing = view.staffing
    assert not staffing.complete and staffing.empty_seats >= 5
    assert ("Driver", 5) in staffing.empty_by_role
    assert staffing.sentence.startswith(f"{branch.name}: {staffing.empty_seats} seats empty (")
    assert staffing.reasons and all(slots >= 1 and ": " not in reason[:12] for reason, slots in staffing.reasons)
    words = " ".join([staffing.sentence, staffing.search, *(reason for reason, _ in staffing.reasons)]).lower()
    assert not {"penalty", "bound", "feasible", "objective", "infeasible"} & set(words.replace(",", " ").split())
    full = rota_service.views.StaffingSummary(branch.name, "the best possible", 0, (), ())
    assert full.complete and full.sentence == f"{branch.name}: complete, every seat is filled."


def test_coordinator_sets_and_clears_the_shadow_seat_with_the_solvers_rules(session) -> None:
    """The shadow seat of a slot is set or cleared by hand (a logged change), checked by the library's checker
    like the solver's answer: only a trainee still to shadow, beside a full experienced team, within the
    shadow shifts they still need."""
    branch, _, _, people = _small_branch(session)
    trainee = make_volunteer(
        session,
        branch,
        (VolunteerRole.DELIVERY_MATE,),
        first_name="Tia",
        last_name="Trainee",
        is_trainee=True,
        shadow_shifts_remaining=1,
        shifts_per_month=1,
    )
    _available(trainee, weekdays=(1,))
    session.commit()
    stored = session.get(Rota, _generate(session, branch))
    vans = sorted((s for s in stored.slots if s.kind is SlotKind.DELIVERY), key=lambda s: s.date)
    shadowed = next(s for s in vans if any(a.role is RotaRole.SHADOW for a in s.assignments))
    target = next(
        s for s in vans if s.id != shadowed.id and {a.role for a in s.assignments} == {RotaRole.DRIVER, RotaRole.MATE}
    )

    def team(slot):
        return [Seat(a.role, a.volunteer_id) for a in slot.assignments if a.role is not RotaRole.SHADOW]

    def edit(slot_id, seats):
        version = session.get(Rota, stored.id).version
        return rota_service.update_slot(
            session, branch.id, stored.id, slot_id, seats, expected_version=version, actor=SYSTEM
        )

    editor = rota_service.get_slot_editor(session, branch.id, stored.id, target.id)
    assert [c.id for c in editor.choices[RotaRole.SHADOW]] == [trainee.id]
    # a second shadow shift is more than Tia still needs: refused, with the rule
    with pytest.raises(ValidationError) as caught:
        edit(target.id, [*team(target), Seat(RotaRole.SHADOW, trainee.id)])
    assert "no more shadow shifts than the trainee still needs" in caught.value.field_errors["__all__"]
    assert edit(shadowed.id, [*team(shadowed), Seat(RotaRole.SHADOW, None)]) == 1  # cleared
    assert edit(target.id, [*team(target), Seat(RotaRole.SHADOW, trainee.id)]) == 1  # set elsewhere
    assert {a.volunteer_id for a in session.get(RotaSlot, target.id).assignments if a.role is RotaRole.SHADOW} == {
        trainee.id
    }
    logged = session.scalars(select(RotaChange).where(RotaChange.role == RotaRole.SHADOW)).all()
    assert {(c.old_volunteer_id, c.new_volunteer_id) for c in logged} == {(trainee.id, None), (None, trainee.id)}
    # an experienced volunteer is no trainee to shadow
    busy = {a.volunteer_id for s in stored.slots if s.date == shadowed.date for a in s.assignments}
    mate = next(p.id for name, p in people.items() if name in ("Mo", "Mae") and p.id not in busy)
    with pytest.raises(ValidationError) as caught:
        edit(shadowed.id, [*team(shadowed), Seat(RotaRole.SHADOW, mate)])
    assert "only a trainee with shadow shifts still to do shadows" in caught.value.field_errors["__all__"]
