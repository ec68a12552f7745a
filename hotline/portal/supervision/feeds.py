"""Calendar feeds (RFC 5545): a student's or a supervisor's contact moments, return days and check-in due dates.

A feed lives behind a secret URL, because a calendar client cannot log in; only the secret's SHA-256 is stored, so
the database never holds a URL that works, and revoking the feed makes the URL answer 404. A feed carries dates,
kinds and names only: never a check-in's note or a contact moment's summary, which a synced calendar would spread.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import icalendar
from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from hotline.i18n import gettext as _
from hotline.portal.accounts.models import User
from hotline.portal.supervision.models import CheckIn, ContactMoment, Feed, Placement

ROLES = ("student", "supervisor")
SECRET_BYTES = 32  # secrets.token_urlsafe(32): 43 characters
UID_DOMAIN = "stageportaal.invalid"  # a fixed right-hand side, so a UID stays the same if the portal's host changes
PRODID = "-//Meldpunt Stages//Stageportaal//NL"


class FeedError(Exception):
    """Only students and supervisors have a calendar feed."""


@dataclass(frozen=True)
class Event:
    """One all-day event: a contact moment, a return day or a check-in due."""

    uid: str
    day: dt.date
    title: str


def now() -> dt.datetime:
    """Return the current UTC time, naive, as the feed table stores it."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def digest(secret: str) -> str:
    """Return the stored form of a feed's secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def current(session: Session, user: User) -> Feed | None:
    """Return the user's feed that still works, if any."""
    return session.scalars(select(Feed).where(Feed.user_id == user.id, Feed.revoked_at.is_(None))).first()


def revoke(session: Session, user: User) -> bool:
    """Switch off the user's feed: its URL answers 404 from now on; say whether there was one."""
    result = session.execute(
        update(Feed).where(Feed.user_id == user.id, Feed.revoked_at.is_(None)).values(revoked_at=now())
    )
    return bool(getattr(result, "rowcount", 0))


def make(session: Session, user: User) -> str:
    """Give the user a new feed, revoking the old one; return its secret, which is shown once and never stored."""
    if user.role not in ROLES:
        raise FeedError(f"a {user.role} has no calendar feed")
    revoke(session, user)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    feed = Feed(id=secrets.token_hex(16), user_id=user.id, secret_hash=digest(secret), created_at=now())
    session.add(feed)
    session.flush()
    return secret


def owner(session: Session, secret: str) -> User | None:
    """Return the active student or supervisor whose working feed this secret opens, else None."""
    feed = session.scalars(select(Feed).where(Feed.secret_hash == digest(secret), Feed.revoked_at.is_(None))).first()
    if feed is None:
        return None
    user = session.get(User, feed.user_id)
    return user if user is not None and user.active and user.role in ROLES else None


def _mine(user: User) -> ColumnElement[bool]:
    return Placement.student_id == user.id if user.role == "student" else Placement.supervisor_id == user.id


def moment_title(kind: str) -> str:
    """Return what a contact moment of this kind is called in a calendar."""
    titles = {
        "start": _("Startgesprek stage"),
        "middle": _("Tussentijds gesprek stage"),
        "end": _("Eindgesprek stage"),
        "extra": _("Extra gesprek stage"),
        "return_day": _("Terugkomdag"),
    }
    return titles.get(kind, _("Contactmoment stage"))


def events(session: Session, user: User) -> list[Event]:
    """Return the user's events: their placements' contact moments and the check-ins not yet answered."""
    mine = _mine(user)
    found: list[Event] = []
    moments = session.execute(
        select(ContactMoment.id, ContactMoment.kind, ContactMoment.planned_on, User.name, Placement.host_name)
        .join(Placement, ContactMoment.placement_id == Placement.id)
        .join(User, Placement.student_id == User.id)
        .where(mine)
    )
    for moment_id, kind, day, student, host in moments:
        title = moment_title(kind) + (f": {student}" if user.role == "supervisor" else f" ({host})")
        found.append(Event(f"moment-{moment_id}@{UID_DOMAIN}", day, title))
    checkins = session.execute(
        select(CheckIn.id, CheckIn.due_on, User.name)
        .join(Placement, CheckIn.placement_id == Placement.id)
        .join(User, Placement.student_id == User.id)
        .where(mine, CheckIn.answered_on.is_(None))
    )
    for checkin_id, day, student in checkins:
        title = _("Check-in stage") + (f": {student}" if user.role == "supervisor" else "")
        found.append(Event(f"checkin-{checkin_id}@{UID_DOMAIN}", day, title))
    return sorted(found, key=lambda event: (event.day, event.uid))


def calendar(found: list[Event], name: str, link: str, stamp: dt.datetime) -> bytes:
    """Write the events as one iCalendar object; every event carries the one DTSTAMP of this refresh."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    stamped = stamp.replace(tzinfo=dt.UTC)
    for event in found:
        item = icalendar.Event()
        item.add("uid", event.uid)
        item.add("dtstamp", stamped)
        item.add("dtstart", event.day)
        item.add("dtend", event.day + dt.timedelta(days=1))
        item.add("summary", event.title)
        item.add("transp", "TRANSPARENT")  # an all-day reminder; it does not make the day busy
        item.add("url", link)
        cal.add_component(item)
    written: bytes = cal.to_ical()
    return written
