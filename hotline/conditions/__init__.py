"""The fair-conditions check of an internship agreement."""

from __future__ import annotations

from flask import Flask

from hotline import norms_file
from hotline.extensions import routing
from hotline.norms import NormsError

EXTENSION = "hotline.norms"


def init_app(app: Flask) -> None:
    """Load the norms (raises NormsError), check each rule's category against the routing, and register the page."""
    norms = norms_file.load(app.config["NORMS_FILE"])
    categories = routing(app).categories
    for rule in norms.rules.values():
        if rule.category and rule.category not in categories:
            raise NormsError(
                f"rule {rule.code} reports under category {rule.category}, which the routing does not know"
            )
    app.extensions[EXTENSION] = norms
    from hotline.conditions import views

    # No session CSRF token: the check changes and keeps nothing, and a token would need a session cookie.
    app.extensions["csrf"].exempt(views.bp)
    app.register_blueprint(views.bp)
    # Reading a file costs a worker far more than checking typed terms: each client bucket gets its own budget.
    limit = app.extensions["hotline.limiter"].limit(lambda: app.config["AGREEMENT_READ_LIMIT"], methods=["POST"])
    app.view_functions["conditions.read"] = limit(app.view_functions["conditions.read"])
