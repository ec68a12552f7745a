"""Dates as people write them: "11 december 2026", "11 December 2026", through Babel.

The browser writes the same strings with hotline/static/js/dates.js (Intl.DateTimeFormat with
nl-NL and en-GB); tests/test_status_page.py checks that both agree.
"""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date

from hotline.i18n import get_locale

# English dates as the UK writes them (day before month), as the hotline's English is British.
LOCALES = {"nl": "nl_NL", "en": "en_GB"}


def day(value: dt.date | str | None, language: str | None = None) -> str:
    """Return a date written out in the page's language, e.g. "11 december 2026"; empty for none."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    return format_date(value, format="long", locale=LOCALES.get(language or get_locale(), "nl_NL"))
