"""The signed-in user's own account: password and optional second factor."""

from __future__ import annotations

import pyotp
import segno
from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user
from flask.typing import ResponseReturnValue

from foodtrain.extensions import db
from foodtrain.models import User, UserRole
from foodtrain.passwords import WeakPasswordError
from foodtrain.services.auth import ReauthenticationError, change_own_password
from foodtrain.services.two_factor import (
    ISSUER,
    ROLES_WITH_SECOND_FACTOR,
    SecondFactorError,
    begin_enrolment,
    confirm_enrolment,
    turn_off_own_second_factor,
)
from web.forms import ChangePasswordForm, LogoutForm, ReauthenticateForm, SecondFactorForm
from web.security import field_cipher, login_policy, roles_required

blueprint = Blueprint("account", __name__, url_prefix="/account")

ALL_ROLES = tuple(UserRole)


def _signed_in_user() -> User:
    """The signed-in user's row (a login removed meanwhile is not found)."""
    user = db.session.get(User, current_user.id)
    if user is None:
        abort(404)
    return user


def _page(
    password_form: ChangePasswordForm | None = None, off_form: ReauthenticateForm | None = None, status: int = 200
) -> ResponseReturnValue:
    user = _signed_in_user()
    return render_template(
        "account/show.html",
        user=user,
        password_form=password_form or ChangePasswordForm(),
        off_form=off_form or ReauthenticateForm(prefix="off"),
        action_form=LogoutForm(),
        can_use_second_factor=user.role in ROLES_WITH_SECOND_FACTOR,
    ), status


@blueprint.route("/")
@roles_required(*ALL_ROLES)
def show() -> ResponseReturnValue:
    return _page()


@blueprint.route("/password", methods=["POST"])
@roles_required(*ALL_ROLES)
def password() -> ResponseReturnValue:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            change_own_password(
                db.session(),
                current_user.id,
                form.current_password.data or "",
                form.new_password.data or "",
                login_policy(),
                request.remote_addr or "",
            )
        except ReauthenticationError as error:
            if error.signed_out:
                return _signed_out(error.message)
            form.current_password.errors.append(error.message)
        except WeakPasswordError as error:
            form.new_password.errors.append(str(error))
        else:
            return _signed_out(
                "Password changed. Every session has been signed out: please sign in with the new password.", "info"
            )
    return _page(form, status=400)


def _signed_out(message: str, category: str = "error") -> ResponseReturnValue:
    logout_user()
    session.clear()
    flash(message, category)
    return redirect(url_for("auth.login"))


@blueprint.route("/second-factor", methods=["GET", "POST"])
@roles_required(*ROLES_WITH_SECOND_FACTOR)
def second_factor() -> ResponseReturnValue:
    """GET shows the pending secret as a QR code; POST confirms it with a code."""
    user = _signed_in_user()
    if user.totp_secret_encrypted is None or user.totp_enabled:
        return redirect(url_for("account.show"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        try:
            confirm_enrolment(db.session(), user.id, form.code.data or "", field_cipher())
        except SecondFactorError as error:
            form.code.errors.append(str(error))
        else:
            flash("Second factor turned on: you will be asked for a code at every sign-in.", "info")
            return redirect(url_for("account.show"))
    secret = field_cipher().decrypt(user.totp_secret_encrypted)
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    qr_data_uri = segno.make(uri, error="m").svg_data_uri(scale=6, border=2)
    return render_template(
        "account/second_factor.html", form=form, secret=secret, qr_data_uri=qr_data_uri
    ), 200 if not form.errors else 400


@blueprint.route("/second-factor/start", methods=["POST"])
@roles_required(*ROLES_WITH_SECOND_FACTOR)
def start_second_factor() -> ResponseReturnValue:
    if LogoutForm().validate_on_submit():
        begin_enrolment(db.session(), current_user.id, field_cipher())
    return redirect(url_for("account.second_factor"))


@blueprint.route("/second-factor/disable", methods=["POST"])
@roles_required(*ROLES_WITH_SECOND_FACTOR)
def disable() -> ResponseReturnValue:
    """Turning the second factor off needs the current password (attempt-limited and audited)."""
    form = ReauthenticateForm(prefix="off")
    if form.validate_on_submit():
        try:
            turn_off_own_second_factor(
                db.session(),
                current_user.id,
                form.current_password.data or "",
                login_policy(),
                request.remote_addr or "",
            )
        except ReauthenticationError as error:
            if error.signed_out:
                return _signed_out(error.message)
            form.current_password.errors.append(error.message)
        else:
            flash("Second factor turned off.", "info")
            return redirect(url_for("account.show"))
    return _page(off_form=form, status=400)
