"""Shadow shifts done: the one place where a trainee's shadow shifts on published rotas count down.

The rule: a trainee in the shadow seat of a slot of the branch's PUBLISHED rota, on a day before the
branch's today, has done one shadow shift, if that rota was published by that day (a rota drawn up or
republished later is no record of who came on its past days). It counts once per trainee and day (a
ShadowShift row; the unique key makes a second count impossible), whatever happens to the rota later:
republishing the month, a repair or a hand edit keep a counted day counted. A coordinator who marks the shift missed (they did not
come) gives it back, or stops it counting. Every count and give-back is in the audit log (by "system" for the
automatic count). When the count reaches 0 the trainee may take a seat of their own from the next rota on
(rota_problem gives the library the shadow shifts still needed at the start of the rota's month).

Callers trigger the count before they show or use the number: the generation job, publishing, the volunteer
pages and the command `flask rota count-shadow-shifts` (for a nightly run). Calling it again changes nothing.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from foodtrain.models import Rota, RotaAssignment, RotaRole, RotaSlot, RotaStatus, ShadowShift, Volunteer
from foodtrain.services.audit import SYSTEM, Actor, record_event
from foodtrain.services.errors import NotFoundError, ValidationError
from foodtrain.services.rota.store import load_rota, slot_label


def count_shadow_shifts_done(session: Session, branch_id: int, today: date) -> int:
    """Count every shadow shift of the branch's published rotas before ``today`` not yet counted or marked
    missed: one ShadowShift row each, one fewer shadow shift still to do (never below 0). Commits; returns
    how many were counted (0 when another request counted them at the same moment)."""
    rows = session.execute(
        select(RotaAssignment.volunteer_id, RotaSlot, Rota.published_at)
        .join(RotaSlot, RotaAssignment.slot_id == RotaSlot.id)
        .join(Rota, RotaSlot.rota_id == Rota.id)
        .where(
            Rota.branch_id == branch_id,
            Rota.status == RotaStatus.PUBLISHED,
            RotaAssignment.role == RotaRole.SHADOW,
            RotaSlot.date < today,
        )
        .where(
            ~exists().where(
                ShadowShift.volunteer_id == RotaAssignment.volunteer_id, ShadowShift.shift_date == RotaSlot.date
            )
        )
        .order_by(RotaSlot.date, RotaSlot.id)
    ).all()
    counted: set[tuple[int, date]] = set()
    for volunteer_id, slot, published_at in rows:
        if (volunteer_id, slot.date) in counted or published_at is None or published_at.date() > slot.date:
            continue
        counted.add((volunteer_id, slot.date))
        volunteer = session.get(Volunteer, volunteer_id)
        assert volunteer is not None
        session.add(ShadowShift(volunteer_id=volunteer_id, shift_date=slot.date, slot_label=slot_label(slot)))
        volunteer.shadow_shifts_remaining = max(0, volunteer.shadow_shifts_remaining - 1)
        record_event(
            session,
            actor=SYSTEM,
            action="rota.shadow_shift_done",
            entity_type="volunteer",
            entity_id=volunteer_id,
            branch_id=branch_id,
            detail=f"date={slot.date} slot={slot.key} remaining={volunteer.shadow_shifts_remaining}",
        )
    if not counted:
        return 0
    try:
        session.commit()
    except (IntegrityError, StaleDataError):  # counted meanwhile by another request: theirs stands
        session.rollback()
        return 0
    return len(counted)


def mark_shadow_shift_missed(
    session: Session, branch_id: int, rota_id: int, slot_id: int, *, missed: bool, today: date, actor: Actor
) -> bool:
    """The trainee shadowing on the slot did not come (``missed``), or did after all: a missed shift does not
    count (a counted one is given back); unmarked, it counts as done again. Returns False when nothing changes."""
    rota_row = load_rota(session, branch_id, rota_id)
    if rota_row.status is not RotaStatus.PUBLISHED:
        raise ValidationError({"__all__": "Only a shift of the published rota can be marked missed."})
    slot = next((s for s in rota_row.slots if s.id == slot_id), None)
    if slot is None:
        raise NotFoundError(f"No slot {slot_id} in this rota.")
    trainee_id = next((a.volunteer_id for a in slot.assignments if a.role is RotaRole.SHADOW), None)
    if trainee_id is None:
        raise ValidationError({"__all__": "Nobody is shadowing on this slot."})
    if slot.date > today:
        raise ValidationError({"__all__": "Only a shift that has happened can be marked missed."})
    volunteer = session.get(Volunteer, trainee_id)
    assert volunteer is not None
    row = session.scalar(
        select(ShadowShift).where(ShadowShift.volunteer_id == trainee_id, ShadowShift.shift_date == slot.date)
    )
    if missed:
        if row is not None and row.missed:
            return False
        if row is None:
            session.add(
                ShadowShift(volunteer_id=trainee_id, shift_date=slot.date, slot_label=slot_label(slot), missed=True)
            )
        else:
            row.missed = True
            volunteer.shadow_shifts_remaining += 1  # it was counted: give it back
    else:
        if row is None or not row.missed:
            return False
        session.delete(row)  # the count below counts it again (if the day has passed)
    record_event(
        session,
        actor=actor,
        action="rota.shadow_shift_missed" if missed else "rota.shadow_shift_not_missed",
        entity_type="volunteer",
        entity_id=trainee_id,
        branch_id=branch_id,
        detail=f"date={slot.date} slot={slot.key} remaining={volunteer.shadow_shifts_remaining}",
    )
    session.commit()
    count_shadow_shifts_done(session, branch_id, today)
    return True


def shadow_shift_missed(session: Session, volunteer_id: int, day: date) -> bool:
    """Whether the trainee's shadow shift on ``day`` is marked missed (for the slot's edit page)."""
    return bool(
        session.scalar(
            select(ShadowShift.missed).where(ShadowShift.volunteer_id == volunteer_id, ShadowShift.shift_date == day)
        )
    )
