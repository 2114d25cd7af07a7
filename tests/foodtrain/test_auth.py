"""Passwords, lockout and server-side sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from foodtrain.models import User, UserRole
from foodtrain.passwords import WeakPasswordError, check_password_policy, hash_password
from foodtrain.services.auth import (
    LoginFailedError,
    LoginPolicy,
    authenticate,
    end_session,
    resolve_session,
    set_user_enabled,
    start_session,
)
from foodtrain.models._types import utc_now
from tests.factories import make_branch, make_user

POLICY = LoginPolicy(hash_time_cost=1)


@pytest.mark.parametrize(
    "password",
    ["short", "aaaaaaaaaaaaaaaa", "x" * 129, "password1234", "qwertyuiop123", "iloveyou2026", "margaret1945!"],
)
def test_password_policy_refuses_weak_passwords(password: str) -> None:
    with pytest.raises(WeakPasswordError):
        check_password_policy(password)


def test_password_policy_accepts_a_passphrase_and_refuses_the_username() -> None:
    check_password_policy("a kettle on the stove")
    with pytest.raises(WeakPasswordError, match="username"):
        check_password_policy("margaret-is-my-name", username="margaret")


def test_hash_is_argon2id() -> None:
    assert hash_password("a kettle on the stove", 1).startswith("$argon2id$")


def test_wrong_password_locks_after_the_limit(session) -> None:
    """Five failures lock the account: then even the right password is refused until the lockout ends."""
    branch = make_branch(session)
    user_id = make_user(session, branch, username="office1")
    for _ in range(POLICY.max_failures):
        with pytest.raises(LoginFailedError):
            authenticate(session, "office1", "wrong password here", POLICY)
    with pytest.raises(LoginFailedError):
        authenticate(session, "office1", "correct horse battery staple", POLICY)
    user = session.get(User, user_id)
    user.locked_until = utc_now() - timedelta(seconds=1)
    session.commit()
    assert authenticate(session, "office1", "correct horse battery staple", POLICY).id == user_id


def test_login_rehashes_when_parameters_change(session) -> None:
    """A hash made with weaker parameters is replaced at the next successful login."""
    branch = make_branch(session)
    user_id = make_user(session, branch, username="office2")
    old_hash = session.get(User, user_id).password_hash
    authenticate(session, "office2", "correct horse battery staple", LoginPolicy(hash_time_cost=2))
    assert session.get(User, user_id).password_hash != old_hash


def test_logout_and_disable_end_sessions(session) -> None:
    """A token works until logout; disabling a user ends their other sessions too."""
    branch = make_branch(session)
    user_id = make_user(session, branch, role=UserRole.COORDINATOR)
    first, second = start_session(session, user_id), start_session(session, user_id)
    assert resolve_session(session, first, POLICY).id == user_id
    end_session(session, first)
    assert resolve_session(session, first, POLICY) is None
    assert resolve_session(session, second, POLICY) is not None
    set_user_enabled(session, user_id, False, by_user_id=None)
    assert resolve_session(session, second, POLICY) is None


def test_idle_and_absolute_timeouts(session) -> None:
    from foodtrain.models import UserSession

    branch = make_branch(session)
    user_id = make_user(session, branch)
    idle, old = start_session(session, user_id), start_session(session, user_id)
    rows = session.query(UserSession).order_by(UserSession.id).all()
    rows[0].last_seen_at = utc_now() - timedelta(minutes=31)
    rows[1].created_at = utc_now() - timedelta(hours=13)
    session.commit()
    assert resolve_session(session, idle, POLICY) is None
    assert resolve_session(session, old, POLICY) is None
    assert [row.end_reason for row in session.query(UserSession).order_by(UserSession.id)] == [
        "idle_timeout",
        "absolute_timeout",
    ]


def test_many_failures_from_one_address_are_throttled(session) -> None:
    """20 wrong guesses from one address across usernames: then even a right password from it waits."""
    from foodtrain.services.auth import LoginThrottledError

    branch = make_branch(session)
    make_user(session, branch, username="office9")
    policy = LoginPolicy(hash_time_cost=1, max_failures_per_address=20)
    for attempt in range(20):
        with pytest.raises(LoginFailedError):
            authenticate(session, f"guess{attempt}", "wrong password here", policy, remote_address="203.0.113.9")
    with pytest.raises(LoginThrottledError):
        authenticate(session, "office9", "correct horse battery staple", policy, remote_address="203.0.113.9")
    assert authenticate(session, "office9", "correct horse battery staple", policy, remote_address="198.51.100.7")


def test_wrong_second_factor_codes_count_toward_the_address_throttle(session) -> None:
    """20 wrong codes from one address (five accounts, four each: none locked) throttle the address's next
    sign-in as 20 wrong passwords would."""
    from foodtrain.models import AuditEvent
    from foodtrain.services.auth import LoginThrottledError

    branch = make_branch(session)
    make_user(session, branch, username="office8")
    policy = LoginPolicy(hash_time_cost=1, max_failures_per_address=20)
    session.add_all(
        [
            AuditEvent(
                user_id=None, username=f"user{n % 5}", action="login.second_factor_failed", remote_address="203.0.113.8"
            )
            for n in range(20)
        ]
    )
    session.commit()
    with pytest.raises(LoginThrottledError):
        authenticate(session, "office8", "correct horse battery staple", policy, remote_address="203.0.113.8")


def test_every_refusal_costs_one_password_check(session, monkeypatch) -> None:
    """Unknown, locked, disabled and wrong-password sign-ins all do exactly one argon2 check, so the
    time of the answer does not tell which usernames exist; what was typed as an unknown username is not kept."""
    import foodtrain.services.auth as auth_service
    from foodtrain.models import AuditEvent
    from sqlalchemy import select

    branch = make_branch(session)
    locked_id = make_user(session, branch, username="locked1")
    disabled_id = make_user(session, branch, username="disabled1")
    make_user(session, branch, username="plain1")
    session.get(User, locked_id).locked_until = utc_now() + timedelta(minutes=10)
    session.get(User, disabled_id).is_enabled = False
    session.commit()
    calls: list[int] = []
    real_verify = auth_service.verify_password
    monkeypatch.setattr(auth_service, "verify_password", lambda *args: calls.append(1) or real_verify(*args))
    for username in ("nobody-here", "locked1", "disabled1", "plain1"):
        calls.clear()
        with pytest.raises(LoginFailedError):
            authenticate(session, username, "my secret typed in the wrong box", POLICY)
        assert len(calls) == 1, username
    assert session.scalar(select(AuditEvent.id).where(AuditEvent.username.contains("nobody"))) is None
