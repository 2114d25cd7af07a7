"""Migrations build the schema from nothing, match the models, and go down and up again."""

from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from foodtrain.extensions import db
from web import MIGRATIONS_DIRECTORY, create_app

POSTGRES_URL = os.environ.get("DATABASE_URL_TEST_POSTGRES")


def _check_up_down_up(app) -> None:
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIRECTORY, revision="heads")
        tables = set(inspect(db.engine).get_table_names())
        assert {"branches", "customers", "orders", "order_lines", "volunteers", "users", "audit_events"} <= tables
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert differences == [], f"models and migrations disagree: {differences}"
        downgrade(directory=MIGRATIONS_DIRECTORY, revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade(directory=MIGRATIONS_DIRECTORY, revision="heads")
        assert "customers" in inspect(db.engine).get_table_names()
        db.session.remove()
        db.engine.dispose()


def test_sqlite_migrations_up_down_up(tmp_path) -> None:
    """From an empty SQLite file: upgrade, compare with the models, downgrade to nothing, upgrade again."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.sqlite3'}"}, instance_path=str(tmp_path))
    _check_up_down_up(app)


@pytest.mark.postgres
@pytest.mark.skipif(POSTGRES_URL is None, reason="DATABASE_URL_TEST_POSTGRES is not set (tests/run.sh sets it)")
def test_postgres_migrations_up_down_up(tmp_path) -> None:
    """The same migrations on a real PostgreSQL server."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": POSTGRES_URL}, instance_path=str(tmp_path))
    with app.app_context():
        downgrade(directory=MIGRATIONS_DIRECTORY, revision="base")
    _check_up_down_up(app)
