"""What the transparency page states, read from the instance itself: destinations, key holders, periods."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import cases, form_tokens, i18n
from hotline.keyring import Keyring, KeyringError
from hotline.models import RECOVERY_KIND, Destination


@dataclass(frozen=True)
class Reader:
    """A destination and the people whose keys its verified key list names."""

    slug: str
    name: dict[str, str]
    kind: str
    holders: tuple[str, ...]
    verified: bool  # False: the list is missing or does not verify, so nothing can be sealed to it now
    classical: tuple[str, ...] = ()  # holders whose key has no X-Wing key yet: their wraps are not post-quantum


@dataclass(frozen=True)
class Cookie:
    """A cookie this instance may set: its name, what it is for, and how long it lives (0: the visit)."""

    name: str
    purpose: str  # "form", "language" or "staff"
    minutes: int
    remember_days: int = 0  # the language cookie: how long it lasts when the student asks to be remembered


@dataclass(frozen=True)
class Facts:
    destinations: tuple[Reader, ...]
    recovery: tuple[Reader, ...]
    retention_days: int
    ack_days: int
    feedback_months: int
    cookies: tuple[Cookie, ...]


def reader(keyring: Keyring, destination: Destination) -> Reader:
    """Describe a destination with the names in its verified key list, or mark it unverified."""
    try:
        # verified() rather than for_destination(): the same rollback check, without writing on a page view.
        key_list = keyring.verified(destination.slug, destination.key_list_version)
    except KeyringError:
        return Reader(destination.slug, destination.labels, destination.kind, (), False)
    holders = tuple(key.name for key in key_list.keys)
    classical = tuple(key.name for key in key_list.keys if key.xwing is None)
    return Reader(destination.slug, destination.labels, destination.kind, holders, True, classical)


def build(session: Session, keyring: Keyring, config: Mapping[str, Any]) -> Facts:
    """Return the facts of this instance: its destinations and recovery key, retention and deadlines."""
    query = select(Destination).where(Destination.kind != RECOVERY_KIND).order_by(Destination.kind, Destination.name)
    return Facts(
        destinations=tuple(reader(keyring, d) for d in session.scalars(query)),
        recovery=tuple(reader(keyring, d) for d in cases.recovery_destinations(session)),
        retention_days=int(config["RETENTION_DAYS"]),
        ack_days=int(config["ACK_DAYS"]),
        feedback_months=int(config["FEEDBACK_MONTHS"]),
        cookies=cookies(config),
    )


def cookies(config: Mapping[str, Any]) -> tuple[Cookie, ...]:
    """Return every cookie the instance may set, by the names and lifetimes its settings give them."""
    tls = bool(config["TLS"])
    forms = tuple(
        Cookie(form_tokens.cookie_name(scope, tls), "form", int(config["FORM_COOKIE_MINUTES"]))
        for scope in form_tokens.SCOPES
    )
    return (
        *forms,
        Cookie(
            i18n.COOKIE,
            "language",
            int(config["LANGUAGE_COOKIE_DAYS"]) * 24 * 60,
            int(config["LANGUAGE_REMEMBER_DAYS"]),
        ),
        Cookie(str(config["SESSION_COOKIE_NAME"]), "staff", int(config["SESSION_MINUTES"])),
    )
