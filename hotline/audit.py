"""The audit log: who did what to which case, and when (to the minute); never contents. record() is its only writer.

Only staff actions are recorded. A failed login, which anyone can cause, writes nothing: a row dated by
an anonymous visitor would be an anchor that brackets the reporters' rows written around it (issue 11).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline import auth
from hotline.models import AuditEvent, Handler

ACTIONS = (
    "login",
    "enrolled",
    "key_proven",
    "logout",
    "handler_created",
    "handler_deactivated",
    "opened",
    "replied",
    "forwarded",
    "granted",
    "status_changed",
    "purged",
    "rows_rewritten",  # `hotline maintenance` wrote a finished day's reporter rows again (maintenance.py)
)
# Written before release 0007 only, and still shown: failed logins now leave no row (login_delays.py).
FORMER_ACTIONS = ("login_failed", "account_locked")
CLI = "cli"  # the actor of changes made with the `hotline` command on the server
DETAIL_CHARS = 200


class UnknownAction(ValueError):
    """An audit event names an action that is not in ACTIONS."""


def record(
    session: Session, handler_id: str | None, action: str, case_id: str | None = None, detail: str | None = None
) -> AuditEvent:
    """Append an event, dated to the minute in UTC; the caller commits it with the change it records.

    The minute is enough to hold a handler to account (who opened which case on which day, around
    which time) and seq keeps the order; seconds would only sharpen each event into an anchor against
    which other rows could be dated.
    """
    if action not in ACTIONS:
        raise UnknownAction(action)
    session.flush()  # events added earlier in this transaction count for the order too
    last = session.scalar(select(func.max(AuditEvent.seq))) or 0
    event = AuditEvent(
        handler_id=handler_id,
        action=action,
        case_id=case_id,
        at=auth.now().replace(second=0),
        seq=last + 1,
        detail=detail[:DETAIL_CHARS] if detail else None,
    )
    session.add(event)
    return event


@dataclass(frozen=True)
class Entry:
    """An event with the username of its actor, for display."""

    event: AuditEvent
    actor: str | None


def count(session: Session) -> int:
    """Return how many events there are."""
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def newest(session: Session, limit: int, offset: int = 0) -> list[Entry]:
    """Return events newest first, with their actors' usernames where the account still exists."""
    rows = session.execute(
        select(AuditEvent, Handler.username)
        .outerjoin(Handler, Handler.id == AuditEvent.handler_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.seq.desc())
        .limit(limit)
        .offset(offset)
    )
    return [Entry(event, username) for event, username in rows]
