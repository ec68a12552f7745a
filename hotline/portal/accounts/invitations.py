"""One-time login links for host contacts outside the institution: made by the office, or asked for again.

Only the SHA-256 hash of a link's secret is stored, so the database never holds a link that works. Opening a
link shows a button; only pressing it (a POST) uses the link up, so a mail scanner that fetches it does not.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from hotline.portal.accounts.models import User
from hotline.portal.mail import EMAIL_RE
from hotline.portal.placements.models import Host, Invitation

RESEND_MINUTES = 5  # at most one new link per address this often, so the form cannot flood a mailbox
SUBJECT = "Stageportaal: je inloglink / your login link"
# Bilingual and without anything but the host's own name: a mailbox may be read by others.
BODY = """\
Hallo,

Hier is je inloglink voor het stageportaal, voor {host}. Open hem en klik
op Inloggen. De link werkt een keer, tot {expires} (UTC):

{link}

Werkt hij niet meer? Vraag een nieuwe aan: {again}

--

Hello,

Here is your login link for the internship portal, for {host}. Open it
and press Log in. The link works once, until {expires} (UTC):

{link}

Does it no longer work? Ask for a new one: {again}
"""


class InvitationError(Exception):
    """A link is unknown, used or expired, or its host contact is switched off: it logs nobody in."""


@dataclass(frozen=True)
class Made:
    """A new link: its row, and its secret, which is never stored and shown or mailed only once."""

    invitation: Invitation
    secret: str


def now() -> dt.datetime:
    """Return the time as the invitation table keeps it: UTC, without a zone."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def normal_email(text: str) -> str | None:
    """Return the address in lower case, or None when it is not an e-mail address."""
    address = text.strip().lower()
    return address if len(address) <= 320 and EMAIL_RE.fullmatch(address) else None


def invite(session: Session, host: Host, email: str, created_by: str, hours: int, user_id: str | None = None) -> Made:
    """Make a link for the address to log in as a contact of the host."""
    secret = secrets.token_urlsafe(32)
    invitation = Invitation(
        id=secrets.token_hex(16),
        secret_hash=digest(secret),
        email=email,
        host_id=host.id,
        user_id=user_id,
        created_by=created_by,
        expires_at=now() + dt.timedelta(hours=hours),
    )
    session.add(invitation)
    session.flush()
    return Made(invitation, secret)


def usable(session: Session, secret: str) -> Invitation | None:
    """Return the invitation the secret opens when it is unused and unexpired, or None."""
    invitation = session.scalar(select(Invitation).where(Invitation.secret_hash == digest(secret)))
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= now():
        return None
    return invitation


def _contact(session: Session, email: str, host_id: str) -> User | None:
    query = select(User).where(User.role == "host", User.host_id == host_id, func.lower(User.email) == email)
    return session.scalars(query.order_by(User.created_on, User.id)).first()


def redeem(session: Session, secret: str) -> User:
    """Use the link up and return its host contact, added on first use; raise InvitationError if it cannot."""
    invitation = usable(session, secret)
    if invitation is None:
        raise InvitationError("unknown, used or expired")
    at = now()
    # One UPDATE that only an unused row passes: of two presses at once, one wins.
    taken = session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None), Invitation.expires_at > at)
        .values(used_at=at)
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult[Any], taken).rowcount != 1:
        raise InvitationError("used at the same moment")
    found = session.get(User, invitation.user_id) if invitation.user_id else None
    user = found or _contact(session, invitation.email, invitation.host_id)
    if user is None:
        host, name = session.get(Host, invitation.host_id), invitation.email
        if host is not None and host.contact_name and (host.contact_email or "").lower() == invitation.email:
            name = host.contact_name  # the office's name for this contact, rather than their address
        user = User(
            id=secrets.token_hex(16),
            role="host",
            name=name,
            email=invitation.email,
            host_id=invitation.host_id,
            active=True,
            created_on=at.date(),
        )
        session.add(user)
    elif not user.active or user.role != "host" or user.host_id != invitation.host_id:
        raise InvitationError("the host contact is switched off")
    session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id)
        .values(user_id=user.id)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return user


def renew(session: Session, email: str, hours: int) -> Made | None:
    """Make a new link for a known host contact's address; None when it is unknown or was just sent one.

    Known: an active host contact with this address, or an invitation to it that was never used.
    """
    user = session.scalars(
        select(User)
        .where(User.role == "host", User.active.is_(True), User.host_id.is_not(None))
        .where(func.lower(User.email) == email)
        .order_by(User.created_on, User.id)
    ).first()
    latest = session.scalars(
        select(Invitation).where(Invitation.email == email).order_by(Invitation.expires_at.desc())
    ).first()
    recent = now() + dt.timedelta(hours=hours, minutes=-RESEND_MINUTES)  # expires_at of one made minutes ago
    if latest is not None and latest.used_at is None and latest.expires_at > recent:
        return None
    if user is not None and user.host_id is not None:
        host_id, created_by, user_id = user.host_id, user.id, user.id
    elif latest is not None and latest.user_id is None:
        host_id, created_by, user_id = latest.host_id, latest.created_by, None
    else:
        return None
    host = session.get(Host, host_id)
    return invite(session, host, email, created_by, hours, user_id) if host is not None else None


def body(host: str, link: str, again: str, expires: dt.datetime) -> str:
    """Write the mail that carries a link."""
    return BODY.format(host=host, link=link, again=again, expires=expires.strftime("%Y-%m-%d %H:%M"))
