"""One rule for storing bearer tokens: sign-in sessions and calendar feeds keep the same digest of the token."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from foodtrain.models import UserSession, VolunteerCalendarToken
from foodtrain.secret_tokens import token_digest
from foodtrain.services.auth import start_session
from foodtrain.services.audit import Actor
from foodtrain.services.volunteer_calendar import new_feed_token
from tests.factories import make_branch, make_user, make_volunteer


def test_the_digest_is_sha256_hex_of_the_tokens_utf8() -> None:
    """The known SHA-256 of "abc"; a non-ASCII token is hashed as UTF-8."""
    assert token_digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert token_digest("é") == "4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c"


def test_session_and_feed_tokens_are_both_stored_as_the_one_digest(session: Session) -> None:
    """Neither store keeps the token; each keeps exactly token_digest(token), so one change reaches both."""
    branch = make_branch(session)
    session_token = start_session(session, make_user(session, branch))
    feed_token = new_feed_token(
        session, branch.id, make_volunteer(session, branch).id, actor=Actor(user_id=None, username="tester")
    )
    assert session.scalars(select(UserSession.token_sha256)).all() == [token_digest(session_token)]
    assert session.scalars(select(VolunteerCalendarToken.token_sha256)).all() == [token_digest(feed_token)]


def test_new_tokens_are_long_and_unrepeated() -> None:
    """43 URL-safe characters (32 random bytes); a thousand are all different."""
    from foodtrain.secret_tokens import new_token

    tokens = {new_token() for _ in range(1000)}
    assert len(tokens) == 1000 and {len(token) for token in tokens} == {43}
    assert all(
        set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") for token in tokens
    )


def test_tokens_are_made_in_one_place() -> None:
    """Sessions, feeds, import batches and form tokens come from secret_tokens.new_token: no other module makes
    its own (a temporary password is a password, made by the user service)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    makers = sorted(
        str(path.relative_to(root))
        for folder in ("foodtrain", "web")
        for path in (root / folder).rglob("*.py")
        if "token_urlsafe(" in path.read_text(encoding="utf-8")
    )
    assert makers == ["foodtrain/secret_tokens.py", "foodtrain/services/users.py"]
