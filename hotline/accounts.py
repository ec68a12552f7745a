"""Staff accounts: create, authenticate with password and TOTP, enrol, lock out, deactivate."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hotline import audit, auth
from hotline.keyring import KID_PREFIX_RE, Keyring, KeyringError
from hotline.models import RECOVERY_KIND, ROLES, Destination, Handler, HandlerDestination

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
# Plainly one ASCII address: no spaces, newlines or the separators (, ; < >) that would make a mail header name two.
EMAIL_RE = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")
EMAIL_MAX = 254


class AccountError(ValueError):
    """An account cannot be made or changed as asked; code names the problem, the message says it in English."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class LoginFailed(Exception):
    """Wrong username, password or code, or a locked account: the caller says no more than that."""


class EnrolmentNeeded(Exception):
    """The password was right, but the account has no second factor yet."""

    def __init__(self, handler: Handler) -> None:
        super().__init__(handler.username)
        self.handler = handler


@dataclass(frozen=True)
class Policy:
    """How many failed attempts lock an account, and for how long."""

    max_failures: int = 5
    lock: dt.timedelta = dt.timedelta(minutes=15)


def normalise_username(username: str) -> str:
    """Return a username as stored: trimmed and in lower case."""
    return username.strip().lower()


def get_by_username(session: Session, username: str) -> Handler:
    """Return the account with this username, or raise AccountError."""
    handler = session.scalar(select(Handler).where(Handler.username == normalise_username(username)))
    if handler is None:
        raise AccountError("unknown", f"no account {username}")
    return handler


def all_handlers(session: Session) -> list[Handler]:
    """Return every account, admins first, then by username."""
    loading = selectinload(Handler.memberships).selectinload(HandlerDestination.destination)
    query = select(Handler).options(loading).order_by(Handler.role, Handler.username)
    return list(session.scalars(query))


def resolve_kid(ring: Keyring, session: Session, destinations: list[Destination], kid: str) -> str:
    """Return the full key id for a kid or its 8+ digit prefix, if every destination's verified list has it."""
    prefix = kid.strip().lower()
    if not KID_PREFIX_RE.match(prefix):
        raise AccountError("kid_format", "the key id must be 8 to 64 hex digits")
    found: set[str] = set()
    for destination in destinations:
        try:
            key_list = ring.for_destination(session, destination)
        except KeyringError as exc:
            raise AccountError("key_list", f"the key list of {destination.slug} does not verify: {exc}") from exc
        matches = {key.kid for key in key_list.keys if key.kid.startswith(prefix)}
        if len(matches) != 1 or (found and matches != found):
            raise AccountError(
                "kid_unknown", f"key {prefix[:16]} is not in the verified key list of {destination.slug}"
            )
        found = matches
    return found.pop()


def check_email(email: str) -> None:
    """Check that an e-mail address is plainly one address of at most 254 characters."""
    if len(email) > EMAIL_MAX or not EMAIL_RE.fullmatch(email):
        raise AccountError("email", "give one e-mail address of at most 254 characters, without spaces")


def check_new(
    session: Session,
    ring: Keyring,
    username: str,
    display_name: str,
    role: str,
    slugs: list[str],
    kid: str | None,
    email: str | None = None,
) -> tuple[list[Destination], str | None]:
    """Check a new account's fields; return its destinations and full key id."""
    if not USERNAME_RE.match(username):
        raise AccountError("username_format", "use 2-63 lower-case letters, digits, dots, dashes or underscores")
    if session.scalar(select(Handler.id).where(Handler.username == username)) is not None:
        raise AccountError("username_taken", f"an account {username} already exists")
    if not display_name or len(display_name) > 200 or not display_name.isprintable():
        raise AccountError("display_name", "give a name of at most 200 characters")
    if role not in ROLES:
        raise AccountError("role", f"the role must be one of {', '.join(ROLES)}")
    if email is not None:
        check_email(email)
    known = [slug for slug in slugs if slug.isprintable()]  # a NUL cannot even be compared on PostgreSQL
    destinations = list(session.scalars(select(Destination).where(Destination.slug.in_(known))))
    unknown = sorted(set(slugs) - {d.slug for d in destinations})
    if unknown:
        raise AccountError("destination_unknown", f"no destination {', '.join(unknown)}")
    if any(d.kind == RECOVERY_KIND for d in destinations):
        raise AccountError("destination_recovery", "the recovery key is kept offline: no account works for it")
    if role == "admin":
        if destinations or kid:
            raise AccountError("admin_cases", "an admin has no destinations and no key: admins never see cases")
        if email:
            raise AccountError("admin_email", "an admin gets no notification mail: give no e-mail address")
        return [], None
    if not destinations:
        raise AccountError("destination_missing", "a handler needs at least one destination")
    if not kid:
        raise AccountError("kid_missing", "a handler needs the key id of their registered key")
    return destinations, resolve_kid(ring, session, destinations, kid)


def create_handler(
    session: Session,
    ring: Keyring,
    *,
    username: str,
    display_name: str,
    role: str = "handler",
    destinations: list[str] | None = None,
    kid: str | None = None,
    email: str | None = None,
    actor: str = audit.CLI,
) -> tuple[Handler, str]:
    """Make an account with a generated initial password; return it and the password, to be shown once."""
    username, display_name = normalise_username(username), display_name.strip()
    email = (email or "").strip() or None
    chosen, full_kid = check_new(session, ring, username, display_name, role, destinations or [], kid, email)
    password = auth.generate_password()
    handler = Handler(
        username=username,
        display_name=display_name,
        email=email,
        password_hash=auth.hash_password(password),
        totp_last_step=0,
        enrolled=False,
        role=role,
        kid=full_kid,
        active=True,
        failed_logins=0,
        session_epoch=0,
        created_on=auth.now().date(),
        memberships=[HandlerDestination(destination=d) for d in chosen],
    )
    session.add(handler)
    session.flush()
    audit.record(session, actor, "handler_created", detail=username)
    session.commit()
    return handler, password


def deactivate(session: Session, handler: Handler, actor: str = audit.CLI) -> None:
    """Close an account: it can no longer log in, and its sessions end at their next request."""
    if handler.id == actor:
        raise AccountError("self", "you cannot deactivate your own account")
    handler.active = False
    handler.session_epoch += 1
    audit.record(session, actor, "handler_deactivated", detail=handler.username)
    session.commit()


def _fail(session: Session, handler: Handler, reason: str, policy: Policy) -> LoginFailed:
    handler.failed_logins += 1
    audit.record(session, handler.id, "login_failed", detail=reason)
    if handler.failed_logins >= policy.max_failures:
        handler.locked_until, handler.failed_logins = auth.now() + policy.lock, 0
        audit.record(session, handler.id, "account_locked", detail=f"{int(policy.lock.total_seconds() // 60)} min")
    session.commit()
    return LoginFailed()


def is_locked(handler: Handler) -> bool:
    """Tell whether an account is locked after too many failed attempts."""
    return handler.locked_until is not None and handler.locked_until > auth.now()


def authenticate(session: Session, username: str, password: str, code: str, policy: Policy) -> Handler:
    """Check password and code of an active account; raise LoginFailed, or EnrolmentNeeded before the first code."""
    name = normalise_username(username)
    # No username holds a control character, and PostgreSQL cannot even compare a NUL: such a name is unknown.
    handler = session.scalar(select(Handler).where(Handler.username == name)) if name.isprintable() else None
    if handler is None or not handler.active or is_locked(handler):
        auth.spend_like_a_check(password)
        reason = "unknown_account" if handler is None else ("inactive" if not handler.active else "locked")
        audit.record(session, handler.id if handler else None, "login_failed", detail=reason)
        session.commit()
        raise LoginFailed()
    if not auth.verify_password(password, handler.password_hash):
        raise _fail(session, handler, "password", policy)
    if auth.needs_rehash(handler.password_hash):
        handler.password_hash = auth.hash_password(password)
    if not handler.enrolled or handler.totp_secret is None:
        handler.totp_secret = auth.generate_totp_secret()  # a new one each time, until a code confirms it
        session.commit()
        raise EnrolmentNeeded(handler)
    step = auth.verify_totp(handler.totp_secret, code, handler.totp_last_step)
    if step is None:
        raise _fail(session, handler, "code", policy)
    handler.totp_last_step, handler.failed_logins, handler.locked_until = step, 0, None
    audit.record(session, handler.id, "login")
    session.commit()
    return handler


def confirm_enrolment(session: Session, handler: Handler, code: str, policy: Policy) -> None:
    """Finish enrolment with a first code from the authenticator app; a wrong code counts as a failed attempt."""
    if handler.enrolled or handler.totp_secret is None or not handler.active or is_locked(handler):
        raise LoginFailed()
    step = auth.verify_totp(handler.totp_secret, code, handler.totp_last_step)
    if step is None:
        raise _fail(session, handler, "code", policy)
    handler.enrolled, handler.totp_last_step, handler.failed_logins, handler.locked_until = True, step, 0, None
    audit.record(session, handler.id, "enrolled")
    audit.record(session, handler.id, "login")
    session.commit()


def logout(session: Session, handler: Handler) -> None:
    """End every session of this account (a copied cookie dies too) and record it."""
    handler.session_epoch += 1
    audit.record(session, handler.id, "logout")
    session.commit()
