"""The fair-conditions form: every field optional, parsed into the Terms or given a plain error, the text kept."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from werkzeug.datastructures import MultiDict

from hotline.i18n import gettext as _
from hotline.norms import ALLOWANCE_PERIODS, FIELDS, TASKS_MATCH, Terms

__all__ = ["FIELDS", "TermsForm", "labels", "parse"]
from hotline.taxonomy import SECTORS

MAX_TASKS_CHARS = 2000
MAX_EUROS = Decimal(100_000)
STAFF_SIGNALS = ("rostered", "replaces_staff", "covers_absence", "beyond_competence")
YES_NO = {"yes": True, "no": False}
DATE_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
HOURS = re.compile(r"(\d{1,3})(?:[.,](\d{1,2}))?")
HOURS_MINUTES = re.compile(r"(\d{1,3}):([0-5]\d)")
MONEY_NOISE = re.compile(r"€|eur(?:o|os)?\b|,-|\s", re.IGNORECASE)


class FieldError(ValueError):
    """A value a student typed cannot be read; the message says how to write it."""


@dataclass
class TermsForm:
    """The form as typed (to fill it in again), its errors by field, and the terms once it is valid."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    terms: Terms | None = None


def labels() -> dict[str, str]:
    """Return the question each field answers, short, in the current language (for errors and 'not checked')."""
    return {
        "start": _("Begindatum"),
        "end": _("Einddatum"),
        "hours_per_week": _("Uren per week"),
        "longest_day": _("Langste werkdag"),
        "days_per_week": _("Werkdagen per week"),
        "night_work": _("Nachtwerk"),
        "weekend_work": _("Werken in het weekend"),
        "under_18": _("Jonger dan 18"),
        "allowance": _("Stagevergoeding"),
        "allowance_period": _("Waar de vergoeding voor is"),
        "tasks": _("Taken"),
        "tasks_match": _("Taken passen bij leerdoelen"),
        "staff_signals": _("Ingezet als personeel"),
        "learning_plan": _("Stageplan met leerdoelen"),
        "evaluations": _("Evaluatie van leerdoelen"),
        "supervisor": _("Begeleider bij de stagebieder"),
        "contact_moments": _("Contactmomenten met de opleiding"),
        "sector": _("Sector"),
        "written_agreement": _("Schriftelijke overeenkomst"),
        "parts": _("Onderdelen van de overeenkomst"),
    }


def parse_date(text: str) -> dt.date:
    """Read 2027-02-01 (as a date field sends it) or 1-2-2027."""
    try:
        if found := DATE_DMY.fullmatch(text):
            return dt.date(int(found[3]), int(found[2]), int(found[1]))
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise FieldError(_("Schrijf een datum als 1-2-2027.")) from exc


def parse_minutes(text: str) -> int:
    """Read hours as 40, 37,5, 37.5 or 37:30, into minutes."""
    if found := HOURS_MINUTES.fullmatch(text):
        return int(found[1]) * 60 + int(found[2])
    if found := HOURS.fullmatch(text):
        fraction = Decimal(f"0.{found[2]}") if found[2] else Decimal(0)
        return int(found[1]) * 60 + int((fraction * 60).to_integral_value())
    raise FieldError(_("Schrijf de uren als 40, 37,5 of 37:30."))


def parse_euros(text: str) -> Decimal:
    """Read an amount as 500, 500,-, € 1.250,50, 1,250.50 or 4,50: a separator before 1 or 2 final digits is decimal."""
    bare = MONEY_NOISE.sub("", text)
    whole, _sep, cents = bare.rpartition(",") if "," in bare[-3:] else bare.rpartition(".")
    if not whole or len(cents) == 3:  # no separator, or 1.250 / 1,250: thousands
        whole, cents = bare, ""
    digits = re.sub(r"[.,]", "", whole)
    if not digits.isdigit() or (cents and not cents.isdigit()):
        raise FieldError(_("Schrijf het bedrag als 500 of 4,50."))
    try:
        return Decimal(f"{digits}.{cents or 0}")
    except InvalidOperation as exc:
        raise FieldError(_("Schrijf het bedrag als 500 of 4,50.")) from exc


def _count(text: str, low: int, high: int) -> int:
    if not text.isdigit() or not low <= int(text) <= high:
        raise FieldError(_("Vul een getal in van %(low)s tot en met %(high)s.", low=low, high=high))
    return int(text)


def _choice(text: str, allowed: tuple[str, ...] | dict[str, Any]) -> str:
    if text not in allowed:
        raise FieldError(_("Kies een van de antwoorden."))
    return text


def _one(name: str, text: str) -> Any:
    """Parse one answered field into the type the Terms hold."""
    kind = FIELDS[name]
    if kind == "date":
        return parse_date(text)
    if kind == "minutes":
        return parse_minutes(text)
    if kind == "euros":
        return parse_euros(text)
    if kind == "bool":
        return YES_NO[_choice(text, YES_NO)]
    if name == "days_per_week":
        return _count(text, 1, 7)
    if name == "contact_moments":
        return _count(text, 0, 50)
    allowed = {"allowance_period": ALLOWANCE_PERIODS, "tasks_match": TASKS_MATCH, "sector": tuple(SECTORS)}
    return _choice(text, allowed[name]) if name in allowed else text


def _consistent(parsed: dict[str, Any], errors: dict[str, str]) -> None:
    """Add the errors of fields that contradict each other or exceed what a week holds."""
    week, day = parsed.get("hours_per_week"), parsed.get("longest_day")
    if week is not None and not 0 < week <= 7 * 24 * 60:
        errors["hours_per_week"] = _("Een week heeft hoogstens 168 uur.")
    if day is not None and not 0 < day <= 24 * 60:
        errors["longest_day"] = _("Een dag heeft hoogstens 24 uur.")
    elif day is not None and week is not None and day > week and "hours_per_week" not in errors:
        errors["longest_day"] = _("Je langste dag kan niet langer zijn dan je uren per week.")
    start, end = parsed.get("start"), parsed.get("end")
    if start and end and end < start:
        errors["end"] = _("De einddatum ligt voor de begindatum.")
    amount = parsed.get("allowance")
    if amount is not None and amount > MAX_EUROS:
        errors["allowance"] = _("Dat bedrag is te hoog voor een stagevergoeding; kijk het nog eens na.")
    elif amount is not None and parsed.get("allowance_period") is None:
        errors["allowance_period"] = _("Kies waar het bedrag voor is: per maand, week, uur of de hele stage.")
    if len(parsed.get("tasks") or "") > MAX_TASKS_CHARS:
        errors["tasks"] = _("Beschrijf je taken in hoogstens %(n)s tekens.", n=MAX_TASKS_CHARS)


def parse(form: MultiDict[str, str], parts: tuple[str, ...]) -> TermsForm:
    """Read the posted form into Terms; on any error keep every value as typed and say what is wrong, field by field."""
    result = TermsForm()
    parsed: dict[str, Any] = {}
    for name, kind in FIELDS.items():
        if kind == "set":
            allowed = parts if name == "parts" else STAFF_SIGNALS
            chosen = form.getlist(name)
            result.values[name] = [c for c in chosen if c in allowed]
            parsed[name] = frozenset(result.values[name])
            continue
        text = form.get(name, "").strip()
        result.values[name] = text
        if not text:
            continue
        try:
            parsed[name] = _one(name, text)
        except FieldError as exc:
            result.errors[name] = str(exc)
    _consistent(parsed, result.errors)
    answered = [name for name, value in parsed.items() if value not in (None, frozenset())]
    if not answered and not result.errors:
        result.errors["hours_per_week"] = _(
            "Vul minstens één vraag in; hoe meer je invult, hoe meer we kunnen nakijken."
        )
    if not result.errors:
        result.terms = Terms(**parsed)
    return result
