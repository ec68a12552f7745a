"""Oversize bodies: every POST route answers 413 before anything reads the body, logged in or not."""

from __future__ import annotations

import json

import pytest
from conftest import Account, Clock, log_in
from flask import Flask
from flask.testing import FlaskClient
from test_security import ARGUMENTS

LIMIT = 10_000


def post_rules(app: Flask) -> list[str]:
    """Return a URL for every rule that takes a POST."""
    return [
        rule.build({a: ARGUMENTS[a] for a in rule.arguments})[1]  # type: ignore[index]
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or ())
    ]


def assert_413(client: FlaskClient, url: str) -> None:
    """POST a form and a JSON body just over the limit; expect the page or JSON that explains it."""
    form = client.post(url, data={"description": "x" * LIMIT})
    document = client.post(url, data=json.dumps({"report": "x" * LIMIT}), content_type="application/json")
    for response in (form, document):
        assert response.status_code == 413, (url, response.status_code)
        if url.startswith("/api/"):
            assert response.get_json() == {"error": "the request is too large", "field": None}, url
        else:
            assert response.mimetype == "text/html", url
            assert "Te veel gegevens" in response.get_data(as_text=True), url


@pytest.mark.app_config(MAX_CONTENT_LENGTH=LIMIT)
def test_every_post_route_refuses_an_oversize_body(app: Flask, client: FlaskClient) -> None:
    urls = post_rules(app)
    assert len(urls) >= 12
    for url in urls:
        assert_413(client, url)


@pytest.mark.app_config(MAX_CONTENT_LENGTH=LIMIT)
def test_staff_routes_refuse_an_oversize_body_after_login(
    app: Flask, client: FlaskClient, clock: Clock, handler_account: Account
) -> None:
    log_in(client, clock, handler_account)
    for url in post_rules(app):
        if url.startswith("/casework/") and "login" not in url:
            assert_413(client, url)


@pytest.mark.app_config(MAX_CONTENT_LENGTH=LIMIT, WTF_CSRF_ENABLED=True)
def test_an_oversize_form_is_a_413_not_a_csrf_refusal(client: FlaskClient) -> None:
    response = client.post("/report/submit", data={"description": "x" * LIMIT})
    assert response.status_code == 413
    assert "Te veel gegevens" in response.get_data(as_text=True)


@pytest.mark.app_config(MAX_CONTENT_LENGTH=LIMIT)
def test_a_body_at_the_limit_is_read(client: FlaskClient) -> None:
    response = client.post("/status", data={"token": "x" * (LIMIT - len("token="))})
    assert response.status_code == 400
