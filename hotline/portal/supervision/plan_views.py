"""Supervision plans: the office makes placements, the supervisor keeps the plan, the student reads "Mijn begeleiding".

Every route checks the role and that the placement is the user's: a supervisor reaches only the placements they
supervise, a student only their own (their page takes no id), the office all of them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from hotline.i18n import gettext as _
from hotline.portal.accounts.login import current_user, role_required
from hotline.portal.accounts.models import User
from hotline.portal.db import get_session
from hotline.portal.extensions import supervision
from hotline.portal.placements.models import Proposal
from hotline.portal.supervision import coordinator, plan_forms, plans
from hotline.portal.supervision.models import MOMENT_FORMS, ContactMoment, Placement

bp = Blueprint("supervision_plans", __name__, url_prefix="/supervision")
Page = str | tuple[str, int] | Response


def me() -> User:
    return cast(User, current_user())


# The office: placements made by hand or from an accepted proposal, and who supervises them.


def office_page(values: dict[str, str], errors: dict[str, str]) -> Page:
    """Render the placements list with the form for a new one, with what was typed and what is wrong."""
    session = get_session()
    made = set(session.scalars(select(Placement.proposal_id).where(Placement.proposal_id.is_not(None))))
    accepted = [p for p in session.scalars(select(Proposal).where(Proposal.status == "accepted")) if p.id not in made]
    page = render_template(
        "portal/supervision/plans/office.html",
        placements=session.scalars(select(Placement).order_by(Placement.start.desc())).all(),
        accepted=accepted,
        students=plan_forms.people("student"),
        supervisors=plan_forms.people("supervisor"),
        programmes=plan_forms.programmes(),
        periods=plan_forms.allowance_periods(),
        values=values,
        errors=errors,
    )
    return (page, 422) if errors else page


@bp.get("/placements")
@role_required("office")
def placements() -> Page:
    """List the placements and accepted proposals, with a form to make a placement by hand."""
    return office_page({}, {})


@bp.post("/placements")
@role_required("office")
def create_placement() -> Page:
    """Make a placement a student found themselves, with its plan; on an error keep what was typed."""
    form = {key: value for key, value in request.form.items() if key != "csrf_token"}
    fields, errors = plan_forms.read_placement(form)
    if fields is None:
        return office_page(form, errors)
    placement = plans.create_placement(
        get_session(), fields, supervision().for_programme(fields.programme), dt.date.today()
    )
    get_session().commit()
    return redirect(url_for(".placement_page", placement_id=placement.id))


@bp.post("/proposals/<proposal_id>/placement")
@role_required("office")
def from_proposal(proposal_id: str) -> Page:
    """Make the placement of an accepted proposal, with its plan."""
    session = get_session()
    proposal = session.get(Proposal, proposal_id) or abort(404)
    programme = proposal.student.programme or ""
    try:
        placement = plans.placement_from_proposal(
            session, proposal, None, supervision().for_programme(programme), dt.date.today()
        )
    except plans.PlanError:
        abort(409)
    session.commit()
    return redirect(url_for(".placement_page", placement_id=placement.id))


@bp.post("/placements/<placement_id>/supervisor")
@role_required("office")
def assign(placement_id: str) -> Page:
    """Make a supervisor responsible for a placement; on an error show the placement with why."""
    session = get_session()
    placement = session.get(Placement, placement_id) or abort(404)
    chosen = session.get(User, request.form.get("supervisor_id", ""))
    try:
        if chosen is None:
            raise plans.PlanError(_("Kies een stagedocent."))
        plans.assign_supervisor(placement, chosen)
    except plans.PlanError as exc:
        return plan_page(placement, dict(request.form), {"supervisor_id": str(exc)})
    session.commit()
    return redirect(url_for(".placement_page", placement_id=placement.id))


# The supervisor (and the office): one placement's plan.


def placement_or_404(placement_id: str) -> Placement:
    """Return a placement the user may see: the office any, a supervisor only their own."""
    placement = get_session().get(Placement, placement_id) or abort(404)
    if me().role == "supervisor" and placement.supervisor_id != me().id:
        abort(403)
    return placement


def moment_or_404(moment_id: str) -> ContactMoment:
    """Return a moment of a placement the supervisor supervises."""
    moment = get_session().get(ContactMoment, moment_id) or abort(404)
    if moment.placement.supervisor_id != me().id:
        abort(403)
    return moment


def plan_page(placement: Placement, values: dict[str, str], errors: dict[str, str]) -> Page:
    """Render a placement's plan with its forms, with what was typed and what is wrong."""
    page = render_template(
        "portal/supervision/plans/placement.html",
        placement=placement,
        contacts=plans.contact_count(placement),
        minimum=plan_forms.minimum(),
        supervisors=plan_forms.people("supervisor") if me().role == "office" else [],
        programme_name=plan_forms.programmes().get(placement.programme, placement.programme),
        allowance=plan_forms.allowance_text(placement),
        kinds=plan_forms.kind_labels(),
        forms=plan_forms.form_labels(),
        form_codes=MOMENT_FORMS,
        values=values,
        errors=errors,
        today=dt.date.today(),
    )
    return (page, 422) if errors else page


@bp.get("/mine")
@role_required("supervisor")
def supervised() -> str:
    """List the placements the supervisor supervises, with the next moment of each."""
    found = plans.placements_of_supervisor(get_session(), me())
    return render_template("portal/supervision/plans/supervised.html", placements=found, today=dt.date.today())


@bp.get("/placements/<placement_id>")
@role_required("supervisor", "office")
def placement_page(placement_id: str) -> Page:
    """Show a placement's agreement and plan; the supervisor changes and records moments here."""
    return plan_page(placement_or_404(placement_id), {}, {})


@bp.post("/placements/<placement_id>/moments")
@role_required("supervisor")
def add_moment(placement_id: str) -> Page:
    """Plan one more contact moment or return day."""
    placement = placement_or_404(placement_id)
    form, errors = dict(request.form), dict[str, str]()
    day = plan_forms.read_date(form, "new-planned_on", errors)
    kind = form.get("new-kind", "extra")
    if kind not in ("extra", "return_day"):
        errors["new-kind"] = _("Kies wat voor moment.")
    if day is not None and not errors:
        try:
            plans.add_moment(get_session(), placement, day, kind)
        except plans.PlanError as exc:
            errors["new-planned_on"] = str(exc)
    if errors:
        return plan_page(placement, form, errors)
    get_session().commit()
    return redirect(url_for(".placement_page", placement_id=placement.id))


def change_moment(moment_id: str, change: Any) -> Page:
    """Apply a change to a moment; on a PlanError show the plan again with what was typed."""
    moment = moment_or_404(moment_id)
    form: dict[str, str] = dict(request.form)
    errors: dict[str, str] = {}
    try:
        change(moment, form, errors)
    except plans.PlanError as exc:
        errors[f"{moment.id}-error"] = str(exc)
    if errors:
        get_session().rollback()
        return plan_page(moment.placement, form, errors)
    placement_id = moment.placement_id
    get_session().commit()
    return redirect(url_for(".placement_page", placement_id=placement_id))


@bp.post("/moments/<moment_id>/move")
@role_required("supervisor")
def move_moment(moment_id: str) -> Page:
    """Plan a moment on another day."""

    def move(moment: ContactMoment, form: dict[str, str], errors: dict[str, str]) -> None:
        day = plan_forms.read_date(form, f"{moment.id}-planned_on", errors)
        if day is not None:
            plans.move_moment(moment, day)

    return change_moment(moment_id, move)


@bp.post("/moments/<moment_id>/remove")
@role_required("supervisor")
def remove_moment(moment_id: str) -> Page:
    """Take a moment out of the plan, never below the floor of contact moments."""
    return change_moment(
        moment_id, lambda moment, _f, _e: plans.remove_moment(get_session(), moment, plan_forms.minimum())
    )


@bp.post("/moments/<moment_id>/held")
@role_required("supervisor")
def record_moment(moment_id: str) -> Page:
    """Record a moment as held: the day, how, and a summary the student reads."""

    def record(moment: ContactMoment, form: dict[str, str], errors: dict[str, str]) -> None:
        day = plan_forms.read_date(form, f"{moment.id}-held_on", errors)
        if form.get(f"{moment.id}-form") not in MOMENT_FORMS:
            errors[f"{moment.id}-form"] = _("Kies hoe het moment ging.")
        if not form.get(f"{moment.id}-summary", "").strip():
            errors[f"{moment.id}-summary"] = _("Schrijf kort wat er besproken is.")
        if day is not None and not errors:
            plans.record_held(moment, day, form[f"{moment.id}-form"], form[f"{moment.id}-summary"], dt.date.today())

    return change_moment(moment_id, record)


# The student: "Mijn begeleiding".


def student_page(values: dict[str, str], errors: dict[str, str]) -> Page:
    found = plans.placements_of_student(get_session(), me())
    page = render_template(
        "portal/supervision/plans/student.html",
        placement=found[0] if found else None,
        kinds=plan_forms.kind_labels(),
        forms=plan_forms.form_labels(),
        values=values,
        errors=errors,
        today=dt.date.today(),
    )
    return (page, 422) if errors else page


@bp.get("/plan")
@role_required("student")
def student_plan() -> Page:
    """Show the student's own plan: who supervises, the moments with their summaries, the check-in days."""
    return student_page({}, {})


@bp.post("/plan")
@role_required("student")
def ask_moment() -> Page:
    """Ask for an extra contact moment on a day of the student's choosing."""
    found = plans.placements_of_student(get_session(), me())
    if not found:
        abort(404)
    form, errors = dict(request.form), dict[str, str]()
    day = plan_forms.read_date(form, "wished_on", errors)
    if day is not None:
        try:
            plans.ask_extra(get_session(), found[0], day, dt.date.today())
        except plans.PlanError as exc:
            errors["wished_on"] = str(exc)
    if errors:
        get_session().rollback()
        return student_page(form, errors)
    get_session().commit()
    return redirect(url_for(".student_plan", asked="1"))


# The coordinator (the office, per programme).


@bp.get("/coordinator")
@role_required("office")
def overview() -> str:
    """Show one programme's supervision: placements, moments on time, open signals by age, caseloads."""
    session = get_session()
    known = coordinator.programmes_with_placements(session)
    chosen = request.args.get("programme") or (known[0] if known else "")
    shown = coordinator.overview(session, chosen, dt.date.today()) if chosen in known else None
    return render_template(
        "portal/supervision/coordinator/overview.html",
        known=known,
        chosen=chosen,
        shown=shown,
        names=plan_forms.programmes(),
        signal_names=plan_forms.signal_names(),
        ages=coordinator.AGES,
    )
