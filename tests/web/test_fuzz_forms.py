"""Property-based fuzzing of every form: hostile input never causes a server error, and a
rejected request writes nothing. Runs on SQLite and, when available, on PostgreSQL."""
from __future__ import annotations

from html.parser import HTMLParser

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import csrf_token_from, requires_postgres
from tests.web.test_security_figures import _routes_by_actor, _row_counts, _signed_in_clients

NASTY_TEXT = st.sampled_from([
    "", " ", "\x00", "NUL\x00byte", "'; DROP TABLE customers;--", "=HYPERLINK(\"http://x\")", "+1", "@SUM(A1)",
    "٣٤", "🍞🥛", "Ünïcödé Strasse", "2026-02-30", "2026-13-01", "31/12/2026", "-1", "0", "1e309", "NaN", "inf",
    "99999999999999999999999999", "-99999999999999999999", "0x1F", "true", "null", "<script>alert(1)</script>",
    "../../etc/passwd", "DG1 2BD", "dg12bd", "ZZ99 9ZZ", "12:00", "25:61", "£23.45", "23,45", "x" * 5000,
    # Added after the 2026 assessment: superscript and full-width digits, ids past the database's integers,
    # control characters, a formula as a phone number, dates far outside any sensible range.
    "²", "１２", "\x1b[31mred", "a\u202eb", "=1+1", "1800-01-01", "9999-12-31", str(2**31), str(2**63),
])
VALUE = st.one_of(
    NASTY_TEXT,
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.dates().map(str),
    st.just("y" * 200_000),
)
REJECTED = {400, 403, 404, 405, 409, 413, 422}


class _FormFields(HTMLParser):
    """Collects form actions and the names of their fields."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, set[str]] = {}
        self._action: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("method") or "get").lower() == "post":
            self._action = attributes.get("action") or ""
            self.forms.setdefault(self._action, set())
        elif tag in ("input", "select", "textarea") and self._action is not None and attributes.get("name"):
            if attributes["name"] != "csrf_token":
                self.forms[self._action].add(attributes["name"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._action = None


def _targets(app: Flask) -> list[tuple[str, str, list[str]]]:
    """(actor, url, field names) for every POST route, field names read from the app's own pages."""
    clients = _signed_in_clients(app)
    fields_by_action: dict[str, set[str]] = {}
    for actor, url, _endpoint in _routes_by_actor(app, "GET"):
        response = clients[actor].get(url)
        if response.mimetype == "text/html":
            parser = _FormFields()
            parser.feed(response.get_data(as_text=True))
            for action, names in parser.forms.items():
                fields_by_action.setdefault(action or url, set()).update(names)
        response.close()
    targets = []
    for actor, url, endpoint in _routes_by_actor(app, "POST"):
        if endpoint in {"privacy.erase"}:
            continue  # its only field must equal ERASE; covered in test_privacy_views
        names = sorted(fields_by_action.get(url, set())) or ["value"]
        targets.append((actor, url, names))
    return targets


def _fuzz(app: Flask, examples: int) -> None:
    targets = _targets(app)
    clients = _signed_in_clients(app)
    tokens = {actor: csrf_token_from(client.get("/account/").get_data(as_text=True)) for actor, client in clients.items()}
    tally = {"requests": 0, "server_errors": [], "written": []}

    @settings(max_examples=examples, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large, HealthCheck.large_base_example])
    @given(data=st.data())
    def send(data) -> None:  # type: ignore[no-untyped-def]
        actor, url, names = data.draw(st.sampled_from(targets), label="form")
        form = {name: data.draw(st.one_of(VALUE, st.lists(VALUE, max_size=3)), label=name) for name in names}
        form["csrf_token"] = tokens[actor]
        before = _row_counts(app)
        response = clients[actor].post(url, data=form)
        tally["requests"] += 1
        if response.status_code >= 500:
            tally["server_errors"].append(f"{url}: {response.status_code}")
        elif response.status_code in REJECTED and _row_counts(app) != before:
            tally["written"].append(f"{url}: {response.status_code}")
        response.close()

    send()
    print(f"\nfuzz ({app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}): {tally['requests']} requests over "
          f"{len(targets)} forms, server errors = {len(tally['server_errors'])}, "
          f"rows written by rejected requests = {len(tally['written'])}")
    assert tally["server_errors"] == [] and tally["written"] == [], (tally["server_errors"][:10], tally["written"][:10])


def test_fuzz_every_form_sqlite(demo_app: Flask) -> None:
    _fuzz(demo_app, examples=250)


@requires_postgres
def test_fuzz_every_form_postgres(postgres_demo_app: Flask) -> None:
    _fuzz(postgres_demo_app, examples=150)
