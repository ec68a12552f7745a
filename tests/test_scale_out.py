"""Two gunicorn instances on one PostgreSQL and one Redis: nothing that matters lives in one process."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from load.run_load import (
    Browser,
    Refused,
    Server,
    create_database,
    drop_database,
    file_report,
    make_instance,
    prepare_report,
    status_of,
    submit_report,
)

DATABASE = os.environ.get("HOTLINE_TEST_DATABASE_URL")
REDIS = os.environ.get("HOTLINE_TEST_REDIS_URL")
STATUS_LIMIT = 6

pytestmark = pytest.mark.skipif(
    not (DATABASE and REDIS),
    reason="two instances need a shared database and Redis: set HOTLINE_TEST_DATABASE_URL and HOTLINE_TEST_REDIS_URL",
)


@pytest.fixture
def database() -> Iterator[str]:
    """A new database on the test PostgreSQL server, dropped afterwards."""
    assert DATABASE
    url = create_database(DATABASE)
    yield url
    drop_database(url)


@pytest.fixture
def instances(tmp_path: Path, database: str) -> Iterator[tuple[Server, Server]]:
    """Two gunicorn instances with the same settings, database, Redis and keys, on different ports."""
    assert REDIS
    settings = {"RATELIMIT_STORAGE_URL": REDIS, "STATUS_LIMIT": f"{STATUS_LIMIT} per hour"}
    env = make_instance(tmp_path, database, settings)
    servers: list[Server] = []
    try:
        for name in ("a", "b"):
            servers.append(Server.start(env, tmp_path, workers=2, threads=2, name=name))
        yield servers[0], servers[1]
    finally:
        for server in servers:
            server.stop()


def test_a_case_filed_on_one_instance_opens_on_the_other(instances: tuple[Server, Server]) -> None:
    a, b = instances
    browser = Browser(a.port)
    form = prepare_report(browser, "Mijn stagebegeleider maakte grappen over mijn afkomst.", lambda items: items[0])
    browser.port = b.port  # the session cookie and its CSRF token from instance A hold on B
    token, _seconds = submit_report(browser, form)
    assert status_of(Browser(b.port), token) == "received"
    assert status_of(Browser(a.port), token) == "received"


def test_rate_limits_hold_across_instances(instances: tuple[Server, Server]) -> None:
    a, b = instances
    token = file_report(Browser(a.port))
    for lookup in range(STATUS_LIMIT):  # alternating: each instance on its own would allow STATUS_LIMIT
        assert status_of(Browser((a, b)[lookup % 2].port), token) == "received"
    for server in (a, b):  # the next lookup is refused, as on a single instance
        with pytest.raises(Refused, match="429"):
            status_of(Browser(server.port), token)


def test_the_logs_hold_no_address(instances: tuple[Server, Server]) -> None:
    a, b = instances
    file_report(Browser(b.port))
    with socket.create_connection(("127.0.0.1", a.port)) as raw:  # gunicorn logs a malformed request with its sender
        raw.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        assert raw.recv(1024).startswith(b"HTTP/1.1 400")
    logs = a.log_text() + b.log_text()
    assert "Invalid request from ip=[address removed]" in logs
    assert "127.0.0.1" not in logs
