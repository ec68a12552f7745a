"""Create portal users and check local logins; the session is passed in, errors are named."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import auth
from hotline.portal.accounts.models import OFFICE_GIVES, ROLES, User


class AccountError(ValueError):
    """A portal account cannot be made as asked; the message says why."""


def create_local(
    session: Session,
    role: str,
    name: str,
    username: str,
    password: str,
    email: str | None = None,
    programme: str | None = None,
) -> User:
    """Add a local account (the embedded default and the demo) with an Argon2id password hash."""
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise AccountError(f"the username {username} is taken")
    user = User(
        id=secrets.token_hex(16),
        role=role,
        name=name,
        email=email,
        username=username,
        password_hash=auth.hash_password(password),
        programme=programme,
        active=True,
        created_on=dt.date.today(),
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """Return the active local user with this username and password, or None; as slow either way."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or user.password_hash is None or not user.active:
        auth.spend_like_a_check(password)
        return None
    return user if auth.verify_password(password, user.password_hash) else None


def get(session: Session, user_id: str) -> User | None:
    """Return an active user by id, or None."""
    user = session.get(User, user_id)
    return user if user is not None and user.active else None


def assign(session: Session, user: User, role: str, programme: str | None, active: bool, by: User) -> None:
    """Give a user their role, programme and access, as the office decides; raise AccountError with a code if not.

    Codes: "role" (not a role the office gives, or a host contact's role changed: it comes with their host),
    "self" (the office switching off its own account or taking its own office role: nobody might be left to undo it).
    The programme is checked against the catalogue by the caller.
    """
    allowed = (user.role,) if user.host_id is not None else OFFICE_GIVES
    if role not in allowed:
        raise AccountError("role")
    if user.id == by.id and (not active or role != "office"):
        raise AccountError("self")
    user.role, user.programme, user.active = role, programme, active
    session.flush()


def waiting(session: Session) -> list[User]:
    """Return the users who logged in through the institution and wait for the office to give them a role."""
    return list(session.scalars(select(User).where(User.role == "").order_by(User.created_on, User.name)))
