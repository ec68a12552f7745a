"""The admin pages: handler accounts and the audit log, never a case."""

from __future__ import annotations

from flask import Flask

from hotline.admin import views


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(views.bp)
