"""Importing customers and volunteers from the spreadsheets charities keep today (CSV and Excel .xlsx).

Upload → preview → confirm:

* `start_import` reads the file, keeps its rows (as text) in an ImportBatch row on the server under a random
  token, scoped to the branch and the user who uploaded it, and writes nothing else.
* `import_preview` checks every row (the same checks as the forms, plus duplicates and unknown shops) and
  lists each row with its problems.
* `confirm_import` checks everything again (the branch may have changed meanwhile) and writes all rows in one
  transaction, or nothing at all. A second confirm of the same batch writes nothing.

The rows are cleared from the batch once it is imported or cancelled; previews older than a day expire.

The package, along the seams: `columns` (what the spreadsheets hold), `files` (reading an upload),
`cells` (reading one cell), `rows` (checking rows), `batches` (upload, preview, confirm, cancel) and
`downloads` (templates and problems as CSV). The names below are its public surface.
"""

from __future__ import annotations

from foodtrain.services.imports.columns import (
    COLUMNS,
    CUSTOMER_COLUMNS,
    ImportPreview,
    KINDS,
    MAX_IMPORT_ROWS,
    PreviewRow,
    VOLUNTEER_COLUMNS,
)
from foodtrain.services.imports.files import read_table
from foodtrain.services.imports.rows import check_rows
from foodtrain.services.imports.batches import (
    cancel_import,
    confirm_import,
    ignored_columns,
    import_preview,
    recent_imports,
    start_import,
)
from foodtrain.services.imports.downloads import neutralise_cell, problems_csv, template_csv

__all__ = [
    "COLUMNS",
    "CUSTOMER_COLUMNS",
    "ImportPreview",
    "KINDS",
    "MAX_IMPORT_ROWS",
    "PreviewRow",
    "VOLUNTEER_COLUMNS",
    "cancel_import",
    "check_rows",
    "confirm_import",
    "ignored_columns",
    "import_preview",
    "neutralise_cell",
    "problems_csv",
    "read_table",
    "recent_imports",
    "start_import",
    "template_csv",
]
