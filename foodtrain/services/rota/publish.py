"""Publishing a draft: it becomes the month's rota (the one published before is marked replaced)."""

from __future__ import annotations


from sqlalchemy import select
from sqlalchemy.orm import Session

from foodtrain.models import Rota, RotaStatus
from foodtrain.clock import branch_today
from foodtrain.models._types import utc_now
from foodtrain.services.audit import Actor, record_event
from foodtrain.services.commitments import support_clashes_in_rota
from foodtrain.services.errors import ValidationError
from foodtrain.services.people import in_branch
from foodtrain.services.rota.shadow import count_shadow_shifts_done
from foodtrain.services.rota.store import check_rota_version, commit_or_stale, load_rota


def publish_rota(session: Session, branch_id: int, rota_id: int, *, expected_version: int | None, actor: Actor) -> bool:
    """Draft -> published; a rota already published for the month is marked replaced.

    Returns False (and changes nothing) when the rota is already published (a double click).
    """
    # the days that have passed count on the rota published until now, before a newer one replaces it
    count_shadow_shifts_done(session, branch_id, branch_today())
    rota_row = load_rota(session, branch_id, rota_id, for_change=True)
    if rota_row.status is RotaStatus.PUBLISHED:
        return False
    if rota_row.status is RotaStatus.REPLACED:
        raise ValidationError({"__all__": "This rota was replaced by a newer one; generate or open the current one."})
    check_rota_version(rota_row, expected_version)
    if clashes := support_clashes_in_rota(session, rota_row.id):  # EXTRA/befriending booked onto an old draft's seat
        raise ValidationError(
            {
                "__all__": f"Publishing would double-book: {'; '.join(clashes[:3])}. "
                "Change those seats (or draw up the rota again) first."
            }
        )
    current = session.scalar(
        in_branch(select(Rota), Rota, branch_id).where(
            Rota.published_month == rota_row.month, Rota.status == RotaStatus.PUBLISHED
        )
    )
    if current is not None:
        current.status, current.published_month = RotaStatus.REPLACED, None
        session.flush()
    rota_row.status, rota_row.published_month = RotaStatus.PUBLISHED, rota_row.month
    rota_row.published_at, rota_row.published_by_user_id = utc_now(), actor.user_id
    record_event(
        session,
        actor=actor,
        action="rota.publish",
        entity_type="rota",
        entity_id=rota_row.id,
        branch_id=branch_id,
        detail=f"month={rota_row.month:%Y-%m}" + (f" replaces={current.id}" if current is not None else ""),
    )
    commit_or_stale(session)
    return True
