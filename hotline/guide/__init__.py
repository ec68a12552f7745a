"""The guide "Waar kan ik terecht?": a few questions, then where to go and why."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from hotline.extensions import routing
from hotline.guide import doors, views


def init_app(app: Flask) -> None:
    """Load and check guide.toml against the routing (raises doors.GuideError), and register the blueprint."""
    app.extensions["hotline.guide"] = doors.load(routing(app), Path(app.instance_path) / "guide.toml")
    app.register_blueprint(views.bp)
