"""A whole publication against an attacker: random years of reports, every table and download at once."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st
from test_disclosure import attacker

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


@settings(max_examples=12, deadline=None, database=None)
@given(years())
def test_no_table_or_download_lets_an_attacker_pin_a_hidden_count(counts: HotlineCounts) -> None:
    published = publication.build(counts, 2026, ROUTING, PROGRAMMES, 5)
    cells, base, links = publication._cells(counts, ROUTING.categories, GROUPS, PROGRAMMES)
    status = {}
    for table in published.tables:
        for row in table.rows:
            for period, figure in row.cells.items():
                kind = {"total": "total", "answers": row.code}.get(
                    table.code, "group" if row.level == 0 else table.code
                )
                code = "yes" if table.code == "answers" else row.code
                status[kind, period, code] = figure.status
                assert (figure.value is None) == (figure.status != disclosure.SHOWN)
    # The page shows the yes of each answer; its no is published through the same statuses (a download's share).
    protected = disclosure.protect(cells, base, 5, links=links, cost=publication.cost)
    for key, found in status.items():
        assert found in (protected[key], publication.HIDDEN), key
    if publication.HIDDEN in status.values():  # every hidden cell shown alike: the attacker knows only "hidden"
        assert {found for found in status.values() if found != disclosure.SHOWN} == {publication.HIDDEN}
        return
    assert attacker(cells, base, protected, 5, links) == []
