"""Report intake and status by token: plain HTML forms that need no JavaScript."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request
from werkzeug.exceptions import TooManyRequests
from werkzeug.http import dump_cookie
from werkzeug.wrappers import Response

from hotline import attachments, cases, form_tokens, i18n, security, tokens
from hotline.db import get_session
from hotline.extensions import image_budget, keyring, routing
from hotline.i18n import gettext as _
from hotline.keyring import KeyringError
from hotline.models import RECOVERY_KIND
from hotline.reports import forms, service
from hotline.routing import NoDestination, Target
from hotline.taxonomy import status_labels

bp = Blueprint("reports", __name__)
# Each form's token cookie is scoped to its own path, so the report and status pages never share one.
FORM_PATHS = {
    "reports.report": "/report",
    "reports.details": "/report",
    "reports.submit": "/report",
    "reports.status_form": "/status",
    "reports.status": "/status",
    "reports.message": "/status",
}
form_tokens.FormGuard(bp, FORM_PATHS)


def secrets() -> service.Secrets:
    config = current_app.config
    return service.Secrets(bytes.fromhex(config["INSTANCE_SALT"]), bytes.fromhex(config["LOOKUP_PEPPER"]))


def limits() -> dict[str, int]:
    config = current_app.config
    return {k: config[k] for k in ("MAX_ATTACHMENTS", "MAX_ATTACHMENT_BYTES", "MAX_DESCRIPTION_CHARS")}


def programme_names() -> dict[str, str]:
    return {p.slug: i18n.label(p.labels) for p in cases.programmes(get_session())}


def render_step1(routed: forms.Routed, status: int = 200, notice: str | None = None) -> tuple[str, int]:
    return render_template(
        "reports/report.html",
        routed=routed,
        notice=notice,
        routing=routing(),
        programmes=programme_names(),
        sectors=forms.SECTORS,
        phases=forms.PHASES,
    ), status


def recipients_view(targets: list[Target]) -> list[dict[str, Any]]:
    """Describe each target, then the recovery key if any, with its verified recipients' names or why it cannot receive."""
    session = get_session()
    # Never routed and never optional, but listed: the student sees every key the report is sealed to.
    recovery = [Target(d.slug, RECOVERY_KIND, "recovery key", False) for d in cases.recovery_destinations(session)]
    destinations = cases.destinations(session, [t.destination for t in targets + recovery])
    # Verified in the order every request uses (routed destinations by slug, then the recovery key): recording
    # a newer list version locks destination rows, and two requests locking them in different orders deadlock.
    names: dict[str, list[str] | None] = {}
    classical: dict[str, list[str]] = {}  # the names whose key has no X-Wing key: not post-quantum protected yet
    for slug in [*sorted({t.destination for t in targets}), *(t.destination for t in recovery)]:
        try:
            keys = keyring().for_slugs(session, [slug])[slug].keys
        except KeyringError:
            names[slug] = None
            continue
        names[slug], classical[slug] = [k.name for k in keys], [k.name for k in keys if k.xwing is None]
    shown = []
    for target in targets + recovery:
        people, error = names[target.destination] or [], None
        if names[target.destination] is None:
            error = _("Deze bestemming kan nu geen meldingen ontvangen.")
        destination = destinations[target.destination]
        if target.kind == RECOVERY_KIND:
            kind = _("Herstelsleutel van de instelling")
        else:
            kind = i18n.label(routing().kinds[target.kind])
        shown.append(
            {
                "target": target,
                "name": i18n.label(destination.labels),
                "kind": kind,
                "people": people,
                "classical": classical.get(target.destination, []),
                "error": error,
            }
        )
    return shown


def render_step2(
    routed: forms.Routed, targets: list[Target], details: forms.Details, status: int = 200, notice: str | None = None
) -> tuple[str, int]:
    return render_template(
        "reports/details.html",
        routed=routed,
        details=details,
        recipients=recipients_view(targets),
        category=routing().categories[routed.category],
        programme=programme_names()[routed.programme],
        limits=limits(),
        notice=notice,
    ), status


def parse_step1() -> tuple[forms.Routed, list[Target]]:
    routed = forms.parse_routed(request.form, routing(), set(programme_names()))
    targets: list[Target] = []
    if not routed.errors:
        try:
            targets = cases.plan(get_session(), routing(), routed.category, routed.programme)
        except NoDestination:
            routed.errors["category"] = _(
                "Voor deze keuze is nog geen bestemming ingesteld. Kies iets anders of probeer het later."
            )
    return routed, targets


@bp.context_processor
def inject_labels() -> dict[str, Any]:
    """Give every page of the blueprint the category and status labels, and the routes in their shown order."""
    return {"routing": routing(), "statuses": status_labels(), "routes_in_order": cases.routes_in_order}


@bp.get("/")
def index() -> str:
    """Show what the hotline is and the two ways in."""
    return render_template("reports/index.html")


@bp.get("/report")
def report() -> tuple[str, int]:
    """Show step one: first the group of what happened, then (?group=, as the form sends it without JavaScript)
    the categories within it, and the programme; ?category= (as the guide links) chooses one and opens its group."""
    found = routing().categories.get(request.args.get("category", ""))
    if found is not None:
        return render_step1(forms.Routed(category=found.code, group=found.group))
    if "group" not in request.args and "step" not in request.args:  # "step": the group form, sent with none chosen
        return render_step1(forms.Routed())
    group = request.args.get("group", "")
    if group not in routing().groups:
        return render_step1(forms.Routed(errors={"group": _("Kies wat er is gebeurd.")}), 400)
    return render_step1(forms.Routed(group=group))


@bp.post("/report/details")
def details() -> tuple[str, int]:
    """Check step one and show step two: where it goes, and the report itself."""
    routed, targets = parse_step1()
    if routed.regrouped:  # another group chosen without JavaScript: its categories, with nothing marked wrong
        routed.errors = {}
        return render_step1(routed)
    if routed.errors:
        return render_step1(routed, 400)
    return render_step2(routed, targets, forms.Details())


@bp.post("/report/submit")
def submit() -> tuple[str, int]:
    """Seal the report on arrival, file the case and show the token once."""
    routed, targets = parse_step1()
    if routed.errors:
        return render_step1(routed, 400)
    optional = {t.destination for t in targets if t.optional}
    details = forms.parse_details(
        request.form, request.files.getlist("attachments"), limits(), optional, image_budget()
    )
    if details.errors:
        return render_step2(routed, targets, details, 400)
    session = get_session()
    try:
        token, case = service.file_report(
            session,
            keyring(),
            secrets(),
            routed,
            details,
            service.chosen(targets, details.deselected),
            (current_app.config["ACK_DAYS"], current_app.config["FEEDBACK_MONTHS"]),
        )
    except KeyringError:
        session.rollback()
        notice = _(
            "Je melding is niet verstuurd: een bestemming kan nu geen meldingen ontvangen. Je tekst staat hieronder nog; probeer het later opnieuw."
        )
        return render_step2(routed, targets, details, 503, notice)
    return render_template("reports/token.html", token=token, case=case), 201


@bp.get("/status")
def status_form() -> str:
    """Ask for the case token."""
    return render_template("reports/status_form.html", token="", error=None)  # nosec B106  # an empty form field


def render_status(
    token: str,
    notice: str | None = None,
    message: str = "",
    error: str | None = None,
    code: int = 200,
    attachments_error: str | None = None,
) -> tuple[str, int]:
    """Open the case of a token and show its status and conversation; a refused token keeps the typed message."""
    session = get_session()
    try:
        case, keys = service.open_case(session, secrets(), token)
    except tokens.TokenError as exc:
        security.not_a_guess()  # the check symbols or the length caught it before any lookup
        if isinstance(exc, tokens.TokenChecksumError):
            reason = _("Deze code bevat een typefout: de controletekens kloppen niet. Kijk de code nog eens na.")
        else:
            reason = _("Een code bestaat uit 27 letters en cijfers, zoals ABCDE-FGHJK-MNPQR-STVWX-YZ012-34.")
        return render_template("reports/status_form.html", token=token, error=reason, message=message), 400
    except cases.CaseNotFound:
        return render_template(
            "reports/status_form.html",
            token=token,
            error=_(
                "Bij deze code hoort geen melding. Controleer de code; meldingen worden na afsluiting na een tijd verwijderd."
            ),
            message=message,
        ), 404
    entries = service.conversation(session, keyring(), case, keys)
    return render_template(
        "reports/status.html",
        case=case,
        token=tokens.normalise(token),
        entries=entries,
        own_copy=service.own_copy(case, keys),
        notice=notice,
        message=message,
        error=error,
        attachments_error=attachments_error,
        limits=limits(),
        routing=routing(),
    ), code


@bp.post("/status")
def status() -> tuple[str, int]:
    """Show a case's status, deadlines and replies for a typed token."""
    return render_status(request.form.get("token", ""))


def follow_up_files() -> tuple[list[attachments.Attachment], str | None]:
    """Read the files sent with a follow-up, with the report's limits and image cleaning; or say why not."""
    uploads = [f for f in request.files.getlist("attachments") if f.filename]
    if len(uploads) > current_app.config["MAX_ATTACHMENTS"]:
        return [], _("Je kunt hoogstens %(n)s bijlagen meesturen.", n=current_app.config["MAX_ATTACHMENTS"])
    if not uploads:
        return [], None
    try:  # ImagesBusy is not the student's fault: images_busy() below keeps the text and asks to try again
        return attachments.clean_attachments(uploads, current_app.config["MAX_ATTACHMENT_BYTES"], image_budget()), None
    except attachments.ImagesBusy:
        raise
    except attachments.AttachmentError as exc:
        return [], str(exc)


@bp.post("/status/message")
def message() -> tuple[str, int]:
    """Seal a follow-up message from the reporter, and the files sent with it."""
    token, text = request.form.get("token", ""), request.form.get("message", "").strip()
    if not text or len(text) > current_app.config["MAX_DESCRIPTION_CHARS"]:
        return render_status(
            token,
            message=text,
            error=_("Schrijf een bericht (hoogstens %(n)s tekens).", n=current_app.config["MAX_DESCRIPTION_CHARS"]),
            code=400,
        )
    files, problem = follow_up_files()
    if problem:
        return render_status(token, message=text, attachments_error=problem, code=400)
    session = get_session()
    try:
        case, keys = service.open_case(session, secrets(), token)
        service.add_message(session, keyring(), case, keys, text, files)
    except (tokens.TokenError, cases.CaseNotFound):
        return render_status(token, message=text)
    except service.CaseClosed:
        return render_status(
            token, message=text, code=409, error=_("Deze melding is afgesloten: je kunt geen bericht meer toevoegen.")
        )
    except KeyringError:
        session.rollback()
        return render_status(
            token,
            message=text,
            code=503,
            error=_(
                "Je bericht is niet verstuurd: een bestemming kan nu geen berichten ontvangen. Probeer het later opnieuw."
            ),
        )
    return render_status(token, notice=_("Je bericht is versleuteld en verstuurd."))


def language_cookie(language: str, max_age: int | None) -> str:
    """The language cookie; Max-Age alone, as an Expires date would give the second of the switch."""
    return dump_cookie(
        i18n.COOKIE,
        language,
        max_age=max_age,
        samesite="Strict",
        httponly=True,
        secure=bool(current_app.config["TLS"]),
        sync_expires=False,
    )


def back_to(target: str) -> Response:
    return redirect(security.local_path(target))


@bp.get("/lang/<language>")
def language(language: str) -> Response:
    """Switch the language and return to the page the student was on.

    The choice lasts the visit unless configured otherwise; with ?remember=1, asked for by the student on
    'Wat we bewaren', it lasts LANGUAGE_REMEMBER_DAYS on this device.
    """
    response = back_to(request.args.get("next", "/"))
    if language in i18n.LANGUAGES:
        days = current_app.config["LANGUAGE_COOKIE_DAYS"]
        if request.args.get("remember") == "1":
            days = current_app.config["LANGUAGE_REMEMBER_DAYS"]
        response.headers.add("Set-Cookie", language_cookie(language, days * 86400 or None))
    return response


@bp.get("/lang/forget")
def forget_language() -> Response:
    """Remove the language choice from this device: the pages are Dutch again until the student chooses."""
    response = back_to(request.args.get("next", "/"))
    response.headers.add("Set-Cookie", language_cookie("", 0))
    return response


def render_kept(notice: str, code: int, title: str) -> tuple[str, int]:
    """Show the refused form again with what the student typed (attachments aside), without a case lookup."""
    if request.endpoint in ("reports.details", "reports.submit"):
        routed, targets = parse_step1()
        if request.endpoint == "reports.details" or routed.errors:
            return render_step1(routed, code, notice)
        optional = {t.destination for t in targets if t.optional}
        details = forms.parse_details(request.form, [], limits(), optional)
        details.errors = {}
        return render_step2(routed, targets, details, code, notice)
    if request.endpoint in ("reports.status", "reports.message"):
        return render_template(
            "reports/status_form.html",
            token=request.form.get("token", ""),
            error=notice,
            message=request.form.get("message", ""),
        ), code
    return render_template("errors/error.html", code=code, title=title, advice=notice), code


@bp.errorhandler(TooManyRequests)
def too_many(_error: TooManyRequests) -> tuple[str, int]:
    """Keep what the student typed when a rate limit is hit."""
    notice = _("Er kwamen te veel verzoeken tegelijk. Je tekst staat hieronder nog; wacht even en probeer het opnieuw.")
    return render_kept(notice, 429, _("Even wachten"))


@bp.errorhandler(attachments.ImagesBusy)
def images_busy(error: attachments.ImagesBusy) -> tuple[str, int]:
    """Keep what the student typed when other reports' images fill this process's budget for decoding them."""
    return render_kept(str(error), 503, _("Even wachten"))


@bp.errorhandler(form_tokens.FormRefused)
def form_refused(_error: form_tokens.FormRefused) -> tuple[str, int]:
    """Keep what the student typed when a form comes without its token, or with a wrong one."""
    notice = _(
        "Dit formulier is verlopen of kwam niet van deze website, dus we hebben het niet verwerkt. Je tekst staat hieronder nog; controleer hem en verstuur opnieuw."
    )
    return render_kept(notice, 400, _("Dit formulier is verlopen"))
