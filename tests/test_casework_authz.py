"""The inbox, the case page and the status workflow, and who may reach them: every staff route is tried."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from pathlib import Path
from typing import Any

import pytest
from conftest import Account, Clock, DemoMaterial, file_report, log_in, make_account, status_of
from flask import Flask, g, url_for
from flask.testing import FlaskClient
from handler_browser import send_reply
from sqlalchemy import select

from hotline import cases, crypto, inbox, tokens
from hotline.keyring import key_list_path
from hotline.models import AuditEvent, Case, CaseRoute, Destination

TODAY = dt.date(2026, 6, 1)
CATEGORY_LABEL = "Afkomst of etniciteit"  # discrimination.origin, the category of conftest.REPORT
SECRET_MARKERS = ('"kdf"', "passphrase", "meldpunt-private-key", '"ciphertext"')


@pytest.fixture
def other_case(client: FlaskClient, session: Any) -> str:
    """A case of destination B (verpleegkunde), filed by a student."""
    file_report(client, programme="verpleegkunde")
    case_id: str = session.scalars(select(Case.id).where(Case.programme == "verpleegkunde")).one()
    return case_id


@pytest.fixture
def handler_a(app: Flask, material: DemoMaterial) -> Account:
    return make_account(app, "handler-a", destinations=("hbo-ict",), kid=material.handlers["hbo-ict"].kid)


@pytest.fixture
def handler_b(app: Flask, material: DemoMaterial) -> Account:
    kid = material.handlers["verpleegkunde"].kid
    return make_account(app, "handler-b", destinations=("verpleegkunde",), kid=kid)


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    """Fix the day the inbox judges deadlines by."""
    monkeypatch.setattr(cases, "today", lambda: TODAY)
    return TODAY


def staff_rules(app: Flask) -> list[tuple[str, str, list[str]]]:
    """Return (endpoint, rule, methods) of every /casework and /admin route, logout last."""
    found = [
        (rule.endpoint, rule.rule, sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/casework", "/admin"))
    ]
    return sorted(found, key=lambda item: item[0] == "casework.logout")


def url_for_rule(app: Flask, endpoint: str, case_id: str, handler_id: str = "0" * 32) -> str:
    values = {"case_id": case_id, "slug": "verpleegkunde", "handler_id": handler_id}
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    with app.test_request_context():
        arguments: dict[str, Any] = {k: v for k, v in values.items() if k in rule.arguments}
        return url_for(endpoint, **arguments)


def case_routes(app: Flask) -> list[tuple[str, str, list[str]]]:
    return [r for r in staff_rules(app) if "<case_id>" in r[1] or "<slug>" in r[1]]


def shown(response: Any) -> str:
    """Return the body without the language switch, which echoes the requested path back."""
    return re.sub(r'href="/lang/[^"]*"', "", response.get_data(as_text=True))


def request(client: FlaskClient, method: str, url: str) -> Any:
    return client.get(url) if method == "GET" else client.post(url, data={"action": "close"})


def test_the_case_routes_are_all_found(app: Flask) -> None:
    endpoints = {endpoint for endpoint, _rule, _methods in case_routes(app)}
    assert {"casework.inbox", "casework.case", "casework.envelopes", "casework.status"} <= endpoints


def test_a_handler_of_another_destination_gets_404_for_every_case_route(
    app: Flask, client: FlaskClient, clock: Clock, other_case: str, handler_a: Account, session: Any
) -> None:
    log_in(client, clock, handler_a)
    for endpoint, _rule, methods in case_routes(app):
        for method in methods:
            response = request(client, method, url_for_rule(app, endpoint, other_case))
            assert response.status_code == 404, (endpoint, method)
            assert other_case not in shown(response)
    assert session.get(Case, other_case).status == "received"
    assert not session.scalars(select(AuditEvent).where(AuditEvent.case_id == other_case)).all()
    for endpoint, _rule, methods in staff_rules(app):
        if "GET" in methods:
            body = shown(client.get(url_for_rule(app, endpoint, other_case)))
            assert other_case not in body and CATEGORY_LABEL not in body, endpoint


def test_a_handler_who_has_not_proven_their_key_is_refused_on_every_case_route(
    app: Flask, client: FlaskClient, clock: Clock, other_case: str, handler_b: Account, session: Any
) -> None:
    log_in(client, clock, handler_b, prove=False)
    for endpoint, _rule, methods in [*case_routes(app), ("casework.index", "/casework/", ["GET"])]:
        for method in methods:
            response = request(client, method, url_for_rule(app, endpoint, other_case))
            if method == "GET":
                assert response.headers.get("Location", "").endswith("/casework/prove"), endpoint
            else:
                assert response.status_code == 403, (endpoint, method)
            assert other_case not in shown(response)
    assert session.get(Case, other_case).status == "received"
    assert not session.scalars(select(AuditEvent).where(AuditEvent.case_id == other_case)).all()


def test_an_admin_sees_no_case_and_no_inbox(
    app: Flask, client: FlaskClient, clock: Clock, other_case: str, admin_account: Account
) -> None:
    log_in(client, clock, admin_account)
    for endpoint, _rule, methods in case_routes(app):
        for method in methods:
            assert request(client, method, url_for_rule(app, endpoint, other_case)).status_code == 404, endpoint


def test_an_unauthenticated_request_gets_nothing(app: Flask, client: FlaskClient, other_case: str) -> None:
    for endpoint, rule, methods in staff_rules(app):
        for method in methods:
            response = request(client, method, url_for_rule(app, endpoint, other_case))
            body = shown(response)
            assert other_case not in body and CATEGORY_LABEL not in body, (endpoint, method)
            if "<" in rule:
                location = response.headers.get("Location", "")
                assert response.status_code == 404 or location.endswith("/casework/login"), (endpoint, method)


def test_no_staff_route_returns_a_private_key_or_passphrase(
    app: Flask, client: FlaskClient, clock: Clock, other_case: str, handler_b: Account, admin_account: Account
) -> None:
    spare = make_account(app, "spare", role="admin")
    for account in (handler_b, admin_account):
        clock.advance(60)  # past the wait that the empty login posts of the round before earned this client
        log_in(client, clock, account)
        for endpoint, _rule, methods in staff_rules(app):
            for method in methods:
                response = request(client, method, url_for_rule(app, endpoint, other_case, spare.id))
                body = response.get_data(as_text=True)
                assert not [m for m in SECRET_MARKERS if m in body], (account.username, endpoint, method)


def test_the_landing_page_links_each_destination_to_its_inbox(
    client: FlaskClient, clock: Clock, handler_b: Account
) -> None:
    log_in(client, clock, handler_b)
    assert 'href="/casework/inbox/verpleegkunde"' in client.get("/casework/").get_data(as_text=True)


def add_case(session: Any, slug: str, received: dt.date, **fields: Any) -> str:
    """Store a case with metadata only (no envelopes), routed to one destination."""
    destination = session.scalars(select(Destination).where(Destination.slug == slug)).one()
    values: dict[str, Any] = {
        "ack_due": received + dt.timedelta(days=7),
        "feedback_due": cases.add_months(received, 3),
        "status": "received",
        "category": "misuse.tasks",
    }
    case = Case(
        lookup_digest=secrets.token_hex(32),
        reply_public_key=secrets.token_bytes(32),
        reporter_signing_key=secrets.token_bytes(32),
        programme=slug,
        received_on=received,
        **(values | fields),
    )
    case.routes.append(CaseRoute(destination=destination, reason="test"))
    session.add(case)
    session.commit()
    return case.id


def rows(body: str) -> list[str]:
    return re.findall(r'<tr data-case="([^"]+)"', body)


def counts(body: str) -> dict[str, int]:
    return {group: int(n) for group, n in re.findall(r'data-count="(\w+)">(\d+)<', body)}


@pytest.fixture
def grouped(session: Any, today: dt.date) -> dict[str, str]:
    """One case of each kind in the verpleegkunde inbox, judged on TODAY."""
    days = dt.timedelta
    return {
        "new": add_case(session, "verpleegkunde", today - days(1)),
        "late_ack": add_case(session, "verpleegkunde", today - days(10)),
        "late_feedback": add_case(
            session, "verpleegkunde", today - days(100), status="in_progress", acknowledged_on=today - days(95)
        ),
        "in_progress": add_case(
            session, "verpleegkunde", today - days(20), status="in_progress", acknowledged_on=today - days(18)
        ),
        "answered": add_case(  # past its feedback day, but answered in substance in time: not overdue
            session,
            "verpleegkunde",
            today - days(100),
            status="in_progress",
            acknowledged_on=today - days(98),
            feedback_on=today - days(40),
        ),
        "forwarded": add_case(
            session, "verpleegkunde", today - days(30), status="forwarded", acknowledged_on=today - days(29)
        ),
        "closed": add_case(session, "verpleegkunde", today - days(200), status="closed", closed_on=today - days(10)),
        "elsewhere": add_case(session, "hbo-ict", today - days(1)),
    }


def inbox_page(client: FlaskClient, **args: Any) -> Any:
    return client.get("/casework/inbox/verpleegkunde", query_string=args)


def test_the_inbox_groups_cases_and_marks_the_overdue_ones(
    client: FlaskClient, clock: Clock, handler_b: Account, grouped: dict[str, str]
) -> None:
    log_in(client, clock, handler_b)
    body = inbox_page(client).get_data(as_text=True)
    assert counts(body) == {"new": 1, "overdue": 2, "in_progress": 3, "closed": 1}
    assert rows(body) == [grouped["new"]]
    overdue = inbox_page(client, group="overdue").get_data(as_text=True)
    assert set(rows(overdue)) == {grouped["late_ack"], grouped["late_feedback"]}
    late_badge = '<span class="utrecht-status-badge utrecht-status-badge--warning late" data-late>te laat</span>'
    assert overdue.count('utrecht-table__row overdue"') == 2 and overdue.count(late_badge) == 2
    assert set(rows(inbox_page(client, group="in_progress").get_data(as_text=True))) == {
        grouped["in_progress"],
        grouped["answered"],
        grouped["forwarded"],
    }
    closed = inbox_page(client, group="closed").get_data(as_text=True)
    assert rows(closed) == [grouped["closed"]] and 'row overdue"' not in closed and "data-late" not in closed
    assert grouped["elsewhere"] not in body + overdue + closed


def test_the_inbox_shows_metadata_and_deadlines_never_contents(
    client: FlaskClient, clock: Clock, handler_b: Account, other_case: str, session: Any
) -> None:
    log_in(client, clock, handler_b)
    body = inbox_page(client).get_data(as_text=True)
    case = session.get(Case, other_case)
    assert rows(body) == [other_case]
    for shown in (CATEGORY_LABEL, case.ack_due.isoformat(), case.feedback_due.isoformat(), "Verpleegkunde"):
        assert shown in body
    assert "sollicitatiegesprek" not in body  # conftest.REPORT's description


def test_the_inbox_sorts_by_each_column_both_ways(
    client: FlaskClient, clock: Clock, handler_b: Account, session: Any, today: dt.date
) -> None:
    first = add_case(session, "verpleegkunde", today - dt.timedelta(days=3), feedback_due=today + dt.timedelta(days=9))
    second = add_case(session, "verpleegkunde", today - dt.timedelta(days=2), feedback_due=today + dt.timedelta(days=5))
    third = add_case(session, "verpleegkunde", today - dt.timedelta(days=1), feedback_due=today + dt.timedelta(days=7))
    log_in(client, clock, handler_b)
    expected = {
        ("received", "asc"): [first, second, third],
        ("received", "desc"): [third, second, first],
        ("ack_due", "asc"): [first, second, third],
        ("ack_due", "desc"): [third, second, first],
        ("feedback_due", "asc"): [second, third, first],
        ("feedback_due", "desc"): [first, third, second],
    }
    for (sort, direction), order in expected.items():
        assert rows(inbox_page(client, sort=sort, dir=direction).get_data(as_text=True)) == order, (sort, direction)


def test_the_inbox_pages_by_fifty(
    client: FlaskClient, clock: Clock, handler_b: Account, session: Any, today: dt.date
) -> None:
    for number in range(120):
        add_case(session, "verpleegkunde", today - dt.timedelta(days=number % 5))
    log_in(client, clock, handler_b)
    pages = [rows(inbox_page(client, page=n).get_data(as_text=True)) for n in (1, 2, 3, 4)]
    assert [len(p) for p in pages] == [50, 50, 20, 0]
    assert len({case_id for page in pages for case_id in page}) == 120
    body = inbox_page(client, page=2).get_data(as_text=True)
    assert "Pagina 2 van 3" in body and 'rel="prev"' in body and 'rel="next"' in body


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"group": "urgent"}, "Kies een groep"),
        ({"sort": "category"}, "Sorteer op"),
        ({"dir": "up"}, "Kies de volgorde"),
        ({"page": "0"}, "Kies een paginanummer"),
        ({"page": "two"}, "Kies een paginanummer"),
        ({"page": "-1"}, "Kies een paginanummer"),
        ({"page": str(inbox.MAX_PAGE + 1)}, "Kies een paginanummer"),
    ],
)
def test_bad_inbox_parameters_get_400_with_a_clear_message(
    client: FlaskClient, clock: Clock, handler_b: Account, args: dict[str, str], message: str
) -> None:
    log_in(client, clock, handler_b)
    response = inbox_page(client, **args)
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_the_case_page_shows_metadata_and_envelopes_and_records_the_opening(
    client: FlaskClient, clock: Clock, handler_b: Account, other_case: str, session: Any
) -> None:
    log_in(client, clock, handler_b)
    response = client.get(f"/casework/case/{other_case}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and CATEGORY_LABEL in body
    assert body.count("<tr data-envelope=") == 1 and "De melder" in body
    assert f"hotline cases export {other_case}" in body and "hotline decrypt" in body
    assert "sollicitatiegesprek" not in body and "style=" not in body
    # The scripts are the module that reads the case with the handler's key and the staff bar's; no inline code.
    scripts = re.findall(r"<script[^>]*>", body)
    assert scripts == [
        '<script type="module" src="/static/js/workspace.js">',
        '<script type="module" src="/static/js/casework.js">',
    ]
    query = select(AuditEvent.action).where(AuditEvent.case_id == other_case, AuditEvent.handler_id == handler_b.id)
    assert list(session.scalars(query)) == ["opened"]


def test_the_envelopes_json_holds_what_the_browser_needs_to_read(
    client: FlaskClient, clock: Clock, handler_b: Account, other_case: str, session: Any, recovery: Any
) -> None:
    log_in(client, clock, handler_b)
    data = client.get(f"/casework/case/{other_case}/envelopes").get_json()
    case = session.get(Case, other_case)
    assert data["case"]["id"] == other_case
    assert data["case"]["reply_public_key"] == crypto.b64e(case.reply_public_key)
    assert data["case"]["reporter_signing_key"] == crypto.b64e(case.reporter_signing_key)
    assert set(data["key_lists"]) == {*cases.destination_slugs(case), "herstel"}
    [envelope] = data["envelopes"]
    assert envelope["day"] == case.received_on.isoformat() and envelope["ct"] and envelope["sig"]["signer"]


def change(client: FlaskClient, case_id: str, action: str) -> Any:
    return client.post(f"/casework/case/{case_id}/status", data={"action": action})


def close(client: FlaskClient, case_id: str, material: DemoMaterial) -> Any:
    """Close a case as the verpleegkunde handler's browser does: with a sealed closing summary."""
    return send_reply(client, case_id, material.handlers["verpleegkunde"], "Samenvatting.", action="close")


def status_events(session: Any, case_id: str) -> list[str | None]:
    query = select(AuditEvent.detail).where(AuditEvent.case_id == case_id, AuditEvent.action == "status_changed")
    return list(session.scalars(query.order_by(AuditEvent.seq)))


def test_acknowledge_then_close_with_audit_and_the_student_sees_it(
    app: Flask, client: FlaskClient, clock: Clock, handler_b: Account, session: Any, material: DemoMaterial
) -> None:
    token = file_report(client, programme="verpleegkunde")
    case_id = session.scalars(select(Case.id)).one()
    log_in(client, clock, handler_b)
    assert change(client, case_id, "acknowledge").status_code == 302
    session.expire_all()
    assert session.get(Case, case_id).acknowledged_on == cases.today()
    assert status_of(app.test_client(), token) == "in_progress"
    assert close(client, case_id, material).status_code == 201
    session.expire_all()
    case = session.get(Case, case_id)
    assert (case.status, case.closed_on) == ("closed", cases.today())
    assert status_of(app.test_client(), token) == "closed"
    assert status_events(session, case_id) == ["in_progress", "closed"]


def test_the_api_lookup_shows_the_new_status(
    app: Flask, client: FlaskClient, clock: Clock, handler_b: Account, session: Any, material: DemoMaterial
) -> None:
    token = file_report(client, programme="verpleegkunde")
    case_id = session.scalars(select(Case.id)).one()
    lookup_key = tokens.derive(token, bytes.fromhex(app.config["INSTANCE_SALT"])).lookup_key
    student = app.test_client()
    log_in(client, clock, handler_b)
    for action, status in (("acknowledge", "in_progress"), ("close", "closed")):
        assert (
            change(client, case_id, action) if action == "acknowledge" else close(client, case_id, material)
        ).status_code in (201, 302)
        answer = student.post("/api/v1/cases/lookup", json={"lookup_key": crypto.b64e(lookup_key)}).get_json()
        assert answer["status"] == status


@pytest.mark.parametrize(
    ("start", "action"),
    [("in_progress", "acknowledge"), ("closed", "acknowledge"), ("received", "close"), ("received", "forward")],
)
def test_a_change_the_status_does_not_allow_gets_400(
    client: FlaskClient, clock: Clock, handler_b: Account, session: Any, today: dt.date, start: str, action: str
) -> None:
    case_id = add_case(session, "verpleegkunde", today, status=start)
    log_in(client, clock, handler_b)
    response = change(client, case_id, action)
    assert response.status_code == 400 and "Deze statuswijziging kan niet" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Case, case_id).status == start and status_events(session, case_id) == []


def test_a_status_change_needs_the_form_token(
    app: Flask, client: FlaskClient, clock: Clock, handler_b: Account, session: Any, today: dt.date
) -> None:
    case_id = add_case(session, "verpleegkunde", today)
    log_in(client, clock, handler_b)
    app.config["WTF_CSRF_ENABLED"] = True  # read per request: logged in without it, checked from here on
    assert change(client, case_id, "acknowledge").status_code == 400
    session.expire_all()
    assert session.get(Case, case_id).status == "received"
    g.pop("csrf_token", None)  # the session fixture's app context, shared by the requests, cached an older one
    page = client.get(f"/casework/case/{case_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    data = {"action": "acknowledge", "csrf_token": token.group(1)}
    answer = client.post(f"/casework/case/{case_id}/status", data=data)
    assert answer.status_code == 302, answer.get_data(as_text=True)


def test_a_closed_case_takes_no_follow_up(
    client: FlaskClient, clock: Clock, handler_b: Account, session: Any, material: DemoMaterial
) -> None:
    token = file_report(client, programme="verpleegkunde")
    case_id = session.scalars(select(Case.id)).one()
    log_in(client, clock, handler_b)
    assert close(client, case_id, material).status_code == 201
    response = client.post("/status/message", data={"token": token, "message": "Nog iets."})
    assert response.status_code == 409 and "Deze melding is afgesloten" in response.get_data(as_text=True)
    session.expire_all()
    assert len(session.get(Case, case_id).envelopes) == 2  # the report and the closing summary


def test_the_envelopes_json_refuses_a_key_list_that_does_not_verify(
    app: Flask, client: FlaskClient, clock: Clock, handler_b: Account, other_case: str
) -> None:
    log_in(client, clock, handler_b)  # proven while the list still verified
    path = key_list_path(Path(app.config["KEYS_DIR"]), "verpleegkunde")
    assert path.exists()
    path.write_text(path.read_text("utf-8").replace("Behandelaar", "Indringer"), "utf-8")  # breaks the signature
    response = client.get(f"/casework/case/{other_case}/envelopes")
    assert response.status_code == 503 and "does not verify" in response.get_json()["error"]
    assert client.get(f"/casework/case/{other_case}").status_code == 200  # the metadata stays readable


def test_inbox_names_the_programme_in_the_chosen_language(
    client: FlaskClient, clock: Clock, other_case: str, handler_b: Account
) -> None:
    log_in(client, clock, handler_b)
    client.get("/lang/en?next=/")
    body = client.get("/casework/inbox/verpleegkunde").get_data(as_text=True)
    assert '<td class="utrecht-table__cell">Nursing</td>' in body
