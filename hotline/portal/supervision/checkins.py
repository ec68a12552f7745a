"""The student's check-in: reading the short form (under a minute on a phone) and saving an answer.

The note is the student's words to their supervisor: only those two read it, so it never leaves this module's
callers for a list, a mail, a feed, an export or a log line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.i18n import gettext as _
from hotline.norms_input import FieldError, parse_minutes
from hotline.portal.supervision.models import CheckIn, Placement

NOTE_LENGTH = 1000
SCALE = ("1", "2", "3", "4", "5")
# Mentions that open the hotline's door: the portal can only point there, since a report must stay anonymous.
DISCRIMINATION = ("discrimin", "racis", "seksis", "sexis", "homofob", "homophob", "transfob", "transphob")


class CheckInError(Exception):
    """This check-in cannot take an answer (already answered)."""


@dataclass(frozen=True)
class Answer:
    """A check-in as the student filled it in: minutes, yes/no and the 1-5 scales."""

    hours: int
    longest_day: int
    night_work: bool
    supervised: bool
    tasks_fit: int
    safe: int
    discuss: bool
    note: str


def minutes(text: str) -> int | None:
    """Read hours as people write them (36, 37,5, 7.5 or 37:30) into minutes; None when unreadable."""
    try:
        return parse_minutes(text.strip())
    except FieldError:
        return None


def read(form: dict[str, str]) -> tuple[Answer | None, dict[str, str]]:
    """Read the check-in form; return the answer, or None with an error per field."""
    errors: dict[str, str] = {}
    hours, longest = minutes(form.get("hours", "")), minutes(form.get("longest_day", ""))
    if hours is None or hours > 100 * 60:
        errors["hours"] = _("Schrijf de uren per week als een getal, bijvoorbeeld 36 of 37,5.")
    if longest is None or longest > 24 * 60:
        errors["longest_day"] = _("Schrijf de uren van je langste dag als een getal van 0 tot en met 24.")
    for name, message in (
        ("night_work", _("Kies ja of nee: werkte je 's nachts?")),
        ("supervised", _("Kies ja of nee: had je begeleiding op je stageplek?")),
    ):
        if form.get(name) not in ("yes", "no"):
            errors[name] = message
    if form.get("tasks_fit") not in SCALE:
        errors["tasks_fit"] = _("Kies hoe goed je taken bij je leerdoelen passen, van 1 tot en met 5.")
    if form.get("safe") not in SCALE:
        errors["safe"] = _("Kies hoe veilig je je voelt, van 1 tot en met 5.")
    note = form.get("note", "").strip()
    if len(note) > NOTE_LENGTH:
        errors["note"] = _("Schrijf hoogstens %(count)s tekens.", count=NOTE_LENGTH)
    if errors or hours is None or longest is None:
        return None, errors
    answer = Answer(
        hours=hours,
        longest_day=longest,
        night_work=form["night_work"] == "yes",
        supervised=form["supervised"] == "yes",
        tasks_fit=int(form["tasks_fit"]),
        safe=int(form["safe"]),
        discuss=form.get("discuss") == "yes",
        note=note,
    )
    return answer, {}


def mentions_discrimination(note: str) -> bool:
    """Tell whether a note speaks of discrimination (in Dutch or English), to show the hotline's door."""
    lowered = note.lower()
    return any(stem in lowered for stem in DISCRIMINATION)


def own(session: Session, student_id: str, checkin_id: str) -> CheckIn | None:
    """Return the check-in when it is this student's, else None."""
    checkin = session.get(CheckIn, checkin_id)
    return checkin if checkin is not None and checkin.placement.student_id == student_id else None


def for_student(session: Session, student_id: str, today: dt.date) -> list[CheckIn]:
    """Return the student's check-ins that are due by today, newest first."""
    return list(
        session.scalars(
            select(CheckIn)
            .join(CheckIn.placement)
            .where(Placement.student_id == student_id, CheckIn.due_on <= today)
            .order_by(CheckIn.due_on.desc())
        )
    )


def save(session: Session, checkin: CheckIn, answer: Answer, today: dt.date) -> None:
    """Store the student's answer on the check-in; raises CheckInError when it was answered before."""
    if checkin.answered_on is not None:
        raise CheckInError("already answered")
    checkin.answered_on = today
    checkin.hours, checkin.longest_day, checkin.night_work = answer.hours, answer.longest_day, answer.night_work
    checkin.supervised, checkin.tasks_fit, checkin.safe = answer.supervised, answer.tasks_fit, answer.safe
    checkin.discuss, checkin.note = answer.discuss, answer.note or None
    session.flush()
