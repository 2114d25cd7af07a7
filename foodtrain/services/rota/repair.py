"""Repair after a drop-out: the volunteer's later seats re-staffed with as few changes as possible."""

from __future__ import annotations


from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

import rota
from rota.repair import repair as repair_library_rota
from foodtrain.models import RotaAssignment, RotaChange, RotaChangeKind, RotaStatus, Volunteer, VolunteerAbsence
from foodtrain.models._types import utc_now
from foodtrain.services.audit import Actor, record_event
from foodtrain.services.errors import NotFoundError, ValidationError
from foodtrain.services.people import get_in_branch
from foodtrain.services.rota.edit import VolunteerChoice
from foodtrain.services.rota.store import (
    check_rota_version,
    commit_or_stale,
    load_rota,
    new_rota_version,
    plausible_id,
    problem_for,
    refresh_scores,
    slot_label,
)
from foodtrain.services.rota.views import ChangeView, RotaView, rota_view
from foodtrain.services.rota_problem import (
    ROLE_FROM_LIBRARY,
    build_problem,
    humanise,
    library_assignments,
    volunteer_id_from_key,
    volunteer_key,
    working_slots,
)

REPAIR_TIME_LIMIT_S = 5.0


@dataclass(frozen=True)
class RepairOutcome:
    rota_id: int
    changes: tuple[ChangeView, ...]
    n_changes: int
    solver_status: str


def repair_after_dropout(
    session: Session,
    branch_id: int,
    rota_id: int,
    volunteer_id: int | None,
    from_date: date | None,
    *,
    expected_version: int | None,
    actor: Actor,
    time_limit_s: float = REPAIR_TIME_LIMIT_S,
) -> RepairOutcome:
    """The volunteer cannot help from ``from_date`` on: re-staff their seats with as few changes as possible.

    Slots before ``from_date`` stay as they are. The changes are stored and logged
    (before -> after), and the volunteer gets dates away to the end of the month
    so later checks know. Reads, then ends the transaction while the solver runs.
    """
    rota_row = load_rota(session, branch_id, rota_id)
    errors: dict[str, str] = {}
    volunteer = None
    if volunteer_id is None:
        errors["volunteer_id"] = "Choose the volunteer who drops out."
    else:
        try:
            if not plausible_id(volunteer_id):
                raise NotFoundError("no such volunteer")
            volunteer = get_in_branch(session, Volunteer, volunteer_id, branch_id)
        except NotFoundError:
            errors["volunteer_id"] = "Choose a volunteer of this branch."
    last_day = (rota_row.month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    if from_date is None:
        errors["from_date"] = "Enter the first day they cannot help."
    elif not rota_row.month <= from_date <= last_day:
        errors["from_date"] = f"Choose a day in {rota_row.month:%B %Y}."
    if rota_row.status is RotaStatus.REPLACED:
        errors["__all__"] = "This rota was replaced by a newer published one."
    if errors:
        raise ValidationError(errors)
    assert volunteer is not None and from_date is not None
    seats_affected = [
        a
        for slot in rota_row.slots
        if slot.date >= from_date
        for a in slot.assignments
        if a.volunteer_id == volunteer.id
    ]
    if not seats_affected:
        raise ValidationError(
            {
                "volunteer_id": f"{volunteer.full_name} has no shifts on this rota from "
                f"{from_date:%d %B} on: nothing to repair."
            }
        )
    check_rota_version(rota_row, expected_version)
    # Only the shifts that happen are re-staffed: a slot made before its van went out of service, its shop
    # closed or its day closed stays as it is (off), as generation makes none (rota_problem.OutOfWork).
    working = working_slots(session, branch_id, rota_row.month, rota_row.slots)
    working_keys = {slot.key for slot in working}
    data = build_problem(session, branch_id, rota_row.month, working)
    published = [a for a in library_assignments(rota_row) if a.slot_id in working_keys]
    names = dict(data.names)
    dropped_id = volunteer.id
    session.commit()  # no transaction open while the solver runs (plain values only from here)

    try:
        outcome = repair_library_rota(
            data.problem, published, volunteer_key(dropped_id), from_date, rota.Params(time_limit_s=time_limit_s)
        )
    except rota.RotaInputError as error:  # e.g. the frozen past breaks a rule after a hand edit: say which slot
        raise ValidationError({"from_date": humanise(str(error), names)}) from None

    rota_row = load_rota(session, branch_id, rota_id, for_change=True)
    check_rota_version(rota_row, expected_version)
    slots = {slot.key: slot for slot in rota_row.slots}
    note = f"repair: {names.get(volunteer_key(dropped_id), '')} unavailable from {from_date:%d %b %Y}"[:300]
    for change in outcome.changes:
        slot = slots[change.slot_id]
        role = ROLE_FROM_LIBRARY[change.role]
        if change.old_volunteer_id is not None:
            old_id = volunteer_id_from_key(change.old_volunteer_id)
            slot.assignments = [a for a in slot.assignments if not (a.volunteer_id == old_id and a.role is role)]
    session.flush()
    new_changes = []
    for change in outcome.changes:
        slot = slots[change.slot_id]
        role = ROLE_FROM_LIBRARY[change.role]
        if change.new_volunteer_id is not None:
            slot.assignments.append(
                RotaAssignment(role=role, volunteer_id=volunteer_id_from_key(change.new_volunteer_id))
            )
        row = RotaChange(
            kind=RotaChangeKind.REPAIR,
            user_id=actor.user_id,
            slot_id=slot.id,
            slot_label=slot_label(slot),
            role=role,
            old_volunteer_id=volunteer_id_from_key(change.old_volunteer_id) if change.old_volunteer_id else None,
            new_volunteer_id=volunteer_id_from_key(change.new_volunteer_id) if change.new_volunteer_id else None,
            note=note,
        )
        rota_row.changes.append(row)
        new_changes.append(
            ChangeView(
                utc_now(),
                RotaChangeKind.REPAIR,
                row.slot_label,
                role,
                names.get(change.old_volunteer_id or "", ""),
                names.get(change.new_volunteer_id or "", ""),
                note,
            )
        )
    dropped = session.get(Volunteer, dropped_id)
    session.add(
        VolunteerAbsence(
            volunteer_id=dropped_id, start_date=from_date, end_date=last_day, reason="Dropped out (rota repair)"
        )
    )
    session.flush()
    session.expire(dropped, ["absences"])
    data = problem_for(session, rota_row)
    refresh_scores(rota_row, data, library_assignments(rota_row))
    rota_row.solver_status = outcome.result.status.value
    if outcome.changes:
        new_rota_version(rota_row)
    record_event(
        session,
        actor=actor,
        action="rota.repair",
        entity_type="rota",
        entity_id=rota_row.id,
        branch_id=branch_id,
        detail=f"volunteer={dropped_id} from={from_date} changes={outcome.n_changes}",
    )
    commit_or_stale(session)
    return RepairOutcome(rota_id, tuple(new_changes), outcome.n_changes, outcome.result.status.value)


def rota_volunteers(session: Session, branch_id: int, rota_id: int) -> tuple[RotaView, list[VolunteerChoice]]:
    """A rota and the volunteers on it (for the drop-out form)."""
    rota_row = load_rota(session, branch_id, rota_id)
    on_rota = {a.volunteer_id: a.volunteer.full_name for slot in rota_row.slots for a in slot.assignments}
    people = sorted(
        (VolunteerChoice(vid, name, frozenset()) for vid, name in on_rota.items()), key=lambda c: (c.name, c.id)
    )
    return rota_view(rota_row), people
