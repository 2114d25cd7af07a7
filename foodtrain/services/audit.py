"""The append-only audit log: who saw or changed what, and when (UTC)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from foodtrain.models import AuditEvent


@dataclass(frozen=True)
class Actor:
    """Who is acting, as every service takes it: for the audit log and, for a driver, the own-teams restriction.

    ``user_id`` is None for the system (CLI, jobs, tests); ``volunteer_id`` links the user to a volunteer
    (drivers see only their own teams' sheets when ``drivers_only``).
    """

    user_id: int | None
    username: str = ""
    remote_address: str = ""
    volunteer_id: int | None = None
    drivers_only: bool = False


# The command line and other acts of no signed-in user.
SYSTEM = Actor(user_id=None, username="system")


def record_event(
    session: Session,
    *,
    action: str,
    actor: Actor | None = None,
    user_id: int | None = None,
    username: str = "",
    entity_type: str = "",
    entity_id: int | None = None,
    branch_id: int | None = None,
    detail: str = "",
    remote_address: str = "",
) -> None:
    """Add an audit event to the current transaction (the caller commits with its own change).

    Given ``actor``, its user id, username and remote address are recorded (the loose keywords are for
    callers that have not been given an Actor yet).
    """
    if actor is not None:
        user_id, username, remote_address = actor.user_id, actor.username, actor.remote_address
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
