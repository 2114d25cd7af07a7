"""Signing in and out."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from foodtrain.extensions import db
from foodtrain.services.auth import LoginFailedError, authenticate, end_session, start_session
from web.forms import LoginForm, LogoutForm
from web.security import SignedInUser, login_policy

blueprint = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only follow a `next` that stays on this site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("dashboard.index")


@blueprint.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(db.session, form.username.data or "", form.password.data or "",
                                login_policy(), remote_address=request.remote_addr or "")
        except LoginFailedError as error:
            form.password.errors.append(error.message)
        else:
            next_url = _safe_next(request.args.get("next"))
            session.clear()  # a fresh session at login (no fixation)
            token = start_session(db.session, user.id)
            login_user(SignedInUser(user, token))
            return redirect(next_url)
    return render_template("auth/login.html", form=form), 200 if not form.errors else 400


@blueprint.route("/logout", methods=["POST"])
@login_required
def logout():  # type: ignore[no-untyped-def]
    if LogoutForm().validate_on_submit():
        end_session(db.session, current_user.session_token)
        logout_user()
        session.clear()
        flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))
