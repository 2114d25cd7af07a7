"""Who saw which sensitive record: one audit row per page view, the same way for every kind of record.

Changes are audited by the services with the change itself; a page that only shows a record writes nothing,
so the view commits its own audit row here. The detail names the sensitive fields shown, never their values.
"""

from __future__ import annotations

from foodtrain.extensions import db
from foodtrain.services.audit import record_event
from web.security import current_actor


def audit_view(action: str, entity_type: str, entity_id: int, branch_id: int, *, detail: str = "") -> None:
    """Record that the signed-in user opened a page showing this record (committed at once)."""
    record_event(
        db.session(),
        actor=current_actor(),
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        branch_id=branch_id,
        detail=detail,
    )
    db.session.commit()
