"""What the statistics publish for a year: the tables, every figure in them, and which are hidden.

One set of published cells serves the page, the downloads and `hotline stats --json`, so that none of them can
show what another hides. Every cell is a sum of base cells (cases by quarter, category and programme; and per
quarter, how many were answered in time and how many not), and disclosure control decides over all of them at
once: a quarter is the finest period, and no cell is finer than what a handler's inbox shows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from hotline.routing import Routing
from hotline.statistics import disclosure
from hotline.statistics.disclosure import Base, Key, Published
from hotline.statistics.hotline_counts import HotlineCounts, median
from hotline.statistics.quarters import Quarter

YEAR = "year"  # the column of the whole year (its ended quarters)
HIDDEN = "hidden"  # a hidden cell shown like every other, when telling primary from secondary would give it away
# How the hotline answered, per quarter: counted yes and no, each a share of the quarter's reports.
ANSWERS = ("labour", "acknowledged_in_time", "feedback_in_time", "closed")


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

    @property
    def periods(self) -> list[str]:
        return [q.key for q in self.quarters] + [YEAR]

    def table(self, code: str) -> Table:
        return next(t for t in self.tables if t.code == code)


def _cells(
    counts: HotlineCounts, categories: Iterable[str], groups: Mapping[str, str], programmes: Iterable[str]
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
    return cells, base, links


# What hiding a cell costs the reader, beside its size: the detail goes first, the totals last.
WEIGHTS = {"category": 1, "programme": 1, "group": 3, "total": 9}


def cost(key: Key, value: int) -> float:
    """Rank the cells secondary suppression may hide: a quarter's detail before a group, a group before a total."""
    kind, period, _code = key
    return value * WEIGHTS.get(kind, 1) * (2 if period == YEAR else 1)


def build(
    counts: HotlineCounts, year: int, routing: Routing, programmes: Mapping[str, dict[str, str]], threshold: int
) -> Publication:
    """Publish a year's ended quarters: count every cell, protect them all at once, and lay them out as tables."""
    groups = {code: category.group for code, category in routing.categories.items()}
    cells, base, links = _cells(counts, routing.categories, groups, programmes)
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
    return Publication(
        year=year,
        quarters=counts.quarters,
        threshold=threshold,
        tables=[
            Table("total", total),
            Table("category", by_category),
            Table("programme", by_programme),
            Table("answers", answers),
        ],
        medians=medians,
    )
