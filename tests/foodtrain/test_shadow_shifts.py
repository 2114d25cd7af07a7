"""Shadow shifts done: a trainee's shadow seats on published rotas count down once each, after their day."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from foodtrain.models import (
    AuditEvent,
    PartOfDay,
    Rota,
    RotaAssignment,
    RotaRole,
    RotaSlot,
    RotaStatus,
    ShadowShift,
    SlotKind,
    VolunteerRole,
)
from foodtrain.services.audit import Actor
from foodtrain.services.errors import ValidationError
from foodtrain.services.rota.shadow import count_shadow_shifts_done, mark_shadow_shift_missed
from foodtrain.services.rota_problem import build_problem, volunteer_key
from tests.factories import make_branch, make_van, make_volunteer

COORDINATOR = Actor(user_id=None, username="coordinator-test")
DEC_1, DEC_8, DEC_15 = date(2026, 12, 1), date(2026, 12, 8), date(2026, 12, 15)


def _published_rota(session, branch, van, trainee, days, status=RotaStatus.PUBLISHED, published_at=None):
    """A rota of December with a van slot on each of ``days`` and the trainee shadowing in it."""
    published = status is RotaStatus.PUBLISHED
    rota = Rota(
        branch_id=branch.id,
        month=date(2026, 12, 1),
        status=status,
        published_month=date(2026, 12, 1) if published else None,
        published_at=(published_at or datetime(2026, 11, 20, 10)) if published else None,
    )
    session.add(rota)
    session.flush()
    slots = []
    for day in days:
        slot = RotaSlot(
            rota_id=rota.id,
            key=f"van{van.id}-{day:%m%d}",
            date=day,
            part_of_day=PartOfDay.WHOLE_DAY,
            kind=SlotKind.DELIVERY,
            van_id=van.id,
            resource=van.name,
            seats=2,
        )
        session.add(slot)
        session.flush()
        session.add(RotaAssignment(slot_id=slot.id, role=RotaRole.SHADOW, volunteer_id=trainee.id))
        slots.append(slot)
    session.commit()
    return rota, slots


def _setting(session):
    branch = make_branch(session)
    van = make_van(session, branch)
    trainee = make_volunteer(
        session, branch, (VolunteerRole.DELIVERY_MATE,), is_trainee=True, shadow_shifts_remaining=3
    )
    session.commit()
    return branch, van, trainee


def _events(session, action: str) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)))


def test_a_past_shadow_shift_counts_once(session) -> None:
    """Only days before today count; counting again (any number of times) changes nothing; each count is logged."""
    branch, van, trainee = _setting(session)
    _published_rota(session, branch, van, trainee, [DEC_1, DEC_8])

    assert count_shadow_shifts_done(session, branch.id, date(2026, 12, 8)) == 1  # the 8th is today: not yet
    assert count_shadow_shifts_done(session, branch.id, date(2026, 12, 8)) == 0
    assert trainee.shadow_shifts_remaining == 2
    assert count_shadow_shifts_done(session, branch.id, date(2026, 12, 9)) == 1
    assert count_shadow_shifts_done(session, branch.id, date(2026, 12, 20)) == 0
    session.refresh(trainee)
    assert trainee.shadow_shifts_remaining == 1
    assert _events(session, "rota.shadow_shift_done") == 2


def test_drafts_and_republishing_do_not_count_again(session) -> None:
    """A draft counts nothing; a newer published rota with the same day (the old one replaced) keeps it counted."""
    branch, van, trainee = _setting(session)
    _published_rota(session, branch, van, trainee, [DEC_1], status=RotaStatus.DRAFT)
    assert count_shadow_shifts_done(session, branch.id, DEC_15) == 0
    first, _ = _published_rota(session, branch, van, trainee, [DEC_1])
    assert count_shadow_shifts_done(session, branch.id, DEC_15) == 1
    first.status, first.published_month = RotaStatus.REPLACED, None
    session.flush()
    second, _ = _published_rota(session, branch, van, trainee, [DEC_1, DEC_8])
    assert count_shadow_shifts_done(session, branch.id, DEC_15) == 1  # only the 8th is new
    session.refresh(trainee)
    assert trainee.shadow_shifts_remaining == 1
    assert session.scalar(select(func.count()).select_from(ShadowShift)) == 2
    # republished on the 16th with the trainee on the 15th as well: a rota published after a day is no record
    # of who came that day
    second.status, second.published_month = RotaStatus.REPLACED, None
    session.flush()
    _published_rota(session, branch, van, trainee, [DEC_1, DEC_8, DEC_15], published_at=datetime(2026, 12, 16, 9))
    assert count_shadow_shifts_done(session, branch.id, date(2026, 12, 20)) == 0


def test_a_missed_shift_does_not_count_or_is_given_back(session) -> None:
    """Marked missed after counting: given back; before counting: never counted; unmarked: counted again."""
    branch, van, trainee = _setting(session)
    rota, (first, second) = _published_rota(session, branch, van, trainee, [DEC_1, DEC_8])
    count_shadow_shifts_done(session, branch.id, date(2026, 12, 2))
    session.refresh(trainee)
    assert trainee.shadow_shifts_remaining == 2

    assert mark_shadow_shift_missed(session, branch.id, rota.id, first.id, missed=True, today=DEC_8, actor=COORDINATOR)
    assert not mark_shadow_shift_missed(
        session, branch.id, rota.id, first.id, missed=True, today=DEC_8, actor=COORDINATOR
    )  # a double click
    session.refresh(trainee)
    assert trainee.shadow_shifts_remaining == 3
    # the 8th, marked missed on the day, never counts
    mark_shadow_shift_missed(session, branch.id, rota.id, second.id, missed=True, today=DEC_8, actor=COORDINATOR)
    assert count_shadow_shifts_done(session, branch.id, DEC_15) == 0
    session.refresh(trainee)
    assert trainee.shadow_shifts_remaining == 3
    # they came after all on the 1st: it counts again
    mark_shadow_shift_missed(session, branch.id, rota.id, first.id, missed=False, today=DEC_15, actor=COORDINATOR)
    session.refresh(trainee)
    assert trainee.shadow_shifts_remaining == 2
    logged = session.scalars(select(AuditEvent).where(AuditEvent.action.like("rota.shadow_shift_%missed"))).all()
    assert [e.username for e in logged] == ["coordinator-test"] * 3


def test_a_future_shift_cannot_be_missed(session) -> None:
    """Only a shift whose day has come can be marked missed, with a clear message."""
    branch, van, trainee = _setting(session)
    rota, (slot,) = _published_rota(session, branch, van, trainee, [DEC_15])
    with pytest.raises(ValidationError) as caught:
        mark_shadow_shift_missed(session, branch.id, rota.id, slot.id, missed=True, today=DEC_8, actor=COORDINATOR)
    assert "has happened" in caught.value.field_errors["__all__"]


def test_at_zero_the_trainee_may_take_a_seat_next_month(session) -> None:
    """The library sees the shadow shifts still needed at the start of a rota's month: this month's counted
    shifts still count for December (its rota stays valid), none are needed for January."""
    branch, van, trainee = _setting(session)
    trainee.shadow_shifts_remaining = 2
    _published_rota(session, branch, van, trainee, [DEC_1, DEC_8])
    count_shadow_shifts_done(session, branch.id, DEC_15)
    session.refresh(trainee)
    assert trainee.shadow_shifts_remaining == 0

    def needed(month: date) -> int:
        problem = build_problem(session, branch.id, month).problem
        return next(v.shadow_shifts_needed for v in problem.volunteers if v.id == volunteer_key(trainee.id))

    assert needed(date(2026, 12, 1)) == 2
    assert needed(date(2027, 1, 1)) == 0


def test_nightly_command_counts_every_branch(app, session) -> None:
    """`foodtrain count-shadow-shifts` counts each branch's past shadow shifts, and nothing on a second run."""
    branch, van, trainee = _setting(session)
    rota, _ = _published_rota(session, branch, van, trainee, [DEC_1])
    rota.month = rota.published_month = date(2020, 1, 1)  # long past, whatever day the tests run
    rota.published_at = datetime(2019, 12, 20, 10)
    rota.slots[0].date = date(2020, 1, 7)
    session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["count-shadow-shifts"])
    assert first.exit_code == 0 and f"{branch.code}: 1 shadow shifts counted" in first.output
    assert f"{branch.code}: 0 shadow shifts counted" in runner.invoke(args=["count-shadow-shifts"]).output
    session.refresh(trainee)
    assert trainee.shadow_shifts_remaining == 2
