"""The only way figures leave the portal: counts, never rows, for the hotline's statistics page to read.

Everything here is a number keyed by a programme, a reason or a state; nothing names or identifies a
student, a supervisor or a host contact. The statistics module (issue 16) applies disclosure control.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.portal.placements.models import MatchingRound, Offer, OfferProgramme, Proposal, Wish
from hotline.portal.placements.shortages import declines_by_reason


@dataclass(frozen=True)
class Aggregates:
    """Counts of the placements office: sought and found per programme, declines by reason, rounds held."""

    sought: dict[str, int]  # students with a learning wish, per programme
    found: dict[str, int]  # students placed (a host accepted), per programme
    places: dict[str, int]  # places in published offers, per programme
    declines: dict[str, int]  # declines by reason code
    rounds: int


def aggregates(session: Session) -> Aggregates:
    """Return the portal's published aggregates: counts only."""
    sought = dict(session.execute(select(Wish.programme, func.count()).group_by(Wish.programme)).all())
    placed = select(Wish.programme, func.count()).join(Proposal, Proposal.student_id == Wish.student_id)
    found = dict(session.execute(placed.where(Proposal.status == "accepted").group_by(Wish.programme)).all())
    offered = select(OfferProgramme.programme, func.sum(Offer.places)).join(Offer).where(Offer.status == "published")
    places = {p: int(n or 0) for p, n in session.execute(offered.group_by(OfferProgramme.programme)).all()}
    rounds = session.scalar(select(func.count()).select_from(MatchingRound)) or 0
    return Aggregates(
        sought={str(k): int(v) for k, v in sought.items()},
        found={str(k): int(v) for k, v in found.items()},
        places=places,
        declines=dict(Counter(declines_by_reason(session))),
        rounds=int(rounds),
    )
