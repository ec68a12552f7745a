"""Staff login with password and TOTP, first-time enrolment, logout, and the handler's landing page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, jsonify, make_response, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from hotline import accounts, auth, cases, checks, crypto, login_delays, possession, staff, workflow
from hotline import inbox as inbox_query
from hotline.casework import sealed, service
from hotline.db import get_session
from hotline.extensions import keyring, routing
from hotline.i18n import gettext as _
from hotline.i18n import label
from hotline.keyring import KeyringError
from hotline.models import Case, CaseRoute, Destination, Handler
from hotline.taxonomy import PHASES, SECTORS, status_labels

bp = Blueprint("casework", __name__, url_prefix="/casework")


def generic_failure() -> str:
    return _("Onjuiste gebruikersnaam, wachtwoord of code. Probeer het opnieuw.")


def render_login(error: str | None = None, username: str = "", code: int = 200) -> tuple[str, int]:
    return render_template("casework/login.html", error=error, username=username), code


def wait_message(wait: login_delays.TryLater) -> str:
    return _("Te veel mislukte pogingen. Wacht %(seconds)s s en probeer het dan opnieuw.", seconds=wait.seconds)


def retry_after(page: tuple[str, int], wait: login_delays.TryLater) -> Response:
    """Answer 429 with the page and the seconds to wait, as Retry-After says them."""
    response = make_response(page)
    response.headers["Retry-After"] = str(wait.seconds)
    return response


@bp.context_processor
def inject_statuses() -> dict[str, Any]:
    """Give the pages the status, group, category, sector and phase labels."""
    groups = {
        "new": _("Nieuw"),
        "overdue": _("Te laat"),
        "in_progress": _("In behandeling"),
        "closed": _("Afgesloten"),
    }
    return {
        "statuses": status_labels(),
        "groups": groups,
        "programme_names": programme_names,
        "routes_in_order": cases.routes_in_order,
        "route_reason": route_reason,
        "inbox_args": inbox_args,
        "staff": g.get("handler"),
        "routing": routing(),
        "sectors": SECTORS,
        "phases": PHASES,
    }


def reason_labels() -> dict[str, str]:
    """Return what the shipped routing rules (hotline/routing.toml) and a forward give as a route's reason."""
    return {
        "forwarded": _("doorgestuurd"),
        "discrimination: the programme follows up": _("discriminatie: de opleiding volgt het op"),
        "discrimination: D&I office, if the institution has one": _(
            "discriminatie: het bureau diversiteit en inclusie, als de instelling er een heeft"
        ),
        "harassment: the confidential adviser": _("intimidatie: de vertrouwenspersoon"),
        "misuse: the programme is responsible for the placement": _(
            "stagemisbruik: de opleiding is verantwoordelijk voor de stageplek"
        ),
        "labour law: the Labour Inspectorate enforces it": _("arbeidsrecht: de Arbeidsinspectie handhaaft het"),
        "labour law: the programme is responsible for the placement": _(
            "arbeidsrecht: de opleiding is verantwoordelijk voor de stageplek"
        ),
    }


def route_reason(route: CaseRoute) -> str:
    """Say in the current language why a case went to a destination; a reason of an instance's own rules,
    which has no translation, is named by the kind of destination it chose, never shown as its raw text."""
    known = reason_labels().get(route.reason)
    if known is not None:
        return known
    kind = routing().kinds.get(route.destination.kind)
    if kind is not None:
        return _("volgens de routering: %(kind)s", kind=label(kind))
    return _("volgens de routering")


def programme_names() -> dict[str, str]:
    """Return the programmes' names in the current language, by slug."""
    return {p.slug: label(p.labels) for p in cases.programmes(get_session())}


def bad_request(advice: str) -> tuple[str, int]:
    """Render the generic 400 page with what exactly was wrong."""
    title = _("Dit verzoek klopt niet")
    return render_template("errors/error.html", code=400, title=title, advice=advice), 400


def own_case(case_id: str) -> Case:
    """Return a case of the handler's destinations, or answer 404 like any unknown page."""
    try:
        return service.handler_case(get_session(), g.handler, case_id)
    except cases.CaseNotFound:
        abort(404)


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
            session, username, form.get("password", ""), form.get("code", ""), staff.delays(username)
        )
    except accounts.EnrolmentNeeded as needed:
        staff.begin_enrolment(needed.handler)
        return redirect(url_for("casework.enrol"))
    except accounts.LoginFailed:
        return render_login(generic_failure(), username, 401)
    except login_delays.TryLater as wait:
        return retry_after(render_login(wait_message(wait), username, 429), wait)
    staff.begin(handler)
    return redirect(staff.landing(handler))


def render_enrol(handler: Handler, error: str | None = None, code: int = 200) -> tuple[str, int]:
    secret = handler.totp_secret or ""
    uri = auth.otpauth_uri(secret, handler.username)
    svg = auth.qr_svg(uri, _("QR-code voor je authenticator-app"))
    qr = Markup(svg)  # noqa: S704  # nosec B704  # segno's SVG of our own URI, drawn on the server
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
        accounts.confirm_enrolment(get_session(), handler, request.form.get("code", ""), staff.delays(handler.username))
    except accounts.LoginFailed:
        return render_enrol(handler, _("Deze code klopt niet. Kijk of de klok van je telefoon goed staat."), 401)
    except login_delays.TryLater as wait:
        return retry_after(render_enrol(handler, wait_message(wait), 429), wait)
    staff.begin(handler)
    return redirect(staff.landing(handler))


@bp.post("/logout")
def logout() -> Response:
    """End the session everywhere, clear a key kept in this browser's storage, and return to the login page."""
    staff.end()
    response = redirect(url_for("casework.login"))
    response.headers["Clear-Site-Data"] = '"storage"'
    return response


@bp.get("/prove")
@staff.require("handler", proven=False)
def prove_form() -> Response | str:
    """Ask a handler to unlock their key file once, so their browser signs a challenge that proves they hold it."""
    if possession.is_proven(g.handler):
        return redirect(url_for("casework.index"))
    challenge = staff.issue_challenge()
    return render_template("casework/prove.html", challenge=crypto.b64e(challenge))


@bp.post("/prove")
@staff.require("handler", proven=False)
def prove() -> tuple[Response, int]:
    """Check the browser's signature over this session's challenge with the key from the verified key list."""
    challenge = staff.take_challenge()
    if challenge is None:
        return jsonify(error="the challenge expired; load the page again", field="challenge"), 400
    try:
        signature = checks.as_object(request.get_json(silent=True)).get("signature")
        raw = crypto.b64d(signature) if isinstance(signature, str) else b""
        possession.prove(get_session(), keyring(), g.handler, challenge, raw)
    except (checks.Refused, crypto.MalformedEnvelope, possession.ProofFailed):
        get_session().rollback()
        return jsonify(error="this signature does not prove that you hold the key of your account", field="key"), 400
    return jsonify(next=url_for("casework.index")), 200


@bp.get("/")
@staff.require("handler")
def index() -> str:
    """List the handler's destinations with their number of cases per status."""
    rows = service.destination_counts(get_session(), g.handler)
    return render_template("casework/index.html", rows=rows)


def query_errors() -> dict[str, str]:
    """Return, per inbox query parameter, what a bad value should have been."""
    return {
        "group": _("Kies een groep: new, overdue, in_progress of closed."),
        "sort": _("Sorteer op received, ack_due of feedback_due."),
        "dir": _("Kies de volgorde asc of desc."),
        "page": _("Kies een paginanummer van 1 tot en met %(max)s.", max=inbox_query.MAX_PAGE),
    }


@bp.get("/inbox/<slug>")
@staff.require("handler")
def inbox(slug: str) -> str | tuple[str, int]:
    """List one group of a destination's cases, sorted and paged, with the counts of every group."""
    destination = inbox_query.destination_of(g.handler, slug)
    if destination is None:
        abort(404)
    try:
        query = inbox_query.parse(request.args)
    except inbox_query.BadQuery as bad:
        return bad_request(query_errors()[bad.field])
    page = inbox_query.page(get_session(), destination, query, cases.today())
    return render_template("casework/inbox.html", destination=destination, page=page)


def done_notices() -> dict[str, str]:
    """Return what the case page says after the browser replied, forwarded or gave access."""
    return {
        "replied": _("Je antwoord is versleuteld, ondertekend en verstuurd."),
        "acknowledge": _("Je antwoord is verstuurd en de melding is in behandeling."),
        "close": _("Je afsluitende samenvatting is verstuurd en de melding is afgesloten."),
        "forwarded": _("De melding is doorgestuurd. De melder ziet naar wie."),
        "granted": _("Je collega's hebben nu toegang tot de berichten die jij kunt openen."),
    }


LIST_ARGS = ("inbox", "group", "sort", "dir", "page")


def list_args() -> dict[str, str]:
    """Return the inbox view a case page was opened from (destination, group, sort, page), to keep it on links."""
    return {name: request.args[name][:64] for name in LIST_ARGS if name in request.args}


def inbox_args(destination: Destination, query: inbox_query.Query) -> dict[str, str | int]:
    """Return the query parameters of a case link that keep this inbox view beside the case."""
    q = query
    return {"inbox": destination.slug, "group": q.group, "sort": q.sort, "dir": q.direction, "page": q.page}


def case_list(found: Case) -> tuple[Destination, inbox_query.Page]:
    """Return the inbox page shown beside a case: the asked destination if it is the handler's, else the first
    of the handler's destinations the case went to; a query the inbox does not know shows the case's group."""
    asked = inbox_query.destination_of(g.handler, request.args.get("inbox", ""))
    if asked is None:
        mine = {d.id for d in g.handler.destinations}
        asked = next(r.destination for r in cases.routes_in_order(found) if r.destination.id in mine)
    today = cases.today()
    # Opened without a group (from a link outside the inbox), the list shows the case's own group.
    args = request.args if "group" in request.args else {**request.args, "group": inbox_query.group_of(found, today)}
    try:
        query = inbox_query.parse(args)
    except inbox_query.BadQuery:
        query = inbox_query.Query(group=inbox_query.group_of(found, today))
    return asked, inbox_query.page(get_session(), asked, query, today)


@bp.get("/case/<case_id>")
@staff.require("handler")
def case(case_id: str) -> str:
    """Show a case's conversation (opened with the handler's key), its metadata, routes and deadlines beside it,
    and one page of the inbox it was opened from."""
    session = get_session()
    found = own_case(case_id)
    list_destination, list_page = case_list(found)
    signers = service.signer_names(session, keyring(), found)
    rows = service.envelope_rows(session, found)
    missing = service.missing_readers(session, keyring(), found, rows)
    targets = sealed.forward_targets(session, found)
    service.open_case(session, g.handler, found)
    late = inbox_query.overdue(found, cases.today())
    notice = done_notices().get(request.args.get("done", ""))
    return render_template(
        "casework/case.html",
        case=found,
        late=late,
        signers=signers,
        envelopes=rows,
        missing=missing,
        targets=targets,
        notice=notice,
        list_destination=list_destination,
        list_page=list_page,
        list_args=inbox_args(list_destination, list_page.asked),
    )


@bp.get("/case/<case_id>/envelopes")
@staff.require("handler")
def envelopes(case_id: str) -> Response | tuple[Response, int]:
    """Return the case's sealed envelopes, public keys and signed key lists for the browser to open."""
    found = own_case(case_id)
    try:
        document = service.envelopes_document(get_session(), keyring(), found)
    except KeyringError:
        get_session().rollback()
        return jsonify(error="a key list of this case does not verify; ask the institution to sign it again"), 503
    return jsonify(document)


@bp.post("/case/<case_id>/status")
@staff.require("handler")
def status(case_id: str) -> Response | tuple[str, int]:
    """Acknowledge or close a case (metadata only); a change its status does not allow is refused."""
    found = own_case(case_id)
    try:
        service.change_status(get_session(), g.handler, found, request.form.get("action", ""), cases.today())
    except workflow.InvalidTransition:
        get_session().rollback()
        return bad_request(_("Deze statuswijziging kan niet bij de huidige status van de melding."))
    kept: dict[str, Any] = list_args()
    return redirect(url_for("casework.case", case_id=found.id, **kept))
