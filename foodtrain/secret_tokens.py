"""Bearer tokens (sign-in sessions, calendar feed URLs) are stored only as a digest: one rule for all of them."""
from __future__ import annotations

import hashlib


def token_digest(token: str) -> str:
    """The SHA-256 hex digest stored instead of the token (64 characters): a stolen table opens nothing.

    A plain hash, not a password hash: the tokens are 32 random bytes, so there is nothing to guess."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
