"""gunicorn settings for Meldpunt Stages: `gunicorn -c gunicorn.conf.py hotline.wsgi:app`.

Run `hotline init` first. HOTLINE_BIND (127.0.0.1:8000), HOTLINE_WORKERS (2 per core + 1, at
most 8) and HOTLINE_THREADS (4 per worker) size the server; command-line options such as
--bind and --workers override them. The app reads its own HOTLINE_* settings as always.

No access log, and an error log that cannot hold a client address: gunicorn writes the
address into some warnings ("Invalid request from ip=..."), so the logger below redacts
every address-like string, in messages and in tracebacks, before anything is written.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from dotenv import find_dotenv, load_dotenv
from gunicorn import glogging

from hotline.security import AddressFilter

load_dotenv(find_dotenv(usecwd=True), override=False)  # the app reads .env too; the server settings may live there
bind = [os.environ.get("HOTLINE_BIND", "127.0.0.1:8000")]
workers = int(os.environ.get("HOTLINE_WORKERS") or min(2 * (os.cpu_count() or 1) + 1, 8))
# Threads let a worker wait on a slow student's upload without stalling the rest; requests
# share nothing in memory but the read-only settings, routing and keyring.
worker_class = "gthread"
threads = int(os.environ.get("HOTLINE_THREADS") or 4)
timeout = 60  # seconds a worker may stay silent before the master replaces it
graceful_timeout = 30
keepalive = 5
# Load the app once in the master: a configuration error stops the start, with its message.
# Database connections are never inherited: hotline.db reconnects in each worker.
preload_app = True

# The request limits gunicorn enforces before the app sees anything (the app caps bodies itself).
limit_request_line = 4094
limit_request_fields = 60
limit_request_field_size = 8190

# Trust X-Forwarded-Proto only from the reverse proxy on this machine; the client address
# the rate limits hash comes through HOTLINE_TRUSTED_PROXIES in the app, never from gunicorn.
forwarded_allow_ips = os.environ.get("HOTLINE_FORWARDED_ALLOW_IPS", "127.0.0.1")

control_socket_disable = True  # one per user by default: instances would share it; nothing here uses it
accesslog = None
disable_redirect_access_to_syslog = True
errorlog = "-"
loglevel = "info"
capture_output = False


def _redacted(text: str) -> str:
    record = logging.LogRecord("gunicorn.error", logging.INFO, __file__, 0, text, None, None)
    AddressFilter().filter(record)
    return str(record.msg)


class _RedactAddresses(AddressFilter):
    """Redact addresses from the message and from any traceback of a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = _redacted(record.exc_text)
        return super().filter(record)


class AnonymousLogger(glogging.Logger):  # type: ignore[misc]  # gunicorn is untyped
    """gunicorn's logger without an access log and with every address redacted."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        self.error_log.addFilter(_RedactAddresses())

    def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
        """Log no requests at all: not the address, not the user agent, not the time of day."""

    def access_log_enabled(self) -> bool:
        return False


logger_class = AnonymousLogger
