"""JSON API v1, used by the browser path; described at /api/v1/openapi.json."""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, InternalServerError

from hotline import errors
from hotline.api import views
from hotline.security import Budgets


def handle_http(error: HTTPException) -> tuple[str | Response, int]:
    """Answer JSON under /api/ (404 and 405 arise before any blueprint is known); HTML pages elsewhere."""
    if request.path.startswith("/api/"):
        return views.http_error(error)
    return errors.handle_http(error)


def handle_unexpected(error: InternalServerError) -> tuple[str | Response, int]:
    """Never show a traceback: JSON under /api/, the generic page elsewhere."""
    if request.path.startswith("/api/"):
        return views.http_error(error)
    return errors.handle_unexpected(error)


def init_app(app: Flask, budgets: Budgets) -> None:
    """Register the API without CSRF (a JSON body needs a CORS preflight, never granted), limits shared with HTML."""
    app.register_blueprint(views.bp)
    app.extensions["csrf"].exempt(views.bp)
    budgets.apply(app, budgets.report, ["api.reports"])
    budgets.apply(app, budgets.status, ["api.lookup", "api.messages"])
    # These replace the handlers errors.init_app registered, and defer to them outside the API.
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(InternalServerError, handle_unexpected)
