"""Mail handlers how many new and overdue cases wait for them: the counts and a login link, never a case."""

from __future__ import annotations

import datetime as dt
import smtplib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from sqlalchemy import case as when
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline import inbox, smtp
from hotline.models import Case, CaseRoute, Handler, HandlerDestination
from hotline.smtp import MailSettings

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


def login_url(mail: MailSettings) -> str:
    """Return where a handler logs in, on the site the settings name."""
    return f"{mail.base_url}/casework/login"


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
    return smtp.settings(config, "HOTLINE_BASE_URL", NotifyError)


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
    text = BODY.format(new=tally.new, overdue=tally.overdue, login=login_url(mail))
    return smtp.message(mail.sender, tally.email, SUBJECT, text)


def send(mail: MailSettings, messages: Sequence[EmailMessage]) -> set[str]:
    """Send the messages over one connection; return the addresses the server refused."""
    if not messages:
        return set()
    refused: set[str] = set()
    try:
        with smtp.connected(mail.host, mail.port, mail.starttls, mail.username, mail.password) as server:
            for message in messages:
                try:
                    smtp.send_one(server, message)
                except smtplib.SMTPRecipientsRefused:
                    refused.add(message["To"])
    except (smtplib.SMTPException, OSError) as exc:
        raise NotifyError(f"could not send mail through {mail.host}:{mail.port}: {smtp.reason(exc)}") from exc
    return refused
