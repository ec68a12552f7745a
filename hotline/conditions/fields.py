"""Suggest the fields of the fair-conditions check from the lines of an agreement, each with where it was read."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from hotline.conditions import patterns
from hotline.conditions.text import form_hours, minutes_of, parse_date, quote
from hotline.i18n import gettext as _


@dataclass(frozen=True)
class Place:
    """Where in an agreement a line stands."""

    kind: str  # "page" (PDF), "paragraph" (DOCX body), "table" (DOCX table)
    number: int
    row: int | None = None

    def label(self) -> str:
        """Return the place in the student's language, e.g. "pagina 2"."""
        if self.kind == "table":
            return _("tabel %(n)s, rij %(row)s", n=self.number, row=self.row)
        if self.kind == "paragraph":
            return _("alinea %(n)s", n=self.number)
        return _("pagina %(n)s", n=self.number)


@dataclass(frozen=True)
class Line:
    """One line of an agreement's text and its place."""

    place: Place
    text: str


@dataclass(frozen=True)
class Suggestion:
    """A value for one field of the form, with the place and words it was read from."""

    field: str
    value: str | tuple[str, ...]
    place: Place
    quote: str


def suggest(lines: Sequence[Line]) -> dict[str, Suggestion]:
    """Return one suggestion per field found in the lines; the first rule that reads a field wins."""
    found: dict[str, Suggestion] = {}
    # A PDF breaks sentences over lines: what no single line gives, two lines of one page may.
    for units in ([(line, 0) for line in lines], _joined(lines)):
        for rule in patterns.RULES:
            _apply(rule, units, found)
    for read_more in (_longest_day, _under_18, _parts, _written):
        found.update(read_more(lines, found))
    return dict(sorted(found.items(), key=lambda item: patterns.FIELD_ORDER.index(item[0])))


def _apply(rule: patterns.Rule, units: Sequence[tuple[Line, int]], found: dict[str, Suggestion]) -> None:
    """Add what a rule reads to the found fields, stopping once everything it reads is found."""
    for line, boundary in units:
        for match in rule.pattern.finditer(line.text):
            if boundary and not match.start() < boundary < match.end():
                continue  # within one line: read in the first pass already, or refused there
            values = rule.read(match) or {}
            for field, value in values.items():
                found.setdefault(field, Suggestion(field, value, line.place, _quote(line, match)))
            if values:
                return


JOIN_WINDOW = 200  # characters each side of a line break: enough for any one field's words


def _joined(lines: Sequence[Line]) -> list[tuple[Line, int]]:
    """Return the break between each two neighbouring lines of one page as one line, with where the second begins."""
    pairs = []
    for first, second in zip(lines, lines[1:], strict=False):
        if first.place == second.place and first.place.kind == "page":
            head = first.text[-JOIN_WINDOW:]
            pairs.append((Line(first.place, f"{head} {second.text[:JOIN_WINDOW]}"), len(head) + 1))
    return pairs


def _longest_day(lines: Sequence[Line], found: dict[str, Suggestion]) -> dict[str, Suggestion]:
    """Take the longest working day named in hours a day or as a working time; a range past midnight is night work."""
    best: tuple[int, Suggestion] | None = None
    night: Suggestion | None = None
    for line in lines:
        for match in patterns.HOURS_A_DAY.finditer(line.text):
            minutes = patterns.hours_a_day(match)
            if minutes and (best is None or minutes > best[0]):
                best = (minutes, Suggestion("longest_day", form_hours(minutes), line.place, _quote(line, match)))
        if not patterns.WORK_TIME_CONTEXT.search(line.text):
            continue
        for match in patterns.TIME_RANGE.finditer(line.text):
            if patterns.is_break(match):
                continue
            start, end = minutes_of(match["start"]), minutes_of(match["end"])
            minutes = (end - start) % (24 * 60)
            if not 60 <= minutes <= 16 * 60:
                continue
            if best is None or minutes > best[0]:
                best = (minutes, Suggestion("longest_day", form_hours(minutes), line.place, _quote(line, match)))
            if night is None and (start < 6 * 60 or 0 < end < start):  # any work between 00:00 and 06:00
                night = Suggestion("night_work", "yes", line.place, _quote(line, match))
    extra = {"longest_day": best[1]} if best else {}
    if night and "night_work" not in found:
        extra["night_work"] = night
    return extra


def _under_18(lines: Sequence[Line], found: dict[str, Suggestion]) -> dict[str, Suggestion]:
    """Compare a date of birth with the start of the internship; nothing if either is missing."""
    start = found.get("start")
    if start is None:
        return {}
    begins = parse_date(str(start.value))
    for line in lines:
        if (match := patterns.BIRTH.search(line.text)) and begins and (born := parse_date(match["date"])):
            age = begins.year - born.year - ((begins.month, begins.day) < (born.month, born.day))
            if 0 < age < 100:
                return {
                    "under_18": Suggestion("under_18", "yes" if age < 18 else "no", line.place, _quote(line, match))
                }
    return {}


def _parts(lines: Sequence[Line], found: dict[str, Suggestion]) -> dict[str, Suggestion]:
    """Name the parts whose headings or key phrases appear; the place is where the first part was read."""
    parts: dict[str, tuple[int, Line, re.Match[str]]] = {}
    for index, line in enumerate(lines):
        for part, pattern in patterns.PARTS.items():
            if part not in parts and (match := pattern.search(line.text)):
                parts[part] = (index, line, match)
    if "parties" not in parts and (named := _three_parties(lines)):
        parts["parties"] = named
    if not parts:
        return {}
    _index, line, match = min(parts.values(), key=lambda found_part: found_part[0])
    codes = tuple(code for code in patterns.PARTS if code in parts)
    return {"parts": Suggestion("parts", codes, line.place, _quote(line, match))}


def _three_parties(lines: Sequence[Line]) -> tuple[int, Line, re.Match[str]] | None:
    """Return where the last of the three parties (student, school, host) is first named, if all three are."""
    first: list[tuple[int, Line, re.Match[str]]] = []
    for party in patterns.THREE_PARTIES:
        hit = next(((i, line, m) for i, line in enumerate(lines) if (m := party.search(line.text))), None)
        if hit is None:
            return None
        first.append(hit)
    return max(first, key=lambda hit: hit[0])


def _written(lines: Sequence[Line], found: dict[str, Suggestion]) -> dict[str, Suggestion]:
    """The file is itself a written agreement; point at its first line."""
    line = next((line for line in lines if line.text.strip()), None)
    if line is None:
        return {}
    return {"written_agreement": Suggestion("written_agreement", "yes", line.place, quote(line.text, 0, 0))}


def _quote(line: Line, match: re.Match[str]) -> str:
    """Return the words around a match in its line."""
    return quote(line.text, *match.span())
