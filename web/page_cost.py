"""What the load test's office pages cost in CPU, measured in one process (no server, no network).

    python -m web.page_cost [--requests 30] [--profile "phone order page"] [--top 25]

Builds the demo (as `foodtrain serve` does on a fresh instance) in a temporary folder, signs in
as the Dumfries office, and times each page of the load test's mix (the same URLs) with the
test client: CPU ms per request (process time: a figure that does not depend on how busy the
machine is) and SQL statements per request. ``--profile PAGE`` prints cProfile's top functions
for that page. The load test (foodtrain.loadtest) measures the same pages over HTTP under load.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import re
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from foodtrain.clock import branch_today
from foodtrain.loadtest import PAGES, hidden_fields

PHONE_ORDER_LINK = re.compile(r'href="(/orders/new\?customer_id=\d+&amp;date=[0-9-]+)"')
# The load test's pages, named as it names them; "order board" redirects to the day's board, timed apart.
GET_PAGES = {("order board redirect" if name == "order board" else name): path for name, path in PAGES.items()}


@contextmanager
def demo_app(password: str = "page-cost demo password") -> Iterator[Flask]:
    """The app on a fresh demo database (SQLite, temporary folder), as a new installation has it."""
    from foodtrain.cli import migrate_database
    from foodtrain.demo import generate_demo
    from foodtrain.demo_schedule import publish_demo_schedule
    from foodtrain.extensions import db
    from web import create_app
    from sqlalchemy.orm import sessionmaker

    folder = Path(tempfile.mkdtemp(prefix="foodtrain-page-cost-"))
    try:
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'foodtrain.sqlite3'}", "PASSWORD_HASH_TIME_COST": 1},
            instance_path=str(folder / "instance"),
        )
        with app.app_context():
            migrate_database()
            generate_demo(db.session(), branch_today(), password_factory=lambda: password)
            publish_demo_schedule(sessionmaker(bind=db.engine), branch_today())
            db.session.remove()
        yield app
        with app.app_context():
            db.engine.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def signed_in_client(app: Flask, username: str, password: str = "page-cost demo password") -> FlaskClient:
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert token, "no CSRF token on the login page"
    answer = client.post("/login", data={"username": username, "password": password, "csrf_token": token.group(1)})
    assert answer.status_code == 302, f"could not sign in as {username}"
    return client


class StatementCounter:
    """Counts the SQL statements the app's engine runs (a page's queries)."""

    def __init__(self, app: Flask) -> None:
        from foodtrain.extensions import db

        with app.app_context():
            self.engine = db.engine
        self.count = 0
        event.listen(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: object) -> None:
        self.count += 1

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def the_office_mix(client: FlaskClient) -> dict[str, Callable[[], object]]:
    """The load test's pages as calls on the test client: each returns the response (asserted 200)."""

    def get(path: str) -> Callable[[], object]:
        def call() -> object:
            answer = client.get(path)
            assert answer.status_code in (200, 302), (path, answer.status_code)
            return answer

        return call

    board_path = client.get("/orders/").headers["Location"]
    finder = client.get(GET_PAGES["phone order finder"]).get_data(as_text=True)
    # A customer with no order yet that day (an earlier run's saves turned others' pages into edits).
    order_page = next(
        path
        for path in (link.replace("&amp;", "&") for link in PHONE_ORDER_LINK.findall(finder))
        if client.get(path).status_code == 200
    )

    def save() -> object:
        # The form as a fresh page has it; a saved order turns "new" into "edit", so save a new one each time.
        page = client.get(order_page)
        if page.status_code == 302:  # an order is in for that customer already: edit it
            page = client.get(page.headers["Location"])
        fields = {
            **hidden_fields(page.get_data(as_text=True)),
            "lines-0-item": "Milk",
            "lines-0-quantity": "2",
            "lines-0-substitute_allowed": "y",
            "save": "Save order",
        }
        action = page.request.path if hasattr(page, "request") else order_page
        answer = client.post(action, data=fields)
        assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
        return answer

    return {
        **{name: get(path) for name, path in GET_PAGES.items()},
        "order board": get(board_path),
        "phone order page": get(order_page),
        "phone order save (with its page)": save,
    }


def measure(app: Flask, requests: int) -> list[dict[str, object]]:
    """CPU ms (median, p90 of ``requests``) and SQL statements per request, per page."""
    client = signed_in_client(app, "office-dg")
    rows = []
    counter = StatementCounter(app)
    try:
        for name, call in the_office_mix(client).items():
            call()  # warm: templates compiled, caches filled
            cpu_ms, statements = [], []
            for _ in range(requests):
                counter.count = 0
                started = time.process_time()
                call()
                cpu_ms.append((time.process_time() - started) * 1000)
                statements.append(counter.count)
            ordered = sorted(cpu_ms)
            rows.append(
                {
                    "page": name,
                    "cpu_ms_median": round(statistics.median(cpu_ms), 1),
                    "cpu_ms_p90": round(ordered[int(0.9 * (len(ordered) - 1))], 1),
                    "sql_statements": max(statements),
                }
            )
    finally:
        counter.close()
    return rows


def profile(app: Flask, page: str, requests: int, top: int) -> str:
    client = signed_in_client(app, "office-dg")
    call = the_office_mix(client)[page]
    call()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        call()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m web.page_cost", description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--profile", help="Also print cProfile's top functions for this page.")
    parser.add_argument("--top", type=int, default=30)
    arguments = parser.parse_args(argv)
    with demo_app() as app:
        rows = measure(app, arguments.requests)
        print(f"In-process cost per request ({arguments.requests} requests per page, {branch_today()}):\n")
        print("| page | CPU ms median | CPU ms p90 | SQL statements |\n|---|---|---|---|")
        for row in rows:
            print(f"| {row['page']} | {row['cpu_ms_median']} | {row['cpu_ms_p90']} | {row['sql_statements']} |")
        if arguments.profile:
            print(profile(app, arguments.profile, arguments.requests, arguments.top))


if __name__ == "__main__":
    main()
