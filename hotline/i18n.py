"""Dutch by default, English one click away: every visible string goes through gettext().

Dutch is the source language, so a Dutch page shows the message ids themselves; English comes
from hotline/translations/en/LC_MESSAGES/messages.mo, compiled from the .po when the package is
built (see setup.py and docs/translating.md).
"""

from __future__ import annotations

from typing import Any

import flask_babel
from flask import Flask, has_request_context, request

LANGUAGES = ("nl", "en")
COOKIE = "lang"


def select_locale() -> str:
    """Choose the language: ?lang= in the URL, else the cookie, else Dutch.

    Both hold only "nl" or "en", a choice many students share, so neither identifies anyone.
    """
    if has_request_context():
        for choice in (request.args.get(COOKIE, ""), request.cookies.get(COOKIE, "")):
            if choice in LANGUAGES:
                return choice
    return "nl"


def get_locale() -> str:
    """Return the language of the current request as "nl" or "en"."""
    locale = flask_babel.get_locale()
    return str(locale) if locale is not None else "nl"


def gettext(message: str, **values: Any) -> str:
    """Translate a Dutch message into the current language and fill in its %(name)s values."""
    return str(flask_babel.gettext(message, **values))


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
    app.before_request(flask_babel.refresh)
    app.jinja_env.globals.update(_=gettext, label=label, get_locale=get_locale)
