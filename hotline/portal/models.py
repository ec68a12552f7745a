"""Every portal model, imported once so that the metadata (and Alembic) knows each table."""

from __future__ import annotations

from hotline.portal.accounts.models import User
from hotline.portal.placements.models import (
    Host,
    Invitation,
    MatchingRound,
    Offer,
    OfferArea,
    OfferProgramme,
    Proposal,
    Ranking,
    Wish,
    WishArea,
)
from hotline.portal.supervision.models import CheckIn, ContactMoment, Feed, Placement, Signal

__all__ = [
    "CheckIn",
    "ContactMoment",
    "Feed",
    "Placement",
    "Signal",
    "Host",
    "Invitation",
    "MatchingRound",
    "Offer",
    "OfferArea",
    "OfferProgramme",
    "Proposal",
    "Ranking",
    "User",
    "Wish",
    "WishArea",
]
