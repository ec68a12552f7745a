"""statistics.toml: the disclosure threshold and its floor, national reference figures, and the institution's
commitments under the Manifest tegen Stagediscriminatie; checked before the app starts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hotline import tables

STATES = ("planned", "started", "done")


class StatisticsSettingsError(Exception):
    """statistics.toml is invalid; the app must not start with it."""


@dataclass(frozen=True)
class Reference:
    code: str
    text: dict[str, str]
    source: dict[str, str]
    url: str | None
    checked: dt.date


@dataclass(frozen=True)
class Commitment:
    code: str
    text: dict[str, str]
    state: str  # planned, started or done
    since: dt.date


@dataclass(frozen=True)
class StatisticsSettings:
    threshold: int
    floor: int
    source: dict[str, str]
    source_url: str
    checked: dt.date
    references: tuple[Reference, ...]
    commitments: tuple[Commitment, ...]


def _texts(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(value.get(lang), str) and value[lang] for lang in ("nl", "en")
    ):
        raise StatisticsSettingsError(f"{where} needs a text in nl and en")
    return {"nl": value["nl"], "en": value["en"]}


def _date(value: Any, where: str) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise StatisticsSettingsError(f"{where} needs a date, such as 2026-12-05")
    return value


def parse(data: dict[str, Any], shipped_floor: int) -> StatisticsSettings:
    """Build and check the settings; the threshold may be raised, never set below the shipped floor."""
    disclosure = data.get("disclosure", {})
    threshold, floor = disclosure.get("threshold"), disclosure.get("floor")
    if floor != shipped_floor:
        raise StatisticsSettingsError(f"[disclosure] floor is {shipped_floor} and cannot be changed")
    if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < floor:
        raise StatisticsSettingsError(f"[disclosure] threshold must be a whole number of at least {floor}")
    references = tuple(
        Reference(
            code=str(item.get("code", "")),
            text=_texts(item.get("text"), f"reference {item.get('code')}"),
            source=_texts(item.get("source"), f"reference {item.get('code')} source"),
            url=item.get("url") or None,
            checked=_date(item.get("checked"), f"reference {item.get('code')} checked"),
        )
        for item in data.get("references", [])
    )
    commitments = []
    for item in data.get("commitments", []):
        where = f"commitment {item.get('code')}"
        if item.get("state") not in STATES:
            raise StatisticsSettingsError(f"{where}: state must be one of {', '.join(STATES)}")
        commitments.append(
            Commitment(
                str(item.get("code", "")),
                _texts(item.get("text"), where),
                item["state"],
                _date(item.get("since"), f"{where} since"),
            )  # fmt: skip
        )
    codes = [r.code for r in references] + [c.code for c in commitments]
    if any(not code for code in codes) or len(set(codes)) != len(codes):
        raise StatisticsSettingsError("every reference and commitment needs a code of its own")
    return StatisticsSettings(
        threshold=threshold,
        floor=floor,
        source=_texts(disclosure.get("source"), "[disclosure] source"),
        source_url=str(disclosure.get("url", "")),
        checked=_date(disclosure.get("checked"), "[disclosure] checked"),
        references=references,
        commitments=tuple(commitments),
    )


def load(override: Path | None = None) -> StatisticsSettings:
    """Load the shipped statistics.toml merged with an instance override; raise StatisticsSettingsError if wrong."""
    shipped = tables.shipped("hotline", "statistics.toml")
    return parse(
        tables.load("hotline", "statistics.toml", override, StatisticsSettingsError), shipped["disclosure"]["floor"]
    )
