"""Tests of hotline.crypto: envelope v1, key files, signed key lists, padding, HPKE vectors."""

from __future__ import annotations

import base64
import json
import os
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import PRODUCTION_ITERATIONS
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hotline import crypto

SIGNER = "reporter-signer"
PLAINTEXT = b"Mijn stagebegeleider zegt dingen die niet kunnen."
FAST = 1000  # PBKDF2 iterations for tests; never the 600,000 default
PASSPHRASE = "correct horse battery staple ribbon lantern"
DESTINATION = "dest-slug"
VECTOR_FILE = "hpke-x25519-sha256-aes256gcm.json"


# --- helpers -----------------------------------------------------------------------------


def make_handlers(count: int) -> list[crypto.PrivateKey]:
    """Make fresh handler keys named handler-0, handler-1, ..."""
    return [crypto.generate_key(f"handler-{i}") for i in range(count)]


def resolver(signing_key: Ed25519PrivateKey) -> Callable[[str], bytes | None]:
    """Resolve the test signer id to the reporter's raw Ed25519 public key."""
    return {SIGNER: crypto.raw_public(signing_key)}.get


def seal_to(
    keys: list[crypto.PrivateKey],
    signing_key: Ed25519PrivateKey,
    reply_key: bytes,
    plaintext: bytes | list[bytes] = PLAINTEXT,
    kind: str = "report",
    direction: str = "to_handlers",
) -> crypto.Envelope:
    """Seal plaintext to the given handler keys, signed by the reporter."""
    return crypto.seal(
        plaintext,
        kind=kind,
        direction=direction,
        reply_public_key=reply_key,
        recipients=[(k.kid, k.public.x25519) for k in keys],
        signer=SIGNER,
        signing_key=signing_key,
    )


def open_as(
    env: crypto.Envelope,
    key: crypto.PrivateKey,
    signing_key: Ed25519PrivateKey,
    reply_key: bytes | None = None,
    kind: str | None = None,
) -> bytes:
    """Open an envelope with a handler key, verifying against the reporter key."""
    return crypto.open_envelope(
        env,
        key,
        verify_key=resolver(signing_key),
        reply_public_key=reply_key,
        kind=kind,
    )


def flip(data: bytes, index: int) -> bytes:
    """Return data with one bit flipped at index."""
    changed = bytearray(data)
    changed[index] ^= 0x01
    return bytes(changed)


def set_byte(data: bytes, index: int, value: int) -> bytes:
    """Return data with the byte at index replaced."""
    changed = bytearray(data)
    changed[index] = value
    return bytes(changed)


def rebuilt(env: crypto.Envelope, **changes: Any) -> crypto.Envelope:
    """Rebuild an envelope with some fields replaced (re-parses the header)."""
    fields: dict[str, Any] = {
        "hdr": env.hdr,
        "nonce": env.nonce,
        "ciphertext": env.ciphertext,
        "recipients": [dict(r) for r in env.recipients],
        "signer": env.signer,
        "signature": env.signature,
    }
    fields.update(changes)
    return crypto.Envelope(**fields)


def via_json(env: crypto.Envelope) -> crypto.Envelope:
    """Send an envelope through its JSON form and back."""
    return crypto.Envelope.from_json(json.loads(json.dumps(env.to_json())))


def seal_from_list(keylist: crypto.KeyList, signing_key: Ed25519PrivateKey, reply_key: bytes) -> crypto.Envelope:
    """Seal only to the keys of a verified key list, as the server, browser and CLI do."""
    return crypto.seal(
        PLAINTEXT,
        kind="report",
        direction="to_handlers",
        reply_public_key=reply_key,
        recipients=[(k.kid, k.x25519) for k in keylist.keys],
        signer=SIGNER,
        signing_key=signing_key,
    )


def vectors_dir() -> Path:
    """Return the HPKE vectors directory, overridable with HOTLINE_VECTORS_DIR."""
    override = os.environ.get("HOTLINE_VECTORS_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "shared" / "vectors"


def load_vectors() -> list[Any]:
    """Return one pytest param per HPKE vector, or a single skipped param if the file is missing."""
    path = vectors_dir() / VECTOR_FILE
    if not path.is_file():
        reason = f"HPKE vector file {path} not found (set HOTLINE_VECTORS_DIR)"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="missing")]
    vectors = json.loads(path.read_text(encoding="utf-8"))["vectors"]
    return [pytest.param(v, id=f"v{i}-info{len(v['info']) // 2}-pt{len(v['pt']) // 2}") for i, v in enumerate(vectors)]


# --- fixtures ----------------------------------------------------------------------------


@pytest.fixture
def handlers() -> list[crypto.PrivateKey]:
    return make_handlers(3)


@pytest.fixture
def signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def reply_key() -> bytes:
    return crypto.raw_public(X25519PrivateKey.generate())


@pytest.fixture
def institution() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


# --- round trips ---------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 3])
@pytest.mark.parametrize("through_json", [False, True], ids=["object", "json"])
def test_round_trip_every_recipient_opens(
    count: int, through_json: bool, signing_key: Ed25519PrivateKey, reply_key: bytes
) -> None:
    keys = make_handlers(count)
    env = seal_to(keys, signing_key, reply_key)
    if through_json:
        env = via_json(env)
    assert env.kids() == [k.kid for k in keys]
    for key in keys:
        assert open_as(env, key, signing_key, reply_key, kind="report") == PLAINTEXT


@pytest.mark.parametrize("plaintext", [b"", b"x", bytes(range(256)) * 40], ids=["empty", "one", "10240"])
def test_round_trip_plaintext_sizes(
    plaintext: bytes,
    handlers: list[crypto.PrivateKey],
    signing_key: Ed25519PrivateKey,
    reply_key: bytes,
) -> None:
    env = via_json(seal_to(handlers[:1], signing_key, reply_key, plaintext=plaintext))
    assert open_as(env, handlers[0], signing_key, reply_key) == plaintext


@pytest.mark.parametrize(
    "size", [0, 4091, 4092, crypto.SMALL - 4, crypto.SMALL - 3, crypto.CHUNK + 7, 3 * crypto.CHUNK], ids=str
)
def test_parts_seal_to_the_one_shot_ciphertext_of_their_padded_join(
    size: int, handlers: list[crypto.PrivateKey], signing_key: Ed25519PrivateKey, reply_key: bytes
) -> None:
    """Large payloads are encrypted and hashed a megabyte at a time: the bytes are those of one AES-GCM call."""
    data = os.urandom(size)
    parts = [b'{"name": "a.pdf"}\n', data[: size // 3], data[size // 3 :]]
    env = seal_to(handlers[:1], signing_key, reply_key, plaintext=parts)
    dek = crypto._open_dek(env, handlers[0].kid, handlers[0].x25519)
    joined = b"".join(parts)
    expected = AESGCM(crypto._derive(dek)[0]).encrypt(env.nonce, crypto.pad(joined), env.hdr)
    assert bytes(env.ciphertext) == expected
    assert open_as(via_json(env), handlers[0], signing_key, reply_key) == joined


def test_sealing_a_large_payload_holds_one_copy_of_it(
    handlers: list[crypto.PrivateKey], signing_key: Ed25519PrivateKey, reply_key: bytes
) -> None:
    """No joined, padded or second ciphertext copy of a 5 MiB attachment exists while it is sealed."""
    data = os.urandom(5 * 1024 * 1024)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        env = seal_to(handlers, signing_key, reply_key, plaintext=[b"{}\n", data])
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert len(env.ciphertext) >= len(data)
    assert peak < 1.5 * len(data)  # the ciphertext itself, and a megabyte of working space


def test_non_recipient_raises_not_a_recipient(
    handlers: list[crypto.PrivateKey], signing_key: Ed25519PrivateKey, reply_key: bytes
) -> None:
    env = seal_to(handlers[:2], signing_key, reply_key)
    with pytest.raises(crypto.NotARecipient):
        open_as(env, handlers[2], signing_key, reply_key)


def test_seal_without_recipients_raises_unknown_recipient(signing_key: Ed25519PrivateKey, reply_key: bytes) -> None:
    with pytest.raises(crypto.UnknownRecipient):
        seal_to([], signing_key, reply_key)


# --- header ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(crypto.KINDS))
@pytest.mark.parametrize("direction", sorted(crypto.DIRECTIONS))
def test_header_is_89_bytes_and_parses_kind_and_direction(
    kind: str,
    direction: str,
    handlers: list[crypto.PrivateKey],
    signing_key: Ed25519PrivateKey,
    reply_key: bytes,
) -> None:
    env = seal_to(handlers[:1], signing_key, reply_key, kind=kind, direction=direction)
    assert len(env.hdr) == crypto.HEADER_LEN == 89
    header = crypto.Header.parse(env.hdr)
    assert (header.kind, header.direction) == (kind, direction)
    assert header.reply_public_key == reply_key
    assert len(header.envelope_id) == 16 and env.id == header.envelope_id.hex()
    assert env.hdr[7] == crypto.KINDS[kind] and env.hdr[8] == crypto.DIRECTIONS[direction]


@pytest.mark.parametrize("length", [0, 88, 90])
def test_header_parse_rejects_wrong_length(length: int) -> None:
    with pytest.raises(crypto.MalformedEnvelope):
        crypto.Header.parse(bytes([crypto.VERSION]) + bytes(max(length - 1, 0)))


# --- tampering ------------------------------------------------------------------------------


@pytest.mark.parametrize("index", [0, 100, -17, -1], ids=["first", "middle", "last-block", "tag"])
def test_flipped_ciphertext_byte_fails(
    index: int,
    handlers: list[crypto.PrivateKey],
    signing_key: Ed25519PrivateKey,
    reply_key: bytes,
) -> None:
    env = seal_to(handlers[:1], signing_key, reply_key)
    tampered = rebuilt(env, ciphertext=flip(env.ciphertext, index))
    with pytest.raises((crypto.DecryptionFailed, crypto.BadSignature)):
        open_as(tampered, handlers[0], signing_key)


def test_flipped_nonce_byte_fails(
    handlers: list[crypto.PrivateKey], signing_key: Ed25519PrivateKey, reply_key: bytes
) -> None:
    env = seal_to(handlers[:1], signing_key, reply_key)
    with pytest.raises((crypto.DecryptionFailed, crypto.BadSignature)):
        open_as(rebuilt(env, nonce=flip(env.nonce, 0)), handlers[0], signing_key)


def test_resigned_tampered_ciphertext_fails_decryption(
    handlers: list[crypto.PrivateKey], signing_key: Ed25519PrivateKey, reply_key: bytes
) -> None:
    """Even a valid signature over a changed payload does not get past AES-GCM."""
    env = seal_to(handlers[:1], signing_key, reply_key)
    ciphertext = flip(env.ciphertext, 5)
    signature = signing_key.sign(crypto._signed_bytes(env.hdr, env.nonce, ciphertext))
    tampered = rebuilt(env, ciphertext=ciphertext, signature=signature)
    with pytest.raises(crypto.DecryptionFailed):
        open_as(tampered, handlers[0], signing_key)


@pytest.mark.parametrize(
    "index",
    [0, 1, 6, 7, 8, 9, 24, 25, 56, 57, 88],
    ids=[
        "version",
        "suite",
        "suite-end",
        "kind",
        "direction",
        "id-first",
        "id-last",
        "reply-first",
        "reply-last",
        "commit-first",
        "commit-last",
    ],
)
def test_flipped_header_byte_fails(
    index: int,
    handlers: list[crypto.PrivateKey],
    signing_key: Ed25519PrivateKey,
    reply_key: bytes,
) -> None:
    env = seal_to(handlers[:2], signing_key, reply_key)
    with pytest.raises(crypto.CryptoError):  # MalformedEnvelope on parse is acceptable too
        tampered = rebuilt(env, hdr=flip(env.hdr, index))
        open_as(tampered, handlers[1], signing_key)


@pytest.mark.parametrize("kind_byte", [0, 2, 3, 9, 255])
def test_changed_kind_byte_fails(
    kind_byte: int,
    handlers: list[crypto.PrivateKey],
    signing_key: Ed25519PrivateKey,
    reply_key: bytes,
) -> None:
    env = seal_to(handlers[:1], signing_key, reply_key, kind="report")
    with pytest.raises(crypto.CryptoError):
        tampered = rebuilt(env, hdr=set_byte(env.hdr, 7, kind_byte))
        open_as(tampered, handlers[0], signing_key)


def test_recipient_kid_replaced_by_another_key_fails(
    handlers: list[crypto.PrivateKey], signing_key: Ed25519PrivateKey, reply_key: bytes
) -> None:
    a, b, c = handlers
    env = seal_to([a, b], signing_key, reply_key)
    recipients = [dict(r) for r in env.recipients]
    recipients[1]["kid"] = c.kid  # B's wrap now claims to be C's
    tampered = rebuilt(env, recipients=recipients)
    with pytest.raises(crypto.DecryptionFailed):
        open_as(tampered, c, signing_key)
    with pytest.raises(crypto.NotARecipient):
        open_as(tampered, b, signing_key)
    assert open_as(tampered, a, signing_key) == PLAINTEXT


@pytest.mark.parametrize("index", [0, 31, 32, -1], ids=["enc-first", "enc-last", "ct-first", "tag"])
def test_flipped_wrap_byte_raises_decryption_failed(
    index: int,
    handlers: list[crypto.PrivateKey],
    signing_key: Ed25519PrivateKey,
    reply_key: bytes,
) -> None:
    env = seal_to(handlers[:2], signing_key, reply_key)
    recipients = [dict(r) for r in env.recipients]
    recipients[0]["wrap"] = crypto.b64e(flip(crypto.b64d(recipients[0]["wrap"]), index))
    tampered = rebuilt(env, recipients=recipients)
    with pytest.raises(crypto.DecryptionFailed):
        open_as(tampered, handlers[0], signing_key)
    assert open_as(tampered, handlers[1], signing_key) == PLAINTEXT


@pytest.mark.parametrize("index", [0, 31, 32, 63])
def test_flipped_signature_byte_raises_bad_signature(
    index: int,
    handlers: list[crypto.PrivateKey],
    signing_key: Ed25519PrivateKey,
    reply_key: bytes,
) -> None:
    env = seal_to(handlers[:1], signing_key, reply_key)
    with pytest.raises(crypto.BadSignature):
        open_as(rebuilt(env, signature=flip(env.signature, index)), handlers[0], signing_key)


def test_resolver_returning_another_key_raises_bad_signature(
    handlers: list[crypto.PrivateKey], signing_key: Ed25519PrivateKey, reply_key: bytes
) -> None:
    env = seal_to(handlers[:1], signing_key, reply_key)
    other = crypto.raw_public(Ed25519PrivateKey.generate())
    with pytest.raises(crypto.BadSignature):
        crypto.open_envelope(env, handlers[0], verify_key=lambda signer: other)


def test_unknown_signer_raises_bad_signature(
    handlers: list[crypto.PrivateKey], signing_key: Ed25519PrivateKey, reply_key: bytes
) -> None:
    env = seal_to(handlers[:1], signing_key, reply_key)
    with pytest.raises(crypto.BadSignature):
        crypto.open_envelope(env, handlers[0], verify_key=lambda signer: None)


# --- case and kind binding --------------------------------------------------------------------


def test_other_case_reply_key_raises_wrong_case(
    handlers: list[crypto.PrivateKey], signing_key: Ed25519PrivateKey, reply_key: bytes
) -> None:
    env = seal_to(handlers[:1], signing_key, reply_key)
    other_case = crypto.raw_public(X25519PrivateKey.generate())
    with pytest.raises(crypto.WrongCase):
        open_as(env, handlers[0], signing_key, reply_key=other_case)


@pytest.mark.parametrize("expected", ["message", "attachment"])
def test_expected_kind_mismatch_raises_wrong_case(
    expected: str,
    handlers: list[crypto.PrivateKey],
    signing_key: Ed25519PrivateKey,
    reply_key: bytes,
) -> None:
    env = seal_to(handlers[:1], signing_key, reply_key, kind="report")
    with pytest.raises(crypto.WrongCase):
        open_as(env, handlers[0], signing_key, reply_key, kind=expected)


# --- commitment -------------------------------------------------------------------------------


def test_different_data_key_per_recipient_raises_commitment_mismatch(
    handlers: list[crypto.PrivateKey], signing_key: Ed25519PrivateKey, reply_key: bytes
) -> None:
    a, b, _ = handlers
    env = seal_to([a, b], signing_key, reply_key)
    other_dek = os.urandom(32)
    forged = crypto.wrap_for(other_dek, env.hdr, b.kid, b.public.x25519)
    env.recipients = [forged if r["kid"] == b.kid else r for r in env.recipients]
    with pytest.raises(crypto.CommitmentMismatch):
        open_as(env, b, signing_key, reply_key)
    assert open_as(env, a, signing_key, reply_key) == PLAINTEXT


# --- add_recipient --------------------------------------------------------------------------


def test_add_recipient_lets_new_key_open_and_changes_nothing_else(
    handlers: list[crypto.PrivateKey], signing_key: Ed25519PrivateKey, reply_key: bytes
) -> None:
    a, b, c = handlers
    env = seal_to([a, b], signing_key, reply_key)
    before = env.to_json()
    env = crypto.add_recipient(env, a, c.public)
    after = env.to_json()
    assert {k: after[k] for k in ("hdr", "nonce", "ct", "sig")} == {k: before[k] for k in ("hdr", "nonce", "ct", "sig")}
    assert after["recipients"][:2] == before["recipients"]
    assert env.kids() == [a.kid, b.kid, c.kid]
    for key in (a, b, c):
        assert open_as(via_json(env), key, signing_key, reply_key, kind="report") == PLAINTEXT


def test_add_recipient_by_non_recipient_raises_not_a_recipient(
    handlers: list[crypto.PrivateKey], signing_key: Ed25519PrivateKey, reply_key: bytes
) -> None:
    a, b, c = handlers
    env = seal_to([a], signing_key, reply_key)
    with pytest.raises(crypto.NotARecipient):
        crypto.add_recipient(env, b, c.public)
    assert env.kids() == [a.kid]


def test_a_valid_wrap_added_after_a_garbage_one_still_opens(
    handlers: list[crypto.PrivateKey], signing_key: Ed25519PrivateKey, reply_key: bytes
) -> None:
    a, b, _c = handlers
    env = seal_to([a], signing_key, reply_key)
    env.recipients.insert(0, {"kid": b.kid, "wrap": crypto.b64e(os.urandom(80))})  # a "shadow" forward's wrap
    with pytest.raises(crypto.DecryptionFailed):
        open_as(env, b, signing_key, reply_key)
    env = crypto.add_recipient(env, a, b.public, again=True)
    assert [r["kid"] for r in env.recipients] == [b.kid, a.kid, b.kid]
    stored = crypto.Envelope.from_json(json.loads(json.dumps(env.to_json())), rewraps=True)
    assert open_as(stored, b, signing_key, reply_key, kind="report") == PLAINTEXT


def test_a_new_envelope_with_two_wraps_for_one_kid_is_refused_but_a_stored_one_parses(
    handlers: list[crypto.PrivateKey], signing_key: Ed25519PrivateKey, reply_key: bytes
) -> None:
    data = seal_to([handlers[0]], signing_key, reply_key).to_json()
    data["recipients"].append(dict(data["recipients"][0]))
    with pytest.raises(crypto.MalformedEnvelope):
        crypto.Envelope.from_json(data)
    assert crypto.Envelope.from_json(data, rewraps=True).kids() == [handlers[0].kid] * 2


def test_a_possession_signature_is_bound_to_the_challenge_the_account_and_the_kid(
    handlers: list[crypto.PrivateKey],
) -> None:
    a, b, _c = handlers
    challenge = os.urandom(32)
    signature = crypto.sign_possession(a, challenge, "a" * 32)
    crypto.verify_possession(a.public.ed25519, signature, challenge, "a" * 32, a.kid)
    for key, nonce, account, kid in [
        (a, os.urandom(32), "a" * 32, a.kid),
        (a, challenge, "b" * 32, a.kid),
        (a, challenge, "a" * 32, b.kid),
        (b, challenge, "a" * 32, a.kid),
    ]:
        with pytest.raises(crypto.BadSignature):
            crypto.verify_possession(key.public.ed25519, signature, nonce, account, kid)


# --- signed key lists -------------------------------------------------------------------------


def test_valid_key_list_verifies_and_by_kid_finds_keys(
    handlers: list[crypto.PrivateKey], institution: Ed25519PrivateKey
) -> None:
    publics = [k.public for k in handlers]
    doc = crypto.sign_key_list(institution, DESTINATION, 3, publics)
    keylist = crypto.verify_key_list(json.loads(json.dumps(doc)), institution.public_key(), DESTINATION, 3)
    assert (keylist.destination, keylist.version, keylist.keys) == (
        DESTINATION,
        3,
        tuple(publics),
    )
    for key in handlers:
        assert keylist.by_kid(key.kid) == key.public
    assert keylist.by_kid(crypto.generate_key("stranger").kid) is None
    assert doc["signer"] == crypto.institution_fingerprint(institution.public_key())


def test_key_added_to_body_without_resigning_raises_key_list_error(
    handlers: list[crypto.PrivateKey], institution: Ed25519PrivateKey
) -> None:
    doc = crypto.sign_key_list(institution, DESTINATION, 1, [handlers[0].public])
    body = json.loads(doc["body"])
    body["keys"].append(handlers[2].public.to_json())
    doc["body"] = json.dumps(body, sort_keys=True, separators=(",", ":"))
    with pytest.raises(crypto.KeyListError):
        crypto.verify_key_list(doc, institution.public_key(), DESTINATION)


def test_key_list_signed_by_another_institution_raises_key_list_error(
    handlers: list[crypto.PrivateKey], institution: Ed25519PrivateKey
) -> None:
    doc = crypto.sign_key_list(Ed25519PrivateKey.generate(), DESTINATION, 1, [handlers[0].public])
    with pytest.raises(crypto.KeyListError):
        crypto.verify_key_list(doc, institution.public_key(), DESTINATION)


@pytest.mark.parametrize("version, min_version", [(1, 2), (4, 5), (0, 1)])
def test_key_list_rollback_raises_key_list_error(
    version: int,
    min_version: int,
    handlers: list[crypto.PrivateKey],
    institution: Ed25519PrivateKey,
) -> None:
    doc = crypto.sign_key_list(institution, DESTINATION, version, [handlers[0].public])
    with pytest.raises(crypto.KeyListError):
        crypto.verify_key_list(doc, institution.public_key(), DESTINATION, min_version)


def test_key_list_for_other_destination_raises_key_list_error(
    handlers: list[crypto.PrivateKey], institution: Ed25519PrivateKey
) -> None:
    doc = crypto.sign_key_list(institution, "other-slug", 1, [handlers[0].public])
    with pytest.raises(crypto.KeyListError):
        crypto.verify_key_list(doc, institution.public_key(), DESTINATION)


@pytest.mark.parametrize("drop", ["destination", "version", "keys"])
def test_signed_key_list_missing_field_raises_key_list_error(
    drop: str, handlers: list[crypto.PrivateKey], institution: Ed25519PrivateKey
) -> None:
    """Even a correctly signed but malformed body fails with the named KeyListError."""
    body = {
        "destination": DESTINATION,
        "version": 1,
        "keys": [handlers[0].public.to_json()],
    }
    del body[drop]
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    signature = crypto.b64e(institution.sign(crypto.LABEL_KEYLIST + text.encode()))
    doc = {
        "type": "meldpunt-key-list",
        "body": text,
        "signer": "",
        "signature": signature,
    }
    with pytest.raises(crypto.KeyListError):
        crypto.verify_key_list(doc, institution.public_key(), DESTINATION)


def test_sealing_draws_only_from_verified_key_list(
    handlers: list[crypto.PrivateKey],
    institution: Ed25519PrivateKey,
    signing_key: Ed25519PrivateKey,
    reply_key: bytes,
) -> None:
    a, b, mallory = handlers
    doc = crypto.sign_key_list(institution, DESTINATION, 1, [a.public, b.public])
    tampered = dict(doc)
    body = json.loads(doc["body"])
    body["keys"].append(mallory.public.to_json())
    tampered["body"] = json.dumps(body, sort_keys=True, separators=(",", ":"))
    with pytest.raises(crypto.KeyListError):
        seal_from_list(
            crypto.verify_key_list(tampered, institution.public_key(), DESTINATION),
            signing_key,
            reply_key,
        )
    keylist = crypto.verify_key_list(doc, institution.public_key(), DESTINATION)
    assert keylist.by_kid(mallory.kid) is None
    env = seal_from_list(keylist, signing_key, reply_key)
    assert env.kids() == [a.kid, b.kid]
    with pytest.raises(crypto.NotARecipient):
        open_as(env, mallory, signing_key, reply_key)


def test_wrap_for_public_key_not_matching_kid_raises_unknown_recipient(
    handlers: list[crypto.PrivateKey], signing_key: Ed25519PrivateKey, reply_key: bytes
) -> None:
    a, _, mallory = handlers
    env = seal_to([a], signing_key, reply_key)
    with pytest.raises(crypto.UnknownRecipient):
        crypto.wrap_for(os.urandom(32), env.hdr, a.kid, mallory.public.x25519)


# --- key files --------------------------------------------------------------------------------


@pytest.fixture
def key_file(handlers: list[crypto.PrivateKey]) -> dict[str, Any]:
    """A handler key exported with fast PBKDF2, sent through JSON."""
    return json.loads(json.dumps(crypto.export_private_key(handlers[0], PASSPHRASE, iterations=FAST)))


def test_key_file_round_trip_keeps_kid_and_keys(handlers: list[crypto.PrivateKey], key_file: dict[str, Any]) -> None:
    imported = crypto.import_private_key(key_file, PASSPHRASE)
    assert imported.kid == handlers[0].kid == key_file["kid"]
    assert imported.name == handlers[0].name
    assert crypto.raw_private(imported.x25519) == crypto.raw_private(handlers[0].x25519)
    assert crypto.raw_private(imported.ed25519) == crypto.raw_private(handlers[0].ed25519)
    assert key_file["kdf"]["iterations"] == FAST


def test_key_file_wrong_passphrase_raises_wrong_passphrase(
    key_file: dict[str, Any],
) -> None:
    with pytest.raises(crypto.WrongPassphrase):
        crypto.import_private_key(key_file, PASSPHRASE + " extra")


@pytest.mark.parametrize(
    "typed",
    [
        "  " + PASSPHRASE,
        PASSPHRASE + " \n",
        PASSPHRASE.replace(" ", "   "),
        PASSPHRASE.replace(" ", "\t"),
    ],
    ids=["leading", "trailing", "doubled", "tabs"],
)
def test_key_file_passphrase_whitespace_is_normalised(
    typed: str, handlers: list[crypto.PrivateKey], key_file: dict[str, Any]
) -> None:
    assert crypto.import_private_key(key_file, typed).kid == handlers[0].kid


def test_key_file_with_other_kid_fails(handlers: list[crypto.PrivateKey], key_file: dict[str, Any]) -> None:
    key_file["kid"] = handlers[1].kid
    with pytest.raises((crypto.BadKeyFile, crypto.WrongPassphrase)):
        crypto.import_private_key(key_file, PASSPHRASE)


@pytest.mark.parametrize("field", ["x25519", "ed25519"])
def test_key_file_whose_public_keys_are_swapped_fails(
    field: str, handlers: list[crypto.PrivateKey], key_file: dict[str, Any]
) -> None:
    key_file[field] = handlers[1].public.to_json()[field]  # shown to others, but not the key inside
    with pytest.raises(crypto.BadKeyFile):
        crypto.import_private_key(key_file, PASSPHRASE)


@pytest.mark.parametrize("iterations", [FAST - 1, FAST + 1, 0, 10**9])
def test_key_file_with_changed_iterations_fails(iterations: int, key_file: dict[str, Any]) -> None:
    key_file["kdf"]["iterations"] = iterations
    with pytest.raises(crypto.CryptoError):
        crypto.import_private_key(key_file, PASSPHRASE)


def test_key_file_default_records_600000_iterations(
    handlers: list[crypto.PrivateKey], monkeypatch: pytest.MonkeyPatch
) -> None:
    used: list[int] = []

    def fake_pbkdf2(passphrase: str, salt: bytes, iterations: int) -> bytes:
        used.append(iterations)
        return bytes(32)

    monkeypatch.setattr(crypto, "_pbkdf2", fake_pbkdf2)  # keep the test fast; nothing is unlocked
    monkeypatch.setattr(crypto, "PBKDF2_ITERATIONS", PRODUCTION_ITERATIONS)  # undo the cheap-KDF fixture
    exported = crypto.export_private_key(handlers[0], PASSPHRASE)
    assert exported["kdf"]["iterations"] == 600_000 == PRODUCTION_ITERATIONS
    assert exported["kdf"]["name"] == "PBKDF2-HMAC-SHA256"
    assert used == [600_000]


def test_generate_passphrase_has_at_least_six_words() -> None:
    first, second = crypto.generate_passphrase(), crypto.generate_passphrase()
    assert len(first.split()) >= 6
    assert first != second


def test_public_key_file_round_trip(handlers: list[crypto.PrivateKey], key_file: dict[str, Any]) -> None:
    public = handlers[0].public
    exported = json.loads(json.dumps(crypto.export_public_key(public)))
    assert exported["type"] == "meldpunt-public-key"
    assert crypto.import_public_key(exported) == public
    assert crypto.import_public_key(key_file) == public


def test_public_key_with_mismatched_kid_raises_bad_key_file(
    handlers: list[crypto.PrivateKey],
) -> None:
    data = handlers[0].public.to_json()
    data["kid"] = handlers[1].kid
    with pytest.raises(crypto.BadKeyFile):
        crypto.PublicKey.from_json(data)


# --- padding ----------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [0, 1, 4095, 4096, 4097, 10_000, 1 << 20])
def test_padded_size_is_at_least_4096_and_covers_length(length: int) -> None:
    size = crypto.padded_size(length)
    assert size >= crypto.MIN_PADDED == 4096
    assert size >= length


def test_plaintexts_in_one_bucket_give_equal_ciphertext_length(
    handlers: list[crypto.PrivateKey], signing_key: Ed25519PrivateKey, reply_key: bytes
) -> None:
    short = seal_to(handlers[:1], signing_key, reply_key, plaintext=b"x" * 10)
    long = seal_to(handlers[:1], signing_key, reply_key, plaintext=b"y" * 3000)
    assert len(short.ciphertext) == len(long.ciphertext) == 4096 + 16


@pytest.mark.parametrize("length", [0, 1, 4091, 4092, 5000, 100_000])
def test_pad_unpad_round_trip(length: int) -> None:
    plaintext = os.urandom(length)
    padded = crypto.pad(plaintext)
    assert len(padded) == crypto.padded_size(length + 4)
    assert crypto.unpad(padded) == plaintext


@pytest.mark.parametrize("index", [-1, 4 + 10, 2000])
def test_unpad_rejects_nonzero_padding(index: int) -> None:
    padded = bytearray(crypto.pad(b"0123456789"))
    padded[index] = 1
    with pytest.raises(crypto.MalformedEnvelope):
        crypto.unpad(bytes(padded))


@pytest.mark.parametrize(
    "padded",
    [b"", b"\x00\x00\x00", b"\x00\x00\x10\x00" + bytes(100)],
    ids=["empty", "short", "length-too-big"],
)
def test_unpad_rejects_bad_length(padded: bytes) -> None:
    with pytest.raises(crypto.MalformedEnvelope):
        crypto.unpad(padded)


# --- malformed envelopes ------------------------------------------------------------------------


def _drop(*path: str) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        target = data
        for part in path[:-1]:
            target = target[part]
        del target[path[-1]]

    return mutate


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        data[key] = value

    return mutate


def _duplicate_recipient(data: dict[str, Any]) -> None:
    data["recipients"].append(dict(data["recipients"][0]))


MALFORMED: dict[str, Callable[[dict[str, Any]], None]] = {
    "no-v": _drop("v"),
    "no-hdr": _drop("hdr"),
    "no-nonce": _drop("nonce"),
    "no-ct": _drop("ct"),
    "no-recipients": _drop("recipients"),
    "no-sig": _drop("sig"),
    "no-signer": _drop("sig", "signer"),
    "no-sig-value": _drop("sig", "value"),
    "version-2": _set("v", 2),
    "version-string": _set("v", "1"),
    "duplicate-kid": _duplicate_recipient,
    "empty-recipients": _set("recipients", []),
    "recipients-not-list": _set("recipients", "abc"),
    "hdr-not-string": _set("hdr", 12345),
    "hdr-padded": lambda d: d.update(hdr=d["hdr"] + "="),
    "hdr-short": lambda d: d.update(hdr=d["hdr"][:-4]),
    "nonce-short": _set("nonce", crypto.b64e(bytes(11))),
    "sig-short": lambda d: d["sig"].update(value=crypto.b64e(bytes(63))),
}


@pytest.mark.parametrize("mutate", list(MALFORMED.values()), ids=list(MALFORMED))
def test_from_json_rejects_malformed_envelope(
    mutate: Callable[[dict[str, Any]], None],
    handlers: list[crypto.PrivateKey],
    signing_key: Ed25519PrivateKey,
    reply_key: bytes,
) -> None:
    data = json.loads(json.dumps(seal_to(handlers[:2], signing_key, reply_key).to_json()))
    mutate(data)
    with pytest.raises(crypto.MalformedEnvelope):
        crypto.Envelope.from_json(data)


@pytest.mark.parametrize("data", [None, [], "envelope", 42], ids=["none", "list", "str", "int"])
def test_from_json_rejects_non_object(data: Any) -> None:
    with pytest.raises(crypto.MalformedEnvelope):
        crypto.Envelope.from_json(data)


def _insert_bangs(data: dict[str, Any], field: str) -> None:
    """Insert four '!' so the text length modulo 4 (and so the padding) stays the same."""
    target = data["sig"] if field == "value" else data
    text = target[field]
    target[field] = text[:8] + "!!!!" + text[8:]


@pytest.mark.parametrize("field", ["hdr", "nonce", "ct", "value"])
def test_from_json_rejects_non_base64url_text(
    field: str,
    handlers: list[crypto.PrivateKey],
    signing_key: Ed25519PrivateKey,
    reply_key: bytes,
) -> None:
    """A field with a character outside the base64url alphabet is not base64url."""
    data = seal_to(handlers[:1], signing_key, reply_key).to_json()
    _insert_bangs(data, field)
    with pytest.raises(crypto.MalformedEnvelope):
        crypto.Envelope.from_json(data)


@pytest.mark.parametrize(
    "text",
    ["AAAA!AAAA", "ab+/", "AAAA AAAA", "AAAA=", "A"],
    ids=["bang", "std-alphabet", "space", "padding", "one-char"],
)
def test_b64d_rejects_non_base64url(text: str) -> None:
    with pytest.raises(crypto.MalformedEnvelope):
        crypto.b64d(text)


@pytest.mark.parametrize("length", [0, 1, 2, 31, 32, 89])
def test_b64e_b64d_round_trip(length: int) -> None:
    data = os.urandom(length)
    text = crypto.b64e(data)
    assert "=" not in text and text == base64.urlsafe_b64encode(data).decode().rstrip("=")
    assert crypto.b64d(text) == data


# --- HPKE interoperability vectors ----------------------------------------------------------------


@pytest.mark.parametrize("vector", load_vectors())
def test_hpke_vector_opens(vector: dict[str, str]) -> None:
    private = X25519PrivateKey.from_private_bytes(bytes.fromhex(vector["skR"]))
    assert crypto.raw_public(private) == bytes.fromhex(vector["pkR"])
    assert bytes.fromhex(vector["single_shot"]) == bytes.fromhex(vector["enc"]) + bytes.fromhex(vector["ct"])
    opened = crypto.SUITE.decrypt(
        bytes.fromhex(vector["single_shot"]),
        private,
        info=bytes.fromhex(vector["info"]),
    )
    assert opened == bytes.fromhex(vector["pt"])


# Every encoding of a point of order 1, 2, 4 or 8 on Curve25519 (libsodium's blocklist), and each with the top
# bit set, which X25519 ignores: none gives a shared key, whatever private key probes it.
LOW_ORDER = [
    "00" * 32,
    "01" + "00" * 31,
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    "ec" + "ff" * 30 + "7f",
    "ed" + "ff" * 30 + "7f",
    "ee" + "ff" * 30 + "7f",
]


@pytest.mark.parametrize("top_bit", [False, True])
@pytest.mark.parametrize("point", LOW_ORDER)
def test_a_low_order_public_key_is_not_usable(point: str, top_bit: bool) -> None:
    raw = bytearray(bytes.fromhex(point))
    raw[31] |= 0x80 if top_bit else 0
    assert not crypto.is_usable_x25519(bytes(raw))


def test_a_public_key_is_usable_or_not_the_same_for_every_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = [X25519PrivateKey.generate().public_key().public_bytes_raw() for _ in range(20)]
    keys += [bytes.fromhex(point) for point in LOW_ORDER]
    first = [crypto.is_usable_x25519(key) for key in keys]
    for _ in range(5):  # the probe is made once per process: any other probe must answer alike
        monkeypatch.setattr(crypto, "_PROBE", X25519PrivateKey.generate())
        assert [crypto.is_usable_x25519(key) for key in keys] == first
    assert first == [True] * 20 + [False] * len(LOW_ORDER)
