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
from hotline.portal.supervision.models import ContactMoment, Placement, Signal


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


@dataclass(frozen=True)
class SupervisionCounts:
    """Counts of supervision per programme: placements, contact moments planned and held, signals by kind."""

    placements: dict[str, int]
    moments_planned: dict[str, int]  # contact moments (not return days), per programme
    moments_held: dict[str, int]
    signals: dict[str, int]  # raised, by kind


def supervision_counts(session: Session) -> SupervisionCounts:
    """Return supervision's published counts: numbers only, never a row, a name or a note."""
    placed = select(Placement.programme, func.count()).group_by(Placement.programme)
    contact = select(Placement.programme, func.count()).join(ContactMoment).where(ContactMoment.kind != "return_day")
    held = contact.where(ContactMoment.held_on.is_not(None))
    signals = select(Signal.kind, func.count()).group_by(Signal.kind)
    return SupervisionCounts(
        placements={str(k): int(v) for k, v in session.execute(placed)},
        moments_planned={str(k): int(v) for k, v in session.execute(contact.group_by(Placement.programme))},
        moments_held={str(k): int(v) for k, v in session.execute(held.group_by(Placement.programme))},
        signals={str(k): int(v) for k, v in session.execute(signals)},
    )
