"""The office's people: who waits for a role after an institution login, and each user's role, programme and access."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from sqlalchemy import select
from werkzeug.wrappers import Response

from hotline.i18n import gettext as _
from hotline.portal import mail, role_labels
from hotline.portal.accounts import service
from hotline.portal.accounts.login import logged_in, role_required
from hotline.portal.accounts.models import OFFICE_GIVES, User
from hotline.portal.db import get_session
from hotline.portal.extensions import catalogue

bp = Blueprint("portal_people", __name__)
log = logging.getLogger(__name__)
SUBJECT = "Stageportaal: je hebt toegang / you have access"
# Bilingual, with the role and the login page only: a mailbox may be read by others.
BODY = """\
Hallo,

Het stagebureau heeft je toegang gegeven tot het stageportaal, als {role_nl}.
Log opnieuw in via je instelling:

{link}

--

Hello,

The internship office has given you access to the internship portal, as
{role_en}. Log in again through your institution:

{link}
"""
ROLE_NL = {"student": "student", "supervisor": "stagedocent", "office": "stagebureau"}
ROLE_EN = {"student": "student", "supervisor": "supervisor", "office": "internship office"}


@bp.record_once
def check_mail(state: BlueprintSetupState) -> None:
    mail.mail_settings(state.app.config)  # incomplete mail settings stop the portal at start, not at a mail


def errors_for() -> dict[str, str]:
    return {
        "role": _(
            "Kies een rol: student, stagedocent of stagebureau. Een stagebieder houdt de rol van zijn uitnodiging."
        ),
        "programme": _("Kies een opleiding uit de lijst, of geen."),
        "self": _("Je kunt je eigen account niet uitzetten of je eigen rol als stagebureau weghalen."),
    }


def how_they_log_in(user: User) -> str:
    if user.subject is not None:
        return _("via de instelling")
    if user.host_id is not None:
        return _("met een inloglink")
    return _("met een gebruikersnaam")


@bp.get("/office/people")
@role_required("office")
def people() -> str:
    """List who waits for a role, then everyone with a role, by role and name."""
    session = get_session()
    given = session.scalars(select(User).where(User.role != "").order_by(User.role, User.name)).all()
    return render_template(
        "portal/office/people.html",
        waiting=service.waiting(session),
        given=given,
        programmes=catalogue().programmes,
        how=how_they_log_in,
        saved=session.get(User, request.args.get("saved", "")),
        mailed=request.args.get("mailed", ""),
    )


def person_page(user: User, values: dict[str, str], errors: dict[str, str], status: int = 200) -> tuple[str, int]:
    roles = role_labels()
    choices = {user.role: roles[user.role]} if user.host_id is not None else {r: roles[r] for r in OFFICE_GIVES}
    page = render_template(
        "portal/office/person.html",
        person=user,
        values=values,
        errors=errors,
        choices=choices,
        programmes=catalogue().programmes,
        how=how_they_log_in(user),
    )
    return page, status


def found(user_id: str) -> User:
    return get_session().get(User, user_id) or abort(404)


@bp.get("/office/people/<user_id>")
@role_required("office")
def person(user_id: str) -> tuple[str, int]:
    """Show one user's role, programme and access, to change them."""
    user = found(user_id)
    # A user waiting for a role is to be let in once given one, unless the office says otherwise.
    active = "yes" if user.active or not user.role else ""
    values = {"role": user.role, "programme": user.programme or "", "active": active}
    return person_page(user, values, {})


@bp.post("/office/people/<user_id>")
@role_required("office")
def update_person(user_id: str) -> tuple[str, int] | Response:
    """Give the role, programme and access the office chose; a first role is mailed to the user."""
    session, user = get_session(), found(user_id)
    values = {
        "role": request.form.get("role", "")[:16],
        "programme": request.form.get("programme", "")[:64],
        "active": "yes" if request.form.get("active") else "",
    }
    messages = errors_for()
    errors = {}
    if values["programme"] and values["programme"] not in catalogue().programmes:
        errors["programme"] = messages["programme"]
    first = user.role == "" and values["role"] in OFFICE_GIVES and bool(values["active"])
    if not errors:
        try:
            programme, active = values["programme"] or None, bool(values["active"])
            service.assign(session, user, values["role"], programme, active, logged_in())
        except service.AccountError as error:
            errors["role" if str(error) == "role" else "active"] = messages[str(error)]
    if errors:
        session.rollback()
        return person_page(found(user_id), values, errors, 422)
    session.commit()
    mailed = tell(user) if first else ""
    return redirect(url_for(".people", saved=user.id, mailed=mailed))


def tell(user: User) -> str:
    """Mail a user their first role: "sent", "failed", or "" when there is no address or no mail."""
    settings = mail.mail_settings(current_app.config)
    if settings is None or not user.email:
        return ""
    body = BODY.format(
        role_nl=ROLE_NL[user.role], role_en=ROLE_EN[user.role], link=mail.page_url("portal_accounts.login_form")
    )
    try:
        mail.send(settings, mail.compose(settings, user.email, SUBJECT, body))
    except mail.MailError as exc:
        log.warning("the access mail could not be sent: %s", exc)
        return "failed"
    return "sent"
