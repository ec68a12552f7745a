"""Information pages: recognising discrimination and misuse, and what the hotline stores."""

from __future__ import annotations

from flask import Flask

from hotline.extensions import routing
from hotline.info import toolkit, views


def init_app(app: Flask) -> None:
    """Load and check the toolkit against the routing (raises toolkit.ToolkitError), and register the blueprint."""
    app.extensions[toolkit.EXTENSION] = toolkit.load(routing(app))
    app.register_blueprint(views.bp)
