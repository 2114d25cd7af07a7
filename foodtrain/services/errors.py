"""Domain exceptions that the web layer turns into responses."""
from __future__ import annotations


class NotFoundError(LookupError):
    """No such record in the caller's branch (another branch's record looks the same: absent)."""


class ValidationError(ValueError):
    """Input breaks a rule; `field_errors` maps field names to messages."""

    def __init__(self, field_errors: dict[str, str]):
        self.field_errors = field_errors
        super().__init__("; ".join(f"{field}: {message}" for field, message in field_errors.items()))


class ConfirmationNeeded(Exception):
    """The action is allowed but has consequences the user should see first; `warnings` lists them."""

    def __init__(self, warnings: list[str]):
        self.warnings = warnings
        super().__init__("; ".join(warnings))
