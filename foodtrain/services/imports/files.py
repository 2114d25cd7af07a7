"""Reading an uploaded CSV or Excel file into numbered rows of cells, within the size limits."""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from datetime import date, datetime, time

from foodtrain.services.errors import ValidationError
from foodtrain.services.imports.columns import (
    HEADER_ALIASES,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_IMPORT_ROWS,
    MAX_XLSX_MEMBERS,
    MAX_XLSX_UNPACKED_BYTES,
)


def normalise_header(text: object) -> str:
    key = re.sub(r"[^a-z0-9]+", "_", str(text or "").strip().lower()).strip("_")
    return HEADER_ALIASES.get(key, key)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0, 0) else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()[:MAX_CELL_CHARS]


def _read_csv(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise ValidationError({"file": "The file is not readable text. Save it as CSV (UTF-8) and try again."})
    if "\x00" in text:
        raise ValidationError({"file": "The file is not a CSV text file. Save it as CSV (UTF-8) or .xlsx."})
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        for row in reader:
            rows.append([cell.strip()[:MAX_CELL_CHARS] for cell in row[:MAX_COLUMNS]])
            if len(rows) > MAX_IMPORT_ROWS + 1:
                break
    except csv.Error as error:
        raise ValidationError({"file": f"The CSV file is damaged near line {reader.line_num}: {error}."}) from None
    return rows


def check_xlsx_unpacked_size(data: bytes) -> None:
    """Refuse an .xlsx that would unpack to more than MAX_XLSX_UNPACKED_BYTES (zipfile never reads past the
    sizes the archive declares, so checking the declared sizes bounds the real work)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ValidationError(
            {"file": "The Excel file could not be read. Save it as .xlsx (or CSV) and try again."}
        ) from None
    unpacked_bytes = sum(member.file_size for member in members)
    if len(members) > MAX_XLSX_MEMBERS or unpacked_bytes > MAX_XLSX_UNPACKED_BYTES:
        raise ValidationError(
            {
                "file": f"The Excel file unpacks to {unpacked_bytes // (1024 * 1024)} MB, more than "
                f"the {MAX_XLSX_UNPACKED_BYTES // (1024 * 1024)} MB an import may hold: "
                "remove large cells, pictures or extra sheets, or save it as CSV."
            }
        )


def _read_xlsx(data: bytes) -> list[list[str]]:
    import openpyxl

    check_xlsx_unpacked_size(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it ignores anyway
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                rows = []
                for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
                    rows.append([_cell_text(value) for value in values])
                    if len(rows) > MAX_IMPORT_ROWS + 1:
                        break
            finally:
                workbook.close()
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError, TypeError):
        raise ValidationError(
            {"file": "The Excel file could not be read. Save it as .xlsx (or CSV) and try again."}
        ) from None
    return rows


def read_table(filename: str, data: bytes) -> list[tuple[int, dict[str, str]]]:
    """The rows of the first sheet as (spreadsheet row number, {column: text}), blank rows left out."""
    name = (filename or "").lower()
    if name.endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        raw = _read_xlsx(data)
    elif name.endswith((".csv", ".txt")) or not name:
        raw = _read_csv(data)
    else:
        raise ValidationError({"file": "Upload a .csv or .xlsx file (older .xls files: save as .xlsx first)."})
    while raw and not any(raw[0]):
        raw.pop(0)
    if not raw:
        raise ValidationError({"file": "The file is empty."})
    headers = [normalise_header(cell) for cell in raw[0]]
    rows = []
    for offset, values in enumerate(raw[1:], start=2):
        if not any(value.strip() for value in values):
            continue
        cells = {
            header: values[index].strip() if index < len(values) else ""
            for index, header in enumerate(headers)
            if header
        }
        rows.append((offset, cells))
    if len(rows) > MAX_IMPORT_ROWS:
        raise ValidationError({"file": f"The file has more than {MAX_IMPORT_ROWS} rows: split it into smaller files."})
    return rows
