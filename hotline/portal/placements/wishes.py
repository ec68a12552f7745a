"""A student's learning wish, the offers suggested for it, and the student's own ranking of offers.

The session is passed in and errors are named. Support needs are stored with the wish for the office
alone: nothing here hands them to matching (fit.Wish has no field for them), to a host or to a supervisor.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from hotline.i18n import gettext as _
from hotline.portal.accounts.models import User
from hotline.portal.placements import fit
from hotline.portal.placements.catalogue import Catalogue
from hotline.portal.placements.models import Offer, OfferProgramme, Ranking, Wish, WishArea

MAX_GOALS = 2000
MAX_SUPPORT = 2000
MAX_HOURS = 60
MAX_TRAVEL = 240  # minutes one way
MAX_YEAR = 6


class WishError(ValueError):
    """A wish cannot be saved as given; `errors` maps each field to what is wrong with it."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = dict(errors)


class NoWish(LookupError):
    """The student has stated no learning wish yet, so there is nothing to suggest or rank against."""


class RankingError(ValueError):
    """A ranking cannot be saved as given; the message says why."""


class NotPublished(ValueError):
    """Only a published offer takes part in suggestions and matching."""


@dataclass(frozen=True)
class WishInput:
    """What a student states, read from the form; None is a question left open (or written unreadably)."""

    programme: str
    areas: Sequence[str]  # by rank; a blank choice is skipped, the rest keep their order
    goals: str
    start: dt.date | None = None
    end: dt.date | None = None
    hours: int | None = None
    region: str | None = None
    max_travel_minutes: int | None = None
    support_needs: str | None = None
    year: int | None = None


def programme_of(student: User, wish: Wish | None = None) -> str | None:
    """Return the student's programme: the one the institution knows, else the one their wish names."""
    return student.programme or (wish.programme if wish is not None else None)


def problems(student: User, given: WishInput, catalogue: Catalogue) -> dict[str, str]:
    """Return what breaks the rules of a wish, by field; empty when it may be saved."""
    errors: dict[str, str] = {}
    programme = catalogue.programmes.get(given.programme)
    if programme is None or (student.programme and given.programme != student.programme):
        errors["programme"] = _("Kies je opleiding.")
    chosen = [(rank, area) for rank, area in enumerate(given.areas, start=1) if area]
    if not chosen:
        errors["area-1"] = _("Kies minstens één leergebied.")
    seen: set[str] = set()
    for rank, area in chosen:
        if rank > catalogue.wish_areas:
            errors[f"area-{rank}"] = _("Kies hoogstens %(count)s leergebieden.", count=catalogue.wish_areas)
        elif programme is not None and area not in programme.areas:
            errors[f"area-{rank}"] = _("Kies een leergebied van je opleiding.")
        elif area in seen:
            errors[f"area-{rank}"] = _("Dit leergebied staat al hoger in je lijst.")
        seen.add(area)
    if not given.goals.strip():
        errors["goals"] = _("Schrijf in je eigen woorden wat je wilt leren.")
    elif len(given.goals) > MAX_GOALS:
        errors["goals"] = _("Houd je leerdoelen onder de %(count)s tekens.", count=MAX_GOALS)
    if given.start and given.end and given.end <= given.start:
        errors["end"] = _("De einddatum moet na de begindatum liggen.")
    if given.hours is not None and not 1 <= given.hours <= MAX_HOURS:
        errors["hours"] = _("Kies tussen 1 en %(most)s uur per week.", most=MAX_HOURS)
    if given.region and given.region not in catalogue.regions:
        errors["region"] = _("Kies een regio uit de lijst.")
    if given.max_travel_minutes is not None and not 1 <= given.max_travel_minutes <= MAX_TRAVEL:
        errors["travel"] = _("Kies een reistijd tussen 1 en %(most)s minuten.", most=MAX_TRAVEL)
    if given.support_needs and len(given.support_needs) > MAX_SUPPORT:
        errors["support"] = _("Houd dit onder de %(count)s tekens.", count=MAX_SUPPORT)
    if given.year is not None and not 1 <= given.year <= MAX_YEAR:
        errors["year"] = _("Kies een studiejaar van 1 tot en met %(most)s.", most=MAX_YEAR)
    return errors


def wish_for(session: Session, student: User) -> Wish | None:
    """Return the student's own learning wish, or None."""
    return session.scalar(select(Wish).where(Wish.student_id == student.id).options(selectinload(Wish.areas)))


def save_wish(session: Session, student: User, given: WishInput, catalogue: Catalogue, today: dt.date) -> Wish:
    """Store the student's learning wish, replacing their earlier one; raises WishError."""
    errors = problems(student, given, catalogue)
    if errors:
        raise WishError(errors)
    wish = wish_for(session, student)
    if wish is None:
        wish = Wish(id=secrets.token_hex(16), student_id=student.id)
        session.add(wish)
    elif wish.programme != given.programme:
        # Offers of the old programme are no choice for the new one; matching must not read them.
        session.execute(delete(Ranking).where(Ranking.student_id == student.id))
    wish.programme = given.programme
    wish.year = given.year
    wish.goals = given.goals.strip()
    wish.start, wish.end = given.start, given.end
    wish.hours = given.hours
    wish.region = given.region or None
    wish.max_travel_minutes = given.max_travel_minutes
    wish.support_needs = (given.support_needs or "").strip() or None
    wish.updated_on = today
    wish.areas.clear()
    session.flush()  # the old ranks go before the new ones take their keys
    areas = [area for area in given.areas if area]
    wish.areas.extend(WishArea(wish_id=wish.id, rank=rank, area=area) for rank, area in enumerate(areas, start=1))
    session.flush()
    return wish


def as_fit_wish(wish: Wish) -> fit.Wish:
    """Return what matching may read of a wish: no name, no traits, no support needs."""
    return fit.Wish(
        student=wish.student_id,
        programme=wish.programme,
        areas=tuple(area.area for area in sorted(wish.areas, key=lambda a: a.rank)),
        start=wish.start,
        end=wish.end,
        hours=wish.hours,
        region=wish.region,
        max_travel_minutes=wish.max_travel_minutes,
    )


def as_fit_offer(offer: Offer) -> fit.Offer:
    """Return what matching reads of a published offer; its region is its host's."""
    if offer.status != "published":
        raise NotPublished(f"offer {offer.id} is {offer.status}, not published")
    return fit.Offer(
        offer=offer.id,
        programmes=frozenset(p.programme for p in offer.programmes),
        areas=frozenset(a.area for a in offer.areas),
        start=offer.start,
        end=offer.end,
        hours=offer.hours_per_week // 60,  # stored in minutes, as the norms engine reads them
        region=offer.host.region,
        places=offer.places,
    )


def published_offers(session: Session, programme: str) -> list[Offer]:
    """Return the published offers open to a programme, with their host, programmes and areas."""
    query = (
        select(Offer)
        .join(OfferProgramme, OfferProgramme.offer_id == Offer.id)
        .where(Offer.status == "published", OfferProgramme.programme == programme)
        .options(selectinload(Offer.host), selectinload(Offer.programmes), selectinload(Offer.areas))
        .order_by(Offer.id)
    )
    return list(session.scalars(query))


def suggestions_for(session: Session, student: User, catalogue: Catalogue) -> list[tuple[Offer, fit.Fit]]:
    """Return the published offers with places that fit the student's wish, best first; raises NoWish."""
    wish = wish_for(session, student)
    if wish is None:
        raise NoWish(student.id)
    offers = {offer.id: offer for offer in published_offers(session, wish.programme) if offer.places > 0}
    ranked = fit.suggestions(as_fit_wish(wish), [as_fit_offer(o) for o in offers.values()], catalogue.weights)
    return [(offers[found.offer], how) for found, how in ranked]


def save_ranking(session: Session, student: User, offer_ids: Sequence[str], most: int) -> list[Offer]:
    """Store the student's own order of offers, first choice first, replacing the earlier one; raises RankingError."""
    wish = wish_for(session, student)
    if wish is None:
        raise NoWish(student.id)
    if len(offer_ids) > most:
        raise RankingError(_("Kies hoogstens %(count)s stages.", count=most))
    if len(set(offer_ids)) != len(offer_ids):
        raise RankingError(_("Elke stage mag maar één keer in je volgorde staan."))
    open_to_you = {offer.id: offer for offer in published_offers(session, wish.programme)}
    if any(offer_id not in open_to_you for offer_id in offer_ids):
        raise RankingError(_("Je kunt alleen gepubliceerde stages van je eigen opleiding kiezen."))
    session.execute(delete(Ranking).where(Ranking.student_id == student.id))
    session.add_all(
        Ranking(student_id=student.id, offer_id=offer_id, rank=rank) for rank, offer_id in enumerate(offer_ids, 1)
    )
    session.flush()
    return [open_to_you[offer_id] for offer_id in offer_ids]


def ranking_for(session: Session, student: User) -> list[Offer]:
    """Return the offers the student ranked, first choice first (an offer since closed included)."""
    query = (
        select(Offer)
        .join(Ranking, Ranking.offer_id == Offer.id)
        .where(Ranking.student_id == student.id)
        .options(selectinload(Offer.host))
        .order_by(Ranking.rank)
    )
    return list(session.scalars(query))
