"""Signals from check-ins and the plan: compute them (idempotently), handle them, and escalate the ones left open.

A signal names what happened (its kind and the check-in or moment it came from), never what a student wrote:
the note stays with the check-in, which only the student and their supervisor read.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import ColumnElement, insert, select
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


class CheckInFacts(Protocol):
    """What the rules read of a check-in: an ORM CheckIn, or a row of its columns."""

    @property
    def id(self) -> str: ...
    @property
    def due_on(self) -> dt.date: ...
    @property
    def answered_on(self) -> dt.date | None: ...
    @property
    def hours(self) -> int | None: ...
    @property
    def longest_day(self) -> int | None: ...
    @property
    def night_work(self) -> bool | None: ...
    @property
    def supervised(self) -> bool | None: ...
    @property
    def tasks_fit(self) -> int | None: ...
    @property
    def safe(self) -> int | None: ...


class MomentFacts(Protocol):
    """What the rules read of a contact moment."""

    @property
    def id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def planned_on(self) -> dt.date: ...
    @property
    def held_on(self) -> dt.date | None: ...


class PlacementFacts(Protocol):
    """What the rules read of a placement: its period, the hours agreed, its check-ins in order and its moments."""

    @property
    def start(self) -> dt.date: ...
    @property
    def end(self) -> dt.date: ...
    @property
    def hours_per_week(self) -> int: ...
    @property
    def checkins(self) -> Sequence[CheckInFacts]: ...
    @property
    def moments(self) -> Sequence[MomentFacts]: ...


@dataclass
class Facts:
    """A placement as plain rows, for computing many at once without loading ORM objects."""

    id: str
    programme: str
    start: dt.date
    end: dt.date
    hours_per_week: int
    checkins: list[CheckInFacts] = field(default_factory=list)
    moments: list[MomentFacts] = field(default_factory=list)
    known: set[Key] = field(default_factory=set)


LawCheck = Callable[[CheckInFacts, PlacementFacts], bool]
BATCH = 500  # placements read at once, with their check-ins, moments and signals, when computing many


class HandlingError(Exception):
    """A signal cannot be handled this way (no held moment of this placement, no note, or already handled)."""


def working_days(since: dt.date, until: dt.date) -> int:
    """Count the working days (Monday to Friday) after `since` up to and including `until`."""
    days, count = (until - since).days, 0
    for offset in range(1, days + 1):
        if (since + dt.timedelta(days=offset)).weekday() < 5:
            count += 1
    return count


def law_check(norms: Norms) -> LawCheck:
    """Return a check whether a check-in's hours break a working-time rule for adults, remembering each answer.

    Most check-ins report the same few combinations of hours, longest day and night work, so each combination
    is held against the norms engine once.
    """
    answers: dict[tuple[dt.date, dt.date, int | None, int | None, bool | None], bool] = {}

    def check(checkin: CheckInFacts, placement: PlacementFacts) -> bool:
        key = (placement.start, placement.end, checkin.hours, checkin.longest_day, checkin.night_work)
        if key not in answers:
            start, end, hours, longest, night = key
            terms = Terms(
                start=start, end=end, hours_per_week=hours, longest_day=longest, night_work=night, under_18=False
            )
            found = evaluate(terms, norms)
            answers[key] = any(f.rule.code.startswith(LAW_RULES) and f.outcome in (ATTENTION, PROBLEM) for f in found)
        return answers[key]

    return check


def _from_checkins(
    placement: PlacementFacts, defaults: Defaults, breaks_the_law: LawCheck, today: dt.date
) -> list[Key]:
    keys: list[Key] = []
    answered = [c for c in placement.checkins if c.answered_on is not None]
    for index, checkin in enumerate(answered):
        if checkin.hours is not None and checkin.hours > placement.hours_per_week:
            keys.append(("hours_agreement", checkin.id, None))
        if breaks_the_law(checkin, placement):
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


def _from_plan(placement: PlacementFacts, today: dt.date) -> list[Key]:
    # A return day is for the whole group: one missed is not the supervisor's to follow up with one student.
    return [
        ("moment_overdue", None, m.id)
        for m in placement.moments
        if m.kind != "return_day" and m.held_on is None and m.planned_on < today
    ]


def compute(
    session: Session,
    placement: Placement,
    defaults: Defaults,
    norms: Norms,
    today: dt.date,
    breaks_the_law: LawCheck | None = None,
) -> list[Signal]:
    """Raise the placement's signals that are not there yet; return the new ones (recomputing adds none)."""
    known = {(s.kind, s.checkin_id, s.moment_id) for s in placement.signals}
    found = _from_checkins(placement, defaults, breaks_the_law or law_check(norms), today) + _from_plan(
        placement, today
    )
    new = []
    for kind, checkin_id, moment_id in found:
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
    session: Session, which: ColumnElement[bool], settings: SupervisionSettings, norms: Norms, today: dt.date
) -> int:
    """Raise the new signals of the placements `which` selects, each with its programme's settings; return how many.

    The placements are read a batch at a time as plain rows (placements, check-ins, moments and the signals there
    are: four queries a batch), each combination of hours is held against the law once, and the new signals are
    inserted in one statement a batch. The rules are the same functions compute() applies to one placement.
    """
    ids = session.scalars(select(Placement.id).where(which).order_by(Placement.id)).all()
    breaks_the_law, raised = law_check(norms), 0
    for first in range(0, len(ids), BATCH):
        facts = _facts(session, ids[first : first + BATCH])
        rows = []
        for placement in facts.values():
            defaults = settings.for_programme(placement.programme)
            found = _from_checkins(placement, defaults, breaks_the_law, today) + _from_plan(placement, today)
            for kind, checkin_id, moment_id in dict.fromkeys(found):
                if (kind, checkin_id, moment_id) not in placement.known:
                    rows.append(
                        {
                            "id": secrets.token_hex(16),
                            "placement_id": placement.id,
                            "kind": kind,
                            "raised_on": today,
                            "checkin_id": checkin_id,
                            "moment_id": moment_id,
                        }
                    )
        if rows:
            session.execute(insert(Signal), rows)
        raised += len(rows)
    session.expire_all()  # signals loaded before now do not know of the new ones
    return raised


def _facts(session: Session, ids: Sequence[str]) -> dict[str, Facts]:
    """Read these placements with their check-ins (by due date), moments and existing signals' keys, as rows."""
    facts = {
        row.id: Facts(row.id, row.programme, row.start, row.end, row.hours_per_week)
        for row in session.execute(
            select(Placement.id, Placement.programme, Placement.start, Placement.end, Placement.hours_per_week).where(
                Placement.id.in_(ids)
            )
        )
    }
    # The columns the rules read, and not the note: it stays where only the student and the supervisor read it.
    answers = (CheckIn.due_on, CheckIn.answered_on, CheckIn.hours, CheckIn.longest_day, CheckIn.night_work)
    scales = (CheckIn.supervised, CheckIn.tasks_fit, CheckIn.safe)
    for checkin in session.execute(
        select(CheckIn.placement_id, CheckIn.id, *answers, *scales)
        .where(CheckIn.placement_id.in_(ids))
        .order_by(CheckIn.placement_id, CheckIn.due_on)
    ):
        facts[checkin.placement_id].checkins.append(checkin)
    moments = (ContactMoment.id, ContactMoment.kind, ContactMoment.planned_on, ContactMoment.held_on)
    for moment in session.execute(
        select(ContactMoment.placement_id, *moments).where(ContactMoment.placement_id.in_(ids))
    ):
        facts[moment.placement_id].moments.append(moment)
    for placement_id, kind, checkin_id, moment_id in session.execute(
        select(Signal.placement_id, Signal.kind, Signal.checkin_id, Signal.moment_id).where(
            Signal.placement_id.in_(ids)
        )
    ):
        facts[placement_id].known.add((kind, checkin_id, moment_id))
    return facts


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
