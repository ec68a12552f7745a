"""How well an offer fits a student's learning wish, and why: pure, blind to who the student is.

A Wish carries only what matching may use: no name and no traits. The fit is an integer, higher
is better, and 0 means the offer does not fit at all (another programme, no shared learning area,
or no overlap with the period sought). The same score ranks suggestions for the student and is a
host's priority over students in a matching round, so it must never depend on the person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Wish:
    """A student's learning wish: only what matching may use."""

    student: str  # an opaque id, never a name
    programme: str  # programme code
    areas: tuple[str, ...]  # learning-area codes, most wanted first
    start: dt.date | None  # None: any start
    end: dt.date | None  # None: any end
    hours: int | None  # hours a week sought; None: any
    region: str | None  # region code; None: anywhere
    # Offers hold no travel time to a student's home, so a travel time only says "the region does
    # not matter to me": when set, every region counts as fitting (see region_points).
    max_travel_minutes: int | None = None


@dataclass(frozen=True)
class Offer:
    """What matching reads of an internship offer."""

    offer: str  # an opaque id
    programmes: frozenset[str]
    areas: frozenset[str]
    start: dt.date
    end: dt.date
    hours: int  # hours a week
    region: str
    places: int


@dataclass(frozen=True)
class Reason:
    """One reason an offer fits, as a code and values; the view turns it into words."""

    code: str  # "area", "period_overlap", "hours" or "region"
    values: dict[str, Any]


@dataclass(frozen=True)
class Fit:
    """An offer's fit to a wish: the score (0: does not fit) and the reasons (areas by rank, period, hours, region)."""

    score: int
    reasons: tuple[Reason, ...]


NO_FIT = Fit(0, ())


@dataclass(frozen=True)
class Weights:
    """Points for each part of the fit, from placements.toml (the [weights] table says why each weighs what it does)."""

    # Points for a shared learning area by its rank in the wish (1st, 2nd, ...); ranks past the end
    # take the last value. Areas are what the student wants to learn, so they weigh most, and the
    # first choice far more than the rest. Every value is positive: any shared area makes a fit.
    area_by_rank: tuple[int, ...]
    # Points when the offer covers the whole period sought, in proportion to the share covered:
    # an internship that covers half the period is a weaker answer to the wish, not a wrong one.
    period: int
    # Points when the hours a week are exactly those sought, minus hours_step for each hour off:
    # a few hours off is a small matter, a full day off (8 hours) is most of the difference.
    hours: int
    hours_step: int
    # Points when the region is the one sought (or the student accepts anywhere, or travel):
    # travel matters less than what is learnt, so it weighs least.
    region: int

    def __post_init__(self) -> None:
        if not self.area_by_rank or min(self.area_by_rank) <= 0:
            raise ValueError("area_by_rank needs at least one positive value, all positive")
        if min(self.period, self.hours, self.hours_step, self.region) < 0:
            raise ValueError("weights cannot be negative")

    def area(self, rank: int) -> int:
        """Return the points of a shared area at this rank (1 is the first choice)."""
        return self.area_by_rank[min(rank, len(self.area_by_rank)) - 1]


def days(start: dt.date, end: dt.date) -> int:
    """Return the number of days from start to end, both included (0 when end comes first)."""
    return max(0, (end - start).days + 1)


def area_reasons(wish: Wish, offer: Offer, weights: Weights) -> tuple[int, list[Reason]]:
    """Score every learning area the offer shares with the wish, by its rank in the wish."""
    points, reasons = 0, []
    for rank, area in enumerate(dict.fromkeys(wish.areas), start=1):  # a repeated area counts once
        if area in offer.areas:
            points += weights.area(rank)
            reasons.append(Reason("area", {"area": area, "rank": rank}))
    return points, reasons


def period_reason(wish: Wish, offer: Offer, weights: Weights) -> tuple[int, Reason | None]:
    """Score the share of the period sought that the offer covers; None when they do not overlap."""
    # An open end of the wish takes the offer's own end: "from March on" is covered by any offer from March.
    sought_start = wish.start or offer.start
    sought_end = wish.end or offer.end
    sought = days(sought_start, sought_end)
    overlap = days(max(sought_start, offer.start), min(sought_end, offer.end))
    if not sought or not overlap:
        return 0, None
    share = overlap * 100 // sought
    values = {"weeks": overlap // 7, "days": overlap, "share": share}
    return weights.period * overlap // sought, Reason("period_overlap", values)


def hours_reason(wish: Wish, offer: Offer, weights: Weights) -> tuple[int, Reason | None]:
    """Score how close the offer's hours a week are to those sought; any hours fit a wish without hours."""
    if wish.hours is None:
        return weights.hours, Reason("hours", {"offer": offer.hours, "wish": None, "difference": 0})
    difference = abs(offer.hours - wish.hours)
    points = max(0, weights.hours - weights.hours_step * difference)
    if not points:
        return 0, None
    return points, Reason("hours", {"offer": offer.hours, "wish": wish.hours, "difference": difference})


def region_reason(wish: Wish, offer: Offer, weights: Weights) -> tuple[int, Reason | None]:
    """Score the region: the one sought, anywhere, or any region when the student states a travel time."""
    if wish.region is not None and offer.region == wish.region:
        return weights.region, Reason("region", {"region": offer.region, "match": "same"})
    if wish.region is None:
        return weights.region, Reason("region", {"region": offer.region, "match": "anywhere"})
    if wish.max_travel_minutes is not None:
        # The offer holds no travel time to the student, so the stated time is taken at its word.
        values = {"region": offer.region, "match": "travel", "minutes": wish.max_travel_minutes}
        return weights.region, Reason("region", values)
    return 0, None


def fit(wish: Wish, offer: Offer, weights: Weights) -> Fit:
    """Return how well the offer fits the wish, with the reasons; score 0 when it does not fit."""
    if wish.programme not in offer.programmes:
        return NO_FIT
    score, reasons = area_reasons(wish, offer, weights)
    if not reasons:
        return NO_FIT
    period_points, period = period_reason(wish, offer, weights)
    if period is None:
        return NO_FIT
    score += period_points
    reasons.append(period)
    for points, reason in (hours_reason(wish, offer, weights), region_reason(wish, offer, weights)):
        if reason is not None:
            score += points
            reasons.append(reason)
    return Fit(score, tuple(reasons))


def suggestions(wish: Wish, offers: Iterable[Offer], weights: Weights, limit: int = 20) -> list[tuple[Offer, Fit]]:
    """Return the offers that fit the wish, best first and ties by offer id, at most `limit`."""
    found = [(offer, fit(wish, offer, weights)) for offer in offers]
    ranked = sorted(((o, f) for o, f in found if f.score), key=lambda pair: (-pair[1].score, pair[0].offer))
    return ranked[:limit]
