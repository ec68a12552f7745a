"""The status page in a real browser (issue 12): no second code, deadlines that change once met, dates as
Babel writes them, files with a follow-up sealed on the device, and the student's own copy of the report."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import (
    CANARY,
    assert_reporter_post_quantum,
    choose_and_continue,
    file_with_js,
    log_in_and_unlock,
    open_as_handler,
    open_status,
    write_key_file,
)
from conftest import Clock, file_report, log_in, make_account, upload
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline import attachments, cases, crypto, dates, models, tokens


def only_case(app: Flask) -> models.Case:
    session = app.extensions["hotline.sessionmaker"]()
    found = session.scalars(select(models.Case)).all()
    assert len(found) == 1
    case = found[0]
    _ = case.envelopes, [r.destination.slug for r in case.routes]  # load while the session is open
    session.close()
    return case


def update_case(app: Flask, **values: Any) -> None:
    session = app.extensions["hotline.sessionmaker"]()
    case = session.scalars(select(models.Case)).one()
    for name, value in values.items():
        setattr(case, name, value)
    session.commit()
    session.close()


def text_of(page: Any, selector: str) -> str:
    return str(page.locator(selector).first.text_content()).strip()


def file_with_js_and_copy(watched: Any, base: str, description: str) -> str:
    """File through the browser path with the own-copy box ticked; return the token."""
    page = watched.page
    choose_and_continue(page, base, "discrimination.origin")
    page.wait_for_selector(".browser-path:not([hidden])")
    page.fill("#description", description)
    page.fill("#organisation", "Stagebedrijf <b>BV</b>")
    page.check("#keep_copy")
    page.click("button[type=submit]")
    shown = page.wait_for_selector("[data-case-token]:not([data-case-token=''])")
    return str(shown.get_attribute("data-case-token"))


def test_the_browser_status_page_shows_no_case_id_and_plain_dates(app: Flask, live_server: str, js_page: Any) -> None:
    token = file_with_js(js_page, live_server, description="Eerste melding")
    assert open_status(js_page, live_server, token) == "received"
    page = js_page.page
    case = only_case(app)
    main = str(page.locator("main").text_content())
    assert case.id not in main
    assert text_of(page, "main h1") == "Je melding"
    assert text_of(page, "[data-received]") == dates.day(case.received_on, "nl")
    assert text_of(page, '[data-deadline="ack"]') == dates.day(case.ack_due, "nl")
    assert text_of(page, '[data-fact="ack"] dt') == "Persoonlijke bevestiging uiterlijk"
    assert text_of(page, '[data-deadline="feedback"]') == dates.day(case.feedback_due, "nl")
    assert page.locator('[data-fact="closed"]').count() == 0
    assert text_of(page, "[data-no-copy]").startswith("Je hebt bij het melden geen kopie")
    assert page.locator("[data-own-copy]").count() == 0


def test_met_deadlines_and_closing_in_the_browser_in_both_languages(app: Flask, live_server: str, js_page: Any) -> None:
    token = file_with_js(js_page, live_server, description="Eerste melding")
    update_case(app, acknowledged_on=dt.date(2026, 12, 11))
    open_status(js_page, live_server, token)
    page = js_page.page
    assert text_of(page, '[data-fact="ack"] dt') == "Persoonlijk bevestigd op"
    assert text_of(page, '[data-deadline="ack"]') == "11 december 2026"
    assert text_of(page, '[data-fact="feedback"] dt') == "Inhoudelijke reactie uiterlijk"

    update_case(app, feedback_on=dt.date(2027, 3, 1), closed_on=dt.date(2027, 5, 9), status="closed")
    page.goto(f"{live_server}/lang/en?next=/status")
    assert open_status(js_page, live_server, token) == "closed"
    assert text_of(page, '[data-fact="ack"] dt') == "Personally confirmed on"
    assert text_of(page, '[data-deadline="ack"]') == "11 December 2026" == dates.day(dt.date(2026, 12, 11), "en")
    assert text_of(page, '[data-fact="feedback"] dt') == "Full response given on"
    assert text_of(page, '[data-deadline="feedback"]') == "1 March 2027"
    assert text_of(page, "[data-closed]") == "9 May 2027" == dates.day(dt.date(2027, 5, 9), "en")
    assert page.locator("[data-follow-up]").count() == 0


def test_a_closed_case_in_the_browser_shows_no_deadline_still_to_come(
    app: Flask, live_server: str, js_page: Any
) -> None:
    token = file_with_js(js_page, live_server, description="Eerste melding")
    update_case(app, closed_on=dt.date(2027, 5, 9), status="closed")
    open_status(js_page, live_server, token)
    page = js_page.page
    assert page.locator('[data-fact="ack"]').count() == 0 and page.locator('[data-fact="feedback"]').count() == 0
    assert text_of(page, "[data-closed]") == "9 mei 2027"


def test_the_browser_writes_every_date_as_babel_does(app: Flask, live_server: str, js_page: Any) -> None:
    """dates.js in Chromium, and Babel on the server, for a handful of days in both languages."""
    days = ["2026-12-11", "2026-03-01", "2027-05-09", "2026-01-31", "2028-02-29", "2026-10-04"]
    page = js_page.page
    page.goto(f"{live_server}/status")
    written = page.evaluate(
        """async (days) => {
            const { formatDay } = await import("/static/js/dates.js");
            return { nl: days.map((d) => formatDay(d, "nl")), en: days.map((d) => formatDay(d, "en")) };
        }""",
        days,
    )
    assert written == {language: [dates.day(day, language) for day in days] for language in ("nl", "en")}


def test_a_follow_up_with_files_is_sealed_on_the_device(
    app: Flask, live_server: str, js_page: Any, material: Any, tmp_path: Path
) -> None:
    token = file_with_js(js_page, live_server, description="Eerste melding")
    open_status(js_page, live_server, token)
    page = js_page.page
    canary_file = tmp_path / "mail.txt"
    canary_file.write_text(f"{CANARY}-bijlage", "utf-8")
    page.fill("#message", "Hierbij de mail")
    page.set_input_files("#attachments", str(canary_file))
    page.click("[data-message-form] button[type=submit]")
    page.wait_for_selector("[data-notice]:not([hidden])")
    assert text_of(page, "[data-messages] [data-text]") == "Hierbij de mail"
    assert text_of(page, "[data-messages] [data-day]") == dates.day(cases.today(), "nl")
    assert text_of(page, "[data-messages] [data-message-attachments]") == "Bijlagen: mail.txt"
    assert f"{CANARY}-bijlage".encode() not in js_page.sent()  # the file left the device sealed only
    assert not any(r.url.endswith("/status/message") for r in js_page.requests)
    case = only_case(app)
    kinds = [r.kind for r in sorted(case.envelopes, key=lambda r: r.seq)]
    assert kinds == ["report", "message", "attachment"]
    handler = material.handlers["hbo-ict"]
    record = next(r for r in case.envelopes if r.kind == "attachment")
    plaintext = crypto.open_envelope(
        cases.envelope_of(record),
        handler,
        verify_key={"reporter": case.reporter_signing_key}.get,
        reply_public_key=case.reply_public_key,
        kind="attachment",
    )
    file = attachments.parse_payload(plaintext)
    assert (file.name, file.data) == ("mail.txt", f"{CANARY}-bijlage".encode())
    message = json.loads(open_as_handler(case, handler)["message"])
    assert message == {"text": "Hierbij de mail", "attachments": ["mail.txt"]}


def test_a_refused_follow_up_keeps_the_message(app: Flask, live_server: str, js_page: Any, tmp_path: Path) -> None:
    token = file_with_js(js_page, live_server, description="Eerste melding")
    open_status(js_page, live_server, token)
    page = js_page.page
    paths = []
    for i in range(app.config["MAX_ATTACHMENTS"] + 1):
        path = tmp_path / f"f{i}.txt"
        path.write_text("x", "utf-8")
        paths.append(str(path))
    page.fill("#message", "Blijft staan")
    page.set_input_files("#attachments", paths)
    page.click("[data-message-form] button[type=submit]")
    page.wait_for_selector("[data-error]:not([hidden])")
    assert text_of(page, "[data-error]") == "Je hebt te veel bijlagen gekozen."
    assert page.input_value("#message") == "Blijft staan"
    assert page.get_attribute("#attachments", "aria-invalid") == "true"
    assert not any(r.url.endswith("/api/v1/cases/messages") for r in js_page.requests)


def test_the_own_copy_from_the_browser_opens_on_the_status_page(
    app: Flask, live_server: str, js_page: Any, material: Any
) -> None:
    token = file_with_js_and_copy(js_page, live_server, CANARY)
    assert CANARY.encode() not in js_page.sent()
    case = only_case(app)
    keys = tokens.derive(token, bytes.fromhex(app.config["INSTANCE_SALT"]))
    report = next(cases.envelope_of(r) for r in case.envelopes if r.kind == "report")
    assert_reporter_post_quantum(report, keys)  # the own copy that status.js opens below is post-quantum
    assert json.loads(open_as_handler(case, material.handlers["hbo-ict"])["report"])["description"] == CANARY
    open_status(js_page, live_server, token)
    page = js_page.page
    assert text_of(page, "#own-copy-title") == "Je melding (jouw kopie)"
    assert text_of(page, "[data-copy-description]") == CANARY
    assert text_of(page, "[data-copy-organisation]") == "Stagebedrijf <b>BV</b>"  # text, never markup
    assert page.locator("[data-own-copy] b").count() == 0
    assert page.locator("[data-no-copy]").count() == 0


def test_without_the_box_the_browser_seals_no_copy(app: Flask, live_server: str, js_page: Any) -> None:
    token = file_with_js(js_page, live_server, description=CANARY)
    keys = tokens.derive(token, bytes.fromhex(app.config["INSTANCE_SALT"]))
    for record in only_case(app).envelopes:
        assert crypto.fingerprint(keys.reply_public) not in cases.envelope_of(record).kids()


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_the_own_copy_and_files_without_javascript(
    app: Flask, live_server: str, nojs_page: Any, tmp_path: Path
) -> None:
    page = nojs_page.page
    choose_and_continue(page, live_server, "discrimination.origin")
    assert not page.is_checked("#keep_copy")
    page.fill("#description", CANARY)
    page.check("#keep_copy")
    page.click("button[type=submit]")
    token = str(page.locator("[data-case-token]").get_attribute("data-case-token"))
    assert open_status(nojs_page, live_server, token) == "received"
    assert text_of(page, "[data-copy-description]") == CANARY
    assert only_case(app).id not in str(page.locator("main").text_content())
    file = tmp_path / "foto-notitie.txt"
    file.write_text("notitie", "utf-8")
    page.fill("#message", "Zonder JavaScript, met bijlage")
    page.set_input_files("#attachments", str(file))
    page.click("form[action$='/status/message'] button[type=submit]")
    page.wait_for_selector("[data-message-attachments]")
    assert text_of(page, "[data-message-attachments]") == "Bijlagen: foto-notitie.txt"
    assert [r.kind for r in sorted(only_case(app).envelopes, key=lambda r: r.seq)] == [
        "report",
        "message",
        "attachment",
    ]


def test_the_handler_reads_a_case_with_a_copy_and_a_follow_up_file(
    app: Flask, client: FlaskClient, live_server: str, js_page: Any, material: Any, clock: Clock, tmp_path: Path
) -> None:
    """The case view does not break on the reporter's extra reader, and lists a follow-up's file as an attachment."""
    account = make_account(app, "coordinator", destinations=("hbo-ict",), kid=material.handlers["hbo-ict"].kid)
    log_in(client, clock, account)
    token = file_report(client, description=CANARY, keep_copy="1")
    data = {"token": token, "message": "Met bijlage", "attachments": upload(b"CANARY-later-bestand", "later.txt")}
    assert client.post("/status/message", data=data, content_type="multipart/form-data").status_code == 200
    case = only_case(app)
    key_file, _document = write_key_file(tmp_path, material.handlers["hbo-ict"])
    page = log_in_and_unlock(js_page, live_server, clock, account, case.id, key_file)
    assert page.locator("[data-reader-error]").is_hidden()
    assert page.locator("[data-description]").text_content() == CANARY
    assert page.locator("[data-messages] [data-text]").all_text_contents() == ["Met bijlage"]
    assert page.locator("[data-opened] [data-signature]").all_text_contents() == ["Handtekening geverifieerd"] * 3
    with page.expect_download() as download:
        page.click("[data-attachments] a[download]")
    assert download.value.suggested_filename == "later.txt"
    assert Path(download.value.path()).read_bytes() == b"CANARY-later-bestand"


def test_the_browser_sends_no_follow_up_while_the_stored_x_wing_key_is_not_the_tokens(
    app: Flask, live_server: str, js_page: Any
) -> None:
    token = file_with_js(js_page, live_server, description="Eerste melding")
    intruder = tokens.derive(tokens.generate(), bytes.fromhex(app.config["INSTANCE_SALT"]))
    update_case(app, reply_xwing_key=intruder.reply_xwing_public)
    open_status(js_page, live_server, token)
    page = js_page.page
    page.fill("#message", "Nooit verzegeld voor een ander")
    page.click("[data-message-form] button[type=submit]")
    error = page.wait_for_selector("[data-error-box]:not([hidden]) [data-error]")
    assert "hoort niet bij je code" in str(error.text_content())
    assert page.input_value("#message") == "Nooit verzegeld voor een ander"  # nothing typed is lost
    assert [r.kind for r in only_case(app).envelopes] == ["report"]  # nothing was sent
