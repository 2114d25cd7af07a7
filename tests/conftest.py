"""Shared fixtures: each test gets its own migrated database (a copy of a template made once)."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from foodtrain.cli import migrate_database
from foodtrain.demo import generate_demo
from foodtrain.extensions import db
from web import create_app

DEMO_TODAY = date(2026, 11, 25)
DEMO_PASSWORD = "demo password for tests only"
_WORKER_DATABASE = pytest.StashKey[str]()


def _settings(database_path: Path) -> dict[str, object]:
    return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database_path}"}


def _build_template(directory: Path, with_demo: bool) -> Path:
    path = directory / ("demo.sqlite3" if with_demo else "empty.sqlite3")
    app = create_app(_settings(path), instance_path=str(directory))
    with app.app_context():
        migrate_database()
        if with_demo:
            generate_demo(db.session, DEMO_TODAY, password_factory=lambda: DEMO_PASSWORD)
        db.session.remove()
        db.engine.dispose()
    return path


@pytest.fixture(scope="session")
def template_databases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A migrated empty database and a migrated demo database, built once per test run."""
    directory = tmp_path_factory.mktemp("templates")
    return {"empty": _build_template(directory, False), "demo": _build_template(directory, True)}


def _app_on_copy(template: Path, tmp_path: Path) -> Iterator[Flask]:
    database = tmp_path / "test.sqlite3"
    shutil.copyfile(template, database)
    app = create_app(_settings(database), instance_path=str(tmp_path))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(template_databases: dict[str, Path], tmp_path: Path) -> Iterator[Flask]:
    """An app on a fresh, migrated, empty SQLite database."""
    yield from _app_on_copy(template_databases["empty"], tmp_path)


@pytest.fixture
def demo_app(template_databases: dict[str, Path], tmp_path: Path) -> Iterator[Flask]:
    """An app on a fresh copy of the demo database (every demo login has DEMO_PASSWORD)."""
    yield from _app_on_copy(template_databases["demo"], tmp_path)


@pytest.fixture
def session(app: Flask):
    with app.app_context():
        yield db.session


@pytest.fixture
def demo_session(demo_app: Flask):
    with demo_app.app_context():
        yield db.session


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def demo_client(demo_app: Flask) -> FlaskClient:
    return demo_app.test_client()


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


def sign_in(client: FlaskClient, username: str, password: str = DEMO_PASSWORD):
    """Sign in through the real login form (with its CSRF token)."""
    page = client.get("/login")
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


POSTGRES_URL = os.environ.get("DATABASE_URL_TEST_POSTGRES")
_POSTGRES_ADMIN_URL = POSTGRES_URL  # the database given; worker databases are made and dropped from it
SOLVER_TEST_DIRECTORIES = ("rota", "routing")


def _worker_database_name(given_database: str, worker: str) -> str:
    """The worker's database, named after the database given and the worker ("foodtrain_test_gw0"): runs given
    different databases on one server (two checkouts tested at once) never drop each other's."""
    if not re.fullmatch(r"gw\d+", worker):
        raise RuntimeError(f"unexpected pytest-xdist worker id {worker!r}")
    return f"{given_database}_{worker}"


def _admin_execute(statement: str) -> None:
    from sqlalchemy import create_engine, text

    assert _POSTGRES_ADMIN_URL is not None
    admin_engine = create_engine(_POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin_engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        admin_engine.dispose()


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist each worker gets a PostgreSQL database of its own, made here from
    DATABASE_URL_TEST_POSTGRES (tests that migrate the shared database up and down would otherwise
    run into each other). Test modules read the variable when collected, after this hook."""
    global POSTGRES_URL
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if POSTGRES_URL is None or worker is None:
        return
    from sqlalchemy.engine import make_url

    name = _worker_database_name(make_url(POSTGRES_URL).database or "foodtrain_test", worker)
    _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin_execute(f'CREATE DATABASE "{name}"')
    config.stash[_WORKER_DATABASE] = name
    POSTGRES_URL = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    os.environ["DATABASE_URL_TEST_POSTGRES"] = POSTGRES_URL


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Drop the worker's own database at the end of its run."""
    name = session.config.stash.get(_WORKER_DATABASE, None)
    if name is not None:
        _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the solvers' property tests (Hypothesis tests under tests/rota and tests/routing) slow."""
    for item in items:
        function = getattr(item, "function", None)
        in_solver_tests = Path(str(item.path)).parent.name in SOLVER_TEST_DIRECTORIES
        if in_solver_tests and getattr(function, "is_hypothesis_test", False):
            item.add_marker(pytest.mark.slow)


requires_postgres = pytest.mark.skipif(
    POSTGRES_URL is None, reason="DATABASE_URL_TEST_POSTGRES is not set (tests/run.sh starts PostgreSQL and sets it)"
)


@pytest.fixture
def postgres_app(tmp_path: Path) -> Iterator[Flask]:
    """An app on a brand-new, migrated PostgreSQL database of its own (dropped afterwards)."""
    if POSTGRES_URL is None:
        pytest.skip("DATABASE_URL_TEST_POSTGRES is not set")
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"foodtrain_{uuid.uuid4().hex[:12]}"
    admin_engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, instance_path=str(tmp_path))
    with app.app_context():
        migrate_database()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    with admin_engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin_engine.dispose()


@pytest.fixture
def postgres_demo_app(postgres_app: Flask) -> Flask:
    """postgres_app with the demo branches loaded (every demo login has DEMO_PASSWORD)."""
    with postgres_app.app_context():
        generate_demo(db.session, DEMO_TODAY, password_factory=lambda: DEMO_PASSWORD)
        db.session.remove()
    return postgres_app
