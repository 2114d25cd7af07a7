"""Password hashing (argon2id) and the password policy (OWASP ASVS level 2)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MINIMUM_PASSWORD_LENGTH = 12
MAXIMUM_PASSWORD_LENGTH = 128
MINIMUM_STRENGTH_SCORE = 3  # zxcvbn's 0-4 scale: "safely unguessable" and above


class WeakPasswordError(ValueError):
    """The password breaks the policy; the message says which rule."""


@lru_cache(maxsize=4)
def password_hasher(time_cost: int = 3) -> PasswordHasher:
    """argon2id with at least OWASP's minimum (19 MiB, t=2); production uses t=3, 64 MiB."""
    memory_cost_kib = 65_536 if time_cost >= 2 else 19_456
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=1)


def hash_password(password: str, time_cost: int = 3) -> str:
    return password_hasher(time_cost).hash(password)


def verify_password(password_hash: str, password: str, time_cost: int = 3) -> bool:
    """True when the password matches; False for a mismatch or an unreadable hash."""
    try:
        return password_hasher(time_cost).verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str, time_cost: int = 3) -> bool:
    return password_hasher(time_cost).check_needs_rehash(password_hash)


def check_password_policy(password: str, username: str = "") -> None:
    """Raise WeakPasswordError unless the password is 12-128 characters and not trivially guessable."""
    if len(password) < MINIMUM_PASSWORD_LENGTH:
        raise WeakPasswordError(f"Use at least {MINIMUM_PASSWORD_LENGTH} characters (a short sentence works well).")
    if len(password) > MAXIMUM_PASSWORD_LENGTH:
        raise WeakPasswordError(f"Use at most {MAXIMUM_PASSWORD_LENGTH} characters.")
    if username and username.casefold() in password.casefold():
        raise WeakPasswordError("The password must not contain the username.")
    if len(set(password)) < 4:
        raise WeakPasswordError("The password repeats too few different characters.")
    if _is_common_password(password):
        raise WeakPasswordError("That is one of the most common passwords: choose something less guessable.")
    assessment = _assess(password, username)
    if assessment["score"] < MINIMUM_STRENGTH_SCORE:
        hint = assessment["feedback"]["warning"] or "Add another word or two."
        raise WeakPasswordError(f"That password is too easy to guess. {hint}".strip())


def _is_common_password(password: str) -> bool:
    """On the offline list of the 30,000 most common passwords (shipped with zxcvbn)."""
    return password.casefold() in _common_passwords()


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def _assess(password: str, username: str) -> dict[str, Any]:
    from zxcvbn import zxcvbn

    return zxcvbn(password, user_inputs=[username, "foodtrain", "food train"] if username else ["foodtrain"])
