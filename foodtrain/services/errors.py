"""Domain exceptions that the web layer turns into responses."""

from __future__ import annotations

from sqlalchemy.orm.attributes import flag_modified


class NotFoundError(LookupError):
    """No such record in the caller's branch (another branch's record looks the same: absent)."""


class ValidationError(ValueError):
    """Input breaks a rule; `field_errors` maps field names to messages."""

    def __init__(self, field_errors: dict[str, str]):
        self.field_errors = field_errors
        super().__init__("; ".join(f"{field}: {message}" for field, message in field_errors.items()))


class StaleRecordError(ValidationError):
    """The record changed since the form was loaded (optimistic locking): nothing was written.

    One wording for every kind of record: ``record`` names it ("order", "rota", "plan"), ``how`` may say what
    kind of change it was. The message goes on the form's ``version`` field."""

    def __init__(self, record: str = "record", how: str = "") -> None:
        self.message = (
            f"This {record} was changed by someone else meanwhile{f' ({how})' if how else ''}. "
            "Reload the page to see the latest version, then make your change again."
        )
        super().__init__({"version": self.message})


def check_version(
    record_version: int,
    expected_version: int | None,
    *,
    record: str = "record",
    how: str = "",
    missing_is_stale: bool = True,
) -> None:
    """Raise StaleRecordError unless the form's ``expected_version`` is still the record's version.

    The one "changed by someone else" check before a change. A form always sends its version, so a missing
    one counts as stale; services that are also called without a form (the demo, jobs, the CLI) pass
    ``missing_is_stale=False`` and then skip the check when no version is given.
    """
    if expected_version is None:
        if missing_is_stale:
            raise StaleRecordError(record, how)
        return
    if record_version != expected_version:
        raise StaleRecordError(record, how)


def mark_new_version(record: object, column_as_it_is: str) -> None:
    """Make the change being made to rows that belong to ``record`` (a plan's rounds, a rota's seats) a new
    version of ``record``, so that check_version refuses a form read before it.

    The version is SQLAlchemy's version counter (``version_id_col``): an UPDATE of the record's row bumps it and,
    in its WHERE, checks that nobody else did meanwhile. A change of the rows that belong to it alone does not
    update its row, so one of its loaded columns, ``column_as_it_is`` (never the version itself, which would then
    be written unchanged), is marked changed here with its value as it is."""
    flag_modified(record, column_as_it_is)


class ConfirmationNeeded(Exception):
    """The action is allowed but has consequences the user should see first; `warnings` lists them."""

    def __init__(self, warnings: list[str]):
        self.warnings = warnings
        super().__init__("; ".join(warnings))
