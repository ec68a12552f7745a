"""Mail handlers how many new and overdue cases wait for them: the counts and a login link, never a case."""

from __future__ import annotations

import datetime as dt
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

from sqlalchemy import case as when
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline import inbox
from hotline.accounts import EMAIL_RE
from hotline.models import Case, CaseRoute, Handler, HandlerDestination

TIMEOUT = 30  # seconds per SMTP step: a server that hangs must not hold up cron for ever
SUBJECT = "Meldpunt Stages: meldingen wachten op je / cases are waiting for you"
# Fixed and bilingual, and on purpose without anything of a case: a mailbox is not end-to-end encrypted.
# ASCII in lines under 78 characters, so the mail goes as plain 7bit text that any client shows.
BODY = """\
Hallo,

In Meldpunt Stages wachten meldingen op je:

  nieuw:    {new}
  te laat:  {overdue}

Log in om ze te bekijken: {login}

Deze e-mail zegt bewust niets over de meldingen zelf. Je krijgt hem omdat je
behandelaar bent bij Meldpunt Stages.

--

Hello,

Cases are waiting for you in Meldpunt Stages:

  new:      {new}
  overdue:  {overdue}

Log in to read them: {login}

This e-mail deliberately says nothing about the cases themselves. You
receive it because you are a handler at Meldpunt Stages.
"""


class NotifyError(Exception):
    """The mail settings are incomplete or the mail server failed; the message holds no secret."""


@dataclass(frozen=True)
class MailSettings:
    """How to reach the mail server, and what the mail says it is from and links to."""

    host: str
    port: int
    username: str | None
    password: str | None
    starttls: bool
    sender: str
    base_url: str

    @property
    def login_url(self) -> str:
        return f"{self.base_url}/casework/login"


@dataclass(frozen=True)
class Tally:
    """What one handler is told: their new and overdue cases, over all their destinations."""

    username: str
    email: str
    new: int
    overdue: int

    @property
    def waiting(self) -> bool:
        """Tell whether there is anything to mail about."""
        return self.new > 0 or self.overdue > 0


def mail_settings(config: Mapping[str, Any]) -> MailSettings | None:
    """Return the mail settings, or None when notification is off; raise NotifyError when they are incomplete."""
    if not config.get("SMTP_HOST"):
        return None
    missing = [f"HOTLINE_{key}" for key in ("MAIL_FROM", "BASE_URL") if not config.get(key)]
    if missing:
        raise NotifyError(f"{' and '.join(missing)} must be set when HOTLINE_SMTP_HOST is")
    sender = str(config["MAIL_FROM"])
    if "\r" in sender or "\n" in sender or not EMAIL_RE.fullmatch(parseaddr(sender)[1]):
        raise NotifyError("HOTLINE_MAIL_FROM must be an e-mail address, optionally with a name: Name <address>")
    base_url = str(config["BASE_URL"]).rstrip("/")
    if not base_url.startswith(("https://", "http://")):
        raise NotifyError("HOTLINE_BASE_URL must start with https://")
    return MailSettings(
        host=str(config["SMTP_HOST"]),
        port=int(config["SMTP_PORT"]),
        username=config.get("SMTP_USERNAME") or None,
        password=config.get("SMTP_PASSWORD") or None,
        starttls=bool(config["SMTP_STARTTLS"]),
        sender=sender,
        base_url=base_url,
    )


def counts(session: Session, today: dt.date) -> dict[str, tuple[int, int]]:
    """Count each handler's new and overdue cases, as their inboxes group them, in one query.

    A case routed to two of a handler's destinations counts once.
    """
    columns = [func.count(func.distinct(when((inbox.condition(g, today), Case.id)))) for g in ("new", "overdue")]
    query = (
        select(HandlerDestination.handler_id, *columns)
        .join(CaseRoute, CaseRoute.destination_id == HandlerDestination.destination_id)
        .join(Case, Case.id == CaseRoute.case_id)
        .group_by(HandlerDestination.handler_id)
    )
    return {row[0]: (int(row[1]), int(row[2])) for row in session.execute(query)}


def tallies(session: Session, today: dt.date) -> list[Tally]:
    """Return a tally for every active, enrolled handler with an e-mail address, by username."""
    query = (
        select(Handler.id, Handler.username, Handler.email)
        .where(Handler.role == "handler", Handler.active.is_(True), Handler.enrolled.is_(True))
        .where(Handler.email.is_not(None), Handler.email != "")
        .order_by(Handler.username)
    )
    found = counts(session, today)
    rows = session.execute(query).all()
    return [Tally(username, email or "", *found.get(handler_id, (0, 0))) for handler_id, username, email in rows]


def compose(mail: MailSettings, tally: Tally) -> EmailMessage:
    """Write the mail for one handler: the two counts and the login link."""
    message = EmailMessage()
    message["Subject"] = SUBJECT
    message["From"] = mail.sender
    message["To"] = tally.email
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=parseaddr(mail.sender)[1].rpartition("@")[2] or "localhost")
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies, please
    message.set_content(BODY.format(new=tally.new, overdue=tally.overdue, login=mail.login_url))
    return message


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


def send(mail: MailSettings, messages: Sequence[EmailMessage]) -> set[str]:
    """Send the messages over one connection; return the addresses the server refused."""
    if not messages:
        return set()
    refused: set[str] = set()
    try:
        with smtplib.SMTP(mail.host, mail.port, timeout=TIMEOUT) as smtp:
            if mail.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if mail.username:
                smtp.login(mail.username, mail.password or "")
            for message in messages:
                try:
                    smtp.send_message(message, to_addrs=[message["To"]])  # never addresses read from other headers
                except smtplib.SMTPRecipientsRefused:
                    refused.add(message["To"])
    except (smtplib.SMTPException, OSError) as exc:
        raise NotifyError(f"could not send mail through {mail.host}:{mail.port}: {reason(exc)}") from exc
    return refused
