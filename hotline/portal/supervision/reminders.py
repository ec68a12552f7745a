"""Reminder mails, run daily from cron (`hotline portal remind`): check-ins due, overdue moments, open signals.

A mail holds counts and a link to the portal only: never a note, a summary, a signal's kind or a student's name,
because a mailbox may be read by others and mail is kept for years.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from hotline.portal import mail
from hotline.portal.accounts.models import User
from hotline.portal.supervision.models import CheckIn, ContactMoment, Placement, ReminderSent, Signal

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
    user_id: str = ""
    checkins: int = 0
    moments: int = 0
    signals: int = 0


def _counts(session: Session, query: Select[str | None, int, dt.date]) -> dict[str, tuple[int, dt.date]]:
    """Return, per person, how many items are open and the day the newest of them became due."""
    return {user_id: (count, newest) for user_id, count, newest in session.execute(query) if user_id}


def due(session: Session, today: dt.date, again_after_days: int) -> list[Reminder]:
    """Return a reminder for every active person with an e-mail address and something due, students first.

    A person reminded before gets one again only when something became due since (a check-in, a moment that went
    overdue, a signal) or when the last reminder is `again_after_days` old: the daily job does not nag daily.
    """
    checkins = _counts(
        session,
        select(Placement.student_id, func.count(CheckIn.id), func.max(CheckIn.due_on))
        .join(CheckIn, CheckIn.placement_id == Placement.id)
        .where(CheckIn.due_on <= today, CheckIn.answered_on.is_(None), Placement.end >= today)
        .group_by(Placement.student_id),
    )
    # A moment planned on day d is overdue from d + 1: that is the day it became due for a reminder.
    moments = _counts(
        session,
        select(Placement.supervisor_id, func.count(ContactMoment.id), func.max(ContactMoment.planned_on))
        .join(ContactMoment, ContactMoment.placement_id == Placement.id)
        .where(ContactMoment.planned_on < today, ContactMoment.held_on.is_(None))
        .group_by(Placement.supervisor_id),
    )
    moments = {user: (count, newest + dt.timedelta(days=1)) for user, (count, newest) in moments.items()}
    signals = _counts(
        session,
        select(Placement.supervisor_id, func.count(Signal.id), func.max(Signal.raised_on))
        .join(Signal, Signal.placement_id == Placement.id)
        .where(Signal.handled_on.is_(None))
        .group_by(Placement.supervisor_id),
    )
    last = {
        user_id: sent_on for user_id, sent_on in session.execute(select(ReminderSent.user_id, ReminderSent.sent_on))
    }
    wanted = set(checkins) | set(moments) | set(signals)
    people = session.scalars(select(User).where(User.id.in_(wanted), User.active.is_(True), User.email.is_not(None)))
    nothing = (0, dt.date.min)
    found = []
    for user in people:
        open_items = [checkins.get(user.id, nothing)] if user.role == "student" else []
        if user.role == "supervisor":
            open_items = [moments.get(user.id, nothing), signals.get(user.id, nothing)]
        if not any(count for count, _newest in open_items):
            continue
        sent = last.get(user.id)
        newest = max(day for _count, day in open_items)
        if sent is not None and newest <= sent and (today - sent).days < again_after_days:
            continue
        counts = (
            {"checkins": open_items[0][0]}
            if user.role == "student"
            else {"moments": open_items[0][0], "signals": open_items[1][0]}
        )
        found.append(Reminder(user.username or user.id, user.name, user.email or "", user.role, user.id, **counts))
    return sorted(found, key=lambda r: (r.role != "student", r.username))


def remember(session: Session, sent: list[Reminder], today: dt.date) -> None:
    """Note today as the day these people were reminded."""
    for reminder in sent:
        known = session.get(ReminderSent, reminder.user_id)
        if known is None:
            session.add(ReminderSent(user_id=reminder.user_id, sent_on=today))
        else:
            known.sent_on = today
    session.flush()


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
