"""A database writer cannot pass a message off as the reporter's: readers check the keys the report carries."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from conftest import PASSPHRASE, REPORT, file_report
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from test_api import API, CATEGORY, PROGRAMME, Browser, derive, recipients

from hotline import cases, crypto, db, models, report_keys

FORGED = "Vals bericht van de aanvaller"
Runner = Callable[..., Result]


def file_in_browser(client: FlaskClient, named: bool = True) -> Browser:
    """File a report as report.js does; named=False seals it as browsers did before reports named their key."""
    token, keys = derive(client)
    browser = Browser(token, keys, recipients(client, CATEGORY, PROGRAMME))
    body = browser.report()
    if not named:
        old = {"category": CATEGORY, "programme": PROGRAMME, "description": REPORT["description"]}
        body["report"] = browser.seal(json.dumps(old).encode())
    assert client.post(API + "/reports", json=body).status_code == 201
    return browser


def resigned(record: models.EnvelopeRecord, attacker: Ed25519PrivateKey) -> bytes:
    """Sign a stored envelope again: the signature covers only bytes the database holds."""
    digest = hashlib.sha256(record.nonce + record.ciphertext).digest()
    return attacker.sign(crypto.LABEL_SIG + record.hdr + digest)


def take_over(app: Flask, *, resign_report: bool) -> None:
    """Act as a database writer: an own reporter key, re-signed envelopes and a forged follow-up."""
    attacker = Ed25519PrivateKey.generate()
    with app.app_context():
        session = db.get_session()
        case = session.scalars(select(models.Case)).one()
        case.reporter_signing_key = crypto.raw_public(attacker)
        for record in case.envelopes:
            if record.signer == "reporter" and (resign_report or record.kind != "report"):
                record.signature = resigned(record, attacker)
        readers = cases.readers(session, app.extensions["hotline.keyring"], case)
        forged = crypto.seal(
            json.dumps({"text": FORGED}).encode(),
            kind="message",
            direction="to_handlers",
            reply_public_key=case.reply_public_key,
            recipients=readers.items(),
            signer="reporter",
            signing_key=attacker,
        )
        cases.add_envelope(session, case, forged)


def decrypted(app: Flask, runner: Runner, tmp_path: Path, material: Any) -> Result:
    """Export the one case and open it with the HBO-ICT handler's key file."""
    with app.app_context():
        case_id = db.get_session().scalars(select(models.Case.id)).one()
    bundle = tmp_path / "case.json"
    assert runner("cases", "export", case_id, "-o", str(bundle)).exit_code == 0
    key = tmp_path / "hbo-ict.key.json"
    key.write_text(json.dumps(crypto.export_private_key(material.handlers["hbo-ict"], PASSPHRASE)), "utf-8")
    return runner("decrypt", str(bundle), "--key", str(key), env={"HOTLINE_KEY_PASSPHRASE": PASSPHRASE})


@pytest.mark.parametrize("path", ["form", "browser"])
def test_a_follow_up_signed_with_a_key_swapped_into_the_database_is_refused(
    app: Flask, client: FlaskClient, runner: Runner, tmp_path: Path, material: Any, path: str
) -> None:
    file_report(client) if path == "form" else file_in_browser(client)
    take_over(app, resign_report=False)
    result = decrypted(app, runner, tmp_path, material)
    assert result.exit_code == 1
    assert REPORT["description"] in result.output and FORGED not in result.output
    assert "[could not be opened or verified: BadSignature]" in result.output
    assert "signing key stored with the case is not the report's" in result.output


@pytest.mark.parametrize("path", ["form", "browser"])
def test_a_report_signed_again_by_a_database_writer_vouches_for_nothing(
    app: Flask, client: FlaskClient, runner: Runner, tmp_path: Path, material: Any, path: str
) -> None:
    file_report(client) if path == "form" else file_in_browser(client)
    take_over(app, resign_report=True)
    result = decrypted(app, runner, tmp_path, material)
    assert result.exit_code == 1
    assert FORGED not in result.output and REPORT["description"] not in result.output
    assert "the report does not open or verify (BadSignature)" in result.output


def test_a_second_report_added_by_a_database_writer_vouches_for_nothing(
    app: Flask, client: FlaskClient, runner: Runner, tmp_path: Path, material: Any
) -> None:
    file_report(client)
    attacker = Ed25519PrivateKey.generate()
    with app.app_context():
        session = db.get_session()
        case = session.scalars(select(models.Case)).one()
        readers = cases.readers(session, app.extensions["hotline.keyring"], case)
        own = {"description": "Vals", report_keys.REPORTER_KEY: crypto.b64e(crypto.raw_public(attacker))}
        for kind, text in (("report", own), ("message", {"text": FORGED})):
            envelope = crypto.seal(
                json.dumps(text).encode(),
                kind=kind,
                direction="to_handlers",
                reply_public_key=case.reply_public_key,
                recipients=readers.items(),
                signer="reporter",
                signing_key=attacker,
            )
            cases.add_envelope(session, case, envelope)
    result = decrypted(app, runner, tmp_path, material)
    assert result.exit_code == 1 and FORGED not in result.output
    assert "the case holds 2 reports instead of one" in result.output


def test_a_cli_reply_is_never_sealed_to_a_reply_key_swapped_into_the_database(
    app: Flask, client: FlaskClient, runner: Runner, tmp_path: Path, material: Any
) -> None:
    file_report(client)
    attacker = crypto.raw_public(X25519PrivateKey.generate())
    with app.app_context():
        session = db.get_session()
        case = session.scalars(select(models.Case)).one()
        case_id, case.reply_public_key = case.id, attacker
        session.commit()
    key = tmp_path / "hbo-ict.key.json"
    key.write_text(json.dumps(crypto.export_private_key(material.handlers["hbo-ict"], PASSPHRASE)), "utf-8")
    env = {"HOTLINE_KEY_PASSPHRASE": PASSPHRASE}
    result = runner("cases", "reply", case_id, "--key", str(key), "--message", "Antwoord", env=env)
    assert result.exit_code != 0 and "reply key stored with the case is not the report's" in result.output
    with app.app_context():
        sealed = [json.loads(r) for r in db.get_session().scalars(select(models.EnvelopeRecord.recipients))]
    assert all(crypto.fingerprint(attacker) not in {item["kid"] for item in wraps} for wraps in sealed)


def test_an_old_report_stays_readable_and_its_follow_ups_say_which_key_checked_them(
    app: Flask, client: FlaskClient, runner: Runner, tmp_path: Path, material: Any
) -> None:
    browser = file_in_browser(client, named=False)
    assert client.post(API + "/cases/messages", json=browser.message("Nog een detail.")).status_code == 201
    result = decrypted(app, runner, tmp_path, material)
    assert result.exit_code == 0, result.output
    assert REPORT["description"] in result.output and "Nog een detail." in result.output
    assert result.output.count(f"[{report_keys.UNBOUND_NOTE}]") == 2


def test_the_status_page_checks_the_reporters_own_messages_against_the_token(app: Flask, client: FlaskClient) -> None:
    token = file_report(client)
    take_over(app, resign_report=False)
    body = client.post("/status", data={"token": token}).get_data(as_text=True)
    assert FORGED not in body
    assert "kon niet worden geopend of is niet echt" in body
