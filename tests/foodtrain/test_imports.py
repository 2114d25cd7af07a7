"""Spreadsheet imports: read CSV and Excel, preview row-level problems, write all rows or nothing."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import func, select

from foodtrain.models import AuditEvent, Customer, ImportBatch, PvgStatus, SupportNeed, UserRole, Volunteer
from foodtrain.services import imports
from foodtrain.services.audit import Actor
from foodtrain.services.errors import NotFoundError, ValidationError
from tests.factories import make_branch, make_customer, make_shop, make_user, make_volunteer

TODAY = date(2026, 11, 25)
CUSTOMER_HEAD = "first_name,last_name,address_line1,town,postcode,shop,delivery_weekday,date_of_birth,support_needs\n"


def _setup(session):
    branch = make_branch(session)
    shop = make_shop(session, branch, name="Nithside Superstore")
    actor = Actor(user_id=make_user(session, branch, UserRole.COORDINATOR), username="tester")
    return branch, shop, actor


def _start(session, branch, actor, text: str, kind: str = "customers", filename: str = "people.csv") -> str:
    data = text.encode() if isinstance(text, str) else text
    return imports.start_import(session, branch.id, kind=kind, filename=filename, data=data, actor=actor)


def _count(session, model) -> int:
    return session.scalar(select(func.count(model.id)))


def test_valid_csv_previews_clean_and_imports_every_row_once(session) -> None:
    """Two good rows: the preview writes nobody, confirm adds both with their position, a second confirm adds none."""
    branch, _shop, actor = _setup(session)
    token = _start(
        session,
        branch,
        actor,
        CUSTOMER_HEAD
        + "Agnes,Maxwell,4 Church Road,Dumfries,dg1 2bd,nithside superstore,Tuesday,01/05/1940,unpacking; hearing\n"
        + "Jean,Irving,7 Mill Lane,Dumfries,DG1 2BD,Nithside Superstore,Thu,1938-02-03,\n\n",
    )
    preview = imports.import_preview(session, branch.id, actor, token, TODAY)
    assert [row.errors for row in preview.rows] == [{}, {}] and preview.ready
    assert _count(session, Customer) == 0
    assert imports.confirm_import(session, branch.id, actor, token, today=TODAY) == 2
    agnes = session.scalar(select(Customer).where(Customer.last_name == "Maxwell"))
    assert agnes.postcode == "DG1 2BD" and agnes.latitude is not None and agnes.delivery_weekday == 1
    assert agnes.support_need_values == {SupportNeed.UNPACKING, SupportNeed.HEARING}
    assert agnes.frequency_anchor_date.weekday() == 1
    assert imports.confirm_import(session, branch.id, actor, token, today=TODAY) == 2
    assert _count(session, Customer) == 2
    batch = session.scalar(select(ImportBatch))
    assert batch.status == "imported" and batch.rows_json == "[]"
    assert "import.confirm" in session.scalars(select(AuditEvent.action)).all()


def test_row_level_problems_are_listed_and_nothing_is_written(session) -> None:
    """Unknown postcode, bad date, unknown shop, duplicates in the file and in the branch: each row says why."""
    branch, shop, actor = _setup(session)
    make_customer(session, branch, shop, first_name="Existing", last_name="Person", postcode="DG1 2BD")
    session.commit()
    token = _start(
        session,
        branch,
        actor,
        CUSTOMER_HEAD
        + "Good,Row,1 A St,Dumfries,DG1 2BD,Nithside Superstore,Tuesday,01/05/1940,\n"
        + "No,Place,1 A St,Dumfries,EH1 9ZZ,Nithside Superstore,Tuesday,01/05/1940,\n"
        + "Bad,Date,1 A St,Dumfries,DG1 2BD,Nithside Superstore,Tuesday,31/02/1940,\n"
        + "Wrong,Shop,1 A St,Dumfries,DG1 2BD,Tesco Metro,Tuesday,01/05/1940,\n"
        + "Good,Row,1 A St,Dumfries,DG1 2BD,Nithside Superstore,Tuesday,01/05/1940,\n"
        + "Existing,Person,1 A St,Dumfries,DG1 2BD,Nithside Superstore,Tuesday,01/05/1940,\n"
        + "Odd,Needs,1 A St,Dumfries,DG1 2BD,Nithside Superstore,Someday,01/05/1940,flying\n",
    )
    preview = imports.import_preview(session, branch.id, actor, token, TODAY)
    errors = {row.number: row.errors for row in preview.rows}
    assert errors[2] == {}
    assert "not in the offline postcode dataset" in errors[3]["postcode"]
    assert "not a real date" in errors[4]["date_of_birth"]
    assert "Tesco Metro" in errors[5]["shop"]
    assert "row 2" in errors[6]["duplicate"] and "Already in this branch" in errors[7]["duplicate"]
    assert {"delivery_weekday", "support_needs"} <= set(errors[8])
    assert preview.error_count == 6 and not preview.ready
    with pytest.raises(ValidationError) as caught:
        imports.confirm_import(session, branch.id, actor, token, today=TODAY)
    assert "nothing was imported" in caught.value.field_errors["batch"]
    assert _count(session, Customer) == 1


@pytest.mark.postgres
def test_import_on_postgresql_writes_all_rows(postgres_app) -> None:
    """On PostgreSQL too: a clean file imports every row in one go, and long cells are refused, not truncated."""
    from foodtrain.extensions import db

    with postgres_app.app_context():
        session = db.session
        branch, _shop, actor = _setup(session)
        session.commit()
        long_name = "x" * 90
        token = _start(
            session,
            branch,
            actor,
            CUSTOMER_HEAD
            + f"{long_name},Maxwell,4 Church Road,Dumfries,DG1 2BD,Nithside Superstore,Tuesday,01/05/1940,\n",
        )
        preview = imports.import_preview(session, branch.id, actor, token, TODAY)
        assert "too long" in preview.rows[0].errors["first_name"]
        token = _start(
            session,
            branch,
            actor,
            CUSTOMER_HEAD
            + "Agnes,Maxwell,4 Church Road,Dumfries,DG1 2BD,Nithside Superstore,Tuesday,01/05/1940,memory\n"
            + "Jean,Irving,7 Mill Lane,Dumfries,DG1 2BD,Nithside Superstore,Tuesday,01/05/1941,\n",
        )
        assert imports.confirm_import(session, branch.id, actor, token, today=TODAY) == 2
        assert _count(session, Customer) == 2


def test_a_failure_while_writing_leaves_nothing_half_imported(session, monkeypatch) -> None:
    """If writing breaks after some rows were added, the whole import rolls back and the batch can be retried."""
    branch, _shop, actor = _setup(session)
    token = _start(
        session,
        branch,
        actor,
        CUSTOMER_HEAD
        + "Agnes,Maxwell,4 Church Road,Dumfries,DG1 2BD,Nithside Superstore,Tuesday,01/05/1940,\n"
        + "Jean,Irving,7 Mill Lane,Dumfries,DG1 2BD,Nithside Superstore,Tuesday,01/05/1941,\n",
    )

    def broken(*_args, **_kwargs) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports.batches, "record_event", broken)
    with pytest.raises(RuntimeError):
        imports.confirm_import(session, branch.id, actor, token, today=TODAY)
    assert _count(session, Customer) == 0
    assert session.scalar(select(ImportBatch.status)) == "preview"
    monkeypatch.undo()
    assert imports.confirm_import(session, branch.id, actor, token, today=TODAY) == 2


def test_excel_file_with_date_cells_and_aliases(session) -> None:
    """An .xlsx whose headings are everyday words ("Surname", "Delivery day") and whose dates are real date cells."""
    branch, _shop, actor = _setup(session)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["First name", "Surname", "Address", "Town", "Post code", "Shop", "Delivery day", "DOB", "Phone"])
    sheet.append(
        [
            "Agnes",
            "Maxwell",
            "4 Church Road",
            "Dumfries",
            "DG1 2BD",
            "Nithside Superstore",
            "Friday",
            datetime(1940, 5, 1),
            1387123456,
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    token = _start(session, branch, actor, buffer.getvalue(), filename="list.xlsx")
    preview = imports.import_preview(session, branch.id, actor, token, TODAY)
    assert preview.rows[0].errors == {} and preview.rows[0].cells["date_of_birth"] == "1940-05-01"
    imports.confirm_import(session, branch.id, actor, token, today=TODAY)
    customer = session.scalar(select(Customer))
    assert (customer.date_of_birth, customer.delivery_weekday, customer.phone) == (date(1940, 5, 1), 4, "1387123456")


def test_volunteers_import_roles_availability_and_pvg(session) -> None:
    """Volunteer rows bring roles, the availability grid ("Mon am; Wed pm*") and PVG status; under-16s are refused."""
    branch, _shop, actor = _setup(session)
    make_volunteer(session, branch, first_name="Dup", last_name="Licate", date_of_birth=date(1980, 1, 1))
    session.commit()
    text = (
        "first_name;last_name;date_of_birth;roles;availability;pvg_status;pvg_issued_on;is_trainee;"
        "shadow_shifts_remaining\n"
        'Morag;Baird;06/06/1970;driver, delivery mate;"Mon am; Wed pm*";cleared;01/03/2024;no;\n'
        "Young;Person;01/01/2015;shopper;;;;;\n"
        "Dup;Licate;1980-01-01;office;;;;;\n"
        "Tam;Shanter;1960-01-01;office;Funday am;cleared;;maybe;x\n"
    )
    token = _start(session, branch, actor, text, kind="volunteers")
    preview = imports.import_preview(session, branch.id, actor, token, TODAY)
    errors = [row.errors for row in preview.rows]
    assert errors[0] == {}
    assert "16" in errors[1]["date_of_birth"] and "duplicate" in errors[2]
    assert {"availability", "is_trainee", "shadow_shifts_remaining"} <= set(errors[3])
    with pytest.raises(ValidationError):
        imports.confirm_import(session, branch.id, actor, token, today=TODAY)
    good = _start(session, branch, actor, text.split("Young")[0], kind="volunteers")
    assert imports.confirm_import(session, branch.id, actor, good, today=TODAY) == 1
    morag = session.scalar(select(Volunteer).where(Volunteer.last_name == "Baird"))
    assert morag.pvg_status is PvgStatus.CLEARED and morag.pvg_issued_on == date(2024, 3, 1)
    assert {(a.weekday, a.day_part.value, a.preferred) for a in morag.availability} == {
        (0, "morning", False),
        (2, "afternoon", True),
    }
    assert {r.role.value for r in morag.roles} == {"driver", "delivery_mate"}


def test_batches_belong_to_their_user_and_branch(session) -> None:
    """Another user, or the same token in another branch, finds no batch; a cancelled batch keeps no rows."""
    branch, _shop, actor = _setup(session)
    other_user = Actor(user_id=make_user(session, branch, UserRole.COORDINATOR), username="other")
    other_branch = make_branch(session)
    session.commit()
    token = _start(session, branch, actor, CUSTOMER_HEAD + "A,B,1 St,Town,DG1 2BD,Nithside Superstore,Mon,,\n")
    with pytest.raises(NotFoundError):
        imports.import_preview(session, branch.id, other_user, token, TODAY)
    with pytest.raises(NotFoundError):
        imports.confirm_import(session, other_branch.id, actor, token, today=TODAY)
    imports.cancel_import(session, branch.id, actor, token)
    assert session.scalar(select(ImportBatch.rows_json)) == "[]"
    with pytest.raises(ValidationError):
        imports.confirm_import(session, branch.id, actor, token, today=TODAY)
    assert _count(session, Customer) == 0


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("people.xlsx", b"PK\x03\x04 not really a zip", "Excel file could not be read"),
        ("people.pdf", b"%PDF-1.4", "Upload a .csv or .xlsx"),
        ("people.csv", b"", "Choose a file"),
        ("people.csv", b"first_name,last_name\nA,B\n", "no column for"),
        ("people.csv", b"first_name,last_name\n", "no people"),
        ("people.csv", b"\x00\x01\x02binary", "not a CSV"),
    ],
)
def test_unreadable_files_are_explained(session, filename: str, data: bytes, message: str) -> None:
    """Broken, empty, wrong-type or column-less files answer a message on the file field and store nothing."""
    branch, _shop, actor = _setup(session)
    with pytest.raises(ValidationError) as caught:
        _start(session, branch, actor, data, filename=filename)
    assert message in caught.value.field_errors["file"]
    session.rollback()
    assert _count(session, ImportBatch) == 0


def test_windows_encoded_csv_is_read(session) -> None:
    """A CSV saved by Excel in Windows-1252 (an accented name) is read without a crash."""
    branch, _shop, actor = _setup(session)
    text = CUSTOMER_HEAD + "Ren\xe9e,O'Hara,1 St,Town,DG1 2BD,Nithside Superstore,Mon,01/01/1940,\n"
    token = _start(session, branch, actor, text.encode("cp1252"))
    preview = imports.import_preview(session, branch.id, actor, token, TODAY)
    assert preview.rows[0].cells["first_name"] == "Ren\xe9e" and preview.rows[0].errors == {}


def test_problem_csv_neutralises_formulas() -> None:
    """Cells starting with = + - @ are written with a leading quote; ordinary text is unchanged."""
    assert [imports.neutralise_cell(v) for v in ("=1+1", "+44", "-3", "@SUM", "Agnes", "", None)] == [
        "'=1+1",
        "'+44",
        "'-3",
        "'@SUM",
        "Agnes",
        "",
        "",
    ]
    preview = imports.ImportPreview(
        token="t",
        kind="customers",
        filename="f.csv",
        status="preview",
        imported_count=0,
        rows=[
            imports.PreviewRow(number=2, cells={"first_name": '=HYPERLINK("x")'}, errors={"town": "This is required."})
        ],
    )
    csv_text = imports.problems_csv(preview)
    assert "'=HYPERLINK" in csv_text and "\n2," in csv_text


def test_templates_have_the_expected_columns() -> None:
    """The downloadable templates' headings are exactly the columns the importer reads."""
    assert imports.template_csv("customers").strip().split(",") == list(imports.CUSTOMER_COLUMNS)
    assert imports.template_csv("volunteers").strip().split(",") == list(imports.VOLUNTEER_COLUMNS)
    with pytest.raises(NotFoundError):
        imports.template_csv("../secret")


def test_excel_file_that_unpacks_too_large_is_refused_quickly(session) -> None:
    """A small .xlsx holding one huge cell (it unpacks to ~60 MB) is refused at once with a message; nothing stored."""
    import time
    import zipfile

    branch, _shop, actor = _setup(session)
    workbook = openpyxl.Workbook()
    workbook.active.append(["First name", "Surname"])
    workbook.active.append(["A", "B"])
    plain = io.BytesIO()
    workbook.save(plain)
    bomb = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            target.writestr(member, source.read(member))
        target.writestr("xl/padding.xml", b"<a>" + b"x" * (60 * 1024 * 1024) + b"</a>")
    assert len(bomb.getvalue()) < 1024 * 1024
    started = time.monotonic()
    with pytest.raises(ValidationError) as caught:
        _start(session, branch, actor, bomb.getvalue(), filename="list.xlsx")
    assert "unpacks to 60 MB" in caught.value.field_errors["file"]
    assert time.monotonic() - started < 2
    session.rollback()
    assert _count(session, ImportBatch) == 0


def test_too_many_rows_are_refused(session) -> None:
    """More rows than an import may hold: a message saying to split the file, nothing stored."""
    branch, _shop, actor = _setup(session)
    text = CUSTOMER_HEAD + "A,B,1 St,Town,DG1 2BD,Nithside Superstore,Mon,,\n" * (imports.MAX_IMPORT_ROWS + 1)
    with pytest.raises(ValidationError) as caught:
        _start(session, branch, actor, text)
    assert "split it" in caught.value.field_errors["file"]
    session.rollback()
    assert _count(session, ImportBatch) == 0


def test_problem_file_cells_use_the_export_formula_rule() -> None:
    """Full-width '＝', a leading line feed and the other export triggers are neutralised in import problem files too."""
    from foodtrain.exports import FORMULA_TRIGGERS

    assert all(imports.neutralise_cell(trigger + "SUM(A1)").startswith("'") for trigger in FORMULA_TRIGGERS)
