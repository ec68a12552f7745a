"""Dutch by default, English one click away: every visible string goes through gettext().

Dutch is the source language, so a Dutch page shows the message ids themselves; English comes
from hotline/translations/en/LC_MESSAGES/messages.mo, compiled from the .po when the package is
built (see setup.py and docs/translating.md).
"""

from __future__ import annotations

from typing import Any

import flask_babel
from flask import Flask, current_app, g, has_app_context, has_request_context, request

LANGUAGES = ("nl", "en")
COOKIE = "lang"


def select_locale() -> str:
    """Choose the language: ?lang= in the URL, else the cookie, else Dutch.

    Both hold only "nl" or "en", a choice many students share, so neither identifies anyone.
    """
    if has_request_context():
        # The portal names its own language cookie: the two sides share no cookie, not even this one.
        cookie = current_app.config.get("LANGUAGE_COOKIE", COOKIE)
        for choice in (request.args.get(COOKIE, ""), request.cookies.get(cookie, "")):
            if choice in LANGUAGES:
                return choice
    return "nl"


CHOICE = "hotline_language"  # on g: (language, translations), looked up once per request


def _choice() -> tuple[str, Any]:
    """Return the request's language and its translations; Flask-Babel would look both up on every call."""
    if not has_app_context():
        return "nl", flask_babel.get_translations()
    found: tuple[str, Any] | None = g.get(CHOICE)
    if found is None:
        locale = flask_babel.get_locale()
        found = (str(locale) if locale is not None else "nl", flask_babel.get_translations())
        setattr(g, CHOICE, found)
    return found


def get_locale() -> str:
    """Return the language of the current request as "nl" or "en"."""
    return _choice()[0]


def gettext(message: str, **values: Any) -> str:
    """Translate a Dutch message into the current language and fill in its %(name)s values."""
    text: str = _choice()[1].ugettext(message)  # as flask_babel.gettext does
    return text % values if values else text


def refresh() -> None:
    """Choose the language afresh for this request: the app context, and g, may outlive one request."""
    flask_babel.refresh()
    g.pop(CHOICE, None)


def label(labels: dict[str, str]) -> str:
    """Pick the current language from a {nl, en} label table."""
    return labels.get(get_locale()) or labels["nl"]


def init_app(app: Flask) -> None:
    """Attach Flask-Babel and make _(), label() and get_locale() available in templates."""
    # Our own _() in templates, not Jinja's i18n extension: it returns plain text that the
    # template escapes, and only applies %-values when there are some.
    flask_babel.Babel(app, locale_selector=select_locale, default_locale="nl", configure_jinja=False)
    # Flask-Babel keeps the choice on g, which requests share when an app context is already
    # pushed (the CLI, tests): choose afresh for every request.
    app.before_request(refresh)
    app.jinja_env.globals.update(_=gettext, label=label, get_locale=get_locale)
    from hotline.dates import day  # imported here: hotline.dates reads the language from this module

    app.jinja_env.filters["day"] = day
