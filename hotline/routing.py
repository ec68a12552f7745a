"""Categories and routing rules, loaded from TOML: data, not code."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

KINDS_WITH_PROGRAMME = "programme"


class RoutingError(Exception):
    """The routing configuration is invalid; the app must not start with it."""


class UnknownCategory(ValueError):
    """A report names a category the routing does not know."""


class NoDestination(ValueError):
    """A route resolves to no destination that can receive reports."""


@dataclass(frozen=True)
class Category:
    code: str
    group: str
    label: dict[str, str]
    help: dict[str, str] | None = None  # a line that says what the category covers; optional in an override


@dataclass(frozen=True)
class Group:
    code: str
    label: dict[str, str]
    help: dict[str, str]


@dataclass(frozen=True)
class Rule:
    kind: str
    reason: str
    optional: bool = False
    if_configured: bool = False


@dataclass(frozen=True)
class Target:
    """One destination a report will go to, and why."""

    destination: str
    kind: str
    reason: str
    optional: bool


@dataclass(frozen=True)
class Routing:
    kinds: dict[str, dict[str, str]]
    groups: dict[str, Group]
    categories: dict[str, Category]
    routes: dict[str, tuple[Rule, ...]]

    def rules_for(self, category: str) -> tuple[Rule, ...]:
        """Return the rules of the most specific matching route pattern."""
        if category not in self.categories:
            raise UnknownCategory(category)
        if category in self.routes:
            return self.routes[category]
        return self.routes.get(category.split(".", 1)[0] + ".*", ())

    def by_group(self) -> list[tuple[Group, list[Category]]]:
        """Return categories grouped, in file order."""
        return [(g, [c for c in self.categories.values() if c.group == g.code]) for g in self.groups.values()]

    def plan(self, category: str, programme: str, available: Mapping[str, list[str]]) -> list[Target]:
        """Resolve a category to destinations, given the slugs available per kind."""
        targets: list[Target] = []
        for rule in self.rules_for(category):
            slugs = [programme] if rule.kind == KINDS_WITH_PROGRAMME else available.get(rule.kind, [])
            if not slugs and not rule.if_configured:
                raise NoDestination(f"no destination of kind {rule.kind} for {category}")
            seen = {t.destination for t in targets}
            targets += [Target(s, rule.kind, rule.reason, rule.optional) for s in slugs if s not in seen]
        if not any(not t.optional for t in targets):
            raise NoDestination(f"{category} routes to no required destination")
        return targets


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def _flag(rule: dict[str, Any], name: str) -> bool:
    value = rule.get(name, False)
    if not isinstance(value, bool):
        raise RoutingError(f"{name} must be true or false, not {value!r}")
    return value


def _labels(table: Any, where: str) -> dict[str, str]:
    if not isinstance(table, dict) or not {"nl", "en"} <= table.keys():
        raise RoutingError(f"{where} needs a Dutch (nl) and an English (en) label")
    return {"nl": str(table["nl"]), "en": str(table["en"])}


def parse(data: dict[str, Any]) -> Routing:
    """Build and validate a Routing from parsed TOML."""
    try:
        kinds = {k: _labels(v, f"kind {k}") for k, v in data["kinds"].items()}
        groups = {
            code: Group(code, _labels(g["label"], f"group {code}"), _labels(g["help"], f"group {code}"))
            for code, g in data["groups"].items()
        }
        categories = {
            code: Category(
                code,
                str(c["group"]),
                _labels(c, f"category {code}"),
                _labels(c["help"], f"help of category {code}") if "help" in c else None,
            )
            for code, c in data["categories"].items()
        }
        routes = {
            pattern: tuple(
                Rule(str(r["kind"]), str(r.get("reason", pattern)), _flag(r, "optional"), _flag(r, "if_configured"))
                for r in rules
            )
            for pattern, rules in data["routes"].items()
        }
    except (KeyError, TypeError, AttributeError) as exc:
        raise RoutingError(f"routing file is missing or mistypes {exc}") from exc
    routing = Routing(kinds, groups, categories, routes)
    for code, category in categories.items():
        if category.group not in groups:
            raise RoutingError(f"category {code} names unknown group {category.group}")
        rules = routing.rules_for(code)
        if not any(not r.optional and not r.if_configured for r in rules):
            raise RoutingError(f"category {code} routes nowhere: a report in it would be lost")
        for rule in rules:
            if rule.kind not in kinds:
                raise RoutingError(f"category {code} routes to unknown kind {rule.kind}")
    return routing


def load(override: Path | None = None) -> Routing:
    """Load the shipped routing.toml, merged with an instance override file."""
    data = tomllib.loads(resources.files("hotline").joinpath("routing.toml").read_text("utf-8"))
    if override is not None and override.exists():
        try:
            data = _merge(data, tomllib.loads(override.read_text("utf-8")))
        except tomllib.TOMLDecodeError as exc:
            raise RoutingError(f"{override}: {exc}") from exc
    return parse(data)
