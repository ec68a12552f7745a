"""Property-based tests over the parsers of what clients send: envelopes, API checks, key files, key lists, tokens.

The parsers raise only their documented exceptions; the endpoints that take envelopes and wraps
answer any body with a 4xx JSON {"error", "field"}, never a 5xx.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import Account, Clock, DemoMaterial, log_in
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from test_api import API, CATEGORY, PROGRAMME, Browser, derive, post, recipients
from werkzeug.test import TestResponse

from hotline import checks, crypto, models, tokens

FUZZ = settings(max_examples=60, deadline=None, database=None)  # no .hypothesis folder in the checkout

# JSON as json.loads gives it, NaN and Infinity included; integers stay small so no KDF runs for long.
scalars = st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000), st.floats(), st.text(max_size=20))
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
b64 = st.one_of(st.binary(max_size=120).map(crypto.b64e), st.text(alphabet="AZaz09-_=+/ ", max_size=60))
hex64 = st.one_of(
    st.binary(min_size=32, max_size=32).map(bytes.hex), st.text(alphabet="0123456789abcdefABCDEF", max_size=70)
)


def flip(data: bytes, at: int, value: int) -> bytes:
    """Set one byte, wherever `at` falls."""
    if not data:
        return data
    at %= len(data)
    return data[:at] + bytes([value]) + data[at + 1 :]


def mutations(envelope: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Anything from a valid envelope with one field changed to no envelope at all."""
    hdr = crypto.b64d(envelope["hdr"])
    fields = [*envelope, "extra"]
    recipient = st.fixed_dictionaries({"kid": st.one_of(hex64, json_values), "wrap": st.one_of(b64, json_values)})
    return st.one_of(
        json_values,
        st.just(envelope),
        st.builds(lambda k, v: envelope | {k: v}, st.sampled_from(fields), json_values),
        st.builds(lambda k, v: envelope | {k: v}, st.sampled_from(["hdr", "nonce", "ct"]), b64),
        st.builds(lambda k: {f: v for f, v in envelope.items() if f != k}, st.sampled_from(list(envelope))),
        st.builds(lambda v: envelope | {"v": v}, st.sampled_from([0, 2, "1", 1.0, True, None])),
        st.builds(
            lambda cut, more, at, value: envelope | {"hdr": crypto.b64e(flip(hdr[: len(hdr) - cut] + more, at, value))},
            st.integers(0, len(hdr)),
            st.binary(max_size=8),
            st.integers(0, 200),
            st.integers(0, 255),
        ),
        st.builds(lambda s, v: envelope | {"sig": {"signer": s, "value": v}}, st.one_of(st.text(), json_values), b64),
        st.builds(lambda r: envelope | {"recipients": r}, st.lists(recipient, max_size=5)),
        st.builds(lambda n: envelope | {"recipients": envelope["recipients"] * n}, st.integers(2, 2000)),
        st.builds(
            lambda n: envelope | {"recipients": [{"kid": f"{i:064x}", "wrap": "A" * 107} for i in range(n)]},
            st.integers(100, 3000),
        ),
    )


def reporter_keys() -> tuple[X25519PrivateKey, Ed25519PrivateKey, crypto.PrivateKey]:
    return X25519PrivateKey.generate(), Ed25519PrivateKey.generate(), crypto.generate_key("Lezer")


REPLY, SIGNING, READER = reporter_keys()


def sealed(reader: bytes | crypto.Reader) -> dict[str, Any]:
    return crypto.seal(
        b'{"text": "Hallo."}',
        kind="message",
        direction="to_handlers",
        reply_public_key=crypto.raw_public(REPLY),
        recipients=[(READER.kid, reader)],
        signer="reporter",
        signing_key=SIGNING,
    ).to_json()


VALID = sealed(crypto.reader_of(READER.public))  # envelope v2: the reader has an X-Wing key
VALID_V1 = sealed(READER.public.x25519)  # envelope v1, as sealed before X-Wing keys


# --- the parsers ---------------------------------------------------------------------------------


@FUZZ
@given(data=st.one_of(mutations(VALID), mutations(VALID_V1)))
def test_the_envelope_parser_raises_only_malformed_envelope(data: Any) -> None:
    try:
        envelope = crypto.Envelope.from_json(data)
    except crypto.MalformedEnvelope:
        return
    assert len(envelope.hdr) == crypto.HEADER_LEN and envelope.recipients


@FUZZ
@given(data=st.one_of(mutations(VALID), mutations(VALID_V1)), kind=st.sampled_from(["message", "report", "attachment"]))
def test_the_envelope_checks_raise_only_refused(data: Any, kind: str) -> None:
    try:
        envelope = checks.envelope(data, "envelope")
        checks.check_envelope(
            envelope,
            "envelope",
            kind=kind,
            reply_public_key=crypto.raw_public(REPLY),
            signing_key=crypto.raw_public(SIGNING),
            recipients={READER.kid: crypto.reader_of(READER.public)},
            max_plaintext=4096,
        )
    except checks.Refused as refusal:
        assert refusal.reason and refusal.field == "envelope"


@FUZZ
@given(body=st.one_of(json_values, st.dictionaries(st.sampled_from(["a", "b"]), st.one_of(b64, json_values))))
def test_the_field_checks_raise_only_refused(body: Any) -> None:
    calls = [
        lambda b: checks.text(b, "a"),
        lambda b: checks.text(b, "a", required=False),
        lambda b: checks.choice(b, "a", ["x", "y"]),
        lambda b: checks.raw32(b, "a"),
        lambda b: checks.x25519_key(b, "a"),
        lambda b: checks.ed25519_key(b, "b"),
    ]
    for call in calls:
        try:
            call(checks.as_object(body))
        except checks.Refused as refusal:
            assert refusal.reason


KEY_FILE = crypto.export_private_key(READER, "juiste wachtwoordzin", iterations=1000)


def key_file_mutations() -> st.SearchStrategy[Any]:
    """A key file with one field changed, at the top or inside kdf or cipher."""
    top = st.builds(lambda k, v: KEY_FILE | {k: v}, st.sampled_from([*KEY_FILE, "extra"]), json_values)
    kdf = st.builds(
        lambda k, v: KEY_FILE | {"kdf": KEY_FILE["kdf"] | {k: v}},
        st.sampled_from(["name", "iterations", "salt"]),
        st.one_of(json_values, st.sampled_from([float("inf"), float("nan"), "1e3", 10**400, -1, 0])),
    )
    cipher = st.builds(
        lambda k, v: KEY_FILE | {"cipher": KEY_FILE["cipher"] | {k: v}}, st.sampled_from(["name", "nonce"]), b64
    )
    body = st.builds(lambda k, v: KEY_FILE | {k: v}, st.sampled_from(["ciphertext", "x25519", "ed25519", "kid"]), b64)
    return st.one_of(json_values, st.just(KEY_FILE), top, kdf, cipher, body)


@FUZZ
@given(data=key_file_mutations(), passphrase=st.one_of(st.just("juiste  wachtwoordzin"), st.text(max_size=20)))
def test_unlocking_a_key_file_raises_only_bad_key_file_or_wrong_passphrase(data: Any, passphrase: str) -> None:
    try:
        key = crypto.import_private_key(data, passphrase)
    except (crypto.BadKeyFile, crypto.WrongPassphrase):
        return
    assert key.kid == READER.kid


def test_a_key_file_with_an_infinite_iteration_count_is_a_bad_key_file() -> None:
    for iterations in (float("inf"), float("nan"), "Infinity", 10**400):
        with pytest.raises(crypto.BadKeyFile):
            crypto.import_private_key(KEY_FILE | {"kdf": KEY_FILE["kdf"] | {"iterations": iterations}}, "x")


def test_a_key_file_with_a_nonce_of_the_wrong_length_is_a_bad_key_file() -> None:
    for nonce in (b"", bytes(7), bytes(200)):
        data = KEY_FILE | {"cipher": {"name": "AES-256-GCM", "nonce": crypto.b64e(nonce)}}
        with pytest.raises(crypto.BadKeyFile):
            crypto.import_private_key(data, "juiste wachtwoordzin")


def key_list_bodies(material: DemoMaterial) -> st.SearchStrategy[Any]:
    """Signed lists whose bodies are anything, unsigned ones, and lists with one field changed."""
    key = READER.public.to_json()
    signed = crypto.sign_key_list(material.institution.ed25519, "hbo-ict", 1, [READER.public])
    body = st.one_of(
        st.text(max_size=40),
        json_values.map(json.dumps),
        st.fixed_dictionaries(
            {"destination": st.sampled_from(["hbo-ict", "rechten"]), "version": json_values, "keys": json_values}
        ).map(json.dumps),
        st.lists(st.builds(lambda k, v: key | {k: v}, st.sampled_from(list(key)), json_values), max_size=3).map(
            lambda keys: json.dumps({"destination": "hbo-ict", "version": 1, "keys": keys})
        ),
    )
    institution = material.institution.ed25519

    def sign(text: str) -> dict[str, Any]:
        return signed | {"body": text, "signature": crypto.b64e(institution.sign(crypto.LABEL_KEYLIST + text.encode()))}

    changed = st.builds(lambda k, v: signed | {k: v}, st.sampled_from([*signed, "extra"]), json_values)
    return st.one_of(json_values, st.just(signed), changed, body.map(sign))


def test_verifying_a_key_list_raises_only_key_list_error(material: DemoMaterial) -> None:
    institution = material.institution.ed25519.public_key()

    @FUZZ
    @given(document=key_list_bodies(material), min_version=st.integers(0, 3))
    def check(document: Any, min_version: int) -> None:
        try:
            verified = crypto.verify_key_list(document, institution, "hbo-ict", min_version)
        except crypto.KeyListError:
            return
        assert verified.keys and verified.version >= min_version

    check()


@FUZZ
@given(text=st.one_of(st.text(), st.text(alphabet=tokens.ALPHABET + "-oil \t", max_size=40)))
def test_normalise_gives_a_canonical_token_or_a_token_error(text: str) -> None:
    try:
        token = tokens.normalise(text)
    except tokens.TokenError:
        return
    assert tokens.normalise(token) == token and len(token) == 32


@FUZZ
@given(token=st.builds(tokens.generate), at=st.integers(0, 31), symbol=st.sampled_from(tokens.ALPHABET))
def test_a_mistyped_token_is_caught_or_taken_as_typed(token: str, at: int, symbol: str) -> None:
    typed = token[:at] + symbol + token[at + 1 :]
    try:
        found = tokens.normalise(typed)
    except tokens.TokenError:
        assert typed != token
        return
    assert found == typed  # a typo the check symbols miss (1 in 1024) is simply another token
    assert tokens.normalise(f" {typed.lower().replace('-', ' ')} ") == found


# --- the endpoints ---------------------------------------------------------------------------


def refusal(response: TestResponse) -> None:
    """Check a response is no server error, and that a refusal is the API's JSON error shape."""
    assert response.status_code < 500, response.get_data(as_text=True)[:2000]
    if response.status_code >= 400:
        assert response.mimetype == "application/json"
        answer = response.get_json()
        assert set(answer) == {"error", "field"} and isinstance(answer["error"], str) and answer["error"]


@pytest.fixture
def browser(client: FlaskClient) -> Browser:
    token, keys = derive(client)
    return Browser(token, keys, recipients(client, CATEGORY, PROGRAMME))


def test_reports_answer_any_body_with_a_4xx(client: FlaskClient, browser: Browser) -> None:
    base = browser.report(attachments=1)
    fields = list(base)

    @FUZZ
    @given(
        field=st.sampled_from([*fields, "extra"]),
        value=st.one_of(json_values, b64),
        report=mutations(base["report"]),
        drop=st.booleans(),
    )
    def check(field: str, value: Any, report: Any, drop: bool) -> None:
        body = base | {field: value, "report": report}
        if drop:
            body.pop(field)
        refusal(post(client, "/reports", body))

    check()


def test_follow_ups_answer_any_envelope_with_a_4xx(client: FlaskClient, browser: Browser) -> None:
    assert post(client, "/reports", browser.report()).status_code == 201
    base = browser.message("Nog iets.")

    @FUZZ
    @given(envelope=mutations(base["envelope"]), lookup=st.one_of(st.just(base["lookup_key"]), b64, json_values))
    def check(envelope: Any, lookup: Any) -> None:
        refusal(post(client, "/cases/messages", {"lookup_key": lookup, "envelope": envelope}))
        refusal(post(client, "/cases/lookup", {"lookup_key": lookup}))

    check()


def test_raw_bodies_get_a_4xx(client: FlaskClient) -> None:
    @FUZZ
    @given(
        path=st.sampled_from(["/recipients", "/reports", "/cases/lookup", "/cases/messages"]),
        data=st.one_of(st.binary(max_size=200), json_values.map(json.dumps)),
        content_type=st.sampled_from(["application/json", "application/json; charset=latin-1", "text/plain"]),
    )
    def check(path: str, data: bytes | str, content_type: str) -> None:
        refusal(client.post(API + path, data=data, content_type=content_type))

    check()


@pytest.fixture
def handler_case(
    app: Flask, client: FlaskClient, clock: Clock, handler_account: Account, browser: Browser, session: Any
) -> tuple[str, dict[str, Any]]:
    """Log in the HBO-ICT handler and file a case for them; return its id and a valid reply envelope."""
    assert post(client, "/reports", browser.report()).status_code == 201
    log_in(client, clock, handler_account)
    case = session.scalars(select(models.Case)).one()
    document = client.get(f"/casework/case/{case.id}/envelopes").get_json()
    return case.id, document


def test_handler_endpoints_answer_any_body_with_a_4xx(
    client: FlaskClient, handler_case: tuple[str, dict[str, Any]], material: DemoMaterial
) -> None:
    case_id, document = handler_case
    envelope = document["envelopes"][0]
    envelope_ids = [crypto.Envelope.from_json(e).id for e in document["envelopes"]]
    kids = [material.handlers[slug].kid for slug in ("hbo-ict", "diversiteit", "rechten")]
    wrap = st.fixed_dictionaries(
        {"kid": st.one_of(st.sampled_from(kids), hex64, json_values), "wrap": st.one_of(st.just("A" * 107), b64)}
    )
    wraps = st.one_of(
        json_values,
        st.dictionaries(st.one_of(st.sampled_from(envelope_ids), st.text(max_size=40)), st.lists(wrap, max_size=3)),
        st.dictionaries(st.sampled_from(envelope_ids), json_values),
    )
    bodies = st.one_of(
        json_values,
        st.fixed_dictionaries(
            {},
            optional={
                "action": st.one_of(st.sampled_from(["reply", "acknowledge", "close"]), json_values),
                "envelope": mutations({k: v for k, v in envelope.items() if k != "day"}),
                "destination": st.one_of(st.sampled_from(["rechten", "hbo-ict", "herstel"]), json_values),
                "wraps": wraps,
            },
        ),
    )

    @FUZZ
    @given(path=st.sampled_from(["messages", "forward", "grant"]), body=bodies)
    def check(path: str, body: Any) -> None:
        refusal(client.post(f"/casework/case/{case_id}/{path}", json=body))

    check()
