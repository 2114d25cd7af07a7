"""Signing in and out: password checks with lockout, and server-side sessions."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload

from foodtrain.models import AuditEvent, User, UserRole, UserSession
from foodtrain.models._types import utc_now
from foodtrain.secret_tokens import new_token, token_digest
from foodtrain.passwords import (
    WeakPasswordError,
    check_password_policy,
    hash_password,
    password_needs_rehash,
    verify_password,
)
from foodtrain.services.audit import record_event

# Verifying against this keeps the time of a login for an unknown user like a real one.
_DUMMY_HASH_CACHE: dict[int, str] = {}


class LoginFailedError(Exception):
    """Wrong username or password, a disabled account, or a locked account: one message for all."""

    message = "That username and password do not match, or the account is locked. Try again or ask an admin."


class ReauthenticationError(Exception):
    """The current password was wrong when confirming a sensitive change (or too many times: signed out)."""

    def __init__(self, message: str, signed_out: bool = False):
        super().__init__(message)
        self.message = message
        self.signed_out = signed_out


class LoginThrottledError(LoginFailedError):
    """Too many failed sign-ins from one address: it must wait before trying again."""

    message = "Too many failed sign-ins from this computer. Please wait 15 minutes, or ask an admin."


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)
    idle_timeout: timedelta = timedelta(minutes=30)
    absolute_timeout: timedelta = timedelta(hours=12)
    hash_time_cost: int = 3
    max_failures_per_address: int = 20
    address_window: timedelta = timedelta(minutes=15)


# What counts as a failed sign-in from an address: a wrong password and a wrong second-factor code alike.
ADDRESS_FAILURE_ACTIONS = ("login.failed", "login.second_factor_failed")


def _recent_failures_from(session: Session, remote_address: str, policy: LoginPolicy) -> int:
    """Failed sign-ins (passwords or codes) from this address within the window (guessing across many users)."""
    if not remote_address:
        return 0
    return (
        session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action.in_(ADDRESS_FAILURE_ACTIONS),
                AuditEvent.remote_address == remote_address[:64],
                AuditEvent.occurred_at > utc_now() - policy.address_window,
            )
        )
        or 0
    )


def _dummy_hash(time_cost: int) -> str:
    if time_cost not in _DUMMY_HASH_CACHE:
        _DUMMY_HASH_CACHE[time_cost] = hash_password(secrets.token_hex(16), time_cost)
    return _DUMMY_HASH_CACHE[time_cost]


def add_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: UserRole,
    branch_id: int | None,
    display_name: str = "",
    volunteer_id: int | None = None,
    hash_time_cost: int = 3,
    by_user_id: int | None = None,
) -> int:
    """Add a user to the current transaction after checking the password policy; returns its id."""
    username = username.strip().lower()
    if not username:
        raise ValueError("username: a username is required")
    check_password_policy(password, username)
    if role is not UserRole.ADMIN and branch_id is None:
        raise ValueError("branch: everyone but an admin belongs to a branch")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ValueError(f"username: '{username}' is already taken")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password, hash_time_cost),
        role=role,
        branch_id=branch_id,
        volunteer_id=volunteer_id,
    )
    session.add(user)
    session.flush()
    record_event(
        session,
        user_id=by_user_id,
        username="" if by_user_id else "system",
        action="user.create",
        entity_type="user",
        entity_id=user.id,
        branch_id=branch_id,
        detail=f"role={role.value}",
    )
    return user.id


def create_user(session: Session, **user_fields: Any) -> int:
    """Create a user (see add_user) and commit; returns the new user's id."""
    user_id = add_user(session, **user_fields)
    session.commit()
    return user_id


def authenticate(session: Session, username: str, password: str, policy: LoginPolicy, remote_address: str = "") -> User:
    """Return the user whose password matches, or raise LoginFailedError (and count the failure)."""
    now = utc_now()
    if _recent_failures_from(session, remote_address, policy) >= policy.max_failures_per_address:
        record_event(session, user_id=None, username="", action="login.throttled", remote_address=remote_address)
        session.commit()
        raise LoginThrottledError()
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        verify_password(_dummy_hash(policy.hash_time_cost), password, policy.hash_time_cost)
        # What was typed is not kept: it is often a password typed into the username box.
        record_event(
            session,
            user_id=None,
            username="",
            action="login.failed",
            detail="unknown user",
            remote_address=remote_address,
        )
        session.commit()
        raise LoginFailedError()
    if user.locked_until is not None and user.locked_until > now:
        # The same work as a real check, so the time of the answer does not tell that the account exists.
        verify_password(_dummy_hash(policy.hash_time_cost), password, policy.hash_time_cost)
        record_event(
            session,
            user_id=user.id,
            username=user.username,
            action="login.refused_locked",
            remote_address=remote_address,
        )
        session.commit()
        raise LoginFailedError()
    if not verify_password(user.password_hash, password, policy.hash_time_cost) or not user.is_enabled:
        user.failed_login_count += 1
        detail = "disabled" if user.is_enabled is False else f"failures={user.failed_login_count}"
        if user.failed_login_count >= policy.max_failures:
            user.locked_until = now + policy.lockout
            user.failed_login_count = 0
            detail += " locked"
        record_event(
            session,
            user_id=user.id,
            username=user.username,
            action="login.failed",
            detail=detail,
            remote_address=remote_address,
        )
        session.commit()
        raise LoginFailedError()
    if password_needs_rehash(user.password_hash, policy.hash_time_cost):
        user.password_hash = hash_password(password, policy.hash_time_cost)
    user.failed_login_count = 0
    user.locked_until = None
    user.last_login_at = now
    record_event(
        session, user_id=user.id, username=user.username, action="login.succeeded", remote_address=remote_address
    )
    session.commit()
    return user


def start_session(session: Session, user_id: int) -> str:
    """Open a server-side session for the user and return its token (stored only as a digest)."""
    token = new_token()
    session.add(UserSession(token_sha256=token_digest(token), user_id=user_id))
    session.commit()
    return token


def resolve_session(session: Session, token: str, policy: LoginPolicy) -> User | None:
    """The user of a live session token, or None if it is unknown, ended, timed out or disabled."""
    # Every request asks this: the session row and its user in one statement.
    row = session.scalar(
        select(UserSession).where(UserSession.token_sha256 == token_digest(token)).options(joinedload(UserSession.user))
    )
    if row is None or row.ended_at is not None:
        return None
    now = utc_now()
    reason = None
    if not row.user.is_enabled:
        reason = "user_disabled"
    elif now - row.last_seen_at > policy.idle_timeout:
        reason = "idle_timeout"
    elif now - row.created_at > policy.absolute_timeout:
        reason = "absolute_timeout"
    if reason:
        row.ended_at, row.end_reason = now, reason
        session.commit()
        return None
    if now - row.last_seen_at > timedelta(seconds=60):
        row.last_seen_at = now
        session.commit()
    return row.user


def end_session(session: Session, token: str, reason: str = "logout") -> None:
    """End one session (logout); a copied cookie stops working too."""
    session.execute(
        update(UserSession)
        .where(UserSession.token_sha256 == token_digest(token), UserSession.ended_at.is_(None))
        .values(ended_at=utc_now(), end_reason=reason)
    )
    session.commit()


def end_all_sessions(session: Session, user_id: int, reason: str) -> None:
    """End every session of a user (disable, password change)."""
    session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=utc_now(), end_reason=reason)
    )
    session.commit()


def set_user_enabled(session: Session, user_id: int, enabled: bool, by_user_id: int | None) -> None:
    """Enable or disable a user; disabling ends all their sessions at once."""
    user = session.get(User, user_id)
    if user is None:
        raise LookupError("user: no such user")
    user.is_enabled = enabled
    record_event(
        session,
        user_id=by_user_id,
        action="user.enable" if enabled else "user.disable",
        entity_type="user",
        entity_id=user_id,
        branch_id=user.branch_id,
    )
    session.commit()
    if not enabled:
        end_all_sessions(session, user_id, "user_disabled")


def change_password(session: Session, user_id: int, new_password: str, hash_time_cost: int = 3) -> None:
    user = session.get(User, user_id)
    if user is None:
        raise LookupError("user: no such user")
    check_password_policy(new_password, user.username)
    if verify_password(user.password_hash, new_password, hash_time_cost):
        raise WeakPasswordError("Choose a new password, not the one you have now.")
    user.password_hash = hash_password(new_password, hash_time_cost)
    user.password_must_change = False
    record_event(
        session,
        user_id=user_id,
        username=user.username,
        action="user.password_changed",
        entity_type="user",
        entity_id=user_id,
        branch_id=user.branch_id,
    )
    session.commit()
    end_all_sessions(session, user_id, "password_changed")


def recent_failures(session: Session, user_id: int, action: str, window: timedelta, reset_action: str) -> int:
    """Failures (`action` audit events) of a user within the window and since the last `reset_action`."""
    since = utc_now() - window
    last_reset = session.scalar(
        select(func.max(AuditEvent.occurred_at)).where(AuditEvent.user_id == user_id, AuditEvent.action == reset_action)
    )
    if last_reset is not None and last_reset > since:
        since = last_reset
    return (
        session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.user_id == user_id, AuditEvent.action == action, AuditEvent.occurred_at > since)
        )
        or 0
    )


def lock_out(session: Session, user_id: int, policy: LoginPolicy, reason: str) -> None:
    """Lock the account for the lockout time and end every session (too many wrong passwords or codes)."""
    user = session.get(User, user_id)
    if user is None:
        raise LookupError("user: no such user")
    user.locked_until = utc_now() + policy.lockout
    record_event(
        session,
        user_id=user_id,
        username=user.username,
        action="user.locked_out",
        entity_type="user",
        entity_id=user_id,
        branch_id=user.branch_id,
        detail=reason,
    )
    session.commit()
    end_all_sessions(session, user_id, reason)


def reauthenticate(
    session: Session, user_id: int, password: str, policy: LoginPolicy, purpose: str, remote_address: str = ""
) -> None:
    """Confirm the signed-in user's current password before a sensitive change (audited, attempt-limited).

    After `policy.max_failures` wrong passwords within the lockout window the account is locked and
    every session ends, so a left-open browser cannot be used to guess the password.
    """
    user = session.get(User, user_id)
    if user is None:
        raise LookupError("user: no such user")
    confirmed = verify_password(user.password_hash, password, policy.hash_time_cost)
    record_event(
        session,
        user_id=user_id,
        username=user.username,
        action="user.reauth_ok" if confirmed else "user.reauth_failed",
        entity_type="user",
        entity_id=user_id,
        branch_id=user.branch_id,
        detail=purpose,
        remote_address=remote_address,
    )
    session.commit()
    if confirmed:
        return
    failures = recent_failures(session, user_id, "user.reauth_failed", policy.lockout, "user.reauth_ok")
    if failures >= policy.max_failures:
        lock_out(session, user_id, policy, "reauth_failures")
        raise ReauthenticationError(
            "Too many wrong passwords: you have been signed out and the account is locked "
            "for a while. Ask an admin if you need it sooner.",
            signed_out=True,
        )
    raise ReauthenticationError("That is not your current password.")


def change_own_password(
    session: Session,
    user_id: int,
    current_password: str,
    new_password: str,
    policy: LoginPolicy,
    remote_address: str = "",
) -> None:
    """The signed-in user changes their password: the current one first (ReauthenticationError), then the policy."""
    reauthenticate(session, user_id, current_password, policy, "password_change", remote_address)
    change_password(session, user_id, new_password, policy.hash_time_cost)
