"""Shortages: per programme and period, the students seeking, the places offered, the gap, and whom to ask again.

Every figure is a count, computed in a few grouped queries so that the office's page stays fast with
10,000 students (tests/benchmarks/bench_shortages.py).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.portal.placements.catalogue import Catalogue
from hotline.portal.placements.models import Host, Invitation, Offer, OfferProgramme, Proposal, Wish

OPEN = ("proposed", "accepted")  # a proposal that takes a place, or promises it


@dataclass
class Shortage:
    """One programme in one period: who seeks, what is offered, the gap, and hosts of earlier years to ask."""

    programme: str
    period: dt.date  # the first day of the planning period
    seeking: int = 0  # students with a learning wish for it, not placed and not waiting for an answer
    places: int = 0  # free places in published offers starting in it
    # hosts that took a student of the programme in an earlier period, have no offer in this one and were not
    # invited since this period began
    hosts_to_ask: list[Host] = field(default_factory=list)

    @property
    def gap(self) -> int:
        """Return the students that no free place could take (0 when there are places enough)."""
        return max(self.seeking - self.places, 0)


def _placed_or_waiting(session: Session) -> set[str]:
    return set(session.scalars(select(Proposal.student_id).where(Proposal.status.in_(OPEN))))


def overview(session: Session, catalogue: Catalogue, today: dt.date) -> list[Shortage]:
    """Return the shortage of each programme and period from the current period on, largest gap first."""
    current = catalogue.period_of(today)
    rows: dict[tuple[str, dt.date], Shortage] = {}

    def row(programme: str, period: dt.date) -> Shortage:
        return rows.setdefault((programme, period), Shortage(programme, period))

    busy = _placed_or_waiting(session)
    for student, programme, start in session.execute(select(Wish.student_id, Wish.programme, Wish.start)):
        if student not in busy:
            row(programme, max(catalogue.period_of(start or today), current)).seeking += 1
    taken = dict(
        session.execute(
            select(Proposal.offer_id, func.count()).where(Proposal.status.in_(OPEN)).group_by(Proposal.offer_id)
        ).all()
    )
    offered: set[tuple[str, str, dt.date]] = set()  # (host, programme, period) with a published offer
    published = select(Offer.id, Offer.host_id, Offer.start, Offer.places, OfferProgramme.programme).join(
        OfferProgramme
    )
    for offer_id, host_id, start, places, programme in session.execute(published.where(Offer.status == "published")):
        period = catalogue.period_of(start)
        offered.add((host_id, programme, period))
        if period >= current:
            row(programme, period).places += max(places - taken.get(offer_id, 0), 0)
    earlier = _earlier_hosts(session, catalogue, current)
    since = dt.datetime.combine(current, dt.time())
    asked = set(session.scalars(select(Invitation.host_id).where(Invitation.expires_at >= since)))
    for (programme, period), shortage in rows.items():
        shortage.hosts_to_ask = [
            h for h in earlier.get(programme, []) if (h.id, programme, period) not in offered and h.id not in asked
        ]
    return sorted(rows.values(), key=lambda s: (-s.gap, s.period, s.programme))


def _earlier_hosts(session: Session, catalogue: Catalogue, current: dt.date) -> dict[str, list[Host]]:
    """Return, per programme, the hosts that took a student of it in an earlier period, by name."""
    query = (
        select(Host, OfferProgramme.programme, Offer.start)
        .join(Offer, Offer.host_id == Host.id)
        .join(OfferProgramme)
        .join(Proposal, Proposal.offer_id == Offer.id)
        .where(Proposal.status == "accepted")
    )
    found: dict[str, dict[str, Host]] = defaultdict(dict)
    for host, programme, start in session.execute(query):
        if catalogue.period_of(start) < current:
            found[programme][host.id] = host
    return {programme: sorted(hosts.values(), key=lambda h: h.name) for programme, hosts in found.items()}


def declines_by_reason(session: Session) -> Counter[str]:
    """Return how often hosts declined, by reason."""
    rows = session.execute(
        select(Proposal.decline_reason, func.count())
        .where(Proposal.status == "declined")
        .group_by(Proposal.decline_reason)
    )
    return Counter({reason or "": count for reason, count in rows})
