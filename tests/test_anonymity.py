"""No IP address, user agent, precise time or plaintext ends up on disk, in logs or in temp files."""

from __future__ import annotations

import http.client
import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPORT, TOKEN_RE, file_report, post_multipart, upload
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from werkzeug.serving import make_server

from hotline import models, security

CANARY_TEXT = "CANARY-7f3a9c-description"
CANARY_IP = "203.0.113.77"
CANARY_FORWARDED = "198.51.100.23"
CANARY_AGENT = "CanaryAgent/9.9 (canary-ua-41d2)"
SYSTEM_TMP = Path(tempfile.gettempdir())
CANARIES = [CANARY_TEXT, CANARY_IP, CANARY_FORWARDED, CANARY_AGENT]


def canary_options() -> dict[str, Any]:
    """Request options that make every request carry the canary address and agent."""
    return {
        "environ_base": {"REMOTE_ADDR": CANARY_IP, "HTTP_USER_AGENT": CANARY_AGENT},
        "headers": {"X-Forwarded-For": f"{CANARY_FORWARDED}, {CANARY_IP}", "X-Real-IP": CANARY_IP},
    }


def database_text(app: Flask) -> bytes:
    """Return everything the database holds: the SQLite files, or every PostgreSQL row as text."""
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    rows = []
    with app.extensions["hotline.engine"].connect() as connection:
        for table in models.Base.metadata.sorted_tables:
            query = text(f'SELECT t::text FROM "{table.name}" t')  # noqa: S608  (names from our own metadata)
            rows += [str(r) for r in connection.execute(query)]
    return "\n".join(rows).encode()


def limiter_text(app: Flask) -> bytes:
    """Return every key and value in the rate limiter's storage."""
    storage = app.extensions["hotline.limiter"].storage
    if hasattr(storage, "storage") and isinstance(storage.storage, dict):
        return repr(dict(storage.storage)).encode()
    client = storage.get_connection() if hasattr(storage, "get_connection") else storage.storage
    return b"\n".join(key + b"=" + repr(client.dump(key)).encode() for key in client.scan_iter())


def files_text(folder: Path, since: float) -> bytes:
    """Return the bytes of every file under a folder changed since a moment."""
    found = []
    for path in folder.rglob("*"):
        try:
            if path.is_file() and path.stat().st_mtime >= since and path.stat().st_size < 50_000_000:
                found.append(path.read_bytes())
        except OSError:
            continue  # a file of another process that vanished while we looked
    return b"".join(found)


def assert_no_canary(where: str, data: bytes) -> None:
    for canary in CANARIES:
        assert canary.encode() not in data, f"{canary} found in {where}"


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.setenv("TMPDIR", str(folder))
    yield folder


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_canaries_reach_no_disk_log_or_temp_file(
    app: Flask,
    client: FlaskClient,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    private_tmp: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    started = time.time() - 1
    options = canary_options()
    data = REPORT | {
        "description": CANARY_TEXT,
        "organisation": CANARY_TEXT,
        "attachments": upload(CANARY_TEXT.encode() * 50_000, "c.txt", "text/plain"),
        "keep_copy": "1",  # the student's own copy too: sealed, never stored or shown in the clear
    }
    response = post_multipart(client, "/report/submit", data, **options)
    assert response.status_code == 201
    token = TOKEN_RE.search(response.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    assert client.post("/status", data={"token": token}, **options).status_code == 200
    message = {"token": token, "message": CANARY_TEXT, "attachments": upload(CANARY_TEXT.encode() * 50_000, "d.txt")}
    assert post_multipart(client, "/status/message", message, **options).status_code == 200
    client.post("/report/submit", data=REPORT | {"description": ""}, **options)  # an error path, too
    captured = capfd.readouterr()
    assert_no_canary("the database", database_text(app))
    assert_no_canary("the log records", caplog.text.encode())
    assert_no_canary("stdout and stderr", (captured.out + captured.err).encode())
    assert_no_canary("the temp directory", files_text(private_tmp, started))
    assert_no_canary("the system temp directory", files_text(SYSTEM_TMP, started))
    assert_no_canary("the rate limiter's storage", limiter_text(app))
    assert token.encode() not in database_text(app)


def test_reporter_activity_is_dated_by_day(client: FlaskClient, session: Any) -> None:
    file_report(client)
    case = session.scalars(select(models.Case)).one()
    for column in list(models.Case.__table__.columns) + list(models.EnvelopeRecord.__table__.columns):
        assert "DATETIME" not in str(column.type).upper() and "TIMESTAMP" not in str(column.type).upper()
    assert case.received_on.isoformat() == case.envelopes[0].day.isoformat()


def test_built_in_server_logs_no_address_agent_or_time(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="werkzeug")
    server = make_server("127.0.0.1", 0, app, request_handler=security.AnonymousRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        connection.request("GET", "/report", headers={"User-Agent": CANARY_AGENT, "X-Forwarded-For": CANARY_IP})
        assert connection.getresponse().status == 200
        connection.close()
    finally:
        server.shutdown()
        thread.join(5)
    logged = caplog.text
    assert "GET /report" in logged
    assert "127.0.0.1" not in logged and CANARY_IP not in logged and CANARY_AGENT not in logged
    assert not re.search(r"\d{2}/\w{3}/\d{4}|\d{2}:\d{2}:\d{2}", logged)


def test_rate_limit_keys_are_short_keyed_hashes(app: Flask) -> None:
    keys = []
    for address in (CANARY_IP, *(f"198.51.100.{n}" for n in range(10))):
        with app.test_request_context(environ_base={"REMOTE_ADDR": address}):
            keys.append(security.rate_limit_key())
    assert CANARY_IP not in keys[0] and len(set(keys)) > 1
    assert all(re.fullmatch(r"[0-9a-f]{4}", key) for key in keys)  # 16 bits: a key names a crowd (test_ratelimit.py)


def test_address_filter_redacts_addresses_from_any_log_record() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "from %s and %s", (CANARY_IP, "2001:db8::1"), None)
    security.AddressFilter().filter(record)
    assert CANARY_IP not in record.getMessage() and "2001:db8::1" not in record.getMessage()


def test_the_server_start_up_line_keeps_the_listen_address_and_nothing_else_does() -> None:
    banner = " * Running on http://127.0.0.1:5000"
    listening = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, banner, (), None)
    elsewhere = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, "from %s", (CANARY_IP,), None)
    disguised = logging.LogRecord("x", logging.INFO, __file__, 1, " * Running on %s", (CANARY_IP,), None)
    for record in (listening, elsewhere, disguised):
        security.AddressFilter().filter(record)
    assert listening.getMessage() == banner
    assert CANARY_IP not in elsewhere.getMessage() and CANARY_IP not in disguised.getMessage()


def test_environment_has_no_proxy_trust_by_default(app: Flask) -> None:
    assert app.config["TRUSTED_PROXIES"] == 0
    assert os.environ.get("HOTLINE_TRUSTED_PROXIES") is None
