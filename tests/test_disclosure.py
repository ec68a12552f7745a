"""Disclosure control of the statistics: no hidden cell can be pinned, checked by an independent attacker.

The attacker is scipy's MILP solver on the raw (uncollapsed) base cells: it holds every published table and
computes the integer minimum and maximum of each hidden cell under the attacker model of
hotline/statistics/disclosure.py. It shares no code with the module's own HiGHS audit.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp  # the independent attacker

from hotline.statistics.disclosure import (
    PRIMARY,
    SECONDARY,
    SHOWN,
    Base,
    Key,
    Link,
    Published,
    pinned,
    protect,
)

PROPERTY = settings(max_examples=60, deadline=None, database=None)  # no .hypothesis folder in the checkout
YEAR = "2026"
CATEGORIES = ["discrimination.origin", "discrimination.gender", "misuse.hours", "misuse.pay", "safety.machines"]


def attacker(
    cells: Sequence[Published],
    counts: Mapping[Base, int],
    status: Mapping[Key, str],
    threshold: int,
    links: Sequence[Link] = (),
) -> list[Key]:
    """The hidden cells whose integer minimum equals their integer maximum, by scipy's MILP."""
    bases = sorted(
        {base for cell in cells for base in cell.members} | {b for link in links for side in link for b in side}
    )
    column = {base: j for j, base in enumerate(bases)}
    matrix = np.zeros((len(cells), len(bases)))
    for i, cell in enumerate(cells):
        for base in cell.members:
            matrix[i, column[base]] = 1
    equal = np.zeros((len(links), len(bases)))  # left - right = 0
    for k, (left, right) in enumerate(links):
        for base in left:
            equal[k, column[base]] += 1
        for base in right:
            equal[k, column[base]] -= 1
    values = [sum(counts.get(base, 0) for base in cell.members) for cell in cells]
    low, high = [], []
    for cell, value in zip(cells, values, strict=True):
        if status[cell.key] == SHOWN:
            low.append(value)
            high.append(value)
        elif status[cell.key] == PRIMARY:
            low.append(0)
            high.append(threshold - 1)
        else:
            low.append(threshold)
            high.append(np.inf)
    # A finite box keeps every problem bounded; it only narrows what the attacker must consider, so a cell
    # that is safe inside it is safe without it.
    box = Bounds(0, 10 * (sum(values) + threshold + 1))
    constraint = [LinearConstraint(matrix, low, high)] if cells else []
    if links:
        constraint.append(LinearConstraint(equal, 0, 0))
    integrality = np.ones(len(bases))
    found = []
    for i, cell in enumerate(cells):
        if status[cell.key] == SHOWN:
            continue
        extremes = []
        for sign in (1, -1):
            result = milp(sign * matrix[i], integrality=integrality, bounds=box, constraints=constraint)
            assert result.status == 0, result.message
            extremes.append(round(sign * result.fun))
        if extremes[0] == extremes[1]:
            found.append(cell.key)
    return sorted(found)


def cube(
    quarters: Sequence[str], categories: Sequence[str], programmes: Sequence[str], ack: bool = False
) -> tuple[list[Published], list[Base]]:
    """The year's publication: by category, category group and programme, per quarter and for the year.

    With ack, each base cell is split by whether the report was acknowledged within 7 days, and each quarter
    also publishes the yes and the no count (together its total)."""
    answers = ("yes", "no") if ack else ("",)
    bases: list[Base] = [
        (q, c, p, a) if ack else (q, c, p) for q in quarters for c in categories for p in programmes for a in answers
    ]
    cells: dict[Key, set[Base]] = {}

    def add(key: Key, base: Base) -> None:
        cells.setdefault(key, set()).add(base)

    for base in bases:
        quarter, category, programme = base[:3]
        for period in (quarter, YEAR):
            add(("category", period, category), base)
            add(("group", period, category.split(".")[0]), base)
            add(("programme", period, programme), base)
            add(("total", period), base)
        if ack:
            add(("acknowledged", quarter, base[3]), base)
    return [Published(key, frozenset(members)) for key, members in sorted(cells.items())], bases


def value(cell: Published, counts: Mapping[Base, int]) -> int:
    return sum(counts.get(base, 0) for base in cell.members)


def check_pattern(
    cells: Sequence[Published],
    counts: Mapping[Base, int],
    status: Mapping[Key, str],
    threshold: int,
    links: Sequence[Link] = (),
) -> None:
    """Every small cell hidden as PRIMARY, every SECONDARY large, and nothing the attacker can pin, unless
    everything is hidden: then the statuses alone may pin cells, and no pattern could do better (showing a
    cell only tells the attacker more); the audit must then say so."""
    assert set(status) == {cell.key for cell in cells}
    for cell in cells:
        small = value(cell, counts) < threshold
        assert (status[cell.key] == PRIMARY) == small, (cell.key, value(cell, counts), status[cell.key])
    found = attacker(cells, counts, status, threshold, links)
    assert pinned(cells, counts, status, threshold, links) == found
    assert found == [] or SHOWN not in status.values(), found


def row(values: Mapping[str, int]) -> tuple[list[Published], dict[Base, int]]:
    """One row of a table with its published total."""
    counts = {(name,): count for name, count in values.items()}
    cells = [Published(("cell", name), frozenset({(name,)})) for name in values]
    cells.append(Published(("total",), frozenset(counts)))
    return cells, counts


skewed = st.one_of(st.just(0), st.integers(0, 3), st.integers(0, 12))


@st.composite
def publications(draw: st.DrawFn, ack: bool = False) -> tuple[list[Published], dict[Base, int], int]:
    quarters = [f"{YEAR}Q{i}" for i in range(1, draw(st.integers(1, 2 if ack else 3)) + 1)]
    categories = draw(st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=2 if ack else 4, unique=True))
    programmes = [f"p{i}" for i in range(draw(st.integers(1, 2 if ack else 3)))]
    cells, bases = cube(quarters, categories, programmes, ack)
    counts = dict(zip(bases, draw(st.lists(skewed, min_size=len(bases), max_size=len(bases))), strict=True))
    return cells, counts, draw(st.integers(3, 6))


@PROPERTY
@given(publications())
def test_no_hidden_cell_can_be_pinned(publication: tuple[list[Published], dict[Base, int], int]) -> None:
    cells, counts, threshold = publication
    check_pattern(cells, counts, protect(cells, counts, threshold), threshold)


@PROPERTY
@given(publications(ack=True))
def test_no_hidden_cell_can_be_pinned_with_the_acknowledged_shares(
    publication: tuple[list[Published], dict[Base, int], int],
) -> None:
    cells, counts, threshold = publication
    check_pattern(cells, counts, protect(cells, counts, threshold), threshold)


@st.composite
def linked_publications(draw: st.DrawFn) -> tuple[list[Published], dict[Base, int], int, list[Link]]:
    """The app's shape for the answers: per quarter, yes and no as base cells of their own, published each, and
    linked to the quarter's cube (yes + no = all the quarter's reports) rather than split from it."""
    quarters = [f"{YEAR}Q{i}" for i in range(1, draw(st.integers(1, 3)) + 1)]
    categories = draw(st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=3, unique=True))
    programmes = [f"p{i}" for i in range(draw(st.integers(1, 3)))]
    cells, bases = cube(quarters, categories, programmes)
    counts = dict(zip(bases, draw(st.lists(skewed, min_size=len(bases), max_size=len(bases))), strict=True))
    links: list[Link] = []
    answered: dict[Key, set[Base]] = {}
    for quarter in quarters:
        cube_cells = frozenset(base for base in bases if base[0] == quarter)
        total = sum(counts[base] for base in cube_cells)
        yes = draw(st.integers(0, total))
        counts[quarter, "acknowledged", "yes"], counts[quarter, "acknowledged", "no"] = yes, total - yes
        answers = frozenset({(quarter, "acknowledged", "yes"), (quarter, "acknowledged", "no")})
        links.append((answers, cube_cells))
        for answer in ("yes", "no"):
            base = (quarter, "acknowledged", answer)
            answered.setdefault(("acknowledged", quarter, answer), set()).add(base)
            answered.setdefault(("acknowledged", YEAR, answer), set()).add(base)
    cells += [Published(key, frozenset(members)) for key, members in sorted(answered.items())]
    return cells, counts, draw(st.integers(3, 6)), links


@PROPERTY
@given(linked_publications())
def test_no_hidden_cell_can_be_pinned_through_a_link(
    publication: tuple[list[Published], dict[Base, int], int, list[Link]],
) -> None:
    cells, counts, threshold, links = publication
    check_pattern(cells, counts, protect(cells, counts, threshold, links=links), threshold, links)


@PROPERTY
@given(publications(), st.data())
def test_the_audit_agrees_with_the_attacker_on_any_pattern(
    publication: tuple[list[Published], dict[Base, int], int], data: st.DataObject
) -> None:
    """Random patterns, leaky or not (small cells may even be shown): the audit finds exactly the pinned."""
    cells, counts, threshold = publication
    status = {}
    for cell in cells:
        hide = data.draw(st.booleans())
        status[cell.key] = (PRIMARY if value(cell, counts) < threshold else SECONDARY) if hide else SHOWN
    assert pinned(cells, counts, status, threshold) == attacker(cells, counts, status, threshold)


def test_a_small_cell_in_a_row_with_a_total_takes_a_second_cell_with_it() -> None:
    cells, counts = row({"a": 3, "b": 8, "c": 9, "d": 12})
    status = protect(cells, counts, 5)
    assert status == {
        ("cell", "a"): PRIMARY,
        ("cell", "b"): SECONDARY,  # the smallest that unpins it
        ("cell", "c"): SHOWN,
        ("cell", "d"): SHOWN,
        ("total",): SHOWN,
    }
    check_pattern(cells, counts, status, 5)


def test_two_zeros_with_a_shown_total_are_not_left_alone() -> None:
    """Both hidden cells are 0: the shown total minus the shown cells is 0, which pins both."""
    cells, counts = row({"a": 0, "b": 0, "c": 7, "d": 9})
    naive = {("cell", "a"): PRIMARY, ("cell", "b"): PRIMARY, ("cell", "c"): SHOWN, ("cell", "d"): SHOWN}
    naive[("total",)] = SHOWN
    assert pinned(cells, counts, naive, 5) == [("cell", "a"), ("cell", "b")]
    status = protect(cells, counts, 5)
    assert status == naive | {("cell", "c"): SECONDARY}
    check_pattern(cells, counts, status, 5)


def test_a_quarter_total_cannot_be_recovered_from_the_year_total() -> None:
    quarters = {f"{YEAR}Q{i}": count for i, count in enumerate((3, 10, 12, 15), start=1)}
    counts = {(quarter, "x"): count for quarter, count in quarters.items()}
    cells = [Published(("total", quarter), frozenset({(quarter, "x")})) for quarter in quarters]
    cells.append(Published(("total", YEAR), frozenset(counts)))
    naive = {cell.key: PRIMARY if cell.key == ("total", f"{YEAR}Q1") else SHOWN for cell in cells}
    assert pinned(cells, counts, naive, 5) == [("total", f"{YEAR}Q1")]
    status = protect(cells, counts, 5)
    assert status == naive | {("total", f"{YEAR}Q2"): SECONDARY}
    check_pattern(cells, counts, status, 5)


def test_a_cell_cannot_be_recovered_through_another_table() -> None:
    """The category table hides a small category and the quarter total, but the programme table adds up to it."""
    quarter = f"{YEAR}Q1"
    cells, bases = cube([quarter], ["misuse.hours", "misuse.pay", "safety.machines"], ["p0", "p1"])
    quarter_cells = [cell for cell in cells if cell.key[1] == quarter]
    counts = dict(zip(bases, (1, 2, 4, 5, 6, 7), strict=True))  # categories 3, 9, 13; programmes 11, 14
    naive = {cell.key: SHOWN for cell in quarter_cells}
    naive[("category", quarter, "misuse.hours")] = PRIMARY
    naive[("total", quarter)] = SECONDARY
    naive[("group", quarter, "misuse")] = SECONDARY
    naive[("group", quarter, "safety")] = SECONDARY
    # The total is the programmes' sum, so misuse.hours = total - 9 - 13; the safety group is its one category.
    leaked = [("category", quarter, "misuse.hours")] + [("group", quarter, g) for g in ("misuse", "safety")]
    leaked.append(("total", quarter))
    assert pinned(quarter_cells, counts, naive, 5) == leaked
    assert attacker(quarter_cells, counts, naive, 5) == leaked
    status = protect(quarter_cells, counts, 5)
    check_pattern(quarter_cells, counts, status, 5)


def test_the_audit_is_not_vacuous() -> None:
    """A pattern that leaks is caught, a pattern that does not is passed, and the attacker agrees."""
    cells, counts = row({"a": 3, "b": 8, "c": 9})
    leaky = {("cell", "a"): PRIMARY, ("cell", "b"): SHOWN, ("cell", "c"): SHOWN, ("total",): SHOWN}
    assert pinned(cells, counts, leaky, 5) == [("cell", "a")] == attacker(cells, counts, leaky, 5)
    tight = leaky | {("cell", "b"): SECONDARY}
    assert pinned(cells, counts, tight, 5) == [] == attacker(cells, counts, tight, 5)
    # The total alone pins the one hidden cell of a row of one; a cell with no members is always 0.
    lonely = [Published(("cell", "a"), frozenset({("a",)})), Published(("total",), frozenset({("a",)}))]
    assert pinned(lonely, {("a",): 9}, {("cell", "a"): SECONDARY, ("total",): SHOWN}, 5) == [("cell", "a")]
    empty = [Published(("cell", "none"), frozenset())]
    assert pinned(empty, {}, {("cell", "none"): PRIMARY}, 5) == [("cell", "none")]


def test_a_fractional_lp_bound_does_not_hide_an_integer_pin() -> None:
    """x = 1, y = 0, z = 3; y + z = 3 and x + z = 4 shown, x + y hidden (below 3). Then x + y = 7 - 2z, and the
    LP lets it reach 2 at z = 2.5, but integers make it odd: 1 is the only value below 3. Only the integer audit
    sees the pin, and protect must unpin it without an LP certificate to go by."""
    bases = {"x": ("x",), "y": ("y",), "z": ("z",)}
    counts = {bases["x"]: 1, bases["y"]: 0, bases["z"]: 3}
    cells = [Published(("pair", a + b), frozenset({bases[a], bases[b]})) for a, b in ("xy", "yz", "xz")]
    naive = {("pair", "xy"): PRIMARY, ("pair", "yz"): SHOWN, ("pair", "xz"): SHOWN}
    assert pinned(cells, counts, naive, 3) == [("pair", "xy")] == attacker(cells, counts, naive, 3)
    status = protect(cells, counts, 3)
    assert status == naive | {("pair", "yz"): SECONDARY}
    check_pattern(cells, counts, status, 3)


def test_a_link_is_known_to_the_attacker() -> None:
    """Yes and no are base cells of their own; only the link says they add up to the quarter's reports."""
    counts: dict[Base, int] = {("a",): 6, ("b",): 6, ("yes",): 10, ("no",): 2}
    cells = [Published((name,), frozenset({(name,)})) for name in ("a", "b", "yes", "no")]
    links: list[Link] = [(frozenset({("yes",), ("no",)}), frozenset({("a",), ("b",)}))]
    naive = {("a",): SHOWN, ("b",): SHOWN, ("yes",): SHOWN, ("no",): PRIMARY}
    assert pinned(cells, counts, naive, 5) == []  # without the link "no" is anything below 5
    assert pinned(cells, counts, naive, 5, links) == [("no",)] == attacker(cells, counts, naive, 5, links)
    status = protect(cells, counts, 5, links=links)
    assert status == naive | {("a",): SECONDARY}
    check_pattern(cells, counts, status, 5, links)
    with pytest.raises(ValueError, match="links"):
        protect(cells, counts | {("no",): 3}, 5, links=links)


def test_when_everything_is_hidden_the_statuses_alone_can_pin() -> None:
    """The limit of the attacker model: "secondary" says ">= threshold". One category, two programmes, two
    quarters (2 1 / 2 1), threshold 3: each quarter's total is >= 3 but each programme's < 3, and programme
    p1's year is < 3, so p1 is 1 in both quarters and p0 is 2. Every pattern leaks; protect hides everything
    and the audit reports what leaks, so that the caller can see it."""
    cells, bases = cube([f"{YEAR}Q1", f"{YEAR}Q2"], ["discrimination.gender"], ["p0", "p1"])
    counts = dict(zip(bases, (2, 1, 2, 1), strict=True))
    status = protect(cells, counts, 3)
    assert SHOWN not in status.values()
    assert pinned(cells, counts, status, 3) == attacker(cells, counts, status, 3) == sorted(status)


@pytest.mark.parametrize("threshold", [2, 0, -1])
def test_a_threshold_below_three_is_refused(threshold: int) -> None:
    cells, counts = row({"a": 3, "b": 8})
    with pytest.raises(ValueError, match="at least 3"):
        protect(cells, counts, threshold)
    with pytest.raises(ValueError, match="at least 3"):
        pinned(cells, counts, {cell.key: SHOWN for cell in cells}, threshold)


def test_an_inconsistent_status_is_refused() -> None:
    cells, counts = row({"a": 3, "b": 8})
    with pytest.raises(ValueError, match="value is 8"):
        pinned(cells, counts, {("cell", "a"): PRIMARY, ("cell", "b"): PRIMARY, ("total",): SHOWN}, 5)


def year_publication(seed: int) -> tuple[list[Published], dict[Base, int]]:
    """A year shaped like the real one, with a few hundred reports skewed over categories and programmes."""
    rng = random.Random(seed)  # noqa: S311  (made-up data, reproducible)
    quarters = [f"{YEAR}Q{i}" for i in range(1, 5)]
    categories = [
        f"{group}.{i}" for group, size in (("discrimination", 5), ("misuse", 4), ("safety", 3)) for i in range(size)
    ]
    programmes = [f"programme-{i}" for i in range(10)]
    cells, bases = cube(quarters, categories, programmes)
    weights = [rng.paretovariate(1.2) for _ in bases]
    counts: dict[Base, int] = {}
    for base in rng.choices(bases, weights, k=rng.randint(150, 400)):
        counts[base] = counts.get(base, 0) + 1
    return cells, counts


def test_a_year_is_protected_and_the_result_does_not_depend_on_the_input_order() -> None:
    cells, counts = year_publication(seed=7)
    status = protect(cells, counts, 5)
    check_pattern(cells, counts, status, 5)
    assert SHOWN in status.values() and SECONDARY in status.values()
    shuffled = list(cells)
    random.Random(1).shuffle(shuffled)  # noqa: S311  (a fixed reordering, not a secret)
    reordered = dict(sorted(counts.items(), reverse=True))
    assert protect(shuffled, reordered, 5) == status
    assert protect(cells, counts, 5) == status
