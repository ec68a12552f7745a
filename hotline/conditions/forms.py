"""The fair-conditions form: every field optional, parsed into the Terms or given a plain error, the text kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from werkzeug.datastructures import MultiDict

from hotline.i18n import gettext as _
from hotline.norms import ALLOWANCE_PERIODS, FIELDS, TASKS_MATCH, Terms
from hotline.norms_input import FieldError, parse_date, parse_euros, parse_minutes
from hotline.norms_text import term_labels as labels

__all__ = ["FIELDS", "TermsForm", "labels", "parse"]  # labels: the terms' names, from hotline.norms_text
from hotline.taxonomy import SECTORS

MAX_TASKS_CHARS = 2000
MAX_EUROS = Decimal(100_000)
STAFF_SIGNALS = ("rostered", "replaces_staff", "covers_absence", "beyond_competence")
YES_NO = {"yes": True, "no": False}


@dataclass
class TermsForm:
    """The form as typed (to fill it in again), its errors by field, and the terms once it is valid."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    terms: Terms | None = None


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
