"""Tables as CSV and Excel files, safe to open in a spreadsheet.

A spreadsheet runs a cell that starts with = + - @ (or a tab or carriage return)
as a formula: a customer called "=HYPERLINK(...)" must not become a link in the
coordinator's Excel. `safe_cell` is the one rule for that; every export uses it.
"""

from __future__ import annotations

import csv
import enum
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

# What a spreadsheet may read as the start of a formula (OWASP "CSV injection"),
# plus the full-width forms some spreadsheets also accept.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_MAX_SHEET_TITLE = 31


def safe_cell(value: object) -> object:
    """The value as a spreadsheet should see it: text that could start a formula gets a leading apostrophe.

    Numbers, dates and None pass through unchanged (a number is never run as a formula).
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


class CellKind(enum.Enum):
    """What a column holds, so each output can format it (HTML "£1.50", CSV "1.50", Excel a number)."""

    TEXT = "text"
    COUNT = "count"
    PENCE = "pence"
    HOURS = "hours"


@dataclass(frozen=True)
class Column:
    heading: str
    kind: CellKind = CellKind.TEXT


@dataclass(frozen=True)
class Table:
    """A titled table of plain values; money in whole pence, hours as numbers."""

    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[object, ...], ...]
    totals: tuple[object, ...] | None = None
    notes: tuple[str, ...] = field(default=())

    def all_rows(self) -> tuple[tuple[object, ...], ...]:
        return self.rows + ((self.totals,) if self.totals is not None else ())


def _plain_value(value: object, kind: CellKind) -> object:
    """A cell as written to a file: pence as pounds (Decimal), hours as a number, text made safe."""
    if value is None:
        return ""
    if kind is CellKind.PENCE and isinstance(value, int):
        return Decimal(value) / 100
    if kind is CellKind.HOURS and isinstance(value, (int, float, Decimal)):
        return Decimal(str(value))
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return safe_cell(str(value.value))
    if isinstance(value, str):
        return safe_cell(value)
    return value


def _csv_text(value: object, kind: CellKind) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}" if kind is CellKind.PENCE else format(value.normalize(), "f")
    return str(value)


def tables_to_csv(tables: Sequence[Table]) -> bytes:
    """One CSV file (UTF-8 with BOM, so Excel reads £ right): each table under its title, a blank line between."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for index, table in enumerate(tables):
        if index:
            writer.writerow([])
        writer.writerow([safe_cell(table.title)])
        for note in table.notes:
            writer.writerow([safe_cell(note)])
        writer.writerow([safe_cell(_heading(column)) for column in table.columns])
        for row in table.all_rows():
            writer.writerow(
                [_csv_text(_plain_value(value, column.kind), column.kind) for value, column in zip(row, table.columns)]
            )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _heading(column: Column) -> str:
    if column.kind is CellKind.PENCE:
        return f"{column.heading} (£)"
    return column.heading


def sheet_title(title: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet name (at most 31 characters, none of []:*?/\\)."""
    base = _SHEET_TITLE_FORBIDDEN.sub(" ", title).strip().strip("'") or "Sheet"
    base = base[:_MAX_SHEET_TITLE]
    candidate, number = base, 2
    while candidate.lower() in taken:
        suffix = f" ({number})"
        candidate = base[: _MAX_SHEET_TITLE - len(suffix)] + suffix
        number += 1
    taken.add(candidate.lower())
    return candidate


_NUMBER_FORMATS = {CellKind.PENCE: '"£"#,##0.00', CellKind.HOURS: "#,##0.0", CellKind.COUNT: "#,##0"}


def tables_to_xlsx(tables: Sequence[Table]) -> bytes:
    """An Excel workbook with one sheet per table: title, headings in bold, numbers as numbers."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    bold = Font(bold=True)
    for table in tables:
        sheet = workbook.create_sheet(sheet_title(table.title, taken))
        sheet.append([safe_cell(table.title)])
        sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
        for note in table.notes:
            sheet.append([safe_cell(note)])
        sheet.append([safe_cell(_heading(column)) for column in table.columns])
        heading_row = sheet.max_row
        for cell in sheet[heading_row]:
            cell.font = bold
        for row in table.all_rows():
            values = [_plain_value(value, column.kind) for value, column in zip(row, table.columns)]
            sheet.append([float(value) if isinstance(value, Decimal) else value for value in values])
            for cell, column in zip(sheet[sheet.max_row], table.columns):
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula, whatever the text says
                elif column.kind in _NUMBER_FORMATS:
                    cell.number_format = _NUMBER_FORMATS[column.kind]
        if table.totals is not None:
            for cell in sheet[sheet.max_row]:
                cell.font = bold
        for index, column in enumerate(table.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(12, min(40, len(_heading(column)) + 4))
        sheet.freeze_panes = sheet.cell(row=heading_row + 1, column=1)
    if not tables:
        workbook.create_sheet("Empty")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
