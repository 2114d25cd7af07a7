"""Admins manage users: add, disable and enable, reset a password, clear a second factor, link a volunteer."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from wtforms.fields.choices import SelectChoice

from foodtrain.extensions import db
from foodtrain.models import Branch, UserRole
from foodtrain.services import users as user_service
from foodtrain.services.errors import NotFoundError, ValidationError
from web.forms import LinkVolunteerForm, LogoutForm, NewUserForm
from web.security import current_actor, roles_required

blueprint = Blueprint("users", __name__, url_prefix="/users")
NAV_ITEMS = [("Users", "users.index", (UserRole.ADMIN,), 90)]
NO_VOLUNTEER = 0


def _new_user_form(form: NewUserForm | None = None) -> NewUserForm:
    form = form or NewUserForm()
    form.branch_id.choices = [SelectChoice(0, "— admins only —")] + [
        SelectChoice(b.id, b.name) for b in db.session.scalars(db.select(Branch).order_by(Branch.name))
    ]
    return form


def _hash_cost() -> int:
    return int(current_app.config["PASSWORD_HASH_TIME_COST"])


@blueprint.route("/")
@roles_required(UserRole.ADMIN)
def index() -> ResponseReturnValue:
    return render_template("users/index.html", users=user_service.list_users(db.session()), form=_new_user_form())


@blueprint.route("/new", methods=["POST"])
@roles_required(UserRole.ADMIN)
def create() -> ResponseReturnValue:
    form = _new_user_form()
    if form.validate_on_submit():
        try:
            user_id, password = user_service.create_account(
                db.session(),
                username=form.username.data or "",
                role=UserRole(form.role.data),
                branch_id=form.branch_id.data or None,
                display_name=form.display_name.data or "",
                actor=current_actor(),
                hash_time_cost=_hash_cost(),
            )
        except ValidationError as error:
            for name, message in error.field_errors.items():
                getattr(form, name if name in ("username", "branch_id") else "branch_id").errors.append(message)
        else:
            return _temporary_password_page(user_id, password)
    return render_template("users/index.html", users=user_service.list_users(db.session()), form=form), 400


def _temporary_password_page(user_id: int, password: str) -> ResponseReturnValue:
    """Shown once, never flashed (the flash would sit in the signed, readable cookie)."""
    return render_template(
        "users/temporary_password.html", user=user_service.get_user(db.session(), user_id), password=password
    )


def _row(user_id: int) -> user_service.UserRow:
    try:
        return user_service.get_user(db.session(), user_id)
    except NotFoundError:
        abort(404)


@blueprint.route("/<int:user_id>")
@roles_required(UserRole.ADMIN)
def show(user_id: int) -> ResponseReturnValue:
    return _show(user_id)


def _show(user_id: int, link_form: LinkVolunteerForm | None = None, status: int = 200) -> ResponseReturnValue:
    row = _row(user_id)
    link_form = link_form or LinkVolunteerForm(volunteer_id=row.volunteer_id or NO_VOLUNTEER)
    link_form.volunteer_id.choices = [
        SelectChoice(NO_VOLUNTEER, "— not linked —"),
        *(
            SelectChoice(volunteer_id, name)
            for volunteer_id, name in user_service.volunteers_to_link(db.session(), user_id)
        ),
    ]
    return render_template("users/show.html", user=row, action_form=LogoutForm(), link_form=link_form), status


def _act(user_id: int, action: Callable[[], object], done: str) -> ResponseReturnValue:
    _row(user_id)
    if LogoutForm().validate_on_submit():
        try:
            action()
        except ValidationError as error:
            for message in error.field_errors.values():
                flash(message, "error")
        else:
            flash(done, "info")
    return redirect(url_for(".show", user_id=user_id))


@blueprint.route("/<int:user_id>/disable", methods=["POST"])
@roles_required(UserRole.ADMIN)
def disable(user_id: int) -> ResponseReturnValue:
    return _act(
        user_id,
        lambda: user_service.set_enabled(db.session(), user_id, False, current_actor()),
        "Disabled: every session of this user has ended.",
    )


@blueprint.route("/<int:user_id>/enable", methods=["POST"])
@roles_required(UserRole.ADMIN)
def enable(user_id: int) -> ResponseReturnValue:
    return _act(user_id, lambda: user_service.set_enabled(db.session(), user_id, True, current_actor()), "Enabled.")


@blueprint.route("/<int:user_id>/clear-second-factor", methods=["POST"])
@roles_required(UserRole.ADMIN)
def clear_second_factor(user_id: int) -> ResponseReturnValue:
    return _act(
        user_id,
        lambda: user_service.clear_second_factor(db.session(), user_id, current_actor()),
        "Second factor cleared: the user signs in with the password alone and may set it up again.",
    )


@blueprint.route("/<int:user_id>/reset-password", methods=["POST"])
@roles_required(UserRole.ADMIN)
def reset_password(user_id: int) -> ResponseReturnValue:
    _row(user_id)
    if not LogoutForm().validate_on_submit():
        return redirect(url_for(".show", user_id=user_id))
    password = user_service.reset_password(db.session(), user_id, current_actor(), _hash_cost())
    return _temporary_password_page(user_id, password)


@blueprint.route("/<int:user_id>/volunteer", methods=["POST"])
@roles_required(UserRole.ADMIN)
def link_volunteer(user_id: int) -> ResponseReturnValue:
    _row(user_id)
    form = LinkVolunteerForm()
    if form.validate_on_submit():
        try:
            user_service.link_volunteer(db.session(), user_id, form.volunteer_id.data or None, current_actor())
        except ValidationError as error:
            form.volunteer_id.errors.append(error.field_errors.get("volunteer_id", str(error)))
        else:
            flash("Saved.", "info")
            return redirect(url_for(".show", user_id=user_id))
    return _show(user_id, form, 400)
