"""How the norms' findings read on a page: each rule's text with its figures in the page's language.

Both sides show findings: the hotline's fair-conditions check (to a student) and the portal's offer
check (to the office and hosts), so this sits beside hotline/norms.py, a primitive the portal may import.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from babel.lists import format_list
from babel.numbers import format_currency, format_decimal

from hotline.dates import LOCALES
from hotline.i18n import get_locale, label
from hotline.i18n import gettext as _
from hotline.norms import ATTENTION, PROBLEM, UNCHECKED, Euros, Finding, Hours, Norms, Source, Weeks

ORDER = (PROBLEM, ATTENTION, "ok")  # the page shows what is wrong first
REPORTABLE = (PROBLEM, ATTENTION)


@dataclass(frozen=True)
class Shown:
    """One finding as shown: its outcome, title, meaning with figures, what to do, source and report category."""

    code: str
    outcome: str
    title: str
    text: str
    action: str
    source: Source
    category: str | None


def hours(minutes: int) -> str:
    """Write a duration: "12 uur", "37,5 uur", "12 uur en 1 minuut"."""
    whole, rest = divmod(minutes, 60)
    locale = LOCALES[get_locale()]
    if rest in (0, 30):
        return _("%(n)s uur", n=format_decimal(Decimal(minutes) / 60, locale=locale))
    if rest == 1:
        return _("%(h)s uur en 1 minuut", h=whole)
    return _("%(h)s uur en %(m)s minuten", h=whole, m=rest)


def euros(amount: Decimal) -> str:
    """Write an amount in euros in the page's language."""
    return format_currency(amount, "EUR", locale=LOCALES[get_locale()])


def written(value: Any) -> str:
    """Write one value of a finding in the page's language."""
    locale = LOCALES[get_locale()]
    if isinstance(value, Hours):
        return hours(value.minutes)
    if isinstance(value, Euros):
        return euros(value.amount)
    if isinstance(value, Weeks):
        return _("%(n)s weken", n=format_decimal(round(value.count, 1), locale=locale))
    if isinstance(value, tuple):
        return format_list([label(item) for item in value], locale=locale)
    return str(value)


def show(finding: Finding, norms: Norms, advice: bool = True) -> Shown:
    """Fill in the rule's text for the finding's outcome with its figures; advice=False leaves out what a
    student can do and where to report (the portal shows an offer's check to the office and hosts)."""
    rule = finding.rule
    values = {name: written(value) for name, value in finding.values.items()}
    text = label(rule.text[finding.outcome]).format_map(values)
    if "owed" in values and "owed" in rule.text:
        text += " " + label(rule.text["owed"]).format_map(values)
    category = rule.category if advice and finding.outcome in REPORTABLE and rule.category else None
    action = label(rule.action) if advice else ""
    return Shown(rule.code, finding.outcome, label(rule.title), text, action, norms.source_of(rule), category)


def grouped(findings: list[Finding], norms: Norms, advice: bool = True) -> dict[str, list[Shown]]:
    """Return the checked findings by outcome, problems first."""
    return {o: [show(f, norms, advice) for f in findings if f.outcome == o] for o in ORDER}


def unanswered(findings: list[Finding]) -> list[str]:
    """Return the fields whose answers would let the unchecked rules be checked, in form order."""
    missing = {name for f in findings if f.outcome == UNCHECKED for name in f.missing}
    return [text for name, text in term_labels().items() if name in missing]


def outcome_labels() -> dict[str, str]:
    """Return what each outcome is called on the page; words, never colour alone."""
    return {"ok": _("In orde"), ATTENTION: _("Let op"), PROBLEM: _("Probleem")}


def term_labels() -> dict[str, str]:
    """Return what each term the rules read is called, short, in the current language (forms, errors, 'not checked')."""
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
