"""Upload, preview, confirm and cancel of an import batch (kept server-side under a token, per user)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.orm import Session

from foodtrain.models import Customer, CustomerStatus, CustomerSupportNeed, ImportBatch, Volunteer
from foodtrain.models._types import utc_now
from foodtrain.secret_tokens import new_token
from foodtrain.services.audit import Actor, record_event
from foodtrain.services.errors import NotFoundError, ValidationError
from foodtrain.services.people import in_branch
from foodtrain.services.volunteers import apply_collections
from foodtrain.services.imports.columns import BATCH_LIFETIME, COLUMNS, ImportPreview, KINDS, PreviewRow, REQUIRED
from foodtrain.services.imports.files import read_table
from foodtrain.services.imports.rows import check_rows


def _batch(session: Session, branch_id: int, actor: Actor, token: str) -> ImportBatch:
    """The acting user's own batch (a preview is seen only by whoever uploaded it)."""
    batch = session.scalar(
        in_branch(
            select(ImportBatch).where(ImportBatch.token == (token or "")[:64], ImportBatch.user_id == actor.user_id),
            ImportBatch,
            branch_id,
        )
    )
    if batch is None:
        raise NotFoundError("No such import for you in this branch.")
    if batch.status == "preview" and utc_now() - batch.created_at > BATCH_LIFETIME:
        raise NotFoundError("This import preview has expired: upload the file again.")
    return batch


def _rows_of(batch: ImportBatch) -> list[PreviewRow]:
    return [PreviewRow(number=item["row"], cells=item["cells"]) for item in json.loads(batch.rows_json or "[]")]


def start_import(session: Session, branch_id: int, *, kind: str, filename: str, data: bytes, actor: Actor) -> str:
    """Read the upload and keep its rows for the preview; returns the batch token. Writes no people."""
    if kind not in KINDS:
        raise ValidationError({"kind": "Choose customers or volunteers."})
    if not data:
        raise ValidationError({"file": "Choose a file to upload."})
    rows = read_table(filename, data)
    if not rows:
        raise ValidationError({"file": "The file has a heading row but no people in it."})
    present = set(rows[0][1])
    missing = [column for column in REQUIRED[kind] if column not in present]
    if missing:
        raise ValidationError(
            {
                "file": "The file has no column for: "
                + ", ".join(missing)
                + ". Start from the template to get the headings right."
            }
        )
    known = set(COLUMNS[kind])
    payload = [
        {"row": number, "cells": {column: value for column, value in cells.items() if column in known}}
        for number, cells in rows
    ]
    session.execute(
        delete(ImportBatch).where(ImportBatch.status == "preview", ImportBatch.created_at < utc_now() - BATCH_LIFETIME)
    )
    token = new_token()
    session.add(
        ImportBatch(
            token=token,
            branch_id=branch_id,
            user_id=actor.user_id,
            kind=kind,
            filename=Path(filename or "upload").name[:200],
            rows_json=json.dumps(payload),
            row_count=len(payload),
        )
    )
    record_event(
        session,
        actor=actor,
        action="import.upload",
        entity_type=kind,
        branch_id=branch_id,
        detail=f"rows={len(payload)}",
    )
    session.commit()
    return token


def ignored_columns(kind: str, headers: Iterable[str]) -> list[str]:
    return [header for header in headers if header not in COLUMNS[kind]]


def import_preview(session: Session, branch_id: int, actor: Actor, token: str, today: date) -> ImportPreview:
    """Every row of the batch with its problems (checked now, against the branch as it is now)."""
    batch = _batch(session, branch_id, actor, token)
    rows = _rows_of(batch)
    if batch.status == "preview":
        check_rows(session, branch_id, batch.kind, rows, today)
        session.rollback()  # checking reads only; end the read transaction
    return ImportPreview(
        token=batch.token,
        kind=batch.kind,
        filename=batch.filename,
        status=batch.status,
        rows=rows,
        imported_count=batch.imported_count,
    )


def confirm_import(session: Session, branch_id: int, actor: Actor, token: str, *, today: date) -> int:
    """Write every row of the batch in one transaction, or nothing; returns how many people were added.

    Raises ValidationError when any row has a problem (nothing is written). A batch already imported
    returns its count again without writing anything.
    """
    batch = _batch(session, branch_id, actor, token)
    if batch.status == "imported":
        return batch.imported_count
    if batch.status != "preview":
        raise ValidationError({"batch": "This import was cancelled: upload the file again."})
    rows = _rows_of(batch)
    results = check_rows(session, branch_id, batch.kind, rows, today)
    bad = sum(1 for row in rows if row.errors)
    if bad or not rows:
        session.rollback()
        raise ValidationError(
            {
                "batch": f"{bad} row{'' if bad == 1 else 's'} still have problems: nothing was "
                "imported. Fix them in the spreadsheet and upload it again."
            }
        )
    claimed = cast(
        CursorResult[Any],
        session.execute(
            update(ImportBatch)
            .where(ImportBatch.id == batch.id, ImportBatch.status == "preview")
            .values(status="imported", rows_json="[]", imported_count=len(rows), finished_at=utc_now())
        ),
    )
    if claimed.rowcount != 1:  # a concurrent confirm got there first
        session.rollback()
        return _batch(session, branch_id, actor, token).imported_count
    try:
        if batch.kind == "customers":
            for values, needs in results:
                values = dict(values)
                values.setdefault("joined_on", today)
                customer = Customer(branch_id=branch_id, status=CustomerStatus.ACTIVE, **values)
                customer.support_needs = [
                    CustomerSupportNeed(need=need) for need in sorted(needs, key=lambda n: n.value)
                ]
                session.add(customer)
        else:
            for values, checked in results:
                values = dict(values)
                values.setdefault("joined_on", today)
                volunteer = Volunteer(branch_id=branch_id, **values)
                apply_collections(volunteer, checked)
                session.add(volunteer)
        session.flush()
        record_event(
            session,
            actor=actor,
            action="import.confirm",
            entity_type=batch.kind,
            branch_id=branch_id,
            detail=f"rows={len(rows)} batch={batch.id}",
        )
        session.commit()
    except Exception:
        session.rollback()
        raise
    return len(rows)


def cancel_import(session: Session, branch_id: int, actor: Actor, token: str) -> None:
    """Drop a preview and its rows (nothing was written)."""
    batch = _batch(session, branch_id, actor, token)
    if batch.status == "preview":
        batch.status, batch.rows_json, batch.finished_at = "cancelled", "[]", utc_now()
        session.commit()


def recent_imports(session: Session, branch_id: int, actor: Actor, limit: int = 10) -> Sequence[ImportBatch]:
    """The acting user's latest uploads in the branch."""
    return session.scalars(
        in_branch(select(ImportBatch).where(ImportBatch.user_id == actor.user_id), ImportBatch, branch_id)
        .order_by(ImportBatch.created_at.desc())
        .limit(limit)
    ).all()
