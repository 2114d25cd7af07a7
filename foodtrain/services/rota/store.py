"""Loading and saving a stored rota: one rota of a branch (locked for a change), the library problem of
its month, its scores after a change, and the commit that turns a lost race into "changed by someone else"."""

from __future__ import annotations


import json

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

import rota
from rota.explain import explain_unfilled
from rota.scoring import evaluate
from foodtrain.models import Rota, RotaAssignment, RotaSlot
from foodtrain.services.errors import NotFoundError, StaleRecordError, check_version, mark_new_version
from foodtrain.services.people import in_branch
from foodtrain.services.rota.labels import PART_LABELS
from foodtrain.services.rota_problem import ProblemData, build_problem, humanise


class StaleRotaError(StaleRecordError):
    """The rota changed since the form was loaded."""

    def __init__(self) -> None:
        super().__init__("rota")


def check_rota_version(rota_row: Rota, expected_version: int | None) -> None:
    """The one "changed by someone else" check (errors.check_version) for a form that changes a rota."""
    try:
        check_version(rota_row.version, expected_version, record="rota")
    except StaleRecordError:
        raise StaleRotaError() from None


def new_rota_version(rota_row: Rota) -> None:
    """Any change of seats (a hand edit, a repair) is a new version of the rota, even when its scores come out the
    same: a form read before it is then refused ("changed meanwhile"), never lets it be overwritten."""
    mark_new_version(rota_row, "objective_json")


MAX_ID = 2**31 - 1


def plausible_id(value: object) -> bool:
    """Ids fit a 32-bit integer column: anything else cannot exist (and must not reach the database)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def load_rota(session: Session, branch_id: int, rota_id: int, *, for_change: bool = False) -> Rota:
    """A rota of the branch with its slots and people, or NotFoundError.

    ``for_change`` locks the rota row until the transaction ends (PostgreSQL; SQLite's
    transactions already take the write lock), so two edits of one rota queue and the
    second sees the first's new version.
    """
    if not plausible_id(rota_id):
        raise NotFoundError(f"No rota {rota_id} in this branch.")
    statement = in_branch(select(Rota), Rota, branch_id).where(Rota.id == rota_id)
    if for_change:
        statement = statement.with_for_update(of=Rota)
    rota_row = session.scalar(
        statement.options(
            selectinload(Rota.slots).selectinload(RotaSlot.assignments).selectinload(RotaAssignment.volunteer),
            selectinload(Rota.changes),
        )
    )
    if rota_row is None:
        raise NotFoundError(f"No rota {rota_id} in this branch.")
    return rota_row


def problem_for(session: Session, rota_row: Rota) -> ProblemData:
    return build_problem(session, rota_row.branch_id, rota_row.month, rota_row.slots)


def refresh_scores(rota_row: Rota, data: ProblemData, assignments: list[rota.Assignment]) -> None:
    """Recompute the objective and the unfilled reasons after a change (no solver)."""
    by_rule = evaluate(data.problem, assignments, rota.Weights())
    rota_row.objective_json = json.dumps(by_rule)
    rota_row.objective = int(sum(by_rule.values()))
    reasons = {u.slot_id: humanise(u.reason, data.names) for u in explain_unfilled(data.problem, assignments)}
    for slot in rota_row.slots:
        slot.unfilled_reason = reasons.get(slot.key, "")


def slot_label(slot: RotaSlot) -> str:
    return f"{slot.date:%a %d %b} {slot.resource} ({PART_LABELS[slot.part_of_day]})"


def commit_or_stale(session: Session) -> None:
    try:
        session.commit()
    except (StaleDataError, IntegrityError):
        session.rollback()
        raise StaleRotaError() from None
