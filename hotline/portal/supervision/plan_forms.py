"""The plan pages' words and forms: labels in the page's language, dates as people write them, the office's form."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from hotline.i18n import gettext as _
from hotline.i18n import label
from hotline.portal.accounts.models import User
from hotline.portal.db import get_session
from hotline.portal.extensions import catalogue, norms
from hotline.portal.supervision import plans

DATE_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
HOURS = re.compile(r"\d{1,2}([.,]\d)?")


def read_date(form: dict[str, str], name: str, errors: dict[str, str]) -> dt.date | None:
    """Read 1-2-2027 or 2027-02-01 from a field; note an error when it is empty or unreadable."""
    text = form.get(name, "").strip()
    try:
        if found := DATE_DMY.fullmatch(text):
            return dt.date(int(found[3]), int(found[2]), int(found[1]))
        return dt.date.fromisoformat(text)
    except ValueError:
        errors[name] = _("Schrijf een datum als 1-2-2027.")
        return None


def minimum() -> int:
    return int(norms().figure("contact_moments").value)


def kind_labels() -> dict[str, str]:
    return {
        "start": _("Startgesprek"),
        "middle": _("Tussengesprek"),
        "end": _("Eindgesprek"),
        "extra": _("Extra gesprek"),
        "return_day": _("Terugkomdag"),
    }


def form_labels() -> dict[str, str]:
    return {"individual": _("Individueel"), "group": _("In een groep"), "host": _("Met de stagebieder erbij")}


def signal_names() -> dict[str, str]:
    return {
        "hours_agreement": _("Meer uren dan afgesproken"),
        "hours_law": _("Meer uren dan de wet toestaat"),
        "no_supervision": _("Geen begeleiding op de werkplek"),
        "tasks_off": _("Taken passen niet bij de leerdoelen"),
        "unsafe": _("Voelt zich niet veilig"),
        "missed_checkin": _("Check-in gemist"),
        "moment_overdue": _("Contactmoment te laat"),
    }


def people(role: str) -> list[User]:
    query = select(User).where(User.role == role, User.active.is_(True)).order_by(User.name)
    return list(get_session().scalars(query))


def programmes() -> dict[str, str]:
    return {code: label(p.name) for code, p in catalogue().programmes.items()}


def read_placement(form: dict[str, str]) -> tuple[plans.PlacementFields | None, dict[str, str]]:
    """Read the office's placement form into fields, with the errors of what is missing or unreadable."""
    errors: dict[str, str] = {}
    session = get_session()
    student = session.get(User, form.get("student_id", ""))
    if student is None or student.role != "student":
        errors["student_id"] = _("Kies een student.")
    supervisor = session.get(User, form.get("supervisor_id", "")) if form.get("supervisor_id") else None
    if form.get("supervisor_id") and (supervisor is None or supervisor.role != "supervisor"):
        errors["supervisor_id"] = _("Kies een stagedocent.")
    if form.get("programme") not in catalogue().programmes:
        errors["programme"] = _("Kies een opleiding.")
    if not form.get("host_name", "").strip():
        errors["host_name"] = _("Schrijf de naam van de stagebieder.")
    start, end = read_date(form, "start", errors), read_date(form, "end", errors)
    if start and end and end <= start:
        errors["end"] = _("De einddatum ligt na de begindatum.")
    hours = form.get("hours", "").strip()
    if not HOURS.fullmatch(hours) or not 0 < float(hours.replace(",", ".")) <= 60:
        errors["hours"] = _("Schrijf de uren per week als een getal, zoals 32.")
    if not form.get("goals", "").strip():
        errors["goals"] = _("Schrijf de leerdoelen op.")
    if errors or start is None or end is None:
        return None, errors
    fields = plans.PlacementFields(
        student_id=form["student_id"],
        supervisor_id=supervisor.id if supervisor else None,
        programme=form["programme"],
        host_name=form["host_name"].strip(),
        start=start,
        end=end,
        hours_per_week=round(float(hours.replace(",", ".")) * 60),
        learning_goals=form["goals"].strip(),
    )
    return fields, {}
