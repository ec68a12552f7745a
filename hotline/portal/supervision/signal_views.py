"""Check-ins and signals on the portal: the student's check-in pages, the supervisor's signals, the coordinator's
escalated ones.

A check-in's note shows only to its student and to the placement's supervisor; the coordinator sees that a
signal is open and how old it is, never what was written. After an unsafe answer or a note about discrimination,
the student sees the hotline's door, and the portal keeps no trace that it was shown.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from hotline.i18n import gettext as _
from hotline.portal.accounts.login import current_user, role_required
from hotline.portal.accounts.models import User
from hotline.portal.db import get_session
from hotline.portal.extensions import catalogue, norms, supervision
from hotline.portal.supervision import checkins, signals
from hotline.portal.supervision.models import CheckIn, Placement, Signal

bp = Blueprint("supervision_signals", __name__, url_prefix="/supervision")
Page = str | tuple[str, int] | Response


def me() -> User:
    """Return the logged-in user (role_required has let them in)."""
    return cast(User, current_user())


def meanings() -> dict[str, str]:
    """Say what each kind of signal means and asks of the supervisor, in the page's language."""
    return {
        "unsafe": _("De student voelt zich niet veilig op de stageplek. Neem snel contact op."),
        "hours_law": _("De gewerkte uren gaan over de grens van de Arbeidstijdenwet (per dag, per week of 's nachts)."),
        "no_supervision": _("De student had meerdere check-ins achter elkaar geen begeleiding op de stageplek."),
        "hours_agreement": _("De student werkte meer uren per week dan in de stageovereenkomst staat."),
        "tasks_off": _("De taken passen slecht bij de leerdoelen van de student."),
        "missed_checkin": _("De student heeft een check-in niet ingevuld."),
        "moment_overdue": _("Een gepland contactmoment is voorbij en niet als gehouden vastgelegd."),
    }


@bp.get("/check-ins")
@role_required("student")
def checkin_list() -> Page:
    """List the student's check-ins that are due, the open ones first to fill in."""
    found = checkins.for_student(get_session(), me().id, dt.date.today())
    return render_template("portal/supervision/checkins/list.html", checkins=found)


def _own_checkin(checkin_id: str) -> CheckIn:
    checkin = checkins.own(get_session(), me().id, checkin_id)
    if checkin is None or checkin.due_on > dt.date.today():
        abort(404)
    return checkin


@bp.get("/check-ins/<checkin_id>")
@role_required("student")
def checkin_form(checkin_id: str) -> Page:
    """Show the check-in form, or the student's own answer once given."""
    checkin = _own_checkin(checkin_id)
    return render_template("portal/supervision/checkins/form.html", checkin=checkin, values={}, errors={})


@bp.post("/check-ins/<checkin_id>")
@role_required("student")
def answer(checkin_id: str) -> Page:
    """Save the student's answer; after an unsafe answer or a note about discrimination, show the hotline's door."""
    checkin = _own_checkin(checkin_id)
    if checkin.answered_on is not None:
        return redirect(url_for(".checkin_form", checkin_id=checkin.id))
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    given, errors = checkins.read(values)
    if given is None:
        page = render_template("portal/supervision/checkins/form.html", checkin=checkin, values=values, errors=errors)
        return page, 422
    session = get_session()
    checkins.save(session, checkin, given, dt.date.today())
    placement = checkin.placement
    defaults = supervision().for_programme(placement.programme)
    signals.compute(session, placement, defaults, norms(), dt.date.today())
    session.commit()
    if given.safe < defaults.safe_below or checkins.mentions_discrimination(given.note):
        return render_template("portal/supervision/checkins/door.html", checkin=checkin)
    return redirect(url_for(".checkin_form", checkin_id=checkin.id, saved=1))


@bp.get("/signals")
@role_required("supervisor")
def signal_list() -> Page:
    """List the open signals of the supervisor's placements, by kind, each with what it means."""
    session = get_session()
    signals.compute_all(session, Placement.supervisor_id == me().id, supervision(), norms(), dt.date.today())
    session.commit()
    found = signals.open_for_supervisor(session, me())
    return render_template("portal/supervision/signals/list.html", signals=found, meanings=meanings())


def _own_signal(signal_id: str) -> Signal:
    signal = get_session().get(Signal, signal_id)
    if signal is None or signal.placement.supervisor_id != me().id:
        abort(404)
    return signal


def _signal_page(signal: Signal, values: dict[str, str], errors: dict[str, str]) -> str:
    checkin = get_session().get(CheckIn, signal.checkin_id) if signal.checkin_id else None
    held = [m for m in signal.placement.moments if m.held_on is not None]
    return render_template(
        "portal/supervision/signals/signal.html",
        signal=signal,
        checkin=checkin,
        held=held,
        meaning=meanings()[signal.kind],
        values=values,
        errors=errors,
    )


@bp.get("/signals/<signal_id>")
@role_required("supervisor")
def signal_page(signal_id: str) -> Page:
    """Show one signal: what it means, the check-in it came from, and how to handle it."""
    return _signal_page(_own_signal(signal_id), {}, {})


@bp.post("/signals/<signal_id>")
@role_required("supervisor")
def handle(signal_id: str) -> Page:
    """Handle a signal by a held contact moment or a short note of what was done."""
    signal = _own_signal(signal_id)
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    session = get_session()
    try:
        signals.handle(session, signal, me(), dt.date.today(), values.get("moment") or None, values.get("note"))
    except signals.HandlingError:
        session.rollback()
        if signal.handled_on is not None:
            return redirect(url_for(".signal_list"))
        error = _("Kies een gehouden contactmoment, of schrijf kort (hoogstens 500 tekens) wat je hebt gedaan.")
        return _signal_page(signal, values, {"moment": error}), 422
    session.commit()
    return redirect(url_for(".signal_list"))


@bp.get("/escalated")
@role_required("office")
def escalated_list() -> Page:
    """List the signals nobody handled in time, for the coordinator: kind and age, never a note."""
    session = get_session()
    signals.escalate(session, supervision(), dt.date.today())
    session.commit()
    found = signals.escalated(session)
    return render_template(
        "portal/supervision/signals/escalated.html",
        signals=found,
        meanings=meanings(),
        programmes=catalogue().programmes,
    )
