"""The web application: factory, blueprints, templates and static files."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter
from werkzeug.routing import Map

from foodtrain.config import Config
from foodtrain.database import configure_sqlite_engine, restrict_sqlite_file_modes
from foodtrain.extensions import csrf, db, login_manager, migrate

MIGRATIONS_DIRECTORY = str(Path(__file__).resolve().parent.parent / "foodtrain" / "migrations")


class RecordIdConverter(IntegerConverter):
    """`<int:...>` in every route: ASCII digits only (not `²` or full-width digits), at most MAX_ID, so a
    crafted id is a 404 instead of an overflow in the database driver."""

    regex = r"[0-9]{1,10}"

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        from foodtrain.field_rules import MAX_ID

        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def create_app(test_config: Mapping[str, Any] | None = None, instance_path: str | None = None) -> Flask:
    """Build the app. Tests pass their own settings (at least SQLALCHEMY_DATABASE_URI)."""
    instance_path = instance_path or os.environ.get("FOODTRAIN_INSTANCE_PATH")
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if test_config is None:
        app.config.from_mapping(Config.from_environment(Path(app.instance_path)))
    else:
        from foodtrain.config import TestConfig

        app.config.from_object(TestConfig)
        app.config.from_mapping(test_config)

    restrict_sqlite_file_modes(app.config["SQLALCHEMY_DATABASE_URI"])
    if app.config.get("PROXY_HOPS"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)  # type: ignore[method-assign]  # ProxyFix wraps the WSGI app, as Flask documents
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIRECTORY, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    with app.app_context():
        configure_sqlite_engine(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])

    from web import errors, navigation, security, statement_count, transactions

    statement_count.init_app(app)
    transactions.init_app(app)
    app.url_map.converters["int"] = RecordIdConverter  # before the blueprints' rules are made
    security.init_app(app)
    errors.init_app(app)
    navigation.register_blueprints(app)
    from foodtrain.services.job_kinds import register_job_kinds

    register_job_kinds()  # the jobs this app queues and its workers run
    from foodtrain import wording

    app.jinja_env.filters.update(
        plan_quality=wording.plan_quality,
        search_outcome=wording.search_outcome,
        route_plan_outcome=wording.route_plan_outcome,
        plain_date=wording.plain_date,
        week_of=wording.week_of,
        sentence_start=wording.sentence_start,
        job_title=wording.job_title,
        job_reports_quality=wording.job_reports_quality,
    )

    from foodtrain.job_queue import init_job_queue

    init_job_queue(app)

    from foodtrain.cli import register_commands

    register_commands(app)
    return app
