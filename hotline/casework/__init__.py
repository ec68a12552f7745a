"""The handler workspace: staff login and enrolment, and each handler's destinations."""

from __future__ import annotations

from flask import Flask, current_app

from hotline.casework import actions, views  # noqa: F401  (importing actions adds its routes to views.bp)
from hotline.security import Budgets


def login_limit() -> str:
    return str(current_app.config["LOGIN_LIMIT"])


def init_app(app: Flask, budgets: Budgets) -> None:
    """Register the blueprint; login attempts also spend a per-client budget, on top of the per-account lock."""
    app.register_blueprint(views.bp)
    limiter = app.extensions["hotline.limiter"]
    login = limiter.shared_limit(login_limit, scope="login", methods=["POST"])
    budgets.apply(app, login, ["casework.login", "casework.enrol"])
