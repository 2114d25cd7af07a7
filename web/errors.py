"""Friendly error pages; a domain NotFoundError becomes a 404."""

from __future__ import annotations

from flask import Flask, render_template
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from foodtrain.extensions import db
from foodtrain.services.errors import NotFoundError

_MESSAGES = {
    400: "The request could not be understood. Please go back and try again.",
    403: "Your role does not give access to this page.",
    404: "There is nothing here, or it belongs to another branch.",
    405: "That action is not available here.",
    413: "That upload is too large.",
    500: "Something went wrong on our side. Nothing you entered was half-saved; please try again.",
}


def _render(status: int, message: str | None = None) -> ResponseReturnValue:
    return render_template(
        "errors/error.html", status=status, message=message or _MESSAGES.get(status, "Something went wrong.")
    ), status


def init_app(app: Flask) -> None:
    @app.errorhandler(NotFoundError)
    def _not_found(_error: NotFoundError) -> ResponseReturnValue:
        return _render(404)

    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError) -> ResponseReturnValue:
        return _render(400, "This form has expired or was sent from elsewhere. Please reload the page and try again.")

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> ResponseReturnValue:
        return _render(error.code or 500)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> ResponseReturnValue:
        db.session.rollback()
        app.logger.exception("Unhandled error", exc_info=error)
        return _render(500)
