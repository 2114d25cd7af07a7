"""Every route of the app, tried as every role of both branches and as anonymous.

A route without a role check fails here, and so does one that lets a user reach
another branch's record or a role reach a page it should not. Adding a route
with a new kind of URL parameter means adding a value for it in `_parameters`.
"""
from __future__ import annotations

from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from foodtrain.extensions import db
from foodtrain.models import (
    BackgroundJob,
    Branch,
    Customer,
    Order,
    Shop,
    User,
    UserRole,
    Volunteer,
    VolunteerAbsence,
)
from tests.conftest import csrf_token_from, sign_in

PUBLIC_ENDPOINTS = {"auth.login", "auth.second_factor", "dashboard.health", "static"}
ACTORS = ("admin", "coordinator-dg", "office-dg", "driver-dg", "coordinator-wl", "office-wl", "driver-wl")
ROLE_OF = {"admin": UserRole.ADMIN, "coordinator": UserRole.COORDINATOR, "office": UserRole.OFFICE,
           "driver": UserRole.DRIVER}
OWN_BRANCH = "DG"  # the records in the URLs belong to Dumfries & Galloway (the admin's default branch)


def _first_id(model, branch_id: int) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(model.id).where(model.branch_id == branch_id).order_by(model.id).limit(1))


def _parameters(app: Flask) -> dict[str, object]:
    """A value for every URL parameter name in the app, pointing at Dumfries & Galloway records (made once per app)."""
    if "test_url_parameters" not in app.extensions:
        app.extensions["test_url_parameters"] = _make_parameters(app)
    return app.extensions["test_url_parameters"]


def _make_parameters(app: Flask) -> dict[str, object]:
    from foodtrain.models.importing import ImportBatch
    from foodtrain.models.rota import Rota
    from foodtrain.models.routes import RoutePlan

    with app.app_context():
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == OWN_BRANCH))
        volunteer_id = _first_id(Volunteer, branch_id)
        absence = VolunteerAbsence(volunteer_id=volunteer_id, start_date=date(2026, 12, 1), end_date=date(2026, 12, 2))
        job = BackgroundJob(branch_id=branch_id, kind="access_matrix")
        plan = RoutePlan(branch_id=branch_id, delivery_date=date(2026, 12, 1))
        rota = Rota(branch_id=branch_id, month=date(2026, 12, 1))
        coordinator_id = db.session.scalar(select(User.id).where(User.username == "coordinator-dg"))
        batch = ImportBatch(token="access-matrix", branch_id=branch_id, user_id=coordinator_id, kind="customers")
        db.session.add_all([absence, job, plan, rota, batch])
        db.session.commit()
        return {
            "customer_id": _first_id(Customer, branch_id),
            "volunteer_id": volunteer_id,
            "order_id": _first_id(Order, branch_id),
            "shop_id": _first_id(Shop, branch_id),
            "absence_id": absence.id,
            "job_id": job.id,
            "plan_id": plan.id,
            "rota_id": rota.id,
            "record_id": _first_id(Customer, branch_id),
            "kind": "customers",
            "token": "access-matrix",
            "file_format": ("json", "csv"),
            "export_format": ("csv", "xlsx"),
            "day": "2026-12-01",
            "month": "2026-12",
            "filename": "css/app.css",
            "slug": "phone-order",
        }


def _url_of(rule, parameters: dict[str, object]) -> str:  # type: ignore[no-untyped-def]
    """The rule's path with test values (a tuple offers choices, for converters such as any(json, csv))."""
    import itertools

    names = sorted(rule.arguments)
    choices = [parameters[name] if isinstance(parameters[name], tuple) else (parameters[name],) for name in names]
    for combination in itertools.product(*choices):
        built = rule.build(dict(zip(names, combination)), append_unknown=False)
        if built is not None:
            return built[1]
    raise AssertionError(f"cannot build a URL for {rule.rule} from the test values")


def _client_for(app: Flask, actor: str | None) -> tuple[FlaskClient, str]:
    client = app.test_client()
    if actor is None:
        token = csrf_token_from(client.get("/login").get_data(as_text=True))
    else:
        assert sign_in(client, actor).status_code == 302, actor
        token = csrf_token_from(client.get("/account/").get_data(as_text=True))
    return client, token


def _verdict(endpoint: str, allowed_roles, actor: str | None, status: int, location: str) -> str | None:  # type: ignore[no-untyped-def]
    """Why this response is unexpected, or None when it is as it should be."""
    if status >= 500:
        return f"server error {status}"
    if endpoint in PUBLIC_ENDPOINTS:
        return None
    if actor is None:
        return None if status in (302, 401) and "/login" in location else f"anonymous got {status}"
    role = ROLE_OF[actor.split("-")[0]]
    if role not in allowed_roles:
        return None if status in (403, 404) else f"{role.value} not allowed but got {status}"
    return None  # allowed; another branch's record is judged by the caller


def test_every_route_as_every_role(demo_app: Flask) -> None:
    """routes x roles x branches: no unexpected access, no route without a role check, no server error."""
    parameters = _parameters(demo_app)
    rules = [rule for rule in demo_app.url_map.iter_rules() if rule.endpoint != "static"]
    missing = sorted({arg for rule in rules for arg in rule.arguments} - set(parameters))
    assert not missing, f"add a test value for URL parameters {missing} in _parameters"
    unchecked = sorted(rule.endpoint for rule in rules if rule.endpoint not in PUBLIC_ENDPOINTS
                       and not hasattr(demo_app.view_functions[rule.endpoint], "allowed_roles")
                       and rule.endpoint != "auth.logout")
    assert not unchecked, f"routes without roles_required: {unchecked}"

    unexpected: list[str] = []
    requests = 0
    urls = [(rule, _url_of(rule, parameters)) for rule in rules]
    for actor in (None, *ACTORS):
        client, token = _client_for(demo_app, actor)
        for rule, url in urls:
            allowed_roles = getattr(demo_app.view_functions[rule.endpoint], "allowed_roles", tuple(UserRole))
            for method in sorted(rule.methods & {"GET", "POST"}):
                if rule.endpoint == "auth.logout":
                    continue  # would end the actor's session; covered in test_auth_views
                response = client.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
                requests += 1
                reason = _verdict(rule.endpoint, allowed_roles, actor, response.status_code,
                                  response.headers.get("Location", ""))
                if reason is None and actor and actor.endswith("-wl") and rule.arguments - {"kind", "file_format", "export_format", "day", "month", "slug"}:
                    if ROLE_OF[actor.split("-")[0]] in allowed_roles and response.status_code not in (403, 404):
                        reason = f"other branch's record answered {response.status_code}"
                response.close()
                if reason:
                    unexpected.append(f"{actor or 'anonymous'} {method} {url} ({rule.endpoint}): {reason}")
    print(f"\naccess matrix: {len(rules)} routes x {len(ROLE_OF)} roles x 2 branches (+ admin, anonymous) "
          f"= {requests} requests, unexpected access = {len(unexpected)}")
    assert unexpected == [], "\n".join(unexpected[:40])
