"""The WSGI entry points for production servers: `gunicorn -c gunicorn.conf.py hotline.wsgi:app` for the
hotline, and `hotline.wsgi:portal` for the portal, each on a host name (and in processes) of its own.

Settings come from the environment (HOTLINE_*) or .env, as for `hotline run`. The app keeps
nothing in process memory that other processes need: run as many instances as the database
and Redis (HOTLINE_RATELIMIT_STORAGE_URL) can take.
"""

from __future__ import annotations

import ctypes
import logging
import platform

from flask import Flask

from hotline import config, create_app, db, institution

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameters
M_ARENA_MAX = -8


def return_large_buffers() -> None:
    """Have glibc map each buffer of 128 KiB or more by itself, give it back when freed, and keep two arenas.

    By default glibc raises that threshold to the largest buffer freed so far (up to 32 MiB): after the
    first attachment, every later one is carved from a thread's heap arena, which seldom shrinks, and a
    worker under 5 MiB uploads grew to several hundred MB (tests/benchmarks/bench_memory.py). It also
    gives every thread an arena of its own, each keeping freed memory; two shared ones saved a worker with
    four threads about 4 MB. Set in the master before the fork, so every worker inherits it.
    """
    if platform.libc_ver()[0] == "glibc":
        libc = ctypes.CDLL(None)
        libc.mallopt(M_MMAP_THRESHOLD, 128 * 1024)
        libc.mallopt(M_ARENA_MAX, 2)


def application() -> Flask:
    """Build the app and refuse to serve a database without its schema, or without its institution.toml."""
    app = create_app()
    try:
        if not db.is_initialised(app):
            raise config.ConfigError("the database has no tables yet: run `hotline init` first")
    finally:
        # The check ran in the server's master process; every worker opens its own connections.
        app.extensions["hotline.engine"].dispose()
    institution.require(app)
    if app.config["DEMO"]:
        logging.getLogger(__name__).warning("demo instance: not for real reports")
    if app.config["RATELIMIT_STORAGE_URL"].startswith("memory://"):
        logging.getLogger(__name__).warning(
            "rate limits are kept in each process's memory: set HOTLINE_RATELIMIT_STORAGE_URL to a Redis URL "
            "so that all workers and instances share them"
        )
    return app


def portal_application() -> Flask:
    """Build the portal and refuse to serve a database without its schema, or without its institution.toml."""
    from hotline.portal import create_portal_app
    from hotline.portal import db as portal_db

    portal = create_portal_app()
    try:
        if not portal_db.is_initialised(portal):
            raise config.ConfigError("the portal's database has no tables yet: run `hotline init` first")
    finally:
        portal.extensions[portal_db.ENGINE].dispose()
    institution.require(portal)
    return portal


def __getattr__(name: str) -> Flask:
    """Build the app a server names, and only that one: the portal's host needs none of the hotline's settings."""
    built: dict[str, Flask] = globals().setdefault("_built", {})
    if name not in built:
        if name == "app":
            built[name] = application()
        elif name == "portal":
            built[name] = portal_application()
        else:
            raise AttributeError(name)
    return built[name]


return_large_buffers()
