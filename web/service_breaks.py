"""Vans out of service and shops closed: the coordinator records the dates, and is told what is already booked."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import DateField, IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from foodtrain.clock import branch_today
from foodtrain.extensions import db
from foodtrain.field_rules import MAX_ID
from foodtrain.models import UserRole
from foodtrain.services.errors import ValidationError
from foodtrain.services.service_breaks import (
    MAX_REASON_LENGTH,
    close_shop,
    closed_shop_orders,
    put_van_back,
    reopen_shop,
    take_van_out,
    van_name,
    vans_and_shops,
)
from foodtrain.services.orders.shops import shop_name
from foodtrain.wording import plain_date
from web.security import current_actor, current_branch_id, roles_required

blueprint = Blueprint("vans_shops", __name__, url_prefix="/vans-and-shops")

COORDINATOR_ROLES = (UserRole.ADMIN, UserRole.COORDINATOR)
OFFICE_ROLES = (UserRole.ADMIN, UserRole.COORDINATOR, UserRole.OFFICE)


class PeriodForm(FlaskForm):
    start_date = DateField(
        "From", validators=[DataRequired(message="Enter the first day.")], render_kw={"type": "date"}
    )
    end_date = DateField("To (leave empty: until further notice)", validators=[Optional()], render_kw={"type": "date"})
    reason = StringField("Why", validators=[Length(max=MAX_REASON_LENGTH)], render_kw={"maxlength": MAX_REASON_LENGTH})


class EndPeriodForm(FlaskForm):
    period_id = IntegerField(
        validators=[
            InputRequired("Reload the page and try again."),
            NumberRange(min=1, max=MAX_ID, message="Reload the page and try again."),
        ]
    )


def _today() -> date:
    return branch_today()


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}{'' if number == 1 else 's'}"


def _dates(days: tuple[date, ...]) -> str:
    shown = ", ".join(plain_date(day) for day in days[:5])
    return shown + (f" and {len(days) - 5} more" if len(days) > 5 else "")


def _render(
    form: PeriodForm | None = None, form_for: tuple[str, int] | None = None, status: int = 200
) -> ResponseReturnValue:
    vans, shops = vans_and_shops(db.session(), current_branch_id(), _today())
    return render_template(
        "service_breaks/index.html",
        vans=vans,
        shops=shops,
        form=form,
        form_for=form_for,
        blank=PeriodForm(formdata=None),
        end_form=EndPeriodForm(formdata=None),
    ), status


@blueprint.route("/")
@roles_required(*COORDINATOR_ROLES)
def index() -> ResponseReturnValue:
    return _render()


def _period_errors(form: PeriodForm, error: ValidationError) -> None:
    for key, message in error.field_errors.items():
        field = form._fields.get(key)
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)


@blueprint.route("/vans/<int:van_id>/out", methods=["POST"])
@roles_required(*COORDINATOR_ROLES)
def van_out(van_id: int) -> ResponseReturnValue:
    van_name(db.session(), current_branch_id(), van_id)  # another branch's van: 404 before any form
    form = PeriodForm()
    if not form.validate_on_submit():
        return _render(form, ("van", van_id), 400)
    try:
        booked = take_van_out(
            db.session(),
            current_branch_id(),
            van_id,
            form.start_date.data,
            form.end_date.data,
            form.reason.data or "",
            current_actor(),
            _today(),
        )
    except ValidationError as error:
        db.session.rollback()
        _period_errors(form, error)
        return _render(form, ("van", van_id), 400)
    flash("Van out of service: the rota and the route planner leave it out on those dates.", "info")
    if booked.round_dates:
        flash(
            Markup(
                '{rounds} already published with it ({dates}): <a href="{link}">re-plan the day</a>; each '
                "plan says it is out of date."
            ).format(
                rounds=_count(len(booked.round_dates), "round"),
                dates=_dates(booked.round_dates),
                link=url_for("routes.index", date=booked.round_dates[0].isoformat()),
            ),
            "warning",
        )
    if booked.rostered_dates:
        flash(
            Markup(
                'A team is rostered in it on {days} ({dates}): <a href="{link}">move them on the rota</a> '
                "and tell the volunteers."
            ).format(
                days=_count(len(booked.rostered_dates), "day"),
                dates=_dates(booked.rostered_dates),
                link=url_for("rota_pages.show", rota_id=booked.rota_ids[0]),
            ),
            "warning",
        )
    return redirect(url_for(".index"))


@blueprint.route("/vans/<int:van_id>/back", methods=["POST"])
@roles_required(*COORDINATOR_ROLES)
def van_back(van_id: int) -> ResponseReturnValue:
    van_name(db.session(), current_branch_id(), van_id)  # another branch's van: 404 before any form
    form = EndPeriodForm()
    if not form.validate_on_submit():
        flash("Reload the page and try again.", "error")
        return redirect(url_for(".index"))
    try:
        put_van_back(db.session(), current_branch_id(), van_id, form.period_id.data, current_actor(), _today())
    except ValidationError as error:
        db.session.rollback()
        for message in error.field_errors.values():
            flash(message, "error")
        return redirect(url_for(".index"))
    flash("Van back in service from today: rotas drawn up and days planned from now on use it.", "info")
    return redirect(url_for(".index"))


@blueprint.route("/shops/<int:shop_id>/close", methods=["POST"])
@roles_required(*COORDINATOR_ROLES)
def shop_close(shop_id: int) -> ResponseReturnValue:
    shop_name(db.session(), current_branch_id(), shop_id)  # another branch's shop: 404 before any form
    form = PeriodForm()
    if not form.validate_on_submit():
        return _render(form, ("shop", shop_id), 400)
    try:
        to_move = close_shop(
            db.session(),
            current_branch_id(),
            shop_id,
            form.start_date.data,
            form.end_date.data,
            form.reason.data or "",
            current_actor(),
            _today(),
        )
    except ValidationError as error:
        db.session.rollback()
        _period_errors(form, error)
        return _render(form, ("shop", shop_id), 400)
    flash("Shop closed on those dates: no order is taken for it, no shopper rostered, no pickup planned.", "info")
    if to_move:
        flash(
            Markup(
                '{orders} already in for those dates: <a href="{link}">move each to another date</a> '
                "(or change the customer's shop)."
            ).format(orders=_count(len(to_move), "order"), link=url_for(".shop_orders", shop_id=shop_id)),
            "warning",
        )
    return redirect(url_for(".index"))


@blueprint.route("/shops/<int:shop_id>/reopen", methods=["POST"])
@roles_required(*COORDINATOR_ROLES)
def shop_reopen(shop_id: int) -> ResponseReturnValue:
    shop_name(db.session(), current_branch_id(), shop_id)  # another branch's shop: 404 before any form
    form = EndPeriodForm()
    if not form.validate_on_submit():
        flash("Reload the page and try again.", "error")
        return redirect(url_for(".index"))
    try:
        reopen_shop(db.session(), current_branch_id(), shop_id, form.period_id.data, current_actor(), _today())
    except ValidationError as error:
        db.session.rollback()
        for message in error.field_errors.values():
            flash(message, "error")
        return redirect(url_for(".index"))
    flash("Shop open again from today.", "info")
    return redirect(url_for(".index"))


@blueprint.route("/shops/<int:shop_id>/orders")
@roles_required(*OFFICE_ROLES)
def shop_orders(shop_id: int) -> ResponseReturnValue:
    """The shop's orders on the days it is closed, today on: the office moves each one."""
    shop, orders = closed_shop_orders(db.session(), current_branch_id(), shop_id, _today())
    return render_template("service_breaks/shop_orders.html", shop=shop, orders=orders)
