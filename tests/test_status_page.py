"""The status page (issue 12): no second code, deadlines that change once met, plain dates, files with a
follow-up, and the student's own copy of the report, on the no-JavaScript path (the API's side: test_api.py)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import REPORT, TOKEN_RE, file_report, post_multipart, upload
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from hotline import attachments, cases, crypto, dates, models, report_keys, tokens
from hotline.reports import service

REPO = Path(__file__).resolve().parents[1]
# Days across the year, with one- and two-digit days, in both languages: what the student reads.
DAYS = ["2026-12-11", "2026-03-01", "2027-05-09", "2026-01-31", "2028-02-29", "2026-10-04"]


def only_case(session: Any) -> models.Case:
    session.rollback()  # see what the requests committed
    found = session.scalars(select(models.Case)).all()
    assert len(found) == 1
    return found[0]


def status_page(client: FlaskClient, token: str) -> str:
    response = client.post("/status", data={"token": token})
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def file_with_copy(client: FlaskClient, **fields: Any) -> str:
    """File through the no-JS form with the own-copy box ticked; return the token."""
    return file_report(client, keep_copy="1", **fields)


def case_keys(app: Flask, token: str) -> tokens.CaseKeys:
    return tokens.derive(token, bytes.fromhex(app.config["INSTANCE_SALT"]))


# --- 1. no second code ---------------------------------------------------------------------------------------


def test_the_status_page_shows_no_case_id_beside_the_token(client: FlaskClient, session: Any) -> None:
    token = file_report(client)
    case = only_case(session)
    body = status_page(client, token)
    assert case.id not in body
    assert re.search(r'<h1 class="utrecht-heading-1">Je melding</h1>', body)
    assert 'data-case-status="received"' in body  # the DESIGN contract stays
    form = client.get("/status").get_data(as_text=True)
    assert "data-case-id" not in form  # nor on the page the browser fills in
    assert "data-case-id" not in (REPO / "hotline/static/js/status.js").read_text("utf-8")


# --- 2. deadlines that change once they are met --------------------------------------------------------------


def set_dates(session: Any, **values: Any) -> models.Case:
    case = only_case(session)
    for name, value in values.items():
        setattr(case, name, value)
    session.commit()
    return case


def test_open_deadlines_say_by_when(client: FlaskClient, session: Any) -> None:
    token = file_report(client)
    case = only_case(session)
    body = status_page(client, token)
    assert "Persoonlijke bevestiging uiterlijk</dt>" in body
    assert f'data-deadline="ack">{dates.day(case.ack_due, "nl")}</dd>' in body
    assert "Inhoudelijke reactie uiterlijk</dt>" in body
    assert "Persoonlijk bevestigd op" not in body and "Inhoudelijke reactie gegeven op" not in body
    assert "Afgesloten op" not in body


def test_a_met_deadline_says_when_it_was_met(client: FlaskClient, session: Any) -> None:
    token = file_report(client)
    set_dates(session, acknowledged_on=dt.date(2026, 12, 8))
    body = status_page(client, token)
    assert "Persoonlijk bevestigd op</dt>" in body
    assert 'data-deadline="ack" data-deadline-met>8 december 2026</dd>' in body
    assert "Persoonlijke bevestiging uiterlijk" not in body
    assert "Inhoudelijke reactie uiterlijk</dt>" in body  # feedback is still to come

    set_dates(session, feedback_on=dt.date(2027, 1, 15), status="in_progress")
    body = status_page(client, token)
    assert "Inhoudelijke reactie gegeven op</dt>" in body
    assert 'data-deadline="feedback" data-deadline-met>15 januari 2027</dd>' in body
    assert "Inhoudelijke reactie uiterlijk" not in body


def test_a_reply_from_a_handler_turns_both_deadlines_into_dates_met(
    app: Flask, client: FlaskClient, session: Any, material: Any
) -> None:
    token = file_report(client)
    case = only_case(session)
    cases.add_reply(session, app.extensions["hotline.keyring"], case, material.handlers["hbo-ict"], "Dank", "tester")
    body = status_page(client, token)
    today = dates.day(cases.today(), "nl")
    assert f'data-deadline="ack" data-deadline-met>{today}</dd>' in body
    assert f'data-deadline="feedback" data-deadline-met>{today}</dd>' in body


def test_a_closed_case_says_when_it_closed_and_waits_for_nothing(client: FlaskClient, session: Any) -> None:
    token = file_report(client)
    set_dates(session, status="closed", closed_on=dt.date(2027, 2, 3), acknowledged_on=dt.date(2026, 12, 7))
    body = status_page(client, token)
    assert "Afgesloten op</dt>" in body and "data-closed>3 februari 2027</dd>" in body
    assert "Persoonlijk bevestigd op" in body
    assert "uiterlijk" not in body  # an unmet deadline of a closed case is not shown as still coming
    assert 'name="message"' not in body


def test_dates_are_written_in_english_too(client: FlaskClient, session: Any) -> None:
    token = file_report(client)
    set_dates(session, acknowledged_on=dt.date(2026, 12, 11))
    client.get("/lang/en?next=/status")
    body = status_page(client, token)
    assert 'data-deadline="ack" data-deadline-met>11 December 2026</dd>' in body
    assert "Personally confirmed on" in body and "Full response by" in body


# --- 3. dates as people write them --------------------------------------------------------------------------


def test_the_day_filter_writes_dates_in_words() -> None:
    assert dates.day(dt.date(2026, 12, 11), "nl") == "11 december 2026"
    assert dates.day(dt.date(2026, 12, 11), "en") == "11 December 2026"
    assert dates.day("2026-03-01", "nl") == "1 maart 2026"
    assert dates.day(None, "nl") == ""


def test_every_date_on_the_status_page_goes_through_the_filter(
    app: Flask, client: FlaskClient, session: Any, material: Any
) -> None:
    token = file_report(client)
    cases.add_reply(session, app.extensions["hotline.keyring"], only_case(session), material.handlers["hbo-ict"], "Hoi")
    body = status_page(client, token)
    main = body[body.index("<main") : body.index("</main>")]
    assert not re.search(r"\d{4}-\d{2}-\d{2}", main)  # no ISO date left for the student to read
    assert f"data-day>{dates.day(cases.today(), 'nl')}</span>" in main
    assert f"data-received>{dates.day(cases.today(), 'nl')}</dd>" in main


NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="needs node on PATH")
def test_the_browser_writes_dates_exactly_as_babel_does() -> None:
    """hotline/static/js/dates.js (Intl, as browsers run it) and hotline/dates.py (Babel) agree, in both languages."""
    script = (
        f"import {{ formatDay }} from {json.dumps((REPO / 'hotline/static/js/dates.js').as_uri())};"
        f"const days = {json.dumps(DAYS)};"
        "const write = (lang) => days.map((d) => formatDay(d, lang));"
        "console.log(JSON.stringify({nl: write('nl'), en: write('en')}));"
    )
    done = subprocess.run(  # noqa: S603  # a fixed script, no input from outside
        [str(NODE), "--input-type=module", "-e", script], capture_output=True, text=True, check=True, timeout=60
    )
    written = json.loads(done.stdout)
    for language in ("nl", "en"):
        assert written[language] == [dates.day(day, language) for day in DAYS]
    assert written["nl"][0] == "11 december 2026" and written["en"][0] == "11 December 2026"


# --- 4. files with a follow-up ------------------------------------------------------------------------------


def send(client: FlaskClient, token: str, text: str, files: list[Any]) -> Any:
    return post_multipart(client, "/status/message", {"token": token, "message": text, "attachments": files})


def opened_by(case: models.Case, key: crypto.PrivateKey) -> list[tuple[str, bytes]]:
    found = []
    for record in sorted(case.envelopes, key=lambda r: r.seq):
        envelope = cases.envelope_of(record)
        if key.kid in envelope.kids():
            found.append(
                (
                    envelope.header.kind,
                    crypto.open_envelope(
                        envelope,
                        key,
                        verify_key={"reporter": case.reporter_signing_key}.get,
                        reply_public_key=case.reply_public_key,
                    ),
                )
            )
    return found


def jpeg_with_location() -> bytes:
    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x010F] = "CanaryCamera"  # Make
    exif[0x8825] = {1: "N", 2: (52.0, 5.0, 0.0)}  # GPS info
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_files_sent_with_a_follow_up_are_sealed_and_reach_the_handler(
    client: FlaskClient, session: Any, material: Any
) -> None:
    token = file_report(client)
    photo = jpeg_with_location()
    assert b"CanaryCamera" in photo
    files = [upload(b"%PDF-1.4 verslag", "verslag.pdf", "application/pdf"), upload(photo, "foto.jpg", "image/jpeg")]
    response = send(client, token, "Hierbij de mail en een foto.", files)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Je bericht is versleuteld en verstuurd." in body
    assert "Bijlagen: verslag.pdf, foto.jpg" in body  # the student sees what they sent, from the sealed message
    case = only_case(session)
    opened = opened_by(case, material.handlers["hbo-ict"])
    kinds = [kind for kind, _plaintext in opened]
    assert kinds == ["report", "message", "attachment", "attachment"]
    assert json.loads(opened[1][1]) == {
        "text": "Hierbij de mail en een foto.",
        "attachments": ["verslag.pdf", "foto.jpg"],
    }
    pdf = attachments.parse_payload(opened[2][1])
    assert (pdf.name, pdf.data) == ("verslag.pdf", b"%PDF-1.4 verslag")
    image = attachments.parse_payload(opened[3][1])
    assert image.name == "foto.jpg" and image.content_type == "image/jpeg"
    assert b"CanaryCamera" not in image.data  # the camera and location are gone, as in a report's images
    assert Image.open(io.BytesIO(image.data)).getexif() == {}
    # Sealed like the message: the reply key opens them too, and each is bound to the case and signed by the reporter.
    keys = case_keys(client.application, token)
    for record in case.envelopes:
        if record.kind == "attachment":
            assert crypto.fingerprint(keys.reply_public) in cases.envelope_of(record).kids()
            assert record.direction == "to_handlers"


def test_a_follow_up_file_shows_in_the_handlers_case_view(
    app: Flask, client: FlaskClient, session: Any, material: Any
) -> None:
    """The case view lists envelopes by kind: a follow-up's file shows as an attachment, as a report's does."""
    token = file_report(client)
    assert send(client, token, "Met bijlage", [upload(b"inhoud", "mail.txt", "text/plain")]).status_code == 200
    case = only_case(session)
    kinds = [record.kind for record in sorted(case.envelopes, key=lambda r: r.seq)]
    assert kinds == ["report", "message", "attachment"]
    keys = report_keys.from_report(
        [cases.envelope_of(r) for r in case.envelopes],
        case.reporter_signing_key,
        case.reply_public_key,
        material.handlers["hbo-ict"],
        stored_xwing=case.reply_xwing_key,
    )
    assert keys.source == report_keys.BOUND and not keys.problems


@pytest.mark.parametrize(
    ("files", "error"),
    [
        (lambda: [upload(b"x", f"f{i}.txt", "text/plain") for i in range(6)], "hoogstens 5 bijlagen"),
        (lambda: [upload(b"", "leeg.txt", "text/plain")], "leeg.txt is leeg."),
        (lambda: [upload(b"not an image", "kapot.png", "image/png")], "beschadigd of te groot"),
    ],
)
def test_refused_files_keep_the_message_and_store_nothing(
    client: FlaskClient, session: Any, files: Any, error: str
) -> None:
    token = file_report(client)
    response = send(client, token, "Mijn tekst blijft staan", files())
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert error in body
    assert "Mijn tekst blijft staan</textarea>" in body
    assert "Kies je bijlagen opnieuw" in body
    assert 'id="attachments-error"' in body
    assert [record.kind for record in only_case(session).envelopes] == ["report"]


@pytest.mark.app_config(MAX_ATTACHMENT_BYTES=1024)
def test_a_follow_up_file_over_the_size_limit_is_refused(client: FlaskClient, session: Any) -> None:
    token = file_report(client)
    response = send(client, token, "Te groot", [upload(b"a" * 2048, "groot.pdf", "application/pdf")])
    assert response.status_code == 400
    assert "groot.pdf is groter dan" in response.get_data(as_text=True)
    assert len(only_case(session).envelopes) == 1


def test_the_follow_up_form_takes_files_without_javascript(client: FlaskClient) -> None:
    body = status_page(client, file_report(client))
    assert 'enctype="multipart/form-data"' in body
    assert 'id="attachments" name="attachments" type="file" multiple' in body
    assert "documenten zoals PDF en Word" in body


# --- 5. the student's own copy ------------------------------------------------------------------------------


def test_the_own_copy_box_is_off_by_default_and_says_what_it_means(client: FlaskClient) -> None:
    body = client.post("/report/details", data={"category": REPORT["category"], "programme": "hbo-ict"})
    text = body.get_data(as_text=True)
    box = re.search(r'<input type="checkbox"[^>]*name="keep_copy"[^>]*>', text)
    assert box and "checked" not in box.group(0)
    for words in (
        "Met je code kun je later teruglezen",
        "Wie je code heeft, kan het dan ook lezen",
        "niemand kan haar",
    ):
        assert words in text


def test_without_the_box_the_token_cannot_open_the_report(app: Flask, client: FlaskClient, session: Any) -> None:
    token = file_report(client)
    keys = case_keys(app, token)
    case = only_case(session)
    for record in case.envelopes:
        assert crypto.fingerprint(keys.reply_public) not in cases.envelope_of(record).kids()
        with pytest.raises(crypto.NotARecipient):
            crypto.open_envelope(cases.envelope_of(record), keys.opening_key, verify_key=lambda _s: keys.signing_public)
    body = status_page(client, token)
    assert "jouw kopie" not in body
    assert "geen kopie van je melding bewaard" in body
    assert REPORT["description"] not in body


def test_with_the_box_the_token_opens_the_report_and_its_files(
    app: Flask, client: FlaskClient, session: Any, material: Any
) -> None:
    token = file_with_copy(
        client,
        organisation="Stagebedrijf <b>BV</b>",
        date_from="2026-03-01",
        attachments=(io.BytesIO(b"de mail"), "mail.txt"),
    )
    keys = case_keys(app, token)
    case = only_case(session)
    own = crypto.fingerprint(keys.reply_public)
    envelopes = [cases.envelope_of(r) for r in sorted(case.envelopes, key=lambda r: r.seq)]
    assert [e.header.kind for e in envelopes] == ["report", "attachment"]
    report = json.loads(
        crypto.open_envelope(envelopes[0], keys.opening_key, verify_key=lambda _s: keys.signing_public, kind="report")
    )
    assert report["description"] == REPORT["description"]
    file = crypto.open_envelope(envelopes[1], keys.opening_key, verify_key=lambda _s: keys.signing_public)
    assert attachments.parse_payload(file).data == b"de mail"
    # Exactly one extra reader: the handlers' keys are as before, and only the token's reply key is added.
    handlers = {material.handlers[slug].kid for slug in cases.destination_slugs(case)}
    assert material.handlers["hbo-ict"].kid in handlers
    assert all(set(e.kids()) == handlers | {own} for e in envelopes)
    # The handler's view does not break on the extra reader: the report still binds the reporter's keys.
    found = report_keys.from_report(
        envelopes,
        case.reporter_signing_key,
        case.reply_public_key,
        material.handlers["hbo-ict"],
        stored_xwing=case.reply_xwing_key,
    )
    assert found.source == report_keys.BOUND and not found.problems
    body = status_page(client, token)
    assert "Je melding (jouw kopie)" in body
    assert f"data-copy-description>{REPORT['description']}</p>" in body
    assert "Stagebedrijf &lt;b&gt;BV&lt;/b&gt;" in body  # escaped, never markup
    assert "data-copy-dates>1 maart 2026</dd>" in body
    assert "data-copy-attachments>mail.txt</dd>" in body
    assert "geen kopie van je melding bewaard" not in body


def test_the_copy_is_not_shown_to_a_database_writer_who_swaps_the_keys(
    app: Flask, client: FlaskClient, session: Any
) -> None:
    """The copy is checked against the token's own keys: a report signed by another key is not shown as genuine."""
    token = file_with_copy(client)
    keys = case_keys(app, token)
    case = only_case(session)
    record = next(r for r in case.envelopes if r.kind == "report")
    record.signature = bytes(64)
    session.commit()
    body = status_page(client, token)
    assert "Je melding (jouw kopie)" in body
    assert "Je kopie kon niet worden geopend" in body
    assert REPORT["description"] not in body
    assert service.own_copy(only_case(session), keys) == service.OwnCopy(None)


def test_a_refused_report_keeps_the_box_as_ticked(client: FlaskClient) -> None:
    response = client.post(
        "/report/submit", data=REPORT | {"description": "", "keep_copy": "1"}, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    box = re.search(r'<input type="checkbox"[^>]*name="keep_copy"[^>]*>', response.get_data(as_text=True))
    assert box and "checked" in box.group(0)


def test_the_token_page_still_follows_a_report_with_a_copy(client: FlaskClient) -> None:
    response = client.post("/report/submit", data=REPORT | {"keep_copy": "1"}, content_type="multipart/form-data")
    assert response.status_code == 201
    assert TOKEN_RE.search(response.get_data(as_text=True))
