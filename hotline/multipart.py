"""Multipart forms parsed without compiling regular expressions for each new boundary.

Werkzeug's MultipartDecoder (3.1) compiles two expressions around each body's boundary. A browser sends a new
boundary with every form, so re's cache never hits and every submitted form paid for two compiles, about
0.25 ms of a worker's time. This decoder finds the boundary with bytes.find and matches what surrounds it
with an expression compiled once; it finds what Werkzeug's expressions find (tests/test_multipart.py holds
it to that). Werkzeug's parser looks its decoder up in its module on every form: install() points it here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from werkzeug import formparser
from werkzeug.sansio.multipart import MultipartDecoder

LINE_BREAKS = (b"\r\n", b"\n", b"\r")  # in Werkzeug's order: "\r\n" before a lone "\r"
# What may follow a boundary, as Werkzeug's expressions have it: "--" for the last one, or a line break.
AFTER = re.compile(rb"(--[^\S\n\r]*(?:\r\n|\n|\r)?|[^\S\n\r]*(?:\r\n|\n|\r))")


@dataclass(frozen=True)
class Found:
    """The parts of a match the decoder reads: where the boundary line starts and ends, and what ends it."""

    begin: int
    finish: int
    after: bytes

    def start(self) -> int:
        return self.begin

    def end(self) -> int:
        return self.finish

    def group(self, _index: int) -> bytes:
        return self.after


@dataclass(frozen=True)
class BoundaryLine:
    """Find a boundary line as Werkzeug's expression for it does; the line break before it optional or not."""

    marker: bytes  # b"--" + boundary
    line_break: bool  # required before the boundary (between parts), or optional (the first one)

    def search(self, data: bytes | bytearray, pos: int = 0) -> Found | None:
        """Return the leftmost boundary line at or after pos, or None."""
        at = data.find(self.marker, pos)
        while at != -1:
            begin = next((at - len(b) for b in LINE_BREAKS if at - len(b) >= pos and data[at - len(b) : at] == b), None)
            after = AFTER.match(data, at + len(self.marker))
            if after is not None and (begin is not None or not self.line_break):
                return Found(at if begin is None else begin, after.end(), after.group(1))
            at = data.find(self.marker, at + 1)
        return None


class Decoder(MultipartDecoder):
    """Werkzeug's decoder, its two boundary expressions replaced by BoundaryLine."""

    def __init__(self, boundary: bytes, max_form_memory_size: int | None = None, *, max_parts: int | None = None):
        # The same placeholder every time, so Werkzeug's compiles hit re's cache; the finders replace them.
        super().__init__(b"-", max_form_memory_size, max_parts=max_parts)
        self.boundary = boundary
        # BoundaryLine offers what the decoder uses of a compiled expression: search(), start(), end(), group(1).
        self.preamble_re = BoundaryLine(b"--" + boundary, line_break=False)  # type: ignore[assignment]
        self.boundary_re = BoundaryLine(b"--" + boundary, line_break=True)  # type: ignore[assignment]


def install() -> None:
    """Let Werkzeug's form parser decode every multipart body with Decoder, if Werkzeug is still built as above.

    A Werkzeug whose decoder no longer keeps the two expressions keeps its own decoder: slower, never wrong
    (tests/test_multipart.py then fails on the decoder the app uses, so the change is seen).
    """
    probe = MultipartDecoder(b"probe")
    if all(hasattr(getattr(probe, name, None), "search") for name in ("preamble_re", "boundary_re")):
        formparser.MultipartDecoder = Decoder  # type: ignore[attr-defined]  # imported there, not re-exported
