"""The security baseline: headers on every route, CSRF, cookies, limits and generic errors."""

from __future__ import annotations

import os
import re
import threading
from typing import Any

import pytest
from conftest import REPORT, file_report, post_multipart, upload
from flask import Flask
from flask.testing import FlaskClient

from hotline import config, create_app, tokens

ARGUMENTS = {
    "language": "en",
    "filename": "css/hotline.css",
    "handler_id": "0" * 32,
    "slug": "hbo-ict",
    "case_id": "ABCDE-FGHJK",
    "year": 2026,
    "table": "category",
    "kind": "csv",
}


def every_request(app: Flask) -> list[tuple[str, str]]:
    """Return (method, url) for every rule and method the app serves."""
    requests = []
    for rule in app.url_map.iter_rules():
        url = rule.build({a: ARGUMENTS[a] for a in rule.arguments})[1]  # type: ignore[index]
        requests += [(method, url) for method in sorted(rule.methods or ()) if method not in ("HEAD", "OPTIONS")]
    return requests


def test_every_route_sends_the_security_headers(app: Flask, client: FlaskClient) -> None:
    requests = every_request(app)
    assert len(requests) >= 8
    for method, url in requests:
        response = client.open(url, method=method, data={} if method == "POST" else None)
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, url
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, url
        assert headers["Referrer-Policy"] == "no-referrer", url
        assert headers["X-Content-Type-Options"] == "nosniff", url
        if not url.startswith("/static/"):
            assert headers["Cache-Control"] == "no-store", url
        assert response.status_code < 500, (method, url)
        response.close()


def test_case_pages_are_never_cached(client: FlaskClient) -> None:
    token = file_report(client)
    for response in (client.post("/status", data={"token": token}), client.get("/status")):
        assert response.headers["Cache-Control"] == "no-store"


def test_pages_load_nothing_from_another_host(client: FlaskClient) -> None:
    pages = [client.get(u).get_data(as_text=True) for u in ("/", "/report", "/status")]
    pages.append(client.post("/report/details", data=REPORT).get_data(as_text=True))
    for body in pages:
        assert not re.search(r'(src|href|action)="(https?:)?//', body)
        assert not re.search(r'<script(?![^>]*\bsrc="/static/js/)', body), "inline script"
        assert " style=" not in body and not re.search(r"\son[a-z]+=", body), "inline style or handler"


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_forms_without_the_csrf_token_are_refused(client: FlaskClient) -> None:
    response = client.post("/report/details", data=REPORT)
    assert response.status_code == 400
    assert "verlopen" in response.get_data(as_text=True)
    page = client.get("/report").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    assert client.post("/report/details", data=REPORT | {"csrf_token": csrf}).status_code == 200


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_session_cookie_is_strict_and_http_only(client: FlaskClient) -> None:
    cookie = client.get("/casework/login").headers["Set-Cookie"]  # staff only: the anonymous forms keep no session
    assert "SameSite=Strict" in cookie and "HttpOnly" in cookie
    assert "Secure" not in cookie


@pytest.mark.app_config(WTF_CSRF_ENABLED=True, TLS=True)
def test_cookies_are_secure_behind_tls(client: FlaskClient) -> None:
    cookie = client.get("/casework/login", base_url="https://localhost").headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    assert "Secure" in cookie and "SameSite=Strict" in cookie


@pytest.mark.app_config(TLS=True)
def test_tls_sends_strict_transport_security(client: FlaskClient) -> None:
    for url in ("/", "/report", "/static/css/hotline.css", "/geen-pagina"):
        with client.get(url, base_url="https://localhost") as response:
            hsts = response.headers.get("Strict-Transport-Security")
        assert hsts == "max-age=63072000; includeSubDomains"  # two years; no preload unless the operator adds it


def test_plain_http_sends_no_strict_transport_security(client: FlaskClient) -> None:
    for url in ("/", "/report", "/static/css/hotline.css"):
        with client.get(url) as response:
            assert "Strict-Transport-Security" not in response.headers


@pytest.mark.app_config(MAX_CONTENT_LENGTH=10_000)
def test_too_large_a_request_gets_a_clear_413(client: FlaskClient) -> None:
    response = client.post("/report/submit", data=REPORT | {"description": "x" * 20_000})
    assert response.status_code == 413
    assert "te groot" in response.get_data(as_text=True)


def test_errors_are_generic_and_leak_nothing(app: Flask) -> None:
    def explode() -> str:
        raise RuntimeError("SECRET-DETAIL-in-exception")

    app.add_url_rule("/explode", view_func=explode)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/explode")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "SECRET-DETAIL" not in body and "Traceback" not in body
    assert "Er ging iets mis" in body


def test_unknown_page_and_wrong_method_are_friendly(client: FlaskClient) -> None:
    assert "Pagina niet gevonden" in client.get("/geen-pagina").get_data(as_text=True)
    response = client.get("/report/submit")
    assert response.status_code == 405
    assert "Dit verzoek kan hier niet" in response.get_data(as_text=True)


@pytest.mark.app_config(RATELIMIT_ENABLED=True, REPORT_LIMIT="2 per hour")
def test_report_limit_gives_a_friendly_429_that_keeps_the_text(client: FlaskClient) -> None:
    file_report(client)
    file_report(client)
    data = REPORT | {"description": "Mijn derde melding, die niet verloren mag gaan."}
    response = client.post("/report/submit", data=data, content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Mijn derde melding, die niet verloren mag gaan." in body
    assert "te veel verzoeken" in body


@pytest.mark.app_config(RATELIMIT_ENABLED=True, STATUS_LIMIT="2 per hour")
def test_status_lookups_are_limited_and_keep_the_token(app: Flask, client: FlaskClient) -> None:
    token = file_report(client)
    for _ in range(2):
        assert client.post("/status", data={"token": token}).status_code == 200
    response = client.post("/status", data={"token": token})
    assert response.status_code == 429
    assert f'value="{token}"' in response.get_data(as_text=True)
    storage: Any = app.extensions["hotline.limiter"].storage
    keys = repr(getattr(storage, "storage", "")) if hasattr(storage, "events") else ""
    assert "127.0.0.1" not in keys


def typo_of(token: str) -> str:
    """Return the token with its last check symbol changed: a typo the check symbols always catch."""
    last = token[-1]
    return token[:-1] + next(c for c in tokens.ALPHABET if c != last)


@pytest.mark.app_config(RATELIMIT_ENABLED=True, STATUS_LIMIT="3 per hour")
def test_typos_and_malformed_tokens_do_not_spend_the_lookup_budget(client: FlaskClient) -> None:
    typo = typo_of(tokens.generate())
    for _ in range(4):  # one more than the budget
        response = client.post("/status", data={"token": typo})
        assert response.status_code == 400 and "typefout" in response.get_data(as_text=True)
        response = client.post("/status", data={"token": "ABCDE-FGHJK"})
        assert response.status_code == 400 and "27 letters en cijfers" in response.get_data(as_text=True)
        response = client.post("/status/message", data={"token": typo, "message": "Nog een vraag."})
        assert response.status_code == 400 and "Nog een vraag." in response.get_data(as_text=True)
        response = client.post("/api/v1/cases/lookup", json={"lookup_key": "not base64url"})
        assert response.status_code == 400 and response.get_json()["field"] == "lookup_key"
    for _ in range(3):
        assert client.post("/status", data={"token": tokens.generate()}).status_code == 404


@pytest.mark.app_config(RATELIMIT_ENABLED=True, STATUS_LIMIT="3 per hour")
def test_well_formed_wrong_tokens_spend_the_lookup_budget(client: FlaskClient) -> None:
    for _ in range(3):
        assert client.post("/status", data={"token": tokens.generate()}).status_code == 404
    response = client.post("/status", data={"token": tokens.generate()})
    assert response.status_code == 429
    assert client.post("/status", data={"token": typo_of(tokens.generate())}).status_code == 429  # none left at all


@pytest.mark.parametrize(
    "url", ["/casework/case/%00", "/casework/case/%00/status", "/admin/handlers/%00/deactivate", "/guide?phase=%00"]
)
def test_a_nul_in_the_address_is_a_plain_400(client: FlaskClient, url: str) -> None:
    response = client.post(url) if "deactivate" in url or "status" in url else client.get(url)
    assert response.status_code == 400 and "Dit verzoek klopt niet" in response.get_data(as_text=True)


def test_a_username_with_a_nul_is_just_an_unknown_account(client: FlaskClient) -> None:
    response = client.post("/casework/login", data={"username": "adm\x00in", "password": "x", "code": "123456"})
    assert response.status_code == 401


@pytest.mark.app_config(LARGE_BODY_BYTES=64 * 1024)
def test_a_worker_takes_one_large_body_at_a_time_and_small_ones_never_wait(app: Flask) -> None:
    """Past the gate a large body is read, sealed and stored; the next waits unread, and small requests pass."""
    gate = app.extensions["hotline.large_bodies"]
    large = REPORT | {"attachments": upload(os.urandom(100 * 1024), "notulen.pdf")}
    answers: list[int] = []
    gate.acquire()  # as a large report being filed would
    try:
        waiting = threading.Thread(
            target=lambda: answers.append(post_multipart(app.test_client(), "/report/submit", large).status_code)
        )
        waiting.start()
        token = file_report(app.test_client())  # a report without attachments does not wait
        assert app.test_client().post("/status", data={"token": token}).status_code == 200
        waiting.join(0.5)
        assert waiting.is_alive() and not answers  # still waiting for its turn
    finally:
        gate.release()
    waiting.join(30)
    assert answers == [201]
    # The turn is given back whatever the answer, here a refused form.
    assert post_multipart(app.test_client(), "/report/submit", large | {"category": "?"}).status_code == 400
    assert gate.acquire(blocking=False)
    gate.release()


def test_large_bodies_at_once_must_be_at_least_one(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_LARGE_BODIES_AT_ONCE", "0")
    with pytest.raises(config.ConfigError, match="LARGE_BODIES_AT_ONCE"):
        create_app({"TESTING": True})


NESTED = "[" * 100_000  # deeper than Python's parser can follow


@pytest.mark.parametrize("path", ["/reports", "/recipients", "/cases/lookup", "/cases/messages"])
def test_json_nested_too_deeply_is_a_400_like_any_unparsable_body(client: FlaskClient, path: str) -> None:
    for body in (NESTED, "[", '{"a": '):
        response = client.post("/api/v1" + path, data=body, content_type="application/json")
        assert response.status_code == 400, (path, body[:3])
        assert response.get_json() == {"error": "the body must be a JSON object", "field": None}
