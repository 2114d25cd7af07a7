"""Importing customers and volunteers from a spreadsheet: upload, preview every row, then confirm (or cancel).

The parsed rows wait on the server in an ImportBatch (see foodtrain.services.imports), reached by a random
token and only by the user who uploaded them, in their branch. Admins and coordinators only: a volunteer
spreadsheet may hold PVG details.
"""

from __future__ import annotations


from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from foodtrain.clock import branch_today
from foodtrain.extensions import db
from foodtrain.models import UserRole
from foodtrain.services import imports as import_service
from foodtrain.services.errors import ValidationError
from web.people_forms import ImportConfirmForm, ImportUploadForm, apply_errors
from web.security import current_actor, current_branch_id, roles_required

blueprint = Blueprint("imports", __name__, url_prefix="/imports")

IMPORT_ROLES = (UserRole.ADMIN, UserRole.COORDINATOR)
NAV_ITEMS = [("Import", "imports.index", IMPORT_ROLES, 80)]
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def _render_index(form: ImportUploadForm, general: list[str], status: int = 200) -> ResponseReturnValue:
    recent = import_service.recent_imports(db.session(), current_branch_id(), current_actor())
    return render_template(
        "imports/index.html",
        form=form,
        general_errors=general,
        recent=recent,
        customer_columns=import_service.CUSTOMER_COLUMNS,
        volunteer_columns=import_service.VOLUNTEER_COLUMNS,
        max_rows=import_service.MAX_IMPORT_ROWS,
    ), status


@blueprint.route("/", methods=["GET", "POST"])
@roles_required(*IMPORT_ROLES)
def index() -> ResponseReturnValue:
    form = ImportUploadForm()
    if request.method == "GET" or not form.validate_on_submit():
        return _render_index(form, [], 200 if request.method == "GET" else 422)
    upload = form.file.data
    data = upload.read(MAX_UPLOAD_BYTES + 1) if upload else b""
    if len(data) > MAX_UPLOAD_BYTES:
        form.file.errors = ["The file is larger than 5 MB: split it into smaller files."]
        return _render_index(form, [], 422)
    try:
        token = import_service.start_import(
            db.session(),
            current_branch_id(),
            kind=form.kind.data or "",
            filename=getattr(upload, "filename", "") or "",
            data=data,
            actor=current_actor(),
        )
    except ValidationError as error:
        db.session.rollback()
        return _render_index(form, apply_errors(form, error.field_errors), 422)
    return redirect(url_for("imports.preview", token=token))


@blueprint.route("/<token>")
@roles_required(*IMPORT_ROLES)
def preview(token: str) -> ResponseReturnValue:
    result = import_service.import_preview(db.session(), current_branch_id(), current_actor(), token, branch_today())
    return render_template(
        "imports/preview.html", preview=result, form=ImportConfirmForm(), columns=import_service.COLUMNS[result.kind]
    )


@blueprint.route("/<token>/problems.csv")
@roles_required(*IMPORT_ROLES)
def problems(token: str) -> ResponseReturnValue:
    result = import_service.import_preview(db.session(), current_branch_id(), current_actor(), token, branch_today())
    return Response(
        import_service.problems_csv(result),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=import-problems.csv"},
    )


@blueprint.route("/<token>/confirm", methods=["POST"])
@roles_required(*IMPORT_ROLES)
def confirm(token: str) -> ResponseReturnValue:
    form = ImportConfirmForm()
    if form.validate_on_submit():
        try:
            count = import_service.confirm_import(
                db.session(), current_branch_id(), current_actor(), token, today=branch_today()
            )
        except ValidationError as error:
            db.session.rollback()
            flash(" ".join(error.field_errors.values()), "error")
            return redirect(url_for("imports.preview", token=token))
        flash(f"Imported {count} {'person' if count == 1 else 'people'}.", "success")
    return redirect(url_for("imports.preview", token=token))


@blueprint.route("/<token>/cancel", methods=["POST"])
@roles_required(*IMPORT_ROLES)
def cancel(token: str) -> ResponseReturnValue:
    form = ImportConfirmForm()
    if form.validate_on_submit():
        import_service.cancel_import(db.session(), current_branch_id(), current_actor(), token)
        flash("Import cancelled: nothing was written.", "success")
    return redirect(url_for("imports.index"))


@blueprint.route("/templates/<kind>.csv")
@roles_required(*IMPORT_ROLES)
def template(kind: str) -> ResponseReturnValue:
    return Response(
        import_service.template_csv(kind),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={kind}-template.csv"},
    )
