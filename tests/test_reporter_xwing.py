"""The reporter's reply key has an X-Wing part (issue 17): their own copy, their follow-ups' own copies and every reply
to them are post-quantum too, and a case filed before keeps its classical reporter wraps.

docs/formats.md, "Case tokens" and "The keys a reader checks against", is the spec.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import DemoMaterial, file_report, post_multipart
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from test_api import CATEGORY, PROGRAMME, Browser, derive, post, recipients
from test_api import browser as browser  # noqa: F401  (a fixture)
from test_status_page import case_keys, only_case, status_page

from hotline import cases, crypto, db, models, report_keys, tokens

SALT = b"s" * 16


def reporter_wrap(envelope: crypto.Envelope, keys: tokens.CaseKeys) -> dict[str, str]:
    (wrap,) = [r for r in envelope.recipients if r["kid"] == crypto.fingerprint(keys.reply_public)]
    return wrap


def reply(app: Flask, material: DemoMaterial, case_id: str, text: str) -> crypto.Envelope:
    """Seal a handler's reply as `hotline cases reply` does; return it."""
    with app.app_context():
        session = db.get_session()
        case = cases.get_case(session, case_id)
        cases.add_reply(session, app.extensions["hotline.keyring"], case, material.handlers["hbo-ict"], text)
        session.commit()
        records = [r for r in cases.get_case(session, case_id).envelopes if r.direction == "to_reporter"]
        return cases.envelope_of(records[-1])


def test_the_token_gives_a_reply_x_wing_key_of_its_own() -> None:
    token = tokens.generate()
    keys, again, other = tokens.derive(token, SALT), tokens.derive(token, SALT), tokens.derive(token, b"t" * 16)
    assert len(keys.reply_xwing_seed) == 32 and keys.reply_xwing_seed == again.reply_xwing_seed
    assert keys.reply_xwing_seed not in (other.reply_xwing_seed, crypto.raw_private(keys.reply_key), keys.lookup_key)
    assert keys.reply_xwing_public == crypto.xwing_public_bytes(keys.reply_xwing_seed)
    assert keys.reader() == crypto.Reader(keys.reply_public, keys.reply_xwing_public)
    assert keys.reader(post_quantum=False) == crypto.Reader(keys.reply_public)
    assert keys.opening_key.kid == crypto.fingerprint(keys.reply_public)  # the same kid: one reader, two wraps kinds


def test_a_report_filed_without_javascript_names_the_key_and_seals_the_own_copy_post_quantum(
    app: Flask, client: FlaskClient, session: Any
) -> None:
    token = file_report(client, keep_copy="1")
    case, keys = only_case(session), case_keys(app, token)
    assert case.reply_xwing_key == keys.reply_xwing_public
    report = cases.envelope_of(next(r for r in case.envelopes if r.kind == "report"))
    assert report.header.version == 2 and "kem" not in reporter_wrap(report, keys)
    assert len(crypto.b64d(reporter_wrap(report, keys)["wrap"])) == crypto.WRAP_LENGTHS[None]
    with pytest.raises(crypto.DecryptionFailed, match="X-Wing"):  # the classical reply key alone: no wrap for it
        crypto.open_envelope(report, keys.reply_key, verify_key={"reporter": keys.signing_public}.get)
    plaintext = crypto.open_envelope(report, keys.opening_key, verify_key={"reporter": keys.signing_public}.get)
    assert json.loads(plaintext)[report_keys.REPLY_XWING_KEY] == crypto.b64e(keys.reply_xwing_public)
    assert "data-copy-description>" in status_page(client, token)
    bundle = cases.export_bundle(case, {}, {})
    assert bundle["case"]["reply_xwing_key"] == crypto.b64e(keys.reply_xwing_public)


def test_replies_and_follow_ups_reach_the_reporter_post_quantum(
    app: Flask, client: FlaskClient, session: Any, material: DemoMaterial
) -> None:
    token = file_report(client)
    case_id, keys = only_case(session).id, case_keys(app, token)
    answer = reply(app, material, case_id, "We nemen contact op.")
    assert answer.header.version == 2 and "kem" not in reporter_wrap(answer, keys)
    assert "We nemen contact op." in status_page(client, token)
    assert post_multipart(client, "/status/message", {"token": token, "message": "Dank je."}).status_code == 200
    session.rollback()
    follow_up = cases.envelope_of(
        next(r for r in only_case(session).envelopes if r.kind == "message" and r.direction == "to_handlers")
    )
    assert "kem" not in reporter_wrap(follow_up, keys)
    page = status_page(client, token)
    assert "Dank je." in page and "We nemen contact op." in page


def test_a_case_filed_before_keeps_classical_reporter_wraps_everywhere(
    app: Flask, client: FlaskClient, session: Any, material: DemoMaterial, browser: Browser
) -> None:
    """A browser of before issue 17: no reply_xwing_key, and a report that names none."""
    assert post(client, "/reports", browser.report()).status_code == 201
    case = only_case(session)
    assert case.reply_xwing_key is None
    answer = reply(app, material, case.id, "Een antwoord als vroeger.")
    assert answer.header.version == 2 and reporter_wrap(answer, browser.keys).get("kem") == "x25519"
    assert "Een antwoord als vroeger." in status_page(client, browser.token)
    assert post_multipart(client, "/status/message", {"token": browser.token, "message": "Vervolg."}).status_code == 200
    assert "Vervolg." in status_page(client, browser.token)
    found = post(client, "/cases/lookup", browser.lookup).get_json()
    assert found["reply_xwing_key"] is None


def test_an_x_wing_key_swapped_in_the_database_stops_replies_not_the_reporter(
    app: Flask, client: FlaskClient, session: Any, material: DemoMaterial
) -> None:
    token = file_report(client)
    case, keys = only_case(session), case_keys(app, token)
    intruder = tokens.derive(tokens.generate(), SALT)
    case.reply_xwing_key = intruder.reply_xwing_public
    session.commit()
    envelopes = [cases.envelope_of(r) for r in case.envelopes]
    handler = material.handlers["hbo-ict"]
    found = report_keys.from_report(
        envelopes, case.reporter_signing_key, case.reply_public_key, handler, stored_xwing=case.reply_xwing_key
    )
    assert found.reply_xwing == keys.reply_xwing_public  # the report's, never the stored one
    assert any("X-Wing reply key stored with the case" in problem for problem in found.problems)
    with pytest.raises(report_keys.UntrustedReport, match="X-Wing"):
        reply(app, material, case.id, "Nooit verzegeld.")
    # The reporter's own side seals to the token's key, whatever the database says.
    assert post_multipart(client, "/status/message", {"token": token, "message": "Toch."}).status_code == 200
    session.rollback()
    follow_up = cases.envelope_of(
        next(r for r in only_case(session).envelopes if r.kind == "message" and r.direction == "to_handlers")
    )
    own = crypto.open_envelope(follow_up, keys.opening_key, verify_key={"reporter": keys.signing_public}.get)
    assert json.loads(own)["text"] == "Toch."
    swapped = crypto.PrivateKey("intruder", keys.reply_key, keys.signing_key, intruder.reply_xwing_seed)
    with pytest.raises(crypto.DecryptionFailed):  # the wrap is not to the X-Wing key the database was given
        crypto.open_envelope(follow_up, swapped, verify_key={"reporter": keys.signing_public}.get)


def with_x_wing(browser: Browser, own: crypto.Reader | None) -> dict[str, Any]:
    """A report body as report.js makes it: the reply X-Wing key named and sent; own is the own copy's reader."""
    payload = {
        "category": CATEGORY,
        "programme": PROGRAMME,
        "description": "Kwantumveilig gemeld.",
        report_keys.REPORTER_KEY: crypto.b64e(browser.keys.signing_public),
        report_keys.REPLY_XWING_KEY: crypto.b64e(browser.keys.reply_xwing_public),
    }
    readers = browser.readers() | ({crypto.fingerprint(own.x25519): own} if own else {})
    report = browser.seal(json.dumps(payload).encode(), recipients=readers)
    return browser.report(report=report, reply_xwing_key=crypto.b64e(browser.keys.reply_xwing_public))


def test_the_api_stores_the_key_and_holds_the_own_copy_to_an_x_wing_wrap(
    client: FlaskClient, session: Any, browser: Browser
) -> None:
    classical = with_x_wing(browser, browser.keys.reader(post_quantum=False))
    refused = post(client, "/reports", classical)
    assert refused.status_code == 400 and refused.get_json()["field"] == "report"
    assert session.scalar(select(func.count()).select_from(models.Case)) == 0
    assert post(client, "/reports", with_x_wing(browser, browser.keys.reader())).status_code == 201
    case = only_case(session)
    assert case.reply_xwing_key == browser.keys.reply_xwing_public
    found = post(client, "/cases/lookup", browser.lookup).get_json()
    assert found["reply_xwing_key"] == crypto.b64e(browser.keys.reply_xwing_public)
    own_copy = crypto.Envelope.from_json(found["own_copy"])
    assert "kem" not in reporter_wrap(own_copy, browser.keys)
    # A follow-up's own copy is held to the stored key's kind too: classical is refused, X-Wing taken.
    message = browser.message("Nog iets.")
    assert post(client, "/cases/messages", message).status_code == 400
    readers = browser.readers() | {crypto.fingerprint(browser.keys.reply_public): browser.keys.reader()}
    sealed = browser.seal(json.dumps({"text": "Nog iets."}).encode(), "message", recipients=readers)
    assert post(client, "/cases/messages", browser.lookup | {"envelope": sealed}).status_code == 201


@pytest.mark.parametrize(
    "value", ["nope", crypto.b64e(b"\x00" * 32), crypto.b64e(b"\xff" * crypto.XWING_PUBLIC_LEN), 7]
)
def test_a_malformed_x_wing_key_is_refused_by_name(client: FlaskClient, session: Any, value: Any) -> None:
    _token, keys = derive(client)
    browser = Browser(_token, keys, recipients(client, CATEGORY, PROGRAMME))
    answer = post(client, "/reports", browser.report(reply_xwing_key=value))
    assert answer.status_code == 400 and answer.get_json()["field"] == "reply_xwing_key"
    assert session.scalar(select(func.count()).select_from(models.Case)) == 0
