"""The rate limiter names no address and dates nothing finer than its period; no client can stop reporting."""

from __future__ import annotations

import http.client
import ipaddress
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import REPORT, file_report
from flask import Flask, request
from flask.testing import FlaskClient
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.test import encode_multipart

from hotline import create_app, ratelimit, security, tokens

HOUR = 3600
WINDOW_START = (int(time.time()) // HOUR + 24) * HOUR  # a clock we set: an hour that starts tomorrow, for Redis


def key_for(app: Flask, address: str) -> str:
    """Return the rate-limit key an app gives an address."""
    with app.test_request_context(environ_base={"REMOTE_ADDR": address}):
        return security.rate_limit_key()


def stored_expiries(app: Flask) -> dict[str, float]:
    """Return every key in the limiter's storage with the moment it expires."""
    storage: Any = app.extensions["hotline.limiter"].storage
    if not hasattr(storage, "get_connection"):
        return {key: storage.expirations[key] for key in storage.storage}
    connection = storage.get_connection()
    prefix = app.config["RATELIMIT_KEY_PREFIX"]
    return {key.decode(): float(connection.expiretime(key)) for key in connection.scan_iter(match=f"*{prefix}*")}


@pytest.fixture
def set_clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Return a function that sets the wall clock the limiter (and its memory storage) reads."""

    def set_to(moment: float) -> None:
        monkeypatch.setattr(time, "time", lambda: moment)

    return set_to


def test_keys_come_from_a_random_secret_never_from_secret_key(app: Flask) -> None:
    addresses = [f"203.0.113.{n}" for n in range(20)]
    other = create_app({"TESTING": True, "SECRET_KEY": app.config["SECRET_KEY"]})  # a new instance, a new secret
    assert other.config["SECRET_KEY"] == app.config["SECRET_KEY"]
    assert [key_for(app, a) for a in addresses] != [key_for(other, a) for a in addresses]
    assert [key_for(app, a) for a in addresses] == [key_for(app, a) for a in addresses]  # stable within a period


def test_many_addresses_share_one_key(app: Flask) -> None:
    bits = app.config["RATELIMIT_KEY_BITS"]
    assert key_for(app, "198.51.100.7") == ratelimit.bucket(secret_of(app), "198.51.100.7", bits)
    first = int(ipaddress.IPv4Address("10.0.0.0"))
    keys = {ratelimit.bucket(secret_of(app), str(ipaddress.IPv4Address(first + n)), bits) for n in range(100_000)}
    assert len(keys) <= 2**bits < 100_000  # at least 100,000 / 65,536 addresses a key, on average
    assert key_for(app, "2001:db8:1:2::1") == key_for(app, "2001:db8:1:2:ffff::9")  # an IPv6 client holds a /64


def secret_of(app: Flask) -> bytes:
    """Return the app's current rate-limit secret."""
    with app.app_context():
        secret: ratelimit.RotatingSecret = app.extensions["hotline.ratelimit_secret"]
        return secret.current()


@pytest.mark.app_config(RATELIMIT_ENABLED=True, STATUS_LIMIT="5 per hour")
def test_windows_end_on_the_clock_whatever_second_a_request_came(
    app: Flask, client: FlaskClient, set_clock: Any
) -> None:
    for second in (100.5, 2000.5):  # two lookups at different seconds of one hour
        set_clock(WINDOW_START + second)
        assert client.post("/status", data={"token": tokens.generate()}).status_code == 404
    expiries = stored_expiries(app)
    windows = {key: ends for key, ends in expiries.items() if "status" in key}
    assert len(windows) == 1 and set(windows.values()) == {WINDOW_START + HOUR}
    assert str(WINDOW_START // HOUR) in next(iter(windows))  # the key names its hour, not a second
    assert all(ends % HOUR == 0 for ends in expiries.values())  # the secret too ends on the clock


@pytest.fixture
def served(app: Flask) -> Iterator[BaseWSGIServer]:
    """Serve the app as `hotline run` does, on a free local port."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=security.AnonymousRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    thread.join(5)


def post_report(server: BaseWSGIServer, client: str, **fields: str) -> int:
    """POST the report form from a loopback address of its own; return the status."""
    boundary, body = encode_multipart(REPORT | fields)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30, source_address=(client, 0))
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    connection.request("POST", "/report/submit", body=body, headers=headers)
    status = connection.getresponse().status
    connection.close()
    return status


def test_built_in_server_gives_the_app_the_client_address(app: Flask, served: BaseWSGIServer) -> None:
    app.add_url_rule("/remote-addr", view_func=lambda: request.environ["REMOTE_ADDR"])
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10, source_address=("127.0.0.2", 0))
    connection.request("GET", "/remote-addr")
    assert connection.getresponse().read() == b"127.0.0.2"
    connection.close()


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_malformed_posts_leave_everyone_able_to_report(served: BaseWSGIServer) -> None:
    for _ in range(12):  # more than the report budget of ten
        assert post_report(served, "127.0.0.2", description="") == 400
    assert post_report(served, "127.0.0.3") == 201  # another student
    assert post_report(served, "127.0.0.2") == 201  # and the one who sent them


@pytest.mark.app_config(RATELIMIT_ENABLED=True, MALFORMED_LIMIT="3 per hour", REPORT_LIMIT="2 per hour")
def test_malformed_posts_spend_a_budget_of_their_own(client: FlaskClient) -> None:
    for _ in range(3):
        assert client.post("/report/submit", data=REPORT | {"description": ""}).status_code == 400
    refused = client.post("/report/submit", data=REPORT | {"description": "", "organisation": "Bedrijf X"})
    assert refused.status_code == 429 and "Bedrijf X" in refused.get_data(as_text=True)
    api = client.post("/api/v1/reports", data=b"{not json", content_type="application/json")
    assert api.status_code == 429 and api.mimetype == "application/json"
    file_report(client)  # a well-formed report still goes through, twice: the report budget
    file_report(client)
    assert client.post("/report/submit", data=REPORT, content_type="multipart/form-data").status_code == 429


def test_an_untrusted_local_proxy_is_named_in_the_log_without_addresses(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    for _ in range(2):
        client.get("/", headers={"X-Forwarded-For": "198.51.100.9"})  # from 127.0.0.1, as through nginx
    warnings = [r.getMessage() for r in caplog.records if "HOTLINE_TRUSTED_PROXIES" in r.getMessage()]
    assert len(warnings) == 1  # once, not per request
    assert "198.51.100.9" not in caplog.text and "127.0.0.1" not in caplog.text


def assert_one_storage(app: Flask) -> None:
    """One connection pool per worker for one store, whether or not the limiter itself is on."""
    storage = app.extensions["hotline.ratelimit_storage"]
    assert app.extensions["hotline.login_delays"] is storage
    assert app.extensions["hotline.ratelimit_secret"].storage is storage
    limiter = app.extensions["hotline.limiter"]
    assert not limiter.enabled or limiter.storage is storage


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_one_rate_limit_storage_serves_the_limiter_the_secret_and_the_login_delays(app: Flask) -> None:
    assert app.extensions["hotline.limiter"].enabled
    assert_one_storage(app)


def test_one_rate_limit_storage_serves_the_secret_and_the_login_delays_without_the_limiter(app: Flask) -> None:
    assert not app.extensions["hotline.limiter"].enabled
    assert_one_storage(app)


def reports_left(app: Flask) -> int:
    """Return how many reports the test client's budget has left in the window now running."""
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        limit = security.limit_of(app.config["REPORT_LIMIT"])
        return int(
            app.extensions["hotline.limiter"].limiter.get_window_stats(limit, *security.budget_scope("report"))[1]
        )


@pytest.mark.app_config(RATELIMIT_ENABLED=True, REPORT_LIMIT="2 per hour", MALFORMED_LIMIT="100 per hour")
def test_a_submission_takes_a_unit_and_gives_it_back_unless_filed(app: Flask, client: FlaskClient) -> None:
    for _ in range(4):
        assert client.post("/report/submit", data=REPORT | {"description": ""}).status_code == 400
        assert client.post("/api/v1/reports", json={"category": "nonsense"}).status_code == 400
    assert reports_left(app) == 2  # every refused submission gave its unit back
    file_report(client)
    file_report(client)
    for _ in range(3):  # refused by the budget: each gives back what it took, so none is counted twice
        assert client.post("/report/submit", data=REPORT, content_type="multipart/form-data").status_code == 429
    assert reports_left(app) == 0
    set_to_next_hour = int(time.time()) // HOUR * HOUR + HOUR + 1
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(time, "time", lambda: set_to_next_hour)
        file_report(client)  # a new window, a new budget


@pytest.mark.app_config(RATELIMIT_ENABLED=True, REPORT_LIMIT="2 per hour")
def test_a_unit_given_back_after_its_window_ended_brings_nothing_back(app: Flask) -> None:
    strategy: ratelimit.AlignedWindow = app.extensions["hotline.limiter"].limiter
    limit = security.limit_of("2 per hour")
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        scope = security.budget_scope("report")
        within, window = strategy.take(limit, *scope)
        assert within
        strategy.storage.clear(window)  # the request outlived its window: the storage let the key expire
        strategy.give_back(window)
        assert all(not key.endswith(window) for key in stored_expiries(app))  # never brought back without expiry
        assert strategy.get_window_stats(limit, *scope)[1] == 2
