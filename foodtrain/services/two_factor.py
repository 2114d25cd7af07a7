"""Optional second factor (TOTP, RFC 6238) for admins and coordinators."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pyotp
from sqlalchemy.orm import Session

from foodtrain.encryption import FieldCipher
from foodtrain.models import User, UserRole
from foodtrain.models._types import utc_now
from foodtrain.services.audit import record_event
from foodtrain.services.auth import LoginPolicy, lock_out, reauthenticate, recent_failures

ISSUER = "foodtrain"
ROLES_WITH_SECOND_FACTOR = frozenset({UserRole.ADMIN, UserRole.COORDINATOR})
VALID_WINDOW_STEPS = 1  # accept the previous and next 30-second code too (clock drift)


class SecondFactorError(ValueError):
    """The code is wrong, reused, or the user may not use a second factor."""


class SecondFactorLockedError(SecondFactorError):
    """Too many wrong codes: the account is locked for a while, whatever code comes next."""


@dataclass(frozen=True)
class Enrolment:
    secret: str
    provisioning_uri: str


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise SecondFactorError("No such user.")
    return user


def begin_enrolment(session: Session, user_id: int, cipher: FieldCipher) -> Enrolment:
    """Store a new (not yet enabled) secret and return it for the authenticator app."""
    user = _user(session, user_id)
    if user.role not in ROLES_WITH_SECOND_FACTOR:
        raise SecondFactorError("A second factor is offered to admins and coordinators.")
    secret = pyotp.random_base32()
    user.totp_secret_encrypted = cipher.encrypt(secret)
    user.totp_enabled = False
    session.commit()
    return Enrolment(secret, pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER))


def _accept_code(user: User, code: str, cipher: FieldCipher, now_s: float) -> bool:
    """Check a 6-digit code and refuse the reuse of one already accepted (replay)."""
    if user.totp_secret_encrypted is None:
        return False
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return False
    totp = pyotp.TOTP(cipher.decrypt(user.totp_secret_encrypted))
    current_step = int(now_s // totp.interval)
    for step in range(current_step - VALID_WINDOW_STEPS, current_step + VALID_WINDOW_STEPS + 1):
        if totp.at(step * totp.interval) == code:
            if user.totp_last_used_step is not None and step <= user.totp_last_used_step:
                return False
            user.totp_last_used_step = step
            return True
    return False


def confirm_enrolment(
    session: Session, user_id: int, code: str, cipher: FieldCipher, now_s: float | None = None
) -> None:
    """Turn the second factor on once the user proves their app shows the right code."""
    user = _user(session, user_id)
    if not _accept_code(user, code, cipher, time.time() if now_s is None else now_s):
        session.rollback()
        raise SecondFactorError("That code does not match. Check the time on your phone and try the newest code.")
    user.totp_enabled = True
    record_event(
        session,
        user_id=user.id,
        username=user.username,
        action="user.second_factor_enabled",
        entity_type="user",
        entity_id=user.id,
        branch_id=user.branch_id,
    )
    session.commit()


def verify_second_factor(
    session: Session,
    user_id: int,
    code: str,
    cipher: FieldCipher,
    policy: LoginPolicy,
    now_s: float | None = None,
    remote_address: str = "",
) -> bool:
    """At login: True when the code is right (and not reused); every attempt is audited.

    Wrong codes are counted here, on the server (never in the browser's cookie, which can be
    replayed): after `policy.max_failures` within the lockout window the account is locked and
    SecondFactorLockedError is raised, for that attempt and every one until the lock ends.
    """
    user = _user(session, user_id)
    if user.locked_until is not None and user.locked_until > utc_now():
        record_event(
            session,
            user_id=user.id,
            username=user.username,
            action="login.second_factor_refused_locked",
            remote_address=remote_address,
        )
        session.commit()
        raise SecondFactorLockedError(
            "Too many wrong codes. Please wait 15 minutes and sign in again, or ask an admin."
        )
    accepted = user.totp_enabled and _accept_code(user, code, cipher, time.time() if now_s is None else now_s)
    record_event(
        session,
        user_id=user.id,
        username=user.username,
        action="login.second_factor_ok" if accepted else "login.second_factor_failed",
        remote_address=remote_address,
    )
    session.commit()
    if (
        not accepted
        and recent_failures(session, user.id, "login.second_factor_failed", policy.lockout, "login.second_factor_ok")
        >= policy.max_failures
    ):
        lock_out(session, user.id, policy, "second_factor_failures")
        raise SecondFactorLockedError(
            "Too many wrong codes. Please wait 15 minutes and sign in again, or ask an admin."
        )
    return accepted


def turn_off_own_second_factor(
    session: Session, user_id: int, current_password: str, policy: LoginPolicy, remote_address: str = ""
) -> None:
    """The signed-in user turns their second factor off: only after typing their current password."""
    reauthenticate(session, user_id, current_password, policy, "second_factor_off", remote_address)
    disable_second_factor(session, user_id, by_user_id=user_id)


def disable_second_factor(session: Session, user_id: int, by_user_id: int | None) -> None:
    """Remove the user's second factor (their own choice after re-authentication, or an admin's reset)."""
    user = _user(session, user_id)
    user.totp_enabled = False
    user.totp_secret_encrypted = None
    user.totp_last_used_step = None
    record_event(
        session,
        user_id=by_user_id,
        action="user.second_factor_disabled",
        entity_type="user",
        entity_id=user.id,
        branch_id=user.branch_id,
    )
    session.commit()
