"""The production entry point and gunicorn's logger: no schema, no start; no address in any log line."""

from __future__ import annotations

import importlib
import logging
import os
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from hotline import config

GUNICORN_CONF = Path(__file__).resolve().parents[1] / "gunicorn.conf.py"


def import_wsgi(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Import hotline.wsgi afresh, as a server does: it builds the app from the environment."""
    monkeypatch.delitem(sys.modules, "hotline.wsgi", raising=False)
    return importlib.import_module("hotline.wsgi")


def test_wsgi_refuses_a_database_without_tables(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    wsgi = import_wsgi(monkeypatch)
    with pytest.raises(config.ConfigError, match="hotline init"):
        wsgi.app  # noqa: B018  (gunicorn looks the app up by its name, and is refused)


def test_wsgi_serves_a_migrated_instance(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    wsgi = import_wsgi(monkeypatch)  # the app fixture set the HOTLINE_* environment of a migrated instance
    assert wsgi.app.test_client().get("/").status_code == 200
    wsgi.app.extensions["hotline.engine"].dispose()


@pytest.fixture
def gunicorn_logger() -> Any:
    """gunicorn's error logger as the config file sets it up, writing into a list."""
    settings = runpy.run_path(str(GUNICORN_CONF))
    from gunicorn.config import Config

    cfg = Config()
    for name in ("accesslog", "errorlog", "loglevel", "logger_class"):
        cfg.set(name, settings[name])
    logger = settings["logger_class"](cfg)
    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(logging.Formatter().format(record))  # type: ignore[method-assign]
    logger.error_log.addHandler(handler)
    logger.lines = lines
    yield logger
    logger.error_log.removeHandler(handler)


def test_gunicorn_logs_no_client_address(gunicorn_logger: Any) -> None:
    gunicorn_logger.warning("Invalid request from ip={ip}: {error}".format(ip="203.0.113.9", error="bad"))
    gunicorn_logger.info("peer %s", "2001:db8::1")
    try:
        raise OSError("reset by 198.51.100.7")
    except OSError:
        gunicorn_logger.exception("Error handling request /report/submit")
    text = "\n".join(gunicorn_logger.lines)
    assert "Invalid request from ip=[address removed]" in text
    for address in ("203.0.113.9", "2001:db8::1", "198.51.100.7"):
        assert address not in text


def test_gunicorn_writes_no_access_log(gunicorn_logger: Any) -> None:
    assert not gunicorn_logger.access_log_enabled()
    gunicorn_logger.access(None, None, {"REMOTE_ADDR": "203.0.113.9"}, None)
    assert gunicorn_logger.lines == []


def test_a_worker_does_not_load_what_only_the_cli_or_enrolment_needs(app: Flask) -> None:
    """Alembic, Pillow, segno, pypdf and python-docx cost every worker megabytes: imported only when used."""
    heavy = "('alembic', 'PIL', 'segno', 'pypdf', 'docx')"
    code = f"import sys, hotline.wsgi; hotline.wsgi.app; print(sorted(m for m in {heavy} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ)  # noqa: S603
    assert done.stdout.strip() == "[]"


def test_the_portal_host_builds_only_the_portal(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """gunicorn hotline.wsgi:portal: the portal's host needs none of the hotline's secrets, and gets no hotline app."""
    from hotline.portal import create_portal_app
    from hotline.portal import db as portal_db

    monkeypatch.setenv("HOTLINE_PORTAL_DATABASE_URL", f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    monkeypatch.setenv("HOTLINE_PORTAL_SECRET_KEY", "p" * 64)
    monkeypatch.setenv("HOTLINE_PORTAL_PATH", "/")
    monkeypatch.delenv("HOTLINE_SECRET_KEY")
    wsgi = import_wsgi(monkeypatch)
    with pytest.raises(config.ConfigError, match="portal's database has no tables"):
        wsgi.portal  # noqa: B018
    migrated = create_portal_app()
    portal_db.upgrade(migrated)
    migrated.extensions[portal_db.ENGINE].dispose()
    served = import_wsgi(monkeypatch)
    portal = served.portal
    assert portal.test_client().get("/login").status_code == 200
    assert set(vars(served)["_built"]) == {"portal"}  # the hotline app was never built
    portal.extensions[portal_db.ENGINE].dispose()
