"""Admins manage users: create, disable and enable, reset a password, clear a second factor, link a volunteer.

Every change is audited with the acting admin's id (None from the command line) and ids only.
A reset or a new account gets a random temporary password, returned once to be handed over;
the user must change it at the next sign-in (`password_must_change`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from foodtrain.models import Branch, User, UserRole, Volunteer
from foodtrain.passwords import hash_password
from foodtrain.services.audit import Actor, record_event
from foodtrain.services.auth import add_user, end_all_sessions, set_user_enabled
from foodtrain.services.errors import NotFoundError, ValidationError
from foodtrain.services.two_factor import disable_second_factor

TEMPORARY_PASSWORD_BYTES = 15  # 20 URL-safe characters


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    display_name: str
    role: UserRole
    branch_name: str
    is_enabled: bool
    totp_enabled: bool
    password_must_change: bool
    volunteer_id: int | None
    volunteer_name: str


def temporary_password() -> str:
    return secrets.token_urlsafe(TEMPORARY_PASSWORD_BYTES)


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError("user: no such user")
    return user


def list_users(session: Session) -> list[UserRow]:
    rows = []
    for user in session.scalars(select(User).order_by(User.username)):
        volunteer = user.volunteer
        rows.append(
            UserRow(
                user.id,
                user.username,
                user.display_name,
                user.role,
                user.branch.name if user.branch else "All branches",
                user.is_enabled,
                user.totp_enabled,
                user.password_must_change,
                user.volunteer_id,
                f"{volunteer.first_name} {volunteer.last_name}" if volunteer else "",
            )
        )
    return rows


def get_user(session: Session, user_id: int) -> UserRow:
    _user(session, user_id)
    return next(row for row in list_users(session) if row.id == user_id)


def create_account(
    session: Session,
    *,
    username: str,
    role: UserRole,
    branch_id: int | None,
    display_name: str,
    actor: Actor,
    hash_time_cost: int = 3,
) -> tuple[int, str]:
    """A new user with a temporary password that must be changed; returns (id, temporary password)."""
    if role is UserRole.ADMIN:
        branch_id = None
    elif branch_id is None or session.get(Branch, branch_id) is None:
        raise ValidationError({"branch_id": "Choose the user's branch."})
    password = temporary_password()
    try:
        user_id = add_user(
            session,
            username=username,
            password=password,
            role=role,
            branch_id=branch_id,
            display_name=display_name,
            hash_time_cost=hash_time_cost,
            by_user_id=actor.user_id,
        )
    except ValueError as error:
        session.rollback()
        field, _, message = str(error).partition(": ")
        raise ValidationError(
            {field if field in ("username", "branch") else "username": message or str(error)}
        ) from error
    created = session.get(User, user_id)
    if created is None:  # cannot happen: added in this transaction
        raise NotFoundError(f"No user {user_id}.")
    created.password_must_change = True
    session.commit()
    return user_id, password


def set_enabled(session: Session, user_id: int, enabled: bool, actor: Actor) -> None:
    """Disable (every session ends at once) or enable a user; an admin cannot disable themselves."""
    _user(session, user_id)
    if not enabled and actor.user_id == user_id:
        raise ValidationError({"user": "You cannot disable your own account."})
    set_user_enabled(session, user_id, enabled, actor.user_id)


def reset_password(session: Session, user_id: int, actor: Actor, hash_time_cost: int = 3) -> str:
    """Give the user a temporary password (returned once), to be changed at sign-in; ends their sessions."""
    user = _user(session, user_id)
    password = temporary_password()
    user.password_hash = hash_password(password, hash_time_cost)
    user.password_must_change = True
    user.failed_login_count = 0
    user.locked_until = None
    record_event(
        session,
        actor=actor,
        action="user.password_reset",
        entity_type="user",
        entity_id=user_id,
        branch_id=user.branch_id,
    )
    session.commit()
    end_all_sessions(session, user_id, "password_reset")
    return password


def clear_second_factor(session: Session, user_id: int, actor: Actor) -> None:
    """Remove a user's second factor (a lost phone); audited as the admin's act."""
    _user(session, user_id)
    disable_second_factor(session, user_id, by_user_id=actor.user_id)


def link_volunteer(session: Session, user_id: int, volunteer_id: int | None, actor: Actor) -> None:
    """Link the login to a volunteer of the same branch (their own rota and rounds), or unlink it (None)."""
    user = _user(session, user_id)
    if volunteer_id is not None:
        volunteer = session.get(Volunteer, volunteer_id)
        if volunteer is None or volunteer.branch_id != user.branch_id:
            raise ValidationError({"volunteer_id": "Choose a volunteer of the user's own branch."})
        holder = session.scalar(select(User.id).where(User.volunteer_id == volunteer_id, User.id != user_id))
        if holder is not None:
            raise ValidationError({"volunteer_id": "That volunteer is already linked to another login."})
    user.volunteer_id = volunteer_id
    record_event(
        session,
        actor=actor,
        action="user.volunteer_linked" if volunteer_id else "user.volunteer_unlinked",
        entity_type="user",
        entity_id=user_id,
        branch_id=user.branch_id,
        detail=f"volunteer_id={volunteer_id}" if volunteer_id else "",
    )
    session.commit()


def volunteers_to_link(session: Session, user_id: int) -> list[tuple[int, str]]:
    """(id, name) of the volunteers of the user's branch, for the link form."""
    user = _user(session, user_id)
    if user.branch_id is None:
        return []
    return [
        (v.id, f"{v.last_name}, {v.first_name}")
        for v in session.scalars(
            select(Volunteer).where(Volunteer.branch_id == user.branch_id).order_by(Volunteer.last_name)
        )
    ]
