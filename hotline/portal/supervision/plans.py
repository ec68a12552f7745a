"""A placement's supervision plan: made from the programme's defaults, kept above the floor of contact moments.

The functions take the session explicitly and raise PlanError (with a Dutch message the views show) when a
change would break the plan; they never commit.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.i18n import gettext as _
from hotline.portal.accounts.models import User
from hotline.portal.placements.models import Proposal
from hotline.portal.supervision.models import MOMENT_FORMS, CheckIn, ContactMoment, Placement
from hotline.portal.supervision.settings import Defaults

CONTACT_KINDS = ("start", "middle", "end", "extra")  # what counts towards the floor; a return day does not


class PlanError(Exception):
    """A change to a plan that is not allowed; the message says why, for the page."""


@dataclass(frozen=True)
class PlacementFields:
    """What the office enters for a placement made by hand (or takes from an accepted proposal)."""

    student_id: str
    supervisor_id: str | None
    programme: str
    host_name: str
    start: dt.date
    end: dt.date
    hours_per_week: int  # minutes
    learning_goals: str
    allowance: Decimal | None = None
    allowance_period: str | None = None


def new_id() -> str:
    return secrets.token_hex(16)


def planned_moments(start: dt.date, end: dt.date, defaults: Defaults) -> list[tuple[str, dt.date]]:
    """Return the plan's start, middle and end moments and its return days, by date."""
    start_on = min(start + dt.timedelta(days=defaults.start_within_days), end)
    end_on = max(end - dt.timedelta(days=defaults.end_before_days), start_on)
    planned = [("start", start_on), ("middle", start + (end - start) // 2), ("end", end_on)]
    if defaults.return_day_every_weeks:
        step = dt.timedelta(weeks=defaults.return_day_every_weeks)
        day = start + step
        while day < end:
            planned.append(("return_day", day))
            day += step
    return sorted(planned, key=lambda kind_day: kind_day[1])


def checkin_dates(start: dt.date, end: dt.date, every_days: int) -> list[dt.date]:
    """Return the days a check-in is due: every so many days after the start, up to the end."""
    step = dt.timedelta(days=every_days)
    due, day = [], start + step
    while day <= end:
        due.append(day)
        day += step
    return due


def create_placement(session: Session, fields: PlacementFields, defaults: Defaults, today: dt.date) -> Placement:
    """Add a placement and its plan: the moments and the check-in due dates of the programme's defaults."""
    if fields.end <= fields.start:
        raise PlanError(_("De einddatum ligt na de begindatum."))
    placement = Placement(
        id=new_id(),
        student_id=fields.student_id,
        supervisor_id=fields.supervisor_id,
        programme=fields.programme,
        proposal_id=None,
        host_name=fields.host_name,
        start=fields.start,
        end=fields.end,
        hours_per_week=fields.hours_per_week,
        allowance=fields.allowance,
        allowance_period=fields.allowance_period,
        learning_goals=fields.learning_goals,
        checkin_days=defaults.checkin_days,
        created_on=today,
    )
    session.add(placement)
    for kind, day in planned_moments(fields.start, fields.end, defaults):
        session.add(ContactMoment(id=new_id(), placement_id=placement.id, kind=kind, planned_on=day))
    for due in checkin_dates(fields.start, fields.end, defaults.checkin_days):
        session.add(CheckIn(id=new_id(), placement_id=placement.id, due_on=due))
    session.flush()
    return placement


def placement_from_proposal(
    session: Session, proposal: Proposal, supervisor_id: str | None, defaults: Defaults, today: dt.date
) -> Placement:
    """Make the placement of an accepted proposal, with the offer's terms; at most one per proposal."""
    if proposal.status != "accepted":
        raise PlanError(_("Alleen van een geaccepteerd voorstel maak je een stage."))
    if session.scalar(select(Placement.id).where(Placement.proposal_id == proposal.id)) is not None:
        raise PlanError(_("Van dit voorstel is al een stage gemaakt."))
    offer = proposal.offer
    student = proposal.student
    programme = student.programme or (offer.programmes[0].programme if offer.programmes else "")
    fields = PlacementFields(
        student_id=proposal.student_id,
        supervisor_id=supervisor_id,
        programme=programme,
        host_name=offer.host.name,
        start=offer.start,
        end=offer.end,
        hours_per_week=offer.hours_per_week,
        learning_goals=offer.tasks,
        allowance=offer.allowance,
        allowance_period=offer.allowance_period,
    )
    placement = create_placement(session, fields, defaults, today)
    placement.proposal_id = proposal.id
    return placement


def assign_supervisor(placement: Placement, supervisor: User) -> None:
    """Make a supervisor responsible for the placement."""
    if supervisor.role != "supervisor" or not supervisor.active:
        raise PlanError(_("Kies een stagedocent."))
    placement.supervisor_id = supervisor.id


def contact_count(placement: Placement) -> int:
    """Count the contact moments that hold up the floor (return days do not)."""
    return sum(1 for moment in placement.moments if moment.kind in CONTACT_KINDS)


def within(placement: Placement, day: dt.date) -> None:
    if not placement.start <= day <= placement.end:
        raise PlanError(_("Kies een dag tijdens de stage."))


def add_moment(session: Session, placement: Placement, planned_on: dt.date, kind: str = "extra") -> ContactMoment:
    """Plan one more contact moment (or return day) during the placement."""
    within(placement, planned_on)
    moment = ContactMoment(id=new_id(), placement_id=placement.id, kind=kind, planned_on=planned_on)
    session.add(moment)
    placement.moments.append(moment)
    session.flush()
    return moment


def move_moment(moment: ContactMoment, planned_on: dt.date) -> None:
    """Plan a moment that is not yet held on another day during the placement."""
    if moment.held_on is not None:
        raise PlanError(_("Dit moment is al gehouden."))
    within(moment.placement, planned_on)
    moment.planned_on = planned_on


def remove_moment(session: Session, moment: ContactMoment, minimum: int) -> None:
    """Take a moment out of the plan, never below the floor of contact moments."""
    if moment.held_on is not None:
        raise PlanError(_("Dit moment is al gehouden."))
    placement = moment.placement
    if moment.kind in CONTACT_KINDS and contact_count(placement) <= minimum:
        raise PlanError(_("Een plan houdt minstens %(minimum)s contactmomenten.", minimum=minimum))
    placement.moments.remove(moment)
    session.delete(moment)


def record_held(moment: ContactMoment, held_on: dt.date, form: str, summary: str, today: dt.date) -> None:
    """Record that a moment was held: when, how, and a summary the student reads."""
    if held_on > today:
        raise PlanError(_("Een moment houd je niet in de toekomst."))
    if form not in MOMENT_FORMS:
        raise PlanError(_("Kies hoe het moment ging."))
    if not summary.strip():
        raise PlanError(_("Schrijf kort wat er besproken is."))
    moment.held_on, moment.form, moment.summary = held_on, form, summary.strip()


def ask_extra(session: Session, placement: Placement, wished_on: dt.date, today: dt.date) -> ContactMoment:
    """Plan the extra moment a student asks for, on the day they would like it."""
    if wished_on < today:
        raise PlanError(_("Kies een dag vanaf vandaag."))
    moment = add_moment(session, placement, wished_on)
    moment.requested_by_student = True
    return moment


def placements_of_student(session: Session, student: User) -> list[Placement]:
    """Return the student's own placements, newest first."""
    query = select(Placement).where(Placement.student_id == student.id).order_by(Placement.start.desc())
    return list(session.scalars(query))


def placements_of_supervisor(session: Session, supervisor: User) -> list[Placement]:
    """Return the placements a supervisor supervises, those still running first."""
    query = select(Placement).where(Placement.supervisor_id == supervisor.id).order_by(Placement.end.desc())
    return list(session.scalars(query))
