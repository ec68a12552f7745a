"""Host contacts log in by a one-time link: made by the office, mailed through a real local SMTP server, used once."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import re
import secrets
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SMTPSession
from flask import Flask
from sqlalchemy import select
from test_portal import log_in, person
from werkzeug.test import Client

from hotline.portal import create_portal_app, mount
from hotline.portal import db as portal_db
from hotline.portal.accounts.models import User
from hotline.portal.config import PortalConfigError
from hotline.portal.db import PortalBase, get_session
from hotline.portal.placements.models import Host, Invitation

CONTACT = "ellen@zorggroep-noord.example"
LINK = re.compile(r"https://stages\.example\.nl/portal(/invite/[A-Za-z0-9_-]{43})")
SHOWN = re.compile(r"<code data-invitation-link>http://localhost/portal(/invite/[A-Za-z0-9_-]{43})</code>")


@dataclass
class Mailbox:
    """The aiosmtpd handler: keeps what arrives."""

    received: list[Envelope] = field(default_factory=list)
    port: int = 0

    async def handle_DATA(self, server: SMTP, session: SMTPSession, envelope: Envelope) -> str:
        self.received.append(envelope)
        return "250 OK"

    def wait(self, count: int) -> list[email.message.EmailMessage]:
        """Return the mails once `count` have come (a new link asked for is sent beside the answer)."""
        deadline = time.monotonic() + 5
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        parse = email.message_from_bytes
        return [parse(bytes(e.content), policy=email.policy.default) for e in self.received]  # type: ignore[arg-type]


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        mailbox = Mailbox(port=probe.getsockname()[1])
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    yield mailbox
    controller.stop()


@pytest.fixture
def mailing(portal: Flask, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The portal with the deployment's mail server, on the test portal's database."""
    settings = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(mailbox.port), "SMTP_STARTTLS": "false"}
    for key, value in (settings | {"MAIL_FROM": "Stageportaal <stages@example.nl>"}).items():
        monkeypatch.setenv(f"HOTLINE_{key}", value)
    monkeypatch.setenv("HOTLINE_PORTAL_BASE_URL", "https://stages.example.nl/portal/")
    made = create_portal_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    yield made
    made.extensions[portal_db.ENGINE].dispose()


@pytest.fixture
def office(app: Flask, mailing: Flask) -> Client:
    """The office, logged in to the mailing portal."""
    person(mailing, "office", "stagebureau", "Pieter Jansen")
    client = Client(mount(app, mailing))
    assert log_in(client, "stagebureau") == 302
    return client


def add_host(portal: Flask, name: str = "Zorggroep Noord") -> str:
    with portal.app_context():
        session = get_session()
        host = Host(
            id=secrets.token_hex(16),
            name=name,
            sector="zorg",
            region="noord",
            contact_name="Ellen Smit",
            contact_email=CONTACT,
            created_on=dt.date.today(),
        )
        session.add(host)
        session.commit()
        return host.id


def invite(office: Client, mailbox: Mailbox, host_id: str, address: str = CONTACT) -> str:
    """Invite the address as the office; return the link's path from the mail."""
    response = office.post("/portal/office/invite", data={"host": host_id, "email": address})
    assert response.status_code == 200 and "gemaild naar" in response.get_data(as_text=True)
    mail = mailbox.wait(len(mailbox.received))[-1]
    assert mail["To"] == address.lower() and mail["Auto-Submitted"] == "auto-generated"
    found = LINK.search(mail.get_content())
    assert found
    return "/portal" + found.group(1)


def every_value(portal: Flask) -> str:
    with portal.app_context():
        session = get_session()
        return repr([session.execute(select(table)).all() for table in PortalBase.metadata.sorted_tables])


def test_the_office_mails_a_link_that_logs_the_host_contact_in_once(
    app: Flask, mailing: Flask, office: Client, mailbox: Mailbox
) -> None:
    host_id = add_host(mailing)
    form = office.get(f"/portal/office/invite?host={host_id}").get_data(as_text=True)
    assert f'<option value="{host_id}" selected>Zorggroep Noord</option>' in form and f'value="{CONTACT}"' in form
    link = invite(office, mailbox, host_id)
    contact = Client(mount(app, mailing))
    for _ in range(2):  # a mail scanner that fetches the link uses nothing up
        page = contact.get(link)
        assert page.status_code == 200 and "contactpersoon van Zorggroep Noord" in page.get_data(as_text=True)
    assert contact.post(link).headers["Location"] == "/portal/"
    assert 'data-role="host"' in contact.get("/portal/").get_data(as_text=True)
    with mailing.app_context():
        (user,) = get_session().scalars(select(User).where(User.role == "host"))
        assert (user.host_id, user.email, user.name) == (host_id, CONTACT, "Ellen Smit")
    late = Client(mount(app, mailing))
    assert late.post(link).status_code == 410 and late.get(link).status_code == 410
    assert late.get("/portal/").status_code == 302


def test_only_the_hash_of_the_secret_is_stored(mailing: Flask, office: Client, mailbox: Mailbox) -> None:
    link = invite(office, mailbox, add_host(mailing))
    secret = link.rsplit("/", 1)[1]
    assert secret not in every_value(mailing)
    with mailing.app_context():
        (invitation,) = get_session().scalars(select(Invitation))
        assert invitation.secret_hash == hashlib.sha256(secret.encode()).hexdigest()


def test_an_expired_or_unknown_link_logs_nobody_in(
    app: Flask, mailing: Flask, office: Client, mailbox: Mailbox
) -> None:
    link = invite(office, mailbox, add_host(mailing))
    with mailing.app_context():
        session = get_session()
        (invitation,) = session.scalars(select(Invitation))
        invitation.expires_at = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=1)
        session.commit()
    contact = Client(mount(app, mailing))
    for path in (link, "/portal/invite/" + secrets.token_urlsafe(32), "/portal/invite/short"):
        assert contact.get(path).status_code == 410
        refused = contact.post(path)
        assert refused.status_code == 410 and "Deze link werkt niet meer" in refused.get_data(as_text=True)
    assert contact.get("/portal/").status_code == 302


def test_links_last_the_configured_hours(mailing: Flask, office: Client, mailbox: Mailbox) -> None:
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    invite(office, mailbox, add_host(mailing))
    with mailing.app_context():
        (invitation,) = get_session().scalars(select(Invitation))
        lasts = invitation.expires_at - before
    assert dt.timedelta(hours=72) <= lasts < dt.timedelta(hours=72, minutes=1)


def test_without_a_mail_server_the_office_sees_the_link_to_pass_on(app: Flask, portal: Flask, both: Client) -> None:
    host_id = add_host(portal)
    person(portal, "office", "stagebureau", "Pieter Jansen")
    log_in(both, "stagebureau")
    page = both.post("/portal/office/invite", data={"host": host_id, "email": CONTACT}).get_data(as_text=True)
    shown = SHOWN.search(page)
    assert shown and "geen mailserver" in page
    contact = Client(mount(app, portal))
    assert contact.post("/portal" + shown.group(1)).status_code == 302
    assert 'data-role="host"' in contact.get("/portal/").get_data(as_text=True)


def test_asking_for_a_new_link_answers_the_same_for_a_known_and_an_unknown_address(
    app: Flask, mailing: Flask, office: Client, mailbox: Mailbox
) -> None:
    link = invite(office, mailbox, add_host(mailing))
    assert Client(mount(app, mailing)).post(link).status_code == 302  # now a known host contact
    asker = Client(mount(app, mailing))
    form = asker.get("/portal/invite/new").get_data(as_text=True)
    assert 'name="email"' in form
    empty = asker.post("/portal/invite/new", data={"email": ""})
    assert empty.status_code == 422 and 'href="#email"' in empty.get_data(as_text=True)
    answers = [asker.post("/portal/invite/new", data={"email": a}) for a in ("niemand@elders.example", CONTACT)]
    assert [a.status_code for a in answers] == [200, 200]
    bodies = [a.get_data(as_text=True) for a in answers]
    assert bodies[0] == bodies[1] and "Als dit adres bij ons bekend is" in bodies[0]
    mails = mailbox.wait(2)
    assert len(mails) == 2 and mails[1]["To"] == CONTACT
    found = LINK.search(mails[1].get_content())
    assert found
    again = Client(mount(app, mailing))
    assert again.post("/portal" + found.group(1)).status_code == 302
    assert 'data-role="host"' in again.get("/portal/").get_data(as_text=True)


def test_a_new_link_is_sent_at_most_once_in_a_few_minutes(app: Flask, mailing: Flask, mailbox: Mailbox) -> None:
    host_id = add_host(mailing)
    person(mailing, "office", "stagebureau", "Pieter Jansen")
    with mailing.app_context():
        session = get_session()
        by = session.scalars(select(User)).one().id
        session.add(
            Invitation(
                id=secrets.token_hex(16),
                secret_hash="0" * 64,
                email=CONTACT,
                host_id=host_id,
                created_by=by,
                expires_at=dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=1),
            )
        )
        session.commit()
    asker = Client(mount(app, mailing))
    for _ in range(3):
        assert asker.post("/portal/invite/new", data={"email": CONTACT}).status_code == 200
    time.sleep(0.3)
    assert len(mailbox.wait(1)) == 1  # an expired, unused invitation counts as known; the flood does not


@pytest.mark.parametrize("role", ["student", "supervisor", "host"])
def test_only_the_office_invites(portal: Flask, both: Client, role: str) -> None:
    host_id = add_host(portal)
    assert both.get("/portal/office/invite").headers["Location"] == "/portal/login?next=/office/invite"
    log_in(both, person(portal, role, f"iemand-{role}", "Iemand"))
    assert both.get("/portal/office/invite").status_code == 403
    assert both.post("/portal/office/invite", data={"host": host_id, "email": CONTACT}).status_code == 403
    with portal.app_context():
        assert get_session().scalars(select(Invitation)).all() == []


def test_the_office_form_keeps_what_was_typed_and_links_each_error(portal: Flask, both: Client) -> None:
    add_host(portal)
    log_in(both, person(portal, "office", "stagebureau", "Pieter Jansen"))
    response = both.post("/portal/office/invite", data={"host": "", "email": "ellen at zorggroep"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'href="#host"' in page and 'href="#email"' in page
    assert 'value="ellen at zorggroep"' in page


def test_mail_without_a_portal_address_stops_the_portal(portal: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_SMTP_HOST", "smtp.example.nl")
    monkeypatch.setenv("HOTLINE_MAIL_FROM", "stages@example.nl")
    with pytest.raises(PortalConfigError, match="HOTLINE_PORTAL_BASE_URL must be set when HOTLINE_SMTP_HOST is"):
        create_portal_app({"TESTING": True})
