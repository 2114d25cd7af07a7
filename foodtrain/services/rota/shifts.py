"""A volunteer's own shifts on the published rotas (for their page and calendar files; no customer data)."""

from __future__ import annotations


from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from foodtrain.models import PartOfDay, Rota, RotaAssignment, RotaRole, RotaSlot, RotaStatus, SlotKind, Volunteer
from foodtrain.services.closures import closed_notice
from foodtrain.services.errors import NotFoundError
from foodtrain.services.people import get_in_branch
from foodtrain.services.rota.labels import KIND_LABELS, PART_TIMES, ROLE_LABELS
from foodtrain.services.rota.store import plausible_id
from foodtrain.services.rota_problem import out_of_work


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
    closed_reason: str = ""  # why the branch does not work that day (closed after publishing): the shift is off
    off_reason: str = ""  # its van is out of service or its shop closed that day (after publishing): off too

    @property
    def cancelled(self) -> bool:
        return bool(self.closed_reason or self.off_reason)

    @property
    def cancelled_notice(self) -> str:
        """ "Branch closed: <reason>" for a shift on a day the branch closed, "The van is out of service that day"
        for one whose van or shop is out, else ""."""
        if self.closed_reason:
            return closed_notice(self.closed_reason)
        return self.off_reason[:1].upper() + self.off_reason[1:]

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
    shadow_shifts_to_do: int | None = None  # a trainee's shadow shifts still to do; None for everyone else


def volunteer_rota(session: Session, branch_id: int, volunteer_id: int, start: date, days: int = 62) -> VolunteerRota:
    """The volunteer's shifts on the branch's published rotas from ``start`` for ``days`` days."""
    if not plausible_id(volunteer_id):
        raise NotFoundError(f"No volunteer {volunteer_id} in this branch.")
    volunteer = get_in_branch(session, Volunteer, volunteer_id, branch_id)
    end = start + timedelta(days=days)
    rows = session.scalars(
        select(RotaAssignment)
        .join(RotaSlot, RotaAssignment.slot_id == RotaSlot.id)
        .join(Rota, RotaSlot.rota_id == Rota.id)
        .where(
            Rota.branch_id == branch_id,
            Rota.status == RotaStatus.PUBLISHED,
            RotaAssignment.volunteer_id == volunteer.id,
            RotaSlot.date >= start,
            RotaSlot.date < end,
        )
        .options(
            selectinload(RotaAssignment.slot).selectinload(RotaSlot.assignments).selectinload(RotaAssignment.volunteer),
            selectinload(RotaAssignment.slot).selectinload(RotaSlot.rota).selectinload(Rota.branch),
        )
    ).all()
    last = end - timedelta(days=1)
    out = out_of_work(session, branch_id, start, last)
    closed = out.closed_days
    shifts = []
    for assignment in rows:
        slot = assignment.slot
        partners = tuple(
            f"{a.volunteer.full_name} ({ROLE_LABELS[a.role].lower()})"
            for a in slot.assignments
            if a.volunteer_id != volunteer.id
        )
        shifts.append(
            Shift(
                slot.id,
                slot.date,
                slot.part_of_day,
                slot.kind,
                slot.resource,
                assignment.role,
                partners,
                slot.rota.branch.name,
                closed.get(slot.date, ""),
                out.slot_off_reason(slot),
            )
        )
    shifts.sort(key=lambda s: (s.date, s.start, s.slot_id))
    return VolunteerRota(
        volunteer.id,
        volunteer.full_name,
        tuple(shifts),
        volunteer.shadow_shifts_remaining if volunteer.is_trainee else None,
    )
