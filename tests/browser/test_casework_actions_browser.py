"""A handler answers and forwards a case from their browser; the student sees both; unsigned keys get nothing."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_fixtures import Watched, watch
from browser_helpers import CANARY, assert_reporter_post_quantum, log_in_and_unlock, open_status, write_key_file
from conftest import PASSPHRASE, Account, Clock, file_report, log_in, make_account, publish
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline import auth, cases, crypto, models, tokens
from hotline.keyring import Keyring, key_list_path

REPLY = "CANARY-antwoord-in-de-browser-verzegeld"
INSPECTORATE = "arbeidsinspectie"

# Reads what the workspace keeps in IndexedDB: the key's shape, never its bytes (it has none to give).
KEPT_KEY = """async () => {
  const db = await new Promise((ok, fail) => {
    const request = indexedDB.open("meldpunt-workspace", 1);
    request.onupgradeneeded = () => request.result.createObjectStore("keys");
    request.onsuccess = () => ok(request.result);
    request.onerror = () => fail(request.error);
  });
  const record = await new Promise((ok) => {
    const request = db.transaction("keys").objectStore("keys").get("handler");
    request.onsuccess = () => ok(request.result);
  });
  db.close();
  if (!record) return null;
  const { x25519Private, ed25519Seed } = record.key;
  let exported = true;
  try { await crypto.subtle.exportKey("pkcs8", x25519Private); } catch { exported = false; }
  return {
    types: [x25519Private.constructor.name, ed25519Seed.constructor.name],
    extractable: [x25519Private.extractable, ed25519Seed.extractable],
    exported,
  };
}"""


@pytest.fixture
def coordinator(app: Flask, client: FlaskClient, clock: Clock, material: Any) -> Account:
    """A handler of HBO-ICT with that destination's key, enrolled in TOTP through the test client."""
    account = make_account(app, "coordinator", destinations=("hbo-ict",), kid=material.handlers["hbo-ict"].kid)
    log_in(client, clock, account)
    return account


@pytest.fixture
def filed(app: Flask, client: FlaskClient) -> tuple[str, str]:
    """A report to HBO-ICT filed by a student: (token, case id)."""
    token = file_report(client, description=CANARY)
    session = app.extensions["hotline.sessionmaker"]()
    case_id = session.scalars(select(models.Case.id)).one()
    session.close()
    return token, case_id


@pytest.fixture
def other_page(browser: Any) -> Iterator[Watched]:
    """A second browser, for the student or a colleague; script errors fail the test as on the first."""
    context = browser.new_context()
    watched = watch(context.new_page())
    yield watched
    context.close()
    assert not watched.violations and not watched.errors, (watched.violations, watched.errors)


def stored_case(app: Flask, case_id: str) -> tuple[str, list[str], list[set[str]]]:
    """Return a case's status, routed slugs and each envelope's key ids."""
    session = app.extensions["hotline.sessionmaker"]()
    case = session.get(models.Case, case_id)
    kids = [{wrap["kid"] for wrap in json.loads(record.recipients)} for record in case.envelopes]
    found = (case.status, cases.destination_slugs(case), kids)
    session.close()
    return found


def test_a_handler_answers_and_forwards_and_the_student_sees_both(
    app: Flask,
    live_server: str,
    js_page: Watched,
    other_page: Watched,
    material: Any,
    clock: Clock,
    coordinator: Account,
    filed: tuple[str, str],
    tmp_path: Path,
) -> None:
    token, case_id = filed
    key = material.handlers["hbo-ict"]
    key_file, document = write_key_file(tmp_path, key)
    page = log_in_and_unlock(js_page, live_server, clock, coordinator, case_id, key_file)
    assert page.locator("[data-description]").text_content() == CANARY

    page.fill("#reply-text", REPLY)
    page.click('[data-reply-form] button[value="acknowledge"]')
    page.wait_for_url("**done=acknowledge")
    # Sealed to the X-Wing reply key the report names: the student's wrap is post-quantum too.
    keys = tokens.derive(token, bytes.fromhex(app.config["INSTANCE_SALT"]))
    session = app.extensions["hotline.sessionmaker"]()
    answer = [r for r in session.get(models.Case, case_id).envelopes if r.direction == "to_reporter"]
    assert_reporter_post_quantum(cases.envelope_of(answer[0]), keys)
    session.close()
    # The key kept for the session opens the case again at once, without the file or the passphrase.
    page.wait_for_selector("[data-messages] [data-text]")
    assert page.locator("[data-messages] [data-text]").all_text_contents() == [REPLY]
    assert page.locator("[data-case-status]").get_attribute("data-case-status") == "in_progress"
    kept = {"types": ["CryptoKey", "CryptoKey"], "extractable": [False, False], "exported": False}
    assert page.evaluate(KEPT_KEY) == kept
    page.goto(f"{live_server}/casework/inbox/hbo-ict")
    shown = page.wait_for_selector("[data-key-status]:not([hidden])")
    assert key.name in shown.text_content()
    page.goto(f"{live_server}/casework/case/{case_id}")
    page.wait_for_selector("[data-description]")

    page.select_option("#forward-to", INSPECTORATE)
    page.click("[data-forward-form] button[type=submit]")
    page.wait_for_url("**done=forwarded")
    status, routed, kids = stored_case(app, case_id)
    assert (status, routed) == ("forwarded", ["hbo-ict", INSPECTORATE])
    assert all(material.handlers[INSPECTORATE].kid in envelope for envelope in kids)

    sent = js_page.sent()
    raw = [crypto.raw_private(key.x25519), crypto.raw_private(key.ed25519), key.xwing_seed or b""]
    secrets = [document["ciphertext"], *(crypto.b64e(r) for r in raw), *(r.hex() for r in raw), REPLY, CANARY]
    assert not [secret for secret in secrets if secret.encode() in sent]

    page.click("[data-logout] button[type=submit]")
    page.wait_for_url("**/casework/login")
    assert page.evaluate(KEPT_KEY) is None

    assert open_status(other_page, live_server, token) == "forwarded"
    student = other_page.page
    assert student.locator("[data-messages] [data-text]").all_text_contents() == [REPLY]
    assert student.locator("[data-destinations] li").all_inner_texts() == [
        "HBO-ICT",
        "Nederlandse Arbeidsinspectie (doorgestuurd)",
    ]


@pytest.mark.parametrize("column", ["reply_public_key", "reply_xwing_key"])
def test_a_reply_is_never_sealed_to_a_reply_key_swapped_into_the_database(
    app: Flask,
    live_server: str,
    js_page: Watched,
    material: Any,
    clock: Clock,
    coordinator: Account,
    filed: tuple[str, str],
    tmp_path: Path,
    column: str,
) -> None:
    _token, case_id = filed
    session = app.extensions["hotline.sessionmaker"]()
    swapped = {
        "reply_public_key": crypto.raw_public(X25519PrivateKey.generate()),
        "reply_xwing_key": crypto.xwing_public_bytes(os.urandom(crypto.XWING_SEED_LEN)),  # the X-Wing part only
    }
    setattr(session.get(models.Case, case_id), column, swapped[column])
    session.commit()
    session.close()
    key_file, _document = write_key_file(tmp_path, material.handlers["hbo-ict"])
    page = log_in_and_unlock(js_page, live_server, clock, coordinator, case_id, key_file)
    assert "de database is mogelijk gewijzigd" in page.locator("[data-case-problems]").text_content()
    page.fill("#reply-text", REPLY)
    page.click('[data-reply-form] button[value="acknowledge"]')
    error = page.wait_for_selector("[data-action-error]:not([hidden])")
    assert "Je antwoord is niet verzegeld" in error.text_content()
    assert len(stored_case(app, case_id)[2]) == 1  # the report alone: nothing was sealed


def test_the_new_destination_reads_what_was_forwarded_and_another_programme_sees_nothing(
    app: Flask,
    live_server: str,
    js_page: Watched,
    other_page: Watched,
    material: Any,
    clock: Clock,
    coordinator: Account,
    filed: tuple[str, str],
    tmp_path: Path,
) -> None:
    _token, case_id = filed
    key_file, _document = write_key_file(tmp_path, material.handlers["hbo-ict"])
    page = log_in_and_unlock(js_page, live_server, clock, coordinator, case_id, key_file)
    page.select_option("#forward-to", INSPECTORATE)
    page.click("[data-forward-form] button[type=submit]")
    page.wait_for_url("**done=forwarded")

    liaison = make_account(app, "liaison", destinations=(INSPECTORATE,), kid=material.handlers[INSPECTORATE].kid)
    log_in(app.test_client(), clock, liaison)
    liaison_file = tmp_path / "liaison"
    liaison_file.mkdir()
    inspector_file, _ = write_key_file(liaison_file, material.handlers[INSPECTORATE])
    opened = log_in_and_unlock(other_page, live_server, clock, liaison, case_id, inspector_file)
    assert opened.locator("[data-description]").text_content() == CANARY

    nursing = material.handlers["verpleegkunde"]
    outsider = make_account(app, "outsider", destinations=("verpleegkunde",), kid=nursing.kid)
    outsider_client = app.test_client()
    log_in(outsider_client, clock, outsider)
    response = outsider_client.get(f"/casework/case/{case_id}")
    assert response.status_code == 404 and CANARY not in response.get_data(as_text=True)
    assert outsider_client.get(f"/casework/case/{case_id}/envelopes").status_code == 404


@pytest.fixture
def careless_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the server hand out key lists without checking their signatures, as a compromised one would."""

    def unchecked(self: Keyring, destination: str, min_version: int = 0) -> crypto.KeyList:
        body = json.loads(json.loads(key_list_path(self.keys_dir, destination).read_text())["body"])
        keys = tuple(crypto.PublicKey.from_json(k) for k in body["keys"])
        return crypto.KeyList(destination, body["version"], keys)

    monkeypatch.setattr(Keyring, "verified", unchecked)


def slip_in_unsigned_key(app: Flask, slug: str) -> crypto.PrivateKey:
    """Put a key into a destination's key list on the server without the institution's signature."""
    stranger = crypto.generate_key("Niet ondertekend")
    path = key_list_path(Path(app.config["KEYS_DIR"]), slug)
    document = json.loads(path.read_text())
    body = json.loads(document["body"])
    body["keys"].append(stranger.public.to_json())
    document["body"] = json.dumps(body, sort_keys=True, separators=(",", ":"))
    path.write_text(json.dumps(document))
    return stranger


def test_an_unsigned_key_in_the_new_destination_gets_no_wrap(
    app: Flask,
    live_server: str,
    js_page: Watched,
    material: Any,
    clock: Clock,
    coordinator: Account,
    filed: tuple[str, str],
    tmp_path: Path,
    careless_server: None,
) -> None:
    _token, case_id = filed
    stranger = slip_in_unsigned_key(app, INSPECTORATE)
    key_file, _document = write_key_file(tmp_path, material.handlers["hbo-ict"])
    page = log_in_and_unlock(js_page, live_server, clock, coordinator, case_id, key_file)
    page.select_option("#forward-to", INSPECTORATE)
    page.click("[data-forward-form] button[type=submit]")
    error = page.wait_for_selector("[data-action-error]:not([hidden])")
    assert "niet door de instelling ondertekend" in error.text_content()
    assert not [r for r in js_page.requests if r.method == "POST" and "/forward" in r.url]
    status, routed, kids = stored_case(app, case_id)
    assert (status, routed) == ("received", ["hbo-ict"])
    assert not [envelope for envelope in kids if stranger.kid in envelope]


def test_an_unsigned_key_in_the_case_s_own_list_gets_nothing_sealed(
    app: Flask,
    live_server: str,
    js_page: Watched,
    material: Any,
    clock: Clock,
    coordinator: Account,
    filed: tuple[str, str],
    tmp_path: Path,
    careless_server: None,
) -> None:
    _token, case_id = filed
    stranger = slip_in_unsigned_key(app, "hbo-ict")
    key_file, _document = write_key_file(tmp_path, material.handlers["hbo-ict"])
    page = log_in_and_unlock(js_page, live_server, clock, coordinator, case_id, key_file)
    assert "niet door de instelling ondertekend" in page.locator("[data-reader-error]").text_content()
    assert page.locator("[data-actions]").is_hidden() and page.locator("[data-description]").count() == 0
    assert not [r for r in js_page.requests if r.method == "POST" and "/casework/case/" in r.url]
    _status, _routed, kids = stored_case(app, case_id)
    assert len(kids) == 1 and stranger.kid not in kids[0]


def test_a_new_colleague_gets_every_open_case_from_the_access_page(
    app: Flask,
    client: FlaskClient,
    live_server: str,
    js_page: Watched,
    material: Any,
    clock: Clock,
    coordinator: Account,
    tmp_path: Path,
) -> None:
    for _ in range(3):
        file_report(client, description=CANARY)
    newcomer = crypto.generate_key("Nieuwe collega")
    key = material.handlers["hbo-ict"]
    publish(Path(app.config["KEYS_DIR"]), material, "hbo-ict", [key.public, newcomer.public], version=2)
    session = app.extensions["hotline.sessionmaker"]()
    case_ids = list(session.scalars(select(models.Case.id)))
    session.close()
    key_file, _document = write_key_file(tmp_path, key)
    page = log_in_and_unlock(js_page, live_server, clock, coordinator, case_ids[0], key_file)
    page.goto(f"{live_server}/casework/inbox/hbo-ict")
    page.click("[data-access-link]")
    page.wait_for_selector("[data-access]:not([hidden])")
    assert page.locator("[data-key-form]").is_hidden()  # the key kept for the session does the work
    page.click("[data-grant-all] button[type=submit]")
    page.wait_for_selector("[data-access-notice]:has-text('Klaar')")
    assert page.locator("[data-progress]").get_attribute("value") == "3"
    assert page.locator("[data-access-error]").is_hidden()
    for case_id in case_ids:
        _status, _routed, kids = stored_case(app, case_id)
        assert all(newcomer.kid in envelope for envelope in kids)
    assert CANARY.encode() not in js_page.sent()


def test_a_new_handler_proves_their_key_once_in_the_browser(
    app: Flask, live_server: str, js_page: Watched, material: Any, clock: Clock, client: FlaskClient, tmp_path: Path
) -> None:
    key = material.handlers["hbo-ict"]
    account = make_account(app, "newcomer", destinations=("hbo-ict",), kid=key.kid)
    log_in(client, clock, account, prove=False)  # enrols the authenticator only
    clock.advance(auth.TOTP_STEP_SECONDS)
    page = js_page.page
    page.goto(f"{live_server}/casework/login")
    page.fill("#username", account.username)
    page.fill("#password", account.password)
    page.fill("#code", auth.totp(account.secret or ""))
    page.click("form button[type=submit]")
    page.wait_for_url("**/casework/prove")
    wrong, _ = write_key_file(tmp_path, material.handlers[INSPECTORATE])
    page.set_input_files("#key-file", str(wrong))
    page.fill("#unlock-phrase", PASSPHRASE)
    page.click("[data-key-form] button[type=submit]")
    assert "hoort niet bij je account" in page.wait_for_selector("[data-prove-error]:not([hidden])").text_content()
    right_folder = tmp_path / "right"
    right_folder.mkdir()
    key_file, document = write_key_file(right_folder, key)
    page.set_input_files("#key-file", str(key_file))
    page.fill("#unlock-phrase", PASSPHRASE)
    page.click("[data-key-form] button[type=submit]")
    page.wait_for_url(f"{live_server}/casework/")
    assert page.locator('[data-destination="hbo-ict"]').count() == 1
    session = app.extensions["hotline.sessionmaker"]()
    assert session.get(models.Handler, account.id).proven_kid == key.kid
    session.close()
    raw = [crypto.raw_private(key.x25519), crypto.raw_private(key.ed25519), key.xwing_seed or b""]
    secrets = [PASSPHRASE, document["ciphertext"], *(crypto.b64e(r) for r in raw), *(r.hex() for r in raw)]
    assert not [secret for secret in secrets if secret.encode() in js_page.sent()]


def test_a_valid_rewrap_in_the_browser_heals_a_garbage_forward(
    app: Flask,
    live_server: str,
    js_page: Watched,
    other_page: Watched,
    material: Any,
    clock: Clock,
    client: FlaskClient,
    coordinator: Account,
    filed: tuple[str, str],
    tmp_path: Path,
) -> None:
    _token, case_id = filed
    inspector = material.handlers[INSPECTORATE]
    sealed = client.get(f"/casework/case/{case_id}/envelopes").get_json()
    ids = [crypto.Envelope.from_json({k: v for k, v in e.items() if k != "day"}).id for e in sealed["envelopes"]]
    garbage_wrap = crypto.b64e(os.urandom(crypto.WRAP_LENGTHS[None]))  # an X-Wing wrap's length: the key has one
    garbage = {i: [{"kid": inspector.kid, "wrap": garbage_wrap}] for i in ids}  # a "shadow" forward
    body = {"destination": INSPECTORATE, "wraps": garbage}
    assert client.post(f"/casework/case/{case_id}/forward", json=body).status_code == 201
    key_file, _document = write_key_file(tmp_path, material.handlers["hbo-ict"])
    page = log_in_and_unlock(js_page, live_server, clock, coordinator, case_id, key_file)
    page.click("[data-regrant-form] button[type=submit]")
    page.wait_for_url("**done=granted")
    liaison = make_account(app, "liaison", destinations=(INSPECTORATE,), kid=inspector.kid)
    log_in(app.test_client(), clock, liaison)
    folder = tmp_path / "liaison"
    folder.mkdir()
    inspector_file, _ = write_key_file(folder, inspector)
    opened = log_in_and_unlock(other_page, live_server, clock, liaison, case_id, inspector_file)
    assert opened.locator("[data-description]").text_content() == CANARY  # the JS reader tried each wrap
