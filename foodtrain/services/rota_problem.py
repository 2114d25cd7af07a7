"""From the database to a :class:`rota.RotaProblem` and back: slots, volunteers, history, roles.

The rota library knows only strings and numbers. Here a volunteer's id
becomes ``"v<id>"`` (so the library's messages can be turned back into names),
a slot's key names its kind, date and resource, and the database's role names
map onto the library's.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

import rota
from foodtrain.models import (
    Branch,
    Customer,
    CustomerStatus,
    PartnerPreferenceKind,
    PartOfDay,
    Rota,
    RotaAssignment,
    RotaRole,
    RotaSlot,
    RotaStatus,
    ShadowShift,
    Shop,
    SlotKind,
    Van,
    Volunteer,
    VolunteerRole,
)
from foodtrain.services.closures import closed_days
from foodtrain.services.people import in_branch
from foodtrain.services.service_breaks import shop_days_closed, van_days_out

# When each kind of slot happens (the library checks availability per half-day).
DELIVERY_PART = PartOfDay.WHOLE_DAY
LIST_COLLECTION_PART = PartOfDay.MORNING
LIST_COLLECTION_WEEKDAY = 0  # Monday: order taking day
SHOPPING_PART = PartOfDay.MORNING
OFFICE_PART = PartOfDay.MORNING
OFFICE_WEEKDAYS = (0, 1, 2, 3, 4)

ROLE_TO_LIBRARY = {
    RotaRole.DRIVER: "driver",
    RotaRole.MATE: "delivery_mate",
    RotaRole.COLLECTOR: "list_collector",
    RotaRole.SHOPPER: "shopper",
    RotaRole.OFFICE: "office",
    RotaRole.SHADOW: rota.SHADOW_ROLE,  # a trainee shadowing beside the seats
}
ROLE_FROM_LIBRARY = {value: key for key, value in ROLE_TO_LIBRARY.items()}
ROLES_FOR_KIND = {
    SlotKind.DELIVERY: (RotaRole.DRIVER, RotaRole.MATE),
    SlotKind.LIST_COLLECTION: (RotaRole.COLLECTOR,),
    SlotKind.SHOPPING: (RotaRole.SHOPPER,),
    SlotKind.OFFICE: (RotaRole.OFFICE,),
}
_VOLUNTEER_ROLES_TO_LIBRARY = {
    VolunteerRole.DRIVER: {"driver", "list_collector"},
    VolunteerRole.DELIVERY_MATE: {"delivery_mate", "list_collector"},
    VolunteerRole.SHOPPER: {"shopper"},
    VolunteerRole.OFFICE: {"office"},
}


def volunteer_key(volunteer_id: int) -> str:
    return f"v{volunteer_id}"


def volunteer_id_from_key(key: str) -> int:
    return int(key[1:])


def month_dates(month: date) -> list[date]:
    days = calendar.monthrange(month.year, month.month)[1]
    return [date(month.year, month.month, day) for day in range(1, days + 1)]


@dataclass(frozen=True)
class SlotSpec:
    """A slot to staff, as stored in RotaSlot."""

    key: str
    date: date
    part_of_day: PartOfDay
    kind: SlotKind
    resource: str
    seats: int
    van_id: int | None = None
    shop_id: int | None = None


def delivery_weekdays(session: Session, branch_id: int) -> list[int]:
    """The weekdays on which the branch's current (active or paused) customers have deliveries."""
    statement = (
        in_branch(select(Customer.delivery_weekday), Customer, branch_id)
        .where(Customer.status != CustomerStatus.ENDED)
        .distinct()
    )
    return sorted(session.scalars(statement).all())


@dataclass(frozen=True)
class OutOfWork:
    """What does not work on which days: the one rule for which shifts are off. Generation makes no slot for
    them (:func:`slots_for_month`), repair re-seats nobody in them (rota.repair), the pages show them off."""

    closed_days: Mapping[date, str] = field(default_factory=dict)  # the branch (closures.closed_days)
    van_days: Mapping[int, set[date]] = field(default_factory=dict)  # vans out of service
    shop_days: Mapping[int, set[date]] = field(default_factory=dict)  # shops closed

    def slot_off_reason(self, slot: SlotSpec | RotaSlot) -> str:
        """Why the slot's van or shop does not work on its day ("" when it does; a closed day is said apart)."""
        if slot.van_id is not None and slot.date in self.van_days.get(slot.van_id, ()):
            return "the van is out of service that day"
        if slot.shop_id is not None and slot.date in self.shop_days.get(slot.shop_id, ()):
            return "the shop is closed that day"
        return ""

    def why_off(self, slot: SlotSpec | RotaSlot) -> str:
        """Why the slot's shift does not happen ("" when it does): the branch closed, its van or its shop."""
        if slot.date in self.closed_days:
            return f"the branch is closed that day ({self.closed_days[slot.date]})"
        return self.slot_off_reason(slot)

    def works(self, day: date, van_id: int | None = None, shop_id: int | None = None) -> bool:
        """A shift on ``day`` (with that van or at that shop) happens: the branch is open, the van in service,
        the shop open."""
        return (
            day not in self.closed_days
            and day not in self.van_days.get(van_id or 0, ())
            and day not in self.shop_days.get(shop_id or 0, ())
        )


def out_of_work(session: Session, branch_id: int, start: date, last: date) -> OutOfWork:
    """The branch's closed days, vans out of service and shops closed from ``start`` to ``last`` (inclusive)."""
    return OutOfWork(
        closed_days(session, branch_id, start, last),
        van_days_out(session, branch_id, start, last),
        shop_days_closed(session, branch_id, start, last),
    )


def working_slots(session: Session, branch_id: int, month: date, slots: Iterable[RotaSlot]) -> list[RotaSlot]:
    """The stored slots of the month whose shift happens (not one :class:`OutOfWork` says is off)."""
    days = month_dates(month)
    out = out_of_work(session, branch_id, days[0], days[-1])
    return [slot for slot in slots if out.works(slot.date, slot.van_id, slot.shop_id)]


def slots_for_month(session: Session, branch_id: int, month: date) -> list[SlotSpec]:
    """Every slot of the month: a team per active van on delivery days, shoppers per partner shop on
    delivery days, a list-collection team on Mondays and office cover every weekday morning. A van out of
    service or a shop closed on a day gets no slot that day.

    Public holidays and the branch's closure days get no slots, unless the coordinator opened the day."""
    weekdays = set(delivery_weekdays(session, branch_id))
    days = month_dates(month)
    out = out_of_work(session, branch_id, days[0], days[-1])
    vans = session.scalars(select(Van).where(Van.branch_id == branch_id, Van.active.is_(True)).order_by(Van.name)).all()
    shops = session.scalars(
        select(Shop).where(Shop.branch_id == branch_id, Shop.active.is_(True)).order_by(Shop.name)
    ).all()
    specs: list[SlotSpec] = []
    for day in days:
        if not out.works(day):
            continue
        stamp = f"{day:%m%d}"
        weekday = day.weekday()
        if weekday == LIST_COLLECTION_WEEKDAY:
            specs.append(
                SlotSpec(f"lists-{stamp}", day, LIST_COLLECTION_PART, SlotKind.LIST_COLLECTION, "List collection", 2)
            )
        if weekday in weekdays:
            for van in (v for v in vans if out.works(day, van_id=v.id)):
                specs.append(
                    SlotSpec(f"van{van.id}-{stamp}", day, DELIVERY_PART, SlotKind.DELIVERY, van.name, 2, van_id=van.id)
                )
            for shop in (s for s in shops if out.works(day, shop_id=s.id)):
                specs.append(
                    SlotSpec(
                        f"shop{shop.id}-{stamp}", day, SHOPPING_PART, SlotKind.SHOPPING, shop.name, 1, shop_id=shop.id
                    )
                )
        if weekday in OFFICE_WEEKDAYS:
            specs.append(SlotSpec(f"office-{stamp}", day, OFFICE_PART, SlotKind.OFFICE, "Office", 1))
    return specs


def _library_slot(spec: SlotSpec | RotaSlot, branch_code: str) -> rota.Slot:
    return rota.Slot(
        id=spec.key,
        date=spec.date,
        part_of_day=spec.part_of_day.value,
        kind=spec.kind.value,
        resource=spec.resource,
        seats=spec.seats,
        branch=branch_code,
    )


def _library_volunteer(
    volunteer: Volunteer,
    month: date,
    branch_code: str,
    known: set[int],
    support_busy: tuple[frozenset[date], frozenset[tuple[int, str]]] | None = None,
    shadow_shifts_done_in_month: int = 0,
) -> rota.Volunteer:
    dates = month_dates(month)
    busy_dates, busy_half_days = support_busy or (frozenset(), frozenset())
    away = set(busy_dates)
    for absence in volunteer.absences:
        away.update(day for day in dates if absence.start_date <= day <= absence.end_date)
    away.update(
        day
        for day in dates
        if day < volunteer.joined_on or (volunteer.left_on is not None and day >= volunteer.left_on)
    )
    roles: set[str] = set()
    for role in volunteer.role_values:
        roles |= _VOLUNTEER_ROLES_TO_LIBRARY.get(role, set())
    never = {
        volunteer_key(p.partner_id)
        for p in volunteer.partner_preferences
        if p.kind is PartnerPreferenceKind.NEVER and p.partner_id in known
    }
    preferred = {
        volunteer_key(p.partner_id)
        for p in volunteer.partner_preferences
        if p.kind is PartnerPreferenceKind.PREFERRED and p.partner_id in known
    } - never
    trainee = volunteer.is_trainee
    return rota.Volunteer(
        id=volunteer_key(volunteer.id),
        roles=frozenset(roles),
        availability=frozenset((a.weekday, a.day_part.value) for a in volunteer.availability) - busy_half_days,
        wished_shifts_per_month=volunteer.shifts_per_month,
        max_shifts_per_week=volunteer.max_shifts_per_week,
        driver_approved=volunteer.van_driving_approved,
        pvg_status=volunteer.pvg_status.value,
        pvg_date=volunteer.pvg_issued_on,
        trainee=trainee,
        # as at the start of the month: this month's shifts already counted (services/rota/shadow.py) still count
        shadow_shifts_needed=volunteer.shadow_shifts_remaining + shadow_shifts_done_in_month if trainee else 0,
        dates_away=frozenset(away),
        preferred_partners=frozenset(preferred),
        never_partners=frozenset(never),
        preferred_weekdays=frozenset(a.weekday for a in volunteer.availability if a.preferred),
        max_consecutive_days=volunteer.max_consecutive_days,
        happy_to_do_extra=volunteer.happy_to_do_extra,
        branch=branch_code,
        name=volunteer.full_name,
    )


def shadow_shifts_done_since(session: Session, volunteer_ids: Sequence[int], month: date) -> dict[int, int]:
    """Per volunteer, the shadow shifts counted as done (not missed) from the first day of ``month`` on."""
    rows = session.execute(
        select(ShadowShift.volunteer_id, func.count())
        .where(
            ShadowShift.volunteer_id.in_(volunteer_ids), ShadowShift.shift_date >= month, ShadowShift.missed.is_(False)
        )
        .group_by(ShadowShift.volunteer_id)
    ).all()
    return {volunteer_id: int(count) for volunteer_id, count in rows}


def volunteers_for_month(session: Session, branch_id: int, month: date) -> Sequence[Volunteer]:
    """The branch's volunteers who are with the service at some point in the month."""
    last_day = month_dates(month)[-1]
    statement = (
        in_branch(select(Volunteer), Volunteer, branch_id)
        .where(
            (Volunteer.left_on.is_(None)) | (Volunteer.left_on > month),
            Volunteer.joined_on <= last_day,
        )
        .options(
            selectinload(Volunteer.roles),
            selectinload(Volunteer.availability),
            selectinload(Volunteer.absences),
            selectinload(Volunteer.partner_preferences),
        )
    )
    return session.scalars(statement.order_by(Volunteer.id)).all()


def history_for_month(session: Session, branch_id: int, month: date, branch_code: str, known: set[str]) -> rota.History:
    """Last month's published rota, as the library's history (volunteers still known only)."""
    previous = (month - timedelta(days=1)).replace(day=1)
    rota_id = session.scalar(
        select(Rota.id).where(
            Rota.branch_id == branch_id, Rota.published_month == previous, Rota.status == RotaStatus.PUBLISHED
        )
    )
    if rota_id is None:
        return rota.History()
    rows = session.execute(
        select(RotaSlot, RotaAssignment)
        .join(RotaAssignment, RotaAssignment.slot_id == RotaSlot.id)
        .where(RotaSlot.rota_id == rota_id)
        .order_by(RotaSlot.date, RotaAssignment.id)
    ).all()
    return rota.History(
        tuple(
            rota.HistoryAssignment(
                date=slot.date,
                volunteer_id=volunteer_key(assignment.volunteer_id),
                kind=slot.kind.value,
                resource=slot.resource,
                part_of_day=slot.part_of_day.value,
                role=ROLE_TO_LIBRARY[assignment.role],
                branch=branch_code,
            )
            for slot, assignment in rows
            if volunteer_key(assignment.volunteer_id) in known
        )
    )


@dataclass(frozen=True)
class ProblemData:
    """A library problem plus what is needed to map its answers back."""

    problem: rota.RotaProblem
    names: dict[str, str]  # volunteer key -> full name


def build_problem(
    session: Session, branch_id: int, month: date, slots: Iterable[SlotSpec | RotaSlot] | None = None
) -> ProblemData:
    """The library problem for the branch's month: given slots (a stored rota's) or the month's own."""
    month = month.replace(day=1)
    branch = session.get(Branch, branch_id)
    code = branch.code if branch is not None else str(branch_id)
    specs = list(slots) if slots is not None else slots_for_month(session, branch_id, month)
    volunteers = volunteers_for_month(session, branch_id, month)
    known = {v.id for v in volunteers}
    from foodtrain.services.commitments import support_busy_in_month  # EXTRA and befriending come first

    busy = support_busy_in_month(session, [v.id for v in volunteers], month)
    shadows_done = shadow_shifts_done_since(session, [v.id for v in volunteers], month)
    library_volunteers = tuple(
        _library_volunteer(v, month, code, known, busy.get(v.id), shadows_done.get(v.id, 0)) for v in volunteers
    )
    keys = {v.id for v in library_volunteers}
    problem = rota.RotaProblem(
        month=rota.Month(month.year, month.month),
        slots=tuple(_library_slot(spec, code) for spec in specs),
        volunteers=library_volunteers,
        history=history_for_month(session, branch_id, month, code, keys),
    )
    return ProblemData(problem, {volunteer_key(v.id): v.full_name for v in volunteers})


_KEY_PATTERN = re.compile(r"\bv(\d+)\b")


def humanise(text: str, names: dict[str, str]) -> str:
    """Replace the library's volunteer keys (``v12``) in a message with the volunteers' names."""
    return _KEY_PATTERN.sub(lambda match: names.get(match.group(0), match.group(0)), text)


def library_assignments(rota_row: Rota) -> list[rota.Assignment]:
    """A stored rota's assignments in the library's terms."""
    return [
        rota.Assignment(slot_id=slot.key, role=ROLE_TO_LIBRARY[a.role], volunteer_id=volunteer_key(a.volunteer_id))
        for slot in rota_row.slots
        for a in slot.assignments
    ]


def library_volunteer_in_month_of(volunteer: Volunteer, day: date, branch_code: str) -> rota.Volunteer:
    """The volunteer as the rota library sees them in the month of ``day``: weekly availability, dates away,
    before joining and after leaving (for availability questions outside the rota, e.g. EXTRA jobs)."""
    return _library_volunteer(volunteer, day.replace(day=1), branch_code, set())
