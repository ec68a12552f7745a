"""Reading an uploaded internship agreement: the suggested fields and their places, hostile files, memory only."""

from __future__ import annotations

import builtins
import logging
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import agreements
import pytest
from flask import Flask

from hotline.conditions.fields import Line, suggest
from hotline.conditions.reader import Place, Suggestion, UnreadableAgreement, read_agreement, read_lines

P = Place


def values(found: dict[str, Suggestion]) -> dict[str, tuple[str | tuple[str, ...], Place]]:
    """Return each suggestion as its value and place."""
    return {field: (suggestion.value, suggestion.place) for field, suggestion in found.items()}


ALL_PARTS = ("parties", "supervisors", "period", "hours", "allowance", "tasks", "learning_plan", "evaluation")
ALL_PARTS += ("insurance", "confidentiality", "sick_leave", "termination", "extra_staff")


def test_a_dutch_three_party_agreement_in_word_gives_its_table_and_clauses() -> None:
    found = read_agreement(agreements.docx_file(agreements.DUTCH_THREE_PARTY), "stageovereenkomst.docx")
    assert values(found) == {
        "start": ("2027-02-01", P("paragraph", 7)),
        "end": ("2027-06-30", P("paragraph", 7)),
        "hours_per_week": ("36", P("table", 1, 1)),
        "longest_day": ("9", P("table", 1, 3)),
        "days_per_week": ("4", P("table", 1, 2)),
        "under_18": ("no", P("paragraph", 3)),
        "allowance": ("500", P("table", 1, 4)),
        "allowance_period": ("month", P("table", 1, 4)),
        "learning_plan": ("yes", P("paragraph", 15)),
        "evaluations": ("yes", P("paragraph", 18)),
        "supervisor": ("yes", P("paragraph", 13)),  # the praktijkbegeleider, not the hogeschool's (paragraph 12)
        "contact_moments": ("3", P("paragraph", 14)),
        "written_agreement": ("yes", P("paragraph", 1)),
        "parts": (ALL_PARTS, P("paragraph", 2)),
    }
    assert found["hours_per_week"].quote == "Uren per week | 36"
    assert found["allowance"].quote == "Stagevergoeding | € 500,- bruto per maand"


def test_an_english_agreement_in_pdf_gives_its_fields_by_page() -> None:
    found = read_agreement(agreements.pdf_file(agreements.ENGLISH), "agreement.pdf")
    assert (
        values(found)
        == {
            "start": ("2027-03-03", P("page", 1)),
            "end": ("2027-06-27", P("page", 1)),
            "hours_per_week": ("32", P("page", 1)),
            "longest_day": ("8", P("page", 1)),
            "days_per_week": ("4", P("page", 1)),
            "under_18": ("yes", P("page", 1)),  # 17 on 3 March 2027
            "allowance": ("600", P("page", 1)),
            "allowance_period": ("month", P("page", 1)),
            "learning_plan": ("yes", P("page", 2)),
            "evaluations": ("yes", P("page", 2)),
            "supervisor": ("yes", P("page", 2)),
            "contact_moments": ("2", P("page", 2)),
            "written_agreement": ("yes", P("page", 1)),
            "parts": (ALL_PARTS[:-1], P("page", 1)),
        }
    )
    assert found["start"].quote == "The internship runs from 3 March 2027 to 27 June 2027."  # one sentence on two lines
    assert found["supervisor"].quote == "Host supervisor: Michael Reed, Operations Manager."
    assert found["allowance"].quote == "The host organisation pays the intern an allowance of EUR 600 per month."


def test_an_allowance_per_hour_and_saturday_work_are_read() -> None:
    found = read_agreement(agreements.pdf_file(agreements.PER_HOUR), "praktijkovereenkomst.pdf")
    page = P("page", 1)
    assert values(found) == {
        "start": ("2027-09-01", page),
        "end": ("2028-01-31", page),
        "hours_per_week": ("24", page),
        "longest_day": ("8:30", page),  # Saturday 06:00 to 14:30 is longer than "maximaal 8 uur per dag"
        "days_per_week": ("3", page),
        "weekend_work": ("yes", page),
        "under_18": ("yes", page),
        "allowance": ("4,50", page),
        "allowance_period": ("hour", page),
        "learning_plan": ("yes", page),
        "supervisor": ("yes", page),
        "written_agreement": ("yes", page),
        "parts": (("parties", "supervisors", "period", "hours", "allowance", "learning_plan"), page),
    }
    assert found["longest_day"].quote == "Op zaterdag werkt de student van 06:00 tot 14:30 in de winkel."


def test_a_hospital_placement_without_allowance_has_night_and_weekend_shifts() -> None:
    found = read_agreement(agreements.docx_file(agreements.HOSPITAL), "stage.docx")
    assert values(found) == {
        "start": ("2027-02-01", P("table", 1, 1)),
        "end": ("2027-06-30", P("table", 1, 1)),
        "hours_per_week": ("36", P("table", 1, 2)),
        "longest_day": ("8:30", P("paragraph", 5)),
        "night_work": ("yes", P("paragraph", 4)),
        "weekend_work": ("yes", P("paragraph", 4)),
        "allowance_period": ("none", P("paragraph", 6)),  # and no € 14,71 minimum wage as the allowance
        "sector": ("healthcare", P("paragraph", 2)),
        "written_agreement": ("yes", P("paragraph", 1)),
        "parts": (("parties", "supervisors", "period", "hours", "allowance"), P("paragraph", 3)),
    }


def lines(*texts: str) -> list[Line]:
    """Return texts as the lines of one page."""
    return [Line(Place("page", 1), text) for text in texts]


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("Periode: 01-02-2027 t/m 30-06-2027", "end", "2027-06-30"),
        ("Start date: 1 February 2027", "start", "2027-02-01"),
        ("The internship starts on March 3, 2027.", "start", "2027-03-03"),
        ("Einddatum | 30 juni 2027", "end", "2027-06-30"),
        ("Working hours: 38 per week", "hours_per_week", "38"),
        ("De stagiair werkt 37,5 uur per week.", "hours_per_week", "37,5"),
        ("40 hours per week", "hours_per_week", "40"),
        ("The intern works 8 hours a day.", "longest_day", "8"),
        ("Werktijden 08:30 – 17:00, pauze 12:30 - 13:00", "longest_day", "8:30"),
        ("5 days a week", "days_per_week", "5"),
        ("Een stagevergoeding van € 2.000 voor de gehele stageperiode.", "allowance", "2000"),
        ("Een stagevergoeding van € 2.000 voor de gehele stageperiode.", "allowance_period", "total"),
        ("De stagiair ontvangt € 350 bruto per week als stagevergoeding.", "allowance_period", "week"),
        ("Stagevergoeding per maand: € 1.250,50", "allowance", "1250,50"),
        ("The intern will not receive an allowance.", "allowance_period", "none"),
        ("Stagevergoeding: geen", "allowance_period", "none"),
        ("Host supervisor: Jane Smith", "supervisor", "yes"),
        ("De werkbegeleider is mevrouw A. de Wit.", "supervisor", "yes"),
        ("Learning objectives are set in week one.", "learning_plan", "yes"),
        ("3 stagebezoeken", "contact_moments", "3"),
        ("The intern works night shifts twice a month.", "night_work", "yes"),
        ("De stagiair werkt van 22:00 tot 06:30.", "night_work", "yes"),
        ("The intern works one Sunday a month.", "weekend_work", "yes"),
        ("The host is a care home in Leeds.", "sector", "healthcare"),
    ],
)
def test_each_way_of_writing_a_field_is_read(text: str, field: str, value: str) -> None:
    assert suggest(lines(text))[field].value == value


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("Stagebegeleider namens de hogeschool: dr. P. Jansen", "supervisor"),
        ("Academic supervisor: Dr. Emma Clarke", "supervisor"),
        ("Praktijkbegeleider: ..........", "supervisor"),
        ("Geboortedatum: 12-05-2010", "start"),
        ("Het wettelijk minimumloon van € 14,71 per uur geldt niet.", "allowance"),
        ("De stagevergoeding is geen loon; het minimumloon van € 14,71 per uur geldt niet.", "allowance"),
        ("Reiskostenvergoeding: € 50 per maand", "allowance"),
        ("Vergoeding reiskosten € 0,21 per kilometer", "allowance"),
        ("Er is geen vergoeding voor reiskosten.", "allowance_period"),
        ("Indien geen stagevergoeding wordt betaald, meldt de stagebieder dat.", "allowance_period"),
        ("De stagiair werkt niet in het weekend.", "weekend_work"),
        ("Op zaterdag en zondag is de stagiair vrij; werkdagen zijn maandag tot vrijdag.", "weekend_work"),
        ("Nachtdiensten zijn voor stagiairs niet toegestaan.", "night_work"),
        ("Maximaal 60 uur per week volgens de Arbeidstijdenwet.", "hours_per_week"),
        ("The host carries out a risk assessment of the workplace.", "evaluations"),
        ("Bij ziekenhuisopname meldt de stagiair zich ziek.", "sector"),
        ("Aldus getekend op 15 januari 2027.", "start"),
    ],
)
def test_a_look_alike_is_not_suggested(text: str, field: str) -> None:
    assert field not in suggest(lines(text))


def test_a_long_line_is_quoted_around_the_match() -> None:
    text = "Inleiding. " * 20 + "De stagiair werkt 36 uur per week. " + "Slot. " * 20
    quote = suggest(lines(text))["hours_per_week"].quote
    assert "36 uur per week" in quote and len(quote) <= 122 and quote.startswith("…") and quote.endswith("…")


def test_places_are_named_in_the_students_language(app: Flask) -> None:
    with app.test_request_context("/?lang=en"):
        assert [P("page", 2).label(), P("paragraph", 7).label(), P("table", 1, 3).label()] == [
            "page 2",
            "paragraph 7",
            "table 1, row 3",
        ]
    with app.test_request_context("/"):
        assert P("table", 1, 3).label() == "tabel 1, rij 3"


SCAN = "lijkt een scan: de tekst is niet te lezen. Vul het formulier zelf in"
NOT_PDF_OR_WORD = "Dit bestand is geen PDF of Word-bestand (.docx)."
BROKEN = "Dit bestand is beschadigd of onleesbaar."


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: b"", "Dit bestand is leeg."),
        (lambda: bytes(range(256)) * 40, NOT_PDF_OR_WORD),
        (lambda: b"{\\rtf1 Stageovereenkomst}", NOT_PDF_OR_WORD),
        (lambda: agreements.pdf_file(agreements.ENGLISH)[:1500], BROKEN),
        (lambda: agreements.docx_file(agreements.HOSPITAL)[:3000], BROKEN),
        (agreements.scan_pdf, SCAN),
        (lambda: agreements.pdf_file([[], []]), SCAN),
        (lambda: agreements.encrypted_pdf("geheim"), "Deze PDF is beveiligd met een wachtwoord"),
        (agreements.plain_zip, NOT_PDF_OR_WORD),
        (lambda: agreements.zip_bomb(200), "Dit Word-bestand is uitgepakt te groot om te lezen."),
        (lambda: agreements.zip_bomb(5), "Dit Word-bestand is uitgepakt te groot om te lezen."),  # the ratio
        (lambda: agreements.pdf_file([["Stageovereenkomst"]] * 41), "Deze PDF heeft meer dan 40 pagina's."),
    ],
)
def test_a_file_that_cannot_be_read_gives_a_plain_message(build: Callable[[], bytes], message: str) -> None:
    with pytest.raises(UnreadableAgreement) as raised:
        read_agreement(build(), "stageovereenkomst.pdf")
    assert type(raised.value) is UnreadableAgreement
    assert message in str(raised.value)


def test_a_pdf_locked_for_editing_only_is_read() -> None:
    found = read_agreement(agreements.encrypted_pdf(""), "agreement.pdf")
    assert found["allowance"].value == "600"


def test_the_text_stops_at_max_chars() -> None:
    read = read_lines(agreements.docx_file(agreements.DUTCH_THREE_PARTY), max_chars=200)
    assert sum(len(line.text) for line in read) == 200
    assert read[-1].place == P("paragraph", 5)


def test_pypdf_logs_nothing_of_a_repaired_file(caplog: pytest.LogCaptureFixture) -> None:
    data = agreements.pdf_file(agreements.ENGLISH)
    end = data.rindex(b"startxref")
    broken = data[:end] + re.sub(rb"startxref\s+\d+", b"startxref\n123", data[end:])  # pypdf repairs, and says so
    caplog.set_level(logging.DEBUG)
    assert read_agreement(broken, "agreement.pdf")["allowance"].value == "600"
    assert not [record for record in caplog.records if record.name.startswith("pypdf")]


def test_an_agreement_is_read_in_memory_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = [agreements.pdf_file(agreements.ENGLISH), agreements.docx_file(agreements.DUTCH_THREE_PARTY)]
    empty = tmp_path / "tmp"
    empty.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(empty))
    writes: list[tuple[Any, ...]] = []
    real_open = builtins.open

    def watched_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if set(mode) & set("wax+"):
            writes.append((file, mode))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", watched_open)
    for data in files:
        assert read_agreement(data, "agreement")
    assert writes == []
    assert list(empty.iterdir()) == []
