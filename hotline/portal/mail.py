"""Send the portal's few mails (a host contact's login link) through the deployment's SMTP server.

The settings are the hotline's HOTLINE_SMTP_* and HOTLINE_MAIL_FROM, read as shared deployment facts; the code
is the portal's own, so that it imports nothing of the hotline's notifications.
"""

from __future__ import annotations

import smtplib
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any

from flask import current_app, request, url_for

from hotline import smtp
from hotline.portal.config import PortalConfigError
from hotline.smtp import MailSettings

__all__ = ["EMAIL_RE", "MailError", "MailSettings", "compose", "mail_settings", "page_url", "send"]

TIMEOUT = 30  # seconds per SMTP step: a server that hangs must not hold up a page for ever
EMAIL_RE = smtp.ADDRESS


class MailError(Exception):
    """The mail server could not take the mail; the message holds no secret."""


def mail_settings(config: Mapping[str, Any]) -> MailSettings | None:
    """Return the mail settings, or None when mail is off; raise PortalConfigError when they are incomplete."""
    return smtp.settings(config, "HOTLINE_PORTAL_BASE_URL", PortalConfigError)


def compose(mail: MailSettings, to: str, subject: str, body: str) -> EmailMessage:
    """Write one plain-text mail to one address."""
    return smtp.message(mail.sender, to, subject, body)


def send(mail: MailSettings, message: EmailMessage) -> None:
    """Send one mail; raise MailError when the server fails or refuses its address."""
    try:
        with smtp.connected(mail.host, mail.port, mail.starttls, mail.username, mail.password) as server:
            smtp.send_one(server, message)
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"could not send mail through {mail.host}:{mail.port}: {smtp.reason(exc)}") from exc


def page_url(endpoint: str, **values: Any) -> str:
    """Return a page's full address: under HOTLINE_PORTAL_BASE_URL when set, never from a stranger's Host header."""
    base = current_app.config.get("BASE_URL")
    if base:
        return str(base).rstrip("/") + url_for(endpoint, **values).removeprefix(request.script_root)
    scheme = "https" if current_app.config["TLS"] else request.scheme
    return url_for(endpoint, _external=True, _scheme=scheme, **values)
