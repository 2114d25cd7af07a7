"""Column types shared by the models."""

from __future__ import annotations

import enum
from datetime import datetime, timezone

from sqlalchemy import Enum as SqlEnum


def enum_type(enum_class: type[enum.Enum], name: str) -> SqlEnum:
    """A portable enum column: stored as its value in VARCHAR with a named CHECK constraint."""
    return SqlEnum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
        length=max(len(member.value) for member in enum_class),
    )


def utc_now() -> datetime:
    """Timezone-naive UTC now, the form every timestamp column stores."""
    return datetime.now(timezone.utc).replace(tzinfo=None)
