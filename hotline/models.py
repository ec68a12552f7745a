"""The hotline's tables: random ids everywhere, reporter dates at day precision."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.db import Base

STATUSES = ("received", "in_progress", "forwarded", "closed")
# The institution's offline recovery key: every envelope is sealed to it too; never a routing target.
RECOVERY_KIND = "recovery"
DESTINATION_KINDS = ("programme", "labour_inspectorate", "confidential_adviser", "di_office", RECOVERY_KIND)
ROLES = ("handler", "admin")  # an admin manages accounts and reads the audit log, never a case


def random_id() -> str:
    """Return a random, non-sequential id."""
    return secrets.token_hex(16)


CASE_ID_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def public_case_id() -> str:
    """Return a short random case id for handlers to quote (never the token)."""
    # One draw of 10 base-30 digits (about 49 bits), not ten: secrets.choice costs a system call each.
    number = secrets.randbelow(len(CASE_ID_ALPHABET) ** 10)
    digits = []
    for _ in range(10):
        number, digit = divmod(number, len(CASE_ID_ALPHABET))
        digits.append(CASE_ID_ALPHABET[digit])
    return f"{''.join(digits[:5])}-{''.join(digits[5:])}"


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
    # The inbox filters by status and deadline and sorts by day; these let it read indexes only, without
    # visiting the rows (tests/benchmarks/bench_inbox.py: a deep page 131 -> 27 ms, the group counts
    # 43 -> 16 ms at 100,000 cases).
    __table_args__ = (
        Index("ix_case_status_received_on", "status", "received_on", "id"),
        Index(
            "ix_case_inbox", "id", "status", "acknowledged_on", "ack_due", "feedback_due", "received_on", "feedback_on"
        ),
        Index("ix_case_ack_due", "ack_due"),
        Index("ix_case_feedback_due", "feedback_due"),
        # No hidden rowid on SQLite: it counts up with every insert and so would give the order of reports.
        {"sqlite_with_rowid": False},
    )

    id: Mapped[str] = mapped_column(String(11), primary_key=True, default=public_case_id)
    lookup_digest: Mapped[str] = mapped_column(String(64), unique=True)
    reply_public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    # The X-Wing part of the reply key (1216 bytes), which the report names too; empty for a case filed before
    # reporters had one (issue 17): its reporter's wraps are classical.
    reply_xwing_key: Mapped[bytes | None] = mapped_column(LargeBinary(1216))
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
    acknowledged_on: Mapped[dt.date | None] = mapped_column(Date)  # a handler's personal acknowledgement
    feedback_on: Mapped[dt.date | None] = mapped_column(Date)  # a handler's first answer in substance

    routes: Mapped[list[CaseRoute]] = relationship(back_populates="case", cascade="all, delete-orphan")
    envelopes: Mapped[list[EnvelopeRecord]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="EnvelopeRecord.seq"
    )


class CaseRoute(Base):
    __tablename__ = "case_route"
    __table_args__ = (
        UniqueConstraint("case_id", "destination_id"),
        Index("ix_case_route_destination_id_case_id", "destination_id", "case_id"),  # a destination's inbox
        {"sqlite_with_rowid": False},  # as case: no rowid that counts reports
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    destination_id: Mapped[str] = mapped_column(ForeignKey("destination.id"))
    reason: Mapped[str] = mapped_column(String(200))

    case: Mapped[Case] = relationship(back_populates="routes")
    destination: Mapped[Destination] = relationship()


class EnvelopeRecord(Base):
    """A stored envelope: the header bytes exactly as sealed, never rebuilt.

    On SQLite this table keeps its rowid, because attachments are written into place with incremental
    blob I/O (db.write_blob), which addresses a row by rowid. Migration 0007 makes those rowids random:
    one row sits at the largest rowid, and SQLite then picks each new rowid at random instead of counting.
    """

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


class Handler(Base):
    """A staff account: a case handler, or an admin who manages accounts. A failed login writes nothing here."""

    __tablename__ = "handler"
    # One account per key: an account made on someone else's kid (a "shadow") would share their cases.
    __table_args__ = (Index("ix_handler_kid", "kid", unique=True),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))  # for `hotline notify`: counts only, never a case
    password_hash: Mapped[str] = mapped_column(Text)
    # Base32, set when enrolment starts; never shown again once enrolled (no server key exists to seal it).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0)  # a code's step must be later: no replays
    enrolled: Mapped[bool] = mapped_column(Boolean, default=False)
    role: Mapped[str] = mapped_column(String(20))
    kid: Mapped[str | None] = mapped_column(String(64))  # the handler's X25519 key id; admins have none
    # The kid whose private key this account proved to hold (a signed challenge); until it equals kid,
    # the account acts on no case (hotline/possession.py).
    proven_kid: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)  # raised at logout: older session cookies die
    created_on: Mapped[dt.date] = mapped_column(Date)

    memberships: Mapped[list[HandlerDestination]] = relationship(back_populates="handler", cascade="all, delete-orphan")

    @property
    def destinations(self) -> list[Destination]:
        """Return the destinations this handler works for, by name."""
        return sorted((m.destination for m in self.memberships), key=lambda d: d.name)


class HandlerDestination(Base):
    __tablename__ = "handler_destination"
    __table_args__ = (UniqueConstraint("handler_id", "destination_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    handler_id: Mapped[str] = mapped_column(ForeignKey("handler.id", ondelete="CASCADE"), index=True)
    destination_id: Mapped[str] = mapped_column(ForeignKey("destination.id"))

    handler: Mapped[Handler] = relationship(back_populates="memberships")
    destination: Mapped[Destination] = relationship()


class AuditEvent(Base):
    """Who did what to which case, and when: never contents. audit.record() writes; the database refuses changes."""

    __tablename__ = "audit_event"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    # No foreign key: events outlive accounts. None when no account is known (a failed login for an unknown name).
    handler_id: Mapped[str | None] = mapped_column(String(32), index=True)
    action: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[str | None] = mapped_column(String(32), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)  # UTC, whole minutes (audit.record says why)
    # Order among events of the same second: one more than the highest so far (events are never removed).
    seq: Mapped[int] = mapped_column(Integer, index=True)
    detail: Mapped[str | None] = mapped_column(String(200))


class SettledQuarter(Base):
    """A quarter's published counts, kept once its figures have settled: numbers by code, never a case.

    Once every report of the quarter has passed its feedback deadline, the statistics count it one last time
    and keep the counts here as JSON. Later changes (a case purged after its retention period, a late
    acknowledgement) then no longer move a published figure, and the page need not count that quarter's cases
    again. source is "hotline" for the hotline's counts or "portal" for the portal's published aggregates.
    """

    __tablename__ = "settled_quarter"

    quarter: Mapped[str] = mapped_column(String(6), primary_key=True)  # 2026Q1
    source: Mapped[str] = mapped_column(String(10), primary_key=True)
    settled_on: Mapped[dt.date] = mapped_column(Date)
    figures: Mapped[str] = mapped_column(Text)
