"""Read an internship agreement (PDF or Word) in memory and suggest the fields of the fair-conditions check.

The file is the student's: it never touches the disk, nothing of it is logged, and a hostile file (a zip
bomb, a PDF of a thousand pages, garbage) ends in UnreadableAgreement with a message for the student.
"""

from __future__ import annotations

import io
import logging
import unicodedata
import zipfile
import zlib

import docx
import pypdf
from docx.opc.exceptions import OpcError
from docx.table import Table
from lxml import etree
from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

from hotline.conditions.fields import Line, Place, Suggestion, suggest
from hotline.i18n import gettext as _

__all__ = ["Place", "Suggestion", "UnreadableAgreement", "read_agreement"]

MAX_UNPACKED = 50 * 1024 * 1024  # the sum of a Word file's members once unpacked
MAX_RATIO = 100  # unpacked to packed, for members large enough to matter
RATIO_FROM = 1024 * 1024  # a small member may pack tightly without harm
DOCX_MAIN = "word/document.xml"

# pypdf raises its own errors for most broken files, but a damaged object graph still surfaces as the
# built-in errors of the code that walks it: 3,000 truncated and bit-flipped agreements gave TypeError,
# AttributeError and NotImplementedError (an unknown encryption filter) beside PyPdfError; the rest are
# what the same walk can raise on other damage. All mean "this file cannot be read", none a fault of ours.
PDF_ERRORS = (PyPdfError, DependencyError, ValueError, KeyError, IndexError, TypeError, AttributeError,
              NotImplementedError, AssertionError, RecursionError, ZeroDivisionError, OverflowError, zlib.error,
              UnicodeError)  # fmt: skip
# python-docx reads through zipfile and lxml: a damaged member, a missing part or a wrong content type; a
# relationship without its Target or Type (1,500 damaged agreements) ends in AttributeError or TypeError.
DOCX_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError, OpcError, etree.XMLSyntaxError,
               NotImplementedError, RuntimeError, AttributeError, TypeError)  # fmt: skip


class UnreadableAgreement(ValueError):
    """The file cannot be read; str(exc) is a plain, translated message for the student."""


def read_agreement(
    data: bytes, filename: str, *, max_pages: int = 40, max_chars: int = 400_000
) -> dict[str, Suggestion]:
    """Return the fields found in an agreement (PDF or DOCX by content, not by name), one suggestion per field."""
    # The name is the student's word only: the content decides what the file is.
    lines = read_lines(data, max_pages=max_pages, max_chars=max_chars)
    return suggest(lines)


def read_lines(data: bytes, *, max_pages: int = 40, max_chars: int = 400_000) -> list[Line]:
    """Return the lines of text of an agreement with their places."""
    if not data.strip():
        raise UnreadableAgreement(
            _("Dit bestand is leeg. Kies de stageovereenkomst opnieuw, of vul het formulier zelf in.")
        )
    if data.startswith(b"%PDF-"):
        lines = _pdf_lines(data, max_pages, max_chars)
    elif data.startswith(b"PK\x03\x04"):
        lines = _docx_lines(data, max_chars)
    else:
        raise _not_an_agreement()
    if not lines:
        raise UnreadableAgreement(
            _(
                "Dit bestand lijkt een scan: de tekst is niet te lezen. Vul het formulier zelf in; houd de overeenkomst ernaast."
            )
        )
    return lines


def _not_an_agreement() -> UnreadableAgreement:
    return UnreadableAgreement(
        _(
            "Dit bestand is geen PDF of Word-bestand (.docx). Sla de stageovereenkomst op als PDF of .docx, of vul het formulier zelf in."
        )
    )


def _broken() -> UnreadableAgreement:
    return UnreadableAgreement(
        _(
            "Dit bestand is beschadigd of onleesbaar. Sla de stageovereenkomst opnieuw op als PDF of .docx, of vul het formulier zelf in."
        )
    )


def _clean(text: str) -> str:
    """Fold ligatures and odd spaces (NFKC) and runs of white space, as PDFs and Word files scatter them."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


class _Collector:
    """Gather lines until max_chars characters are in; what follows is not read."""

    def __init__(self, max_chars: int) -> None:
        self.lines: list[Line] = []
        self.left = max_chars

    def add(self, place: Place, text: str) -> bool:
        """Add the non-empty lines of a text; return False once the limit is reached."""
        for piece in text.splitlines():
            if self.left <= 0:
                return False
            if cleaned := _clean(piece)[: self.left]:
                self.lines.append(Line(place, cleaned))
                self.left -= len(cleaned)
        return self.left > 0


def _pdf_lines(data: bytes, max_pages: int, max_chars: int) -> list[Line]:
    """Return a PDF's lines, page by page."""
    # pypdf logs what it repaired in a broken file, quoting the file's bytes; nothing a student uploads is logged.
    logging.getLogger("pypdf").setLevel(logging.CRITICAL + 1)
    collector = _Collector(max_chars)
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        locked = reader.is_encrypted and reader.decrypt("") == pypdf.PasswordType.NOT_DECRYPTED
        count = 0 if locked else len(reader.pages)
        if not locked and count <= max_pages:
            for number in range(1, count + 1):
                if not collector.add(Place("page", number), reader.pages[number - 1].extract_text()):
                    break
    except FileNotDecryptedError:
        locked = True
    except PDF_ERRORS as error:
        raise _broken() from error
    if locked:
        raise UnreadableAgreement(
            _(
                "Deze PDF is beveiligd met een wachtwoord, zodat de tekst niet te lezen is. Sla hem op zonder wachtwoord, of vul het formulier zelf in."
            )
        )
    if count > max_pages:
        raise UnreadableAgreement(
            _(
                "Deze PDF heeft meer dan %(max)s pagina's. Kies alleen de stageovereenkomst, of vul het formulier zelf in.",
                max=max_pages,
            )
        )
    return collector.lines


def _docx_lines(data: bytes, max_chars: int) -> list[Line]:
    """Return a Word file's lines: body paragraphs numbered in order, tables by number and row."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = package.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as error:
        raise _broken() from error
    if DOCX_MAIN not in {member.filename for member in members}:
        raise _not_an_agreement()
    # zipfile never hands out more than a member's declared size, so the declared sizes bound the memory.
    if sum(member.file_size for member in members) > MAX_UNPACKED or any(
        member.file_size > RATIO_FROM and member.file_size > MAX_RATIO * max(member.compress_size, 1)
        for member in members
    ):
        raise UnreadableAgreement(
            _(
                "Dit Word-bestand is uitgepakt te groot om te lezen. Sla de stageovereenkomst op als PDF, of vul het formulier zelf in."
            )
        )
    collector = _Collector(max_chars)
    paragraphs = tables = 0
    try:
        for block in docx.Document(io.BytesIO(data)).iter_inner_content():
            if isinstance(block, Table):
                tables += 1
                if not all(collector.add(Place("table", tables, row), text) for row, text in _rows(block)):
                    break
            elif block.text.strip():
                paragraphs += 1
                if not collector.add(Place("paragraph", paragraphs), block.text):
                    break
    except DOCX_ERRORS as error:
        raise _broken() from error
    return collector.lines


def _rows(table: Table) -> list[tuple[int, str]]:
    """Return a table's rows as "cell | cell" lines, so that "Uren per week | 36" reads as one line."""
    rows = []
    for number, row in enumerate(table.rows, start=1):
        cells: list[str] = []
        for cell in row.cells:
            text = _clean(cell.text)
            if text and (not cells or cells[-1] != text):  # a merged cell repeats itself in every column it spans
                cells.append(text)
        rows.append((number, " | ".join(cells)))
    return rows
