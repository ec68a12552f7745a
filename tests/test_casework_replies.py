"""Replies sealed in the handler's browser, the status workflow, forwarding and access for colleagues."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import Account, Clock, DemoMaterial, file_report, log_in, make_account, publish
from flask import Flask
from flask.testing import FlaskClient
from handler_browser import bundle, forward, readers, seal_reply, send_reply, wraps_for
from sqlalchemy import select

from hotline import cases, crypto, tokens
from hotline.keyring import key_list_path
from hotline.models import AuditEvent, Case, EnvelopeRecord

PROGRAMME = "verpleegkunde"
INSPECTORATE = "arbeidsinspectie"


@pytest.fixture
def handler(app: Flask, material: DemoMaterial) -> Account:
    return make_account(app, "coordinator-vp", destinations=(PROGRAMME,), kid=material.handlers[PROGRAMME].kid)


@pytest.fixture
def liaison(app: Flask, material: DemoMaterial) -> Account:
    return make_account(app, "liaison", destinations=(INSPECTORATE,), kid=material.handlers[INSPECTORATE].kid)


@pytest.fixture
def filed(client: FlaskClient, session: Any) -> tuple[str, str]:
    """A report to the nursing programme, filed on the server path: (token, case id)."""
    token = file_report(client, programme=PROGRAMME)
    return token, session.scalars(select(Case.id)).one()


@pytest.fixture
def key(material: DemoMaterial) -> crypto.PrivateKey:
    return material.handlers[PROGRAMME]


def status_page(app: Flask, token: str) -> str:
    """Return the student's status page for a token, on the server path."""
    response = app.test_client().post("/status", data={"token": token})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def actions(session: Any, case_id: str) -> list[tuple[str, str | None]]:
    query = select(AuditEvent.action, AuditEvent.detail).where(AuditEvent.case_id == case_id)
    return [(a, d) for a, d in session.execute(query.order_by(AuditEvent.seq)) if a != "opened"]


def envelope_count(session: Any, case_id: str) -> int:
    session.expire_all()
    return len(session.get(Case, case_id).envelopes)


def test_a_reply_reaches_the_student_verified_and_is_audited(
    app: Flask, client: FlaskClient, clock: Clock, handler: Account, key: crypto.PrivateKey, filed: Any, session: Any
) -> None:
    token, case_id = filed
    log_in(client, clock, handler)
    response = send_reply(client, case_id, key, "We nemen contact op met het stagebedrijf.")
    assert response.status_code == 201 and response.get_json() == {"status": "in_progress"}
    page = status_page(app, token)
    assert "We nemen contact op met het stagebedrijf." in page and "Verpleegkunde" in page
    assert actions(session, case_id) == [("replied", None), ("status_changed", "in_progress")]
    session.expire_all()
    case = session.get(Case, case_id)
    assert case.acknowledged_on == case.feedback_on == cases.today()


def test_acknowledging_with_a_reply_takes_the_case_in_progress(
    app: Flask, client: FlaskClient, clock: Clock, handler: Account, key: crypto.PrivateKey, filed: Any, session: Any
) -> None:
    token, case_id = filed
    log_in(client, clock, handler)
    assert send_reply(client, case_id, key, "Ontvangen.", action="acknowledge").get_json() == {"status": "in_progress"}
    session.expire_all()
    case = session.get(Case, case_id)
    assert (case.acknowledged_on, case.feedback_on) == (cases.today(), None)  # receipt only: no answer yet
    assert 'data-case-status="in_progress"' in status_page(app, token)
    assert actions(session, case_id) == [("replied", None), ("status_changed", "in_progress")]


def test_closing_sends_the_summary_and_the_student_sees_it_as_such(
    app: Flask, client: FlaskClient, clock: Clock, handler: Account, key: crypto.PrivateKey, filed: Any, session: Any
) -> None:
    token, case_id = filed
    log_in(client, clock, handler)
    assert send_reply(client, case_id, key, "Het bedrijf is aangesproken.", action="close").status_code == 201
    page = status_page(app, token)
    assert 'data-case-status="closed"' in page
    assert "Afsluitende samenvatting" in page and "Het bedrijf is aangesproken." in page
    again = send_reply(client, case_id, key, "Nog iets.")
    assert again.status_code == 409 and envelope_count(session, case_id) == 2


def test_the_api_lookup_carries_the_reply_for_the_browser_to_open(
    app: Flask, client: FlaskClient, clock: Clock, handler: Account, key: crypto.PrivateKey, filed: Any
) -> None:
    token, case_id = filed
    log_in(client, clock, handler)
    send_reply(client, case_id, key, "Antwoord via de API.")
    keys = tokens.derive(token, bytes.fromhex(app.config["INSTANCE_SALT"]))
    found = app.test_client().post("/api/v1/cases/lookup", json={"lookup_key": crypto.b64e(keys.lookup_key)})
    (message,) = found.get_json()["messages"]
    envelope = crypto.Envelope.from_json(message["envelope"])
    opened = crypto.open_envelope(envelope, keys.opening_key, verify_key={key.kid: key.public.ed25519}.get)
    assert json.loads(opened) == {"text": "Antwoord via de API.", "about": "reply"}


def tamper(envelope: dict[str, Any], change: str, key: crypto.PrivateKey, other: crypto.PrivateKey, bundle: Any) -> Any:
    """Return a reply that the server must refuse, made wrong in one way."""
    if change == "signer":
        return seal_reply(bundle, other, "Ik ben iemand anders.")
    if change == "signature":
        envelope["sig"]["value"] = crypto.b64e(bytes(64))
    if change == "missing reader":
        envelope["recipients"] = envelope["recipients"][:-1]
    if change == "unsigned reader":
        stranger = crypto.generate_key("Niet ondertekend")
        return seal_reply(bundle, key, "x", to=readers(bundle) | {stranger.kid: stranger.public.x25519})
    if change == "another case":
        stranger = crypto.generate_key("Andere melding")
        return seal_reply(
            bundle | {"case": bundle["case"] | {"reply_public_key": crypto.b64e(stranger.public.x25519)}}, key, "x"
        )
    if change == "not an envelope":
        return {"v": 1, "hdr": "AAAA"}
    return envelope


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("signer", "must be signed by your own key"),
        ("signature", "does not verify"),
        ("missing reader", "not sealed to exactly"),
        ("unsigned reader", "not sealed to exactly"),
        ("another case", "bound to another reply key"),
        ("not an envelope", "not a well-formed envelope"),
    ],
)
def test_a_reply_the_reporter_could_not_trust_is_refused(
    client: FlaskClient,
    clock: Clock,
    handler: Account,
    key: crypto.PrivateKey,
    material: DemoMaterial,
    filed: Any,
    session: Any,
    change: str,
    reason: str,
) -> None:
    _token, case_id = filed
    log_in(client, clock, handler)
    case_bundle = bundle(client, case_id)
    envelope = tamper(seal_reply(case_bundle, key, "x"), change, key, material.handlers["hbo-ict"], case_bundle)
    response = client.post(f"/casework/case/{case_id}/messages", json={"action": "reply", "envelope": envelope})
    assert response.status_code == 400 and reason in response.get_json()["error"]
    assert envelope_count(session, case_id) == 1 and actions(session, case_id) == []


@pytest.mark.parametrize("body", [None, [], {"action": "delete"}, {"action": "reply"}])
def test_a_malformed_reply_request_gets_a_400_that_names_the_field(
    client: FlaskClient, clock: Clock, handler: Account, filed: Any, body: Any
) -> None:
    _token, case_id = filed
    log_in(client, clock, handler)
    response = client.post(f"/casework/case/{case_id}/messages", json=body)
    assert response.status_code == 400 and response.get_json()["error"]


def test_the_same_reply_twice_is_a_conflict(
    client: FlaskClient, clock: Clock, handler: Account, key: crypto.PrivateKey, filed: Any, session: Any
) -> None:
    _token, case_id = filed
    log_in(client, clock, handler)
    envelope = seal_reply(bundle(client, case_id), key, "Eén keer.")
    url = f"/casework/case/{case_id}/messages"
    assert client.post(url, json={"action": "reply", "envelope": envelope}).status_code == 201
    assert client.post(url, json={"action": "reply", "envelope": envelope}).status_code == 409
    assert envelope_count(session, case_id) == 2


def test_a_handler_whose_key_was_taken_off_the_list_cannot_reply(
    app: Flask,
    client: FlaskClient,
    clock: Clock,
    handler: Account,
    key: crypto.PrivateKey,
    material: DemoMaterial,
    filed: Any,
    session: Any,
) -> None:
    _token, case_id = filed
    log_in(client, clock, handler)
    envelope_bundle = bundle(client, case_id)
    successor = crypto.generate_key("Opvolger")
    publish(Path(app.config["KEYS_DIR"]), material, PROGRAMME, [successor.public], version=2)
    envelope = seal_reply(envelope_bundle, key, "x")
    response = client.post(f"/casework/case/{case_id}/messages", json={"action": "reply", "envelope": envelope})
    assert response.status_code == 400 and "not in the signed key list" in response.get_json()["error"]
    assert envelope_count(session, case_id) == 1


def test_a_key_list_that_no_longer_verifies_stops_the_reply(
    app: Flask, client: FlaskClient, clock: Clock, handler: Account, key: crypto.PrivateKey, filed: Any, session: Any
) -> None:
    _token, case_id = filed
    log_in(client, clock, handler)
    envelope = seal_reply(bundle(client, case_id), key, "x")
    path = key_list_path(Path(app.config["KEYS_DIR"]), PROGRAMME)
    document = json.loads(path.read_text())
    document["signature"] = crypto.b64e(bytes(64))
    path.write_text(json.dumps(document))
    response = client.post(f"/casework/case/{case_id}/messages", json={"action": "reply", "envelope": envelope})
    assert response.status_code == 503 and envelope_count(session, case_id) == 1


def test_forwarding_gives_the_new_destination_every_envelope_and_the_student_sees_to_whom(
    app: Flask,
    client: FlaskClient,
    clock: Clock,
    handler: Account,
    liaison: Account,
    key: crypto.PrivateKey,
    material: DemoMaterial,
    filed: Any,
    session: Any,
) -> None:
    token, case_id = filed
    log_in(client, clock, handler)
    response = forward(client, case_id, key, INSPECTORATE)
    assert response.status_code == 201 and response.get_json() == {"status": "forwarded", "destination": INSPECTORATE}
    assert actions(session, case_id) == [("forwarded", INSPECTORATE)]
    page = status_page(app, token)
    assert 'data-case-status="forwarded"' in page and "Nederlandse Arbeidsinspectie" in page and "doorgestuurd" in page
    liaison_client = app.test_client()
    log_in(liaison_client, clock, liaison)
    assert liaison_client.get(f"/casework/case/{case_id}").status_code == 200
    inspector = material.handlers[INSPECTORATE]
    reporter = {"reporter": session.get(Case, case_id).reporter_signing_key}
    for record in session.scalars(select(EnvelopeRecord).where(EnvelopeRecord.case_id == case_id)):
        opened = crypto.open_envelope(cases.envelope_of(record), inspector, verify_key=reporter.get)
        assert json.loads(opened)["programme"] == PROGRAMME
    assert (
        send_reply(liaison_client, case_id, inspector, "Wij onderzoeken dit.", action="acknowledge").status_code == 201
    )
    assert "Wij onderzoeken dit." in status_page(app, token)


def test_the_reporter_s_follow_up_after_a_forward_is_sealed_to_the_new_destination(
    app: Flask, client: FlaskClient, clock: Clock, handler: Account, key: crypto.PrivateKey, filed: Any, session: Any
) -> None:
    token, case_id = filed
    log_in(client, clock, handler)
    forward(client, case_id, key, INSPECTORATE)
    app.test_client().post("/status/message", data={"token": token, "message": "Aanvulling."})
    session.expire_all()
    follow_up = session.get(Case, case_id).envelopes[-1]
    assert follow_up.direction == "to_handlers"
    keys = app.extensions["hotline.keyring"]
    assert set(cases.envelope_of(follow_up).kids()) == set(cases.readers(session, keys, session.get(Case, case_id)))


def forward_body(client: FlaskClient, case_id: str, key: crypto.PrivateKey, material: DemoMaterial) -> dict[str, Any]:
    case_bundle = bundle(client, case_id)
    return {"destination": INSPECTORATE, "wraps": wraps_for(case_bundle, key, [material.handlers[INSPECTORATE].public])}


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ("no wraps", 400),
        ("an unsigned key", 400),
        ("a short wrap", 400),
        ("another case's envelope", 400),
        ("unknown destination", 400),
        ("recovery", 400),
        ("already routed", 409),
    ],
)
def test_a_forward_that_would_leave_or_add_the_wrong_readers_is_refused(
    client: FlaskClient,
    clock: Clock,
    handler: Account,
    key: crypto.PrivateKey,
    material: DemoMaterial,
    filed: Any,
    session: Any,
    recovery: crypto.PrivateKey,
    change: str,
    status: int,
) -> None:
    _token, case_id = filed
    log_in(client, clock, handler)
    body = forward_body(client, case_id, key, material)
    (envelope_id,) = body["wraps"]
    if change == "no wraps":
        body["wraps"] = {}
    if change == "an unsigned key":
        stranger = crypto.generate_key("Niet ondertekend")
        body["wraps"][envelope_id] += wraps_for(bundle(client, case_id), key, [stranger.public])[envelope_id]
    if change == "a short wrap":
        body["wraps"][envelope_id][0]["wrap"] = crypto.b64e(bytes(40))
    if change == "another case's envelope":
        body["wraps"]["0" * 32] = body["wraps"].pop(envelope_id)
    if change == "unknown destination":
        body["destination"] = "nergens"
    if change == "recovery":
        body["destination"] = "herstel"
    if change == "already routed":
        body["destination"] = PROGRAMME
    response = client.post(f"/casework/case/{case_id}/forward", json=body)
    assert response.status_code == status and response.get_json()["error"]
    session.expire_all()
    case = session.get(Case, case_id)
    assert case.status == "received" and [r.destination.slug for r in case.routes] == [PROGRAMME]
    assert material.handlers[INSPECTORATE].kid not in cases.envelope_of(case.envelopes[0]).kids()


def test_the_forward_key_list_is_only_given_for_a_real_target(
    client: FlaskClient, clock: Clock, handler: Account, filed: Any, recovery: crypto.PrivateKey
) -> None:
    _token, case_id = filed
    log_in(client, clock, handler)
    assert client.get(f"/casework/case/{case_id}/forward/{INSPECTORATE}").status_code == 200
    for slug in (PROGRAMME, "herstel", "nergens"):
        assert client.get(f"/casework/case/{case_id}/forward/{slug}").status_code == 404


@pytest.mark.app_config(MAX_WRAPS_PER_KID=2)
def test_a_new_colleague_gets_access_to_open_cases_through_a_grant(
    app: Flask,
    client: FlaskClient,
    clock: Clock,
    handler: Account,
    key: crypto.PrivateKey,
    material: DemoMaterial,
    filed: Any,
    session: Any,
) -> None:
    _token, case_id = filed
    newcomer = crypto.generate_key("Nieuwe collega")
    publish(Path(app.config["KEYS_DIR"]), material, PROGRAMME, [key.public, newcomer.public], version=2)
    log_in(client, clock, handler)
    page = client.get(f"/casework/case/{case_id}").get_data(as_text=True)
    assert "Nieuwe collega" in page and "data-grant-form" in page
    wraps = wraps_for(bundle(client, case_id), key, [newcomer.public])
    response = client.post(f"/casework/case/{case_id}/grant", json={"wraps": wraps})
    assert response.status_code == 201 and response.get_json() == {"added": 1}
    session.expire_all()
    record = session.get(Case, case_id).envelopes[0]
    opened = crypto.open_envelope(
        cases.envelope_of(record),
        newcomer,
        verify_key={"reporter": session.get(Case, case_id).reporter_signing_key}.get,
    )
    assert json.loads(opened)["description"]
    assert actions(session, case_id) == [("granted", "1 wrap(s)")]
    assert "data-grant-form" not in client.get(f"/casework/case/{case_id}").get_data(as_text=True)
    again = client.post(f"/casework/case/{case_id}/grant", json={"wraps": wraps})
    assert again.status_code == 201  # a later wrap goes beside the first: an earlier one may be garbage
    beyond = client.post(f"/casework/case/{case_id}/grant", json={"wraps": wraps})
    assert beyond.status_code == 409 and "2 wraps" in beyond.get_json()["error"]  # MAX_WRAPS_PER_KID


def test_a_grant_for_a_key_outside_the_signed_lists_is_refused(
    client: FlaskClient, clock: Clock, handler: Account, key: crypto.PrivateKey, filed: Any, session: Any
) -> None:
    _token, case_id = filed
    log_in(client, clock, handler)
    stranger = crypto.generate_key("Niet ondertekend")
    wraps = wraps_for(bundle(client, case_id), key, [stranger.public])
    response = client.post(f"/casework/case/{case_id}/grant", json={"wraps": wraps})
    assert response.status_code == 400 and "not in a verified key list" in response.get_json()["error"]
    assert stranger.kid not in cases.envelope_of(session.get(Case, case_id).envelopes[0]).kids()


def test_the_case_page_shows_sizes_measured_by_the_database(
    client: FlaskClient, clock: Clock, handler: Account, filed: Any, session: Any
) -> None:
    _token, case_id = filed
    log_in(client, clock, handler)
    page = client.get(f"/casework/case/{case_id}").get_data(as_text=True)
    size = len(session.get(Case, case_id).envelopes[0].ciphertext)
    assert f'<td class="utrecht-table__cell utrecht-table__cell--numeric-column number">{size}</td>' in page


def test_logout_clears_a_key_kept_in_the_browser_and_each_login_has_its_own_workspace(
    client: FlaskClient, clock: Clock, handler: Account
) -> None:
    log_in(client, clock, handler)
    with client.session_transaction() as cookie:
        first = cookie["workspace"]
    response = client.post("/casework/logout")
    assert response.headers["Clear-Site-Data"] == '"storage"'
    log_in(client, clock, handler)
    with client.session_transaction() as cookie:
        assert cookie["workspace"] != first and len(first) >= 20


def test_the_access_page_lists_the_open_cases_a_new_colleague_cannot_read(
    app: Flask,
    client: FlaskClient,
    clock: Clock,
    handler: Account,
    key: crypto.PrivateKey,
    material: DemoMaterial,
    session: Any,
) -> None:
    for _ in range(2):
        file_report(client, programme=PROGRAMME)
    log_in(client, clock, handler)
    assert "Iedereen in de sleutellijst" in client.get(f"/casework/inbox/{PROGRAMME}/access").get_data(as_text=True)
    newcomer = crypto.generate_key("Nieuwe collega")
    publish(Path(app.config["KEYS_DIR"]), material, PROGRAMME, [key.public, newcomer.public], version=2)
    ids = sorted(session.scalars(select(Case.id)))
    closed_id = ids[0]
    send_reply(client, closed_id, key, "Klaar.", action="close")
    page = client.get(f"/casework/inbox/{PROGRAMME}/access").get_data(as_text=True)
    assert "Nieuwe collega" in page and f'data-cases="{ids[1]}"' in page
    assert client.get("/casework/inbox/hbo-ict/access").status_code == 404


def test_json_nested_too_deeply_is_a_400_on_every_casework_route(
    client: FlaskClient, clock: Clock, handler: Account, filed: Any
) -> None:
    _token, case_id = filed
    nested = "[" * 100_000  # deeper than Python's parser can follow
    log_in(client, clock, handler, prove=False)
    assert client.get("/casework/prove").status_code == 200  # gives this session its challenge
    response = client.post("/casework/prove", data=nested, content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"]
    log_in(client, clock, handler)
    for action in ("messages", "forward", "grant"):
        response = client.post(f"/casework/case/{case_id}/{action}", data=nested, content_type="application/json")
        assert response.status_code == 400 and response.get_json()["error"], action
