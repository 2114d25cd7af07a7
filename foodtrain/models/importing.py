"""Spreadsheet imports held between the preview and the confirmation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from foodtrain.extensions import Model
from foodtrain.models._types import utc_now


class ImportBatch(Model):
    """An uploaded file's parsed rows, kept on the server until the user confirms or cancels the import.

    Scoped to the branch and the user who uploaded it and reached by an unguessable token; the rows are
    cleared once the batch is imported or cancelled.
    """

    __tablename__ = "import_batches"
    __table_args__ = (
        CheckConstraint("kind IN ('customers', 'volunteers')", name="kind_known"),
        CheckConstraint("status IN ('preview', 'imported', 'cancelled')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="preview")
    rows_json: Mapped[str] = mapped_column(Text, default="[]")
    row_count: Mapped[int] = mapped_column(default=0)
    imported_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    finished_at: Mapped[datetime | None]
