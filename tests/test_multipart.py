"""The multipart decoder without per-boundary expressions finds exactly what Werkzeug's does."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug import formparser
from werkzeug.sansio.multipart import Epilogue, MultipartDecoder, NeedData
from werkzeug.test import encode_multipart

from hotline.multipart import Decoder

FUZZ = settings(max_examples=300, deadline=None, database=None)  # no .hypothesis folder in the checkout
BOUNDARY = b"----WebKitFormBoundaryQx7T2m"
PIECES = [  # what bodies are made of: boundaries in every form Werkzeug accepts, and what comes near them
    b"--" + BOUNDARY,
    b"--" + BOUNDARY + b"--",
    b"\r\n--" + BOUNDARY + b"\r\n",
    b"\n--" + BOUNDARY + b" \t\n",
    b"\r--" + BOUNDARY + b"--\r",
    b"--" + BOUNDARY[:-3],
    b'Content-Disposition: form-data; name="description"',
    b'Content-Disposition: form-data; name="f"; filename="a.txt"',
    b"\r\n",
    b"\n",
    b"\r",
    b"\r\n\r\n",
    b" ",
    b"--",
    b"value",
]


def events(decoder: MultipartDecoder, body: bytes, chunk: int) -> list[Any]:
    """Feed a body in chunks and return every event, or the error it ends with."""
    found: list[Any] = []
    try:
        for start in range(0, len(body) + 1, chunk):
            decoder.receive_data(body[start : start + chunk] if start < len(body) else None)
            event = decoder.next_event()
            while not isinstance(event, NeedData | Epilogue):
                found.append(event)
                event = decoder.next_event()
            if isinstance(event, Epilogue):
                found.append(event)
                break
    except ValueError as exc:
        found.append(("error", str(exc)))
    return found


@FUZZ
@given(st.lists(st.sampled_from(PIECES), max_size=24), st.integers(min_value=1, max_value=64))
def test_the_decoder_finds_what_werkzeugs_finds(pieces: list[bytes], chunk: int) -> None:
    body = b"".join(pieces)
    assert events(Decoder(BOUNDARY), body, chunk) == events(MultipartDecoder(BOUNDARY), body, chunk)


def test_a_browser_form_decodes_alike_with_each_new_boundary() -> None:
    for _ in range(20):
        boundary, body = encode_multipart({"category": "misuse.tasks", "description": "regel 1\r\nregel 2"})
        expected = events(MultipartDecoder(boundary.encode()), body, 4096)
        assert events(Decoder(boundary.encode()), body, 4096) == expected
        assert len([event for event in expected if type(event).__name__ == "Field"]) == 2


def test_the_app_parses_its_forms_with_it(client: FlaskClient) -> None:
    assert formparser.MultipartDecoder is Decoder
    assert client.get("/report").status_code == 200
