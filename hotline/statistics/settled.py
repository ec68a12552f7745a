"""Settled quarters: a quarter's figures are counted one last time once they can no longer change, and kept.

A quarter is published as soon as it has ended, but how the hotline answered its reports keeps changing for a
while: a report of the quarter's last day may be answered up to FEEDBACK_MONTHS later. Until then the page
counts the quarter afresh and marks its figures as provisional. From the day after the last feedback deadline
of its reports (settles_on), the quarter's counts are kept in the settled_quarter table, the hotline's and the
portal's apart, and every later page, download and `hotline stats` reads them from there. So a published figure
no longer moves when a case is purged after its retention period or answered late, and the page does not
count a settled quarter's cases again (what keeps it fast at a million cases).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.cases import add_months
from hotline.models import SettledQuarter
from hotline.statistics import hotline_counts, portal_counts
from hotline.statistics.hotline_counts import HotlineCounts
from hotline.statistics.publication import PortalCounts
from hotline.statistics.quarters import Quarter, ended

HOTLINE, PORTAL = "hotline", "portal"


def settles_on(quarter: Quarter, feedback_months: int) -> dt.date:
    """The first day on which every report of the quarter has passed its feedback deadline."""
    return add_months(quarter.end, feedback_months) + dt.timedelta(days=1)


@dataclass(frozen=True)
class Gathered:
    """The counts of a year's ended quarters, and which of them are still provisional."""

    hotline: HotlineCounts
    portal: PortalCounts | None
    provisional: tuple[str, ...]  # quarter keys whose figures may still change


def gather(
    session: Session, instance: Path, quarters: Sequence[Quarter], today: dt.date, feedback_months: int
) -> Gathered:
    """Return the counts of these ended quarters: kept ones as kept, the others counted now.

    A settled quarter that is not kept yet is counted and then kept. Two pages doing so at once both count the
    same figures; the second one's insert fails on the primary key and is dropped.
    """
    settled = [q for q in quarters if settles_on(q, feedback_months) <= today]
    kept = {
        (row.quarter, row.source): json.loads(row.figures)
        for row in session.scalars(select(SettledQuarter).where(SettledQuarter.quarter.in_([q.key for q in settled])))
    }
    counted = hotline_counts.count(session, [q for q in quarters if (q.key, HOTLINE) not in kept])
    portal_asked = [q for q in quarters if (q.key, PORTAL) not in kept]
    portal = portal_counts.count(instance, portal_asked, today) if portal_asked else {}
    keep = [(q.key, HOTLINE, counted[q.key]) for q in settled if q.key in counted]
    keep += [(q.key, PORTAL, portal[q.key]) for q in settled if portal and q.key in portal]
    if keep:
        session.add_all(
            SettledQuarter(quarter=key, source=source, settled_on=today, figures=json.dumps(doc, sort_keys=True))
            for key, source, doc in keep
        )
        try:
            session.commit()
        except IntegrityError:  # another request kept them first: the same counts
            session.rollback()
    portal_docs = {key: doc for (key, source), doc in kept.items() if source == PORTAL} | (portal or {})
    hotline_docs = {key: doc for (key, source), doc in kept.items() if source == HOTLINE} | counted
    return Gathered(
        hotline=hotline_counts.join(quarters, hotline_docs),
        portal=portal_counts.join(instance, quarters, portal_docs) if portal_docs else None,
        provisional=tuple(q.key for q in quarters if q not in settled),
    )


def settle(session: Session, instance: Path, today: dt.date, feedback_months: int) -> list[str]:
    """Keep every settled quarter that is not kept yet (before a purge, say); return their keys."""
    first = hotline_counts.first_report(session)
    if first is None:
        return []
    quarters = [
        q for year in range(first.year, today.year + 1) for q in ended(year, today)
        if q.end >= first and settles_on(q, feedback_months) <= today
    ]  # fmt: skip
    done = set(session.scalars(select(SettledQuarter.quarter).where(SettledQuarter.source == HOTLINE)))
    missing = [q for q in quarters if q.key not in done]
    if missing:
        gather(session, instance, missing, today, feedback_months)
    return [q.key for q in missing]
