"""Public statistics: what was reported and how the institution answered, per quarter, without exposing anyone."""

from __future__ import annotations

from flask import Flask

EXTENSION = "hotline.statistics"


def init_app(app: Flask) -> None:
    """Load and check statistics.toml (raises StatisticsSettingsError), and register the pages."""
    from hotline.statistics import settings, views

    app.extensions[EXTENSION] = settings.load(app.config["STATISTICS_FILE"])
    app.register_blueprint(views.bp)
