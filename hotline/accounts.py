"""Staff accounts: create, authenticate with password and TOTP (growing delays after failures), enrol, deactivate."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hotline import audit, auth
from hotline.keyring import KID_PREFIX_RE, Keyring, KeyringError
from hotline.login_delays import Delays
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
    """Wrong username, password or code, or an inactive account: the caller says no more than that."""


class EnrolmentNeeded(Exception):
    """The password was right, but the account has no second factor yet."""

    def __init__(self, handler: Handler) -> None:
        super().__init__(handler.username)
        self.handler = handler


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
    full_kid = resolve_kid(ring, session, destinations, kid)
    holder = session.scalar(select(Handler.username).where(Handler.kid == full_kid))
    if holder is not None:
        # One account per key: another account on the same kid would read the same cases.
        raise AccountError("kid_taken", f"key {full_kid[:16]} already belongs to the account {holder}")
    return destinations, full_kid


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
    # The key id is freed: a closed account has no use for it, and a new account (a mistake put right)
    # may take it, proving possession afresh. Migration 0006 does the same for closed duplicates.
    handler.kid = handler.proven_kid = None
    audit.record(session, actor, "handler_deactivated", detail=handler.username)
    session.commit()


def _fail(session: Session, delays: Delays) -> LoginFailed:
    # Anyone can fail a login: that writes no row (it would date an anonymous visitor to the second), it
    # only makes the account name and the client wait longer (login_delays.py).
    session.rollback()
    delays.failed()
    return LoginFailed()


def _logged_in(session: Session, handler: Handler, delays: Delays) -> None:
    failures = delays.succeeded()
    detail = f"after {failures} failed attempt(s)" if failures else None
    audit.record(session, handler.id, "login", detail=detail)


def authenticate(session: Session, username: str, password: str, code: str, delays: Delays) -> Handler:
    """Check password and code of an active account; raise LoginFailed, or EnrolmentNeeded before the first code.

    While the account name or the client must wait after earlier failures, nothing is checked: TryLater.
    """
    delays.check()
    name = normalise_username(username)
    # No username holds a control character, and PostgreSQL cannot even compare a NUL: such a name is unknown.
    handler = session.scalar(select(Handler).where(Handler.username == name)) if name.isprintable() else None
    if handler is None or not handler.active:
        auth.spend_like_a_check(password)
        raise _fail(session, delays)
    if not auth.verify_password(password, handler.password_hash):
        raise _fail(session, delays)
    if auth.needs_rehash(handler.password_hash):
        handler.password_hash = auth.hash_password(password)
    if not handler.enrolled or handler.totp_secret is None:
        handler.totp_secret = auth.generate_totp_secret()  # a new one each time, until a code confirms it
        session.commit()
        raise EnrolmentNeeded(handler)
    step = auth.verify_totp(handler.totp_secret, code, handler.totp_last_step)
    if step is None:
        raise _fail(session, delays)
    handler.totp_last_step = step
    _logged_in(session, handler, delays)
    session.commit()
    return handler


def confirm_enrolment(session: Session, handler: Handler, code: str, delays: Delays) -> None:
    """Finish enrolment with a first code from the authenticator app; a wrong code counts as a failed attempt."""
    if handler.enrolled or handler.totp_secret is None or not handler.active:
        raise LoginFailed()
    delays.check()
    step = auth.verify_totp(handler.totp_secret, code, handler.totp_last_step)
    if step is None:
        raise _fail(session, delays)
    handler.enrolled, handler.totp_last_step = True, step
    audit.record(session, handler.id, "enrolled")
    _logged_in(session, handler, delays)
    session.commit()


def logout(session: Session, handler: Handler) -> None:
    """End every session of this account (a copied cookie dies too) and record it."""
    handler.session_epoch += 1
    audit.record(session, handler.id, "logout")
    session.commit()
