"""CSV out: the blank templates and the problems of a preview, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

from foodtrain.exports import safe_cell
from foodtrain.services.errors import NotFoundError
from foodtrain.services.imports.columns import COLUMNS, ImportPreview, KINDS, TEMPLATE_DIRECTORY


def neutralise_cell(value: object) -> str:
    """A cell that a spreadsheet would run as a formula is written with a leading quote: the one rule of
    foodtrain.exports.safe_cell (= + - @, tab, CR, LF and their full-width forms)."""
    text = "" if value is None else str(value)
    return str(safe_cell(text))


def template_csv(kind: str) -> str:
    """The heading row of the template for customers or volunteers."""
    if kind not in KINDS:
        raise NotFoundError("No such template.")
    return (TEMPLATE_DIRECTORY / f"{kind}.csv").read_text(encoding="utf-8")


def problems_csv(preview: ImportPreview) -> str:
    """The rows with problems as CSV (the columns of the file plus row number and problem), formula-safe."""
    columns = list(COLUMNS[preview.kind])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "problems", *columns])
    for row in preview.rows:
        if row.errors:
            problems = "; ".join(f"{column}: {message}" for column, message in row.errors.items())
            writer.writerow(
                [
                    row.number,
                    neutralise_cell(problems),
                    *(neutralise_cell(row.cells.get(column, "")) for column in columns),
                ]
            )
    return out.getvalue()
