"""Admin pages, role separation, what every staff route shows to whom, and the append-only audit log."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import Account, Clock, DemoMaterial, file_report, log_in, make_account
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from hotline import audit, auth, db
from hotline.models import AuditEvent, Case, Handler

STAFF_PREFIXES = ("/casework", "/admin")
PUBLIC = {"casework.login_form", "casework.login", "casework.enrol", "casework.logout"}


def staff_requests(app: Flask) -> Iterator[tuple[str, str, str]]:
    """Yield endpoint, method and URL of every casework and admin route, with made-up arguments."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(STAFF_PREFIXES):
            url = re.sub(r"<(?:\w+:)?(\w+)>", "0123456789abcdef0123456789abcdef", rule.rule)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                yield rule.endpoint, method, url


def form_token(client: FlaskClient, url: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).get_data(as_text=True))
    assert match
    return match.group(1)


def test_every_staff_route_is_known_to_this_test(app: Flask) -> None:
    endpoints = {endpoint for endpoint, _method, _url in staff_requests(app)}
    assert PUBLIC < endpoints
    assert {"casework.index", "admin.index", "admin.create_handler", "admin.deactivate", "admin.audit_log"} < endpoints


def test_unauthenticated_requests_get_no_data(
    app: Flask, client: FlaskClient, clock: Clock, handler_account: Account, admin_account: Account, session: Any
) -> None:
    file_report(client)
    case_id = session.scalars(select(Case.id)).one()
    for endpoint, method, url in staff_requests(app):
        response = client.open(url, method=method)
        body = response.get_data(as_text=True)
        for secret in (case_id, handler_account.username, admin_account.username, "HBO-ICT"):
            assert secret not in body, (endpoint, method)
        if endpoint in PUBLIC:
            assert response.status_code in (200, 302, 401), (endpoint, method)
        else:
            assert response.status_code == 302, (endpoint, method)
            assert response.headers["Location"].endswith("/casework/login")


def test_a_handler_gets_404_on_every_admin_page(client: FlaskClient, clock: Clock, handler_account: Account) -> None:
    log_in(client, clock, handler_account)
    for endpoint, method, url in staff_requests(client.application):
        if endpoint.startswith("admin."):
            assert client.open(url, method=method).status_code == 404, endpoint
    assert client.get("/casework/").status_code == 200


def test_an_admin_gets_404_on_the_handler_pages_and_sees_no_case(
    client: FlaskClient, clock: Clock, admin_account: Account, session: Any
) -> None:
    file_report(client)
    case_id = session.scalars(select(Case.id)).one()
    response = log_in(client, clock, admin_account)
    assert response.headers["Location"].endswith("/admin/")
    assert client.get("/casework/").status_code == 404
    for url in ("/admin/", "/admin/handlers/new", "/admin/audit"):
        response = client.get(url)
        assert response.status_code == 200 and case_id not in response.get_data(as_text=True)


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_admin_creates_a_handler_who_can_then_log_in(
    app: Flask, clock: Clock, admin_account: Account, material: DemoMaterial
) -> None:
    # No session fixture here: its app context would make every request share one g, and so one CSRF token.
    client = app.test_client()
    data = {"username": admin_account.username, "password": admin_account.password}
    client.post("/casework/login", data=data | {"csrf_token": form_token(client, "/casework/login")})
    match = re.search(r"data-totp-secret>([A-Z2-7 ]+)<", client.get("/casework/enrol").get_data(as_text=True))
    assert match
    data = {"code": auth.totp(match.group(1).replace(" ", "")), "csrf_token": form_token(client, "/casework/enrol")}
    assert client.post("/casework/enrol", data=data).status_code == 302
    form = {
        "username": "Stagecoordinator",
        "display_name": "Sam de Vries",
        "role": "handler",
        "destinations": ["hbo-ict"],
        "kid": material.handlers["hbo-ict"].kid[:12],
        "csrf_token": form_token(client, "/admin/handlers/new"),
    }
    response = client.post("/admin/handlers/new", data=form)
    assert response.status_code == 201
    password = re.search(r"data-initial-password>([a-z2-7-]+)<", response.get_data(as_text=True))
    assert password
    with app.app_context():
        session = db.get_session()
        created = session.scalars(select(Handler).where(Handler.username == "stagecoordinator")).one()
        assert created.kid == material.handlers["hbo-ict"].kid and [d.slug for d in created.destinations] == ["hbo-ict"]
        created_events = select(AuditEvent).where(AuditEvent.action == "handler_created")
        made_here = [e for e in session.scalars(created_events) if e.detail == "stagecoordinator"]
        assert [e.handler_id for e in made_here] == [admin_account.id]
    newcomer = Account(created.id, "stagecoordinator", password.group(1))
    other = app.test_client()
    data = {
        "username": newcomer.username,
        "password": newcomer.password,
        "csrf_token": form_token(other, "/casework/login"),
    }
    assert other.post("/casework/login", data=data).headers["Location"].endswith("/casework/enrol")


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_creating_a_handler_needs_the_form_token(client: FlaskClient, clock: Clock, admin_account: Account) -> None:
    response = client.post("/admin/handlers/new", data={"username": "x", "display_name": "X"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kid": "vertrouwenspersoon"}, "Deze sleutel staat niet in de ondertekende sleutellijst"),
        ({"kid": "abcdef0123456789"}, "Deze sleutel staat niet in de ondertekende sleutellijst"),
        ({"kid": "xyz"}, "Een sleutel-id bestaat uit 8 tot 64 hexadecimale tekens."),
        ({"kid": ""}, "Geef de sleutel-id"),
        ({"destinations": []}, "Een behandelaar hoort bij minstens één bestemming."),
        ({"destinations": ["nowhere"]}, "Kies bestemmingen uit de lijst."),
        ({"role": "admin"}, "Een beheerder heeft geen bestemmingen en geen sleutel"),
        ({"username": "Bad name!"}, "Gebruik 2 tot 63 kleine letters"),
        ({"username": "adm-jansen"}, "Deze gebruikersnaam bestaat al."),
        ({"display_name": ""}, "Geef een naam van hoogstens 200 tekens."),
    ],
)
def test_admin_page_refuses_bad_accounts(
    client: FlaskClient,
    clock: Clock,
    admin_account: Account,
    material: DemoMaterial,
    session: Any,
    fields: dict[str, Any],
    message: str,
) -> None:
    log_in(client, clock, admin_account)
    form = {"username": "newcomer", "display_name": "N", "role": "handler", "destinations": ["hbo-ict"]}
    form["kid"] = material.handlers["hbo-ict"].kid
    if fields.get("kid") == "vertrouwenspersoon":
        fields = {"kid": material.handlers["vertrouwenspersoon"].kid}
    response = client.post("/admin/handlers/new", data=form | fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Handler)) == 1


def test_admin_page_refuses_a_key_that_another_account_holds(
    client: FlaskClient, clock: Clock, admin_account: Account, handler_account: Account, material: DemoMaterial
) -> None:
    log_in(client, clock, admin_account)
    form = {"username": "shadow", "display_name": "S", "role": "handler", "destinations": ["hbo-ict"]}
    response = client.post("/admin/handlers/new", data=form | {"kid": material.handlers["hbo-ict"].kid[:10]})
    assert response.status_code == 400
    assert "Deze sleutel hoort al bij een ander account." in response.get_data(as_text=True)
    assert 'value="shadow"' in response.get_data(as_text=True)  # what was typed is kept


def test_admin_deactivates_a_handler_whose_session_then_ends(
    app: Flask, clock: Clock, admin_account: Account, handler_account: Account, session: Any
) -> None:
    admin, handler = app.test_client(), app.test_client()
    log_in(admin, clock, admin_account)
    log_in(handler, clock, handler_account)
    assert handler.get("/casework/").status_code == 200
    assert admin.post(f"/admin/handlers/{handler_account.id}/deactivate").status_code == 302
    assert handler.get("/casework/").headers["Location"].endswith("/casework/login")
    clock.advance(30)
    code = auth.totp(handler_account.secret or "")
    data = {"username": handler_account.username, "password": handler_account.password, "code": code}
    assert handler.post("/casework/login", data=data).status_code == 401
    assert 'data-username="coordinator"' in admin.get("/admin/").get_data(as_text=True)
    assert admin.post(f"/admin/handlers/{admin_account.id}/deactivate").status_code == 404  # not oneself


def test_audit_log_is_paged_newest_first(
    app: Flask, client: FlaskClient, clock: Clock, admin_account: Account, session: Any
) -> None:
    for number in range(60):
        clock.advance(1)
        audit.record(session, admin_account.id, "opened", case_id=f"CASE-{number:02d}")
    session.commit()
    log_in(client, clock, admin_account)  # in the same second as the last: the order still holds
    first = client.get("/admin/audit").get_data(as_text=True)
    assert "Pagina 1 van 2" in first
    assert first.index('data-action="login"') < first.index("CASE-59") < first.index("CASE-58")
    assert "CASE-05" not in first
    second = client.get("/admin/audit?page=2").get_data(as_text=True)
    assert "CASE-05" in second and "CASE-59" not in second
    assert "Pagina 2 van 2" in client.get("/admin/audit?page=99").get_data(as_text=True)


def test_audit_events_never_hold_a_password_code_or_secret(
    app: Flask, client: FlaskClient, clock: Clock, admin_account: Account, handler_account: Account, session: Any
) -> None:
    wrong = {"username": handler_account.username, "password": "not-the-password", "code": "987654"}
    client.post("/casework/login", data=wrong)
    clock.advance(1)  # past the wait after a failure
    client.post("/casework/login", data={"username": "typo-" + handler_account.password, "password": "x"})
    clock.advance(2)
    log_in(client, clock, handler_account)
    client.post("/casework/logout")
    log_in(client, clock, admin_account)
    client.post(f"/admin/handlers/{handler_account.id}/deactivate")
    rows = session.execute(text("SELECT * FROM audit_event")).all()
    actions = {row.action for row in rows}
    # Failed logins leave no event (they would date an anonymous visitor); the next login counts them.
    assert {"enrolled", "login", "logout", "handler_created", "handler_deactivated"} <= actions
    assert "login_failed" not in actions
    stored = " ".join(str(value) for row in rows for value in row)
    hashes = session.scalars(select(Handler.password_hash)).all()
    secrets = session.scalars(select(Handler.totp_secret)).all()
    for forbidden in (
        handler_account.password,
        admin_account.password,
        "not-the-password",
        "987654",
        *hashes,
        *secrets,
    ):
        assert forbidden and forbidden not in stored


def test_audit_record_refuses_unknown_actions(session: Any) -> None:
    with pytest.raises(audit.UnknownAction):
        audit.record(session, None, "read_the_report_aloud")


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_event SET action = 'login'", "DELETE FROM audit_event", "DELETE FROM audit_event WHERE 1=1"],
)
def test_the_database_refuses_to_change_audit_events(app: Flask, clock: Clock, session: Any, statement: str) -> None:
    audit.record(session, "someone", "login")
    session.commit()
    with pytest.raises(DBAPIError, match="audit_event is append-only"):
        session.execute(text(statement))
        session.flush()
    session.rollback()
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == 1


def test_postgresql_refuses_truncating_the_audit_log(app: Flask, session: Any) -> None:
    if not app.config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("TRUNCATE is PostgreSQL's")
    with pytest.raises(DBAPIError, match="audit_event is append-only"):
        session.execute(text("TRUNCATE audit_event"))
    session.rollback()


def test_no_page_shows_a_totp_secret_or_password_hash_after_enrolment(
    app: Flask, clock: Clock, admin_account: Account, handler_account: Account, material: DemoMaterial, session: Any
) -> None:
    handler, admin = app.test_client(), app.test_client()
    log_in(handler, clock, handler_account)
    log_in(admin, clock, admin_account)
    make_account(app, "pending", destinations=("verpleegkunde",), kid=material.handlers["verpleegkunde"].kid)
    pending = app.test_client()
    pending.post("/casework/login", data={"username": "pending", "password": "wrong"})
    anonymous = app.test_client()
    hashes = session.scalars(select(Handler.password_hash)).all()
    secrets = [s for s in session.scalars(select(Handler.totp_secret)).all() if s]
    assert len(secrets) == 2
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()) or rule.endpoint == "static" or rule.arguments - {"language"}:
            continue
        url = rule.rule.replace("<language>", "en")
        for browser in (handler, admin, anonymous):
            body = browser.get(url).get_data(as_text=True)
            for secret in (*hashes, *secrets, *(" ".join(s[i : i + 4] for i in range(0, 32, 4)) for s in secrets)):
                assert secret not in body, url
            assert "$argon2id$" not in body, url
