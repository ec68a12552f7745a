"""Load the norms: the shipped norms.toml, an instance's override merged in, checked before the app starts."""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from hotline import tables
from hotline.norms import (
    ALLOWANCE_PERIODS,
    FIELDS,
    OK,
    PROBLEM,
    SEVERITIES,
    TASKS_MATCH,
    Condition,
    Figure,
    Norms,
    NormsError,
    Rule,
    Signal,
    Source,
)
from hotline.taxonomy import SECTORS

CHECK_KINDS = ("at_most", "at_least", "average_at_most", "answer", "allowance", "signals", "contents")
EXTRA_FIGURES = ("span", "wage", "full_time", "least_hours")
# What a legal rule checks: an override may not change any of these, only raise its severity.
LEGAL_SHAPE = ("check", "field", "figure", "when", "signals", *EXTRA_FIGURES)
UNITS = ("hours", "euros", "count", "weeks")
# What each check kind reads: a rule without it would load and then fail only when evaluated.
NEEDS = {
    "at_most": ("field", "figure"),
    "at_least": ("field", "figure"),
    "average_at_most": ("field", "figure", "span"),
    "answer": ("field", "outcomes"),
    "allowance": ("figure",),
    "signals": ("signals",),
    "contents": (),
}
OPS = ("is", "has", "at_least", "at_most")
# The answers an answer rule must give an outcome to, by field kind or field.
ANSWERS: dict[str, tuple[str, ...]] = {
    "bool": ("true", "false"),
    "tasks_match": TASKS_MATCH,
    "allowance_period": ALLOWANCE_PERIODS,
    "sector": tuple(SECTORS),
}
# The values each kind of check fills into its texts; a text naming another would fail when shown.
PLACEHOLDERS = {
    "at_most": {"value", "limit"},
    "at_least": {"value", "limit"},
    "average_at_most": {"value", "limit", "span", "weeks"},
    "answer": set(),
    "allowance": {"value", "limit", "hours"},
    "signals": {"count", "signals", "wage", "owed", "hours"},
    "contents": {"missing"},
}


def _labels(table: Any, where: str) -> dict[str, str]:
    if not isinstance(table, dict) or not {"nl", "en"} <= table.keys():
        raise NormsError(f"{where} needs a Dutch (nl) and an English (en) text")
    return {"nl": str(table["nl"]), "en": str(table["en"])}


def _condition(table: Any, where: str) -> Condition:
    if not isinstance(table, dict) or table.get("field") not in FIELDS:
        raise NormsError(f"{where}: a condition names a field of the terms ({', '.join(FIELDS)})")
    ops = [op for op in OPS if op in table]
    if len(ops) != 1:
        raise NormsError(f"{where}: a condition has one of {', '.join(OPS)}")
    return Condition(table["field"], ops[0], table[ops[0]])


def _figure(code: str, table: dict[str, Any]) -> Figure:
    if table.get("unit") not in UNITS or table.get("bound") not in ("max", "min"):
        raise NormsError(f"figure {code} needs a unit ({', '.join(UNITS)}) and a bound (max or min)")
    value = table.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise NormsError(f"figure {code} needs a value of 0 or more, not {value!r}")
    return Figure(
        code, Decimal(str(value)), table["unit"], table["bound"], bool(table.get("legal", False)), table["source"]
    )


def _source(code: str, table: dict[str, Any]) -> Source:
    if not isinstance(table.get("checked"), dt.date):
        raise NormsError(f"source {code} needs the date it was checked (checked = YYYY-MM-DD)")
    return Source(code, _labels(table.get("title"), f"source {code}"), table.get("url"), table["checked"])


def _outcomes_of(check: str, table: dict[str, Any]) -> set[str]:
    """Return the outcomes a rule can give, which its text must cover."""
    if check == "answer":
        return set(table["outcomes"].values())
    if check in ("allowance", "contents"):
        return {OK, "attention"} | ({PROBLEM} if check == "contents" or "full_time" in table else set())
    if check == "signals":
        return {OK, "attention"} | ({PROBLEM} if "figure" in table else set())
    return {OK, table.get("severity", PROBLEM)}


def _rule(code: str, table: dict[str, Any], figures: dict[str, Figure]) -> Rule:
    where = f"rule {code}"
    check = table.get("check")
    if check not in CHECK_KINDS:
        raise NormsError(f"{where}: check must be one of {', '.join(CHECK_KINDS)}, not {check!r}")
    if lacking := [key for key in NEEDS[check] if key not in table]:
        raise NormsError(f"{where}: check {check} needs {' and '.join(lacking)}")
    if "field" in table and table["field"] not in FIELDS:
        raise NormsError(f"{where} reads an unknown field {table['field']!r}")
    for role in ("figure", *EXTRA_FIGURES):
        if role in table and table[role] not in figures:
            raise NormsError(f"{where} names an unknown figure {table[role]!r}")
    outcomes = {str(k): str(v) for k, v in table.get("outcomes", {}).items()}
    if check == "answer":
        answers = ANSWERS.get(FIELDS[table["field"]], ANSWERS.get(table["field"]))
        if answers is None:
            raise NormsError(f"{where}: an answer rule reads a yes/no or choice field, not {table['field']}")
        if unanswered := ", ".join(sorted(set(answers) - outcomes.keys())):
            raise NormsError(f"{where}: outcomes must give every answer an outcome; missing {unanswered}")
    severity = table.get("severity", PROBLEM)
    if severity not in SEVERITIES or not set(outcomes.values()) <= set(SEVERITIES):
        raise NormsError(f"{where}: a severity is ok, attention or problem")
    texts = table.get("text", {})
    text = {o: _labels(texts.get(o), f"{where}, text.{o}") for o in _outcomes_of(check, table)}
    if "owed" in texts:
        text["owed"] = _labels(texts["owed"], f"{where}, text.owed")
    allowed = PLACEHOLDERS[check] - ({"wage", "owed", "hours"} if check == "signals" and "wage" not in table else set())
    for outcome, labels in text.items():
        for language, words in labels.items():
            named = {name for _lit, name, _spec, _conv in string.Formatter().parse(words) if name is not None}
            if unknown := ", ".join(sorted(named - allowed)):
                may = ", ".join(sorted(allowed)) or "nothing"
                raise NormsError(f"{where}, text.{outcome} ({language}) names {unknown}: it may name {may}")
    source = table.get("source") or (figures[table["figure"]].source if "figure" in table else None)
    if not source:
        raise NormsError(f"{where} needs a source (or a figure that has one)")
    return Rule(
        code=code,
        check=check,
        title=_labels(table.get("title"), f"{where}, title"),
        text=text,
        action=_labels(table.get("action"), f"{where}, action"),
        category=str(table.get("category", "")),
        source=source,
        legal=bool(table.get("legal", False)),
        field=table.get("field"),
        figure=table.get("figure"),
        severity=severity,
        when=tuple(_condition(c, where) for c in table.get("when", [])),
        outcomes=outcomes,
        signals=tuple(table.get("signals", ())),
        extra={role: table[role] for role in EXTRA_FIGURES if role in table},
    )


def parse(data: dict[str, Any]) -> Norms:
    """Build and validate the norms from parsed TOML."""
    try:
        sources = {code: _source(code, t) for code, t in data["sources"].items()}
        figures = {code: _figure(code, t) for code, t in data["figures"].items()}
        parts = {code: _labels(t, f"part {code}") for code, t in data["parts"].items()}
        signals = {
            code: Signal(code, tuple(_condition(c, f"signal {code}") for c in t["when"]), _labels(t, f"signal {code}"))
            for code, t in data["signals"].items()
        }
        rules = {
            code: _rule(code, t, figures) for code, t in data["rules"].items() if t.get("enabled", True) is not False
        }
    except (KeyError, TypeError, AttributeError) as exc:
        raise NormsError(f"norms file is missing or mistypes {exc}") from exc
    for figure in figures.values():
        if figure.source not in sources:
            raise NormsError(f"figure {figure.code} names an unknown source {figure.source!r}")
    for rule in rules.values():
        if rule.source not in sources:
            raise NormsError(f"rule {rule.code} names an unknown source {rule.source!r}")
        if unknown := [s for s in rule.signals if s not in signals]:
            raise NormsError(f"rule {rule.code} counts unknown signals {', '.join(unknown)}")
        if rule.check != "contents" and not rule.field and not rule.signals and rule.check != "allowance":
            raise NormsError(f"rule {rule.code} reads no field")
    return Norms(sources, figures, parts, signals, rules)


def _looser(bound: str, default: Any, value: Any) -> bool:
    return bool(value > default) if bound == "max" else bool(value < default)


def _rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else -1


def loosened(default: dict[str, Any], merged: dict[str, Any]) -> Iterable[str]:
    """Yield, in plain words, each way the merged norms loosen a legal figure or rule of the defaults."""
    for code, figure in default["figures"].items():
        if not figure.get("legal"):
            continue
        now = merged["figures"][code]
        if not now.get("legal") or now.get("bound") != figure["bound"] or now.get("unit") != figure["unit"]:
            yield f"figure {code} is legal: it stays legal, with its unit and bound"
        elif _looser(figure["bound"], figure["value"], now.get("value")):
            most = "most" if figure["bound"] == "max" else "least"
            yield f"figure {code} may be at {most} {figure['value']} (the law), not {now.get('value')}"
    for code, rule in default["rules"].items():
        if not rule.get("legal"):
            continue
        now = merged["rules"][code]
        if now.get("enabled", True) is False or not now.get("legal"):
            yield f"rule {code} is legal: it cannot be switched off"
            continue
        for key in LEGAL_SHAPE:
            if now.get(key) != rule.get(key):
                yield f"rule {code} is legal: its {key} cannot change"
        if _rank(now.get("severity", PROBLEM)) < _rank(rule.get("severity", PROBLEM)):
            yield f"rule {code} is legal: its severity cannot drop below {rule.get('severity', PROBLEM)}"
        for answer, outcome in rule.get("outcomes", {}).items():
            if _rank(now.get("outcomes", {}).get(answer, "")) < _rank(outcome):
                yield f"rule {code} is legal: the answer {answer} stays at least {outcome}"
        for signal in rule.get("signals", ()):
            if merged["signals"].get(signal) != default["signals"][signal]:
                yield f"signal {signal} counts for the legal rule {code}: it cannot change"


def load(override: Path | None = None) -> Norms:
    """Load the shipped norms.toml, merged with an instance override that may tighten but not loosen it."""
    default = tables.shipped("hotline", "norms.toml")
    data = tables.load("hotline", "norms.toml", override, NormsError)
    try:
        problems = list(loosened(default, data))  # none without an override: the shipped norms hold themselves
    except (AttributeError, TypeError, KeyError) as exc:
        raise NormsError(f"{override} mistypes {exc}") from exc
    if problems:
        raise NormsError(
            f"{override} loosens what the law sets; an institution may tighten a legal rule, not loosen it: "
            + "; ".join(problems)
        )
    return parse(data)
