"""The words of agreements: dates, numbers and amounts as Dutch and English agreements write them."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

MONTHS = {
    "januari": 1, "january": 1, "jan": 1,
    "februari": 2, "february": 2, "feb": 2,
    "maart": 3, "march": 3, "mrt": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "june": 6, "jun": 6,
    "juli": 7, "july": 7, "jul": 7,
    "augustus": 8, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9,
    "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
NUMBER_WORDS = {
    "één": 1, "one": 1,
    "twee": 2, "two": 2,
    "drie": 3, "three": 3,
    "vier": 4, "four": 4,
    "vijf": 5, "five": 5,
    "zes": 6, "six": 6,
    "zeven": 7, "seven": 7,
    "acht": 8, "eight": 8,
    "negen": 9, "nine": 9,
    "tien": 10, "ten": 10,
}  # fmt: skip
# "een" and "a" are left out: in "een stagebezoek" they are an article more often than a count.

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY = r"\d{1,2}(?:st|nd|rd|th|e)?"
DATE = (
    r"(?:\d{1,2}[-/.]\d{1,2}[-/.]\d{4}"
    r"|\d{4}-\d{2}-\d{2}"
    rf"|{_DAY}\s+(?:{_MONTH})\.?\s+\d{{4}}"
    rf"|(?:{_MONTH})\.?\s+{_DAY},?\s+\d{{4}})(?![\d])"
)
NUMBER = r"\d{1,3}(?:[.,]\d{1,2})?"
COUNT = rf"(?:\d{{1,2}}|{'|'.join(NUMBER_WORDS)})"
TIME = r"(?:[01]?\d|2[0-3])[:.][0-5]\d"
AMOUNT = (
    r"(?:(?:€|\beur\b|\beuro\b)\s*(?P<amount>\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?|\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?"
    r"|\d+(?:[.,]\d{1,2})?)|(?P<amount_after>\d+(?:[.,]\d{1,2})?)\s*(?:euro|eur)\b)(?:\s*,-+)?"
)

_NUMERIC = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DAY_MONTH = re.compile(rf"(\d{{1,2}})(?:st|nd|rd|th|e)?\s+({_MONTH})\.?\s+(\d{{4}})", re.IGNORECASE)
_MONTH_DAY = re.compile(rf"({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th|e)?,?\s+(\d{{4}})", re.IGNORECASE)


def parse_date(text: str) -> dt.date | None:
    """Return the date in a piece of text written as DATE matches it, or None if it is no real date."""
    try:
        if found := _ISO.fullmatch(text):
            return dt.date(int(found[1]), int(found[2]), int(found[3]))
        if found := _NUMERIC.fullmatch(text):  # day first, as in the Netherlands and most of Europe
            return dt.date(int(found[3]), int(found[2]), int(found[1]))
        if found := _DAY_MONTH.fullmatch(text):
            return dt.date(int(found[3]), MONTHS[found[2].lower()], int(found[1]))
        if found := _MONTH_DAY.fullmatch(text):
            return dt.date(int(found[3]), MONTHS[found[1].lower()], int(found[2]))
    except ValueError:  # 31-02-2027 looks like a date but is none
        return None
    return None


def parse_count(text: str) -> int:
    """Return a count written in digits or as a Dutch or English word."""
    return int(text) if text.isdigit() else NUMBER_WORDS[text.lower()]


def decimal(text: str) -> Decimal | None:
    """Return a number written with a decimal comma or point (37,5 or 37.5), or None."""
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None


def money(text: str) -> Decimal | None:
    """Return an amount in euros written the Dutch (1.250,50) or the English (1,250.50) way."""
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?", text):
        text = text.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?", text):
        text = text.replace(",", "")
    return decimal(text)


def form_number(value: Decimal, *, cents: bool = False) -> str:
    """Write a number as the form takes it: 36 or 37,5; with cents, 4,50."""
    if value == value.to_integral_value():
        return str(int(value))
    return (f"{value:.2f}" if cents else f"{value.normalize():f}").replace(".", ",")


def form_hours(minutes: int) -> str:
    """Write a length of time as the form takes it: 8 or 8:30."""
    hours, rest = divmod(minutes, 60)
    return f"{hours}:{rest:02d}" if rest else str(hours)


def minutes_of(time: str) -> int:
    """Return the minutes since midnight of a time written 08:30 or 8.30."""
    hours, minutes = re.split(r"[:.]", time)
    return int(hours) * 60 + int(minutes)


def quote(text: str, start: int, end: int, width: int = 120) -> str:
    """Return the text around a match, at most `width` characters, marked with … where it was cut."""
    if len(text) <= width:
        return text
    begin = max(0, min(start - (width - (end - start)) // 2, len(text) - width))
    begin = min(begin, start)
    piece = text[begin : begin + width].strip()
    return ("…" if begin > 0 else "") + piece + ("…" if begin + width < len(text) else "")
