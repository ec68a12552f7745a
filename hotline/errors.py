"""Generic error pages: they say what to do, and leak nothing about the request."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from hotline.i18n import gettext as _


def messages() -> dict[int, tuple[str, str]]:
    """Return title and advice per status code, in the current language."""
    return {
        400: (_("Dit verzoek klopt niet"), _("Ga terug en probeer het opnieuw.")),
        403: (_("Geen toegang"), _("Deze pagina is niet voor jou bedoeld.")),
        404: (_("Pagina niet gevonden"), _("Controleer het adres, of begin op de startpagina.")),
        405: (_("Dit verzoek kan hier niet"), _("Ga terug en gebruik de knoppen op de pagina.")),
        413: (
            _("Te veel gegevens"),
            _("Je bijlagen zijn samen te groot. Ga terug en kies kleinere of minder bestanden."),
        ),
        429: (_("Even wachten"), _("Er kwamen te veel verzoeken tegelijk. Probeer het over een tijdje opnieuw.")),
        500: (_("Er ging iets mis"), _("Het lag niet aan jou. Probeer het later opnieuw.")),
    }


STAFF_PATHS = ("/casework/", "/admin/")


def render_page(code: int, title: str, advice: str) -> tuple[str, int]:
    """Render an error page: with the staff header in the workspace, with the student's pages elsewhere."""
    staff_page = request.path.startswith(STAFF_PATHS) or request.path in ("/casework", "/admin")
    return render_template("errors/error.html", code=code, title=title, advice=advice, staff_page=staff_page), code


def render_error(code: int) -> tuple[str, int]:
    """Render the generic page for a status code."""
    title, advice = messages().get(code, messages()[500])
    return render_page(code, title, advice)


def handle_http(error: HTTPException) -> tuple[str, int]:
    """Render any HTTP error generically."""
    return render_error(error.code or 500)


def handle_csrf(_error: CSRFError) -> tuple[str, int]:
    """Explain an expired or missing form token without details."""
    title = _("Dit formulier is verlopen")
    advice = _("Ga terug, vernieuw de pagina en verstuur opnieuw. Je tekst staat nog in het vorige scherm.")
    return render_page(400, title, advice)


def handle_unexpected(_error: InternalServerError) -> tuple[str, int]:
    """Never show a traceback or any request data."""
    return render_error(500)


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(InternalServerError, handle_unexpected)
