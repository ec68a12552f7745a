"""Report intake and status by token."""

from __future__ import annotations

from flask import Flask

from hotline.reports import views
from hotline.security import Budgets


def init_app(app: Flask, budgets: Budgets) -> None:
    """Register the blueprint; submissions and status lookups spend the budgets shared with the API."""
    app.register_blueprint(views.bp)
    # Its forms carry their own token (form_tokens.py): Flask-WTF's lives in the session cookie, which
    # carries a time to the second and would link a visitor's report and status pages.
    app.extensions["csrf"].exempt(views.bp)
    budgets.apply(app, budgets.report, ["reports.submit"])
    budgets.apply(app, budgets.status, ["reports.status", "reports.message"])
