"""How a case moves: the status an action leads to, and what an answer to the reporter does to a case.

One place for the workspace (a reply sealed in the browser) and the CLI (`hotline cases reply`), so that
an answer moves a case along the same way, whichever way it was given.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from hotline import audit
from hotline.models import Case

# action -> (statuses it may start from, the status it leads to). Closing comes with a closing
# summary sealed in the handler's browser (casework.sealed.reply), so the metadata-only form can only acknowledge.
TRANSITIONS = {
    "acknowledge": (("received", "forwarded"), "in_progress"),
    "close": (("received", "in_progress", "forwarded"), "closed"),
}
ANSWERS = ("reply", "acknowledge", "close")


class InvalidTransition(ValueError):
    """A status change that the case's current status does not allow."""


def apply_transition(session: Session, actor: str, case: Case, action: str, today: dt.date) -> str:
    """Move a case to the status an action leads to, audited, without committing; raise InvalidTransition."""
    if action not in TRANSITIONS:
        raise InvalidTransition(f"unknown action {action}")
    allowed, status = TRANSITIONS[action]
    if case.status not in allowed:
        raise InvalidTransition(f"a case that is {case.status} cannot take {action}")
    case.status = status
    if action == "acknowledge":
        case.acknowledged_on = case.acknowledged_on or today
    else:
        case.closed_on = today
    audit.record(session, actor, "status_changed", case.id, status)
    return status


def record_answer(session: Session, actor: str, case: Case, action: str, today: dt.date) -> None:
    """Note an answer stored for the reporter, without committing; raise InvalidTransition.

    Any answer acknowledges the report personally; a reply or the closing summary is also feedback; and
    answering a new or forwarded case takes it in progress.
    """
    if action not in ANSWERS:
        raise InvalidTransition(f"unknown answer {action}")
    case.acknowledged_on = case.acknowledged_on or today
    if action != "acknowledge":
        case.feedback_on = case.feedback_on or today
    audit.record(session, actor, "replied", case.id)
    if action == "reply" and case.status in ("received", "forwarded"):
        action = "acknowledge"
    if action != "reply":
        apply_transition(session, actor, case, action, today)
