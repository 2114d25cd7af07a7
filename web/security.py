"""Who is signed in, what they may see, and the headers every response carries."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, abort, current_app, flash, redirect, request, session, url_for
from flask_login import UserMixin, current_user

from foodtrain.encryption import FieldCipher
from foodtrain.extensions import db, login_manager
from foodtrain.models import Branch, User, UserRole
from foodtrain.services.audit import Actor
from foodtrain.services.auth import LoginPolicy, resolve_session

View = TypeVar("View", bound=Callable[..., Any])

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def content_security_policy(image_origins: tuple[str, ...] = ()) -> str:
    """The policy, letting a page also show images from ``image_origins`` (a branch's own map tile server)."""
    if not image_origins:
        return CONTENT_SECURITY_POLICY
    return CONTENT_SECURITY_POLICY.replace("img-src 'self' data:", f"img-src 'self' data: {' '.join(image_origins)}")


class SignedInUser(UserMixin):
    """The signed-in user as Flask-Login sees it: its id is the server-side session token."""

    def __init__(self, user: User, session_token: str):
        self.user = user
        self.session_token = session_token
        self.id = user.id
        self.username = user.username
        self.display_name = user.display_name
        self.role = user.role
        self.branch_id = user.branch_id
        self.volunteer_id = user.volunteer_id

    def get_id(self) -> str:
        return self.session_token


def field_cipher() -> FieldCipher:
    """The cipher for encrypted fields, from the installation's key."""
    return FieldCipher(current_app.config["ENCRYPTION_KEY"].encode("ascii"))


def login_policy() -> LoginPolicy:
    config = current_app.config
    return LoginPolicy(
        max_failures=config["LOGIN_MAX_FAILURES"],
        lockout=config["LOGIN_LOCKOUT"],
        idle_timeout=config["SESSION_IDLE_TIMEOUT"],
        absolute_timeout=config["SESSION_ABSOLUTE_TIMEOUT"],
        hash_time_cost=config["PASSWORD_HASH_TIME_COST"],
    )


@login_manager.user_loader
def _load_user(session_token: str) -> SignedInUser | None:
    user = resolve_session(db.session(), session_token, login_policy())
    return SignedInUser(user, session_token) if user is not None else None


def roles_required(*roles: UserRole) -> Callable[[View], View]:
    """Allow the view to signed-in users with one of the roles; others get 403, anonymous go to login."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles  # type: ignore[attr-defined]  # the access-matrix test reads allowed_roles off the view
        return wrapped  # type: ignore[return-value]  # wraps() keeps the view's signature; mypy cannot tell

    return decorate


def current_actor() -> Actor:
    """The signed-in user as the services take them: audit identity and, for a driver, the own-teams restriction."""
    return Actor(
        user_id=current_user.id,
        username=current_user.username,
        remote_address=request.remote_addr or "",
        volunteer_id=current_user.volunteer_id,
        drivers_only=current_user.role is UserRole.DRIVER,
    )


def current_branch_id() -> int:
    """The branch the signed-in user works in; an admin works in the branch they chose."""
    if current_user.branch_id is not None:
        return int(current_user.branch_id)
    chosen = session.get("admin_branch_id")
    if chosen is not None and db.session.get(Branch, chosen) is not None:
        return int(chosen)
    first = db.session.scalar(db.select(Branch.id).order_by(Branch.name))
    if first is None:
        abort(404)
    return int(first)


def _add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if not request.path.startswith("/static/"):
        # Pages may hold personal data: never keep them in a browser or proxy cache.
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response


# Pages a user with a temporary password may open before choosing their own.
ALLOWED_WHILE_PASSWORD_MUST_CHANGE = frozenset(
    {"account.show", "account.password", "auth.logout", "static", "dashboard.health"}
)


def _require_password_change() -> Any:
    """After an admin's reset, the temporary password must be replaced before anything else."""
    if (
        request.endpoint not in ALLOWED_WHILE_PASSWORD_MUST_CHANGE
        and current_user.is_authenticated
        and current_user.user.password_must_change
    ):
        flash("Please choose your own password first: the one you signed in with was temporary.", "warning")
        return redirect(url_for("account.show"))
    return None


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.session_protection = None  # the server-side session does this job
    app.after_request(_add_security_headers)
    app.before_request(_require_password_change)
