"""Bearer tokens (sign-in sessions, calendar feed URLs, import batches): how they are made and how they are
stored (only as a digest), one rule for all of them."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32  # 256 random bits: nothing to guess, so a plain hash is enough to store one


def new_token() -> str:
    """A new unguessable bearer token: TOKEN_BYTES random bytes, URL-safe base64 (43 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> str:
    """The SHA-256 hex digest stored instead of the token (64 characters): a stolen table opens nothing.

    A plain hash, not a password hash: the tokens are TOKEN_BYTES random bytes, so there is nothing to guess."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
