"""The append-only audit log: who saw or changed what, and when (UTC)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from foodtrain.models import AuditEvent


def record_event(
    session: Session,
    *,
    user_id: int | None,
    action: str,
    username: str = "",
    entity_type: str = "",
    entity_id: int | None = None,
    branch_id: int | None = None,
    detail: str = "",
    remote_address: str = "",
) -> None:
    """Add an audit event to the current transaction (the caller commits with its own change)."""
    session.add(
        AuditEvent(
            user_id=user_id,
            username=username[:80],
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            branch_id=branch_id,
            detail=detail[:2000],
            remote_address=remote_address[:64],
        )
    )
