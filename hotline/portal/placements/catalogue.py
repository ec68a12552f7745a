"""The placements office's lists from placements.toml: programmes, learning areas, regions, decline reasons, weights."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hotline import tables
from hotline.portal.placements.fit import Weights


class CatalogueError(Exception):
    """placements.toml is invalid; the portal must not start with it."""


@dataclass(frozen=True)
class Programme:
    code: str
    name: dict[str, str]
    areas: dict[str, dict[str, str]]  # code -> {nl, en}


@dataclass(frozen=True)
class Catalogue:
    programmes: dict[str, Programme]
    regions: dict[str, dict[str, str]]
    decline_reasons: dict[str, dict[str, str]]
    weights: Weights
    period_starts: tuple[int, ...]  # months in which a planning period begins, in order
    wish_areas: int  # learning areas a student puts in order, at most
    wish_choices: int  # offers a student ranks, at most

    def period_of(self, day: dt.date) -> dt.date:
        """Return the first day of the planning period a date falls in."""
        starts = [dt.date(day.year, month, 1) for month in self.period_starts]
        earlier = [start for start in starts if start <= day]
        return max(earlier) if earlier else dt.date(day.year - 1, self.period_starts[-1], 1)

    def area_names(self) -> dict[str, dict[str, str]]:
        """Return every learning area of every programme by code."""
        return {code: name for p in self.programmes.values() for code, name in p.areas.items()}


def _names(table: Any, where: str) -> dict[str, str]:
    if not isinstance(table, dict) or not {"nl", "en"} <= table.keys():
        raise CatalogueError(f"{where} needs a Dutch (nl) and an English (en) name")
    return {"nl": str(table["nl"]), "en": str(table["en"])}


def parse(data: dict[str, Any]) -> Catalogue:
    """Build and check the catalogue from parsed TOML."""
    try:
        programmes = {
            code: Programme(
                code,
                _names(p, f"programme {code}"),
                {a: _names(n, f"area {a} of {code}") for a, n in p["areas"].items()},
            )
            for code, p in data["programmes"].items()
        }
        regions = {code: _names(n, f"region {code}") for code, n in data["regions"].items()}
        reasons = {code: _names(n, f"decline reason {code}") for code, n in data["decline_reasons"].items()}
        table = data["weights"]
        weights = Weights(
            area_by_rank=tuple(int(points) for points in table["area_by_rank"]),
            period=int(table["period"]),
            hours=int(table["hours"]),
            hours_step=int(table["hours_step"]),
            region=int(table["region"]),
        )
        starts = tuple(sorted(int(month) for month in data["periods"]["start_months"]))
        wish_areas, wish_choices = int(data["wish"]["areas"]), int(data["wish"]["choices"])
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise CatalogueError(f"placements file is missing or mistypes {exc}") from exc
    if not starts or not all(1 <= month <= 12 for month in starts):
        raise CatalogueError("periods.start_months needs one or more months from 1 to 12")
    if not programmes or any(not p.areas for p in programmes.values()):
        raise CatalogueError("every programme needs at least one learning area")
    if not reasons:
        raise CatalogueError("a host needs at least one reason to decline")
    if wish_areas < 1 or wish_choices < 1:
        raise CatalogueError("wish.areas and wish.choices must be 1 or more")
    return Catalogue(programmes, regions, reasons, weights, starts, wish_areas, wish_choices)


def load(override: Path | None = None) -> Catalogue:
    """Load the shipped placements.toml, merged with an instance override."""
    return parse(tables.load("hotline.portal", "placements.toml", override, CatalogueError))
