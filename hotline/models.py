"""The hotline's tables: random ids everywhere, reporter dates at day precision."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.db import Base

STATUSES = ("received", "in_progress", "forwarded", "closed")
DESTINATION_KINDS = ("programme", "labour_inspectorate", "confidential_adviser", "di_office")


def random_id() -> str:
    """Return a random, non-sequential id."""
    return secrets.token_hex(16)


def public_case_id() -> str:
    """Return a short random case id for handlers to quote (never the token)."""
    alphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
    raw = "".join(secrets.choice(alphabet) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


class Destination(Base):
    __tablename__ = "destination"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    # Highest signed key list version seen: a lower one is a rollback and is refused.
    key_list_version: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def labels(self) -> dict[str, str]:
        """Return the name per language."""
        return {"nl": self.name, "en": self.name_en or self.name}


class Case(Base):
    __tablename__ = "case"

    id: Mapped[str] = mapped_column(String(11), primary_key=True, default=public_case_id)
    lookup_digest: Mapped[str] = mapped_column(String(64), unique=True)
    reply_public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    reporter_signing_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    category: Mapped[str] = mapped_column(String(64))
    programme: Mapped[str] = mapped_column(String(64))
    sector: Mapped[str | None] = mapped_column(String(40))
    phase: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="received")
    received_on: Mapped[dt.date] = mapped_column(Date)
    ack_due: Mapped[dt.date] = mapped_column(Date)
    feedback_due: Mapped[dt.date] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)

    routes: Mapped[list[CaseRoute]] = relationship(back_populates="case", cascade="all, delete-orphan")
    envelopes: Mapped[list[EnvelopeRecord]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="EnvelopeRecord.seq"
    )


class CaseRoute(Base):
    __tablename__ = "case_route"
    __table_args__ = (UniqueConstraint("case_id", "destination_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    destination_id: Mapped[str] = mapped_column(ForeignKey("destination.id"))
    reason: Mapped[str] = mapped_column(String(200))

    case: Mapped[Case] = relationship(back_populates="routes")
    destination: Mapped[Destination] = relationship()


class EnvelopeRecord(Base):
    """A stored envelope: the header bytes exactly as sealed, never rebuilt."""

    __tablename__ = "envelope"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # the envelope id from the header
    case_id: Mapped[str] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    # Order within a case; random among cases, so it reveals nothing across them.
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(20))
    day: Mapped[dt.date] = mapped_column(Date)
    hdr: Mapped[bytes] = mapped_column(LargeBinary)
    nonce: Mapped[bytes] = mapped_column(LargeBinary)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    recipients: Mapped[str] = mapped_column(Text)  # JSON list of {kid, wrap}
    signer: Mapped[str] = mapped_column(String(64))
    signature: Mapped[bytes] = mapped_column(LargeBinary)

    case: Mapped[Case] = relationship(back_populates="envelopes")
