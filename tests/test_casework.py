"""Staff login, enrolment, sessions and the handler's landing page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from conftest import REPORT, Account, Clock, DemoMaterial, file_report, log_in, make_account, prove_key, publish
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text, update

from hotline import auth
from hotline.models import AuditEvent, Case, Handler

GENERIC = "Onjuiste gebruikersnaam, wachtwoord of code."


def attempt(
    client: FlaskClient, account: Account, password: str | None = None, code: str | None = None, address: str = ""
) -> Any:
    data = {"username": account.username, "password": account.password if password is None else password}
    data["code"] = (auth.totp(account.secret) if account.secret else "") if code is None else code
    environ = {"REMOTE_ADDR": address} if address else {}
    return client.post("/casework/login", data=data, environ_base=environ)


def logged_out(response: Any) -> bool:
    return response.status_code == 302 and response.headers["Location"].endswith("/casework/login")


def events(session: Any, handler_id: str) -> list[str]:
    query = select(AuditEvent.action).where(AuditEvent.handler_id == handler_id).order_by(AuditEvent.seq)
    return list(session.scalars(query))


def test_enrolment_shows_a_server_drawn_qr_code_and_a_clean_page(
    client: FlaskClient, clock: Clock, handler_account: Account
) -> None:
    response = attempt(client, handler_account, code="")
    assert response.status_code == 302 and response.headers["Location"].endswith("/casework/enrol")
    page = client.get("/casework/enrol")
    body = page.get_data(as_text=True)
    assert '<figure class="qr-code"><svg' in body and "<path" in body
    assert "<script" not in body and "style=" not in body and "<style" not in body
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"


def test_enrolment_needs_a_right_code_then_logs_in(
    client: FlaskClient, clock: Clock, handler_account: Account, session: Any, material: DemoMaterial
) -> None:
    attempt(client, handler_account, code="")
    secret = re.search(r"data-totp-secret>([A-Z2-7 ]+)<", client.get("/casework/enrol").get_data(as_text=True))
    assert secret
    assert client.post("/casework/enrol", data={"code": "000000"}).status_code == 401
    clock.advance(1)  # the wait after one failure
    code = auth.totp(secret.group(1).replace(" ", ""))
    response = client.post("/casework/enrol", data={"code": code})
    assert response.status_code == 302 and response.headers["Location"].endswith("/casework/")
    assert client.get("/casework/").headers["Location"].endswith("/casework/prove")  # the key is proven next
    assert prove_key(client, handler_account, material.handlers["hbo-ict"]).status_code == 200
    assert client.get("/casework/").status_code == 200
    assert session.get(Handler, handler_account.id).enrolled
    assert client.get("/casework/enrol").status_code == 302  # nothing more to enrol: the secret is not shown again


def test_enrolment_waits_only_ten_minutes(client: FlaskClient, clock: Clock, handler_account: Account) -> None:
    attempt(client, handler_account, code="")
    clock.advance(11 * 60)
    assert logged_out(client.get("/casework/enrol"))


def test_each_password_login_before_enrolment_makes_a_new_secret(
    client: FlaskClient, clock: Clock, handler_account: Account
) -> None:
    secrets = set()
    for _ in range(2):
        attempt(client, handler_account, code="")
        match = re.search(r"data-totp-secret>([A-Z2-7 ]+)<", client.get("/casework/enrol").get_data(as_text=True))
        assert match
        secrets.add(match.group(1))
    assert len(secrets) == 2


def test_login_needs_the_password_and_the_code(client: FlaskClient, clock: Clock, handler_account: Account) -> None:
    log_in(client, clock, handler_account)
    client.post("/casework/logout")
    for password, code in [(None, ""), ("wrong-password", None), (None, "123456")]:
        clock.advance(30)  # past the wait of the failure before
        response = attempt(client, handler_account, password, code)
        assert response.status_code == 401 and GENERIC in response.get_data(as_text=True)
        assert logged_out(client.get("/casework/"))
    clock.advance(30)
    response = attempt(client, handler_account)
    assert response.status_code == 302 and response.headers["Location"].endswith("/casework/")


def test_a_code_cannot_be_used_twice(client: FlaskClient, clock: Clock, handler_account: Account) -> None:
    log_in(client, clock, handler_account)
    client.post("/casework/logout")
    code = auth.totp(handler_account.secret or "")
    assert attempt(client, handler_account, code=code).status_code == 401  # the one enrolment just used
    clock.advance(30)
    code = auth.totp(handler_account.secret or "")
    assert attempt(client, handler_account, code=code).status_code == 302
    client.post("/casework/logout")
    assert attempt(client, handler_account, code=code).status_code == 401


OTHER = "198.51.100.23"  # another client than the test client's 127.0.0.1


def test_each_failure_doubles_the_wait_and_a_wait_is_answered_unchecked(
    client: FlaskClient, clock: Clock, handler_account: Account
) -> None:
    log_in(client, clock, handler_account)
    client.post("/casework/logout")
    clock.advance(30)
    for wait in (1, 2, 4, 8):
        assert attempt(client, handler_account, password="wrong").status_code == 401
        early = attempt(client, handler_account)  # the right password and code, but too soon: not checked
        assert early.status_code == 429 and early.headers["Retry-After"] == str(wait)
        assert f"Wacht {wait} s" in early.get_data(as_text=True)
        clock.advance(wait)
    assert attempt(client, handler_account).status_code == 302


def test_fifty_failures_from_another_client_do_not_keep_the_right_credentials_out(
    client: FlaskClient, clock: Clock, handler_account: Account
) -> None:
    log_in(client, clock, handler_account)
    client.post("/casework/logout")
    for _ in range(50):
        clock.advance(300)  # each time past the longest wait
        assert attempt(client, handler_account, password="wrong", address=OTHER).status_code == 401
    assert attempt(client, handler_account).status_code == 429  # the account name waits, not locked
    clock.advance(300)
    assert attempt(client, handler_account).status_code == 302


def test_a_clients_wait_applies_to_every_account_it_tries(
    app: Flask, client: FlaskClient, clock: Clock, handler_account: Account
) -> None:
    other = make_account(app, "tweede", role="admin")
    for wait in (1, 2, 0):
        assert attempt(client, handler_account, password="wrong", code="").status_code == 401
        clock.advance(wait)
    assert attempt(client, other, code="").status_code == 429  # the client waits 4 s, whatever name it tries
    assert attempt(client, other, code="", address=OTHER).status_code == 302  # the other account does not
    clock.advance(4)
    assert attempt(client, other, code="").status_code == 302


@pytest.mark.app_config(LOGIN_DELAY_FIRST_SECONDS=10, LOGIN_DELAY_MAX_SECONDS=15)
def test_the_delays_are_configurable(client: FlaskClient, clock: Clock, handler_account: Account) -> None:
    log_in(client, clock, handler_account)
    client.post("/casework/logout")
    for wait in (10, 15, 15):
        clock.advance(30)
        attempt(client, handler_account, password="wrong")
        clock.advance(wait - 1)
        assert attempt(client, handler_account).headers["Retry-After"] == "1"
    clock.advance(1)
    assert attempt(client, handler_account).status_code == 302


def test_wrong_codes_at_enrolment_count_towards_the_wait(
    client: FlaskClient, clock: Clock, handler_account: Account
) -> None:
    attempt(client, handler_account, code="")
    assert client.post("/casework/enrol", data={"code": "000000"}).status_code == 401
    early = client.post("/casework/enrol", data={"code": "000000"})
    assert early.status_code == 429 and "Wacht 1 s" in early.get_data(as_text=True)
    clock.advance(1)
    assert client.post("/casework/enrol", data={"code": "000000"}).status_code == 401
    assert attempt(client, handler_account, code="").status_code == 429  # the client and the name wait 2 s
    clock.advance(2)
    assert attempt(client, handler_account, code="").status_code == 302


def test_a_failed_login_writes_nothing_to_the_database(
    app: Flask, client: FlaskClient, clock: Clock, handler_account: Account, session: Any
) -> None:
    """Anyone can fail a login: a row it wrote would date that visitor, and be an anchor for reporters' rows."""
    before = {row.id: row for row in session.execute(text("SELECT * FROM handler"))}
    audited = session.scalar(text("SELECT count(*) FROM audit_event"))
    for password, name in (("wrong", handler_account.username), ("x", "nobody")):
        clock.advance(60)
        assert attempt(client, Account("?", name, password), code="123456").status_code == 401
    session.rollback()
    assert session.scalar(text("SELECT count(*) FROM audit_event")) == audited
    assert {row.id: row for row in session.execute(text("SELECT * FROM handler"))} == before


def test_unknown_and_deactivated_accounts_get_the_same_answer(
    app: Flask, client: FlaskClient, clock: Clock, handler_account: Account, session: Any
) -> None:
    ghost = Account("x", "nobody", "whatever")
    assert GENERIC in attempt(client, ghost, code="123456").get_data(as_text=True)
    session.execute(update(Handler).where(Handler.id == handler_account.id).values(active=False))
    session.commit()
    clock.advance(1)  # past the wait of the failure before
    assert GENERIC in attempt(client, handler_account, code="").get_data(as_text=True)


def test_session_ends_after_the_idle_time(client: FlaskClient, clock: Clock, handler_account: Account) -> None:
    log_in(client, clock, handler_account)
    for _ in range(3):
        clock.advance(25 * 60)
        assert client.get("/casework/").status_code == 200  # each request restarts the idle time
    clock.advance(31 * 60)
    assert logged_out(client.get("/casework/"))
    assert logged_out(client.get("/casework/"))  # and it stays ended


def test_session_ends_after_the_absolute_limit(client: FlaskClient, clock: Clock, handler_account: Account) -> None:
    log_in(client, clock, handler_account)
    for _ in range(8 * 60 // 20 - 1):
        clock.advance(20 * 60)
        assert client.get("/casework/").status_code == 200
    clock.advance(21 * 60)
    assert logged_out(client.get("/casework/"))


def test_the_staff_cookie_expires_with_the_idle_time(
    client: FlaskClient, clock: Clock, handler_account: Account
) -> None:
    response = log_in(client, clock, handler_account)
    cookie = response.headers["Set-Cookie"]
    assert "Expires=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_logout_ends_the_session_and_every_copy_of_the_cookie(
    app: Flask, client: FlaskClient, clock: Clock, handler_account: Account
) -> None:
    log_in(client, clock, handler_account)
    stolen = client.get_cookie("session")
    assert stolen is not None
    response = client.post("/casework/logout")
    assert logged_out(response)
    assert logged_out(client.get("/casework/"))
    other = app.test_client()
    other.set_cookie("session", stolen.value)
    assert logged_out(other.get("/casework/"))


def test_login_starts_a_fresh_session(client: FlaskClient, clock: Clock, handler_account: Account) -> None:
    with client.session_transaction() as before:
        before["planted"] = "by someone else"
    log_in(client, clock, handler_account)
    with client.session_transaction() as after:
        assert "planted" not in after
        assert after["staff"] == handler_account.id and after.permanent


def test_landing_counts_cases_per_status_for_each_destination(
    app: Flask, client: FlaskClient, clock: Clock, material: DemoMaterial, session: Any
) -> None:
    kid = material.handlers["hbo-ict"].kid
    for _ in range(3):
        file_report(client)
    file_report(client, programme="verpleegkunde")
    case_id = session.scalars(select(Case.id).where(Case.programme == "hbo-ict")).first()
    session.execute(update(Case).where(Case.id == case_id).values(status="in_progress"))
    session.commit()
    account = make_account(app, "coordinator", destinations=("hbo-ict",), kid=kid)
    log_in(client, clock, account)
    body = client.get("/casework/").get_data(as_text=True)
    row = re.search(r'<tr data-destination="hbo-ict"[^>]*>(.*?)</tr>', body, re.S)
    assert row
    counts = dict(re.findall(r'data-status="(\w+)">(\d+)<', row.group(1)))
    assert counts == {"received": "2", "in_progress": "1", "forwarded": "0", "closed": "0"}
    assert 'data-destination="verpleegkunde"' not in body  # not this handler's destination
    assert REPORT["description"] not in body and case_id not in body


def test_landing_lists_every_destination_of_the_handler(
    app: Flask, client: FlaskClient, clock: Clock, material: DemoMaterial, tmp_path: Path
) -> None:
    shared = material.handlers["vertrouwenspersoon"]
    publish(tmp_path / "keys", material, "diversiteit", [material.handlers["diversiteit"].public, shared.public], 2)
    account = make_account(app, "adviser", destinations=("vertrouwenspersoon", "diversiteit"), kid=shared.kid)
    log_in(client, clock, account)
    body = client.get("/casework/").get_data(as_text=True)
    assert 'data-destination="vertrouwenspersoon"' in body and 'data-destination="diversiteit"' in body
    assert body.count("data-total>0<") == 2


def test_logging_in_and_out_is_audited(
    client: FlaskClient, clock: Clock, handler_account: Account, session: Any
) -> None:
    attempt(client, handler_account, password="wrong", code="")
    clock.advance(1)
    log_in(client, clock, handler_account)
    client.post("/casework/logout")
    assert events(session, handler_account.id) == ["enrolled", "login", "key_proven", "logout"]
    login = session.scalars(select(AuditEvent).where(AuditEvent.action == "login")).one()
    assert login.detail == "after 1 failed attempt(s)"  # the failure leaves no row of its own
    assert login.at.second == 0  # staff events are dated to the minute


@pytest.mark.app_config(RATELIMIT_ENABLED=True, LOGIN_LIMIT="3 per minute")
def test_login_posts_are_rate_limited_per_client(client: FlaskClient, clock: Clock, handler_account: Account) -> None:
    for _ in range(3):
        clock.advance(30)  # past the wait after each failure: the budget still runs out
        assert attempt(client, handler_account, password="wrong").status_code == 401
    clock.advance(30)
    response = attempt(client, handler_account)
    assert response.status_code == 429
    assert client.get("/casework/login").status_code == 200  # showing the form costs nothing


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_login_needs_the_form_token(client: FlaskClient, clock: Clock, handler_account: Account) -> None:
    assert attempt(client, handler_account, code="").status_code == 400
    page = client.get("/casework/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    data = {"username": handler_account.username, "password": handler_account.password, "csrf_token": token.group(1)}
    assert client.post("/casework/login", data=data).status_code == 302


def test_students_see_only_a_small_footer_link(client: FlaskClient) -> None:
    body = client.get("/").get_data(as_text=True)
    assert body.count("/casework/login") == 1
    footer = body[body.index("<footer") :]
    assert "/casework/login" in footer
    assert "/admin" not in body


def test_staff_pages_follow_the_language_switch(client: FlaskClient, clock: Clock, handler_account: Account) -> None:
    client.get("/lang/en?next=/casework/login")
    assert "Login for case handlers" in client.get("/casework/login").get_data(as_text=True)
    log_in(client, clock, handler_account)
    body = client.get("/casework/").get_data(as_text=True)
    assert "Your destinations" in body and "In progress" in body and "Je bestemmingen" not in body
