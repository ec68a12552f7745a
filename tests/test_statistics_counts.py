"""The hotline's counts per quarter: what the statistics start from, counted by the database."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select
from test_casework_authz import add_case

from hotline.models import CaseRoute, Destination
from hotline.statistics import hotline_counts
from hotline.statistics.quarters import Quarter, ended, of_year

Q1, Q2 = Quarter(2026, 1), Quarter(2026, 2)


def test_quarters_run_from_the_first_to_the_last_day_and_publish_once_over() -> None:
    assert (Q1.start, Q1.end, Q1.key) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31), "2026Q1")
    assert Quarter(2026, 4).end == dt.date(2026, 12, 31) and Quarter(2024, 1).end == dt.date(2024, 3, 31)
    assert Quarter.of(dt.date(2026, 5, 31)) == Q2 and Quarter.parse("2026Q2") == Q2
    assert ended(2026, dt.date(2026, 7, 1)) == [Q1, Q2]  # 30 June is over on 1 July, not before
    assert ended(2026, dt.date(2026, 6, 30)) == [Q1]
    for wrong in ("2026Q5", "26Q1", "2026-1", ""):
        with pytest.raises(ValueError):
            Quarter.parse(wrong)


def test_cases_are_counted_per_quarter_by_category_programme_and_answer(session: Any) -> None:
    day = dt.date(2026, 2, 10)
    add_case(session, "hbo-ict", day, category="discrimination.origin", acknowledged_on=day + dt.timedelta(days=3))
    add_case(session, "hbo-ict", day, category="discrimination.origin", acknowledged_on=day + dt.timedelta(days=9))
    add_case(session, "verpleegkunde", dt.date(2026, 3, 31), category="misuse.tasks", status="closed",
             acknowledged_on=dt.date(2026, 4, 2), feedback_on=dt.date(2026, 4, 2))  # fmt: skip
    add_case(session, "verpleegkunde", dt.date(2026, 4, 1), category="misuse.tasks")
    add_case(session, "hbo-ict", dt.date(2025, 12, 31), category="misuse.tasks")  # before: not counted
    labour = session.scalars(select(Destination).where(Destination.slug == "arbeidsinspectie")).one()
    routed = add_case(session, "hbo-ict", dt.date(2026, 4, 2), category="misuse.pay")
    session.add(CaseRoute(case_id=routed, destination_id=labour.id, reason="test"))
    session.commit()
    found = hotline_counts.counts(session, [Q1, Q2])
    assert found.totals == {"2026Q1": 3, "2026Q2": 2}
    assert found.by_category == {
        ("2026Q1", "discrimination.origin"): 2,
        ("2026Q1", "misuse.tasks"): 1,
        ("2026Q2", "misuse.tasks"): 1,
        ("2026Q2", "misuse.pay"): 1,
    }
    assert found.by_programme == {("2026Q1", "hbo-ict"): 2, ("2026Q1", "verpleegkunde"): 1, ("2026Q2", "hbo-ict"): 1,
                                  ("2026Q2", "verpleegkunde"): 1}  # fmt: skip
    assert found.labour == {"2026Q2": 1}
    assert found.acknowledged_in_time == {"2026Q1": 2}  # 3 and 2 days; 9 days is late
    assert found.feedback_in_time == {"2026Q1": 1} and found.closed == {"2026Q1": 1}
    assert found.days_to_acknowledge == {"2026Q1": Counter({3: 1, 9: 1, 2: 1})}
    assert hotline_counts.median(found.days_to_acknowledge["2026Q1"]) == 3


@pytest.mark.parametrize(
    ("histogram", "expected"),
    [({}, None), ({4: 1}, 4), ({1: 1, 5: 1}, 3), ({1: 2, 9: 1}, 1), ({0: 1, 2: 2, 30: 1}, 2)],
)
def test_the_median_of_a_histogram(histogram: dict[int, int], expected: float | None) -> None:
    assert hotline_counts.median(Counter(histogram)) == expected


def test_a_whole_year_has_four_quarters() -> None:
    assert [q.key for q in of_year(2027)] == ["2027Q1", "2027Q2", "2027Q3", "2027Q4"]
