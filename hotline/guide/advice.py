"""Decide where a student can go: plain answers in, doors with their reasons out."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from hotline.guide.doors import CHOICES, Door, Guide
from hotline.i18n import gettext as _

QUESTIONS = ("category", *CHOICES)


@dataclass
class Answers:
    """What the student answered; an answer left out or not among the choices is empty."""

    category: str = ""
    phase: str = ""
    urgency: str = ""
    wish: str = ""
    crime: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def given(self) -> dict[str, str]:
        """Return the valid answers, to carry in a link back to the questions."""
        return {q: getattr(self, q) for q in QUESTIONS if getattr(self, q)}


@dataclass(frozen=True)
class Via:
    """A destination kind this hotline sends a report in the category to."""

    name: dict[str, str]
    why: dict[str, str]
    optional: bool


@dataclass(frozen=True)
class Advice:
    """One door recommended to the student, and why."""

    door: Door
    why: dict[str, str]
    via: tuple[Via, ...] = ()


def error_messages() -> dict[str, str]:
    """Return, per question, what to say when it has no valid answer."""
    return {
        "category": _("Kies wat er is gebeurd."),
        "phase": _("Kies wanneer het gebeurde."),
        "urgency": _("Kies hoe dringend het is."),
        "wish": _("Kies wat je wilt dat er met je melding gebeurt."),
        "crime": _("Kies of je bent bedreigd, aangevallen of beledigd."),
    }


def read_answers(values: Mapping[str, str], categories: Collection[str]) -> Answers:
    """Read the answers, keeping the valid ones and naming each missing or invalid one."""
    answers = Answers()
    allowed: dict[str, Collection[str]] = {"category": categories, **CHOICES}
    messages = error_messages()
    for question in QUESTIONS:
        value = values.get(question, "").strip()
        if value in allowed[question]:
            setattr(answers, question, value)
        else:
            answers.errors[question] = messages[question]
    return answers


def advise(guide: Guide, answers: Answers, group: str, kinds: Sequence[tuple[str, bool]]) -> list[Advice]:
    """Return the doors for complete answers, in rule order, each with the reason of its first matching rule.

    kinds are the destination kinds (and whether optional) this hotline routes the category to;
    with none, this hotline cannot take the report and is left out.
    """
    facts = answers.given() | {"group": group}
    chosen: dict[str, Advice] = {}
    for rule in guide.rules:
        if rule.door in chosen or not rule.matches(facts):
            continue
        door = guide.doors[rule.door]
        if door.this_hotline:
            if not kinds:
                continue
            via = tuple(Via(guide.kinds[k].name, guide.kinds[k].why, optional) for k, optional in kinds)
            chosen[door.slug] = Advice(door, rule.why, via)
        else:
            chosen[door.slug] = Advice(door, rule.why)
    return list(chosen.values())
