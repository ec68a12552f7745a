"""The WSGI entry point for production servers: `gunicorn -c gunicorn.conf.py hotline.wsgi:app`.

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


return_large_buffers()
app = application()
