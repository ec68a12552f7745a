"""The "shadow" account: one account per key, proof of possession before any case, and re-wraps beside bad ones."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import Account, Clock, DemoMaterial, challenge_of, file_report, log_in, make_account, prove_key, publish
from flask import Flask
from flask.testing import FlaskClient
from handler_browser import bundle, forward, wraps_for
from sqlalchemy import select

from hotline import accounts, cases, crypto
from hotline import bundle as bundles
from hotline.models import Case, Handler

PROGRAMME = "hbo-ict"
INSPECTORATE = "arbeidsinspectie"


@pytest.fixture
def case_id(client: FlaskClient, session: Any) -> str:
    """A report to the HBO-ICT programme, filed by a student."""
    file_report(client)
    found: str = session.scalars(select(Case.id)).one()
    return found


def test_an_admin_cannot_make_a_second_account_on_a_handlers_kid(
    app: Flask, handler_account: Account, material: DemoMaterial
) -> None:
    with pytest.raises(accounts.AccountError) as refused:
        make_account(app, "shadow", destinations=(PROGRAMME,), kid=material.handlers[PROGRAMME].kid[:12])
    assert refused.value.code == "kid_taken" and "coordinator" in str(refused.value)


def test_deactivating_an_account_frees_its_kid_for_a_new_account_that_must_prove_again(
    app: Flask, client: FlaskClient, clock: Clock, handler_account: Account, material: DemoMaterial, session: Any
) -> None:
    log_in(client, clock, handler_account)
    accounts.deactivate(session, session.get(Handler, handler_account.id))
    assert session.get(Handler, handler_account.id).kid is None
    again = make_account(app, "coordinator-2", destinations=(PROGRAMME,), kid=material.handlers[PROGRAMME].kid)
    assert session.get(Handler, again.id).proven_kid is None


def test_a_shadow_account_cannot_prove_the_key_and_so_lists_and_fetches_no_case(
    app: Flask, client: FlaskClient, clock: Clock, material: DemoMaterial, case_id: str, session: Any
) -> None:
    shadow = make_account(app, "shadow", destinations=(PROGRAMME,), kid=material.handlers[PROGRAMME].kid)
    log_in(client, clock, shadow, prove=False)
    own = crypto.generate_key("Schaduw")  # the admin has every public key, but no private one
    assert prove_key(client, shadow, own).status_code == 400
    page = client.get("/casework/prove")
    forged = crypto.b64e(os.urandom(64))
    assert client.post("/casework/prove", json={"signature": forged}).status_code == 400
    assert challenge_of(page)
    for url in ("/casework/", f"/casework/inbox/{PROGRAMME}", f"/casework/case/{case_id}/envelopes"):
        assert client.get(url).headers["Location"].endswith("/casework/prove"), url
    assert client.post(f"/casework/case/{case_id}/grant", json={"wraps": {}}).status_code == 403
    assert session.get(Handler, shadow.id).proven_kid is None


def test_a_challenge_is_signed_once_and_only_while_fresh(
    app: Flask, client: FlaskClient, clock: Clock, handler_account: Account, material: DemoMaterial
) -> None:
    log_in(client, clock, handler_account, prove=False)
    key = material.handlers[PROGRAMME]
    challenge = challenge_of(client.get("/casework/prove"))
    clock.advance(app.config["KEY_PROOF_MINUTES"] * 60 + 1)
    late = crypto.b64e(crypto.sign_possession(key, challenge, handler_account.id))
    assert client.post("/casework/prove", json={"signature": late}).status_code == 400
    assert client.post("/casework/prove", json={"signature": late}).status_code == 400  # no challenge left
    assert prove_key(client, handler_account, key).status_code == 200
    assert client.get("/casework/").status_code == 200


def test_a_valid_rewrap_after_a_garbage_forward_is_accepted_and_opens(
    client: FlaskClient, clock: Clock, handler_account: Account, material: DemoMaterial, case_id: str, session: Any
) -> None:
    log_in(client, clock, handler_account)
    inspector = material.handlers[INSPECTORATE]
    sealed = bundle(client, case_id)
    # What the "shadow" posted: an X-Wing wrap's length, as the inspector's key has an X-Wing key (envelope v2)
    random_wrap = [{"kid": inspector.kid, "wrap": crypto.b64e(os.urandom(crypto.WRAP_LENGTHS[None]))}]
    garbage = {envelope.id: random_wrap for _day, envelope in bundles.envelopes(sealed) if envelope}
    forwarded = client.post(f"/casework/case/{case_id}/forward", json={"destination": INSPECTORATE, "wraps": garbage})
    assert forwarded.status_code == 201  # the server cannot tell a garbage wrap from a good one
    rewraps = wraps_for(bundle(client, case_id), material.handlers[PROGRAMME], [inspector.public], again=True)
    response = client.post(f"/casework/case/{case_id}/grant", json={"wraps": rewraps})
    assert response.status_code == 201, response.get_json()
    session.expire_all()
    case = cases.get_case(session, case_id)
    reporter = {"reporter": case.reporter_signing_key}.get
    opened = crypto.open_envelope(cases.envelope_of(case.envelopes[0]), inspector, verify_key=reporter)
    assert json.loads(opened)["description"]
    stored = bundles.envelopes(bundle(client, case_id))
    assert all(envelope is not None and envelope.kids().count(inspector.kid) == 2 for _day, envelope in stored)


def test_a_handler_whose_key_left_the_signed_list_cannot_add_wraps(
    app: Flask, client: FlaskClient, clock: Clock, handler_account: Account, material: DemoMaterial, case_id: str
) -> None:
    log_in(client, clock, handler_account)
    key, newcomer = material.handlers[PROGRAMME], crypto.generate_key("Nieuwe collega")
    wraps = wraps_for(bundle(client, case_id), key, [newcomer.public])
    publish(Path(app.config["KEYS_DIR"]), material, PROGRAMME, [newcomer.public], version=2)
    response = client.post(f"/casework/case/{case_id}/grant", json={"wraps": wraps})
    assert response.status_code == 400 and "your key" in response.get_json()["error"]


def test_a_forward_needs_no_new_wrap_for_a_key_that_already_reads_the_case(
    app: Flask, client: FlaskClient, clock: Clock, handler_account: Account, material: DemoMaterial, case_id: str
) -> None:
    own, inspector = material.handlers[PROGRAMME], material.handlers[INSPECTORATE]
    publish(Path(app.config["KEYS_DIR"]), material, INSPECTORATE, [inspector.public, own.public], version=2)
    log_in(client, clock, handler_account)
    response = forward(client, case_id, own, INSPECTORATE)  # wraps only for the inspector: the own key has one
    assert response.status_code == 201, response.get_json()
