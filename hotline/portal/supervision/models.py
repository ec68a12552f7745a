"""Supervision's tables: placements with their plan, contact moments, check-ins, signals and calendar feeds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.portal.accounts.models import User
from hotline.portal.db import PortalBase

MOMENT_KINDS = ("start", "middle", "end", "extra", "return_day")
MOMENT_FORMS = ("individual", "group", "host")
SIGNAL_KINDS = (
    "hours_agreement",
    "hours_law",
    "no_supervision",
    "tasks_off",
    "unsafe",
    "missed_checkin",
    "moment_overdue",
)


class Placement(PortalBase):
    """A student's internship, made by the office or entered by hand, with what was agreed and who supervises."""

    __tablename__ = "placement"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    student_id: Mapped[str] = mapped_column(ForeignKey("portal_user.id"), index=True)
    supervisor_id: Mapped[str | None] = mapped_column(ForeignKey("portal_user.id"), index=True)
    programme: Mapped[str] = mapped_column(String(64))
    proposal_id: Mapped[str | None] = mapped_column(ForeignKey("proposal.id"))  # None: the student found it
    host_name: Mapped[str] = mapped_column(String(200))
    start: Mapped[dt.date] = mapped_column(Date)
    end: Mapped[dt.date] = mapped_column(Date)
    hours_per_week: Mapped[int] = mapped_column(Integer)  # minutes agreed, as the norms engine reads them
    allowance: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    allowance_period: Mapped[str | None] = mapped_column(String(16))
    learning_goals: Mapped[str] = mapped_column(Text)
    checkin_days: Mapped[int] = mapped_column(Integer)  # a check-in is due every this many days
    created_on: Mapped[dt.date] = mapped_column(Date)
    student: Mapped[User] = relationship(foreign_keys=[student_id])
    supervisor: Mapped[User | None] = relationship(foreign_keys=[supervisor_id])
    moments: Mapped[list[ContactMoment]] = relationship(back_populates="placement", order_by="ContactMoment.planned_on")
    checkins: Mapped[list[CheckIn]] = relationship(back_populates="placement", order_by="CheckIn.due_on")
    signals: Mapped[list[Signal]] = relationship(back_populates="placement", order_by="Signal.raised_on")


class ContactMoment(PortalBase):
    """A planned contact between student, programme (and host), or a return day; held with a summary."""

    __tablename__ = "contact_moment"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    placement_id: Mapped[str] = mapped_column(ForeignKey("placement.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # start, middle, end, extra or return_day
    planned_on: Mapped[dt.date] = mapped_column(Date)
    requested_by_student: Mapped[bool] = mapped_column(Boolean, default=False)
    held_on: Mapped[dt.date | None] = mapped_column(Date)
    form: Mapped[str | None] = mapped_column(String(16))  # individual, group or host, once held
    summary: Mapped[str | None] = mapped_column(Text)  # the student reads it
    placement: Mapped[Placement] = relationship(back_populates="moments")


class CheckIn(PortalBase):
    """A short check-in the student answers every few weeks; the note is for the student and the supervisor only."""

    __tablename__ = "checkin"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    placement_id: Mapped[str] = mapped_column(ForeignKey("placement.id"), index=True)
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    answered_on: Mapped[dt.date | None] = mapped_column(Date)
    hours: Mapped[int | None] = mapped_column(Integer)  # minutes worked a week in this period
    longest_day: Mapped[int | None] = mapped_column(Integer)  # minutes
    night_work: Mapped[bool | None] = mapped_column(Boolean)
    supervised: Mapped[bool | None] = mapped_column(Boolean)
    tasks_fit: Mapped[int | None] = mapped_column(Integer)  # 1-5
    safe: Mapped[int | None] = mapped_column(Integer)  # 1-5
    discuss: Mapped[bool | None] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    placement: Mapped[Placement] = relationship(back_populates="checkins")


class Signal(PortalBase):
    """Something a supervisor must act on, raised from a check-in or the plan; handled by a moment or an action note."""

    __tablename__ = "signal"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    placement_id: Mapped[str] = mapped_column(ForeignKey("placement.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    raised_on: Mapped[dt.date] = mapped_column(Date)
    checkin_id: Mapped[str | None] = mapped_column(ForeignKey("checkin.id"))
    moment_id: Mapped[str | None] = mapped_column(ForeignKey("contact_moment.id"))
    handled_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    handled_by: Mapped[str | None] = mapped_column(ForeignKey("portal_user.id"))
    handled_moment_id: Mapped[str | None] = mapped_column(ForeignKey("contact_moment.id"))
    action_note: Mapped[str | None] = mapped_column(Text)
    escalated_on: Mapped[dt.date | None] = mapped_column(Date)
    placement: Mapped[Placement] = relationship(back_populates="signals")


class Feed(PortalBase):
    """A calendar feed behind a secret URL (only its SHA-256 kept), one per student and one per supervisor."""

    __tablename__ = "calendar_feed"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("portal_user.id"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class ReminderSent(PortalBase):
    """The day a person was last reminded: a reminder repeats only when something is new, or after a while."""

    __tablename__ = "reminder_sent"

    user_id: Mapped[str] = mapped_column(ForeignKey("portal_user.id"), primary_key=True)
    sent_on: Mapped[dt.date] = mapped_column(Date)
