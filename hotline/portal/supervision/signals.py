"""Signals from check-ins and the plan: compute them (idempotently), handle them, and escalate the ones left open.

A signal names what happened (its kind and the check-in or moment it came from), never what a student wrote:
the note stays with the check-in, which only the student and their supervisor read.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.norms import ATTENTION, PROBLEM, Norms, Terms, evaluate
from hotline.portal.accounts.models import User
from hotline.portal.supervision.models import CheckIn, ContactMoment, Placement, Signal
from hotline.portal.supervision.settings import Defaults, SupervisionSettings

# The Arbeidstijdenwet's rules in the norms engine: a check-in's hours are held against these alone, since the
# agreement's own rules (allowance, learning plan) are the office's business when the placement is made.
LAW_RULES = ("working-time.", "night.")
NOTE_LENGTH = 500
# What a supervisor reads first: safety and the law before agreements, the student's answers before the plan.
PRIORITY = ("unsafe", "hours_law", "no_supervision", "hours_agreement", "tasks_off", "missed_checkin", "moment_overdue")
Key = tuple[str, str | None, str | None]


class HandlingError(Exception):
    """A signal cannot be handled this way (no held moment of this placement, no note, or already handled)."""


def working_days(since: dt.date, until: dt.date) -> int:
    """Count the working days (Monday to Friday) after `since` up to and including `until`."""
    days, count = (until - since).days, 0
    for offset in range(1, days + 1):
        if (since + dt.timedelta(days=offset)).weekday() < 5:
            count += 1
    return count


def breaks_the_law(checkin: CheckIn, placement: Placement, norms: Norms) -> bool:
    """Tell whether the hours a check-in reports break a working-time rule for adults."""
    terms = Terms(
        start=placement.start,
        end=placement.end,
        hours_per_week=checkin.hours,
        longest_day=checkin.longest_day,
        night_work=checkin.night_work,
        under_18=False,
    )
    return any(f.rule.code.startswith(LAW_RULES) and f.outcome in (ATTENTION, PROBLEM) for f in evaluate(terms, norms))


def _from_checkins(placement: Placement, defaults: Defaults, norms: Norms, today: dt.date) -> list[Key]:
    keys: list[Key] = []
    answered = [c for c in placement.checkins if c.answered_on is not None]
    for index, checkin in enumerate(answered):
        if checkin.hours is not None and checkin.hours > placement.hours_per_week:
            keys.append(("hours_agreement", checkin.id, None))
        if breaks_the_law(checkin, placement, norms):
            keys.append(("hours_law", checkin.id, None))
        if checkin.tasks_fit is not None and checkin.tasks_fit < defaults.tasks_fit_below:
            keys.append(("tasks_off", checkin.id, None))
        if checkin.safe is not None and checkin.safe < defaults.safe_below:
            keys.append(("unsafe", checkin.id, None))
        run = defaults.no_supervision_in_a_row
        window = answered[index - run + 1 : index + 1] if index + 1 >= run else []
        before = answered[index - run] if index >= run else None
        # One signal per run of unsupervised periods: raised when the run first reaches its length.
        if window and all(c.supervised is False for c in window) and (before is None or before.supervised is not False):
            keys.append(("no_supervision", checkin.id, None))
    grace = dt.timedelta(days=defaults.checkin_grace_days)
    keys += [
        ("missed_checkin", c.id, None) for c in placement.checkins if c.answered_on is None and c.due_on + grace < today
    ]
    return keys


def _from_plan(placement: Placement, today: dt.date) -> list[Key]:
    # A return day is for the whole group: one missed is not the supervisor's to follow up with one student.
    return [
        ("moment_overdue", None, m.id)
        for m in placement.moments
        if m.kind != "return_day" and m.held_on is None and m.planned_on < today
    ]


def compute(session: Session, placement: Placement, defaults: Defaults, norms: Norms, today: dt.date) -> list[Signal]:
    """Raise the placement's signals that are not there yet; return the new ones (recomputing adds none)."""
    known = {(s.kind, s.checkin_id, s.moment_id) for s in placement.signals}
    new = []
    for kind, checkin_id, moment_id in _from_checkins(placement, defaults, norms, today) + _from_plan(placement, today):
        if (kind, checkin_id, moment_id) in known:
            continue
        signal = Signal(
            id=secrets.token_hex(16),
            placement_id=placement.id,
            kind=kind,
            raised_on=today,
            checkin_id=checkin_id,
            moment_id=moment_id,
        )
        session.add(signal)
        placement.signals.append(signal)
        known.add((kind, checkin_id, moment_id))
        new.append(signal)
    return new


def compute_all(
    session: Session, placements: Iterable[Placement], settings: SupervisionSettings, norms: Norms, today: dt.date
) -> list[Signal]:
    """Raise the new signals of these placements, each with its programme's settings."""
    new = []
    for placement in placements:
        new += compute(session, placement, settings.for_programme(placement.programme), norms, today)
    session.flush()
    return new


def escalate(session: Session, settings: SupervisionSettings, today: dt.date) -> list[Signal]:
    """Pass to the coordinator every open signal left longer than its programme's working days; return those."""
    passed = []
    open_ones = session.scalars(
        select(Signal).where(Signal.handled_on.is_(None), Signal.escalated_on.is_(None)).join(Signal.placement)
    )
    for signal in open_ones:
        limit = settings.for_programme(signal.placement.programme).escalate_after_working_days
        if working_days(signal.raised_on, today) >= limit:
            signal.escalated_on = today
            passed.append(signal)
    session.flush()
    return passed


def handle(
    session: Session,
    signal: Signal,
    by: User,
    today: dt.date,
    moment_id: str | None = None,
    note: str | None = None,
) -> None:
    """Mark a signal handled by a contact moment held with the student, or by a short note of what was done."""
    if signal.handled_on is not None:
        raise HandlingError("already handled")
    if moment_id:
        moment = session.get(ContactMoment, moment_id)
        if moment is None or moment.placement_id != signal.placement_id or moment.held_on is None:
            raise HandlingError("not a held moment of this placement")
        signal.handled_moment_id = moment.id
    else:
        text = (note or "").strip()
        if not text or len(text) > NOTE_LENGTH:
            raise HandlingError("an action note of 1 to 500 characters")
        signal.action_note = text
    signal.handled_on, signal.handled_by = today, by.id
    session.flush()


def order(signals: Iterable[Signal]) -> list[Signal]:
    """Sort signals by kind (PRIORITY: safety and the law first), then oldest first."""
    return sorted(signals, key=lambda s: (PRIORITY.index(s.kind), s.raised_on, s.id))


def open_for_supervisor(session: Session, supervisor: User) -> list[Signal]:
    """Return the open signals of the placements this supervisor supervises, sorted by kind."""
    found = session.scalars(
        select(Signal)
        .join(Signal.placement)
        .where(Placement.supervisor_id == supervisor.id, Signal.handled_on.is_(None))
    )
    return order(found)


def escalated(session: Session) -> list[Signal]:
    """Return the open signals passed to the coordinator, sorted by kind."""
    return order(session.scalars(select(Signal).where(Signal.handled_on.is_(None), Signal.escalated_on.is_not(None))))
