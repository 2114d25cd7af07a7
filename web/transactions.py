"""Which kind of database transaction a request runs in (see foodtrain.database).

GET and HEAD requests read: their transactions take no write lock, so a page is never
kept waiting by another user's save or by a background job. Should such a request
write after all and SQLite refuse (its snapshot went stale), the view runs once more
as a writing request; a GET changes nothing a second run could double.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, g, request

from foodtrain.database import begin_reading_transactions, end_reading_transactions, is_stale_read_error
from foodtrain.extensions import db

READING_METHODS = frozenset({"GET", "HEAD"})


def init_app(app: Flask) -> None:
    @app.before_request
    def _begin_reading() -> None:
        if request.method in READING_METHODS:
            g.reading_transactions_token = begin_reading_transactions()

    @app.teardown_request
    def _end_reading(_error: BaseException | None) -> None:
        token = g.pop("reading_transactions_token", None)
        if token is not None:
            end_reading_transactions(token)

    dispatch = app.dispatch_request

    def dispatch_request() -> Any:
        if "reading_transactions_token" not in g:
            return dispatch()
        try:
            return dispatch()
        except Exception as error:
            if not is_stale_read_error(error):
                raise
            db.session.rollback()
        end_reading_transactions(g.pop("reading_transactions_token"))
        return dispatch()

    app.dispatch_request = dispatch_request  # type: ignore[method-assign]  # the retry wrapper replaces the app's dispatch on purpose
