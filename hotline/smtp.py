"""Plain-text mail through the deployment's SMTP server: the few lines both sides share (hotline and portal).

The hotline mails handlers about waiting cases (notify.py); the portal mails host contacts (portal/mail.py).
Each keeps its own settings and texts; this holds only how a mail is written and how the server is reached.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

TIMEOUT = 30  # seconds per SMTP step: a server that hangs must not hold up a command or a page for ever
ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


@dataclass(frozen=True)
class MailSettings:
    """How to reach the mail server, what the mail says it is from, and the site its links go to."""

    host: str
    port: int
    username: str | None
    password: str | None = field(repr=False)  # never in a log line or traceback that prints the settings
    starttls: bool
    sender: str
    base_url: str


def settings(config: Mapping[str, Any], base_url_name: str, error: type[Exception]) -> MailSettings | None:
    """Return the mail settings, or None when mail is off (no HOTLINE_SMTP_HOST); raise `error` when incomplete.

    base_url_name is the variable that names the site the mail links to (HOTLINE_BASE_URL for the hotline,
    HOTLINE_PORTAL_BASE_URL for the portal): links are never built from a request's Host header.
    """
    if not config.get("SMTP_HOST"):
        return None
    needed = (("MAIL_FROM", "HOTLINE_MAIL_FROM"), ("BASE_URL", base_url_name))
    missing = [name for key, name in needed if not config.get(key)]
    if missing:
        raise error(f"{' and '.join(missing)} must be set when HOTLINE_SMTP_HOST is")
    sender = str(config["MAIL_FROM"])
    if "\r" in sender or "\n" in sender or not ADDRESS.fullmatch(parseaddr(sender)[1]):
        raise error("HOTLINE_MAIL_FROM must be an e-mail address, optionally with a name: Name <address>")
    base_url = str(config["BASE_URL"]).rstrip("/")
    if not base_url.startswith(("https://", "http://")):
        raise error(f"{base_url_name} must start with https://")
    return MailSettings(
        host=str(config["SMTP_HOST"]),
        port=int(config["SMTP_PORT"]),
        username=config.get("SMTP_USERNAME") or None,
        password=config.get("SMTP_PASSWORD") or None,
        starttls=bool(config["SMTP_STARTTLS"]),
        sender=sender,
        base_url=base_url,
    )


def message(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    """Write one plain-text mail to one address."""
    mail = EmailMessage()
    mail["Subject"] = subject
    mail["From"] = sender
    mail["To"] = to
    mail["Date"] = formatdate(usegmt=True)
    mail["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or "localhost")
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies, please
    mail.set_content(body)
    return mail


def reason(exc: Exception) -> str:
    """Say in a few words why the mail server failed, never with the password."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return "the server refused the login (check HOTLINE_SMTP_USERNAME and HOTLINE_SMTP_PASSWORD)"
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"the server answered {exc.smtp_code} {' '.join(text.split())[:120]}".rstrip()
    if isinstance(exc, TimeoutError):
        return f"no answer within {TIMEOUT} seconds"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed: {exc.reason or exc}"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


@contextmanager
def connected(
    host: str, port: int, starttls: bool, username: str | None, password: str | None
) -> Iterator[smtplib.SMTP]:
    """Open a connection to the server, TLS and login as set, for the block."""
    with smtplib.SMTP(host, port, timeout=TIMEOUT) as smtp:
        if starttls:
            smtp.starttls(context=ssl.create_default_context())
        if username:
            smtp.login(username, password or "")
        yield smtp


def send_one(smtp: smtplib.SMTP, mail: EmailMessage) -> None:
    """Send a mail to the one address in its To header: never to addresses read from other headers."""
    smtp.send_message(mail, to_addrs=[mail["To"]])
