"""Logging in and out of the portal, its home page, and its own language choice."""

from __future__ import annotations

from typing import cast

from flask import Blueprint, Flask, current_app, redirect, render_template, request, session
from flask.blueprints import BlueprintSetupState
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from hotline import security
from hotline.i18n import LANGUAGES
from hotline.i18n import gettext as _
from hotline.portal import mail
from hotline.portal.accounts import login as logins
from hotline.portal.accounts import oidc, service
from hotline.portal.db import get_session

bp = Blueprint("portal_accounts", __name__)
LANGUAGE_COOKIE = "portal-lang"


def back_to(target: str | None) -> str:
    """Return a path inside the portal to go back to after logging in; the home page for anything else."""
    path = security.local_path(target)
    return request.script_root + path


@bp.get("/")
@logins.role_required()
def home() -> str:
    """Greet the logged-in user and show what their role can do here; the office sees who waits for a role."""
    user = logins.logged_in()
    waiting = len(service.waiting(get_session())) if user.role == "office" else 0
    return render_template("portal/home.html", user=user, waiting=waiting)


@bp.get("/login")
def login_form() -> str | Response:
    """Show the login form; a logged-in user goes home."""
    if logins.current_user() is not None:
        return redirect(back_to(None))
    return render_template("portal/login.html", error=None, username="", next=request.args.get("next", ""))


@bp.post("/login")
def login() -> tuple[str, int] | Response:
    """Log in with a local account; a wrong username or password gets one plain answer, the username kept."""
    if not current_app.config["LOCAL_ACCOUNTS"]:
        return render_template(
            "portal/login.html", error=_("Inloggen met een gebruikersnaam staat hier uit."), username="", next=""
        ), 400
    username = request.form.get("username", "").strip()[:64]
    user = service.authenticate(get_session(), username, request.form.get("password", ""))
    if user is None:
        error = _("Deze gebruikersnaam en dit wachtwoord horen niet bij elkaar. Probeer het opnieuw.")
        return render_template(
            "portal/login.html", error=error, username=username, next=request.form.get("next", "")
        ), 401
    logins.log_in(user)
    return redirect(back_to(request.form.get("next")))


@bp.record_once
def set_up_oidc(state: BlueprintSetupState) -> None:
    oidc.init_app(cast(Flask, state.app))


@bp.get("/login/oidc")
def oidc_login() -> tuple[str, int] | Response:
    """Send the user to their institution (SURFconext) to log in; they come back to oidc_callback."""
    found = oidc.provider()
    if found is None:
        raise NotFound()
    try:
        response = oidc.start(found, mail.page_url("portal_accounts.oidc_callback"))
    except oidc.OidcError as exc:
        current_app.logger.warning("institution login could not start: %s", exc)
        return oidc_failed(), 502
    session["next"] = request.args.get("next", "")
    return response


@bp.get("/login/oidc/callback")
def oidc_callback() -> tuple[str, int] | Response:
    """Take the institution's answer: log the user in with their role, or say why not."""
    found = oidc.provider()
    if found is None:
        raise NotFound()
    target = session.pop("next", None)
    try:
        claims = oidc.complete(found)
    except oidc.OidcError as exc:
        current_app.logger.warning("institution login refused: %s", exc)
        return oidc_failed(), 400
    db = get_session()
    try:
        user = oidc.sign_in(db, claims, found.roles)
        db.commit()
    except IntegrityError:  # the same person's first login twice at once: the other one added them
        db.rollback()
        user = oidc.sign_in(db, claims, found.roles)
        db.commit()
    if user.role == oidc.NO_ROLE or not user.active:
        logins.log_out()
        return render_template("portal/accounts/no_access.html", waiting=user.role == oidc.NO_ROLE), 403
    logins.log_in(user)
    return redirect(back_to(target))


def oidc_failed() -> str:
    return render_template(
        "portal/accounts/message.html",
        title=_("Inloggen is niet gelukt"),
        text=_("Inloggen via je instelling is niet gelukt. Probeer het opnieuw."),
        link=(request.script_root + "/login", _("Terug naar inloggen")),
    )


@bp.post("/logout")
def logout() -> Response:
    """End the login and forget the session."""
    logins.log_out()
    return redirect(request.script_root + "/login")


@bp.get("/lang/<language>")
def set_language(language: str) -> Response:
    """Choose the language for the rest of the visit, in the portal's own cookie and path."""
    response = redirect(back_to(request.args.get("next")))
    if language in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            path=current_app.config["SESSION_COOKIE_PATH"],
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
    return response
