"""Every destination, read once per transaction: one report asks for them in half a dozen places."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from hotline.models import Destination

KEY = "hotline.directory"


def destinations(session: Session) -> list[Destination]:
    """Return every destination by name, from one query per transaction.

    A session forgets the list when it flushes, commits or rolls back, and does not use it while a
    destination waits to be added or deleted: what it returns is what a query would.
    """
    found: list[Destination] | None = session.info.get(KEY)
    if found is None or session.new or session.deleted:
        found = session.info[KEY] = list(session.scalars(select(Destination).order_by(Destination.name)))
    return found


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(KEY, None)


for _name in ("after_flush", "after_commit", "after_rollback", "after_soft_rollback"):
    event.listen(Session, _name, _forget)
