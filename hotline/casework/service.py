"""What a handler's landing page shows: their destinations and how many cases each has per status."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.models import STATUSES, Case, CaseRoute, Destination, Handler


@dataclass(frozen=True)
class DestinationCounts:
    """One destination of a handler, with its number of cases per status (metadata only)."""

    destination: Destination
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def destination_counts(session: Session, handler: Handler) -> list[DestinationCounts]:
    """Count the cases of each of the handler's destinations per status, in one grouped query."""
    destinations = handler.destinations
    rows = session.execute(
        select(CaseRoute.destination_id, Case.status, func.count())
        .join(Case, Case.id == CaseRoute.case_id)
        .where(CaseRoute.destination_id.in_([d.id for d in destinations]))
        .group_by(CaseRoute.destination_id, Case.status)
    )
    counts: dict[str, dict[str, int]] = {d.id: dict.fromkeys(STATUSES, 0) for d in destinations}
    for destination_id, status, number in rows:
        counts[destination_id][status] = number
    return [DestinationCounts(d, counts[d.id]) for d in destinations]
