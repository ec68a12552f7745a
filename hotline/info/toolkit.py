"""The recognition toolkit: grounds, phases and kinds of misuse, loaded from toolkit.toml and checked at start."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any, cast

from flask import current_app

from hotline.routing import Routing
from hotline.taxonomy import PHASES

EXTENSION = "hotline.toolkit"


class ToolkitError(Exception):
    """The toolkit file is invalid; the app must not start with it."""


@dataclass(frozen=True)
class Step:
    """One thing a student can do, perhaps on another site: a short name to refer to it by, and what it means."""

    code: str
    name: dict[str, str]
    text: dict[str, str]
    url: str | None

    @property
    def site(self) -> str:
        """Return the link's address as shown: without scheme, www. and trailing slash."""
        return (self.url or "").removeprefix("https://").removeprefix("www.").rstrip("/")


@dataclass(frozen=True)
class Item:
    """A protected ground or a kind of misuse, with an example, advice and the category to report it in."""

    code: str
    category: str
    name: dict[str, str]
    example: dict[str, str]
    advice: dict[str, str]
    steps: tuple[Step, ...]
    law: dict[str, str] | None = None


@dataclass(frozen=True)
class Phase:
    code: str
    examples: tuple[dict[str, str], ...]


@dataclass(frozen=True)
class Toolkit:
    grounds: tuple[Item, ...]
    phases: tuple[Phase, ...]
    misuse: tuple[Item, ...]
    steps: tuple[Step, ...]  # every step of the file, in its order

    def examples(self, phase: str) -> tuple[dict[str, str], ...]:
        """Return the examples given for a phase (none for a phase the file does not cover yet)."""
        return next((p.examples for p in self.phases if p.code == phase), ())

    def steps_of(self, items: tuple[Item, ...]) -> tuple[Step, ...]:
        """Return the steps these items name, each once, in the order of the file's [steps]."""
        named = {step.code for item in items for step in item.steps}
        return tuple(step for step in self.steps if step.code in named)

    def categories(self) -> set[str]:
        """Return every category the toolkit links to."""
        return {item.category for item in self.grounds + self.misuse}


def _labels(table: Any, where: str) -> dict[str, str]:
    if not isinstance(table, dict) or not {"nl", "en"} <= table.keys():
        raise ToolkitError(f"toolkit.toml: {where} needs a Dutch (nl) and an English (en) text")
    return {"nl": str(table["nl"]), "en": str(table["en"])}


def _steps(data: dict[str, Any]) -> dict[str, Step]:
    steps = {}
    for code, table in data.items():
        url = table.get("url")
        if url is not None and not (isinstance(url, str) and url.startswith("https://")):
            raise ToolkitError(f"toolkit.toml: step {code} links to {url!r}; links must start with https://")
        steps[code] = Step(code, _labels(table.get("name"), f"step {code} name"), _labels(table, f"step {code}"), url)
    return steps


def _item(table: dict[str, Any], section: str, steps: dict[str, Step], routing: Routing) -> Item:
    code = str(table["code"])
    where = f"{section} {code}"
    category = str(table["category"])
    if category not in routing.categories:
        raise ToolkitError(
            f"toolkit.toml: {where} links to category {category}, which the routing (routing.toml) does not know; "
            "its report link would break"
        )
    unknown = [s for s in table["steps"] if s not in steps]
    if unknown:
        raise ToolkitError(f"toolkit.toml: {where} names unknown steps: {', '.join(map(str, unknown))}")
    return Item(
        code,
        category,
        _labels(table["name"], f"{where} name"),
        _labels(table["example"], f"{where} example"),
        _labels(table["advice"], f"{where} advice"),
        tuple(steps[s] for s in table["steps"]),
        _labels(table["law"], f"{where} law") if "law" in table else None,
    )


def _phase(table: dict[str, Any]) -> Phase:
    code = str(table["phase"])
    if code not in PHASES:
        raise ToolkitError(f"toolkit.toml: phase {code} is not a phase of hotline/taxonomy.py ({', '.join(PHASES)})")
    return Phase(code, tuple(_labels(e, f"phase {code} example") for e in table["examples"]))


def parse(data: dict[str, Any], routing: Routing) -> Toolkit:
    """Build and check a Toolkit from parsed TOML against the routing's categories."""
    try:
        steps = _steps(data["steps"])
        toolkit = Toolkit(
            tuple(_item(t, "ground", steps, routing) for t in data["grounds"]),
            tuple(_phase(t) for t in data["phases"]),
            tuple(_item(t, "misuse item", steps, routing) for t in data["misuse"]),
            tuple(steps.values()),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ToolkitError(f"toolkit.toml is missing or mistypes {exc}") from exc
    for section in (toolkit.grounds, toolkit.misuse, toolkit.phases):
        codes = [entry.code for entry in section]
        if len(codes) != len(set(codes)):
            raise ToolkitError(f"toolkit.toml: a code appears twice among {', '.join(codes)}")
    return toolkit


def source() -> str:
    """Return the text of the shipped toolkit.toml."""
    return resources.files("hotline").joinpath("toolkit.toml").read_text("utf-8")


def load(routing: Routing) -> Toolkit:
    """Load and check the shipped toolkit; raises ToolkitError."""
    try:
        data = tomllib.loads(source())
    except tomllib.TOMLDecodeError as exc:
        raise ToolkitError(f"toolkit.toml: {exc}") from exc
    return parse(data, routing)


def current() -> Toolkit:
    """Return the toolkit loaded when the current app started."""
    return cast(Toolkit, current_app.extensions[EXTENSION])
