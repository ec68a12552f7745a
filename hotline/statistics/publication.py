"""What the statistics publish for a year: the tables, every figure in them, and which are hidden.

One set of published cells serves the page, the downloads and `hotline stats --json`, so that none of them can
show what another hides. Every cell is a sum of base cells (cases by quarter, category and programme; and per
quarter, how many were answered in time and how many not), and disclosure control decides over all of them at
once: a quarter is the finest period, and no cell is finer than what a handler's inbox shows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from hotline.routing import Routing
from hotline.statistics import disclosure
from hotline.statistics.disclosure import Base, Key, Published
from hotline.statistics.hotline_counts import HotlineCounts, median
from hotline.statistics.quarters import Quarter

YEAR = "year"  # the column of the whole year (its ended quarters)
HIDDEN = "hidden"  # a hidden cell shown like every other, when telling primary from secondary would give it away
# How the hotline answered, per quarter: counted yes and no, each a share of the quarter's reports.
ANSWERS = ("labour", "acknowledged_in_time", "feedback_in_time", "closed")


class PortalCounts(Protocol):
    """What the portal hands the statistics per quarter (hotline.portal.figures.Quarterly): counts and code names."""

    @property
    def sought(self) -> dict[tuple[str, str], int]: ...
    @property
    def found(self) -> dict[tuple[str, str], int]: ...
    @property
    def declines(self) -> dict[tuple[str, str], int]: ...
    @property
    def moments_due(self) -> dict[str, int]: ...
    @property
    def moments_on_time(self) -> dict[str, int]: ...
    @property
    def signals(self) -> dict[tuple[str, str], int]: ...
    @property
    def days_to_placement(self) -> dict[str, Counter[int]]: ...
    @property
    def programmes(self) -> dict[str, dict[str, str]]: ...
    @property
    def reasons(self) -> dict[str, dict[str, str]]: ...


# The portal's tables, in the order the page shows them.
PORTAL_TABLES = ("sought", "found", "declines", "moments", "signals")


@dataclass(frozen=True)
class Figure:
    """One published number: its value, or None when hidden, and why (disclosure.SHOWN, PRIMARY or SECONDARY)."""

    value: int | None
    status: str


@dataclass(frozen=True)
class Row:
    code: str  # a category, group, programme or answer code
    labels: dict[str, str]  # nl and en
    level: int  # 0: a heading row (a group, a total), 1: a row under it
    cells: dict[str, Figure]  # period (quarter key or YEAR) -> figure


@dataclass(frozen=True)
class Table:
    code: str  # "category", "programme", "answers", "total"
    rows: list[Row]


@dataclass(frozen=True)
class Publication:
    year: int
    quarters: tuple[Quarter, ...]  # the ended quarters it covers
    threshold: int
    tables: list[Table]
    medians: dict[str, float | None] = field(default_factory=dict)  # days to acknowledgement, per period
    provisional: tuple[str, ...] = ()  # quarters whose answers may still change (statistics.settled)

    @property
    def periods(self) -> list[str]:
        return [q.key for q in self.quarters] + [YEAR]

    def table(self, code: str) -> Table:
        return next(t for t in self.tables if t.code == code)


def _cells(
    counts: HotlineCounts,
    categories: Iterable[str],
    groups: Mapping[str, str],
    programmes: Iterable[str],
    portal: PortalCounts | None = None,
) -> tuple[list[Published], dict[Base, int], list[disclosure.Link]]:
    """Return the published cells, the base counts and the links (two sums of base cells known to be equal)."""
    quarters = [q.key for q in counts.quarters]
    category_codes = sorted(set(categories) | {c for _q, c, _p in counts.cube})
    programme_codes = sorted(set(programmes) | {p for _q, _c, p in counts.cube})
    base: dict[Base, int] = {
        (q, c, p): counts.cube.get((q, c, p), 0) for q in quarters for c in category_codes for p in programme_codes
    }
    cube_of = {q: frozenset(b for b in base if b[0] == q) for q in quarters}
    cells: list[Published] = []

    def add(kind: str, code: str, members: Mapping[str, frozenset[Base]]) -> None:
        for period, found in members.items():
            cells.append(Published((kind, period, code), found))
        cells.append(Published((kind, YEAR, code), frozenset().union(*members.values())))

    for c in category_codes:
        add("category", c, {q: frozenset(b for b in cube_of[q] if b[1] == c) for q in quarters})
    for g in sorted(set(groups.values())):
        add("group", g, {q: frozenset(b for b in cube_of[q] if groups.get(b[1]) == g) for q in quarters})
    for p in programme_codes:
        add("programme", p, {q: frozenset(b for b in cube_of[q] if b[2] == p) for q in quarters})
    add("total", "reports", cube_of)
    links: list[disclosure.Link] = []
    for name in ANSWERS:
        found: dict[str, int] = getattr(counts, name)
        for answer in ("yes", "no"):
            members = {q: frozenset({(q, name, answer)}) for q in quarters}
            add(name, answer, members)
        for q in quarters:
            yes = found.get(q, 0)
            base[q, name, "yes"], base[q, name, "no"] = yes, counts.totals.get(q, 0) - yes
            links.append((frozenset({(q, name, "yes"), (q, name, "no")}), cube_of[q]))
    if portal is not None:
        _portal_cells(portal, quarters, base, add)
    return cells, base, links


def _portal_cells(
    portal: PortalCounts,
    quarters: list[str],
    base: dict[Base, int],
    add: Callable[[str, str, Mapping[str, frozenset[Base]]], None],
) -> None:
    """Add the portal's figures: each its own base cells, so that no count of it is finer than its table."""
    codes = sorted({p for _q, p in portal.sought})
    for q in quarters:
        for p in codes:
            found = portal.found.get((q, p), 0)
            base["placements", q, p, "found"], base["placements", q, p, "not"] = (
                found,
                portal.sought.get((q, p), 0) - found,
            )
    for p in codes:
        add("sought", p, {q: frozenset({("placements", q, p, "found"), ("placements", q, p, "not")}) for q in quarters})
        add("found", p, {q: frozenset({("placements", q, p, "found")}) for q in quarters})
    add("sought", "all", {q: frozenset(b for b in base if b[:2] == ("placements", q)) for q in quarters})
    add(
        "found",
        "all",
        {q: frozenset(b for b in base if b[:2] == ("placements", q) and b[3] == "found") for q in quarters},
    )
    for name, values in (("declines", portal.declines), ("signals", portal.signals)):
        kinds = sorted({code for _q, code in values})
        for q in quarters:
            for code in kinds:
                base[name, q, code] = values.get((q, code), 0)
        for code in kinds:
            add(name, code, {q: frozenset({(name, q, code)}) for q in quarters})
        add(name, "all", {q: frozenset({(name, q, code) for code in kinds}) for q in quarters})
    for q in quarters:
        on_time = portal.moments_on_time.get(q, 0)
        base["moments", q, "on_time"], base["moments", q, "late"] = on_time, portal.moments_due.get(q, 0) - on_time
    add("moments", "due", {q: frozenset({("moments", q, "on_time"), ("moments", q, "late")}) for q in quarters})
    add("moments", "on_time", {q: frozenset({("moments", q, "on_time")}) for q in quarters})


# What hiding a cell costs the reader, beside its size: the detail goes first, the totals last.
WEIGHTS = {"category": 1, "programme": 1, "group": 3, "total": 9}


def cost(key: Key, value: int) -> float:
    """Rank the cells secondary suppression may hide: a quarter's detail before a group, a group before a total."""
    kind, period, _code = key
    return value * WEIGHTS.get(kind, 1) * (2 if period == YEAR else 1)


def build(
    counts: HotlineCounts,
    year: int,
    routing: Routing,
    programmes: Mapping[str, dict[str, str]],
    threshold: int,
    portal: PortalCounts | None = None,
) -> Publication:
    """Publish a year's ended quarters: count every cell, protect them all at once, and lay them out as tables."""
    groups = {code: category.group for code, category in routing.categories.items()}
    cells, base, links = _cells(counts, routing.categories, groups, programmes, portal)
    status = disclosure.protect(cells, base, threshold, links=links, cost=cost)
    if disclosure.pinned(cells, base, status, threshold, links=links):
        # Rare, on tiny data: every cell hidden, yet which are "fewer than N" and which are hidden for cover gives
        # the counts away. Then every hidden cell shows alike, which tells an attacker nothing but the structure.
        status = {key: HIDDEN if found != disclosure.SHOWN else found for key, found in status.items()}
    value = {cell.key: sum(base[b] for b in cell.members) for cell in cells}
    periods = [q.key for q in counts.quarters] + [YEAR]

    def row(kind: str, code: str, labels: dict[str, str], level: int, name: str | None = None) -> Row:
        figures = {}
        for period in periods:
            key: Key = (kind, period, code)
            shown = status[key] == disclosure.SHOWN
            figures[period] = Figure(value[key] if shown else None, status[key])
        return Row(name or code, labels, level, figures)

    by_category = []
    for group, members in routing.by_group():
        by_category.append(row("group", group.code, group.label, 0))
        by_category += [row("category", c.code, c.label, 1) for c in members]
    unknown = sorted({c for _q, c, _p in counts.cube} - set(routing.categories))
    by_category += [row("category", code, {"nl": code, "en": code}, 1) for code in unknown]  # a category since removed
    programme_codes = sorted(set(programmes) | {p for _q, _c, p in counts.cube})
    by_programme = [row("programme", p, programmes.get(p, {"nl": p, "en": p}), 1) for p in programme_codes]
    answers = [row(name, "yes", {"nl": name, "en": name}, 1, name=name) for name in ANSWERS]
    total = [row("total", "reports", {"nl": "Meldingen", "en": "Reports"}, 0)]
    medians: dict[str, float | None] = {}
    histograms = {q.key: counts.days_to_acknowledge.get(q.key, Counter()) for q in counts.quarters}
    histograms[YEAR] = sum(histograms.values(), Counter())
    for period, histogram in histograms.items():  # a median of fewer cases than the threshold is not published
        medians[period] = median(histogram) if sum(histogram.values()) >= threshold else None
    tables = [
        Table("total", total),
        Table("category", by_category),
        Table("programme", by_programme),
        Table("answers", answers),
    ]
    if portal is not None:
        tables += _portal_tables(portal, row)
        waits = {q.key: portal.days_to_placement.get(q.key, Counter()) for q in counts.quarters}
        waits[YEAR] = sum(waits.values(), Counter())
        for period, histogram in waits.items():
            medians[f"placement-{period}"] = median(histogram) if sum(histogram.values()) >= threshold else None
    return Publication(year=year, quarters=counts.quarters, threshold=threshold, tables=tables, medians=medians)


def _portal_tables(portal: PortalCounts, row: Callable[..., Row]) -> list[Table]:
    """Lay the portal's protected cells out as tables: per programme, by reason, by kind, and the contact moments."""
    codes = sorted({p for _q, p in portal.sought})
    names = {code: portal.programmes.get(code, {"nl": code, "en": code}) for code in codes}
    everyone = {"nl": "Alle opleidingen", "en": "All programmes"}
    tables = [
        Table(name, [row(name, "all", everyone, 0)] + [row(name, code, names[code], 1) for code in codes])
        for name in ("sought", "found")
    ]
    reasons = sorted({code for _q, code in portal.declines})
    every_reason = [row("declines", code, portal.reasons.get(code, {"nl": code, "en": code}), 1) for code in reasons]
    tables.append(
        Table("declines", [row("declines", "all", {"nl": "Alle redenen", "en": "All reasons"}, 0), *every_reason])
    )
    moments = [row("moments", code, {"nl": code, "en": code}, 1) for code in ("due", "on_time")]
    tables.append(Table("moments", moments))
    kinds = sorted({code for _q, code in portal.signals})
    every_kind = [row("signals", code, {"nl": code, "en": code}, 1) for code in kinds]
    tables.append(Table("signals", [row("signals", "all", {"nl": "Alle soorten", "en": "All kinds"}, 0), *every_kind]))
    return tables
