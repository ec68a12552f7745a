"""The coordinator's view of a programme: placements, moments held on time, open signals by age, caseloads.

Counts and names of supervisors only: nothing from a check-in (never a note) reaches the coordinator here.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.portal.accounts.models import User
from hotline.portal.supervision.models import SIGNAL_KINDS, ContactMoment, Placement, Signal

AGES = ("week", "fortnight", "older")  # open for up to 7 days, up to 14, longer


@dataclass(frozen=True)
class Overview:
    """One programme's supervision in numbers, as of a day."""

    programme: str
    placements: int
    running: int
    without_supervisor: int
    moments_due: int  # contact moments planned up to today
    held_on_time: int  # of those, held on or before the planned day
    held_late: int
    not_held: int
    open_signals: dict[str, dict[str, int]]  # kind -> age -> count
    escalated: int
    caseloads: list[tuple[str, int]]  # supervisor's name, running placements


def age_of(raised_on: dt.date, today: dt.date) -> str:
    days = (today - raised_on).days
    return AGES[0] if days <= 7 else AGES[1] if days <= 14 else AGES[2]


def overview(session: Session, programme: str, today: dt.date) -> Overview:
    """Return the programme's overview as of today."""
    mine = Placement.programme == programme
    placements = session.scalar(select(func.count()).select_from(Placement).where(mine)) or 0
    running_rule = mine & (Placement.start <= today) & (Placement.end >= today)
    running = session.scalar(select(func.count()).select_from(Placement).where(running_rule)) or 0
    unassigned = mine & Placement.supervisor_id.is_(None)
    without = session.scalar(select(func.count()).select_from(Placement).where(unassigned)) or 0
    due = session.execute(
        select(ContactMoment.planned_on, ContactMoment.held_on)
        .join(Placement)
        .where(mine, ContactMoment.kind != "return_day", ContactMoment.planned_on <= today)
    ).all()
    on_time = sum(1 for planned, held in due if held is not None and held <= planned)
    not_held = sum(1 for _planned, held in due if held is None)
    open_rows = session.execute(
        select(Signal.kind, Signal.raised_on, Signal.escalated_on)
        .join(Placement)
        .where(mine, Signal.handled_on.is_(None))
    ).all()
    open_signals = {kind: dict.fromkeys(AGES, 0) for kind in SIGNAL_KINDS}
    for kind, raised_on, _escalated in open_rows:
        open_signals.setdefault(kind, dict.fromkeys(AGES, 0))[age_of(raised_on, today)] += 1
    loads = Counter(
        session.scalars(select(Placement.supervisor_id).where(running_rule, Placement.supervisor_id.is_not(None)))
    )
    names = dict(session.execute(select(User.id, User.name).where(User.id.in_(list(loads)))).all())
    return Overview(
        programme=programme,
        placements=int(placements),
        running=int(running),
        without_supervisor=int(without),
        moments_due=len(due),
        held_on_time=on_time,
        held_late=len(due) - on_time - not_held,
        not_held=not_held,
        open_signals=open_signals,
        escalated=sum(1 for _k, _r, escalated in open_rows if escalated is not None),
        caseloads=sorted(((names.get(str(i), ""), n) for i, n in loads.items()), key=lambda row: (-row[1], row[0])),
    )


def programmes_with_placements(session: Session) -> list[str]:
    """Return the programmes that have a placement, for the coordinator to pick."""
    return list(session.scalars(select(Placement.programme).distinct().order_by(Placement.programme)))
