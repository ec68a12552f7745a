"""The hotline's counts per quarter, aggregated by the database: no case row is ever read into Python.

Everything here is a count of cases by the metadata a handler's inbox shows (the day a report came in, its
category and programme, where it was routed, and when it was acknowledged, answered and closed). Disclosure
control (statistics.disclosure) decides afterwards what of it may be shown.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from hotline.models import STATUSES, Case, CaseRoute, Destination
from hotline.statistics.quarters import Quarter

LABOUR_KIND = "labour_inspectorate"


@dataclass(frozen=True)
class HotlineCounts:
    """Counts per quarter key (2026Q1): reports by category and programme, and how the hotline answered them."""

    quarters: tuple[Quarter, ...]
    totals: dict[str, int]
    by_category: dict[tuple[str, str], int]  # (quarter, category) -> reports
    by_programme: dict[tuple[str, str], int]  # (quarter, programme) -> reports
    cube: dict[tuple[str, str, str], int]  # (quarter, category, programme) -> reports: what disclosure control needs
    labour: dict[str, int]  # routed to the Labour Inspectorate
    acknowledged_in_time: dict[str, int]  # acknowledged by a handler by the ack_due day
    feedback_in_time: dict[str, int]  # answered in substance by the feedback_due day
    closed: dict[str, int]  # closed, which always comes with a closing summary (workflow.TRANSITIONS)
    days_to_acknowledge: dict[str, Counter[int]]  # quarter -> days from report to acknowledgement -> cases


def first_report(session: Session) -> dt.date | None:
    """Return the day of the first report there is, one index seek per status (ix_case_status_received_on).

    A min over every case would read them all: some 100 ms at a million cases, on every view of the page.
    """
    days = [session.scalar(select(func.min(Case.received_on)).where(Case.status == s)) for s in STATUSES]
    return min((day for day in days if day is not None), default=None)


def quarter_of(quarters: Sequence[Quarter]) -> ColumnElement[str]:
    """The quarter key of a case's day, as SQL (a CASE over the quarters asked for)."""
    return case(*((and_(Case.received_on >= q.start, Case.received_on <= q.end), q.key) for q in quarters))


def _within(quarters: Sequence[Quarter]) -> ColumnElement[bool]:
    return and_(Case.received_on >= min(q.start for q in quarters), Case.received_on <= max(q.end for q in quarters))


FLAGS = ("labour", "acknowledged_in_time", "feedback_in_time", "closed")
Doc = dict[str, Any]  # one quarter's counts as plain JSON: what statistics.settled keeps once a quarter has settled


def counts(session: Session, quarters: Sequence[Quarter]) -> HotlineCounts:
    """Count the hotline's cases in these quarters: two aggregate queries, whatever the number of cases."""
    return join(quarters, count(session, quarters))


def count(session: Session, quarters: Sequence[Quarter]) -> dict[str, Doc]:
    """Count each quarter's cases, as one plain document per quarter key (every quarter asked, even an empty one).

    Each case is tagged with its quarter and its flags in a subquery, and the counts group that subquery's
    columns (PostgreSQL would not match a CASE with bound dates in SELECT to the same CASE in GROUP BY).
    """
    docs: dict[str, Doc] = {q.key: {"cube": [], **dict.fromkeys(FLAGS, 0), "days_to_acknowledge": []} for q in quarters}
    if not quarters:
        return docs
    labour = session.scalars(select(Destination.id).where(Destination.kind == LABOUR_KIND)).all()
    # A set to look each case up in (PostgreSQL hashes it), not a subquery run again for every case.
    routed = Case.id.in_(select(CaseRoute.case_id).where(CaseRoute.destination_id.in_(labour)))
    flags = {
        "labour": routed,
        "acknowledged_in_time": Case.acknowledged_on <= Case.ack_due,
        "feedback_in_time": Case.feedback_on <= Case.feedback_due,
        "closed": Case.status == "closed",
    }
    tagged = (
        select(
            quarter_of(quarters).label("quarter"),
            Case.category,
            Case.programme,
            Case.received_on,
            Case.acknowledged_on,
            *(case((rule, 1), else_=0).label(name) for name, rule in flags.items()),
        )
        .where(_within(quarters))
        .subquery()
    )
    columns = tagged.c
    joint = select(
        columns.quarter, columns.category, columns.programme, func.count(), *(func.sum(columns[f]) for f in flags)
    ).group_by(columns.quarter, columns.category, columns.programme)
    for q, c, p, n, *flagged in session.execute(joint):  # one row per quarter, category and programme: aggregates
        doc = docs[str(q)]
        doc["cube"].append([str(c), str(p), int(n)])
        for name, flagged_count in zip(flags, flagged, strict=True):
            doc[name] += int(flagged_count or 0)
    days: dict[str, Counter[int]] = {key: Counter() for key in docs}
    acknowledged = select(columns.quarter, columns.received_on, columns.acknowledged_on, func.count()).where(
        columns.acknowledged_on.is_not(None)
    )
    for key, received, on, n in session.execute(
        acknowledged.group_by(columns.quarter, columns.received_on, columns.acknowledged_on)
    ):
        days[str(key)][(on - received).days] += int(n)
    for key, doc in docs.items():
        doc["cube"].sort()
        doc["days_to_acknowledge"] = sorted([d, n] for d, n in days[key].items())
    return docs


def join(quarters: Sequence[Quarter], docs: Mapping[str, Doc]) -> HotlineCounts:
    """Put quarters' documents (counted now or kept since they settled) together as the counts of these quarters."""
    totals: dict[str, Counter[str]] = {name: Counter() for name in ("total", *FLAGS)}
    cube: dict[tuple[str, str, str], int] = {}
    pairs: dict[str, Counter[tuple[str, str]]] = {"category": Counter(), "programme": Counter()}
    days: dict[str, Counter[int]] = {}
    for quarter in quarters:
        q = quarter.key
        doc = docs.get(q)
        if doc is None:
            continue
        for c, p, n in doc["cube"]:
            cube[q, c, p] = n
            pairs["category"][q, c] += n
            pairs["programme"][q, p] += n
            totals["total"][q] += n
        for name in FLAGS:
            totals[name][q] += doc[name]
        if doc["days_to_acknowledge"]:
            days[q] = Counter({d: n for d, n in doc["days_to_acknowledge"]})
    return HotlineCounts(
        quarters=tuple(quarters),
        totals=dict(totals["total"]),
        by_category=dict(pairs["category"]),
        by_programme=dict(pairs["programme"]),
        cube=cube,
        labour={q: n for q, n in totals["labour"].items() if n},
        acknowledged_in_time={q: n for q, n in totals["acknowledged_in_time"].items() if n},
        feedback_in_time={q: n for q, n in totals["feedback_in_time"].items() if n},
        closed={q: n for q, n in totals["closed"].items() if n},
        days_to_acknowledge=days,
    )


def median(histogram: Counter[int]) -> float | None:
    """Return the median of a histogram of days (the lower middle value's and upper's mean for an even count)."""
    total = sum(histogram.values())
    if total == 0:
        return None
    ordered = sorted(histogram.items())

    def nth(index: int) -> int:
        seen = 0
        for value, count in ordered:
            seen += count
            if index < seen:
                return value
        raise IndexError(index)

    return (nth((total - 1) // 2) + nth(total // 2)) / 2
