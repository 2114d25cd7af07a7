"""Whole-app security figures: CSRF on every state-changing route, no state change by GET,
security headers on every page, and the session rules. Each test prints its figure."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select

from foodtrain.extensions import db
from foodtrain.models import User, UserRole, UserSession
from foodtrain.models._types import utc_now
from tests.conftest import csrf_token_from, sign_in
from tests.web.test_access_matrix import _path_values, _records, _url_of
from web.access_policy import POLICY

# Rows these tables gain on a read are bookkeeping, not state: audit of views, session last-seen.
BOOKKEEPING_TABLES = {"audit_events", "user_sessions"}
ACTOR_FOR_ROLE = {
    UserRole.COORDINATOR: "coordinator-dg",
    UserRole.OFFICE: "office-dg",
    UserRole.DRIVER: "driver-dg",
    UserRole.ADMIN: "admin",
}


def _row_counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        counts = {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
            if table.name not in BOOKKEEPING_TABLES
        }
        db.session.remove()
    return counts


def _routes_by_actor(app: Flask, method: str):
    """(actor, url, endpoint) for every route with `method`, as a user whose role may use it."""
    records = _records(app)
    for rule in app.url_map.iter_rules():
        access = POLICY[rule.endpoint]
        if method not in rule.methods or access.public or rule.endpoint == "auth.logout":
            continue
        role = next(
            (r for r in (UserRole.COORDINATOR, UserRole.OFFICE, UserRole.DRIVER, UserRole.ADMIN) if r in access.roles),
            None,
        )
        if role is not None:
            yield ACTOR_FOR_ROLE[role], _url_of(rule, _path_values(access, records, "DG")), rule.endpoint


def _signed_in_clients(app: Flask) -> dict[str, object]:
    clients = {}
    for actor in ACTOR_FOR_ROLE.values():
        client = app.test_client()
        sign_in(client, actor)
        clients[actor] = client
    return clients


def test_csrf_on_every_state_changing_route(demo_app: Flask) -> None:
    """Every POST without a CSRF token is refused (400) and writes nothing; login too."""
    routes = list(_routes_by_actor(demo_app, "POST"))
    clients = _signed_in_clients(demo_app)
    before = _row_counts(demo_app)
    accepted = []
    for actor, url, endpoint in routes:
        response = clients[actor].post(url, data={"anything": "1"})
        if response.status_code != 400:
            accepted.append(f"{endpoint} as {actor}: {response.status_code}")
        response.close()
    anonymous_login = demo_app.test_client().post("/login", data={"username": "office-dg", "password": "x" * 12})
    if anonymous_login.status_code != 400:
        accepted.append(f"login: {anonymous_login.status_code}")
    written = {name: count - before[name] for name, count in _row_counts(demo_app).items() if count != before[name]}
    print(
        f"\nCSRF: {len(routes) + 1} state-changing routes posted without a token, accepted = {len(accepted)}, "
        f"tables written = {len(written)}"
    )
    assert accepted == [] and written == {}, (accepted, written)


def test_no_state_change_by_get(demo_app: Flask) -> None:
    """Opening every page (as a user allowed to) changes no table but the audit log and session bookkeeping."""
    routes = list(_routes_by_actor(demo_app, "GET"))
    clients = _signed_in_clients(demo_app)
    before = _row_counts(demo_app)
    errors = []
    for actor, url, endpoint in routes:
        response = clients[actor].get(url)
        if response.status_code >= 500:
            errors.append(f"{endpoint}: {response.status_code}")
        response.close()
    changed = {name for name, count in _row_counts(demo_app).items() if count != before[name]}
    print(f"\nGET: {len(routes)} pages opened, tables changed = {len(changed)}, server errors = {len(errors)}")
    assert not changed and not errors, (changed, errors)


def test_security_headers_on_every_page(demo_app: Flask) -> None:
    """CSP without inline script, frame-ancestors, nosniff, Referrer-Policy and no-store on every page."""
    routes = list(_routes_by_actor(demo_app, "GET"))
    clients = _signed_in_clients(demo_app)
    missing = []
    responses = 0
    for actor, url, endpoint in [*routes, ("anonymous", "/login", "auth.login")]:
        client = clients.get(actor) or demo_app.test_client()
        response = client.get(url)
        responses += 1
        headers = response.headers
        csp = headers.get("Content-Security-Policy", "")
        problems = [
            name
            for name, ok in (
                (
                    "CSP",
                    "default-src 'self'" in csp and "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp,
                ),
                ("nosniff", headers.get("X-Content-Type-Options") == "nosniff"),
                ("Referrer-Policy", bool(headers.get("Referrer-Policy"))),
                ("no-store", headers.get("Cache-Control") == "no-store"),
            )
            if not ok
        ]
        if problems:
            missing.append(f"{endpoint}: {problems}")
        response.close()
    print(f"\nheaders: {responses} responses checked, missing = {len(missing)}")
    assert missing == [], missing


def test_session_rules(demo_app: Flask) -> None:
    """New session at login, idle (30 min) and absolute (12 h) timeouts, logout and disable end copied cookies."""
    failures = []

    def check(name: str, ok: bool) -> None:
        if not ok:
            failures.append(name)

    browser = demo_app.test_client()
    browser.get("/login")
    cookie_before = browser.get_cookie("foodtrain_session").value
    sign_in(browser, "office-dg")
    check("new session at login", browser.get_cookie("foodtrain_session").value != cookie_before)
    stolen = demo_app.test_client()
    stolen.set_cookie("foodtrain_session", browser.get_cookie("foodtrain_session").value)
    check("copied cookie works while signed in", stolen.get("/customers/").status_code == 200)
    browser.post("/logout", data={"csrf_token": csrf_token_from(browser.get("/").get_data(as_text=True))})
    check("logout ends a copied cookie", stolen.get("/customers/").status_code == 302)

    for name, column, age in (
        ("idle timeout", "last_seen_at", timedelta(minutes=31)),
        ("absolute timeout", "created_at", timedelta(hours=12, minutes=1)),
    ):
        client = demo_app.test_client()
        sign_in(client, "office-dg")
        with demo_app.app_context():
            row = db.session.scalar(
                select(UserSession).where(UserSession.ended_at.is_(None)).order_by(UserSession.id.desc())
            )
            setattr(row, column, utc_now() - age)
            db.session.commit()
        check(name, client.get("/customers/").status_code == 302)

    client = demo_app.test_client()
    sign_in(client, "office-dg")
    with demo_app.app_context():
        db.session.scalar(select(User).where(User.username == "office-dg")).is_enabled = False
        db.session.commit()
    check("disabled account ends its sessions", client.get("/customers/").status_code == 302)
    check("remember-me cookie never set", client.get_cookie("remember_token") is None)
    print(f"\nsessions: 7 checks, failures = {len(failures)}")
    assert failures == [], failures
