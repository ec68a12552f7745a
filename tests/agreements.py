"""Internship agreements built in memory for the tests: four real-shaped templates and the files that must fail."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

import docx
from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader, PdfWriter

Block = str | Sequence[Sequence[str]]  # a paragraph ("# " makes it a heading), or a table's rows of cells

# (1) A hogeschool's three-party agreement, as Word: hours, days and allowance in a table, a heading per part.
DUTCH_THREE_PARTY: list[Block] = [
    "# Stageovereenkomst",
    "# Partijen",
    "1. De student: Sanne de Boer, geboortedatum: 12-05-2005, studentnummer 4512345, hierna: de stagiair;",
    "2. Hogeschool Rijnland, opleiding HBO-ICT, hierna: de onderwijsinstelling;",
    "3. Dataweg B.V. te Utrecht, hierna: de stagebieder.",
    "# Artikel 1 Stageperiode",
    "De stage loopt van 1 februari 2027 tot en met 30 juni 2027.",
    "# Artikel 2 Werktijden en stagevergoeding",
    "De stagevergoeding is geen loon; het wettelijk minimumloon van € 14,71 per uur geldt daarom niet.",
    [
        ["Uren per week", "36"],
        ["Dagen per week", "4"],
        ["Werktijden", "maandag tot en met donderdag 08:30 – 17:30"],
        ["Stagevergoeding", "€ 500,- bruto per maand"],
    ],
    "Reiskosten worden vergoed tot € 0,21 per kilometer.",
    "# Artikel 3 Begeleiding",
    "Stagebegeleider namens de hogeschool: dr. P. Jansen (stagedocent).",
    "Praktijkbegeleider namens de stagebieder: J. de Vries, senior developer.",
    "Er zijn ten minste drie contactmomenten tussen student, stagedocent en praktijkbegeleider, "
    "waaronder twee stagebezoeken.",
    "# Artikel 4 Werkzaamheden en stageplan",
    "De werkzaamheden staan in het stageplan met de leerdoelen van de student; het stageplan is een bijlage.",
    "# Artikel 5 Beoordeling",
    "Halverwege volgt een tussentijdse evaluatie; aan het eind stelt de stagedocent de eindbeoordeling vast.",
    "# Artikel 6 Aansprakelijkheid en verzekering",
    "De stagebieder is verzekerd voor wettelijke aansprakelijkheid voor schade die de stagiair veroorzaakt.",
    "# Artikel 7 Geheimhouding",
    "De stagiair houdt geheim wat hem als vertrouwelijk bekend wordt, ook na de stage.",
    "# Artikel 8 Ziekte",
    "Bij ziekte meldt de stagiair zich voor 9:00 uur ziek bij de praktijkbegeleider en de stagedocent.",
    "# Artikel 9 Boventalligheid",
    "De stagiair is boventallig en wordt niet ingezet ter vervanging van personeel.",
    "# Artikel 10 Beëindiging",
    "Elk van de partijen kan de overeenkomst tussentijds beëindigen na overleg met de andere partijen.",
    "Aldus overeengekomen en getekend te Leiden op 15 januari 2027.",
]

# (2) An English internship agreement, as a 2-page PDF; the period's sentence breaks over two lines.
ENGLISH: list[list[str]] = [
    [
        "INTERNSHIP AGREEMENT",
        "The parties to this agreement are:",
        "1. The intern: Tom Baker, date of birth: 14 August 2009;",
        "2. The university: Northfield University of Applied Sciences;",
        "3. The host organisation: Brightline Logistics Ltd.",
        "1. Period",
        "The internship runs from 3 March 2027",
        "to 27 June 2027.",
        "2. Working hours",
        "The intern works 32 hours per week, four days a week, from 09:00 to 17:00.",
        "The intern does not work at weekends.",
        "3. Allowance",
        "Travel expenses are reimbursed up to EUR 50 per month, separately from the allowance.",
        "The host organisation pays the intern an allowance of EUR 600 per month.",
    ],
    [
        "4. Supervision",
        "Academic supervisor: Dr. Emma Clarke, Northfield University.",
        "Host supervisor: Michael Reed, Operations Manager.",
        "There will be at least two visits by the academic supervisor during the internship.",
        "5. Tasks, learning plan and assessment",
        "The intern's tasks are described in the annex.",
        "The intern and both supervisors agree on a learning plan with learning goals in the first two weeks.",
        "A mid-term evaluation and a final assessment take place.",
        "6. Insurance and liability",
        "The host organisation insures the intern against liability for damage caused during the internship.",
        "7. Confidentiality",
        "8. Sick leave: the intern reports sick to the host supervisor before 9 am.",
        "9. Termination: either party may terminate this agreement with one week's notice.",
        "Signed on 20 February 2027.",
    ],
]

# (3) An mbo agreement with the allowance per hour, as PDF: a 17-year-old who works Saturdays.
PER_HOUR: list[list[str]] = [
    [
        "Praktijkovereenkomst beroepspraktijkvorming",
        "Student: Lisa Smit, geboren op 3 maart 2010",
        "Leerbedrijf: Bakkerij Van Dam, Zwolle",
        "Begindatum: 01-09-2027",
        "Einddatum: 31-01-2028",
        "Werkbegeleider: mevr. A. Bakker",
        "De student werkt gemiddeld 24 uur per week, verdeeld over drie dagen per week, maximaal 8 uur per dag.",
        "Op zaterdag werkt de student van 06:00 tot 14:30 in de winkel.",
        "De student ontvangt een vergoeding van € 4,50 per uur.",
        "Er is geen vergoeding voor reiskosten.",
        "De leerdoelen staan in het praktijkplan van de opleiding.",
    ]
]

# (4) A nursing placement in a hospital as Word: no allowance, night shifts, only the school's supervisor named.
HOSPITAL: list[Block] = [
    "Stageovereenkomst Verpleegkunde",
    "Stagebieder: Ziekenhuis Rivierenland, afdeling Interne Geneeskunde",
    "Begeleider vanuit de opleiding: mw. K. Visser",
    [["Stageperiode", "01-02-2027 t/m 30-06-2027"], ["Uren per week", "36"]],
    "De student loopt mee in het rooster van de afdeling, inclusief nachtdiensten en weekenddiensten.",
    "Een nachtdienst duurt van 23:00 tot 07:30 uur, met een pauze van 03:00 - 03:30.",
    "De student ontvangt geen stagevergoeding. Het wettelijk minimumloon (€ 14,71 per uur) geldt niet "
    "voor een leerstage.",
]


def docx_file(blocks: Sequence[Block]) -> bytes:
    """Write paragraphs, headings and tables into a Word file in memory."""
    document = docx.Document()
    for block in blocks:
        if isinstance(block, str) and block.startswith("# "):
            document.add_heading(block[2:], level=1)
        elif isinstance(block, str):
            document.add_paragraph(block)
        else:
            table = document.add_table(rows=len(block), cols=len(block[0]))
            for row, cells in zip(table.rows, block, strict=True):
                for cell, text in zip(row.cells, cells, strict=True):
                    cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _pdf() -> FPDF:
    pdf = FPDF()
    pdf.core_fonts_encoding = "windows-1252"  # the core fonts then carry €, – and ë
    pdf.set_font("Helvetica", size=9)
    return pdf


def pdf_file(pages: Sequence[Sequence[str]]) -> bytes:
    """Write lines of text onto PDF pages, one line each, in memory."""
    pdf = _pdf()
    for lines in pages:
        pdf.add_page()
        for line in lines:
            pdf.cell(text=line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def scan_pdf() -> bytes:
    """Return a PDF whose only page holds a picture of text, as a scanner makes it."""
    picture = io.BytesIO()
    Image.new("L", (200, 100), color=255).save(picture, format="PNG")
    pdf = _pdf()
    pdf.add_page()
    pdf.image(picture, x=10, y=10, w=190)
    return bytes(pdf.output())


def encrypted_pdf(user_password: str) -> bytes:
    """Return the English agreement locked with a password ("" locks editing only)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_file(ENGLISH))))
    writer.encrypt(user_password, owner_password="owner secret", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def plain_zip() -> bytes:
    """Return a zip that holds a text file and no Word document."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("leesmij.txt", "Stageovereenkomst: zie bijlage.")
    return out.getvalue()


def zip_bomb(megabytes: int) -> bytes:
    """Return a Word file with an extra member of zeros that packs a thousandfold."""
    out = io.BytesIO(docx_file(["Stageovereenkomst"]))
    with zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED) as package:
        with package.open("word/media/image1.bin", "w", force_zip64=True) as member:
            zeros = bytes(1024 * 1024)
            for _ in range(megabytes):
                member.write(zeros)
    return out.getvalue()
