"""Logging in to the portal through the institution: a real OpenID provider on the loopback, not a patched client."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, parse_qsl, quote, urlsplit

import oidc_provider_mock
import pytest
import requests
from flask import Flask
from sqlalchemy import select
from test_portal import PASSWORD, person
from werkzeug.serving import make_server
from werkzeug.test import Client, TestResponse

from hotline.portal import create_portal_app, mount
from hotline.portal import db as portal_db
from hotline.portal.accounts import oidc
from hotline.portal.accounts.models import User
from hotline.portal.config import PortalConfigError
from hotline.portal.db import PortalBase, get_session

# oidc-provider-mock 0.3 signs its ID tokens through an Authlib hook that Authlib has deprecated.
pytestmark = pytest.mark.filterwarnings("ignore:get_jwt_config.*:DeprecationWarning")
CALLBACK = "http://localhost/portal/login/oidc/callback"
SANNE = {"name": "Sanne de Vries", "email": "s.devries@student.example.nl", "eduperson_affiliation": ["student"]}
# Claims the provider gives that the portal must not keep.
UNKEPT = {"family_name": "Vries-zeldzaam-9137", "schac_home_organization": "hogeschool-zeldzaam-4411.example"}


@dataclass
class Provider:
    """The provider on the loopback, the client registered with it, and the token requests it received."""

    url: str
    client_id: str
    client_secret: str
    token_requests: list[dict[str, str]] = field(default_factory=list)


class TokenRecorder:
    """WSGI middleware before the provider: keeps each token request's form, to check the PKCE verifier."""

    def __init__(self, app: Callable[..., Iterable[bytes]], seen: list[dict[str, str]]) -> None:
        self.app, self.seen = app, seen

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ["PATH_INFO"] == "/oauth2/token":
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            self.seen.append(dict(parse_qsl(body.decode())))
            environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)


@pytest.fixture
def provider() -> Iterator[Provider]:
    """oidc-provider-mock in a thread, demanding a registered client (so the secret counts) and a nonce."""
    seen: list[dict[str, str]] = []
    wsgi = TokenRecorder(oidc_provider_mock.app(require_client_registration=True, require_nonce=True), seen)
    server = make_server("127.0.0.1", 0, wsgi, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        registered = requests.post(f"{url}/oauth2/clients", json={"redirect_uris": [CALLBACK]}, timeout=5).json()
        yield Provider(url, registered["client_id"], registered["client_secret"], seen)
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


@pytest.fixture
def institution(portal: Flask, provider: Provider, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The portal with the institution login, on the test portal's migrated database."""
    settings = {
        "OIDC_DISCOVERY_URL": f"{provider.url}/.well-known/openid-configuration",
        "OIDC_CLIENT_ID": provider.client_id,
        "OIDC_CLIENT_SECRET": provider.client_secret,
        "OIDC_ROLES": "student=student, employee=supervisor",
    }
    for key, value in settings.items():
        monkeypatch.setenv(f"HOTLINE_PORTAL_{key}", value)
    made = create_portal_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    yield made
    made.extensions[portal_db.ENGINE].dispose()


@pytest.fixture
def browser(app: Flask, institution: Flask) -> Client:
    return Client(mount(app, institution))


def start(browser: Client, provider: Provider, sub: str, claims: dict[str, Any], path: str = "") -> tuple[str, str]:
    """Set the person's claims at the provider, start the login and consent there; return both redirects."""
    requests.put(f"{provider.url}/users/{quote(sub, safe='')}", json=claims, timeout=5).raise_for_status()
    begun = browser.get(f"/portal/login/oidc{path}")
    assert begun.status_code == 302 and begun.headers["Location"].startswith(f"{provider.url}/oauth2/authorize?")
    consent = requests.post(begun.headers["Location"], data={"sub": sub}, allow_redirects=False, timeout=5)
    assert consent.status_code == 302 and consent.headers["Location"].startswith(CALLBACK + "?")
    return begun.headers["Location"], consent.headers["Location"]


def log_in(browser: Client, provider: Provider, sub: str, claims: dict[str, Any], path: str = "") -> TestResponse:
    back = urlsplit(start(browser, provider, sub, claims, path)[1])
    return browser.get(f"{back.path}?{back.query}")


def users(portal: Flask) -> list[User]:
    with portal.app_context():
        found = list(get_session().scalars(select(User)))
        get_session().expunge_all()
        return found


def every_value(portal: Flask) -> str:
    """Return every row of every portal table as text, to search the whole database for a value."""
    with portal.app_context():
        session = get_session()
        rows = [session.execute(select(table)).all() for table in PortalBase.metadata.sorted_tables]
        return repr(rows)


def test_the_login_page_offers_the_institution_only_when_configured(both: Client, browser: Client) -> None:
    assert "Inloggen via je instelling" not in both.get("/portal/login").get_data(as_text=True)
    assert both.get("/portal/login/oidc").status_code == 404
    page = browser.get("/portal/login").get_data(as_text=True)
    assert 'href="/portal/login/oidc"' in page and "Inloggen via je instelling" in page


def test_a_student_logs_in_through_the_provider_and_only_sub_name_email_and_role_are_kept(
    institution: Flask, browser: Client, provider: Provider
) -> None:
    authorize, callback = start(browser, provider, "pseudo-7f3a", SANNE | UNKEPT)
    asked = parse_qs(urlsplit(authorize).query)
    assert asked["code_challenge_method"] == ["S256"] and asked["nonce"] and asked["state"]
    assert asked["redirect_uri"] == [CALLBACK] and asked["scope"] == ["openid profile email"]
    back = urlsplit(callback)
    assert browser.get(f"{back.path}?{back.query}").headers["Location"] == "/portal/"
    page = browser.get("/portal/").get_data(as_text=True)
    assert "Welkom, Sanne de Vries" in page and 'data-role="student"' in page
    (user,) = users(institution)
    assert (user.subject, user.role, user.name, user.email) == ("pseudo-7f3a", "student", SANNE["name"], SANNE["email"])
    assert user.username is None and user.password_hash is None and user.programme is None and user.host_id is None
    stored = every_value(institution)
    assert all(value not in stored for value in UNKEPT.values()) and "eduperson" not in stored


def test_the_verifier_sent_for_the_token_hashes_to_the_challenge_sent_to_the_provider(
    browser: Client, provider: Provider
) -> None:
    authorize, callback = start(browser, provider, "pseudo-7f3a", SANNE)
    back = urlsplit(callback)
    assert browser.get(f"{back.path}?{back.query}").status_code == 302
    (token_request,) = provider.token_requests
    assert token_request["code"] == parse_qs(back.query)["code"][0]
    digest = hashlib.sha256(token_request["code_verifier"].encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert parse_qs(urlsplit(authorize).query)["code_challenge"] == [challenge]


def test_a_second_login_finds_the_same_user_by_sub_and_updates_name_and_email(
    institution: Flask, app: Flask, browser: Client, provider: Provider
) -> None:
    assert log_in(browser, provider, "pseudo-7f3a", SANNE).status_code == 302
    (first,) = users(institution)
    again = Client(mount(app, institution))
    renamed = SANNE | {"name": "Sanne Bakker", "email": "s.bakker@student.example.nl"}
    response = log_in(again, provider, "pseudo-7f3a", renamed, path="?next=/wish")
    assert response.headers["Location"] == "/portal/wish"
    (second,) = users(institution)
    assert second.id == first.id and (second.name, second.email, second.role) == (
        "Sanne Bakker",
        renamed["email"],
        "student",
    )


def test_a_tampered_or_foreign_state_is_refused_and_logs_nobody_in(
    institution: Flask, app: Flask, browser: Client, provider: Provider
) -> None:
    back = urlsplit(start(browser, provider, "pseudo-7f3a", SANNE)[1])
    answer = parse_qs(back.query)
    tampered = f"{back.path}?code={answer['code'][0]}&state={answer['state'][0][:-2]}xy"
    refused = browser.get(tampered)
    assert refused.status_code == 400 and "Inloggen is niet gelukt" in refused.get_data(as_text=True)
    stranger = Client(mount(app, institution))  # the right state, in another browser: it never asked
    assert stranger.get(f"{back.path}?{back.query}").status_code == 400
    assert browser.get("/portal/").status_code == 302 and stranger.get("/portal/").status_code == 302
    assert users(institution) == []


def test_an_affiliation_without_a_role_gets_no_access_until_the_office_gives_one(
    institution: Flask, app: Flask, browser: Client, provider: Provider
) -> None:
    guest = SANNE | {"name": "Gast Docent", "eduperson_affiliation": ["affiliate", "member"]}
    response = log_in(browser, provider, "pseudo-guest", guest)
    assert response.status_code == 403 and "nog geen rol" in response.get_data(as_text=True)
    assert browser.get("/portal/").status_code == 302
    (user,) = users(institution)
    assert user.role == oidc.NO_ROLE and not user.active  # no invented role
    person(institution, "office", "stagebureau", "Pieter Jansen")
    office = Client(mount(app, institution))
    assert office.post("/portal/login", data={"username": "stagebureau", "password": PASSWORD}).status_code == 302
    assert "Gast Docent" in office.get("/portal/office/people").get_data(as_text=True)
    given = office.post(f"/portal/office/people/{user.id}", data={"role": "supervisor", "active": "yes"})
    assert given.status_code == 302
    again = Client(mount(app, institution))
    assert log_in(again, provider, "pseudo-guest", guest).status_code == 302
    assert 'data-role="supervisor"' in again.get("/portal/").get_data(as_text=True)


def test_the_client_secret_never_reaches_a_page_a_cookie_or_a_log(
    institution: Flask, browser: Client, provider: Provider, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    for response in (browser.get("/portal/login"), log_in(browser, provider, "pseudo-7f3a", SANNE)):
        seen += [response.get_data(as_text=True), str(response.headers)]
    back = urlsplit(start(browser, provider, "pseudo-7f3a", SANNE)[1])
    refused = browser.get(f"{back.path}?{back.query}xy")
    seen += [refused.get_data(as_text=True), str(refused.headers), browser.get("/portal/").get_data(as_text=True)]
    cookie = browser.get_cookie("portal", path="/portal")
    assert cookie is not None
    serializer = institution.session_interface.get_signing_serializer(institution)  # type: ignore[attr-defined]
    seen.append(json.dumps(serializer.loads(cookie.value)))
    # The portal runs in this thread; the provider's threads log its own client table, secret and all.
    ours = [record for record in caplog.records if record.thread == threading.get_ident()]
    assert any(record.name.startswith("authlib") for record in ours)  # Authlib's client did log, at DEBUG
    seen += [logging.Formatter().format(record) + repr(vars(record)) for record in ours]
    assert provider.client_secret and not any(provider.client_secret in text for text in seen)


def test_local_accounts_can_be_switched_off(
    portal: Flask, app: Flask, institution: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    person(portal, "office", "stagebureau", "Pieter Jansen")
    monkeypatch.setenv("HOTLINE_PORTAL_LOCAL_ACCOUNTS", "false")
    closed = create_portal_app({"TESTING": True, "WTF_CSRF_ENABLED": False})  # with the institution login as well
    try:
        client = Client(mount(app, closed))
        page = client.get("/portal/login").get_data(as_text=True)
        assert 'name="password"' not in page and "Inloggen via je instelling" in page
        refused = client.post("/portal/login", data={"username": "stagebureau", "password": PASSWORD})
        assert refused.status_code == 400 and client.get("/portal/").status_code == 302
    finally:
        closed.extensions[portal_db.ENGINE].dispose()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"OIDC_CLIENT_SECRET": ""}, "HOTLINE_PORTAL_OIDC_CLIENT_SECRET must be set"),
        ({"OIDC_DISCOVERY_URL": "http://idp.example.nl/.well-known/openid-configuration"}, "must start with https"),
        ({"OIDC_ROLES": "employee=host"}, "a host contact logs in by invitation"),
        ({"OIDC_ROLES": "student"}, "must be affiliation=role"),
        ({"OIDC_SCOPES": "profile email"}, "must include openid"),
    ],
)
def test_an_incomplete_institution_login_stops_the_portal(
    portal: Flask, settings: dict[str, str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = {"OIDC_DISCOVERY_URL": "https://connect.test.surfconext.nl/.well-known/openid-configuration"}
    for key, value in (base | {"OIDC_CLIENT_ID": "portal", "OIDC_CLIENT_SECRET": "s"} | settings).items():
        monkeypatch.setenv(f"HOTLINE_PORTAL_{key}", value)
    with pytest.raises(PortalConfigError, match=message):
        create_portal_app({"TESTING": True})


def test_the_first_listed_affiliation_gives_the_role() -> None:
    roles = oidc.role_map("employee=supervisor, staff=office, Student=student")
    assert list(roles.items()) == [("employee", "supervisor"), ("staff", "office"), ("student", "student")]
    assert oidc.role_for(("student", "employee"), roles) == "supervisor"
    assert oidc.role_for(("member",), roles) == oidc.NO_ROLE


def test_an_unreachable_provider_gets_a_plain_answer(
    app: Flask, portal: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]  # nothing listens here once the probe is closed
    settings = {"OIDC_DISCOVERY_URL": f"http://127.0.0.1:{closed}/.well-known/openid-configuration"}
    for key, value in (settings | {"OIDC_CLIENT_ID": "portal", "OIDC_CLIENT_SECRET": "geheim-1234"}).items():
        monkeypatch.setenv(f"HOTLINE_PORTAL_{key}", value)
    made = create_portal_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    try:
        response = Client(mount(app, made)).get("/portal/login/oidc")
        assert response.status_code == 502 and "Inloggen is niet gelukt" in response.get_data(as_text=True)
    finally:
        made.extensions[portal_db.ENGINE].dispose()
