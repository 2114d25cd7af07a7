"""Every GET route with crafted query strings, on SQLite and PostgreSQL: never a server error, never a record of
another branch.

The parameter names tried are those the views really read (recorded while each page is opened once with the
values it needs), those web/access_policy.py names, and a few names no view reads. Each is tried with another
branch's ids of every record kind and with malformed values (text, signs, superscript and full-width digits,
ids past the database's integers, empty, unicode, control characters, repeated parameters). The malformed values
are a deterministic sample per route and parameter (seeded by their names, the same on both databases), so the
run stays short; `FOODTRAIN_QUERY_FUZZ_ALL=1` tries every value everywhere.

Each route is opened as a West Lothian user whose role may open it (whose pages must never name a Dumfries and
Galloway record), as the admin for admin-only routes (working in Dumfries and Galloway: West Lothian's records
must not show, but for branch names and logins, which an admin sees everywhere), and as nobody for public routes
(no record of either branch may show).
"""

from __future__ import annotations

import os
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import Flask, request
from werkzeug.datastructures import ImmutableMultiDict

from foodtrain.models import UserRole
from tests.conftest import requires_postgres
from tests.web.test_access_matrix import (
    ADMIN_ANY_BRANCH,
    QUERY_BASE,
    Records,
    _client_for,
    _path_values,
    _records,
    _url_of,
    response_text,
)
from web.access_policy import POLICY, Access

MALFORMED = (
    "",
    " ",
    "-1",
    "0",
    "+1",
    " 1",
    "1.5",
    "1e3",
    "0x1F",
    "²",
    "１２",
    "٣",
    str(2**31),
    str(2**31 - 1),
    str(2**63),
    str(2**70),
    "9" * 40,
    "-" + "9" * 30,
    "x",
    "null",
    "true",
    "NaN",
    "'; DROP TABLE customers;--",
    "<script>x</script>",
    "\x00",
    "a\u202eb",
    "\x1b[31m",
    "🍞🥛",
    "Ünïcödé",
    "2026-02-30",
    "2026-13-01",
    "1800-01-01",
    "9999-12-31",
    "0000-00-00",
    "2026-12",
    "2026-W49",
    "12/01/2026",
    "../../etc/passwd",
    "%",
    "%%",
    "javascript:alert(1)",
    "//evil.example/",
    "y" * 5000,
)
# Names no view reads (url_for's options among them: a view handing the query string to url_for would obey them).
UNREAD_NAMES = ("_external", "_scheme", "_anchor", "endpoint", "id")
VALUES_PER_PARAMETER = 5  # malformed values tried per route and parameter (sampled)
ACTORS_BY_ROLE = (
    (UserRole.OFFICE, "office-wl"),
    (UserRole.COORDINATOR, "coordinator-wl"),
    (UserRole.DRIVER, "driver-wl"),
    (UserRole.ADMIN, "admin"),
)


class _ReadNames:
    names: set[str] = set()


class RecordingArgs(ImmutableMultiDict):  # type: ignore[type-arg]  # werkzeug's MultiDict generics: the recorder takes any keys and values
    """request.args that notes every name a view asks for."""

    def __getitem__(self, key):
        _ReadNames.names.add(key)
        return super().__getitem__(key)

    def getlist(self, key, type=None):  # noqa: A002
        _ReadNames.names.add(key)
        return super().getlist(key, type)

    def __contains__(self, key) -> bool:
        _ReadNames.names.add(key)
        return super().__contains__(key)


@dataclass
class Route:
    endpoint: str
    actor: str | None
    url: str
    base: dict[str, str]
    names: set[str] = field(default_factory=set)


@dataclass
class Tally:
    requests: int = 0
    server_errors: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def _actor_for(access: Access) -> str | None:
    if access.public:
        return None
    return next(actor for role, actor in ACTORS_BY_ROLE if role in access.roles)


def _leak_check(records: Records, actor: str | None) -> list[tuple[str, frozenset[str]]]:
    """(branch, kinds not to look for) whose records this actor must not see."""
    if actor is None:
        return [("DG", frozenset()), ("WL", frozenset())]
    if actor == "admin":
        return [("WL", ADMIN_ANY_BRANCH)]
    return [("DG", frozenset())]


def _own_and_other(actor: str | None) -> tuple[str, str]:
    return ("DG", "WL") if actor in (None, "admin") else ("WL", "DG")


def _routes(app: Flask, records: Records, keep: Callable[[str], bool]) -> list[Route]:
    """Every GET route, its actor, its URL (own-branch ids in the path) and the query names its view reads."""
    routes = []
    original_request_class = app.request_class
    app.request_class = type("RecordingRequest", (original_request_class,), {"parameter_storage_class": RecordingArgs})
    clients: dict[str | None, object] = {}
    try:
        for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.endpoint):
            access = POLICY[rule.endpoint]
            if "GET" not in rule.methods or rule.endpoint in ("static", "auth.logout") or not keep(rule.endpoint):
                continue
            actor = _actor_for(access)
            own, _other = _own_and_other(actor)
            route = Route(
                rule.endpoint,
                actor,
                _url_of(rule, _path_values(access, records, own)),
                {**QUERY_BASE.get(rule.endpoint, {})},
            )
            route.base.update({name: str(records.ids[own][kind]) for name, kind in access.query.items()})
            if actor not in clients:
                clients[actor] = _client_for(app, actor)[0]
            _ReadNames.names = set()
            clients[actor].get(route.url, query_string=route.base).close()  # type: ignore[attr-defined]  # route is the loosely typed record built above; the attribute is there at run time
            route.names = _ReadNames.names | set(access.query)
            routes.append(route)
    finally:
        app.request_class = original_request_class
    return routes


def _queries(route: Route, records: Records) -> Iterator[list[tuple[str, str]]]:
    """The query strings tried on one route: each name the view reads with another branch's id (of the kind the
    policy names, else one drawn from every kind) and sampled malformed values; then the first name repeated,
    every name at once malformed, and the names no view reads."""
    _own, other = _own_and_other(route.actor)
    access = POLICY[route.endpoint]
    other_ids = sorted(
        {
            str(value)
            for kind, value in records.ids[other].items()
            if route.actor != "admin" or kind not in ADMIN_ANY_BRANCH
        }
    )
    every = os.environ.get("FOODTRAIN_QUERY_FUZZ_ALL") == "1"
    read = sorted(route.names - set(UNREAD_NAMES))
    for name in read:
        chooser = random.Random(f"{route.endpoint} {name}")
        kind = access.query.get(name)
        ids = other_ids if every else [str(records.ids[other][kind]) if kind else chooser.choice(other_ids)]
        malformed = list(MALFORMED) if every else chooser.sample(MALFORMED, VALUES_PER_PARAMETER)
        base = [(key, value) for key, value in route.base.items() if key != name]
        for value in (*ids, *malformed):
            yield [*base, (name, value)]
    chooser = random.Random(route.endpoint)
    if read:
        base = [(key, value) for key, value in route.base.items() if key != read[0]]
        yield [*base, (read[0], other_ids[0]), (read[0], chooser.choice(MALFORMED)), (read[0], other_ids[-1])]
        yield [(name, chooser.choice(MALFORMED)) for name in read]
    yield [
        *route.base.items(),
        ("_external", "1"),
        ("_scheme", "javascript"),
        ("_anchor", "x"),
        ("endpoint", "auth.login"),
        ("id", other_ids[-1]),
    ]


def fuzz_queries(app: Flask, keep: Callable[[str], bool] = lambda endpoint: True) -> tuple[list[Route], Tally]:
    """Every GET route (or those `keep` keeps) with the query strings of _queries."""
    records = _records(app)
    routes = _routes(app, records, keep)
    clients = {actor: _client_for(app, actor)[0] for actor in {route.actor for route in routes}}
    tally = Tally()
    for route in routes:
        started = time.perf_counter()
        for query in _queries(route, records):
            url = f"{route.url}?{urlencode(query)}"
            response = clients[route.actor].get(url, follow_redirects=True)
            tally.requests += 1
            who = route.actor or "anonymous"
            if response.status_code >= 500:
                tally.server_errors.append(f"{who} GET {url[:200]}: {response.status_code}")
            else:
                text = response_text(response)
                for branch, skip in _leak_check(records, route.actor):
                    kinds = records.leaked(branch, text, skip)
                    if kinds:
                        tally.leaks.append(f"{who} GET {url[:200]} ({route.endpoint}): showed {branch}'s {kinds}")
            response.close()
        tally.seconds[route.endpoint] = time.perf_counter() - started
    return routes, tally


def _check(app: Flask) -> list[Route]:
    routes, tally = fuzz_queries(app)
    names = sum(len(route.names) for route in routes)
    print(
        f"\nquery fuzz ({app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}): {len(routes)} GET routes, "
        f"{names} parameters, {tally.requests} requests, server errors = {len(tally.server_errors)}, "
        f"other branch's records shown = {len(tally.leaks)}"
    )
    if os.environ.get("FOODTRAIN_QUERY_FUZZ_TIMES"):
        for endpoint, seconds in sorted(tally.seconds.items(), key=lambda item: -item[1])[:15]:
            print(f"  {endpoint}: {seconds:.1f} s")
    assert tally.server_errors == [] and tally.leaks == [], "\n".join((tally.server_errors + tally.leaks)[:40])
    return routes


def unlisted_id_parameters(routes: list[Route]) -> list[str]:
    """Query parameters the views read that are named like record ids (..._id, ..._ids) but not named in
    web/access_policy.py: the access matrix would never try another branch's id in them."""
    return [
        f"{route.endpoint}: {name}"
        for route in routes
        for name in sorted(route.names)
        if re.fullmatch(r"\w+_ids?", name) and name not in POLICY[route.endpoint].query
    ]


def test_query_fuzz_every_get_route_sqlite(demo_app: Flask) -> None:
    """The fuzz; and every id-named query parameter a view reads is named in the access policy."""
    routes = _check(demo_app)
    assert unlisted_id_parameters(routes) == [], "say in web/access_policy.py which record kind these carry"


def test_an_id_parameter_missing_from_the_policy_is_reported() -> None:
    """The policy check can fail: a view reading ?colour_id= that the policy does not name is reported."""
    route = Route("orders.new", "office-wl", "/orders/new", {}, {"customer_id", "colour_id", "date"})
    assert unlisted_id_parameters([route]) == ["orders.new: colour_id"]


@requires_postgres
def test_query_fuzz_every_get_route_postgres(postgres_demo_app: Flask) -> None:
    _check(postgres_demo_app)


def test_query_fuzz_catches_a_page_that_ignores_the_branch(demo_app: Flask, monkeypatch) -> None:
    """The fuzz can fail: the order entry page looking its ?customer_id= up in any branch is reported."""
    import web.orders
    from tests.web.test_access_matrix import _customer_looked_up_anywhere

    monkeypatch.setattr(web.orders, "order_entry_context", _customer_looked_up_anywhere(web.orders.order_entry_context))
    _routes_found, tally = fuzz_queries(demo_app, keep=lambda endpoint: endpoint == "orders.new")
    assert any("customer_id=" in line and "customer" in line for line in tally.leaks), tally.leaks


def test_query_fuzz_catches_a_server_error(demo_app: Flask, monkeypatch) -> None:
    """The fuzz can fail: a page that trusts ?page= to be a number (int() of it) gives a 500 and is reported."""
    import web.customers

    monkeypatch.setattr(web.customers, "page_argument", lambda: int(request.args.get("page", "1")))
    _routes_found, tally = fuzz_queries(demo_app, keep=lambda endpoint: endpoint == "customers.index")
    assert any("page=" in line and ": 500" in line for line in tally.server_errors), tally.server_errors
