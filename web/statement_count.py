"""Each request's SQL statements, counted for the load test: with FOODTRAIN_COUNT_SQL_STATEMENTS=1 every answer
carries its count in the X-SQL-Statements header (python -m foodtrain.loadtest prints the median per page).

Off by default (nothing is listened to); the load test turns it on for the app processes it starts. The count
does not depend on how busy the machine is, so a page that grows statements shows in every load run.
"""

from __future__ import annotations

from flask import Flask, Response, g, has_request_context
from sqlalchemy import event

from foodtrain.extensions import db

HEADER = "X-SQL-Statements"


def init_app(app: Flask) -> None:
    if not app.config.get("COUNT_SQL_STATEMENTS"):
        return
    with app.app_context():
        engine = db.engine

    def _count(*_arguments: object) -> None:
        if has_request_context():  # a request's statements; a job's or a CLI command's are not counted
            g.sql_statements = g.get("sql_statements", 0) + 1

    event.listen(engine, "before_cursor_execute", _count)

    @app.after_request
    def _add_count(response: Response) -> Response:
        response.headers[HEADER] = str(g.get("sql_statements", 0))
        return response
