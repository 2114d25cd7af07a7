"""Exports: the formula-injection rule, and CSV/Excel files that keep numbers as numbers and text as text."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from foodtrain.exports import CellKind, Column, Table, safe_cell, sheet_title, tables_to_csv, tables_to_xlsx

DANGEROUS = ["=1+1", "+44 1387 123456", "-2+3", "@SUM(A1:A2)", "\tfoo", "\rbar", '=HYPERLINK("http://x")', "\uff1dcmd"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_safe_cell_prefixes_formula_starts(text: str) -> None:
    """Text starting with = + - @ tab or CR (or their full-width forms) gets one leading apostrophe."""
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Agnes", "", "a=b", " =1", "'=1", 42, -5, 3.5, None, date(2026, 1, 1)])
def test_safe_cell_leaves_the_rest_alone(value: object) -> None:
    """Ordinary text, text with = later on, numbers (even negative), None and dates pass through unchanged."""
    assert safe_cell(value) == value


def _table(name: str) -> Table:
    return Table(
        name,
        (
            Column("Branch"),
            Column("Orders", CellKind.COUNT),
            Column("Charges", CellKind.PENCE),
            Column("Hours", CellKind.HOURS),
        ),
        ((name, 12, 3650, 3.5), ("-1 Street", 0, 0, 0)),
        ("Total", 12, 3650, 3.5),
        ("=note",),
    )


def test_csv_is_safe_and_readable() -> None:
    """The CSV starts with a BOM, shows pounds with two decimals, and neutralises every dangerous text cell."""
    content = tables_to_csv([_table("=cmd|' /C calc'!A0"), _table("Second")])
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert "'=cmd|' /C calc'!A0" in cells and "'-1 Street" in cells and "'=note" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert ["Branch", "Orders", "Charges (£)", "Hours"] in rows
    assert ["Total", "12", "36.50", "3.5"] in rows
    assert [] in rows  # a blank line between the two tables


def test_xlsx_has_text_never_formulas_and_numbers_as_numbers() -> None:
    """In the workbook a dangerous name is a string cell with the apostrophe; money and counts are numbers."""
    workbook = load_workbook(io.BytesIO(tables_to_xlsx([_table("=SUM(1,2)"), _table("=SUM(1,2)")])))
    assert len(workbook.sheetnames) == 2 and workbook.sheetnames[0] != workbook.sheetnames[1]
    sheet = workbook.worksheets[0]
    values = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert all(cell.data_type != "f" for cell in values)
    texts = [cell.value for cell in values if isinstance(cell.value, str)]
    assert "'=SUM(1,2)" in texts and not any(text.startswith("=") for text in texts)
    numbers = {cell.value for cell in values if isinstance(cell.value, (int, float))}
    assert {12, 36.5, 3.5} <= numbers


def test_sheet_titles_are_valid_and_unique() -> None:
    """Sheet names lose characters Excel forbids, stay within 31 characters and never repeat."""
    taken: set[str] = set()
    first = sheet_title("Charges and payments: Dumfries & Galloway [all]", taken)
    second = sheet_title("Charges and payments: Dumfries & Galloway [all]", taken)
    assert len(first) <= 31 and len(second) <= 31 and first != second
    assert not set("[]:*?/\\") & set(first + second)
    assert sheet_title("", taken) == "Sheet"
