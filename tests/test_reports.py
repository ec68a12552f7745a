"""Report intake and status by token, through the no-JavaScript forms."""

from __future__ import annotations

import functools
import html
import io
import json
import os
import re
import struct
import tempfile
import tracemalloc
import zlib
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from conftest import REPORT, TOKEN_RE, file_report, post_multipart, publish, status_of, upload
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image, ImageFile
from sqlalchemy import event, select
from werkzeug.test import encode_multipart

from hotline import attachments, cases, crypto, dates, models
from hotline import routing as hotline_routing
from hotline.extensions import image_budget
from hotline.reports import service


def open_all(case: models.Case, key: crypto.PrivateKey) -> list[tuple[str, bytes]]:
    """Open every envelope of a case sealed to a handler key, as the CLI would."""

    def verify_key(signer: str) -> bytes | None:
        return case.reporter_signing_key if signer == service.REPORTER else None

    opened = []
    for record in case.envelopes:
        envelope = cases.envelope_of(record)
        if key.kid in envelope.kids() and record.direction == "to_handlers":
            plaintext = crypto.open_envelope(
                envelope, key, verify_key=verify_key, reply_public_key=case.reply_public_key
            )
            opened.append((record.kind, plaintext))
    return opened


STATIC = Path(__file__).resolve().parents[1] / "hotline" / "static"


def static_css(name: str) -> str:
    return (STATIC / "css" / name).read_text("utf-8")


INLINE_SCRIPT = re.compile(r'<script(?![^>]*\bsrc="/static/js/)')


def only_case(session: Any) -> models.Case:
    found = session.scalars(select(models.Case)).all()
    assert len(found) == 1
    return found[0]


def test_pages_work_without_javascript_and_name_112(client: FlaskClient) -> None:
    for url in ("/", "/report", "/status"):
        body = client.get(url).get_data(as_text=True)
        assert "112" in body
        assert not INLINE_SCRIPT.search(body)


def test_step_one_groups_and_explains_categories(client: FlaskClient) -> None:
    body = client.get("/report").get_data(as_text=True)
    for group in ("Discriminatie", "Intimidatie en ongewenst gedrag", "Stagemisbruik", "Arbeidsrecht en veiligheid"):
        assert group in body
    assert "anonieme statistieken" in body
    assert 'value="healthcare"' in body


def test_step_one_error_keeps_the_choices(client: FlaskClient) -> None:
    response = client.post("/report/details", data={"programme": "hbo-ict", "sector": "healthcare"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Kies wat er is gebeurd." in body
    assert 'value="hbo-ict" selected' in body
    assert 'value="healthcare" selected' in body


def test_step_two_names_the_recipients_from_the_verified_key_list(client: FlaskClient, material: Any) -> None:
    response = client.post("/report/details", data={"category": "discrimination.age", "programme": "verpleegkunde"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.escape(material.handlers["verpleegkunde"].name) in body
    assert html.escape(material.handlers["diversiteit"].name) in body
    assert 'name="destinations" value="diversiteit"' in body
    assert "ziet je tekst dus heel even" in body


def test_submit_files_a_sealed_case_and_shows_the_token_once(client: FlaskClient, session: Any) -> None:
    token = file_report(client, sector="healthcare", phase="search")
    case = only_case(session)
    assert case.status == "received"
    assert (case.sector, case.phase) == ("healthcare", "search")
    assert [e.kind for e in case.envelopes] == ["report"]
    assert REPORT["description"].encode() not in case.envelopes[0].ciphertext
    assert token.encode() not in json.dumps(cases.metadata(case)).encode()


def test_handler_of_the_destination_decrypts_and_others_cannot(
    client: FlaskClient, session: Any, material: Any
) -> None:
    file_report(client, organisation="Bedrijf BV", date_from="2026-09-01", date_to="2026-10-01")
    case = only_case(session)
    [(kind, plaintext)] = open_all(case, material.handlers["hbo-ict"])
    report = json.loads(plaintext)
    assert kind == "report"
    assert report["description"] == REPORT["description"]
    assert (report["organisation"], report["date_from"]) == ("Bedrijf BV", "2026-09-01")
    assert open_all(case, material.handlers["arbeidsinspectie"]) == []


def test_deselected_optional_destination_gets_nothing(client: FlaskClient, session: Any, material: Any) -> None:
    file_report(client)  # "destinations" not sent: the D&I office is deselected
    case = only_case(session)
    assert cases.destination_slugs(case) == ["hbo-ict"]
    assert open_all(case, material.handlers["diversiteit"]) == []


def test_labour_report_reaches_inspectorate_and_programme(client: FlaskClient, session: Any, material: Any) -> None:
    file_report(client, category="labour.underpayment")
    case = only_case(session)
    assert sorted(cases.destination_slugs(case)) == ["arbeidsinspectie", "hbo-ict"]
    assert len(open_all(case, material.handlers["arbeidsinspectie"])) == 1
    assert len(open_all(case, material.handlers["hbo-ict"])) == 1


def test_routes_are_shown_chosen_first_then_forwarded_never_in_stored_order(client: FlaskClient, session: Any) -> None:
    token = file_report(client, category="labour.underpayment")
    case = only_case(session)
    adviser = session.scalars(select(models.Destination).where(models.Destination.slug == "vertrouwenspersoon")).one()
    chosen = sorted(((r.destination, r.reason) for r in case.routes), key=lambda pair: pair[0].slug, reverse=True)
    stored = [(adviser, "forwarded"), *chosen]
    case.routes.clear()
    session.flush()
    # Stored in the wrong order on purpose: ids ascending (SQLite's key order) and inserted (PostgreSQL's heap order).
    for number, (destination, reason) in enumerate(stored):
        session.add(models.CaseRoute(id=f"{number:032x}", case_id=case.id, destination=destination, reason=reason))
    session.commit()
    session.expire_all()
    assert [r.destination.slug for r in only_case(session).routes][0] == "vertrouwenspersoon"  # stored order
    assert cases.destination_slugs(only_case(session)) == ["arbeidsinspectie", "hbo-ict", "vertrouwenspersoon"]
    page = client.post("/status", data={"token": token}).get_data(as_text=True)
    shown = re.findall(r'data-destination="([a-z-]+)"', page)
    assert shown == ["arbeidsinspectie", "hbo-ict", "vertrouwenspersoon"]


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"description": "  "}, "Beschrijf kort wat er is gebeurd."),
        ({"date_from": "gisteren"}, "Gebruik een datum als 2026-03-01"),
        ({"date_from": "2026-05-02", "date_to": "2026-05-01"}, "De einddatum ligt voor de begindatum."),
        ({"description": "x" * 20_001}, "Je beschrijving is te lang"),
    ],
)
def test_bad_details_get_an_error_and_keep_the_text(client: FlaskClient, fields: dict[str, str], error: str) -> None:
    data = REPORT | {"organisation": "Naam die blijft staan"} | fields
    response = client.post("/report/submit", data=data, content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert error in body
    assert "Naam die blijft staan" in body


def test_too_many_attachments_are_refused_with_the_text_kept(client: FlaskClient) -> None:
    files = [(io.BytesIO(b"notes"), f"n{i}.txt") for i in range(6)]
    response = client.post("/report/submit", data=REPORT | {"attachments": files}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert REPORT["description"] in response.get_data(as_text=True)


def test_oversized_attachment_is_refused(app: Flask, client: FlaskClient) -> None:
    app.config["MAX_ATTACHMENT_BYTES"] = 1000
    data = REPORT | {"attachments": [(io.BytesIO(b"x" * 1001), "groot.txt")]}
    response = client.post("/report/submit", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "groot.txt is groter dan" in response.get_data(as_text=True)


def traced(call: Callable[[], Any]) -> tuple[Any, int]:
    """Return what call returns and the most memory Python held meanwhile beyond what it held before."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = call()
        return result, tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def test_an_attachment_is_held_once_while_it_is_filed(client: FlaskClient, session: Any, material: Any) -> None:
    """The parsed upload is handed over, not copied, sealed in parts, and let go of once sealed."""
    data = os.urandom(5 * 1024 * 1024)
    boundary, body = encode_multipart(REPORT | {"attachments": upload(data, "notulen.pdf")})
    response, peak = traced(
        lambda: client.post("/report/submit", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    )
    assert response.status_code == 201
    # The parsed upload and its ciphertext, no more: before, the bytes read from the upload, the payload
    # line, its padded copy and the ciphertext all lived at once (about four times the file).
    assert peak < 2.5 * len(data)
    opened = dict(open_all(only_case(session), material.handlers["hbo-ict"]))
    assert attachments.parse_payload(opened["attachment"]).data == data


def test_no_pooled_sqlite_connection_keeps_an_attachment(
    app: Flask, client: FlaskClient, session: Any, material: Any
) -> None:
    """sqlite3 keeps the values last bound to a cached statement: an attachment is never bound, only written."""
    engine = app.extensions["hotline.engine"]
    bound: list[int] = []

    def measure(_conn: Any, _cursor: Any, _statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        rows = parameters if _many else [parameters]
        values = [v for row in rows for v in (row.values() if isinstance(row, dict) else row)]
        bound.append(max((len(v) for v in values if isinstance(v, bytes | bytearray | memoryview)), default=0))

    data = os.urandom(3 << 20)
    event.listen(engine, "before_cursor_execute", measure)
    try:
        response = post_multipart(client, "/report/submit", REPORT | {"attachments": upload(data, "a.pdf")})
    finally:
        event.remove(engine, "before_cursor_execute", measure)
    assert response.status_code == 201
    if engine.dialect.name == "sqlite":  # psycopg keeps nothing bound: there the bytes go as they are
        assert max(bound) < 1 << 20
    opened = dict(open_all(only_case(session), material.handlers["hbo-ict"]))
    assert attachments.parse_payload(opened["attachment"]).data == data


def test_a_status_lookup_never_loads_the_attachments(client: FlaskClient) -> None:
    """The reporter sees messages only; a case's megabytes of attachments stay in the database."""
    response = post_multipart(client, "/report/submit", REPORT | {"attachments": upload(os.urandom(4 << 20), "a.bin")})
    token = TOKEN_RE.search(response.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    status_of(client, token)  # the first request of a kind loads templates
    page, peak = traced(lambda: client.post("/status", data={"token": token}))
    assert page.status_code == 200
    assert peak < 1 << 20  # it was 5 MiB: the lookup read every envelope of the case


def jpeg_with_location() -> bytes:
    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x010F] = "CanaryCamera"  # Make
    exif[0x8825] = {1: "N", 2: (52.0, 5.0, 0.0)}  # GPS info
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_images_lose_their_metadata_before_sealing(client: FlaskClient, session: Any, material: Any) -> None:
    original = jpeg_with_location()
    assert b"CanaryCamera" in original
    data = REPORT | {"attachments": [(io.BytesIO(original), "foto.jpg", "image/jpeg")]}
    assert client.post("/report/submit", data=data, content_type="multipart/form-data").status_code == 201
    opened = dict(open_all(only_case(session), material.handlers["hbo-ict"]))
    attachment = attachments.parse_payload(opened["attachment"])
    assert attachment.name == "foto.jpg"
    assert b"CanaryCamera" not in attachment.data
    with Image.open(io.BytesIO(attachment.data)) as image:
        assert image.size == (40, 30)
        assert not image.getexif()


def test_broken_image_is_refused_clearly(client: FlaskClient) -> None:
    data = REPORT | {"attachments": [(io.BytesIO(b"not a picture"), "foto.jpg", "image/jpeg")]}
    response = client.post("/report/submit", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "beschadigd" in response.get_data(as_text=True)


@functools.cache
def solid_png(width: int, height: int) -> bytes:
    """Return a one-colour RGBA PNG, written row by row: the test never holds its pixels, a decoder would."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    squeeze, row = zlib.compressobj(9), b"\0" + b"\xc8\x1e\x1e\xff" * width
    pixels = b"".join(squeeze.compress(row) for _ in range(height)) + squeeze.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8 bits per sample, RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def count_decoding(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every image Pillow decodes from a file (every format's pixels are read in ImageFile.load)."""
    decoded: list[str] = []
    load = ImageFile.ImageFile.load

    def counting(image: ImageFile.ImageFile) -> Any:
        decoded.append(f"{image.format} {image.size}")
        return load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", counting)
    return decoded


def test_images_that_decode_too_large_are_refused_before_decoding(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoded = count_decoding(monkeypatch)
    png = solid_png(6300, 6300)  # issue 11: 160 MB of pixels in 170 KB, under every limit on the body
    files = [upload(png, f"scan{i}.png", "image/png") for i in range(5)]
    response = post_multipart(client, "/report/submit", REPORT | {"attachments": files})
    body = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "scan0.png is te groot om veilig op te schonen" in body
    assert REPORT["description"] in body
    assert decoded == []


@pytest.mark.app_config(IMAGE_BYTES_PER_REQUEST=20 * 1024 * 1024)
def test_images_over_the_request_budget_are_refused_before_any_is_decoded(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoded = count_decoding(monkeypatch)
    png = solid_png(1000, 1000)  # 8 MB to decode and re-encode: each fits, three do not
    files = [upload(png, f"scan{i}.png", "image/png") for i in range(3)]
    response = post_multipart(client, "/report/submit", REPORT | {"attachments": files})
    body = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "samen te groot om in één melding op te schonen (vanaf scan2.png)" in body
    assert REPORT["description"] in body
    assert decoded == []


@pytest.mark.app_config(IMAGE_WAIT_SECONDS=0)
def test_an_image_finding_no_room_in_time_is_refused_with_the_text_kept(app: Flask, client: FlaskClient) -> None:
    gate = image_budget(app).gate
    data = REPORT | {"attachments": upload(jpeg_with_location(), "foto.jpg", "image/jpeg")}
    with gate.hold(gate.capacity):  # other reports' images fill this process's budget
        response = post_multipart(client, "/report/submit", data)
    body = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 503
    assert "veel afbeeldingen" in body
    assert REPORT["description"] in body
    assert gate.in_use == 0


def test_large_upload_never_touches_a_temp_file(
    client: FlaskClient, session: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("a temporary file was opened for an upload")

    for name in ("TemporaryFile", "NamedTemporaryFile", "SpooledTemporaryFile", "mkstemp"):
        monkeypatch.setattr(tempfile, name, refuse)
    big = b"%PDF-1.4 " + b"a" * (4 * 1024 * 1024)
    data = REPORT | {"attachments": upload(big, "verslag.pdf", "application/pdf")}
    assert post_multipart(client, "/report/submit", data).status_code == 201
    assert list(temp.iterdir()) == []
    assert only_case(session).envelopes[1].kind == "attachment"


def test_status_accepts_the_token_typed_loosely(client: FlaskClient) -> None:
    token = file_report(client)
    assert status_of(client, token) == "received"
    assert status_of(client, token.lower().replace("-", "")) == "received"
    assert status_of(client, " ".join(token.split("-")).lower()) == "received"


def test_status_shows_the_deadlines(client: FlaskClient, session: Any) -> None:
    token = file_report(client)
    case = only_case(session)
    body = client.post("/status", data={"token": token}).get_data(as_text=True)
    assert f'data-deadline="ack">{dates.day(case.ack_due, "nl")}' in body  # e.g. "11 december 2026"
    assert f'data-deadline="feedback">{dates.day(case.feedback_due, "nl")}' in body
    assert (case.ack_due - case.received_on).days == 7


def test_a_typo_in_the_token_is_caught_before_lookup(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    token = file_report(client)
    typo = ("1" if token[0] != "1" else "2") + token[1:]

    def no_lookup(*_args: Any) -> None:
        raise AssertionError("looked up a token with a typo")

    monkeypatch.setattr(cases, "find_case", no_lookup)
    response = client.post("/status", data={"token": typo})
    assert response.status_code == 400
    assert "typefout" in response.get_data(as_text=True)


def test_unknown_token_is_a_clear_404(client: FlaskClient) -> None:
    from hotline import tokens

    response = client.post("/status", data={"token": tokens.generate()})
    assert response.status_code == 404
    assert "Bij deze code hoort geen melding" in response.get_data(as_text=True)


def test_follow_up_is_sealed_to_handlers_and_the_reporter(client: FlaskClient, session: Any, material: Any) -> None:
    token = file_report(client)
    response = client.post("/status/message", data={"token": token, "message": "Nog een detail."})
    assert response.status_code == 200
    assert "Nog een detail." in response.get_data(as_text=True)
    opened = open_all(only_case(session), material.handlers["hbo-ict"])
    assert ("message", json.dumps({"text": "Nog een detail."}).encode()) in opened


def test_reply_is_decrypted_on_the_status_page(app: Flask, client: FlaskClient, session: Any, material: Any) -> None:
    token = file_report(client)
    cases.add_reply(
        session,
        app.extensions["hotline.keyring"],
        only_case(session),
        material.handlers["hbo-ict"],
        "We nemen contact op met de stageplek.",
    )
    body = client.post("/status", data={"token": token}).get_data(as_text=True)
    assert "We nemen contact op met de stageplek." in body
    assert "· HBO-ICT" in body


def test_a_forged_reply_is_not_shown_as_genuine(app: Flask, client: FlaskClient, session: Any, material: Any) -> None:
    token = file_report(client)
    case = only_case(session)
    cases.add_reply(session, app.extensions["hotline.keyring"], case, material.handlers["hbo-ict"], "Echt antwoord")
    record = case.envelopes[-1]
    record.signature = bytes(64)
    session.commit()
    body = client.post("/status", data={"token": token}).get_data(as_text=True)
    assert "Echt antwoord" not in body
    assert "kon niet worden geopend of is niet echt" in body


def test_empty_follow_up_keeps_the_page(client: FlaskClient) -> None:
    token = file_report(client)
    response = client.post("/status/message", data={"token": token, "message": " "})
    assert response.status_code == 400
    assert 'data-case-status="received"' in response.get_data(as_text=True)


def test_key_added_without_signature_is_never_sealed_to(
    app: Flask, client: FlaskClient, session: Any, material: Any
) -> None:
    path = Path(app.config["KEYS_DIR"]) / "hbo-ict.keylist.json"
    document = json.loads(path.read_text())
    body = json.loads(document["body"])
    intruder = crypto.generate_key("Indringer")
    body["keys"].append(intruder.public.to_json())
    document["body"] = json.dumps(body, sort_keys=True, separators=(",", ":"))
    path.write_text(json.dumps(document))
    response = client.post("/report/submit", data=REPORT, content_type="multipart/form-data")
    assert response.status_code == 503
    assert REPORT["description"] in response.get_data(as_text=True)
    assert session.scalars(select(models.Case)).all() == []


def test_rolled_back_key_list_is_refused(app: Flask, client: FlaskClient, material: Any) -> None:
    keys_dir = Path(app.config["KEYS_DIR"])
    newer = crypto.generate_key("Nieuwe behandelaar")
    publish(keys_dir, material, "hbo-ict", [material.handlers["hbo-ict"].public, newer.public], version=2)
    file_report(client)
    publish(keys_dir, material, "hbo-ict", [material.handlers["hbo-ict"].public], version=1)
    response = client.post("/report/submit", data=REPORT, content_type="multipart/form-data")
    assert response.status_code == 503


def test_reply_sender_is_named_in_the_chosen_language(
    app: Flask, client: FlaskClient, session: Any, material: Any
) -> None:
    token = file_report(client, programme="verpleegkunde")
    case = only_case(session)
    cases.add_reply(session, app.extensions["hotline.keyring"], case, material.handlers["verpleegkunde"], "Hallo")
    client.get("/lang/en?next=/status")
    body = client.post("/status", data={"token": token}).get_data(as_text=True)
    assert "· Nursing" in body


class Page(HTMLParser):
    """The page as a browser shows it: what sits in a <template> is inert, so it is left out."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[dict[str, str | None]] = []
        self.nowrap_groups: list[str] = []
        self.forms: list[dict[str, Any]] = []
        self._template = 0
        self._group: list[str] | None = None
        self._token = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "template":
            self._template += 1
        if self._template:
            return
        if tag == "form":
            self.forms.append({**found, "inputs": []})
        if tag in ("input", "select", "textarea"):
            self.inputs.append(found)
            if self.forms:
                self.forms[-1]["inputs"].append(found)
        if "data-case-token" in found:
            self._token = True
        if self._token and tag == "span" and "meldpunt-token__group" in (found.get("class") or "").split():
            self._group = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "template":
            self._template -= 1
        if self._template:
            return
        if tag == "span" and self._group is not None:
            self.nowrap_groups.append("".join(self._group))
            self._group = None
        if tag == "p":
            self._token = False

    def handle_data(self, data: str) -> None:
        if self._group is not None:
            self._group.append(data)

    def radios(self, name: str) -> list[str]:
        return [str(i.get("value")) for i in self.inputs if i.get("type") == "radio" and i.get("name") == name]

    def checked(self, name: str) -> list[str]:
        return [
            str(i.get("value")) for i in self.inputs if i.get("name") == name and "checked" in i and "disabled" not in i
        ]


def page_of(body: str) -> Page:
    parsed = Page()
    parsed.feed(body)
    return parsed


def test_step_one_asks_for_the_group_first_then_its_categories(client: FlaskClient) -> None:
    first = client.get("/report")
    shown = page_of(first.get_data(as_text=True))
    assert first.status_code == 200
    assert shown.radios("group") == ["discrimination", "harassment", "misuse", "labour"]
    assert shown.radios("category") == []  # no list of 19: the categories come with the group
    [form] = [f for f in shown.forms if f.get("id") == "step1-form"]
    assert form["method"] == "get" and form["action"] == "/report"
    # The button sends a marker with the group, so that sending no group at all is an error, not the first page.
    assert 'name="step" value="group"' in first.get_data(as_text=True)
    # Without JavaScript the GET carries the group alone: the rest of the step is disabled until then.
    sent = [i for i in form["inputs"] if "disabled" not in i and i.get("type") != "radio"]
    assert sent == []
    labour = client.get("/report?group=labour")
    shown = page_of(labour.get_data(as_text=True))
    assert labour.status_code == 200
    assert shown.radios("category") == [
        "labour.employee_replacement",
        "labour.underpayment",
        "labour.working_hours",
        "labour.unsafe",
    ]
    assert shown.checked("group") == ["labour"]
    assert shown.radios("group") == ["discrimination", "harassment", "misuse", "labour"]  # a way to change the group
    [form] = [f for f in shown.forms if f.get("id") == "step1-form"]
    assert form["method"] == "post" and form["action"] == "/report/details"
    assert not [i for i in form["inputs"] if "disabled" in i]
    assert 'value="hbo-ict"' in labour.get_data(as_text=True)


def test_each_group_and_category_shows_its_help(client: FlaskClient) -> None:
    routing = hotline_routing.load()
    body = html.unescape(client.get("/report?group=harassment").get_data(as_text=True))
    for group in routing.groups.values():
        assert group.help["nl"] in body
    for code in ("harassment.sexual", "harassment.other"):
        help_text = routing.categories[code].help
        assert help_text and help_text["nl"] in body
        name = "category-" + code.replace(".", "-")
        assert re.search(rf'id="{name}"[^>]*aria-describedby="{name}-hint"', body)
    assert all(category.help for category in routing.categories.values())


def test_the_guides_link_preselects_the_category_and_opens_its_group(client: FlaskClient) -> None:
    shown = page_of(client.get("/report?category=misuse.tasks").get_data(as_text=True))
    assert shown.checked("group") == ["misuse"]
    assert shown.checked("category") == ["misuse.tasks"]
    assert set(shown.radios("category")) == {c for c in hotline_routing.load().categories if c.startswith("misuse.")}


@pytest.mark.parametrize("query", ["group=sports&step=group", "step=group"])
def test_an_unknown_or_missing_group_is_a_400_that_asks_for_the_group(client: FlaskClient, query: str) -> None:
    response = client.get(f"/report?{query}")
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'href="#group"' in body and 'id="group-error"' in body
    assert page_of(body).radios("category") == []


def test_another_group_chosen_without_javascript_shows_its_categories_and_keeps_the_rest(client: FlaskClient) -> None:
    data = {"group": "harassment", "shown_group": "labour", "category": "labour.unsafe", "programme": "hbo-ict"}
    response = client.post("/report/details", data=data)
    body = response.get_data(as_text=True)
    shown = page_of(body)
    assert response.status_code == 200
    assert "Kijk dit nog even na" not in body
    assert shown.radios("category") == ["harassment.sexual", "harassment.other"]
    assert shown.checked("category") == []
    assert shown.checked("group") == ["harassment"]
    assert 'value="hbo-ict" selected' in body


def test_a_missing_category_in_the_chosen_group_is_a_400_linked_to_it_that_keeps_the_input(
    client: FlaskClient,
) -> None:
    data = {"group": "labour", "shown_group": "labour", "sector": "healthcare", "phase": "during"}
    response = client.post("/report/details", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'<a class="utrecht-link utrecht-link--html-a" href="#category">Kies wat er is gebeurd.</a>', body)
    assert re.search(r'<fieldset [^>]*id="category" aria-invalid="true" aria-describedby="category-error"', body)
    assert 'value="healthcare" selected' in body
    assert page_of(body).checked("phase") == ["during"]
    assert page_of(body).checked("group") == ["labour"]


def test_a_category_outside_the_chosen_group_is_not_taken(client: FlaskClient) -> None:
    data = {"group": "labour", "shown_group": "labour", "category": "misuse.tasks", "programme": "hbo-ict"}
    response = client.post("/report/details", data=data)
    assert response.status_code == 400
    assert 'href="#category"' in response.get_data(as_text=True)


def test_step_two_says_plainly_what_leaving_out_an_optional_reader_means(client: FlaskClient, material: Any) -> None:
    response = client.post("/report/details", data={"category": "discrimination.age", "programme": "verpleegkunde"})
    body = html.unescape(response.get_data(as_text=True))
    assert "mag je weglaten" in body
    assert "krijgt je melding dan niet en kan haar ook later niet lezen" in body
    adviser = re.search(r'<li data-destination="diversiteit">(.*?)</li>', body, re.S)
    assert adviser and 'name="destinations" value="diversiteit"' in adviser.group(1)
    assert "Je melding wordt dan behandeld door Verpleegkunde" in adviser.group(1)
    assert "data-people" in adviser.group(1)


def test_the_token_page_writes_each_group_unbroken(client: FlaskClient) -> None:
    response = client.post("/report/submit", data=REPORT, content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    token = TOKEN_RE.search(body).group(1)  # type: ignore[union-attr]
    groups = page_of(body).nowrap_groups
    assert groups == token.split("-") and len(groups) == 6
    assert re.search(r"\.meldpunt-token__group\s*\{[^}]*white-space:\s*nowrap", static_css("report.css"))
    assert re.search(r'data-copy hidden>\s*<button type="button"[^>]*data-copy-token>', body)  # JavaScript only
    assert 'id="token-saved"' in body  # shown as a reminder without JavaScript


def test_the_token_pages_dates_are_written_as_people_write_them(client: FlaskClient, session: Any) -> None:
    body = client.post("/report/submit", data=REPORT, content_type="multipart/form-data").get_data(as_text=True)
    case = only_case(session)
    months = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
              "november", "december"]  # fmt: skip
    ack = f"{case.ack_due.day} {months[case.ack_due.month - 1]} {case.ack_due.year}"
    assert f"<span data-ack-due>{ack}</span>" in body


def test_follow_on_the_token_page_opens_the_status_with_nothing_to_retype(app: Flask, client: FlaskClient) -> None:
    app.config["WTF_CSRF_ENABLED"] = True  # the form's token and cookie, as a browser keeps them
    step2 = client.get("/report")
    field = re.search(r'name="csrf_token" value="([^"]+)"', step2.get_data(as_text=True))
    assert field
    response = client.post(
        "/report/submit", data=REPORT | {"csrf_token": field.group(1)}, content_type="multipart/form-data"
    )
    assert response.status_code == 201
    shown = page_of(response.get_data(as_text=True))
    token = TOKEN_RE.search(response.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    [follow] = [f for f in shown.forms if "data-follow-form" in f]
    assert (follow["method"], follow["action"]) == ("post", "/status")
    fields = {str(i["name"]): str(i["value"]) for i in follow["inputs"]}
    assert fields["token"] == token
    status = client.post(follow["action"], data=fields)
    assert status.status_code == 200
    assert 'data-case-status="received"' in status.get_data(as_text=True)
