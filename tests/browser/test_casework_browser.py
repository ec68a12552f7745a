"""A handler reads a case in their own browser: the key file is unlocked there and never sent."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import CANARY, log_in_and_unlock, write_key_file
from conftest import PASSPHRASE, Account, Clock, file_report, log_in, make_account
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from test_report_keys import FORGED, take_over

from hotline import cases, crypto, models

FOLLOW_UP = "CANARY-aanvulling-van-de-melder"
REPLY = "CANARY-antwoord-van-de-opleiding"
ATTACHMENT = b"CANARY-bijlage\x00\x01\x02 met bytes\n"
UNVERIFIED = "kon niet worden geopend of geverifieerd"


@pytest.fixture
def coordinator(app: Flask, client: FlaskClient, clock: Clock, material: Any) -> Account:
    """A handler of HBO-ICT with that destination's key, enrolled in TOTP through the test client."""
    account = make_account(app, "coordinator", destinations=("hbo-ict",), kid=material.handlers["hbo-ict"].kid)
    log_in(client, clock, account)
    return account


@pytest.fixture
def case_id(app: Flask, client: FlaskClient, material: Any) -> str:
    """File a report with an attachment, a follow-up by the reporter and a reply by the programme."""
    attachment = (io.BytesIO(ATTACHMENT), "bewijs.txt", "text/plain")
    token = file_report(client, description=CANARY, attachments=attachment)
    assert client.post("/status/message", data={"token": token, "message": FOLLOW_UP}).status_code == 200
    session = app.extensions["hotline.sessionmaker"]()
    case = session.scalars(select(models.Case)).one()
    cases.add_reply(session, app.extensions["hotline.keyring"], case, material.handlers["hbo-ict"], REPLY)
    found = case.id
    session.close()
    return found


def test_handler_reads_the_case_with_a_key_that_never_leaves_the_browser(
    live_server: str, js_page: Any, material: Any, clock: Clock, coordinator: Account, case_id: str, tmp_path: Path
) -> None:
    key = material.handlers["hbo-ict"]
    key_file, document = write_key_file(tmp_path, key)
    page = log_in_and_unlock(js_page, live_server, clock, coordinator, case_id, key_file)
    assert page.locator("[data-reader-error]").is_hidden()
    assert page.locator("[data-description]").text_content() == CANARY
    assert page.locator("[data-messages] [data-text]").all_text_contents() == [FOLLOW_UP, REPLY]
    assert page.locator("[data-opened] [data-signature]").all_text_contents() == ["Handtekening geverifieerd"] * 4
    assert page.locator("#unlock-phrase").input_value() == ""
    with page.expect_download() as download:
        page.click("[data-attachments] a[download]")
    assert download.value.suggested_filename == "bewijs.txt"
    assert Path(download.value.path()).read_bytes() == ATTACHMENT
    sent = js_page.sent()
    raw = [crypto.raw_private(key.x25519), crypto.raw_private(key.ed25519), key.xwing_seed or b""]
    secrets = [PASSPHRASE, document["ciphertext"], *(crypto.b64e(r) for r in raw), *(r.hex() for r in raw)]
    assert not [secret for secret in secrets if secret.encode() in sent]
    assert CANARY.encode() not in sent and FOLLOW_UP.encode() not in sent


def test_a_key_of_another_destination_opens_nothing(
    live_server: str, js_page: Any, material: Any, clock: Clock, coordinator: Account, case_id: str, tmp_path: Path
) -> None:
    key_file, _document = write_key_file(tmp_path, material.handlers["arbeidsinspectie"])
    page = log_in_and_unlock(js_page, live_server, clock, coordinator, case_id, key_file)
    assert "Deze sleutel kan deze melding niet openen" in page.locator("[data-reader-error]").text_content()
    assert page.locator("[data-opened]").inner_html() == ""
    assert page.locator("[data-reader-notice]").is_hidden()


def test_a_wrong_passphrase_opens_nothing_and_is_not_kept(
    live_server: str, js_page: Any, material: Any, clock: Clock, coordinator: Account, case_id: str, tmp_path: Path
) -> None:
    key_file, _document = write_key_file(tmp_path, material.handlers["hbo-ict"])
    page = log_in_and_unlock(js_page, live_server, clock, coordinator, case_id, key_file, "verkeerde woorden")
    assert "ontgrendelt dit sleutelbestand niet" in page.locator("[data-reader-error]").text_content()
    assert page.locator("[data-opened]").inner_html() == ""
    assert page.locator("#unlock-phrase").input_value() == ""
    assert b"verkeerde woorden" not in js_page.sent()


def test_a_tampered_report_is_never_shown(
    app: Flask,
    live_server: str,
    js_page: Any,
    material: Any,
    clock: Clock,
    coordinator: Account,
    case_id: str,
    tmp_path: Path,
) -> None:
    session = app.extensions["hotline.sessionmaker"]()
    record = session.scalars(select(models.EnvelopeRecord).where(models.EnvelopeRecord.kind == "report")).one()
    flipped = bytearray(record.ciphertext)
    flipped[len(flipped) // 2] ^= 0x01
    record.ciphertext = bytes(flipped)
    session.commit()
    session.close()
    key_file, _document = write_key_file(tmp_path, material.handlers["hbo-ict"])
    page = log_in_and_unlock(js_page, live_server, clock, coordinator, case_id, key_file)
    assert UNVERIFIED in page.locator("[data-report-entries]").text_content()
    assert page.locator("[data-description]").count() == 0
    assert CANARY not in page.content()
    # Without a report that verifies, no key vouches for the reporter's follow-up; the programme's reply still opens.
    assert page.locator("[data-messages] [data-text]").all_text_contents() == [REPLY]
    assert "De melding zelf kon niet worden geopend" in page.locator("[data-case-problems]").text_content()


def test_a_follow_up_forged_by_a_database_writer_is_refused(
    app: Flask,
    live_server: str,
    js_page: Any,
    material: Any,
    clock: Clock,
    coordinator: Account,
    case_id: str,
    tmp_path: Path,
) -> None:
    take_over(app, resign_report=False)  # an own stored reporter key, the follow-up re-signed, a forged one added
    key_file, _document = write_key_file(tmp_path, material.handlers["hbo-ict"])
    page = log_in_and_unlock(js_page, live_server, clock, coordinator, case_id, key_file)
    assert page.locator("[data-description]").text_content() == CANARY
    assert FORGED not in page.content() and FOLLOW_UP not in page.content()
    assert page.locator("[data-messages] [data-text]").all_text_contents() == [REPLY]
    assert "de database is mogelijk gewijzigd" in page.locator("[data-case-problems]").text_content()


def test_an_old_key_file_of_an_upgraded_key_is_told_to_use_the_upgraded_one(
    app: Flask,
    live_server: str,
    js_page: Any,
    material: Any,
    clock: Clock,
    coordinator: Account,
    case_id: str,
    tmp_path: Path,
) -> None:
    """The key list has the X-Wing key, so the envelopes carry X-Wing wraps; the version 1 file cannot open them."""
    key = material.handlers["hbo-ict"]
    old = crypto.PrivateKey(key.name, key.x25519, key.ed25519)  # the same kid, without the X-Wing seed
    key_file, _document = write_key_file(tmp_path, old)
    page = log_in_and_unlock(js_page, live_server, clock, coordinator, case_id, key_file)
    page.wait_for_selector("[data-failure]")
    shown = page.locator("[data-failure]").all_text_contents()
    assert shown and all("bijgewerkte sleutelbestand (versie 2" in text for text in shown)
    assert CANARY not in page.content()
