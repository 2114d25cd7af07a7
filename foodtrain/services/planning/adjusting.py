"""Adjusting and publishing a plan: move an order to a van, lock a van's round, publish.

Adjustments are stored on the plan and honoured by the next re-plan. Each change names the plan's
version it was made from; a plan changed meanwhile by someone else is refused with a clear message.
Every change is a new version of the plan, a moved order or a locked round too (see :func:`_new_version`).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from foodtrain.models import (
    Order,
    RoutePin,
    RoutePlan,
    RoutePlanStatus,
    Van,
)
from foodtrain.models._types import utc_now
from foodtrain.services.audit import Actor, record_event
from foodtrain.services.errors import (
    ConfirmationNeeded,
    StaleRecordError,
    ValidationError,
    check_version,
    mark_new_version,
)
from foodtrain.services.people import get_in_branch, in_branch
from foodtrain.services.planning.reading import CLOSED_STATUSES, day_staffing, team_missing
from foodtrain.services.planning.staleness import changes_of
from foodtrain.services.planning import reading

__all__ = [
    "STALE_PLAN_CHANGES",
    "plan_date",
    "move_order",
    "set_round_lock",
    "publish_warnings",
    "publish_plan",
]


STALE_PLAN_CHANGES = "re-planned, published or adjusted"


def _new_version(plan: RoutePlan) -> None:
    """Make the change being made to ``plan``'s rounds or pins a new version of the plan (errors.mark_new_version,
    its status as it is): a form read before is then stale."""
    mark_new_version(plan, "status")


def _commit_change(session: Session) -> None:
    """Commit an adjustment; a plan changed by another request meanwhile is refused, not overwritten."""
    try:
        session.commit()
    except StaleDataError as error:
        session.rollback()
        raise StaleRecordError("plan", STALE_PLAN_CHANGES) from error


def plan_date(session: Session, branch_id: int, plan_id: int) -> date:
    """The delivery date of a plan of the branch; NotFoundError for a missing or another branch's plan."""
    plan = get_in_branch(session, RoutePlan, plan_id, branch_id)
    return plan.delivery_date


def _check_plan_version(plan: RoutePlan, version: int | None) -> None:
    """Refuse a change made from an old ``version`` of the plan (the one "changed by someone else" check); called
    without a form (the demo) no version is given and nothing is checked."""
    check_version(plan.version, version, record="plan", how=STALE_PLAN_CHANGES, missing_is_stale=False)


def _plan_for_change(session: Session, branch_id: int, plan_id: int, version: int | None) -> RoutePlan:
    """The plan to change, refused when the form's ``version`` is old (:func:`_check_plan_version`)."""
    plan = get_in_branch(session, RoutePlan, plan_id, branch_id)
    _check_plan_version(plan, version)
    return plan


def move_order(
    session: Session, branch_id: int, plan_id: int, order_id: int, van_id: int, version: int | None, actor: Actor
) -> None:
    """Keep an order on a chosen van at the next re-plan.

    The same move again (a double click, its form's version now old) changes nothing and is not an error."""
    try:
        plan = get_in_branch(session, RoutePlan, plan_id, branch_id)
        if any(p.order_id == order_id and p.van_id == van_id for p in plan.pins):
            session.rollback()
            return
        _check_plan_version(plan, version)
        order = get_in_branch(session, Order, order_id, branch_id)
        if order.delivery_date != plan.delivery_date or order.status in CLOSED_STATUSES:
            raise ValidationError({"order_id": "That order is not open for this delivery date."})
        van = session.scalar(in_branch(select(Van), Van, branch_id).where(Van.id == van_id, Van.active.is_(True)))
        if van is None:
            raise ValidationError({"van_id": "Choose one of the branch's vans."})
        left_out = {v.van_id: v.reason for v in day_staffing(session, branch_id, plan.delivery_date).left_out}
        if van_id in left_out:
            raise ValidationError({"van_id": f"{van.name} is not out on this day ({left_out[van_id]})."})
        locked_vans = {r.van_id for r in plan.rounds if r.locked}
        if van_id in locked_vans:
            raise ValidationError({"van_id": f"{van.name}'s round is locked: unlock it first to add an order."})
        if any(s.order_id == order_id and s.van_id in locked_vans for s in plan.stops):
            raise ValidationError({"van_id": "That order is on a locked round: unlock that round first."})
        pin = next((p for p in plan.pins if p.order_id == order_id), None)
        if pin is None:
            session.add(RoutePin(plan_id=plan.id, order_id=order_id, van_id=van_id))
        else:
            pin.van_id = van_id
        _new_version(plan)
        record_event(
            session,
            actor=actor,
            action="route_plan.move_order",
            entity_type="route_plan",
            entity_id=plan.id,
            branch_id=branch_id,
            detail=f"order {order_id} to van {van_id}",
        )
        _commit_change(session)
    except Exception:
        session.rollback()
        raise


def set_round_lock(
    session: Session, branch_id: int, plan_id: int, van_id: int, locked: bool, version: int | None, actor: Actor
) -> None:
    """Lock (keep as it is at the next re-plan) or unlock a van's round.

    Locking a locked round (or unlocking an unlocked one: a double click, its form's version now old) changes
    nothing and is not an error."""
    try:
        plan = get_in_branch(session, RoutePlan, plan_id, branch_id)
        round_ = next((r for r in plan.rounds if r.van_id == van_id), None)
        if round_ is not None and round_.locked == locked:
            session.rollback()
            return
        _check_plan_version(plan, version)
        if round_ is None:
            raise ValidationError({"van_id": "That van has no round in this plan."})
        round_.locked = locked
        _new_version(plan)
        record_event(
            session,
            actor=actor,
            action="route_plan.lock" if locked else "route_plan.unlock",
            entity_type="route_plan",
            entity_id=plan.id,
            branch_id=branch_id,
            detail=f"van {van_id}",
        )
        _commit_change(session)
    except Exception:
        session.rollback()
        raise


def publish_warnings(session: Session, branch_id: int, plan: RoutePlan) -> list[str]:
    """What publishing would send out unstaffed, unplanned or out of date, in words ([] when nothing)."""
    warnings = []
    staffing = day_staffing(session, branch_id, plan.delivery_date)
    if not staffing.rota_published:
        warnings.append(
            "No rota is published for this month: no team is rostered, so no driver will see "
            "these rounds on their phone."
        )
    else:
        teams = {team.van_id: team for team in reading.rostered_teams(session, branch_id, plan.delivery_date)}
        van_names = {v.id: v.name for v in session.scalars(in_branch(select(Van), Van, branch_id)).all()}
        for round_ in plan.rounds:
            missing = team_missing(teams.get(round_.van_id))
            if missing:
                warnings.append(f"{van_names.get(round_.van_id, 'A van')} is unstaffed: {missing}.")
    if plan.unplanned:
        warnings.append(
            f"{len(plan.unplanned)} order{'s are' if len(plan.unplanned) != 1 else ' is'} not planned "
            "and will not be delivered unless you re-plan or move them onto a van."
        )
    changes = changes_of(session, branch_id, plan)
    if changes:
        warnings.append(
            f"The plan is out of date ({len(changes)} change{'s' if len(changes) != 1 else ''}): "
            + "; ".join(change.text for change in changes)
            + "."
        )
    return warnings


def publish_plan(
    session: Session, branch_id: int, plan_id: int, version: int | None, actor: Actor, confirmed: bool = False
) -> None:
    """Publish the plan: its teams can now see their rounds and download their sheets.

    A plan without a delivery is refused; one with unstaffed vans, unplanned orders or changes
    since planning raises ConfirmationNeeded with the list, unless ``confirmed``.
    """
    try:
        plan = _plan_for_change(session, branch_id, plan_id, version)
        if plan.status is not RoutePlanStatus.PUBLISHED:
            if not any(stop.kind == "delivery" for stop in plan.stops):
                raise ValidationError(
                    {
                        "plan": "Nothing to publish: no round has a delivery. Take orders for the "
                        "day or check the vans' teams, then plan again."
                    }
                )
            warnings = publish_warnings(session, branch_id, plan)
            if warnings and not confirmed:
                raise ConfirmationNeeded(warnings)
            plan.status = RoutePlanStatus.PUBLISHED
            plan.published_at = utc_now()
            record_event(
                session,
                actor=actor,
                action="route_plan.publish",
                entity_type="route_plan",
                entity_id=plan.id,
                branch_id=branch_id,
                detail=plan.delivery_date.isoformat(),
            )
        _commit_change(session)
    except Exception:
        session.rollback()
        raise
