"""Dutch by default, English one click away: every visible string goes through gettext()."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from flask import Flask, has_request_context, request

LANGUAGES = ("nl", "en")
COOKIE = "lang"


@cache
def catalog(language: str) -> dict[str, str]:
    """Return the catalogue for a language: Dutch message -> translation."""
    if language == "nl":
        return {}
    path = resources.files("hotline").joinpath("translations", f"{language}.json")
    data: dict[str, str] = json.loads(path.read_text("utf-8"))
    return data


def get_locale() -> str:
    """Return the language of the current request: the cookie, else Dutch."""
    if has_request_context():
        choice = request.cookies.get(COOKIE, "")
        if choice in LANGUAGES:
            return choice
    return "nl"


def gettext(message: str, **values: Any) -> str:
    """Translate a Dutch message into the current language and fill in its values."""
    text = catalog(get_locale()).get(message, message)
    return text % values if values else text


def label(labels: dict[str, str]) -> str:
    """Pick the current language from a {nl, en} label table."""
    return labels.get(get_locale()) or labels["nl"]


def init_app(app: Flask) -> None:
    """Make _() and label() available in templates."""
    app.jinja_env.globals.update(_=gettext, label=label, get_locale=get_locale)
