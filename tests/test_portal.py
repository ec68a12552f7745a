"""The portal: an app of its own beside the hotline, with local accounts, its own cookie and its own language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.test import Client

from hotline.portal import create_portal_app
from hotline.portal.accounts import service
from hotline.portal.accounts.models import User
from hotline.portal.config import PortalConfigError, cookie_settings
from hotline.portal.db import get_session

PASSWORD = "demo-pass-word-1234"


def person(portal: Flask, role: str = "student", username: str = "sanne", name: str = "Sanne de Vries") -> str:
    with portal.app_context():
        session = get_session()
        service.create_local(session, role, name, username, PASSWORD, email=f"{username}@demo.invalid")
        session.commit()
    return username


def log_in(both: Client, username: str, password: str = PASSWORD) -> int:
    return both.post("/portal/login", data={"username": username, "password": password}).status_code


def test_the_portal_asks_a_login_first_and_then_greets_by_role(portal: Flask, both: Client) -> None:
    person(portal)
    first = both.get("/portal/")
    assert first.status_code == 302 and first.headers["Location"] == "/portal/login?next=/"
    assert log_in(both, "sanne") == 302
    page = both.get("/portal/").get_data(as_text=True)
    assert "Welkom, Sanne de Vries" in page and 'data-role="student"' in page


def test_a_wrong_password_is_one_plain_answer_and_keeps_the_username(portal: Flask, both: Client) -> None:
    person(portal)
    for username in ("sanne", "nobody"):
        response = both.post("/portal/login", data={"username": username, "password": "wrong"})
        assert response.status_code == 401
        page = response.get_data(as_text=True)
        assert "horen niet bij elkaar" in page and f'value="{username}"' in page
    assert both.get("/portal/").status_code == 302


def test_logging_out_ends_the_login(portal: Flask, both: Client) -> None:
    person(portal)
    log_in(both, "sanne")
    assert both.post("/portal/logout").status_code == 302
    assert both.get("/portal/").status_code == 302


def test_after_login_it_goes_back_only_inside_the_portal(portal: Flask, both: Client) -> None:
    person(portal)
    for target, expected in (("/", "/portal/"), ("//evil.example/x", "/portal/"), ("https://evil.example", "/portal/")):
        both.post("/portal/logout")
        response = both.post("/portal/login", data={"username": "sanne", "password": PASSWORD, "next": target})
        assert response.headers["Location"] == expected


def test_the_session_cookie_is_the_portals_own_and_scoped_to_its_path(portal: Flask, both: Client) -> None:
    person(portal)
    response = both.post("/portal/login", data={"username": "sanne", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("portal=") and "Path=/portal" in cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize(
    ("tls", "path", "name"),
    [(False, "/portal", "portal"), (True, "/portal", "__Secure-portal"), (True, "/", "__Host-portal")],
)
def test_the_cookie_name_follows_tls_and_path(tls: bool, path: str, name: str) -> None:
    settings = cookie_settings({"TLS": tls, "PATH": path})
    assert settings["SESSION_COOKIE_NAME"] == name and settings["SESSION_COOKIE_PATH"] == path
    assert settings["SESSION_COOKIE_SECURE"] is tls


def test_the_portal_chooses_its_language_in_its_own_cookie(portal: Flask, both: Client) -> None:
    response = both.get("/portal/lang/en?next=/login")
    assert (
        response.headers["Set-Cookie"].startswith("portal-lang=en;")
        and "Path=/portal" in response.headers["Set-Cookie"]
    )
    assert "Log in to the internship portal" in both.get("/portal/login").get_data(as_text=True)
    assert 'lang="nl"' in both.get("/").get_data(as_text=True)  # the hotline never sees the portal's choice


def test_the_portal_reads_none_of_the_hotlines_cookies(portal: Flask, both: Client) -> None:
    both.set_cookie("lang", "en", path="/")
    both.set_cookie("session", "made-up-staff-session", path="/")
    page = both.get("/portal/login").get_data(as_text=True)
    assert 'lang="nl"' in page
    assert both.get("/portal/").status_code == 302


def test_the_portal_will_not_start_without_its_own_secret(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOTLINE_PORTAL_SECRET_KEY", raising=False)
    with pytest.raises(PortalConfigError, match="HOTLINE_PORTAL_SECRET_KEY"):
        create_portal_app()
    monkeypatch.setenv("HOTLINE_PORTAL_SECRET_KEY", app.config["SECRET_KEY"])
    with pytest.raises(PortalConfigError, match="must differ from HOTLINE_SECRET_KEY"):
        create_portal_app()


def test_the_portal_will_not_share_the_hotlines_database(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_PORTAL_SECRET_KEY", "p" * 64)
    monkeypatch.setenv("HOTLINE_PORTAL_DATABASE_URL", app.config["DATABASE_URL"])
    with pytest.raises(PortalConfigError, match="another database"):
        create_portal_app()


def test_the_portal_database_defaults_to_the_instance_folder(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_PORTAL_SECRET_KEY", "p" * 64)
    monkeypatch.delenv("HOTLINE_PORTAL_DATABASE_URL", raising=False)
    made = create_portal_app()
    assert made.config["DATABASE_URL"] == f"sqlite:///{Path(app.instance_path) / 'portal.sqlite3'}"
    made.extensions["portal.engine"].dispose()


def test_portal_pages_send_the_security_headers_and_link_the_hotline_without_referrer(both: Client) -> None:
    response = both.get("/portal/login")
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert re.search(r'<a [^>]*href="/" rel="noreferrer"', page)
    assert not re.search(r'(src|href|action)="(https?:)?//', page)


def test_the_login_form_needs_its_csrf_token(portal: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    person(portal)
    guarded = create_portal_app({"TESTING": True, "PATH": "/"})
    client = guarded.test_client()
    assert client.post("/login", data={"username": "sanne", "password": PASSWORD}).status_code == 400
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    response = client.post("/login", data={"username": "sanne", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # at PATH "/" (a host of its own) the cookie is scoped to /
    guarded.extensions["portal.engine"].dispose()


@pytest.mark.parametrize(
    ("role", "links"),
    [
        ("student", ["/portal/wish", "/portal/offers", "/portal/offers/mine"]),
        (
            "office",
            ["/portal/office/offers", "/portal/office/hosts", "/portal/office/students", "/portal/office/rounds"],
        ),
        ("host", ["/portal/host/offers", "/portal/host/proposals"]),
    ],
)
def test_the_home_page_lists_what_the_role_does_here(portal: Flask, both: Client, role: str, links: list[str]) -> None:
    person(portal, role, role, f"Demo {role}")
    if role == "host":
        from test_portal_rounds import add_host

        with portal.app_context():
            session = get_session()
            contact = session.scalar(select(User).where(User.username == "host"))
            assert contact is not None
            contact.host_id = add_host(session).id
            session.commit()
    log_in(both, role)
    tasks = re.search(r"<ul [^>]*data-tasks>(.*?)</ul>", both.get("/portal/").get_data(as_text=True), re.S)
    assert tasks is not None
    assert re.findall(r'href="([^"]+)"', tasks.group(1))[: len(links)] == links
    for link in links:  # a student without a wish yet is sent from the offers to the wish form
        response = both.get(link)
        assert response.status_code == 200 or response.headers.get("Location") == "/portal/wish", link


def test_a_login_links_secret_never_reaches_a_log_line(portal: Flask, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    secret = "Aq3" * 14 + "x"  # 43 characters, as the links carry
    caplog.set_level(logging.INFO)
    for name in ("werkzeug", portal.logger.name):
        logging.getLogger(name).info('"GET /portal/invite/%s HTTP/1.1" 200 -', secret)
    logging.getLogger("werkzeug").info('"GET /portal/invite/new HTTP/1.1" 200 -')
    assert secret not in caplog.text and caplog.text.count("/invite/[secret removed]") == 2
    assert "/invite/new" in caplog.text
