"""The guide's doors and the rules that choose them, loaded from guide.toml: data, not code."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from hotline.routing import Routing
from hotline.taxonomy import PHASES

# The answers a rule may name, per question; "group" and "category" come from the routing.
CHOICES: dict[str, tuple[str, ...]] = {
    "phase": (*PHASES, "after"),
    "urgency": ("danger", "ongoing", "over"),
    "wish": ("action", "register"),
    "crime": ("yes", "no", "unsure"),
}


class GuideError(Exception):
    """The guide file is invalid; the app must not start with it."""


@dataclass(frozen=True)
class Door:
    slug: str
    name: dict[str, str]
    description: dict[str, str]
    url: str | None = None
    this_hotline: bool = False


@dataclass(frozen=True)
class KindText:
    """How the guide names a destination kind of the routing, and why a report goes there."""

    name: dict[str, str]
    why: dict[str, str]


@dataclass(frozen=True)
class Rule:
    door: str
    why: dict[str, str]
    when: dict[str, frozenset[str]]

    def matches(self, facts: dict[str, str]) -> bool:
        """Tell whether every condition of the rule holds for these answers."""
        return all(facts.get(question) in allowed for question, allowed in self.when.items())


@dataclass(frozen=True)
class Guide:
    doors: dict[str, Door]
    kinds: dict[str, KindText]
    rules: tuple[Rule, ...]


def _labels(table: Any, where: str) -> dict[str, str]:
    if not isinstance(table, dict) or not {"nl", "en"} <= table.keys():
        raise GuideError(f"{where} needs a Dutch (nl) and an English (en) text")
    return {"nl": str(table["nl"]), "en": str(table["en"])}


def _door(slug: str, table: Any) -> Door:
    url = table.get("url")
    if url is not None and not (isinstance(url, str) and url.startswith("https://")):
        raise GuideError(f"door {slug}: url must start with https://, not {url!r}")
    this_hotline = table.get("this_hotline", False)
    if not isinstance(this_hotline, bool):
        raise GuideError(f"door {slug}: this_hotline must be true or false")
    where = f"door {slug}"
    return Door(slug, _labels(table["name"], where), _labels(table["description"], where), url, this_hotline)


def _rule(number: int, table: Any, allowed: dict[str, set[str]]) -> Rule:
    where = f"rule {number} (door {table.get('door')!r})"
    conditions = {}
    for question, values in table.items():
        if question in ("door", "why"):
            continue
        if question not in allowed:
            raise GuideError(f"{where}: unknown condition {question}")
        if not isinstance(values, list) or not values or not set(values) <= allowed[question]:
            raise GuideError(f"{where}: {question} must be a list of {', '.join(sorted(allowed[question]))}")
        conditions[question] = frozenset(values)
    return Rule(str(table["door"]), _labels(table["why"], where), conditions)


def parse(data: dict[str, Any], routing: Routing) -> Guide:
    """Build and validate a Guide from parsed TOML, against the routing it explains."""
    allowed = {q: set(v) for q, v in CHOICES.items()} | {
        "group": set(routing.groups),
        "category": set(routing.categories),
    }
    try:
        doors = {slug: _door(slug, table) for slug, table in data["doors"].items()}
        kinds = {
            kind: KindText(_labels(t["name"], f"kind {kind}"), _labels(t["why"], f"kind {kind}"))
            for kind, t in data["kinds"].items()
        }
        rules = tuple(_rule(n, table, allowed) for n, table in enumerate(data["rules"], 1))
    except (KeyError, TypeError, AttributeError) as exc:
        raise GuideError(f"guide file is missing or mistypes {exc}") from exc
    if [d.this_hotline for d in doors.values()].count(True) != 1:
        raise GuideError("exactly one door must be this hotline (this_hotline = true)")
    if missing := sorted(set(routing.kinds) - set(kinds)):
        raise GuideError(f"the guide has no [kinds] text for destination kind {', '.join(missing)}")
    if unknown := sorted({r.door for r in rules} - set(doors)):
        raise GuideError(f"a rule names unknown door {', '.join(unknown)}")
    return Guide(doors, kinds, rules)


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key in ("doors", "kinds"):
        merged[key] = {**base.get(key, {}), **override.get(key, {})}
    if "rules" in override:
        merged["rules"] = override["rules"]
    return merged


def load(routing: Routing, override: Path | None = None) -> Guide:
    """Load the shipped guide.toml, merged with an instance override file."""
    where = "hotline/guide.toml"
    try:
        data = tomllib.loads(resources.files("hotline").joinpath("guide.toml").read_text("utf-8"))
        if override is not None and override.exists():
            where = f"{where} with {override}"
            data = _merge(data, tomllib.loads(override.read_text("utf-8")))
        return parse(data, routing)
    except (tomllib.TOMLDecodeError, GuideError, TypeError) as exc:
        raise GuideError(f"{where}: {exc}") from exc
