"""The office runs matching rounds; hosts answer the students proposed to them, blind until they accept."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from hotline.i18n import gettext as _
from hotline.i18n import label
from hotline.portal.accounts.login import current_user, logged_in, role_required
from hotline.portal.accounts.models import User
from hotline.portal.db import get_session
from hotline.portal.extensions import catalogue
from hotline.portal.placements import round_mail, rounds, shortages
from hotline.portal.placements.models import MatchingRound, Offer, Proposal, Wish

bp = Blueprint("placements_rounds", __name__)


def round_errors() -> dict[str, str]:
    return {
        "no_entrants": _(
            "Er doet niemand mee: geen student met een leerwens en een rangorde die nog niet geplaatst is of op antwoord wacht, of geen vrije plaats in wat die studenten kozen."
        ),
        "already_answered": _("Op dit voorstel is al geantwoord."),
        "reason_needed": _("Kies een reden om af te wijzen."),
    }


@bp.get("/office/rounds")
@role_required("office")
def rounds_index() -> str:
    """List the rounds run, and a form to run one for a programme."""
    session = get_session()
    made = session.scalars(select(MatchingRound).order_by(MatchingRound.run_at.desc())).all()
    return render_template("portal/office/rounds.html", made=made, programmes=catalogue().programmes, error=None)


@bp.post("/office/rounds")
@role_required("office")
def run_round() -> tuple[str, int] | Response:
    """Run a round for the chosen programme."""
    session, programme = get_session(), request.form.get("programme", "")
    user = logged_in()
    try:
        made = rounds.run(session, programme, catalogue(), user)
    except rounds.RoundError as error:
        message = round_errors().get(str(error), _("Kies een opleiding."))
        listed = session.scalars(select(MatchingRound).order_by(MatchingRound.run_at.desc())).all()
        page = render_template(
            "portal/office/rounds.html", made=listed, programmes=catalogue().programmes, error=message, chosen=programme
        )
        return page, 422
    sent, failed = round_mail.tell_hosts(session, made)
    return redirect(url_for(".round_page", round_id=made.id, mailed=sent, failed=len(failed)))


@bp.get("/office/rounds/<round_id>")
@role_required("office")
def round_page(round_id: str) -> str:
    """Show what a round proposed, and the lottery seed that lets anyone replay it."""
    session = get_session()
    made = session.get(MatchingRound, round_id) or abort(404)
    placed = {p.student_id for p in made.proposals}
    mailed, failed = request.args.get("mailed", type=int), request.args.get("failed", type=int)
    return render_template(
        "portal/office/round.html",
        made=made,
        proposals=made.proposals,
        placed=len(placed),
        mailed=mailed,
        failed=failed,
    )


def own_proposal(proposal_id: str) -> Proposal:
    """Return a proposal for one of the logged-in host contact's offers; 404 for any other."""
    user = current_user()
    proposal = get_session().get(Proposal, proposal_id)
    if proposal is None or user is None or user.host_id is None:
        abort(404)
    offer = get_session().get(Offer, proposal.offer_id)
    if offer is None or offer.host_id != user.host_id:
        abort(404)
    return proposal


def profile(proposal: Proposal) -> dict[str, object]:
    """Return what a host may see of a proposed student: the learning wish, goals, programme and year; a name and
    e-mail only once the host has accepted."""
    session = get_session()
    wish = session.scalar(select(Wish).where(Wish.student_id == proposal.student_id))
    names = catalogue().area_names()
    shown: dict[str, object] = {
        "areas": [label(names[a.area]) for a in wish.areas if a.area in names] if wish else [],
        "goals": wish.goals if wish else "",
        "programme": label(catalogue().programmes[wish.programme].name)
        if wish and wish.programme in catalogue().programmes
        else "",
        "year": wish.year if wish else None,
        "start": wish.start if wish else None,
        "end": wish.end if wish else None,
        "hours": wish.hours if wish else None,
    }
    if proposal.status == rounds.ACCEPTED:
        student = session.get(User, proposal.student_id)
        shown |= {"name": student.name if student else "", "email": student.email if student else ""}
    return shown


@bp.get("/host/proposals")
@role_required("host")
def host_proposals() -> str:
    """List the students proposed for this host's offers: blind, each by its learning wish."""
    user = logged_in()
    if user.host_id is None:  # a host contact without a host has no proposals to see
        abort(403)
    found = rounds.for_host(get_session(), user.host_id)
    offers = {p.offer_id: get_session().get(Offer, p.offer_id) for p in found}
    return render_template(
        "portal/host/proposals.html", proposals=found, offers=offers, profiles={p.id: profile(p) for p in found}
    )


@bp.get("/host/proposals/<proposal_id>")
@role_required("host")
def host_proposal(proposal_id: str) -> str:
    """Show one proposed student, blind until accepted, with the answer form."""
    proposal = own_proposal(proposal_id)
    offer = get_session().get(Offer, proposal.offer_id)
    return render_template(
        "portal/host/proposal.html",
        proposal=proposal,
        offer=offer,
        profile=profile(proposal),
        reasons=catalogue().decline_reasons,
        error=None,
    )


@bp.post("/host/proposals/<proposal_id>")
@role_required("host")
def answer(proposal_id: str) -> tuple[str, int] | Response:
    """Accept, or decline with a reason tied to the offer."""
    proposal = own_proposal(proposal_id)
    accept = request.form.get("answer") == "accept"
    try:
        rounds.answer(get_session(), proposal, accept, request.form.get("reason"), catalogue())
    except rounds.RoundError as error:
        offer = get_session().get(Offer, proposal.offer_id)
        page = render_template(
            "portal/host/proposal.html",
            proposal=proposal,
            offer=offer,
            profile=profile(proposal),
            reasons=catalogue().decline_reasons,
            error=round_errors()[str(error)],
        )
        return page, 422
    return redirect(url_for(".host_proposal", proposal_id=proposal.id))


@bp.get("/office/shortages")
@role_required("office")
def shortages_page() -> str:
    """Show per programme and period who seeks, what is offered, the gap, and the hosts of earlier years to ask."""
    session = get_session()
    return render_template(
        "portal/office/shortages.html",
        rows=shortages.overview(session, catalogue(), dt.date.today()),
        declines=shortages.declines_by_reason(session),
        programmes=catalogue().programmes,
        reasons=catalogue().decline_reasons,
    )


@bp.get("/office/students")
@role_required("office")
def students_page() -> str:
    """List the students with a learning wish, where each stands, and the support needs only the office reads."""
    session = get_session()
    rows = session.execute(
        select(Wish, User).join(User, User.id == Wish.student_id).order_by(Wish.programme, User.name)
    )
    students = [(wish, student, rounds.standing(session, student.id, wish.programme)) for wish, student in rows]
    return render_template("portal/office/students.html", students=students, programmes=catalogue().programmes)
