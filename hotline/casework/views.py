"""Staff login with password and TOTP, first-time enrolment, logout, and the handler's landing page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from hotline import accounts, auth, staff
from hotline.casework import service
from hotline.db import get_session
from hotline.i18n import gettext as _
from hotline.models import Handler

bp = Blueprint("casework", __name__, url_prefix="/casework")


def generic_failure() -> str:
    return _("Onjuiste gebruikersnaam, wachtwoord of code. Probeer het opnieuw.")


def render_login(error: str | None = None, username: str = "", code: int = 200) -> tuple[str, int]:
    return render_template("casework/login.html", error=error, username=username), code


@bp.context_processor
def inject_statuses() -> dict[str, Any]:
    """Give the pages the status labels."""
    statuses = {
        "received": _("Ontvangen"),
        "in_progress": _("In behandeling"),
        "forwarded": _("Doorgestuurd"),
        "closed": _("Afgesloten"),
    }
    return {"statuses": statuses, "staff": g.get("handler")}


@bp.get("/login")
def login_form() -> Response | tuple[str, int]:
    """Ask for username, password and the code from the authenticator app."""
    handler = staff.current()
    if handler is not None:
        return redirect(staff.landing(handler))
    return render_login()


@bp.post("/login")
def login() -> Response | tuple[str, int]:
    """Check all three together and say only that they did not match, whichever did not."""
    form = request.form
    username = form.get("username", "")[:64]
    session = get_session()
    try:
        handler = accounts.authenticate(
            session, username, form.get("password", ""), form.get("code", ""), staff.policy()
        )
    except accounts.EnrolmentNeeded as needed:
        staff.begin_enrolment(needed.handler)
        return redirect(url_for("casework.enrol"))
    except accounts.LoginFailed:
        return render_login(generic_failure(), username, 401)
    staff.begin(handler)
    return redirect(staff.landing(handler))


def render_enrol(handler: Handler, error: str | None = None, code: int = 200) -> tuple[str, int]:
    secret = handler.totp_secret or ""
    uri = auth.otpauth_uri(secret, handler.username)
    qr = Markup(auth.qr_svg(uri, _("QR-code voor je authenticator-app")))  # noqa: S704  (segno's SVG of our own URI)
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render_template("casework/enrol.html", handler=handler, qr=qr, secret=grouped, error=error), code


@bp.route("/enrol", methods=["GET", "POST"])
def enrol() -> Response | tuple[str, int]:
    """Show the QR code of a new second factor and confirm it with a first code."""
    handler = staff.enrolling()
    if handler is None:
        return redirect(url_for("casework.login"))
    if request.method == "GET":
        return render_enrol(handler)
    try:
        accounts.confirm_enrolment(get_session(), handler, request.form.get("code", ""), staff.policy())
    except accounts.LoginFailed:
        if accounts.is_locked(handler):
            staff.end()
            return render_login(generic_failure(), handler.username, 401)
        return render_enrol(handler, _("Deze code klopt niet. Kijk of de klok van je telefoon goed staat."), 401)
    staff.begin(handler)
    return redirect(staff.landing(handler))


@bp.post("/logout")
def logout() -> Response:
    """End the session everywhere and return to the login page."""
    staff.end()
    return redirect(url_for("casework.login"))


@bp.get("/")
@staff.require("handler")
def index() -> str:
    """List the handler's destinations with their number of cases per status."""
    rows = service.destination_counts(get_session(), g.handler)
    return render_template("casework/index.html", rows=rows)
