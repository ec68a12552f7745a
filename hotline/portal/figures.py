"""The only way figures leave the portal: counts, never rows, for the hotline's statistics page to read.

Everything here is a number keyed by a programme, a reason or a state; nothing names or identifies a
student, a supervisor or a host contact. The statistics module (issue 16) applies disclosure control.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import and_, case, func, inspect, select
from sqlalchemy.orm import Session

from hotline.portal.placements.catalogue import Catalogue
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


Period = tuple[str, dt.date, dt.date]  # a quarter's key and its first and last day, as the statistics ask


@dataclass(frozen=True)
class Quarterly:
    """The portal's counts per quarter, for the public statistics: numbers and the names of codes, never a row.

    sought: students whose wished internship starts in the quarter, per programme; found: of those, placed.
    declines: hosts' declines decided in the quarter, by reason. moments_due and moments_on_time: contact
    moments (not return days) planned in the quarter and due by today, and those held on or before their day.
    signals: signals raised in the quarter and still open, by kind. days_to_placement: for those placed, the days
    from their first matching round to the host's acceptance.
    """

    sought: dict[tuple[str, str], int]
    found: dict[tuple[str, str], int]
    declines: dict[tuple[str, str], int]
    moments_due: dict[str, int]
    moments_on_time: dict[str, int]
    signals: dict[tuple[str, str], int]
    days_to_placement: dict[str, Counter[int]]
    programmes: dict[str, dict[str, str]]  # programme code -> names, from placements.toml
    reasons: dict[str, dict[str, str]]  # decline reason code -> names


def quarterly(
    session: Session, periods: Sequence[Period], today: dt.date, catalogue: Catalogue | None = None
) -> Quarterly:
    """Count the portal's figures per quarter: a few aggregate queries per quarter, whatever the number of rows."""
    sought: dict[tuple[str, str], int] = {}
    found: dict[tuple[str, str], int] = {}
    declines: dict[tuple[str, str], int] = {}
    due: dict[str, int] = {}
    on_time: dict[str, int] = {}
    signals: dict[tuple[str, str], int] = {}
    days: dict[str, Counter[int]] = {}
    first_round = (
        select(Proposal.student_id, func.min(MatchingRound.run_at).label("first"))
        .join(MatchingRound)
        .group_by(Proposal.student_id)
        .subquery()
    )
    for key, start, end in periods:
        starts = Wish.start.between(start, end)
        for programme, n in session.execute(
            select(Wish.programme, func.count()).where(starts).group_by(Wish.programme)
        ):
            sought[key, str(programme)] = int(n)
        accepted = (
            select(Wish.programme, func.count(func.distinct(Wish.student_id)))
            .join(Proposal, Proposal.student_id == Wish.student_id)
            .where(starts, Proposal.status == "accepted")
            .group_by(Wish.programme)
        )
        for programme, n in session.execute(accepted):
            found[key, str(programme)] = int(n)
        waited = (
            select(Proposal.decided_on, first_round.c.first, func.count())
            .join(Wish, Wish.student_id == Proposal.student_id)
            .join(first_round, first_round.c.student_id == Proposal.student_id)
            .where(starts, Proposal.status == "accepted", Proposal.decided_on.is_not(None))
            .group_by(Proposal.decided_on, first_round.c.first)
        )
        for decided, first, n in session.execute(waited):
            days.setdefault(key, Counter())[(decided - first.date()).days] += int(n)
        declined = (
            select(Proposal.decline_reason, func.count())
            .where(Proposal.status == "declined", Proposal.decided_on.between(start, end))
            .group_by(Proposal.decline_reason)
        )
        for reason, n in session.execute(declined):
            declines[key, str(reason or "other")] = int(n)
        planned = and_(
            ContactMoment.kind != "return_day",
            ContactMoment.planned_on.between(start, end),
            ContactMoment.planned_on < today,
        )
        held = case((ContactMoment.held_on <= ContactMoment.planned_on, 1), else_=0)
        counted, timely = session.execute(select(func.count(), func.coalesce(func.sum(held), 0)).where(planned)).one()
        if counted:
            due[key], on_time[key] = int(counted), int(timely)
        still_open = and_(Signal.raised_on.between(start, end), Signal.handled_on.is_(None))
        for kind, n in session.execute(select(Signal.kind, func.count()).where(still_open).group_by(Signal.kind)):
            signals[key, str(kind)] = int(n)
    programmes, reasons = _names(catalogue) if catalogue else ({}, {})
    return Quarterly(
        sought=sought,
        found=found,
        declines=declines,
        moments_due=due,
        moments_on_time=on_time,
        signals=signals,
        days_to_placement=days,
        programmes=programmes,
        reasons=reasons,
    )


def read(instance: Path, periods: Sequence[Period], today: dt.date) -> Quarterly | None:
    """Open the portal's database read-only for a moment and count; None when the portal has no database yet.

    The one door through which the hotline's statistics reach the portal: it hands back counts and the names of
    codes from placements.toml, and closes its connection before returning.
    """
    from hotline.db import make_engine
    from hotline.portal.config import database_url

    url = database_url(instance)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return None
    engine = make_engine(url)
    try:
        if not inspect(engine).has_table("portal_user"):
            return None
        with Session(engine) as session:
            return quarterly(session, periods, today, _catalogue(instance))
    finally:
        engine.dispose()


def _catalogue(instance: Path) -> Catalogue:
    from hotline.portal.placements import catalogue

    return catalogue.load(Path(os.environ.get("HOTLINE_PORTAL_PLACEMENTS_FILE") or instance / "placements.toml"))


Names = dict[str, dict[str, str]]  # code -> name per language


def names(instance: Path) -> tuple[Names, Names]:
    """Return the names of the programmes and of the decline reasons (placements.toml), without the database."""
    return _names(_catalogue(instance))


def _names(catalogue: Catalogue) -> tuple[Names, Names]:
    return {code: p.name for code, p in catalogue.programmes.items()}, dict(catalogue.decline_reasons)
