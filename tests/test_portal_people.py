"""The office gives roles: to whom an institution login left waiting, and to anyone it switches on or off."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from test_portal import log_in, person
from test_portal_invitations import Mailbox, add_host, mailbox, mailing  # noqa: F401  (fixtures)
from werkzeug.test import Client

from hotline.portal import mount
from hotline.portal.accounts.models import User
from hotline.portal.db import get_session

GUEST = "g" * 32
GIVE = {"role": "student", "programme": "hbo-ict", "active": "yes"}


def waiting_user(portal: Flask, email: str | None = "gast@hs.example.nl") -> str:
    """Add a user as an institution login with an unmapped affiliation leaves them: no role, not active."""
    with portal.app_context():
        session = get_session()
        session.add(
            User(
                id=GUEST,
                role="",
                name="Gast Docent",
                email=email,
                subject="pseudo-guest",
                active=False,
                created_on=dt.date.today(),
            )
        )
        session.commit()
    return GUEST


def stored(portal: Flask, user_id: str) -> User:
    with portal.app_context():
        found = get_session().get(User, user_id)
        assert found is not None
        get_session().expunge(found)
        return found


@pytest.fixture
def office(portal: Flask, both: Client) -> Client:
    person(portal, "office", "stagebureau", "Pieter Jansen")
    assert log_in(both, "stagebureau") == 302
    return both


def test_who_waits_for_a_role_is_listed_and_counted_on_the_office_home(portal: Flask, office: Client) -> None:
    assert "data-waiting-count" not in office.get("/portal/").get_data(as_text=True)
    waiting_user(portal)
    home = office.get("/portal/").get_data(as_text=True)
    assert "data-waiting-count" in home and "Wachten op een rol: 1." in home
    page = office.get("/portal/office/people").get_data(as_text=True)
    waiting, given = page.split("data-waiting", 1)[1].split("data-given", 1)
    assert "Gast Docent" in waiting and "via de instelling" in waiting and "nog geen rol" in waiting
    assert "Pieter Jansen" in given and "Gast Docent" not in given


def test_the_office_gives_a_role_and_programme_and_the_user_is_let_in(portal: Flask, office: Client) -> None:
    waiting_user(portal)
    form = office.get(f"/portal/office/people/{GUEST}").get_data(as_text=True)
    assert 'value="student"' in form and 'value="office"' in form and 'value="host"' not in form
    assert 'value="yes" id="active-yes" checked' in form  # a waiting user is to be let in, unless the office says not
    saved = office.post(f"/portal/office/people/{GUEST}", data=GIVE | {"role": "supervisor"})
    assert saved.status_code == 302 and saved.headers["Location"].startswith("/portal/office/people?saved=")
    user = stored(portal, GUEST)
    assert (user.role, user.programme, user.active) == ("supervisor", "hbo-ict", True)
    listed = office.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Opgeslagen: Gast Docent." in listed and "Niemand wacht op een rol." in listed
    assert "data-waiting-count" not in office.get("/portal/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"role": "", "active": "yes"}, "role", "Kies een rol"),
        ({"role": "host", "active": "yes"}, "role", "Kies een rol"),
        ({"role": "admin", "active": "yes"}, "role", "Kies een rol"),
        ({"role": "student", "programme": "astrologie", "active": "yes"}, "programme", "Kies een opleiding"),
    ],
)
def test_a_wrong_choice_is_refused_with_the_choices_kept(
    portal: Flask, office: Client, form: dict[str, str], field: str, message: str
) -> None:
    waiting_user(portal)
    response = office.post(f"/portal/office/people/{GUEST}", data={"programme": "hbo-ict"} | form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page and f'href="#{field}"' in page
    if form["role"] == "student":
        assert 'value="student" id="role-student" checked' in page
    user = stored(portal, GUEST)
    assert (user.role, user.active) == ("", False)


def test_the_office_cannot_switch_itself_off_or_drop_its_own_role(portal: Flask, office: Client) -> None:
    with portal.app_context():
        own = get_session().query(User).filter_by(username="stagebureau").one().id
    for form in ({"role": "office"}, {"role": "student", "active": "yes"}):
        response = office.post(f"/portal/office/people/{own}", data=form)
        assert response.status_code == 422 and "je eigen account niet uitzetten" in response.get_data(as_text=True)
    assert stored(portal, own).role == "office" and stored(portal, own).active
    assert office.get("/portal/office/people").status_code == 200


def test_switching_a_user_off_ends_their_login_at_once(portal: Flask, app: Flask, office: Client) -> None:
    person(portal, "student", "sanne", "Sanne de Vries")
    student = Client(mount(app, portal))
    assert log_in(student, "sanne") == 302 and student.get("/portal/").status_code == 200
    with portal.app_context():
        sanne = get_session().query(User).filter_by(username="sanne").one().id
    assert office.post(f"/portal/office/people/{sanne}", data={"role": "student"}).status_code == 302
    assert student.get("/portal/").status_code == 302  # logged out on the next request
    assert log_in(student, "sanne") == 401
    listed = office.get("/portal/office/people").get_data(as_text=True)
    assert "(staat uit)" in listed
    assert office.post(f"/portal/office/people/{sanne}", data={"role": "student", "active": "yes"}).status_code == 302
    assert log_in(student, "sanne") == 302


def test_a_host_contact_keeps_the_role_of_their_invitation(portal: Flask, office: Client) -> None:
    person(portal, "host", "ellen", "Ellen Smit")
    host_id = add_host(portal)
    with portal.app_context():
        session = get_session()
        ellen = session.query(User).filter_by(username="ellen").one()
        ellen.host_id, ellen_id = host_id, ellen.id
        session.commit()
    form = office.get(f"/portal/office/people/{ellen_id}").get_data(as_text=True)
    assert 'value="host"' in form and 'value="office"' not in form
    assert office.post(f"/portal/office/people/{ellen_id}", data={"role": "office", "active": "yes"}).status_code == 422
    assert office.post(f"/portal/office/people/{ellen_id}", data={"role": "host"}).status_code == 302
    assert stored(portal, ellen_id).role == "host" and not stored(portal, ellen_id).active


def test_an_unknown_user_is_404(office: Client) -> None:
    assert office.get("/portal/office/people/nobody").status_code == 404
    assert office.post("/portal/office/people/nobody", data={"role": "student"}).status_code == 404


def test_a_first_role_is_mailed_with_the_login_page_and_nothing_else(
    app: Flask,
    mailing: Flask,  # noqa: F811
    mailbox: Mailbox,  # noqa: F811
) -> None:
    person(mailing, "office", "stagebureau", "Pieter Jansen")
    client = Client(mount(app, mailing))
    assert log_in(client, "stagebureau") == 302
    waiting_user(mailing)
    saved = client.post(f"/portal/office/people/{GUEST}", data=GIVE)
    assert "mailed=sent" in saved.headers["Location"]
    (message,) = mailbox.wait(1)
    assert message["To"] == "gast@hs.example.nl" and "toegang" in message["Subject"]
    body = message.get_content()
    assert "als student" in body and "https://stages.example.nl/portal/login" in body and "hbo-ict" not in body
    assert "We hebben Gast Docent gemaild" in client.get(saved.headers["Location"]).get_data(as_text=True)
    # A change later on is not mailed again.
    again = client.post(f"/portal/office/people/{GUEST}", data={"role": "supervisor", "active": "yes"})
    assert "mailed=sent" not in again.headers["Location"]
    assert len(mailbox.wait(2)) == 1
