"""The placements office's tables: hosts, offers, learning wishes, rankings, matching rounds and proposals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, Date, DateTime, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.portal.accounts.models import User
from hotline.portal.db import PortalBase

OFFER_STATES = ("draft", "proposed", "published", "closed")  # proposed: by a host, for the office to publish
PROPOSAL_STATES = ("proposed", "accepted", "declined")


class Host(PortalBase):
    """A host organisation: sector, region, a contact person, and the placements it took before."""

    __tablename__ = "host"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    sector: Mapped[str] = mapped_column(String(32))
    region: Mapped[str] = mapped_column(String(32))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    created_on: Mapped[dt.date] = mapped_column(Date)
    offers: Mapped[list[Offer]] = relationship(back_populates="host", order_by="Offer.start")


class Offer(PortalBase):
    """An internship offer: programmes, learning areas, tasks, period, hours, allowance, supervisor and places."""

    __tablename__ = "offer"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    host_id: Mapped[str] = mapped_column(ForeignKey("host.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    tasks: Mapped[str] = mapped_column(Text)
    start: Mapped[dt.date] = mapped_column(Date)
    end: Mapped[dt.date] = mapped_column(Date)
    hours_per_week: Mapped[int] = mapped_column(Integer)  # minutes, as the norms engine reads them
    longest_day: Mapped[int | None] = mapped_column(Integer)  # minutes
    night_work: Mapped[bool | None] = mapped_column(Boolean)
    weekend_work: Mapped[bool | None] = mapped_column(Boolean)
    allowance: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    allowance_period: Mapped[str | None] = mapped_column(String(16))
    supervisor_name: Mapped[str | None] = mapped_column(String(200))
    learning_plan: Mapped[bool | None] = mapped_column(Boolean)
    contact_moments: Mapped[int | None] = mapped_column(Integer)
    places: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    proposed_by: Mapped[str | None] = mapped_column(ForeignKey("portal_user.id"))
    created_on: Mapped[dt.date] = mapped_column(Date)
    published_on: Mapped[dt.date | None] = mapped_column(Date)
    host: Mapped[Host] = relationship(back_populates="offers")
    programmes: Mapped[list[OfferProgramme]] = relationship(cascade="all, delete-orphan")
    areas: Mapped[list[OfferArea]] = relationship(cascade="all, delete-orphan")


class OfferProgramme(PortalBase):
    __tablename__ = "offer_programme"

    offer_id: Mapped[str] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"), primary_key=True)
    programme: Mapped[str] = mapped_column(String(64), primary_key=True)


class OfferArea(PortalBase):
    __tablename__ = "offer_area"

    offer_id: Mapped[str] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"), primary_key=True)
    area: Mapped[str] = mapped_column(String(64), primary_key=True)


class Wish(PortalBase):
    """A student's learning wish; support needs are for the office's eyes only."""

    __tablename__ = "wish"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    student_id: Mapped[str] = mapped_column(ForeignKey("portal_user.id"), unique=True)
    programme: Mapped[str] = mapped_column(String(64))
    year: Mapped[int | None] = mapped_column(Integer)
    goals: Mapped[str] = mapped_column(Text)
    start: Mapped[dt.date | None] = mapped_column(Date)
    end: Mapped[dt.date | None] = mapped_column(Date)
    hours: Mapped[int | None] = mapped_column(Integer)  # hours a week sought
    region: Mapped[str | None] = mapped_column(String(32))
    max_travel_minutes: Mapped[int | None] = mapped_column(Integer)
    support_needs: Mapped[str | None] = mapped_column(Text)
    updated_on: Mapped[dt.date] = mapped_column(Date)
    areas: Mapped[list[WishArea]] = relationship(order_by="WishArea.rank", cascade="all, delete-orphan")


class WishArea(PortalBase):
    __tablename__ = "wish_area"

    wish_id: Mapped[str] = mapped_column(ForeignKey("wish.id", ondelete="CASCADE"), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)
    area: Mapped[str] = mapped_column(String(64))


class Ranking(PortalBase):
    """A student's own order of the offers they want, 1 first."""

    __tablename__ = "ranking"
    __table_args__ = (UniqueConstraint("student_id", "rank"),)

    student_id: Mapped[str] = mapped_column(ForeignKey("portal_user.id"), primary_key=True)
    offer_id: Mapped[str] = mapped_column(ForeignKey("offer.id"), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer)


class MatchingRound(PortalBase):
    """One round of deferred acceptance for a programme, with the seed its lottery was drawn from."""

    __tablename__ = "matching_round"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    programme: Mapped[str] = mapped_column(String(64))
    seed: Mapped[str] = mapped_column(String(64))  # hex; replaying the round with it gives the same lottery
    run_at: Mapped[dt.datetime] = mapped_column(DateTime)
    run_by: Mapped[str] = mapped_column(ForeignKey("portal_user.id"))
    proposals: Mapped[list[Proposal]] = relationship(back_populates="round")


class Proposal(PortalBase):
    """What a round proposed: a student to an offer, and the host's answer (a decline with its reason)."""

    __tablename__ = "proposal"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("matching_round.id"), index=True)
    student_id: Mapped[str] = mapped_column(ForeignKey("portal_user.id"), index=True)
    offer_id: Mapped[str] = mapped_column(ForeignKey("offer.id"), index=True)
    lottery: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    decline_reason: Mapped[str | None] = mapped_column(String(64))
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    round: Mapped[MatchingRound] = relationship(back_populates="proposals")
    offer: Mapped[Offer] = relationship()
    student: Mapped[User] = relationship()


class Invitation(PortalBase):
    """A one-time login link for someone outside the institution (a host contact), by e-mail; only its hash is kept."""

    __tablename__ = "invitation"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(320))
    host_id: Mapped[str] = mapped_column(ForeignKey("host.id"))
    user_id: Mapped[str | None] = mapped_column(ForeignKey("portal_user.id"))
    created_by: Mapped[str] = mapped_column(ForeignKey("portal_user.id"))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
