"""Report intake and status by token."""

from __future__ import annotations

from flask import Flask, current_app
from flask_limiter import Limiter

from hotline.reports import views


def report_limit() -> str:
    return str(current_app.config["REPORT_LIMIT"])


def status_limit() -> str:
    return str(current_app.config["STATUS_LIMIT"])


def init_app(app: Flask, limiter: Limiter) -> None:
    """Register the blueprint and limit submissions and status lookups (one shared budget)."""
    app.register_blueprint(views.bp)
    functions = app.view_functions
    # Flask-Limiter checks decorated views inside the wrapper, so the wrapper must be what is served.
    functions["reports.submit"] = limiter.limit(report_limit, methods=["POST"])(views.submit)
    status = limiter.shared_limit(status_limit, scope="status", methods=["POST"])
    for endpoint in ("reports.status", "reports.message"):
        functions[endpoint] = status(functions[endpoint])  # type: ignore[assignment]
