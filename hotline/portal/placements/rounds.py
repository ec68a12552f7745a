"""Matching rounds: who takes part, running one, the hosts' answers, and where a student stands.

A round takes the students of a programme who have a learning wish and a ranking and are neither
placed nor waiting for a host's answer; it offers the places not yet taken or promised. Students
propose by their own ranking; each offer's priority over students is the learning-wish fit alone,
ties broken by a lottery drawn from the round's recorded seed (matching.py). A student a host
declined takes part in the next round, without that offer.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, selectinload

from hotline.portal.accounts.models import User
from hotline.portal.placements import fit, matching, wishes
from hotline.portal.placements.catalogue import Catalogue
from hotline.portal.placements.models import MatchingRound, Offer, OfferProgramme, Proposal, Ranking, Wish, WishArea

PROPOSED, ACCEPTED, DECLINED = "proposed", "accepted", "declined"


class RoundError(ValueError):
    """A round or an answer cannot go ahead as asked; the message says why, for the office or the host."""


@dataclass(frozen=True)
class Standing:
    """Where a student stands: placed, waiting for a host, or not (yet) placed."""

    state: str  # "placed", "waiting", "unplaced" or "not_started"
    proposal: Proposal | None = None


def taken(session: Session, offer_ids: list[str]) -> Counter[str]:
    """Return the places of each offer taken or promised: accepted and still open proposals."""
    rows = session.execute(
        select(Proposal.offer_id).where(Proposal.offer_id.in_(offer_ids), Proposal.status.in_((PROPOSED, ACCEPTED)))
    )
    return Counter(offer for (offer,) in rows)


def open_offers(session: Session, programme: str) -> dict[str, tuple[Offer, int]]:
    """Return the programme's published offers with the places still free."""
    offers = session.scalars(
        select(Offer)
        .join(OfferProgramme)
        .where(OfferProgramme.programme == programme, Offer.status == "published")
        .options(selectinload(Offer.programmes), selectinload(Offer.areas), selectinload(Offer.host))
        .order_by(Offer.id)
    ).all()
    used = taken(session, [o.id for o in offers])
    return {o.id: (o, o.places - used[o.id]) for o in offers if o.places - used[o.id] > 0}


def busy_students(session: Session) -> set[str]:
    """Return the students who are placed or waiting for a host's answer: not in a new round."""
    rows = session.execute(select(Proposal.student_id).where(Proposal.status.in_((PROPOSED, ACCEPTED))))
    return {student for (student,) in rows}


def declined_pairs(session: Session) -> set[tuple[str, str]]:
    """Return (student, offer) pairs a host declined: never proposed again."""
    rows = session.execute(select(Proposal.student_id, Proposal.offer_id).where(Proposal.status == DECLINED))
    return {(student, offer) for student, offer in rows}


def entrants(session: Session, programme: str, offers: dict[str, tuple[Offer, int]]) -> dict[str, list[str]]:
    """Return each taking-part student's ranking, best first, of the offers still open to them."""
    busy, declined = busy_students(session), declined_pairs(session)
    ranked = session.execute(
        select(Ranking.student_id, Ranking.offer_id)
        .join(Wish, Wish.student_id == Ranking.student_id)
        .where(Wish.programme == programme)
        .order_by(Ranking.student_id, Ranking.rank)
    )
    preferences: dict[str, list[str]] = {}
    for student, offer in ranked:
        if student not in busy and offer in offers and (student, offer) not in declined:
            preferences.setdefault(student, []).append(offer)
    return preferences


def fit_wishes(session: Session, programme: str) -> dict[str, fit.Wish]:
    """Return what matching reads of each wish of a programme, by student, in two plain queries.

    wishes.as_fit_wish reads one wish; a round reads thousands, and building an ORM object for each wish
    and area took most of a round's time (tests/benchmarks/bench_portal.py).
    """
    areas: dict[str, list[str]] = defaultdict(list)
    ranked = select(WishArea.wish_id, WishArea.area).join(Wish).where(Wish.programme == programme)
    for wish_id, area in session.execute(ranked.order_by(WishArea.wish_id, WishArea.rank)):
        areas[wish_id].append(area)
    columns = (Wish.id, Wish.student_id, Wish.start, Wish.end, Wish.hours, Wish.region, Wish.max_travel_minutes)
    return {
        student: fit.Wish(student, programme, tuple(areas[wish_id]), start, end, hours, region, travel)
        for wish_id, student, start, end, hours, region, travel in session.execute(
            select(*columns).where(Wish.programme == programme)
        )
    }


def run(session: Session, programme: str, catalogue: Catalogue, by: User, seed: bytes | None = None) -> MatchingRound:
    """Run a round for a programme, record its seed and its proposals, and return it."""
    if programme not in catalogue.programmes:
        raise RoundError("unknown_programme")
    offers = open_offers(session, programme)
    preferences = entrants(session, programme, offers)
    if not preferences:
        raise RoundError("no_entrants")
    seed = seed if seed is not None else secrets.token_bytes(32)
    as_offers = {offer_id: wishes.as_fit_offer(offer) for offer_id, (offer, _free) in offers.items()}
    fits = {}
    for student, as_wish in fit_wishes(session, programme).items():
        if student in preferences:
            fits[student] = {o: fit.fit(as_wish, as_offers[o], catalogue.weights).score for o in preferences[student]}
    capacities = {offer_id: free for offer_id, (_offer, free) in offers.items()}
    result = matching.run_round(preferences, capacities, fits, seed)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    made = MatchingRound(id=secrets.token_hex(16), programme=programme, seed=seed.hex(), run_at=now, run_by=by.id)
    session.add(made)
    session.flush()
    rows = [
        {
            "id": secrets.token_hex(16),
            "round_id": made.id,
            "student_id": student,
            "offer_id": offer,
            "lottery": result.lottery[student],
            "status": PROPOSED,
        }  # fmt: skip
        for student, offer in sorted(result.assignment.items())
    ]
    if rows:
        session.execute(insert(Proposal), rows)
    session.commit()
    return made


def answer(session: Session, proposal: Proposal, accept: bool, reason: str | None, catalogue: Catalogue) -> None:
    """Record a host's answer: accept, or decline with a reason tied to the offer."""
    if proposal.status != PROPOSED:
        raise RoundError("already_answered")
    if not accept and reason not in catalogue.decline_reasons:
        raise RoundError("reason_needed")
    proposal.status = ACCEPTED if accept else DECLINED
    proposal.decline_reason = None if accept else reason
    proposal.decided_on = dt.date.today()
    session.commit()


def standing(session: Session, student: str, programme: str | None) -> Standing:
    """Return where a student stands after the rounds of their programme so far."""
    proposals = session.scalars(
        select(Proposal).join(MatchingRound).where(Proposal.student_id == student).order_by(MatchingRound.run_at.desc())
    ).all()
    for state, found in (("placed", ACCEPTED), ("waiting", PROPOSED)):
        match = next((p for p in proposals if p.status == found), None)
        if match is not None:
            return Standing(state, match)
    ran = session.scalar(select(MatchingRound.id).where(MatchingRound.programme == programme).limit(1)) is not None
    return Standing("unplaced" if ran else "not_started", proposals[0] if proposals else None)


def for_host(session: Session, host_id: str) -> list[Proposal]:
    """Return the proposals for a host's offers, open ones first."""
    rows = session.scalars(
        select(Proposal).join(Offer).where(Offer.host_id == host_id).order_by(Proposal.status.desc(), Proposal.id)
    ).all()
    return list(rows)
