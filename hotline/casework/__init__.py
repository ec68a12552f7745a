"""The handler workspace: staff login and enrolment, and each handler's destinations."""

from __future__ import annotations

from flask import Flask, current_app

from hotline import login_delays
from hotline.casework import actions, views  # noqa: F401  (importing actions adds its routes to views.bp)
from hotline.security import Budgets


def login_limit() -> str:
    return str(current_app.config["LOGIN_LIMIT"])


def init_app(app: Flask, budgets: Budgets) -> None:
    """Register the blueprint; login attempts spend a per-client budget, on top of the delays after failures."""
    app.register_blueprint(views.bp)
    login_delays.init_app(app)
    limiter = app.extensions["hotline.limiter"]
    login = limiter.shared_limit(login_limit, scope="login", methods=["POST"])
    budgets.apply(app, login, ["casework.login", "casework.enrol"])
