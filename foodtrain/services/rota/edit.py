"""Hand edits of a rota (set a slot's seats, swap two people), each checked with the library's
independent checker: a change may not break a hard rule the rota did not already break."""

from __future__ import annotations


from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

import rota
from foodtrain.models import Rota, RotaAssignment, RotaChange, RotaChangeKind, RotaRole, RotaSlot, RotaStatus, Volunteer
from foodtrain.services.audit import Actor, record_event
from foodtrain.services.errors import NotFoundError, ValidationError
from foodtrain.services.people import get_in_branch
from foodtrain.services.rota.labels import KIND_LABELS, ROLE_LABELS, RULE_TEXT
from foodtrain.services.rota.store import (
    StaleRotaError,
    check_rota_version,
    commit_or_stale,
    load_rota,
    new_rota_version,
    plausible_id,
    problem_for,
    refresh_scores,
    slot_label,
)
from foodtrain.services.rota.views import SlotView, slot_view
from foodtrain.services.rota_problem import (
    ROLE_FROM_LIBRARY,
    ROLE_TO_LIBRARY,
    ROLES_FOR_KIND,
    ProblemData,
    volunteers_for_month,
    humanise,
    library_assignments,
    out_of_work,
    volunteer_key,
)


def _violation_keys(violations: Sequence[rota.Violation]) -> set[tuple[str, str, str]]:
    return {(v.rule, v.slot_id, v.volunteer_id) for v in violations}


_FRIENDLY = {
    "only_available_volunteers": "{name} is not available then (weekly availability or dates away)",
    "driver_needs_approval": "{name} is not approved to drive the van",
    "pvg_required_for_customer_contact": "{name} has no PVG clearance for that date, and this work is with customers",
    "volunteer_has_role": "{name} does not have this role",
    "two_person_teams": "it must be a team of two — a driver and a delivery mate together (or nobody at all)",
    "trainee_with_experienced_partner": "a trainee must work alongside an experienced volunteer",
    "seats": "there are more people than seats",
}


def _explain_violation(violation: rota.Violation, data: ProblemData, slot_labels: dict[str, str]) -> str:
    """One plain sentence naming the person, the slot and the rule that the change would break."""
    rule = RULE_TEXT.get(violation.rule, violation.rule.replace("_", " "))
    name = data.names.get(violation.volunteer_id, "")
    where = slot_labels.get(violation.slot_id, "")
    template = _FRIENDLY.get(violation.rule)
    if template is not None and (name or "{name}" not in template):
        detail = template.format(name=name)
    else:
        detail = humanise(violation.message, data.names)
    return f"Not allowed: {detail}" + (f" — {where}" if where else "") + f". (Rule: {rule}.)"


@dataclass(frozen=True)
class Seat:
    """A requested seat: role and volunteer (None = leave empty)."""

    role: RotaRole
    volunteer_id: int | None


def _apply_and_check(
    session: Session,
    rota_row: Rota,
    new_by_slot: dict[int, list[Seat]],
    *,
    actor: Actor,
    kind: RotaChangeKind,
    note: str,
    field_for_error: str = "__all__",
) -> list[RotaChange]:
    """Replace the seats of the given slots, refuse if that breaks a hard rule the rota did not
    already break, log each changed seat, refresh the scores. Caller commits."""
    data = problem_for(session, rota_row)
    before = library_assignments(rota_row)
    slots = {slot.id: slot for slot in rota_row.slots}
    changed_keys = {slots[slot_id].key for slot_id in new_by_slot}
    after = [a for a in before if a.slot_id not in changed_keys]
    for slot_id, seats in new_by_slot.items():
        for seat in seats:
            if seat.volunteer_id is not None:
                after.append(
                    rota.Assignment(slots[slot_id].key, ROLE_TO_LIBRARY[seat.role], volunteer_key(seat.volunteer_id))
                )
    old_keys = _violation_keys(rota.check(data.problem, before))
    new_violations = list(
        {
            (v.rule, v.slot_id, v.volunteer_id): v
            for v in rota.check(data.problem, after)
            if (v.rule, v.slot_id, v.volunteer_id) not in old_keys
        }.values()
    )
    if new_violations:
        labels = {slot.key: slot_label(slot) for slot in rota_row.slots}
        raise ValidationError(
            {field_for_error: " ".join(dict.fromkeys(_explain_violation(v, data, labels) for v in new_violations[:3]))}
        )
    changes: list[RotaChange] = []
    for slot_id, seats in new_by_slot.items():
        slot = slots[slot_id]
        old = defaultdict(list)
        for assignment in slot.assignments:
            old[assignment.role].append(assignment.volunteer_id)
        new = defaultdict(list)
        for seat in seats:
            if seat.volunteer_id is not None:
                new[seat.role].append(seat.volunteer_id)
        for role in sorted(set(old) | set(new), key=lambda r: r.value):
            gone = [v for v in old[role] if v not in new[role]]
            came = [v for v in new[role] if v not in old[role]]
            for index in range(max(len(gone), len(came))):
                changes.append(
                    RotaChange(
                        kind=kind,
                        user_id=actor.user_id,
                        slot_id=slot.id,
                        slot_label=slot_label(slot),
                        role=role,
                        old_volunteer_id=gone[index] if index < len(gone) else None,
                        new_volunteer_id=came[index] if index < len(came) else None,
                        note=note,
                    )
                )
        slot.assignments = [a for a in slot.assignments if a.volunteer_id in new[a.role]]
        present = {(a.role, a.volunteer_id) for a in slot.assignments}
        try:
            session.flush()  # deletes before inserts (a person may move between roles of one slot)
        except (StaleDataError, IntegrityError):
            session.rollback()
            raise StaleRotaError() from None
        for role, people in new.items():
            for volunteer_id in people:
                if (role, volunteer_id) not in present:
                    slot.assignments.append(RotaAssignment(role=role, volunteer_id=volunteer_id))
    for change in changes:
        rota_row.changes.append(change)
    refresh_scores(rota_row, data, after)
    new_rota_version(rota_row)
    return changes


def _current_seats(slot: RotaSlot) -> list[Seat]:
    return sorted(
        (Seat(a.role, a.volunteer_id) for a in slot.assignments), key=lambda s: (s.role.value, s.volunteer_id or 0)
    )


@dataclass(frozen=True)
class VolunteerChoice:
    id: int
    name: str
    roles: frozenset[RotaRole]
    trainee: bool = False


@dataclass(frozen=True)
class SlotEditor:
    """What the edit page of one slot needs: the slot, its rota's version, who could sit where."""

    rota_id: int
    rota_version: int
    rota_month: date
    slot: SlotView
    choices: dict[RotaRole, list[VolunteerChoice]]
    swap_targets: list[tuple[int, str]]  # (assignment id, "date · slot · role: name")
    fits: dict[RotaRole, frozenset[int]] = None  # type: ignore[assignment]  # who could sit there, per role


def _volunteer_choices(session: Session, branch_id: int, month: date) -> list[VolunteerChoice]:
    out = []
    for volunteer in volunteers_for_month(session, branch_id, month):
        library = set()
        for role, names in (
            (RotaRole.DRIVER, {"driver"}),
            (RotaRole.MATE, {"delivery_mate"}),
            (RotaRole.COLLECTOR, {"driver", "delivery_mate"}),
            (RotaRole.SHOPPER, {"shopper"}),
            (RotaRole.OFFICE, {"office"}),
        ):
            if {r.value for r in volunteer.role_values} & names:
                library.add(role)
        out.append(VolunteerChoice(volunteer.id, volunteer.full_name, frozenset(library), volunteer.is_trainee))
    return sorted(out, key=lambda c: (c.name, c.id))


def get_slot_editor(session: Session, branch_id: int, rota_id: int, slot_id: int) -> SlotEditor:
    """The edit page of one slot of a rota of the branch."""
    rota_row = load_rota(session, branch_id, rota_id)
    slot = next((s for s in rota_row.slots if s.id == slot_id), None)
    if slot is None:
        raise NotFoundError(f"No slot {slot_id} in this rota.")
    people = _volunteer_choices(session, branch_id, rota_row.month)
    choices = {role: [c for c in people if role in c.roles] for role in ROLES_FOR_KIND[slot.kind]}
    # the shadow seat: trainees who do one of the slot's roles (the checker decides who may, as for the solver)
    choices[RotaRole.SHADOW] = [c for c in people if c.trainee and c.roles & set(ROLES_FOR_KIND[slot.kind])]
    fits = _who_fits(session, rota_row, slot, choices)
    targets = []
    for other in rota_row.slots:
        if other.id == slot.id:
            continue
        for assignment in other.assignments:
            targets.append(
                (
                    assignment.id,
                    f"{slot_label(other)} · {ROLE_LABELS[assignment.role]}: {assignment.volunteer.full_name}",
                )
            )
    return SlotEditor(rota_row.id, rota_row.version, rota_row.month, slot_view(slot), choices, targets, fits)


def _who_fits(
    session: Session, rota_row: Rota, slot: RotaSlot, choices: dict[RotaRole, list[VolunteerChoice]]
) -> dict[RotaRole, frozenset[int]]:
    """Per role of the slot, who could take a seat there without breaking a hard rule themselves
    (available, approved, cleared, not busy then, under their weekly maximum, may pair with the others)."""
    data = problem_for(session, rota_row)
    everyone = library_assignments(rota_row)
    by_person: dict[str, list[rota.Assignment]] = defaultdict(list)
    for a in everyone:
        by_person[a.volunteer_id].append(a)
    here = [a for a in everyone if a.slot_id == slot.key]
    fits: dict[RotaRole, frozenset[int]] = {}
    for role, people in choices.items():
        ok = set()
        for choice in people:
            key = volunteer_key(choice.id)
            others = [a for a in by_person[key] if a.slot_id != slot.key]
            mates = [a for a in here if a.volunteer_id != key and ROLE_FROM_LIBRARY[a.role] is not role]
            base = others + mates
            trial = [*base, rota.Assignment(slot.key, ROLE_TO_LIBRARY[role], key)]
            before = _violation_keys(rota.check(data.problem, base))
            new = [
                v
                for v in rota.check(data.problem, trial)
                if (v.rule, v.slot_id, v.volunteer_id) not in before and v.rule not in ("two_person_teams", "seats")
            ]
            if not new:
                ok.add(choice.id)
        fits[role] = frozenset(ok)
    return fits


def _refuse_if_off(session: Session, branch_id: int, slot: RotaSlot, field: str) -> None:
    """Nobody new is seated on a shift that does not happen (the branch closed that day, its van out of service,
    its shop closed; :class:`foodtrain.services.rota_problem.OutOfWork` is the rule). Taking people off stays
    allowed."""
    why = out_of_work(session, branch_id, slot.date, slot.date).why_off(slot)
    if why:
        raise ValidationError({field: f"Nobody can be put on {slot_label(slot)}: {why}."})


def update_slot(
    session: Session,
    branch_id: int,
    rota_id: int,
    slot_id: int,
    seats: Sequence[Seat],
    *,
    expected_version: int | None,
    actor: Actor,
) -> int:
    """Set who sits in each seat of a slot (the hard rules are checked); returns how many seats changed.

    A ``Seat(RotaRole.SHADOW, id or None)`` among ``seats`` sets or clears the slot's shadow seat, checked by the
    library's checker like every seat (the solver's own rules). Without one, or with the trainee already there,
    a trainee shadowing in the slot stays while the new seats still hold an experienced team beside them, and
    is taken off (a logged change) when they no longer do. A repeated identical request (double click) changes
    nothing and is not an error.
    """
    rota_row = load_rota(session, branch_id, rota_id, for_change=True)
    slot = next((s for s in rota_row.slots if s.id == slot_id), None)
    if slot is None:
        raise NotFoundError(f"No slot {slot_id} in this rota.")
    if rota_row.status is RotaStatus.REPLACED:
        raise ValidationError({"__all__": "This rota was replaced by a newer published one and can no longer change."})
    shadowing = [Seat(a.role, a.volunteer_id) for a in slot.assignments if a.role is RotaRole.SHADOW]
    asked_shadow = [s for s in seats if s.role is RotaRole.SHADOW]
    shadow_chosen = bool(asked_shadow) and [s for s in asked_shadow if s.volunteer_id is not None] != shadowing
    if shadow_chosen:
        shadowing = [s for s in asked_shadow if s.volunteer_id is not None]
    wanted = sorted(
        [*(s for s in seats if s.volunteer_id is not None and s.role is not RotaRole.SHADOW), *shadowing],
        key=lambda s: (s.role.value, s.volunteer_id or 0),
    )
    if wanted == _current_seats(slot):
        return 0
    check_rota_version(rota_row, expected_version)
    current = {s.volunteer_id for s in _current_seats(slot)}
    if any(s.volunteer_id not in current for s in wanted):
        _refuse_if_off(session, branch_id, slot, "__all__")
    allowed_roles = {*ROLES_FOR_KIND[slot.kind], RotaRole.SHADOW}
    errors: dict[str, str] = {}
    seen: set[int] = set()
    for index, seat in enumerate(seats):
        field = "shadow" if seat.role is RotaRole.SHADOW else f"seat_{index}"
        if seat.volunteer_id is None:
            continue
        if seat.role not in allowed_roles:
            errors[field] = f"A {KIND_LABELS[slot.kind].lower()} slot has no {ROLE_LABELS[seat.role]} seat."
            continue
        try:
            if not plausible_id(seat.volunteer_id):
                raise NotFoundError("no such volunteer")
            get_in_branch(session, Volunteer, seat.volunteer_id, branch_id)
        except NotFoundError:
            errors[field] = "Choose a volunteer of this branch."
            continue
        if seat.volunteer_id in seen:
            errors[field] = "The same person cannot fill two seats of one slot."
        seen.add(seat.volunteer_id)
    if errors:
        raise ValidationError(errors)
    try:
        changes = _apply_and_check(
            session, rota_row, {slot.id: list(wanted)}, actor=actor, kind=RotaChangeKind.EDIT, note="edited by hand"
        )
    except ValidationError:
        if not shadowing or shadow_chosen:  # a shadow the coordinator chose is refused with the rule it breaks
            raise
        # the new seats leave the shadowing trainee without an experienced team: they come off too (if the
        # seats break a rule of their own, this raises that rule's message)
        changes = _apply_and_check(
            session,
            rota_row,
            {slot.id: [s for s in wanted if s.role is not RotaRole.SHADOW]},
            actor=actor,
            kind=RotaChangeKind.EDIT,
            note="edited by hand",
        )
    record_event(
        session,
        actor=actor,
        action="rota.edit",
        entity_type="rota",
        entity_id=rota_row.id,
        branch_id=branch_id,
        detail=f"slot={slot.key} changes={len(changes)}",
    )
    commit_or_stale(session)
    return len(changes)


def swap_assignments(
    session: Session,
    branch_id: int,
    rota_id: int,
    assignment_id: int,
    other_assignment_id: int,
    *,
    expected_version: int | None,
    actor: Actor,
) -> None:
    """Swap two people between their seats (each keeps the other's role); hard rules are checked."""
    rota_row = load_rota(session, branch_id, rota_id, for_change=True)
    found = {a.id: (slot, a) for slot in rota_row.slots for a in slot.assignments}
    if expected_version is not None and rota_row.version != expected_version and assignment_id not in found:
        raise StaleRotaError()  # e.g. the same swap submitted twice: the seats were already swapped
    if assignment_id not in found:
        raise ValidationError({"assignment_id": "Choose a person on this slot."})
    if other_assignment_id not in found or other_assignment_id == assignment_id:
        raise ValidationError({"other_assignment_id": "Choose someone else's seat on this rota to swap with."})
    check_rota_version(rota_row, expected_version)
    (slot_a, first), (slot_b, second) = found[assignment_id], found[other_assignment_id]
    if slot_a.id == slot_b.id:
        raise ValidationError({"other_assignment_id": "Both people are already on this slot."})
    for slot in (slot_a, slot_b):  # a swap puts someone new on both slots
        _refuse_if_off(session, branch_id, slot, "other_assignment_id")
    seats_a = [Seat(a.role, second.volunteer_id if a.id == first.id else a.volunteer_id) for a in slot_a.assignments]
    seats_b = [Seat(a.role, first.volunteer_id if a.id == second.id else a.volunteer_id) for a in slot_b.assignments]
    for seats, slot in ((seats_a, slot_a), (seats_b, slot_b)):
        ids = [seat.volunteer_id for seat in seats]
        if len(ids) != len(set(ids)):
            raise ValidationError({"other_assignment_id": f"That would put someone twice on {slot_label(slot)}."})
    _apply_and_check(
        session,
        rota_row,
        {slot_a.id: seats_a, slot_b.id: seats_b},
        actor=actor,
        kind=RotaChangeKind.EDIT,
        note="swapped by hand",
        field_for_error="other_assignment_id",
    )
    record_event(
        session,
        actor=actor,
        action="rota.swap",
        entity_type="rota",
        entity_id=rota_row.id,
        branch_id=branch_id,
        detail=f"slots={slot_a.key},{slot_b.key}",
    )
    commit_or_stale(session)
