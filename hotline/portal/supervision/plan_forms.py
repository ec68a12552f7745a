"""The plan pages' words and forms: labels in the page's language, dates as people write them, the office's form."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from hotline.i18n import gettext as _
from hotline.i18n import label
from hotline.norms import ALLOWANCE_PERIODS
from hotline.norms_input import FieldError, parse_date, parse_euros, parse_minutes
from hotline.norms_text import euros
from hotline.portal.accounts.models import User
from hotline.portal.db import get_session
from hotline.portal.extensions import catalogue, norms
from hotline.portal.placements import offer_forms
from hotline.portal.supervision import plans
from hotline.portal.supervision.models import Placement

MAX_HOURS = 60  # a week's hours the form takes; the norms engine judges what is allowed


def read_date(form: dict[str, str], name: str, errors: dict[str, str]) -> dt.date | None:
    """Read 1-2-2027 or 2027-02-01 from a field; note an error when it is empty or unreadable."""
    try:
        return parse_date(form.get(name, "").strip())
    except FieldError as error:
        errors[name] = str(error)
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


def allowance_periods() -> dict[str, str]:
    """Return what an allowance can be for, as the offer form says it."""
    return offer_forms.choices(catalogue())["allowance_period"]


def read_allowance(form: dict[str, str], errors: dict[str, str]) -> tuple[Decimal | None, str | None]:
    """Read the allowance agreed, optional: an amount with what it is for, or "none"; note an error if half given."""
    text, period = form.get("allowance", "").strip(), form.get("allowance_period", "")
    if period and period not in ALLOWANCE_PERIODS:
        errors["allowance_period"] = _("Kies waar het bedrag voor is.")
        return None, None
    if period == "none" or (not text and not period):
        return None, period or None
    try:
        amount = parse_euros(text)
    except FieldError as error:
        errors["allowance"] = str(error)
        return None, None
    if not period:
        errors["allowance_period"] = _("Kies waar het bedrag voor is.")
        return None, None
    return amount, period


def allowance_text(placement: Placement) -> str:
    """Write a placement's allowance in the page's language: the amount and what it is for, none, or not known."""
    if placement.allowance_period == "none":
        return _("geen vergoeding")
    if placement.allowance is None or placement.allowance_period is None:
        return _("Niet ingevuld")
    return f"{euros(placement.allowance)} {allowance_periods().get(placement.allowance_period, '')}".strip()


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
    try:
        minutes: int | None = parse_minutes(form.get("hours", "").strip())
    except FieldError:
        minutes = None
    if minutes is None or not 0 < minutes <= MAX_HOURS * 60:
        errors["hours"] = _("Schrijf de uren per week als een getal, zoals 32 of 37,5.")
    if not form.get("goals", "").strip():
        errors["goals"] = _("Schrijf de leerdoelen op.")
    allowance, period = read_allowance(form, errors)
    if errors or start is None or end is None or minutes is None:
        return None, errors
    fields = plans.PlacementFields(
        student_id=form["student_id"],
        supervisor_id=supervisor.id if supervisor else None,
        programme=form["programme"],
        host_name=form["host_name"].strip(),
        start=start,
        end=end,
        hours_per_week=minutes,
        learning_goals=form["goals"].strip(),
        allowance=allowance,
        allowance_period=period,
    )
    return fields, {}
