"""`hotline notify` mails handlers how many cases are new or overdue, through a real local SMTP server: nothing more."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import re
import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword
from aiosmtpd.smtp import Session as SMTPSession
from click.testing import Result
from conftest import REPORT, Account, Clock, DemoMaterial, add_listed_key, file_report, log_in, make_account
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline import notify
from hotline.models import Case, Destination, Handler, HandlerDestination

Runner = Callable[..., Result]
CANARY = "KANARIE-7f3a9c-nooit-in-een-mail"
CASE_ID = re.compile(r"[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}")
SENDER = "meldpunt@example.nl"
SMTP_USER, SMTP_PASSWORD = "meldpunt", "geheim-smtp-wachtwoord-1234"


@dataclass
class Mailbox:
    """The aiosmtpd handler: keeps what arrives, refuses the addresses it is told to."""

    received: list[Envelope] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    logins: list[bytes] = field(default_factory=list)

    async def handle_RCPT(
        self, server: SMTP, session: SMTPSession, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: SMTPSession, envelope: Envelope) -> str:
        self.received.append(envelope)
        return "250 OK"

    def authenticate(
        self, server: SMTP, session: SMTPSession, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.logins.append(data.login)
        ok = (data.login, data.password) == (SMTP_USER.encode(), SMTP_PASSWORD.encode())
        return AuthResult(success=ok, handled=False)  # not handled: the server answers 535 itself

    def text(self, index: int = 0) -> str:
        """Return one received mail, headers and body, as text."""
        content = self.received[index].content
        assert isinstance(content, bytes)
        return content.decode("utf-8")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start(mailbox: Mailbox, port: int, **options: Any) -> Controller:
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    return controller


@pytest.fixture
def mailbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    """A local SMTP server without TLS, and the settings that send `hotline notify` there."""
    mailbox, port = Mailbox(), free_port()
    controller = start(mailbox, port)
    mail_settings(monkeypatch, port, smtp_starttls="false")
    yield mailbox
    controller.stop()


def mail_settings(monkeypatch: pytest.MonkeyPatch, port: int, **values: str) -> None:
    settings = {"smtp_host": "127.0.0.1", "smtp_port": str(port), "mail_from": SENDER}
    settings["base_url"] = "https://meldpunt.example.nl/"
    for key, value in (settings | values).items():
        monkeypatch.setenv(f"HOTLINE_{key.upper()}", value)


def handler(
    app: Flask,
    session: Any,
    material: DemoMaterial,
    username: str,
    slug: str = "hbo-ict",
    *,
    address: str | None = "",
    enrolled: bool = True,
    active: bool = True,
) -> Handler:
    """Make a handler of one destination; by default enrolled, active and with an e-mail address."""
    key = add_listed_key(Path(app.config["KEYS_DIR"]), material, slug, f"Behandelaar {username}")  # one key each
    account = make_account(app, username, destinations=(slug,), kid=key.kid)
    found = session.get(Handler, account.id)
    found.email = f"{username}@example.nl" if address == "" else address
    found.enrolled, found.active = enrolled, active
    session.commit()
    return found


def make_overdue(session: Any, case_id: str) -> None:
    found = session.get(Case, case_id)
    found.ack_due = dt.date.today() - dt.timedelta(days=1)
    session.commit()


def new_cases(client: FlaskClient, session: Any, count: int, **fields: Any) -> list[str]:
    """File reports and return the new case ids."""
    before = set(session.scalars(select(Case.id)))
    for _number in range(count):
        file_report(client, description=f"{REPORT['description']} {CANARY}", **fields)
    session.expire_all()
    return sorted(set(session.scalars(select(Case.id))) - before)


def one_error(result: Result, text: str) -> None:
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert lines[-1].startswith("hotline: error: ") and text in lines[-1], result.output


def test_a_handler_is_mailed_the_counts_and_the_login_link(
    app: Flask, client: FlaskClient, session: Any, runner: Runner, material: DemoMaterial, mailbox: Mailbox
) -> None:
    handler(app, session, material, "sam")
    first, _second, third = new_cases(client, session, 3)
    make_overdue(session, first)
    make_overdue(session, third)
    result = runner("notify")
    assert result.exit_code == 0, result.output
    assert result.output == "sam: 1 new, 2 overdue, mailed\n"
    (envelope,) = mailbox.received
    assert envelope.mail_from == SENDER and envelope.rcpt_tos == ["sam@example.nl"]
    message = email.message_from_string(mailbox.text(), policy=email.policy.default)
    assert message["To"] == "sam@example.nl" and message["Auto-Submitted"] == "auto-generated"
    assert message["Content-Transfer-Encoding"] == "7bit"  # the raw bytes are the text, as the tests below read it
    body = message.get_body().get_content()
    assert "nieuw:    1" in body and "te laat:  2" in body and "new:      1" in body and "overdue:  2" in body
    assert body.count("https://meldpunt.example.nl/casework/login") == 2


def test_the_mail_holds_nothing_of_a_case(
    app: Flask, client: FlaskClient, session: Any, runner: Runner, material: DemoMaterial, mailbox: Mailbox
) -> None:
    handler(app, session, material, "sam")
    handler(app, session, material, "lou", "vertrouwenspersoon")
    ids = new_cases(client, session, 2) + new_cases(client, session, 1, category="harassment.sexual")
    assert runner("notify").exit_code == 0
    assert len(mailbox.received) == 2
    for index in range(2):
        raw = mailbox.text(index)
        assert not CASE_ID.search(raw) and not any(case_id in raw for case_id in ids)
        for secret in (CANARY, "hbo-ict", "HBO-ICT", "vertrouwenspersoon", "discrimination", "harassment", "origin"):
            assert secret.lower() not in raw.lower(), secret
        for label in ("Afkomst", "Seksuele intimidatie", "Vertrouwenspersoon studenten", "Test sam", "Test lou"):
            assert label not in raw, label


def test_only_active_enrolled_handlers_with_an_address_and_waiting_cases_get_mail(
    app: Flask, client: FlaskClient, session: Any, runner: Runner, material: DemoMaterial, mailbox: Mailbox
) -> None:
    handler(app, session, material, "busy")
    handler(app, session, material, "silent", address=None)
    handler(app, session, material, "gone", active=False)
    handler(app, session, material, "fresh", enrolled=False)
    handler(app, session, material, "idle", "verpleegkunde")
    make_account(app, "adm-jansen", role="admin")
    new_cases(client, session, 1)
    result = runner("notify")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["busy: 1 new, 0 overdue, mailed", "idle: 0 new, 0 overdue, skipped"]
    assert [envelope.rcpt_tos for envelope in mailbox.received] == [["busy@example.nl"]]


def test_a_case_routed_to_two_of_a_handlers_destinations_counts_once(
    app: Flask, client: FlaskClient, session: Any, material: DemoMaterial
) -> None:
    sam = handler(app, session, material, "sam")
    diversity = session.scalars(select(Destination).where(Destination.slug == "diversiteit")).one()
    session.add(HandlerDestination(handler_id=sam.id, destination_id=diversity.id))
    session.commit()
    (case_id,) = new_cases(client, session, 1, destinations="diversiteit")
    assert {route.destination.slug for route in session.get(Case, case_id).routes} == {"hbo-ict", "diversiteit"}
    assert notify.tallies(session, dt.date.today()) == [notify.Tally("sam", "sam@example.nl", 1, 0)]


def test_closed_and_acknowledged_cases_are_not_counted(
    app: Flask, client: FlaskClient, session: Any, material: DemoMaterial
) -> None:
    handler(app, session, material, "sam")
    closed, acknowledged, late = new_cases(client, session, 3)
    session.get(Case, closed).status = "closed"
    session.get(Case, acknowledged).acknowledged_on = dt.date.today()
    session.get(Case, late).feedback_due = dt.date.today() - dt.timedelta(days=1)
    session.commit()
    assert notify.tallies(session, dt.date.today()) == [notify.Tally("sam", "sam@example.nl", 0, 1)]


def test_dry_run_sends_nothing(
    app: Flask, client: FlaskClient, session: Any, runner: Runner, material: DemoMaterial, mailbox: Mailbox
) -> None:
    handler(app, session, material, "sam")
    new_cases(client, session, 1)
    result = runner("notify", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output == "sam: 1 new, 0 overdue, would mail\ndry run: nothing was sent\n"
    assert mailbox.received == []


def test_notification_is_off_without_an_smtp_host(runner: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_SMTP_HOST", "")  # empty, as in a copied .env.example: unset
    result = runner("notify")
    assert result.exit_code == 0 and result.output == "notification is off: HOTLINE_SMTP_HOST is not set\n"


@pytest.mark.parametrize(
    ("values", "text"),
    [
        ({"mail_from": ""}, "HOTLINE_MAIL_FROM must be set when HOTLINE_SMTP_HOST is"),
        ({"mail_from": "", "base_url": ""}, "HOTLINE_MAIL_FROM and HOTLINE_BASE_URL must be set"),
        ({"base_url": "meldpunt.example.nl"}, "HOTLINE_BASE_URL must start with https://"),
        ({"mail_from": "Meldpunt Stages"}, "HOTLINE_MAIL_FROM must be an e-mail address"),
        ({"smtp_port": "submission"}, "expected a whole number"),
    ],
)
def test_incomplete_mail_settings_are_one_error(
    runner: Runner, monkeypatch: pytest.MonkeyPatch, values: dict[str, str], text: str
) -> None:
    mail_settings(monkeypatch, 2525, **values)
    one_error(runner("notify"), text)


def test_a_mail_server_that_is_down_is_one_error_without_the_password(
    app: Flask,
    client: FlaskClient,
    session: Any,
    runner: Runner,
    material: DemoMaterial,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = free_port()  # nothing listens there
    mail_settings(monkeypatch, port, smtp_starttls="false", smtp_username=SMTP_USER, smtp_password=SMTP_PASSWORD)
    handler(app, session, material, "sam")
    new_cases(client, session, 1)
    result = runner("notify")
    one_error(result, f"could not send mail through 127.0.0.1:{port}: Connection refused")
    assert len(result.output.strip().splitlines()) == 1
    assert SMTP_PASSWORD not in result.output


def test_starttls_is_required_by_default(
    app: Flask,
    client: FlaskClient,
    session: Any,
    runner: Runner,
    material: DemoMaterial,
    mailbox: Mailbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("HOTLINE_SMTP_STARTTLS")
    handler(app, session, material, "sam")
    new_cases(client, session, 1)
    one_error(runner("notify"), "STARTTLS extension not supported by server")
    assert mailbox.received == []


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
@pytest.mark.parametrize(("password", "mailed"), [(SMTP_PASSWORD, True), ("wrong-password-5678", False)])
def test_the_login_uses_the_smtp_username_and_password(
    app: Flask,
    client: FlaskClient,
    session: Any,
    runner: Runner,
    material: DemoMaterial,
    monkeypatch: pytest.MonkeyPatch,
    password: str,
    mailed: bool,
) -> None:
    mailbox, port = Mailbox(), free_port()
    controller = start(mailbox, port, authenticator=mailbox.authenticate, auth_require_tls=False)
    mail_settings(monkeypatch, port, smtp_starttls="false", smtp_username=SMTP_USER, smtp_password=password)
    handler(app, session, material, "sam")
    new_cases(client, session, 1)
    try:
        result = runner("notify")
    finally:
        controller.stop()
    assert set(mailbox.logins) == {SMTP_USER.encode()} and password not in result.output
    if mailed:
        assert result.exit_code == 0 and len(mailbox.received) == 1, result.output
    else:
        one_error(result, "the server refused the login (check HOTLINE_SMTP_USERNAME and HOTLINE_SMTP_PASSWORD)")
        assert mailbox.received == []


def self_signed(folder: Path) -> tuple[Path, Path]:
    """Write a certificate for 127.0.0.1 and its key; return their paths."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "smtp.crt", folder / "smtp.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


@pytest.mark.parametrize("trusted", [True, False])
def test_starttls_verifies_the_server_certificate(
    app: Flask,
    client: FlaskClient,
    session: Any,
    runner: Runner,
    material: DemoMaterial,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    trusted: bool,
) -> None:
    cert_file, key_file = self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    mailbox, port = Mailbox(), free_port()
    controller = start(mailbox, port, tls_context=context, require_starttls=True)
    mail_settings(monkeypatch, port, smtp_starttls="true")
    if trusted:
        monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))  # OpenSSL's default trust store, for this test
    handler(app, session, material, "sam")
    new_cases(client, session, 1)
    try:
        result = runner("notify")
    finally:
        controller.stop()
    if trusted:
        assert result.exit_code == 0 and len(mailbox.received) == 1, result.output
    else:
        one_error(result, "TLS failed: CERTIFICATE_VERIFY_FAILED")
        assert mailbox.received == []


def test_a_refused_address_does_not_stop_the_others(
    app: Flask, client: FlaskClient, session: Any, runner: Runner, material: DemoMaterial, mailbox: Mailbox
) -> None:
    handler(app, session, material, "amir")
    handler(app, session, material, "sam")
    mailbox.refuse.add("amir@example.nl")
    new_cases(client, session, 1)
    result = runner("notify")
    assert result.output.splitlines()[:2] == ["amir: 1 new, 0 overdue, refused", "sam: 1 new, 0 overdue, mailed"]
    one_error(result, "the mail server refused the address of amir")
    assert [envelope.rcpt_tos for envelope in mailbox.received] == [["sam@example.nl"]]


def add_sam(runner: Runner, material: DemoMaterial, *options: str) -> Result:
    kid = material.handlers["hbo-ict"].kid
    return runner("handler", "add", "sam", "--name", "Sam", "--destination", "hbo-ict", "--kid", kid, *options)


def test_handler_add_takes_an_email_address_and_list_shows_it(
    runner: Runner, session: Any, material: DemoMaterial
) -> None:
    result = add_sam(runner, material, "--email", " Sam@Example.nl ")
    assert result.exit_code == 0, result.output
    assert session.scalars(select(Handler.email).where(Handler.username == "sam")).one() == "Sam@Example.nl"
    listed = runner("handler", "list").output
    assert re.search(r"^sam\s+handler\s+not enrolled\s+\w{16}\s+hbo-ict\s+Sam@Example\.nl$", listed, re.M)


BAD_ADDRESSES = [
    "sam",
    "sam@",
    "@example.nl",
    "sam@@example.nl",
    "sam @example.nl",
    "sam@example.nl,eve@example.nl",
    "sam@example.nl\nBcc: eve@example.nl",
    "<sam@example.nl>",
    "s" * 244 + "@example.nl",
    "sâm@example.nl",
]


@pytest.mark.parametrize("address", BAD_ADDRESSES)
def test_handler_add_refuses_a_bad_email_address(runner: Runner, material: DemoMaterial, address: str) -> None:
    one_error(
        add_sam(runner, material, "--email", address),
        "give one e-mail address of at most 254 characters, without spaces",
    )


def test_handler_add_refuses_an_email_address_for_an_admin(runner: Runner) -> None:
    result = runner("handler", "add", "it-beheer", "--name", "IT", "--role", "admin", "--email", "it@example.nl")
    one_error(result, "an admin gets no notification mail")


def admin_form(material: DemoMaterial, **fields: Any) -> dict[str, Any]:
    form = {"username": "newcomer", "display_name": "Nora Nieuw", "role": "handler", "destinations": ["hbo-ict"]}
    return form | {"kid": material.handlers["hbo-ict"].kid} | fields


def test_admin_page_sets_an_email_address_and_lists_it(
    client: FlaskClient, clock: Clock, admin_account: Account, material: DemoMaterial, session: Any
) -> None:
    log_in(client, clock, admin_account)
    assert 'name="email"' in client.get("/admin/handlers/new").get_data(as_text=True)
    response = client.post("/admin/handlers/new", data=admin_form(material, email="nora@example.nl"))
    assert response.status_code == 201
    assert session.scalars(select(Handler.email).where(Handler.username == "newcomer")).one() == "nora@example.nl"
    assert "nora@example.nl" in client.get("/admin/").get_data(as_text=True)
    other = {"destinations": ["verpleegkunde"], "kid": material.handlers["verpleegkunde"].kid}  # one account a key
    response = client.post("/admin/handlers/new", data=admin_form(material, username="without", email="", **other))
    assert response.status_code == 201
    assert session.scalars(select(Handler.email).where(Handler.username == "without")).one() is None


@pytest.mark.parametrize("address", BAD_ADDRESSES)
def test_admin_page_refuses_a_bad_email_address_and_keeps_the_form(
    client: FlaskClient, clock: Clock, admin_account: Account, material: DemoMaterial, session: Any, address: str
) -> None:
    log_in(client, clock, admin_account)
    response = client.post("/admin/handlers/new", data=admin_form(material, email=address))
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Geef één e-mailadres van hoogstens 254 tekens, zonder spaties." in body
    assert 'value="newcomer"' in body and 'value="Nora Nieuw"' in body and 'id="email" name="email"' in body
    assert re.search(r'value="hbo-ict" id="[\w-]+"\s*checked', body)  # ui.choice: value, id, then checked
    assert session.scalars(select(Handler).where(Handler.username == "newcomer")).first() is None


def test_admin_page_refuses_an_email_address_for_an_admin(
    client: FlaskClient, clock: Clock, admin_account: Account, material: DemoMaterial
) -> None:
    log_in(client, clock, admin_account)
    form = admin_form(material, role="admin", destinations=[], kid="", email="it@example.nl")
    response = client.post("/admin/handlers/new", data=form)
    assert response.status_code == 400
    assert "Een beheerder krijgt geen e-mail over meldingen" in response.get_data(as_text=True)
