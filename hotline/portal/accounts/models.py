"""A portal user: a role, a name to greet them by, and how they log in; nothing of the hotline."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.portal.db import PortalBase

ROLES = ("student", "supervisor", "office", "host")
# The roles an institution login or the office gives; a host contact comes by invitation, with their host.
OFFICE_GIVES = ("student", "supervisor", "office")


class User(PortalBase):
    __tablename__ = "portal_user"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, never shown to another side
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    # A local account (the embedded default and the demo): a username and an Argon2id hash.
    username: Mapped[str | None] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # An institution login: the pseudonymous subject the identity provider gives, and nothing more of it.
    subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    programme: Mapped[str | None] = mapped_column(String(64))
    host_id: Mapped[str | None] = mapped_column(ForeignKey("host.id"))  # a host contact's organisation
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_on: Mapped[dt.date] = mapped_column(Date)
