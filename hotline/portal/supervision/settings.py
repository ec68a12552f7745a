"""Supervision's defaults from supervision.toml, per programme, checked before the portal starts."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from hotline import tables


class SupervisionSettingsError(Exception):
    """supervision.toml is invalid; the portal must not start with it."""


@dataclass(frozen=True)
class Defaults:
    """A programme's supervision plan and signal settings (supervision.toml says what each means)."""

    start_within_days: int
    end_before_days: int
    return_day_every_weeks: int
    checkin_days: int
    checkin_grace_days: int
    tasks_fit_below: int
    safe_below: int
    no_supervision_in_a_row: int
    escalate_after_working_days: int


@dataclass(frozen=True)
class SupervisionSettings:
    defaults: Defaults
    programmes: dict[str, Defaults]
    remind_again_days: int = 7  # supervision.toml's [reminders] again_after_days

    def for_programme(self, programme: str) -> Defaults:
        """Return the programme's settings: its own table over the defaults."""
        return self.programmes.get(programme, self.defaults)


def _defaults(table: dict[str, Any], where: str) -> Defaults:
    try:
        values = {f.name: int(table[f.name]) for f in fields(Defaults)}
    except (KeyError, TypeError, ValueError) as exc:
        raise SupervisionSettingsError(f"{where} is missing or mistypes {exc}") from exc
    if min(values.values()) < 0 or values["checkin_days"] < 1 or values["no_supervision_in_a_row"] < 1:
        raise SupervisionSettingsError(f"{where}: the days and counts are 0 or more, check-ins at least a day apart")
    if not 1 <= values["tasks_fit_below"] <= 5 or not 1 <= values["safe_below"] <= 5:
        raise SupervisionSettingsError(f"{where}: tasks_fit_below and safe_below are on the 1-5 scale of the answers")
    return Defaults(**values)


def parse(data: dict[str, Any]) -> SupervisionSettings:
    """Build and check the settings from parsed TOML."""
    base = data.get("defaults")
    if not isinstance(base, dict):
        raise SupervisionSettingsError("supervision file needs a [defaults] table")
    defaults = _defaults(base, "[defaults]")
    programmes = {
        code: _defaults(base | table, f"[programmes.{code}]") for code, table in data.get("programmes", {}).items()
    }
    reminders = data.get("reminders", {})
    again = reminders.get("again_after_days") if isinstance(reminders, dict) else None
    if not isinstance(again, int) or isinstance(again, bool) or again < 1:
        raise SupervisionSettingsError("[reminders] again_after_days must be a whole number of days, 1 or more")
    return SupervisionSettings(defaults, programmes, again)


def load(override: Path | None = None) -> SupervisionSettings:
    """Load the shipped supervision.toml, merged with an instance override."""
    return parse(tables.load("hotline.portal", "supervision.toml", override, SupervisionSettingsError))
