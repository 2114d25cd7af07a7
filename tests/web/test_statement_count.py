"""SQL statements per request in the load test's table: the app says them (X-SQL-Statements, only when asked
with FOODTRAIN_COUNT_SQL_STATEMENTS=1) and the load test's client adds up a redirect and the page it leads to."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from flask import Flask

from foodtrain.extensions import db
from foodtrain.loadtest import SQL_STATEMENTS_HEADER, _Client, page_table
from tests.conftest import _settings
from web import create_app
from web.page_cost import StatementCounter
from web.statement_count import HEADER


@pytest.fixture
def counting_app(template_databases: dict[str, Path], tmp_path: Path) -> Iterator[Flask]:
    database = tmp_path / "test.sqlite3"
    shutil.copyfile(template_databases["empty"], database)
    app = create_app({**_settings(database), "COUNT_SQL_STATEMENTS": True}, instance_path=str(tmp_path))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_app_says_each_answers_statements_only_when_asked(counting_app: Flask, app: Flask) -> None:
    """With COUNT_SQL_STATEMENTS the header holds the request's statements (as counted on the engine); by
    default no header (nothing is listened to)."""
    counter = StatementCounter(counting_app)
    try:
        answer = counting_app.test_client().get("/login")
    finally:
        counter.close()
    assert answer.status_code == 200
    assert int(answer.headers[HEADER]) == counter.count
    assert HEADER not in app.test_client().get("/login").headers


def test_the_load_tests_header_is_the_apps() -> None:
    assert SQL_STATEMENTS_HEADER == HEADER  # spelt twice: foodtrain (the load test) never imports web


class _RedirectThenPage(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path == "/save":
            self.send_response(302)
            self.send_header("Location", "/board")
            self.send_header(HEADER, "11")
        else:
            self.send_response(200)
            self.send_header(HEADER, "7")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_arguments: object) -> None:
        pass


def test_the_load_tests_client_adds_a_redirect_and_its_page() -> None:
    """A save answers 302 then the board: the user's one action costs both requests' statements."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RedirectThenPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        client = _Client(f"http://127.0.0.1:{server.server_address[1]}")
        assert client.get("/save")[0] == 200 and client.last_statements == 18
        assert client.get("/board")[0] == 200 and client.last_statements == 7
    finally:
        server.shutdown()
        server.server_close()


def test_the_per_page_table_shows_statements_beside_the_times() -> None:
    table = page_table(
        {
            "phone order save": {"requests": 9, "p50_ms": 30.1, "p95_ms": 80.5, "sql_statements_median": 18},
            "job progress": {"requests": 3, "p50_ms": 5.0, "p95_ms": 9.0, "sql_statements_median": None},
        }
    )
    assert "| phone order save | 9 | 30.1 | 80.5 | 18 |" in table
    assert "| job progress | 3 | 5.0 | 9.0 |  |" in table
