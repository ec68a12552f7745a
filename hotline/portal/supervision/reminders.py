"""Reminder mails, run daily from cron (`hotline portal remind`): check-ins due, overdue moments, open signals.

A mail holds counts and a link to the portal only: never a note, a summary, a signal's kind or a student's name,
because a mailbox may be read by others and mail is kept for years.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from hotline.portal import mail
from hotline.portal.accounts.models import User
from hotline.portal.supervision.models import CheckIn, ContactMoment, Placement, Signal

SUBJECT = "Stageportaal: herinnering / reminder"
STUDENT_BODY = """\
Hallo {name},

Check-ins over je stage die op je wachten: {checkins}. Elke check-in kost
minder dan een minuut: {link}

--

Hello {name},

Check-ins about your internship waiting for you: {checkins}. Each takes
less than a minute: {link}
"""
SUPERVISOR_BODY = """\
Hallo {name},

In het stageportaal wacht er werk op je:
- contactmomenten over tijd: {moments}
- signalen nog niet afgehandeld: {signals}

Bekijk ze hier: {link}

--

Hello {name},

Work is waiting for you in the internship portal:
- contact moments overdue: {moments}
- signals not yet handled: {signals}

See them here: {link}
"""


@dataclass(frozen=True)
class Reminder:
    """Who gets a reminder, and the counts it carries (checkins for a student; moments and signals for a supervisor)."""

    username: str
    name: str
    email: str
    role: str
    checkins: int = 0
    moments: int = 0
    signals: int = 0


def _counts(session: Session, query: Select[Any, int]) -> Counter[str]:
    return Counter({user_id: count for user_id, count in session.execute(query) if user_id})


def due(session: Session, today: dt.date) -> list[Reminder]:
    """Return a reminder for every active person with an e-mail address and something due, students first."""
    checkins = _counts(
        session,
        select(Placement.student_id, func.count(CheckIn.id))
        .join(CheckIn, CheckIn.placement_id == Placement.id)
        .where(CheckIn.due_on <= today, CheckIn.answered_on.is_(None), Placement.end >= today)
        .group_by(Placement.student_id),
    )
    moments = _counts(
        session,
        select(Placement.supervisor_id, func.count(ContactMoment.id))
        .join(ContactMoment, ContactMoment.placement_id == Placement.id)
        .where(ContactMoment.planned_on < today, ContactMoment.held_on.is_(None))
        .group_by(Placement.supervisor_id),
    )
    signals = _counts(
        session,
        select(Placement.supervisor_id, func.count(Signal.id))
        .join(Signal, Signal.placement_id == Placement.id)
        .where(Signal.handled_on.is_(None))
        .group_by(Placement.supervisor_id),
    )
    wanted = set(checkins) | set(moments) | set(signals)
    people = session.scalars(select(User).where(User.id.in_(wanted), User.active.is_(True), User.email.is_not(None)))
    found = []
    for user in people:
        if user.role == "student" and checkins[user.id]:
            found.append(Reminder(user.username or user.id, user.name, user.email or "", "student", checkins[user.id]))
        elif user.role == "supervisor" and (moments[user.id] or signals[user.id]):
            found.append(
                Reminder(
                    user.username or user.id,
                    user.name,
                    user.email or "",
                    "supervisor",
                    moments=moments[user.id],
                    signals=signals[user.id],
                )
            )
    return sorted(found, key=lambda r: (r.role != "student", r.username))


def compose(settings: mail.MailSettings, reminder: Reminder, link: str) -> EmailMessage:
    """Write one reminder: bilingual, counts and a link only."""
    if reminder.role == "student":
        body = STUDENT_BODY.format(name=reminder.name, checkins=reminder.checkins, link=link)
    else:
        body = SUPERVISOR_BODY.format(name=reminder.name, moments=reminder.moments, signals=reminder.signals, link=link)
    return mail.compose(settings, reminder.email, SUBJECT, body)


def send(settings: mail.MailSettings, reminders: list[Reminder], link: str) -> set[str]:
    """Send every reminder; return the addresses the server refused, so one bad address stops no one else's mail."""
    refused = set()
    for reminder in reminders:
        try:
            mail.send(settings, compose(settings, reminder, link))
        except mail.MailError:
            refused.add(reminder.email)
    return refused
