"""Data protection requests (admin): export a person's data, erase a person."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from flask.typing import ResponseReturnValue
from wtforms import StringField
from wtforms.validators import DataRequired

from foodtrain.extensions import db
from foodtrain.models import Customer, UserRole, Volunteer
from foodtrain.services.people import get_in_branch
from foodtrain.services.privacy import erase_customer, erase_volunteer, export_subject
from web.security import current_actor, current_branch_id, roles_required

blueprint = Blueprint("privacy", __name__, url_prefix="/privacy")

_SUBJECTS: dict[str, type[Customer] | type[Volunteer]] = {"customers": Customer, "volunteers": Volunteer}
_ERASERS = {"customers": erase_customer, "volunteers": erase_volunteer}


class EraseForm(FlaskForm):
    confirmation = StringField("Type ERASE to confirm", validators=[DataRequired()])


def _model(kind: str) -> type[Customer] | type[Volunteer]:
    from werkzeug.exceptions import NotFound

    if kind not in _SUBJECTS:
        raise NotFound()
    return _SUBJECTS[kind]


@blueprint.route("/<kind>/<int:record_id>")
@roles_required(UserRole.ADMIN)
def show(kind: str, record_id: int) -> ResponseReturnValue:
    record = get_in_branch(db.session(), _model(kind), record_id, current_branch_id())
    return render_template("privacy/show.html", kind=kind, record=record, form=EraseForm())


@blueprint.route("/<kind>/<int:record_id>/export.<any(json, csv):file_format>")
@roles_required(UserRole.ADMIN)
def export(kind: str, record_id: int, file_format: str) -> ResponseReturnValue:
    exported = export_subject(db.session(), _model(kind), record_id, current_branch_id(), current_actor())
    body, mimetype = (
        (exported.to_json(), "application/json") if file_format == "json" else (exported.to_csv(), "text/csv")
    )
    filename = f"{exported.subject}-{exported.subject_id}-data.{file_format}"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blueprint.route("/<kind>/<int:record_id>/erase", methods=["POST"])
@roles_required(UserRole.ADMIN)
def erase(kind: str, record_id: int) -> ResponseReturnValue:
    model = _model(kind)
    form = EraseForm()
    record = get_in_branch(db.session(), model, record_id, current_branch_id())
    if not form.validate_on_submit() or (form.confirmation.data or "").strip() != "ERASE":
        form.confirmation.errors = list(form.confirmation.errors) + ["Type ERASE in capitals to confirm."]
        return render_template("privacy/show.html", kind=kind, record=record, form=form), 400
    _ERASERS[kind](db.session(), record_id, current_branch_id(), current_actor())
    flash("Personal data erased. Anonymous statistics (dates, amounts, district) are kept.", "info")
    return redirect(url_for("privacy.show", kind=kind, record_id=record_id))
