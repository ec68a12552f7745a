"""Login links for host contacts: the office invites an address, a contact opens the link, or asks for a new one."""

from __future__ import annotations

import logging
import threading
from email.message import EmailMessage
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from sqlalchemy import select
from werkzeug.exceptions import Forbidden
from werkzeug.wrappers import Response

from hotline.i18n import gettext as _
from hotline.portal import mail
from hotline.portal.accounts import invitations
from hotline.portal.accounts import login as logins
from hotline.portal.db import get_session
from hotline.portal.placements.models import Host

bp = Blueprint("portal_invitations", __name__)
log = logging.getLogger(__name__)
SECRET_LENGTH = 43  # secrets.token_urlsafe(32)


@bp.record_once
def check_mail(state: BlueprintSetupState) -> None:
    mail.mail_settings(state.app.config)  # incomplete mail settings stop the portal at start, not at a mail


def message_for(settings: mail.MailSettings, made: invitations.Made, host: Host) -> EmailMessage:
    """Write the mail that carries a new link."""
    link = mail.page_url("portal_invitations.open_link", secret=made.secret)
    again = mail.page_url("portal_invitations.ask")
    text = invitations.body(host.name, link, again, made.invitation.expires_at)
    return mail.compose(settings, made.invitation.email, invitations.SUBJECT, text)


def office_page(values: dict[str, str], errors: dict[str, str], done: dict[str, Any] | None = None) -> str:
    hosts = get_session().scalars(select(Host).order_by(Host.name)).all()
    return render_template("portal/accounts/invite_office.html", hosts=hosts, values=values, errors=errors, done=done)


@bp.get("/office/invite")
@logins.role_required("office")
def invite_form() -> str:
    """Ask for the host and the contact's e-mail address; ?host= picks a host and its contact's address."""
    host = get_session().get(Host, request.args.get("host", ""))
    values = {"host": host.id, "email": host.contact_email or ""} if host else {"host": "", "email": ""}
    return office_page(values, {})


@bp.post("/office/invite")
@logins.role_required("office")
def invite() -> tuple[str, int] | str:
    """Make a login link for a host contact: mail it, or show it to pass on by hand when there is no mail."""
    db = get_session()
    values = {"host": request.form.get("host", "")[:32], "email": request.form.get("email", "").strip()[:320]}
    errors = {}
    host = db.get(Host, values["host"]) if values["host"] else None
    if host is None:
        errors["host"] = _("Kies de stagebieder.")
    email = invitations.normal_email(values["email"])
    if email is None:
        errors["email"] = _("Vul een e-mailadres in, zoals naam@bedrijf.nl.")
    if host is None or email is None:
        return office_page(values, errors), 422
    user = logins.current_user()
    if user is None:  # role_required lets only a logged-in user in; this says so to mypy
        raise Forbidden()
    made = invitations.invite(db, host, email, user.id, current_app.config["INVITATION_HOURS"])
    db.commit()
    settings, mailed = mail.mail_settings(current_app.config), False
    if settings is not None:
        try:
            mail.send(settings, message_for(settings, made, host))
            mailed = True
        except mail.MailError as exc:
            log.warning("the invitation could not be mailed: %s", exc)
    link = None if mailed else mail.page_url("portal_invitations.open_link", secret=made.secret)
    done = {"email": email, "host": host.name, "link": link, "failed": settings is not None and not mailed}
    return office_page({"host": "", "email": ""}, {}, done)


def gone() -> tuple[str, int]:
    """Answer a link that is unknown, used or expired: one plain page for all three, with a way to a new one."""
    page = render_template(
        "portal/accounts/message.html",
        title=_("Deze link werkt niet meer"),
        text=_("Een inloglink werkt één keer en een beperkte tijd. Deze is al gebruikt, verlopen of onbekend."),
        link=(url_for("portal_invitations.ask"), _("Vraag een nieuwe inloglink aan")),
    )
    return page, 410


@bp.get("/invite/<secret>")
def open_link(secret: str) -> tuple[str, int] | str:
    """Show the button that logs in; opening the link alone uses nothing up."""
    invitation = invitations.usable(get_session(), secret) if len(secret) == SECRET_LENGTH else None
    if invitation is None:
        return gone()
    host = get_session().get(Host, invitation.host_id)
    return render_template("portal/accounts/invite_open.html", host=host.name if host else "", secret=secret)


@bp.post("/invite/<secret>")
def use_link(secret: str) -> tuple[str, int] | Response:
    """Use the link up and log its host contact in."""
    db = get_session()
    try:
        user = invitations.redeem(db, secret) if len(secret) == SECRET_LENGTH else None
    except invitations.InvitationError:
        user = None
    if user is None:
        db.rollback()
        return gone()
    db.commit()
    logins.log_in(user)
    return redirect(url_for("portal_accounts.home"))


@bp.get("/invite/new")
def ask() -> str:
    """Ask a host contact for their e-mail address, to send a new link."""
    return render_template("portal/accounts/invite_again.html", mail=mail.mail_settings(current_app.config), email="")


def send_quietly(settings: mail.MailSettings, message: EmailMessage) -> None:
    try:
        mail.send(settings, message)
    except mail.MailError as exc:
        log.warning("a new login link could not be mailed: %s", exc)


@bp.post("/invite/new")
def ask_again() -> tuple[str, int] | str:
    """Send a new link to a known host contact; answer the same whether the address is known or not."""
    settings = mail.mail_settings(current_app.config)
    typed = request.form.get("email", "").strip()[:320]
    email = invitations.normal_email(typed)
    if settings is None:
        return render_template("portal/accounts/invite_again.html", mail=None, email="")
    if email is None:
        error = _("Vul een e-mailadres in, zoals naam@bedrijf.nl.")
        return render_template("portal/accounts/invite_again.html", mail=settings, email=typed, error=error), 422
    db = get_session()
    made = invitations.renew(db, email, current_app.config["INVITATION_HOURS"])
    if made is not None:
        db.commit()
        host = db.get(Host, made.invitation.host_id)
        if host is not None:
            # Sent beside the answer, so that a known address is not answered more slowly than an unknown one.
            threading.Thread(target=send_quietly, args=(settings, message_for(settings, made, host))).start()
    return render_template("portal/accounts/invite_again.html", mail=settings, email=typed, sent=True)
