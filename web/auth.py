"""Signing in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

import time

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask.typing import ResponseReturnValue

from foodtrain.extensions import db
from foodtrain.models import User
from foodtrain.services.auth import LoginFailedError, authenticate, end_session, start_session
from foodtrain.services.two_factor import SecondFactorLockedError, verify_second_factor
from web.forms import LoginForm, LogoutForm, SecondFactorForm
from web.security import SignedInUser, field_cipher, login_policy

PENDING_SECOND_FACTOR_S = 300

blueprint = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only follow a `next` that stays on this site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("dashboard.index")


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(
                db.session(),
                form.username.data or "",
                form.password.data or "",
                login_policy(),
                remote_address=request.remote_addr or "",
            )
        except LoginFailedError as error:
            form.password.errors.append(error.message)
        else:
            next_url = _safe_next(request.args.get("next"))
            session.clear()  # a fresh session at login (no fixation)
            if user.totp_enabled:
                session["pending_second_factor"] = {"user_id": user.id, "started": time.time(), "next": next_url}
                return redirect(url_for("auth.second_factor"))
            return _complete_login(user, next_url)
    return render_template("auth/login.html", form=form), 200 if not form.errors else 400


def _complete_login(user: User, next_url: str) -> ResponseReturnValue:
    session.clear()
    token = start_session(db.session(), user.id)
    login_user(SignedInUser(user, token))
    return redirect(next_url)


@blueprint.route("/login/second-factor", methods=["GET", "POST"])
def second_factor() -> ResponseReturnValue:
    pending = session.get("pending_second_factor")
    if not pending or time.time() - pending["started"] > PENDING_SECOND_FACTOR_S:
        session.pop("pending_second_factor", None)
        flash("Please sign in again.", "info")
        return redirect(url_for("auth.login"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        try:
            accepted = verify_second_factor(
                db.session(),
                pending["user_id"],
                form.code.data or "",
                field_cipher(),
                login_policy(),
                remote_address=request.remote_addr or "",
            )
        except SecondFactorLockedError as error:
            # Wrong codes are counted on the server: replaying an older cookie does not reset the count.
            session.pop("pending_second_factor", None)
            flash(str(error), "error")
            return redirect(url_for("auth.login"))
        if accepted:
            user = db.session.get(User, pending["user_id"])
            if user is None:  # removed while signing in
                session.pop("pending_second_factor", None)
                return redirect(url_for("auth.login"))
            return _complete_login(user, pending["next"])
        form.code.errors.append("That code is not right. Use the newest code from your authenticator app.")
    return render_template("auth/second_factor.html", form=form), 200 if not form.errors else 400


@blueprint.route("/logout", methods=["POST"])
@login_required
def logout() -> ResponseReturnValue:
    if LogoutForm().validate_on_submit():
        end_session(db.session(), current_user.session_token)
        logout_user()
        session.clear()
        flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))
