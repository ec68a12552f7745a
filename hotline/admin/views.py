"""Admin pages: list, create and deactivate accounts; read the audit log. Admins never see a case."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from hotline import accounts, audit, staff
from hotline.db import get_session
from hotline.extensions import keyring
from hotline.i18n import gettext as _
from hotline.i18n import label
from hotline.models import RECOVERY_KIND, ROLES, Destination, Handler
from hotline.taxonomy import status_labels

bp = Blueprint("admin", __name__, url_prefix="/admin")
PER_PAGE = 50


def field_errors() -> dict[str, tuple[str, str]]:
    """Return, per AccountError code, the form field it belongs to and the message shown."""
    return {
        "username_format": (
            "username",
            _("Gebruik 2 tot 63 kleine letters, cijfers, punten, streepjes of lage streepjes."),
        ),
        "username_taken": ("username", _("Deze gebruikersnaam bestaat al.")),
        "display_name": ("display_name", _("Geef een naam van hoogstens 200 tekens.")),
        "role": ("role", _("Kies een rol.")),
        "destination_unknown": ("destinations", _("Kies bestemmingen uit de lijst.")),
        "destination_recovery": ("destinations", _("Kies bestemmingen uit de lijst.")),
        "destination_missing": ("destinations", _("Een behandelaar hoort bij minstens één bestemming.")),
        "admin_cases": (
            "role",
            _("Een beheerder heeft geen bestemmingen en geen sleutel: beheerders zien geen meldingen."),
        ),
        "kid_missing": ("kid", _("Geef de sleutel-id van de geregistreerde sleutel van de behandelaar.")),
        "kid_format": ("kid", _("Een sleutel-id bestaat uit 8 tot 64 hexadecimale tekens.")),
        "kid_unknown": (
            "kid",
            _("Deze sleutel staat niet in de ondertekende sleutellijst van elke gekozen bestemming."),
        ),
        "kid_taken": (
            "kid",
            _("Deze sleutel hoort al bij een ander account. Elke behandelaar heeft een eigen sleutel."),
        ),
        "key_list": ("kid", _("De sleutellijst van een gekozen bestemming is niet geldig ondertekend.")),
        "email": ("email", _("Geef één e-mailadres van hoogstens 254 tekens, zonder spaties.")),
        "admin_email": ("email", _("Een beheerder krijgt geen e-mail over meldingen: laat het e-mailadres leeg.")),
    }


def role_labels() -> dict[str, str]:
    return {"handler": _("Behandelaar"), "admin": _("Beheerder")}


def action_labels() -> dict[str, str]:
    return {
        "login": _("Ingelogd"),
        "login_failed": _("Inloggen mislukt"),
        "account_locked": _("Account tijdelijk geblokkeerd"),
        "enrolled": _("Tweede factor ingesteld"),
        "key_proven": _("Bezit van de sleutel bewezen"),
        "logout": _("Uitgelogd"),
        "handler_created": _("Account aangemaakt"),
        "handler_deactivated": _("Account gedeactiveerd"),
        "opened": _("Melding geopend"),
        "replied": _("Gereageerd"),
        "forwarded": _("Doorgestuurd"),
        "status_changed": _("Status gewijzigd"),
        "granted": _("Toegang gegeven"),
        "purged": _("Verwijderd"),
        "rows_rewritten": _("Rijen van een dag herschreven"),
    }


def detail_text(event: Any) -> str:
    """Say an audit entry's detail in the current language: a status by its label, a destination by its name, and
    the fixed English phrases the log writes as a sentence; a user name or day stays as written."""
    detail = event.detail or ""
    if event.action == "status_changed":
        return status_labels().get(detail, detail)
    if event.action == "forwarded":
        found = get_session().scalar(select(Destination).where(Destination.slug == detail))
        return label(found.labels) if found is not None else detail
    sentences: dict[str, tuple[str, Callable[[re.Match[str]], str]]] = {
        "login": (r"after (\d+) failed attempt\(s\)", lambda m: _("na %(n)s mislukte poging(en)", n=m[1])),
        "granted": (r"(\d+) wrap\(s\)", lambda m: _("%(n)s sleutel(s) toegevoegd", n=m[1])),
        "purged": (
            r"closed (\S+), (\d+) envelope\(s\)",
            lambda m: _("afgesloten op %(day)s, %(n)s bericht(en)", day=m[1], n=m[2]),
        ),
    }
    if event.action in sentences:
        pattern, say = sentences[event.action]
        matched = re.fullmatch(pattern, detail)
        if matched:
            return say(matched)
    return detail


@bp.context_processor
def inject_labels() -> dict[str, Any]:
    """Give the pages the role labels and the logged-in admin."""
    return {"roles": role_labels(), "staff": g.get("handler"), "detail_text": detail_text}


def choosable(session: Any) -> list[Destination]:
    query = select(Destination).where(Destination.kind != RECOVERY_KIND).order_by(Destination.name)
    return list(session.scalars(query))


@bp.get("/")
@staff.require("admin")
def index() -> str:
    """List every account."""
    return render_template("admin/index.html", handlers=accounts.all_handlers(get_session()))


def render_new(values: dict[str, Any], errors: dict[str, str], code: int = 200) -> tuple[str, int]:
    destinations = choosable(get_session())
    return render_template("admin/new_handler.html", values=values, errors=errors, destinations=destinations), code


@bp.get("/handlers/new")
@staff.require("admin")
def new_handler() -> tuple[str, int]:
    """Show the form for a new account."""
    return render_new({"role": "handler", "destinations": []}, {})


@bp.post("/handlers/new")
@staff.require("admin")
def create_handler() -> tuple[str, int]:
    """Create an account and show its initial password, once."""
    form = request.form
    values: dict[str, Any] = {
        "username": form.get("username", "").strip()[:64],
        "display_name": form.get("display_name", "").strip()[:200],
        "role": form.get("role", "") if form.get("role") in ROLES else "handler",
        "destinations": form.getlist("destinations"),
        "kid": form.get("kid", "").strip()[:64],
        "email": form.get("email", "").strip()[: accounts.EMAIL_MAX + 1],  # one more, so a long one is refused
    }
    session = get_session()
    ring = keyring()
    try:
        handler, password = accounts.create_handler(
            session,
            ring,
            username=values["username"],
            display_name=values["display_name"],
            role=values["role"],
            destinations=values["destinations"],
            kid=values["kid"] or None,
            email=values["email"] or None,
            actor=g.handler.id,
        )
    except accounts.AccountError as exc:
        session.rollback()
        field, message = field_errors().get(exc.code, ("username", _("Dit account kan niet worden aangemaakt.")))
        return render_new(values, {field: message}, 400)
    return render_template("admin/created.html", handler=handler, password=password), 201


@bp.post("/handlers/<handler_id>/deactivate")
@staff.require("admin")
def deactivate(handler_id: str) -> Response:
    """Deactivate an account; its sessions end at their next request."""
    session = get_session()
    handler = session.get(Handler, handler_id)
    if handler is None or handler.id == g.handler.id:
        abort(404)
    if handler.active:
        accounts.deactivate(session, handler, actor=g.handler.id)
    return redirect(url_for("admin.index"))


@bp.get("/audit")
@staff.require("admin")
def audit_log() -> str:
    """Show the audit log, newest first, a page at a time."""
    session = get_session()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    total = audit.count(session)
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    entries = audit.newest(session, PER_PAGE, (min(page, pages) - 1) * PER_PAGE)
    return render_template(
        "admin/audit.html", entries=entries, page=min(page, pages), pages=pages, actions=action_labels(), cli=audit.CLI
    )
