"""What the rota pages show: a month of slots with their seats, shadowing trainees, reasons for empty
seats and the changes made, and the list of a branch's rotas."""

from __future__ import annotations


import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from foodtrain.models import (
    PartOfDay,
    Rota,
    RotaAssignment,
    RotaChangeKind,
    RotaRole,
    RotaSlot,
    RotaStatus,
    SlotKind,
    Volunteer,
)
from foodtrain.services.closures import closed_notice
from foodtrain.services.people import in_branch
from foodtrain.wording import search_outcome
from foodtrain.services.rota.labels import KIND_LABELS, PART_LABELS, ROLE_LABELS
from foodtrain.services.rota.store import load_rota
from foodtrain.services.rota_problem import ROLES_FOR_KIND, OutOfWork, out_of_work


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
    off_reason: str = ""  # its van is out of service or its shop closed that day (after the rota was made)

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
    closed_reason: str = ""  # the branch does not work that day (closed after the rota was made): its slots are off

    @property
    def closed_notice(self) -> str:
        """ "Branch closed: <reason>" for a day the branch closed, else ""."""
        return closed_notice(self.closed_reason) if self.closed_reason else ""

    @property
    def slots(self) -> tuple[SlotView, ...]:
        return self.deliveries + self.collections + self.shopping + self.office

    @property
    def working_slots(self) -> tuple[SlotView, ...]:
        """The slots that are worked: none on a day the branch closed, none of a van or shop out that day."""
        return () if self.closed_reason else tuple(slot for slot in self.slots if not slot.off_reason)

    @property
    def unfilled(self) -> int:
        return sum(1 for slot in self.working_slots if not slot.filled)


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
class StaffingSummary:
    """The solve's outcome for one branch, as a coordinator says it: complete, or how many seats are empty, of
    which roles, and the commonest reasons (each reason once, with how many slots it stopped); no solver words."""

    branch_name: str
    search: str  # how good the search's answer is (foodtrain.wording.search_outcome)
    empty_seats: int
    empty_by_role: tuple[tuple[str, int], ...]  # ("Driver", 3): role label and empty seats
    reasons: tuple[tuple[str, int], ...]  # (reason, slots): at most MAX_REASONS, commonest first

    @property
    def complete(self) -> bool:
        return self.empty_seats == 0

    @property
    def sentence(self) -> str:
        if self.complete:
            return f"{self.branch_name}: complete, every seat is filled."
        roles = ", ".join(f"{count} {label.lower()}" for label, count in self.empty_by_role)
        seats = "seat" if self.empty_seats == 1 else "seats"
        return f"{self.branch_name}: {self.empty_seats} {seats} empty ({roles})."


MAX_REASONS = 3


def staffing_summary(view: RotaView) -> StaffingSummary:
    """Empty seats per role and the reasons the slots give (the reason's own words, without the slot's name)."""
    by_role: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for slot in view.unfilled_slots:
        for seat in slot.seats:
            if seat.volunteer_id is None:
                by_role[seat.role_label] += 1
        if slot.unfilled_reason:
            reasons[slot.unfilled_reason.split(": ", 1)[-1]] += 1
    return StaffingSummary(
        branch_name=view.branch_name or "This branch",
        search=search_outcome(view.solver_status) if view.solver_status else "",
        empty_seats=sum(by_role.values()),
        empty_by_role=tuple(sorted(by_role.items(), key=lambda item: (-item[1], item[0]))),
        reasons=tuple(reasons.most_common(MAX_REASONS)),
    )


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
    branch_name: str = ""

    @property
    def staffing(self) -> StaffingSummary:
        """How the branch's month came out, in the coordinator's words (see StaffingSummary)."""
        return staffing_summary(self)

    @property
    def unfilled_slots(self) -> list[SlotView]:
        """Slots still to staff; those of a closed day, or of a van or shop out that day, are off, not empty."""
        return [slot for day in self.days for slot in day.working_slots if not slot.filled]

    @property
    def seat_count(self) -> int:
        return sum(len(slot.seats) for day in self.days for slot in day.working_slots)

    @property
    def seats_filled(self) -> int:
        return sum(1 for day in self.days for slot in day.working_slots for seat in slot.seats if seat.volunteer_id)

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
        return [cells[i : i + 7] for i in range(0, len(cells), 7)]

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
    return tuple(
        SeatView(RotaRole.SHADOW, a.id, a.volunteer_id, a.volunteer.full_name)
        for a in slot.assignments
        if a.role is RotaRole.SHADOW
    )


def slot_view(slot: RotaSlot, off_reason: str = "") -> SlotView:
    return SlotView(
        slot.id,
        slot.key,
        slot.date,
        slot.part_of_day,
        slot.kind,
        slot.resource,
        _seat_views(slot),
        slot.unfilled_reason,
        _shadow_views(slot),
        off_reason,
    )


def _name(volunteer: Volunteer | None) -> str:
    return volunteer.full_name if volunteer is not None else ""


def rota_view(rota_row: Rota, out: OutOfWork | None = None) -> RotaView:
    """The page's view of a stored rota; ``out`` marks the days the branch does not work, and the slots of vans
    out of service or shops closed, although slots were made for them: they are off, not empty."""
    out = out or OutOfWork()
    closed = out.closed_days
    by_day: dict[date, list[SlotView]] = defaultdict(list)
    for slot in rota_row.slots:
        by_day[slot.date].append(slot_view(slot, out.slot_off_reason(slot)))
    order = {SlotKind.DELIVERY: 0, SlotKind.LIST_COLLECTION: 1, SlotKind.SHOPPING: 2, SlotKind.OFFICE: 3}
    days = []
    for day in sorted(by_day):
        slots = sorted(by_day[day], key=lambda s: (order[s.kind], s.resource, s.id))
        days.append(
            DayView(
                day,
                tuple(s for s in slots if s.kind is SlotKind.DELIVERY),
                tuple(s for s in slots if s.kind is SlotKind.LIST_COLLECTION),
                tuple(s for s in slots if s.kind is SlotKind.SHOPPING),
                tuple(s for s in slots if s.kind is SlotKind.OFFICE),
                closed.get(day, ""),
            )
        )
    changes = tuple(
        ChangeView(c.changed_at, c.kind, c.slot_label, c.role, _name(c.old_volunteer), _name(c.new_volunteer), c.note)
        for c in sorted(rota_row.changes, key=lambda c: c.id, reverse=True)
    )
    return RotaView(
        id=rota_row.id,
        branch_id=rota_row.branch_id,
        month=rota_row.month,
        status=rota_row.status,
        version=rota_row.version,
        created_at=rota_row.created_at,
        published_at=rota_row.published_at,
        solver_status=rota_row.solver_status,
        objective=rota_row.objective,
        best_bound=rota_row.best_bound,
        solve_time_s=rota_row.solve_time_s,
        objective_by_rule=json.loads(rota_row.objective_json or "{}"),
        days=tuple(days),
        changes=changes,
        branch_name=rota_row.branch.name,
    )


def get_rota(session: Session, branch_id: int, rota_id: int) -> RotaView:
    """The whole month of a rota of the branch, for the calendar page."""
    rota_row = load_rota(session, branch_id, rota_id)
    month_end = (rota_row.month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return rota_view(rota_row, out_of_work(session, branch_id, rota_row.month, month_end))


def list_rotas(session: Session, branch_id: int) -> list[RotaSummary]:
    """The branch's rotas, newest month first, with how many seats are filled."""
    rotas = session.scalars(
        in_branch(select(Rota), Rota, branch_id)
        .order_by(Rota.month.desc(), Rota.id.desc())
        .options(selectinload(Rota.slots).selectinload(RotaSlot.assignments))
    ).all()
    out = []
    for row in rotas:
        seats = sum(len(_seat_views_count(slot)) for slot in row.slots)
        filled = sum(1 for slot in row.slots for a in slot.assignments if a.role is not RotaRole.SHADOW)
        out.append(
            RotaSummary(
                row.id,
                row.month,
                row.status,
                row.created_at,
                row.published_at,
                row.solver_status,
                seats,
                min(filled, seats),
            )
        )
    return out


def _seat_views_count(slot: RotaSlot) -> range:
    return range(2 if slot.kind is SlotKind.DELIVERY else slot.seats)
