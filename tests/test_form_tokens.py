"""The anonymous forms' CSRF token: no session, no time, one cookie per form path, typed text kept on refusal."""

from __future__ import annotations

import base64
import binascii
import re
import time
from http.cookies import SimpleCookie
from typing import Any

import pytest
from conftest import REPORT, TOKEN_RE
from flask import request
from flask.testing import FlaskClient

FIELD_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
CSRF_ON = pytest.mark.app_config(WTF_CSRF_ENABLED=True)


def field(response: Any) -> str:
    """Return the form token of a page."""
    match = FIELD_RE.search(response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:2000]
    return match.group(1)


def carries_a_time(value: str) -> bool:
    """Tell whether any dot-separated part of a cookie decodes, as itsdangerous writes it, to a time near now."""
    for part in value.split("."):
        try:
            raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        except (binascii.Error, ValueError):
            continue
        if 4 <= len(raw) <= 8 and abs(int.from_bytes(raw, "big") - time.time()) < 366 * 86400:
            return True
    return False


def walk(client: FlaskClient) -> tuple[list[SimpleCookie], str]:
    """File a report and follow it up through the no-JS forms; return every Set-Cookie and the case token."""
    responses = [client.get("/report")]
    responses.append(client.post("/report/details", data=REPORT | {"csrf_token": field(responses[-1])}))
    data = REPORT | {"csrf_token": field(responses[-1])}
    responses.append(client.post("/report/submit", data=data, content_type="multipart/form-data"))
    assert responses[-1].status_code == 201
    token = TOKEN_RE.search(responses[-1].get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    responses.append(client.get("/status"))
    responses.append(client.post("/status", data={"token": token, "csrf_token": field(responses[-1])}))
    data = {"token": token, "message": "Nog iets.", "csrf_token": field(responses[-1])}
    responses.append(client.post("/status/message", data=data))
    assert [r.status_code for r in responses] == [200, 200, 201, 200, 200, 200]
    return [SimpleCookie(h) for r in responses for h in r.headers.getlist("Set-Cookie")], token


@CSRF_ON
def test_the_no_js_walk_sets_no_session_cookie_and_no_time(client: FlaskClient) -> None:
    cookies, _token = walk(client)
    assert cookies
    for cookie in cookies:
        for name, morsel in cookie.items():
            assert "session" not in name, name
            assert not carries_a_time(morsel.value), (name, morsel.value)
            assert not morsel["expires"], name  # Max-Age only: an Expires date would be this request's time
            assert morsel["path"] in ("/report", "/status"), name
            assert morsel["httponly"] and morsel["samesite"] == "Strict"


@CSRF_ON
def test_no_cookie_of_the_no_js_walk_outlives_the_visit(client: FlaskClient) -> None:
    cookies, _token = walk(client)
    cookies += [SimpleCookie(client.get("/lang/en?next=/").headers["Set-Cookie"])]
    lifetimes = {name: morsel["max-age"] for cookie in cookies for name, morsel in cookie.items()}
    assert set(lifetimes) == {"form-report", "form-status", "lang"}
    assert all(age in ("", "0") for age in lifetimes.values()), lifetimes  # until the browser closes, or gone


@CSRF_ON
def test_the_transparency_page_names_every_cookie_the_anonymous_pages_set(client: FlaskClient) -> None:
    cookies, _token = walk(client)
    cookies += [SimpleCookie(client.get("/lang/en?next=/").headers["Set-Cookie"])]
    page = client.get("/info/what-we-store?lang=nl").get_data(as_text=True)
    listed = set(re.findall(r'data-cookie="([^"]+)"', page))
    assert {name for cookie in cookies for name in cookie} <= listed
    assert client.application.config["SESSION_COOKIE_NAME"] in listed  # the staff's, named as such
    assert "Hij verdwijnt als je je browser sluit." in page


@CSRF_ON
def test_the_report_and_status_pages_never_see_the_same_cookie(client: FlaskClient) -> None:
    _cookies, token = walk(client)
    client.get("/report")
    with client:
        client.post("/report/details", data=REPORT)
        assert set(request.cookies) == {"form-report"}
    with client:
        client.post("/status", data={"token": token})
        assert set(request.cookies) == {"form-status"}


@CSRF_ON
def test_filing_the_report_clears_its_cookie(client: FlaskClient) -> None:
    page = client.post("/report/details", data=REPORT | {"csrf_token": field(client.get("/report"))})
    data = REPORT | {"csrf_token": field(page)}
    response = client.post("/report/submit", data=data, content_type="multipart/form-data")
    assert response.status_code == 201
    assert response.headers["Set-Cookie"] == "form-report=; Max-Age=0; HttpOnly; Path=/report; SameSite=Strict"
    assert client.get_cookie("form-report", path="/report") is None


@CSRF_ON
@pytest.mark.parametrize("attack", ["no cookie", "wrong token", "cross-site"])
def test_a_refused_report_keeps_the_text_and_goes_through_again(client: FlaskClient, attack: str) -> None:
    typed = REPORT | {"description": "Mijn tekst, die niet verloren mag gaan.", "organisation": "Bedrijf BV"}
    headers = {"Sec-Fetch-Site": "cross-site"} if attack == "cross-site" else {}
    token = field(client.get("/report")) if attack != "no cookie" else "x"
    token = "0" * 64 if attack == "wrong token" else token
    response = client.post("/report/submit", data=typed | {"csrf_token": token}, headers=headers)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Mijn tekst, die niet verloren mag gaan." in body and 'value="Bedrijf BV"' in body
    assert "niet van deze website" in body and "Traceback" not in body
    again = typed | {"csrf_token": field(response)}
    assert client.post("/report/submit", data=again, content_type="multipart/form-data").status_code == 201


@CSRF_ON
def test_a_refused_follow_up_keeps_the_message_and_looks_nothing_up(client: FlaskClient) -> None:
    _cookies, token = walk(client)
    data = {"token": token, "message": "Mijn vervolgbericht.", "csrf_token": "0" * 64}
    response = client.post("/status/message?lang=en", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Mijn vervolgbericht." in body and f'value="{token}"' in body
    assert "did not come from this website" in body
    assert 'data-case-status="' not in body  # no lookup outside the status budget


@CSRF_ON
def test_a_refused_first_step_keeps_the_choices(client: FlaskClient) -> None:
    response = client.post("/report/details", data=REPORT)
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "verlopen" in body
    assert 'value="hbo-ict" selected' in body
    assert client.post("/report/details", data=REPORT | {"csrf_token": field(response)}).status_code == 200


@CSRF_ON
def test_requests_in_one_app_context_each_get_their_own_form_cookie(client: FlaskClient, session: Any) -> None:
    # The session fixture keeps an app context pushed, so these requests share one g.
    assert client.get("/report").headers["Set-Cookie"].startswith("form-report=")
    assert client.get("/status").headers["Set-Cookie"].startswith("form-status=")


@pytest.mark.app_config(WTF_CSRF_ENABLED=True, TLS=True)
def test_the_form_cookie_is_secure_and_path_scoped_behind_tls(client: FlaskClient) -> None:
    cookie = client.get("/status", base_url="https://localhost").headers["Set-Cookie"]
    assert cookie.startswith("__Secure-form-status=")
    assert "; Secure" in cookie and "Path=/status" in cookie and "SameSite=Strict" in cookie


@CSRF_ON
def test_the_staff_login_keeps_its_session_csrf(client: FlaskClient) -> None:
    response = client.post("/casework/login", data={"username": "x", "password": "y"})
    assert response.status_code == 400 and "verlopen" in response.get_data(as_text=True)
    assert client.get("/casework/login").headers["Set-Cookie"].startswith("session=")
