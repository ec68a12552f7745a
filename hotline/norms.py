"""The norms engine: fair-conditions rules from norms.toml, held against the terms of an internship.

evaluate() is a pure function of the terms and the rules. norms_file.py loads them: it merges an
instance's norms.toml into the shipped one and refuses an override that loosens a legal rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as default
from decimal import Decimal
from typing import Any

OK, ATTENTION, PROBLEM, UNCHECKED = "ok", "attention", "problem", "unchecked"
SEVERITIES = (OK, ATTENTION, PROBLEM)  # from mild to severe
WEEKS_PER_MONTH = Decimal(52) / Decimal(12)
DAYS_PER_MONTH = Decimal("365.25") / Decimal(12)

# The terms a rule can read, by kind: the form (hotline/conditions/forms.py) parses each into this type.
FIELDS = {
    "start": "date",
    "end": "date",
    "hours_per_week": "minutes",
    "longest_day": "minutes",
    "days_per_week": "count",
    "night_work": "bool",
    "weekend_work": "bool",
    "under_18": "bool",
    "allowance": "euros",
    "allowance_period": "choice",
    "tasks": "text",
    "tasks_match": "choice",
    "staff_signals": "set",
    "learning_plan": "bool",
    "evaluations": "bool",
    "supervisor": "bool",
    "contact_moments": "count",
    "sector": "choice",
    "written_agreement": "bool",
    "parts": "set",
}
ALLOWANCE_PERIODS = ("month", "week", "hour", "total", "none")
TASKS_MATCH = ("yes", "partly", "no")


class NormsError(Exception):
    """The norms file is invalid or loosens a legal rule; the app must not start with it."""


@dataclass(frozen=True)
class Terms:
    """The terms of one internship, as far as they are known (None: not answered)."""

    start: dt.date | None = None
    end: dt.date | None = None
    hours_per_week: int | None = None  # minutes
    longest_day: int | None = None  # minutes
    days_per_week: int | None = None
    night_work: bool | None = None
    weekend_work: bool | None = None
    under_18: bool | None = None
    allowance: Decimal | None = None
    allowance_period: str | None = None
    tasks: str | None = None
    tasks_match: str | None = None
    staff_signals: frozenset[str] = frozenset()
    learning_plan: bool | None = None
    evaluations: bool | None = None
    supervisor: bool | None = None
    contact_moments: int | None = None
    sector: str | None = None
    written_agreement: bool | None = None
    parts: frozenset[str] = frozenset()

    def weeks(self) -> Decimal | None:
        """Return the length of the period in weeks, both ends included."""
        if self.start is None or self.end is None:
            return None
        return Decimal((self.end - self.start).days + 1) / 7


@dataclass(frozen=True)
class Hours:
    """A duration, kept in whole minutes so that 12 h and 12 h 1 min differ."""

    minutes: int


@dataclass(frozen=True)
class Euros:
    amount: Decimal


@dataclass(frozen=True)
class Weeks:
    count: Decimal


@dataclass(frozen=True)
class Source:
    code: str
    title: dict[str, str]
    url: str | None
    checked: dt.date


@dataclass(frozen=True)
class Figure:
    code: str
    value: Decimal
    unit: str  # hours, euros, count or weeks
    bound: str  # max or min: which way is stricter
    legal: bool
    source: str

    def quantity(self) -> Hours | Euros | Weeks | int:
        """Return the figure as the typed value a message shows."""
        if self.unit == "hours":
            return Hours(int(self.value * 60))
        if self.unit == "euros":
            return Euros(self.value)
        if self.unit == "weeks":
            return Weeks(self.value)
        return int(self.value)


@dataclass(frozen=True)
class Condition:
    """One test on one field: is (equal), has (a set holds it), at_least or at_most."""

    field: str
    op: str
    value: Any

    def holds(self, terms: Terms) -> bool | None:
        """Return whether the condition holds, or None when the field is not answered."""
        found = getattr(terms, self.field)
        if self.op == "has":
            return self.value in found
        if found is None:
            return None
        if self.op == "is":
            return bool(found == self.value)
        return bool(found >= self.value) if self.op == "at_least" else bool(found <= self.value)


@dataclass(frozen=True)
class Signal:
    """A sign a signals rule counts: it holds when any of its conditions does."""

    code: str
    when: tuple[Condition, ...]
    label: dict[str, str]

    def holds(self, terms: Terms) -> bool | None:
        """Return whether the signal holds, or None when it does not and a field it reads is not answered."""
        found = [c.holds(terms) for c in self.when]
        return True if True in found else (None if None in found else False)


@dataclass(frozen=True)
class Rule:
    """One fair-conditions rule: what it reads, how severe a breach is, what to do, its source and category."""

    code: str
    check: str
    title: dict[str, str]
    text: dict[str, dict[str, str]]  # outcome -> {nl, en}
    action: dict[str, str]
    category: str
    source: str
    legal: bool = False
    field: str | None = None
    figure: str | None = None
    severity: str = PROBLEM
    when: tuple[Condition, ...] = ()
    outcomes: dict[str, str] = default(default_factory=dict)
    signals: tuple[str, ...] = ()
    extra: dict[str, str] = default(default_factory=dict)  # further figures by role: span, wage, full_time, least_hours

    def fields(self, norms: Norms) -> tuple[str, ...]:
        """Return the fields of the terms this rule reads."""
        read = [c.field for c in self.when]
        read += [self.field] if self.field else []
        read += [c.field for s in self.signals for c in norms.signals[s].when]
        read += {
            "average_at_most": ["start", "end"],
            "allowance": ["allowance", "allowance_period", "hours_per_week", "start", "end"],
            "contents": ["written_agreement", "parts"],
        }.get(self.check, [])
        return tuple(dict.fromkeys(read))


@dataclass(frozen=True)
class Norms:
    sources: dict[str, Source]
    figures: dict[str, Figure]
    parts: dict[str, dict[str, str]]
    signals: dict[str, Signal]
    rules: dict[str, Rule]

    def figure(self, code: str) -> Figure:
        return self.figures[code]

    def source_of(self, rule: Rule) -> Source:
        return self.sources[rule.source]


@dataclass(frozen=True)
class Finding:
    """What one rule says about the terms: its outcome, the figures behind it and what was not answered."""

    rule: Rule
    outcome: str  # ok, attention, problem, or unchecked
    values: Mapping[str, Any] = default(default_factory=dict)
    missing: tuple[str, ...] = ()


def evaluate(terms: Terms, norms: Norms) -> list[Finding]:
    """Hold the terms against every rule that applies, in the rules' order."""
    findings = []
    for rule in norms.rules.values():
        applies = [c.holds(terms) for c in rule.when]
        if False in applies:
            continue
        if None in applies:
            findings.append(Finding(rule, UNCHECKED, missing=_unanswered(terms, [c.field for c in rule.when])))
            continue
        finding = CHECKS[rule.check](terms, rule, norms)
        if finding is not None:
            findings.append(finding)
    return findings


def _unanswered(terms: Terms, fields: list[str]) -> tuple[str, ...]:
    return tuple(f for f in dict.fromkeys(fields) if getattr(terms, f) is None)


def unchecked(terms: Terms, rule: Rule, fields: list[str]) -> Finding | None:
    """Return an unchecked finding when any of these fields is not answered."""
    missing = _unanswered(terms, fields)
    return Finding(rule, UNCHECKED, missing=missing) if missing else None


def worst(findings: list[Finding]) -> str:
    """Return the most severe outcome among the findings (ok when none)."""
    found = [f.outcome for f in findings if f.outcome in SEVERITIES]
    return max(found, key=SEVERITIES.index, default=OK)


def _limit(norms: Norms, code: str, unit_of: str) -> Decimal:
    """Return a figure in the unit of the field it is compared with (hours figures in minutes)."""
    figure = norms.figure(code)
    return figure.value * 60 if FIELDS.get(unit_of) == "minutes" else figure.value


def _quantity(name: str, value: Any) -> Any:
    return Hours(value) if FIELDS[name] == "minutes" else value


def _named(value: str | None, rule: Rule, what: str) -> str:
    """Return the field or figure a rule names; norms_file.parse has checked that it names one."""
    if value is None:
        raise NormsError(f"rule {rule.code} names no {what}")
    return value


def _bounded(terms: Terms, rule: Rule, norms: Norms) -> Finding | None:
    """at_most / at_least: the field against a figure."""
    field, figure = _named(rule.field, rule, "field"), _named(rule.figure, rule, "figure")
    if missing := unchecked(terms, rule, [field]):
        return missing
    value = getattr(terms, field)
    limit = _limit(norms, figure, field)
    kept = value <= limit if rule.check == "at_most" else value >= limit
    values = {"value": _quantity(field, value), "limit": norms.figure(figure).quantity()}
    return Finding(rule, OK if kept else rule.severity, values)


def _average(terms: Terms, rule: Rule, norms: Norms) -> Finding | None:
    """average_at_most: weekly hours kept for the whole period, against an average over a span of weeks."""
    field, figure = _named(rule.field, rule, "field"), _named(rule.figure, rule, "figure")
    if missing := unchecked(terms, rule, [field, "start", "end"]):
        return missing
    weeks, span = terms.weeks(), norms.figure(rule.extra["span"])
    if weeks is None:
        return None
    value = getattr(terms, field)
    kept = value <= _limit(norms, figure, field)
    if not kept and weeks < span.value:
        return None  # a period shorter than the span: the average also counts weeks outside it
    values = {
        "value": _quantity(field, value),
        "limit": norms.figure(figure).quantity(),
        "span": span.quantity(),
        "weeks": Weeks(weeks),
    }
    return Finding(rule, OK if kept else rule.severity, values)


def _answer(terms: Terms, rule: Rule, norms: Norms) -> Finding | None:
    """answer: the outcome the rule gives each answer to one question."""
    field = _named(rule.field, rule, "field")
    if missing := unchecked(terms, rule, [field]):
        return missing
    answer = getattr(terms, field)
    key = str(answer).lower() if isinstance(answer, bool) else str(answer)
    return Finding(rule, rule.outcomes[key], {"value": answer})


def monthly(terms: Terms) -> Decimal | None:
    """Return the allowance per month, whatever period it is given for; None when that cannot be worked out."""
    period, amount = terms.allowance_period, terms.allowance
    if period == "none":
        return Decimal(0)
    if amount is None or period is None:
        return None
    if period == "month":
        return amount
    if period == "week":
        return amount * WEEKS_PER_MONTH
    if period == "hour":
        return None if terms.hours_per_week is None else amount * terms.hours_per_week / 60 * WEEKS_PER_MONTH
    weeks = terms.weeks()
    return None if weeks is None or weeks <= 0 else amount / (weeks * 7 / DAYS_PER_MONTH)


def _allowance(terms: Terms, rule: Rule, norms: Norms) -> Finding | None:
    """allowance: the allowance per month against a monthly figure, pro rata the hours when full_time is set."""
    figure = _named(rule.figure, rule, "figure")
    needed = ["allowance_period", "hours_per_week"]
    needed += ["allowance"] if terms.allowance_period not in (None, "none") else []
    needed += ["start", "end"] if terms.allowance_period == "total" or "least_hours" in rule.extra else []
    if (missing := unchecked(terms, rule, needed)) or terms.hours_per_week is None:
        return missing
    weeks = terms.weeks()
    if "least_hours" in rule.extra:
        least = norms.figure(rule.extra["least_hours"])
        if weeks is None or terms.hours_per_week * weeks < least.value * 60:
            return None  # the reference holds for internships of at least this many hours
    per_month = monthly(terms)
    if per_month is None:
        return unchecked(terms, rule, ["start", "end"]) or Finding(rule, UNCHECKED, missing=("allowance",))
    limit = norms.figure(figure).value
    values: dict[str, Any] = {"value": Euros(per_month.quantize(Decimal("0.01"))), "hours": Hours(terms.hours_per_week)}
    if "least_hours" in rule.extra:
        values["hours"] = norms.figure(rule.extra["least_hours"]).quantity()
    full_time = norms.figure(rule.extra["full_time"]).value * 60 if "full_time" in rule.extra else None
    if full_time is not None:
        limit = limit * min(Decimal(terms.hours_per_week) / full_time, Decimal(1))
    values["limit"] = Euros(limit.quantize(Decimal("0.01")))
    if full_time is not None and per_month == 0 and terms.hours_per_week >= full_time:
        return Finding(rule, PROBLEM, values)
    # compared in cents, as shown: 52/12 and a pro-rata share do not end, so an exact amount can fall a hair short
    return Finding(rule, OK if values["value"].amount >= values["limit"].amount else ATTENTION, values)


def _signals(terms: Terms, rule: Rule, norms: Norms) -> Finding | None:
    """signals: count the signals present; a figure sets how many make a problem, the rest are attention."""
    signals = [norms.signals[code] for code in rule.signals]
    held = [s for s in signals if s.holds(terms)]
    if not held and (missing := unchecked(terms, rule, [c.field for s in signals for c in s.when])):
        return missing
    values: dict[str, Any] = {"count": len(held), "signals": tuple(s.label for s in held)}
    if not held:
        return Finding(rule, OK, values)
    if "wage" in rule.extra:
        wage = norms.figure(rule.extra["wage"])
        values["wage"] = wage.quantity()
        if terms.hours_per_week is not None:
            owed = wage.value * terms.hours_per_week / 60 * WEEKS_PER_MONTH
            values["owed"] = Euros(owed.quantize(Decimal("0.01")))
            values["hours"] = Hours(terms.hours_per_week)
    if rule.figure is None or len(held) < norms.figure(rule.figure).value:
        return Finding(rule, rule.severity if rule.figure is None else ATTENTION, values)
    return Finding(rule, PROBLEM, values)


def _contents(terms: Terms, rule: Rule, norms: Norms) -> Finding | None:
    """contents: a written agreement, and the parts it lacks."""
    if missing := unchecked(terms, rule, ["written_agreement"]):
        return missing
    if not terms.written_agreement:
        return Finding(rule, PROBLEM)
    lacking = tuple(label for code, label in norms.parts.items() if code not in terms.parts)
    return Finding(rule, ATTENTION if lacking else OK, {"missing": lacking})


CHECKS = {
    "at_most": _bounded,
    "at_least": _bounded,
    "average_at_most": _average,
    "answer": _answer,
    "allowance": _allowance,
    "signals": _signals,
    "contents": _contents,
}
