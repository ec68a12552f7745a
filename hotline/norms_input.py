"""How people type the terms of an internship: dates, hours and amounts, as Dutch and English write them.

Both sides read them: the hotline's fair-conditions form and the portal's offer form. Each parser raises
FieldError with a plain message that says how to write the value.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from hotline.i18n import gettext as _

DATE_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
HOURS = re.compile(r"(\d{1,3})(?:[.,](\d{1,2}))?")
HOURS_MINUTES = re.compile(r"(\d{1,3}):([0-5]\d)")
MONEY_NOISE = re.compile(r"€|eur(?:o|os)?\b|,-|\s", re.IGNORECASE)


class FieldError(ValueError):
    """A value a student typed cannot be read; the message says how to write it."""


def parse_date(text: str) -> dt.date:
    """Read 2027-02-01 (as a date field sends it) or 1-2-2027."""
    try:
        if found := DATE_DMY.fullmatch(text):
            return dt.date(int(found[3]), int(found[2]), int(found[1]))
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise FieldError(_("Schrijf een datum als 1-2-2027.")) from exc


def parse_minutes(text: str) -> int:
    """Read hours as 40, 37,5, 37.5 or 37:30, into minutes."""
    if found := HOURS_MINUTES.fullmatch(text):
        return int(found[1]) * 60 + int(found[2])
    if found := HOURS.fullmatch(text):
        fraction = Decimal(f"0.{found[2]}") if found[2] else Decimal(0)
        return int(found[1]) * 60 + int((fraction * 60).to_integral_value())
    raise FieldError(_("Schrijf de uren als 40, 37,5 of 37:30."))


def parse_euros(text: str) -> Decimal:
    """Read an amount as 500, 500,-, € 1.250,50, 1,250.50 or 4,50: a separator before 1 or 2 final digits is decimal."""
    bare = MONEY_NOISE.sub("", text)
    whole, _sep, cents = bare.rpartition(",") if "," in bare[-3:] else bare.rpartition(".")
    if not whole or len(cents) == 3:  # no separator, or 1.250 / 1,250: thousands
        whole, cents = bare, ""
    digits = re.sub(r"[.,]", "", whole)
    if not digits.isdigit() or (cents and not cents.isdigit()) or len(digits) > 9:
        raise FieldError(_("Schrijf het bedrag als 500 of 4,50."))
    try:
        return Decimal(f"{digits}.{cents or 0}")
    except InvalidOperation as exc:
        raise FieldError(_("Schrijf het bedrag als 500 of 4,50.")) from exc
