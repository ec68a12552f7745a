"""The workspace's own face: the staff header on every staff page, the inbox beside the case (never another
destination's cases), and every staff text in the chosen language, route reasons too."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from conftest import Account, Clock, DemoMaterial, file_report, log_in, make_account
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import select
from test_casework_authz import add_case
from test_i18n import catalogue

from hotline.models import Case, CaseRoute, Destination

STUDENT_HEADER = ('aria-label="Hoofdmenu"', 'aria-label="Main menu"', 'class="meldpunt-danger"', "Bel 112", "Call 112")


@pytest.fixture
def coordinator(app: Flask, material: DemoMaterial) -> Account:
    return make_account(app, "coordinator", destinations=("hbo-ict",), kid=material.handlers["hbo-ict"].kid)


@pytest.fixture
def filed(client: FlaskClient) -> str:
    """A discrimination report, which the shipped rules route to the programme (HBO-ICT)."""
    file_report(client, category="discrimination.origin")
    return file_report(client, category="discrimination.origin")


def case_ids(session: Any) -> list[str]:
    return list(session.scalars(select(Case.id).order_by(Case.id)))


def header(body: str) -> str:
    found = re.search(r'<header class="[^"]*staff-header">.*?</header>', body, re.S)
    assert found, body[:2000]
    return found.group(0)


def assert_staff_page(body: str, home: str) -> None:
    """The staff header, with the brand linking to the staff home, and nothing of the student header."""
    top = header(body)
    assert f'class="meldpunt-brand" href="{home}"' in top and "data-workspace-name" in top
    assert "/lang/" in top  # the language switch
    for student in STUDENT_HEADER:
        assert student not in body, student
    assert '<footer class="utrecht-page-footer meldpunt-footer staff-footer">' in body


def test_the_login_page_has_the_staff_header_without_a_session(client: FlaskClient) -> None:
    body = client.get("/casework/login").get_data(as_text=True)
    assert_staff_page(body, "/casework/")
    assert "data-logout" not in body and "data-workspace=" not in body  # nobody is signed in
    assert '<script type="module" src="/static/js/workspace.js">' in body  # it forgets a key left behind


def test_every_handler_page_has_the_staff_header(
    client: FlaskClient, clock: Clock, coordinator: Account, filed: str, session: Any
) -> None:
    log_in(client, clock, coordinator)
    case_id = case_ids(session)[0]
    for url in ("/casework/", "/casework/inbox/hbo-ict", f"/casework/case/{case_id}", "/casework/inbox/hbo-ict/access"):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        assert_staff_page(body, "/casework/")
        top = header(body)
        assert "Ingelogd als Test coordinator (coordinator)" in top and "data-logout" in top, url
        assert 'href="/casework/inbox/hbo-ict"' in top and "/admin" not in top, url
        assert "data-key-status" in top and "data-lock" in top, url


def test_every_admin_page_has_the_staff_header_with_the_admin_links(
    client: FlaskClient, clock: Clock, admin_account: Account
) -> None:
    log_in(client, clock, admin_account)
    for url in ("/admin/", "/admin/handlers/new", "/admin/audit"):
        body = client.get(url).get_data(as_text=True)
        assert_staff_page(body, "/admin/")
        top = header(body)
        for link in ("/admin/", "/admin/handlers/new", "/admin/audit"):
            assert f'href="{link}"' in top, (url, link)
        assert 'aria-current="page"' in top and "/casework/inbox" not in top, url


def test_the_case_page_lists_its_inbox_beside_it_and_marks_the_open_case(
    client: FlaskClient, clock: Clock, coordinator: Account, filed: str, session: Any
) -> None:
    log_in(client, clock, coordinator)
    first, second = case_ids(session)
    body = client.get(f"/casework/case/{first}").get_data(as_text=True)
    listed = re.findall(r'data-list-case="([^"]+)"', body)
    assert sorted(listed) == [first, second]
    current = re.findall(r'<a class="case-list__link" href="([^"]+)" aria-current="page">', body)
    assert len(current) == 1 and current[0].startswith(f"/casework/case/{first}?")
    # The links keep the inbox view, so the list stays as it was while the handler goes from case to case.
    kept = "inbox=hbo-ict&amp;group=new&amp;sort=received&amp;dir=desc&amp;page=1"
    assert f'href="/casework/case/{second}?{kept}"' in body
    assert 'href="#conversation"' in body and 'id="conversation"' in body


def test_the_list_beside_a_case_shows_the_cases_own_group_and_keeps_the_asked_one(
    client: FlaskClient, clock: Clock, coordinator: Account, filed: str, session: Any
) -> None:
    log_in(client, clock, coordinator)
    first, second = case_ids(session)
    assert (
        client.post(
            f"/casework/case/{first}/status?inbox=hbo-ict&group=new&sort=ack_due&dir=asc&page=1",
            data={"action": "acknowledge", "csrf_token": token(client, first)},
        )
        .headers["Location"]
        .endswith(f"/casework/case/{first}?inbox=hbo-ict&group=new&sort=ack_due&dir=asc&page=1")
    )
    # Without a group, the list is the case's own group (now in progress); with one, the asked group.
    own = client.get(f"/casework/case/{first}").get_data(as_text=True)
    assert re.findall(r'data-list-case="([^"]+)"', own) == [first]
    asked = client.get(f"/casework/case/{first}?group=new").get_data(as_text=True)
    assert re.findall(r'data-list-case="([^"]+)"', asked) == [second]
    assert 'aria-current="page"' not in asked.split('class="case-list__items"')[1].split("</ol>")[0]
    # A query the inbox does not know shows the case's group rather than an error.
    assert client.get(f"/casework/case/{first}?group=urgent&page=x").status_code == 200


def token(client: FlaskClient, case_id: str) -> str:
    body = client.get(f"/casework/case/{case_id}").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', body)
    assert found
    return found.group(1)


def test_the_list_beside_a_case_never_shows_another_destinations_cases(
    app: Flask, client: FlaskClient, clock: Clock, material: DemoMaterial, session: Any
) -> None:
    account = make_account(app, "nurse", destinations=("verpleegkunde",), kid=material.handlers["verpleegkunde"].kid)
    received = dt.date.today()
    mine = add_case(session, "verpleegkunde", received)
    theirs = add_case(session, "hbo-ict", received)
    log_in(client, clock, account)
    for query in ("", "?inbox=hbo-ict", "?inbox=hbo-ict&group=new", "?inbox=../hbo-ict"):
        body = client.get(f"/casework/case/{mine}{query}").get_data(as_text=True)
        assert theirs not in body, query
        assert re.findall(r'data-list-case="([^"]+)"', body) == [mine], query
        assert "Meldingen voor Verpleegkunde" in body, query
    assert client.get(f"/casework/case/{theirs}?inbox=verpleegkunde").status_code == 404


def test_route_reasons_show_as_text_in_the_chosen_language(
    client: FlaskClient, clock: Clock, coordinator: Account, filed: str, session: Any
) -> None:
    log_in(client, clock, coordinator)
    case_id = case_ids(session)[0]
    dutch = client.get(f"/casework/case/{case_id}").get_data(as_text=True)
    assert "(discriminatie: de opleiding volgt het op)" in dutch
    client.get("/lang/en?next=/")
    english = client.get(f"/casework/case/{case_id}").get_data(as_text=True)
    assert "(discrimination: the programme follows up)" in english and "discriminatie" not in english
    # A forward, and a reason of an instance's own rules, read as text too, never as the stored code.
    case = session.get(Case, case_id)
    labour = session.scalars(select(Destination).where(Destination.slug == "arbeidsinspectie")).one()
    di = session.scalars(select(Destination).where(Destination.slug != "hbo-ict", Destination.kind == "programme"))
    other = next(iter(di))
    case.routes.append(CaseRoute(destination=labour, reason="forwarded"))
    case.routes.append(CaseRoute(destination=other, reason="own-rule-7"))
    session.commit()
    english = client.get(f"/casework/case/{case_id}").get_data(as_text=True)
    reasons = re.findall(r"data-route-reason>\(([^)]*)\)<", english)
    assert reasons == ["discrimination: the programme follows up", "by the routing rules: Study programme", "forwarded"]
    assert "own-rule-7" not in english


def english_leftovers(body: str, translations: dict[str, str]) -> list[str]:
    """Return the Dutch messages with an English translation that an English page still shows."""
    return [nl for nl, en in translations.items() if len(nl) > 12 and en and en != nl and str(escape(nl)) in body]


def test_no_staff_page_shows_dutch_in_english(
    client: FlaskClient, clock: Clock, coordinator: Account, admin_account: Account, filed: str, session: Any
) -> None:
    translations = catalogue()
    case_id = case_ids(session)[0]
    assert english_leftovers(client.get("/casework/login").get_data(as_text=True), translations)  # the check works
    client.get("/lang/en?next=/")
    pages = {"/casework/login": client.get("/casework/login").get_data(as_text=True)}
    log_in(client, clock, coordinator)
    client.get(f"/casework/case/{case_id}")  # an audit entry for the log
    for url in ("/casework/", "/casework/inbox/hbo-ict", f"/casework/case/{case_id}", "/casework/inbox/hbo-ict/access"):
        pages[url] = client.get(url).get_data(as_text=True)
    client.post("/casework/logout", data={"csrf_token": token(client, case_id)})
    log_in(client, clock, admin_account)
    for url in ("/admin/", "/admin/handlers/new", "/admin/audit"):
        pages[url] = client.get(url).get_data(as_text=True)
    for url, body in pages.items():
        assert '<html lang="en">' in body, url
        assert not english_leftovers(body, translations), url
    audit_page = pages["/admin/audit"]
    assert "Case opened" in audit_page and ">opened<" not in audit_page


@pytest.mark.parametrize("path", ["/casework/no-such-page", "/admin/no-such-page"])
def test_an_error_in_the_workspace_keeps_the_staff_header(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert_staff_page(response.get_data(as_text=True), "/casework/")


def test_an_error_on_the_student_side_keeps_the_student_header(client: FlaskClient) -> None:
    body = client.get("/no-such-page").get_data(as_text=True)
    assert 'class="meldpunt-danger"' in body and "staff-header" not in body
