"""Closure days: the public holidays and the branch's own closures, which are not rostered or planned,
and opening a holiday when volunteers offer to work it."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from wtforms import DateField, StringField
from wtforms.validators import AnyOf, DataRequired, Length

from foodtrain.clock import branch_today
from foodtrain.extensions import db
from foodtrain.models import UserRole
from foodtrain.services.closures import MAX_REASON_LENGTH, day_statuses, set_day
from foodtrain.services.errors import ValidationError
from foodtrain.wording import plain_date
from web.security import current_actor, current_branch_id, roles_required

blueprint = Blueprint("closures", __name__, url_prefix="/closures")

COORDINATOR_ROLES = (UserRole.ADMIN, UserRole.COORDINATOR)
NAV_ITEMS = [("Closures", "closures.index", COORDINATOR_ROLES, 45)]
LOOK_AHEAD_DAYS = 400
ACTIONS = {"close": False, "open": True, "usual": None}


class DayForm(FlaskForm):
    day = DateField("Date", validators=[DataRequired(message="Enter the date.")])
    action = StringField(validators=[AnyOf(list(ACTIONS), message="Reload the page and try again.")])
    reason = StringField("Why (for example “Christmas party”)", validators=[Length(max=MAX_REASON_LENGTH)])


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}{'' if number == 1 else 's'}"


def _today() -> date:
    return branch_today()


def _render(form: DayForm, status: int = 200) -> ResponseReturnValue:
    start = _today()
    statuses = day_statuses(db.session(), current_branch_id(), start, start + timedelta(days=LOOK_AHEAD_DAYS))
    return render_template("closures/index.html", form=form, statuses=statuses), status


@blueprint.route("/")
@roles_required(*COORDINATOR_ROLES)
def index() -> ResponseReturnValue:
    return _render(DayForm(formdata=None))


@blueprint.route("/", methods=["POST"])
@roles_required(*COORDINATOR_ROLES)
def change() -> ResponseReturnValue:
    form = DayForm()
    if not form.validate_on_submit():
        return _render(form, 400)
    try:
        booked = set_day(
            db.session(),
            current_branch_id(),
            form.day.data,
            is_open=ACTIONS.get(form.action.data),
            reason=form.reason.data or "",
            actor=current_actor(),
        )
    except ValidationError as error:
        db.session.rollback()
        form.reason.errors = [error.field_errors.get("reason", str(error))]
        return _render(form, 400)
    word = {"close": "closed", "open": "open for work", "usual": "back to usual"}[form.action.data]
    flash(f"{plain_date(form.day.data)}: {word}. Rotas drawn up and days planned from now on follow this.", "info")
    if booked.orders or booked.volunteers:
        flash(
            Markup(
                "{orders} still booked for that day and {volunteers} on the published rota: move each order "
                'to another date from its page (<a href="{board}">the order board</a>), and tell the '
                "volunteers."
            ).format(
                orders=_count(booked.orders, "order"),
                volunteers=_count(booked.volunteers, "volunteer"),
                board=url_for("orders.board", date=form.day.data.isoformat()),
            ),
            "warning",
        )
    return redirect(url_for("closures.index"))
