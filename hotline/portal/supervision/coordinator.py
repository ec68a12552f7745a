"""The coordinator's view of a programme: placements, moments held on time, open signals by age, caseloads.

Counts and names of supervisors only: nothing from a check-in (never a note) reaches the coordinator here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, select
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


def overview(session: Session, programme: str, today: dt.date) -> Overview:
    """Return the programme's overview as of today, counted by the database: five queries, whatever the size."""
    mine = Placement.programme == programme
    running_rule = mine & (Placement.start <= today) & (Placement.end >= today)
    placements, running, without = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((running_rule, 1), else_=0)), 0),
            func.coalesce(func.sum(case((Placement.supervisor_id.is_(None), 1), else_=0)), 0),
        ).where(mine)
    ).one()
    held = ContactMoment.held_on
    due, on_time, not_held = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((held <= ContactMoment.planned_on, 1), else_=0)), 0),
            func.coalesce(func.sum(case((held.is_(None), 1), else_=0)), 0),
        )
        .join(Placement)
        .where(mine, ContactMoment.kind != "return_day", ContactMoment.planned_on <= today)
    ).one()
    week, fortnight = today - dt.timedelta(days=7), today - dt.timedelta(days=14)
    age = case((Signal.raised_on >= week, AGES[0]), (Signal.raised_on >= fortnight, AGES[1]), else_=AGES[2])
    open_signals = {kind: dict.fromkeys(AGES, 0) for kind in SIGNAL_KINDS}
    for kind, bucket, count in session.execute(
        select(Signal.kind, age, func.count())
        .join(Placement)
        .where(mine, Signal.handled_on.is_(None))
        .group_by(Signal.kind, age)
    ):
        open_signals.setdefault(kind, dict.fromkeys(AGES, 0))[bucket] += count
    escalated = session.scalar(
        select(func.count())
        .select_from(Signal)
        .join(Placement)
        .where(mine, Signal.handled_on.is_(None), Signal.escalated_on.is_not(None))
    )
    loads = session.execute(
        select(User.name, func.count())
        .join(Placement, Placement.supervisor_id == User.id)
        .where(running_rule)
        .group_by(User.id, User.name)
    ).all()
    return Overview(
        programme=programme,
        placements=int(placements),
        running=int(running),
        without_supervisor=int(without),
        moments_due=int(due),
        held_on_time=int(on_time),
        held_late=int(due) - int(on_time) - int(not_held),
        not_held=int(not_held),
        open_signals=open_signals,
        escalated=int(escalated or 0),
        caseloads=sorted(((name, int(n)) for name, n in loads), key=lambda row: (-row[1], row[0])),
    )


def programmes_with_placements(session: Session) -> list[str]:
    """Return the programmes that have a placement, for the coordinator to pick."""
    return list(session.scalars(select(Placement.programme).distinct().order_by(Placement.programme)))
