"""Every route of the app, tried as every role of both branches and as anonymous, against web/access_policy.py.

The expected roles come from the hand-written policy, never from the decorators under
test: a view opened to one role too many fails here (the mutation test proves it).
Every branch-scoped parameter the policy names — in the URL path, the query string or
a form field — is also tried with the other branch's id: the answer must not show that
record, and no row may end up pointing at a record of another branch.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from foodtrain.extensions import db
from foodtrain.models import (
    BackgroundJob,
    Branch,
    Customer,
    Order,
    Shop,
    User,
    UserRole,
    Van,
    Volunteer,
    VolunteerAbsence,
)
from tests.conftest import csrf_token_from, sign_in
from web.access_policy import POLICY, RECORD_KINDS, Access
from web.security import roles_required

ACTORS = ("admin", "coordinator-dg", "office-dg", "driver-dg", "coordinator-wl", "office-wl", "driver-wl")
ROLE_OF = {"admin": UserRole.ADMIN, "coordinator": UserRole.COORDINATOR, "office": UserRole.OFFICE,
           "driver": UserRole.DRIVER}
BRANCHES = ("DG", "WL")  # path ids in the plain matrix belong to DG, the admin's default branch
PLAIN_VALUES = {"kind": "customers", "file_format": ("json", "csv"), "export_format": ("csv", "xlsx"),
                "day": "2026-12-01", "month": "2026-12", "filename": "css/app.css", "slug": "phone-order",
                "token": "not-a-feed-token"}
# Form data that gets a post past its other fields to the id under test (the rest get only the CSRF token).
FORM_BASE: dict[str, dict[str, str]] = {
    "orders.create": {"delivery_date": "2026-12-01", "lines-0-item": "Bread", "lines-0-quantity": "1"},
    "customers.create": {"first_name": "Cross", "last_name": "Branch", "address_line1": "1 Test Road",
                         "town": "Livingston", "postcode": "EH54 6AA", "date_of_birth": "1940-01-01",
                         "referral_source": "self", "frequency": "weekly", "delivery_weekday": "1",
                         "list_method": "collected_form", "payment_method": "cash"},
    "routes.move": {"version": "1"},
    "routes.lock": {"version": "1", "locked": "1"},
}
# Query-string values a page needs besides the id under test.
QUERY_BASE: dict[str, dict[str, str]] = {"orders.new": {"date": "2026-12-01"}}
DENIED = (403, 404)
# Record kinds an admin reaches in every branch by design (they choose the branch; they manage every login).
ADMIN_ANY_BRANCH = frozenset({"branch", "user"})


def _probe_branches(actor: str | None) -> tuple[str, str] | None:
    """(own branch, other branch) of an actor whose parameters are tried with the other branch's ids: West
    Lothian's staff, and the admin (working in DG, the default branch) for every admin-only route and field."""
    if actor == "admin":
        return "DG", "WL"
    if actor is not None and actor.endswith("-wl"):
        return "WL", "DG"
    return None


def _any_branch_kinds(actor: str | None) -> frozenset[str]:
    return ADMIN_ANY_BRANCH if actor == "admin" else frozenset()


@dataclass
class Records:
    """One record of each kind per branch, and text that only that record's page would show."""

    ids: dict[str, dict[str, object]] = field(default_factory=dict)  # branch code -> kind -> id
    markers: dict[str, dict[str, str]] = field(default_factory=dict)  # branch code -> kind -> text


def _first(model, branch_id: int):  # type: ignore[no-untyped-def]
    return db.session.scalar(select(model).where(model.branch_id == branch_id).order_by(model.id).limit(1))


def _records(app: Flask) -> Records:
    """Made once per app: each kind of record in RECORD_KINDS for both branches."""
    if "test_access_records" not in app.extensions:
        app.extensions["test_access_records"] = _make_records(app)
    return app.extensions["test_access_records"]


def _make_records(app: Flask) -> Records:
    from foodtrain.models.importing import ImportBatch
    from foodtrain.models.rota import Rota, RotaAssignment, RotaSlot
    from foodtrain.models.routes import RoutePlan
    from foodtrain.models.support import BefriendingMatch, ExtraJob, ExtraTaskType, OutcomeSurvey, Referral

    records = Records()
    with app.app_context():
        for code in BRANCHES:
            branch = db.session.scalar(select(Branch).where(Branch.code == code))
            customer, volunteer, shop, van = (_first(model, branch.id) for model in (Customer, Volunteer, Shop, Van))
            order = _first(Order, branch.id)
            absence = VolunteerAbsence(volunteer_id=volunteer.id, start_date=date(2026, 12, 1),
                                       end_date=date(2026, 12, 2))
            job = BackgroundJob(branch_id=branch.id, kind="access_matrix")
            plan = RoutePlan(branch_id=branch.id, delivery_date=date(2026, 12, 1))
            rota = Rota(branch_id=branch.id, month=date(2026, 12, 1))
            coordinator_id = db.session.scalar(select(User.id).where(User.username == f"coordinator-{code.lower()}"))
            batch = ImportBatch(token=f"access-matrix-{code}", branch_id=branch.id, user_id=coordinator_id,
                                kind="customers")
            db.session.add_all([absence, job, plan, rota, batch])
            db.session.commit()
            slot = db.session.scalar(select(RotaSlot).join(Rota).where(Rota.branch_id == branch.id).limit(1))
            assignment = db.session.scalar(select(RotaAssignment).join(RotaSlot).join(Rota)
                                           .where(Rota.branch_id == branch.id).limit(1))
            records.ids[code] = {
                "customer": customer.id, "volunteer": volunteer.id, "order": order.id, "shop": shop.id,
                "van": van.id, "plan": plan.id, "rota": rota.id, "rota_slot": slot.id if slot else 10**6,
                "rota_assignment": assignment.id if assignment else 10**6, "absence": absence.id, "job": job.id,
                "import": batch.token, "branch": branch.id,
                "referral": _first(Referral, branch.id).id, "extra_job": _first(ExtraJob, branch.id).id,
                "match": _first(BefriendingMatch, branch.id).id, "survey": _first(OutcomeSurvey, branch.id).id,
                "extra_task_type": _first(ExtraTaskType, branch.id).id,
                "user": _throwaway_user(code, branch.id),  # admins' posts disable it and reset its password
            }
            order_customer = db.session.get(Customer, order.customer_id)
            records.markers[code] = {"customer": customer.postcode, "volunteer": volunteer.last_name,
                                     "shop": shop.name, "van": van.name, "order": order_customer.last_name,
                                     "branch": branch.name}
    assert set(records.ids["DG"]) == set(RECORD_KINDS), "give the test a record of every kind in RECORD_KINDS"
    return records


def _throwaway_user(code: str, branch_id: int) -> int:
    from foodtrain.services.auth import create_user

    return create_user(db.session, username=f"access-matrix-{code.lower()}", password="a throwaway for the matrix",
                       role=UserRole.OFFICE, branch_id=branch_id, hash_time_cost=1)


def _path_values(access: Access, records: Records, code: str) -> dict[str, object]:
    values: dict[str, object] = dict(PLAIN_VALUES)
    for name, kind in access.path.items():
        values[name] = records.ids[code][kind]
    return values


def _url_of(rule, values: dict[str, object]) -> str:  # type: ignore[no-untyped-def]
    """The rule's path with test values (a tuple offers choices, for converters such as any(json, csv))."""
    names = sorted(rule.arguments)
    missing = [name for name in names if name not in values]
    assert not missing, f"{rule.endpoint}: say in web/access_policy.py what {missing} carry, or add a plain value"
    choices = [values[name] if isinstance(values[name], tuple) else (values[name],) for name in names]
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


def _role(actor: str) -> UserRole:
    return ROLE_OF[actor.split("-")[0]]


def _verdict(access: Access, actor: str | None, status: int, location: str) -> str | None:
    """Why this response is unexpected, or None when it is as the policy says."""
    if status >= 500:
        return f"server error {status}"
    if access.public:
        return None
    if actor is None:
        return None if status in (302, 401) and "/login" in location else f"anonymous got {status}"
    if _role(actor) not in access.roles:
        return None if status in DENIED else f"{_role(actor).value} not allowed but got {status}"
    return None


def cross_branch_references() -> list[str]:
    """Rows that point at records of two branches: a branch-scoped row's key to another branch's record,
    or a row without a branch whose two keys lead to records of different branches."""
    found: list[str] = []
    for table in db.metadata.tables.values():
        keys = [(column, fk.column) for column in table.columns for fk in column.foreign_keys
                if "branch_id" in fk.column.table.columns and fk.column.table is not table]
        if "branch_id" in table.columns:
            checks = [(column, target, table.c.branch_id) for column, target in keys]
        elif len(keys) >= 2:
            checks = [(keys[1][0], keys[1][1], None)]
        else:
            continue
        for column, target, own_branch in checks:
            alias = target.table.alias()
            statement = select(func.count()).select_from(table).join(alias, column == alias.c[target.name])
            if own_branch is None:
                first_column, first_target = keys[0]
                first = first_target.table.alias()
                statement = statement.join(first, first_column == first.c[first_target.name])
                own_branch = first.c.branch_id
            count = db.session.scalar(statement.where(own_branch != alias.c.branch_id))
            if count:
                found.append(f"{table.name}.{column.name}: {count} rows point at another branch's record")
    return found


@dataclass
class MatrixResult:
    routes: int = 0
    requests: int = 0
    parameters_tried: int = 0
    unexpected: list[str] = field(default_factory=list)


def run_matrix(app: Flask, actors: tuple[str | None, ...] = (None, *ACTORS),
               only: Callable[[str], bool] = lambda endpoint: True) -> MatrixResult:
    """Every route (or those `only` keeps) as every actor; every scoped parameter with another branch's id."""
    records = _records(app)
    result = MatrixResult()
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static" and only(rule.endpoint)]
    result.routes = len(rules)
    for actor in actors:
        client, token = _client_for(app, actor)
        for rule in rules:
            access = POLICY[rule.endpoint]
            if rule.endpoint == "auth.logout":
                continue  # would end the actor's session; covered in test_auth_views
            for method in sorted(rule.methods & {"GET", "POST"}):
                # 1. The plain matrix: DG records in the path.
                url = _url_of(rule, _path_values(access, records, "DG"))
                response = client.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
                result.requests += 1
                reason = _verdict(access, actor, response.status_code, response.headers.get("Location", ""))
                if (reason is None and actor and actor.endswith("-wl") and access.path
                        and _role(actor) in access.roles and response.status_code not in DENIED):
                    reason = f"other branch's record in the path answered {response.status_code}"
                response.close()
                if reason:
                    result.unexpected.append(f"{actor or 'anonymous'} {method} {url} ({rule.endpoint}): {reason}")
                probe = _probe_branches(actor)
                if actor is None or probe is None or _role(actor) not in access.roles:
                    continue
                own, other = probe
                any_branch = _any_branch_kinds(actor)
                # 1b. The admin, working in DG: West Lothian's records in the path are not found.
                if actor == "admin" and set(access.path.values()) - any_branch:
                    values = _path_values(access, records, other)
                    values.update({name: records.ids[own][kind] for name, kind in access.path.items()
                                   if kind in any_branch})
                    other_url = _url_of(rule, values)
                    response = client.open(other_url, method=method,
                                           data={"csrf_token": token} if method == "POST" else None)
                    result.requests += 1
                    result.parameters_tried += 1
                    if response.status_code not in DENIED:
                        result.unexpected.append(f"{actor} {method} {other_url} ({rule.endpoint}): other branch's "
                                                 f"record in the path answered {response.status_code}")
                    response.close()
                # 2. Query strings and form fields: own-branch path, the other branch's id in one parameter.
                own_url = _url_of(rule, _path_values(access, records, own))
                places = [("query", name, kind) for name, kind in access.query.items() if kind not in any_branch]
                if method == "POST":
                    places += [("form", name, kind) for name, kind in access.form.items() if kind not in any_branch]
                for place, name, kind in places:
                    other_id = records.ids[other][kind]
                    query = {**QUERY_BASE.get(rule.endpoint, {}), **({name: other_id} if place == "query" else {})}
                    data = None
                    if method == "POST":
                        data = {"csrf_token": token, **FORM_BASE.get(rule.endpoint, {})}
                        if place == "form":
                            data[name] = other_id
                    response = client.open(own_url, method=method, query_string=query, data=data)
                    result.requests += 1
                    result.parameters_tried += 1
                    marker = records.markers[other].get(kind)
                    body = response.get_data(as_text=True) if response.mimetype.startswith("text/") else ""
                    problem = None
                    if response.status_code >= 500:
                        problem = f"server error {response.status_code}"
                    elif response.status_code == 200 and marker and marker in body:
                        problem = f"showed the other branch's {kind}"
                    response.close()
                    if problem:
                        result.unexpected.append(f"{actor} {method} {own_url} {place} {name}={other_id} "
                                                 f"({rule.endpoint}): {problem}")
    with app.app_context():
        result.unexpected += cross_branch_references()
    return result


def test_policy_names_every_route_and_nothing_else(demo_app: Flask) -> None:
    """A route missing from web/access_policy.py (or an entry for a route that is gone) fails the suite."""
    endpoints = {rule.endpoint for rule in demo_app.url_map.iter_rules()}
    assert sorted(endpoints - set(POLICY)) == [], "add these routes to web/access_policy.py"
    assert sorted(set(POLICY) - endpoints) == [], "these policy entries name no route"


def test_every_route_as_every_role(demo_app: Flask) -> None:
    """routes x roles x branches: no unexpected access, no cross-branch record, no server error;
    and a view whose roles are widened by one role is caught."""
    with demo_app.app_context():
        assert cross_branch_references() == [], "the demo data itself mixes branches"
    result = run_matrix(demo_app)
    assert result.unexpected == [], "\n".join(result.unexpected[:40])
    caught = _widened_role_is_caught(demo_app)
    print(f"\naccess policy: {result.routes} routes x {len(ROLE_OF)} roles x {len(BRANCHES)} branches "
          f"(+ anonymous) = {result.requests} requests, parameters tried {result.parameters_tried}, "
          f"unexpected access = {len(result.unexpected)}; widened-role mutation caught = {'yes' if caught else 'no'}")
    assert caught


def _widened_role_is_caught(app: Flask) -> bool:
    """Open the customer record to drivers, as a mistaken decorator would, and run the matrix on that view."""
    endpoint = "customers.show"
    original = app.view_functions[endpoint]
    app.view_functions[endpoint] = roles_required(*UserRole)(original.__wrapped__)
    try:
        result = run_matrix(app, actors=("driver-dg", "driver-wl"), only=lambda name: name == endpoint)
    finally:
        app.view_functions[endpoint] = original
    return any("driver not allowed but got 200" in line for line in result.unexpected)


def test_widened_role_mutation_is_caught(demo_app: Flask) -> None:
    """Widening the roles of a view (customer record opened to drivers) makes the matrix report it."""
    assert _widened_role_is_caught(demo_app)


def test_admin_probe_catches_a_view_that_ignores_the_admins_branch(demo_app: Flask, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The admin works in one branch at a time: a subject-access page that looked records up in every branch
    (here: in West Lothian while the admin works in Dumfries and Galloway) is reported by the admin's probe."""
    import web.privacy

    with demo_app.app_context():
        west_lothian = db.session.scalar(select(Branch.id).where(Branch.code == "WL"))
    monkeypatch.setattr(web.privacy, "current_branch_id", lambda: west_lothian)
    result = run_matrix(demo_app, actors=("admin",), only=lambda endpoint: endpoint == "privacy.show")
    assert any("other branch's record in the path answered 200" in line for line in result.unexpected), \
        result.unexpected
