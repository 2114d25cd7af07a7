"""Which kind of database transaction a request runs in (see foodtrain.database).

GET and HEAD requests read: their transactions take no write lock, so a page is never
kept waiting by another user's save or by a background job. Should such a request
write after all and SQLite refuse (its snapshot went stale), the view runs once more
as a writing request; a GET changes nothing a second run could double.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, g, request

from foodtrain.database import begin_reading_transactions, end_reading_transactions, is_stale_read_error
from foodtrain.extensions import db

READING_METHODS = frozenset({"GET", "HEAD"})


def init_app(app: Flask) -> None:
    @app.before_request
    def _begin_reading() -> None:
        if request.method in READING_METHODS and not g.get("rerun_as_writer"):
            g.reading_transactions_token = begin_reading_transactions()

    @app.teardown_request
    def _end_reading(_error: BaseException | None) -> None:
        token = g.pop("reading_transactions_token", None)
        if token is not None:
            end_reading_transactions(token)

    # The before-request hooks write too (a session's last-seen time, when the user is loaded), so
    # both they and the view are run again as a writer; Flask's error handler would turn the error into a 500.
    app.preprocess_request = _rerun_stale_reads_as_writer(app.preprocess_request)  # type: ignore[method-assign]  # wrapped on purpose
    app.dispatch_request = _rerun_stale_reads_as_writer(app.dispatch_request)  # type: ignore[method-assign]  # wrapped on purpose


def _rerun_stale_reads_as_writer(step: Callable[[], Any]) -> Callable[[], Any]:
    """Run a step of a reading request; if SQLite refuses its late write, roll back and run it once more as a writer."""

    def run() -> Any:
        if request.method not in READING_METHODS or g.get("rerun_as_writer"):
            return step()
        try:
            return step()
        except Exception as error:
            if not is_stale_read_error(error):
                raise
            db.session.rollback()
        token = g.pop("reading_transactions_token", None)
        if token is not None:
            end_reading_transactions(token)
        g.rerun_as_writer = True
        return step()

    return run
