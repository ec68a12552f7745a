"""The WSGI entry point for production servers: `gunicorn -c gunicorn.conf.py hotline.wsgi:app`.

Settings come from the environment (HOTLINE_*) or .env, as for `hotline run`. The app keeps
nothing in process memory that other processes need: run as many instances as the database
and Redis (HOTLINE_RATELIMIT_STORAGE_URL) can take.
"""

from __future__ import annotations

import logging

from flask import Flask

from hotline import config, create_app, db


def application() -> Flask:
    """Build the app and refuse to serve a database without its schema."""
    app = create_app()
    try:
        if not db.is_initialised(app):
            raise config.ConfigError("the database has no tables yet: run `hotline init` first")
    finally:
        # The check ran in the server's master process; every worker opens its own connections.
        app.extensions["hotline.engine"].dispose()
    if app.config["DEMO"]:
        logging.getLogger(__name__).warning("demo instance: not for real reports")
    if app.config["RATELIMIT_STORAGE_URL"].startswith("memory://"):
        logging.getLogger(__name__).warning(
            "rate limits are kept in each process's memory: set HOTLINE_RATELIMIT_STORAGE_URL to a Redis URL "
            "so that all workers and instances share them"
        )
    return app


app = application()
