"""A whole publication against an attacker: random years of reports, every table and download at once."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st
from test_disclosure import attacker

from hotline.portal.figures import Quarterly
from hotline.routing import load
from hotline.statistics import disclosure, publication
from hotline.statistics.hotline_counts import HotlineCounts
from hotline.statistics.quarters import Quarter

ROUTING = load()
GROUPS = {code: category.group for code, category in ROUTING.categories.items()}
QUARTERS = (Quarter(2026, 1), Quarter(2026, 2))
PROGRAMMES = {"hbo-ict": {"nl": "HBO-ICT", "en": "HBO-ICT"}, "verpleegkunde": {"nl": "Verpleegkunde", "en": "Nursing"}}
# A few categories carry the reports, as at a real institution; the rest of the taxonomy stays at zero.
USED = ["discrimination.origin", "discrimination.religion", "misuse.tasks"]


@st.composite
def years(draw: st.DrawFn) -> HotlineCounts:
    """A year of reports: small, skewed counts in a few categories and two programmes, and how they were answered."""
    cube = {
        (q.key, c, p): n
        for q in QUARTERS
        for c in USED
        for p in PROGRAMMES
        if (n := draw(st.integers(0, 9) | st.just(0)))
    }
    totals = Counter[str]()
    for (q, _c, _p), n in cube.items():
        totals[q] += n
    answered = {
        name: {q.key: k for q in QUARTERS if (k := draw(st.integers(0, totals[q.key])))} for name in publication.ANSWERS
    }
    return HotlineCounts(QUARTERS, dict(totals), {}, {}, cube, **answered, days_to_acknowledge={})


@st.composite
def portals(draw: st.DrawFn) -> Quarterly:
    """The portal's counts for the same quarters: students sought and placed, declines, moments and signals."""
    small = st.integers(0, 9) | st.just(0)
    sought = {(q.key, p): n for q in QUARTERS for p in ("hbo-ict", "verpleegkunde") if (n := draw(small))}
    found = {key: k for key, n in sought.items() if (k := draw(st.integers(0, n)))}
    declines = {(q.key, r): n for q in QUARTERS for r in ("filled", "period") if (n := draw(small))}
    due = {q.key: draw(small) for q in QUARTERS}
    on_time = {q: draw(st.integers(0, n)) for q, n in due.items()}
    signals = {(q.key, k): n for q in QUARTERS for k in ("unsafe", "tasks_off") if (n := draw(small))}
    return Quarterly(sought, found, declines, due, on_time, signals, {}, {}, {})


@settings(max_examples=12, deadline=None, database=None)
@given(years(), st.none() | portals())
def test_no_table_or_download_lets_an_attacker_pin_a_hidden_count(
    counts: HotlineCounts, portal: Quarterly | None
) -> None:
    published = publication.build(counts, 2026, ROUTING, PROGRAMMES, 5, portal)
    cells, base, links = publication._cells(counts, ROUTING.categories, GROUPS, PROGRAMMES, portal)
    status = {}
    for table in published.tables:
        for row in table.rows:
            for period, figure in row.cells.items():
                kind = "group" if table.code == "category" and row.level == 0 else table.code
                kind = row.code if table.code == "answers" else kind
                code = "yes" if table.code == "answers" else row.code
                status[kind, period, code] = figure.status
                assert (figure.value is None) == (figure.status != disclosure.SHOWN)
    # The page shows the yes of each answer; its no is published through the same statuses (a download's share).
    protected = disclosure.protect(cells, base, 5, links=links, cost=publication.cost)
    assert set(status) <= set(protected)  # every figure shown anywhere is a protected cell
    for key, found in status.items():
        assert found in (protected[key], publication.HIDDEN), key
    if publication.HIDDEN in status.values():  # every hidden cell shown alike: the attacker knows only "hidden"
        assert {found for found in status.values() if found != disclosure.SHOWN} == {publication.HIDDEN}
        return
    assert attacker(cells, base, protected, 5, links) == []
