"""Interop of the browser module (hotline/static/js/meldpunt-crypto.js) with hotline.crypto and hotline.tokens.

Python makes tokens, key files, a key list and envelopes; Node (tests/js/interop.mjs) opens and checks
them all, then makes its own, which Python checks here. Both X25519/Ed25519 implementations of the
module run: WebCrypto's ("native") and the vendored pure JavaScript ones ("pure").
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from hotline import crypto, keyring, tokens
from hotline.cli import cli

REPO = Path(__file__).resolve().parents[1]
NODE = shutil.which("node")
if NODE is None or not (REPO / "node_modules" / "@hpke" / "core").is_dir():
    pytest.skip("needs node on PATH and `npm ci` (node_modules/@hpke/core)", allow_module_level=True)

ITERATIONS = 1000
PASSPHRASE = "interop passphrase for tests only"
NODE_PASSPHRASE = "correct horse battery staple"  # Node's has odd whitespace; this is it collapsed
NODE_DESTINATION = "node-bestemming"
PY_DESTINATION = "python-bestemming"
NATIVE_UNAVAILABLE = 3  # interop.mjs's exit status when WebCrypto lacks X25519 or Ed25519


@dataclass
class PythonSide:
    """What Python made for Node, with the secrets to check Node's answers."""

    data: dict[str, Any]
    salt: bytes
    institution: crypto.PrivateKey
    handlers: list[crypto.PrivateKey]


def b64(data: bytes) -> str:
    return crypto.b64e(data)


def normalise_cases() -> list[dict[str, Any]]:
    """Typed token texts with Python's answer: the canonical token, or the error's name."""
    symbols = "01FFSS2ST3456789ABCDEGHJK"
    canonical = tokens._format(symbols)
    check = canonical[-2:]
    texts = [
        canonical,
        canonical.lower().replace("-", " "),
        "o l ﬀ ß 2 ﬆ 3456789abcdeghjk" + check.lower(),
        canonical.replace("-", "\u00a0\u2003\x1c\x85"),
        canonical.replace("-", "\ufeff"),
        canonical.replace("-", "\u2013"),
        canonical.replace("A", "B", 1),
        canonical[:-1],
        canonical + "0",
        "１" + canonical[1:],
        "",
    ]
    cases = []
    for text in texts:
        try:
            cases.append({"text": text, "result": tokens.normalise(text), "error": None})
        except tokens.TokenError as exc:
            cases.append({"text": text, "result": None, "error": type(exc).__name__})
    return cases


def b64u_cases() -> tuple[list[list[str]], list[str]]:
    """Valid encodings with their bytes, and texts that Python's b64d refuses."""
    valid = [[b64(bytes(range(n))), bytes(range(n)).hex()] for n in range(7)]
    invalid = ["A", "AA==", "AB", "AAB", "a+b/", "ab cd", "AAA=", "€€", "AAAAA", "AA\n"]
    for text in invalid:
        with pytest.raises(crypto.MalformedEnvelope):
            crypto.b64d(text)
    return valid, invalid


def handler_json(key: crypto.PrivateKey) -> dict[str, str]:
    """A handler's public keys and, for this test only, its raw private keys."""
    return (
        key.public.to_json()
        | {
            "x25519_private": b64(crypto.raw_private(key.x25519)),
            "ed25519_seed": b64(crypto.raw_private(key.ed25519)),
        }
        | ({"xwing_seed": b64(key.xwing_seed)} if key.xwing_seed is not None else {})
    )


def commitment_mismatch(envelope: crypto.Envelope, handler: crypto.PrivateKey) -> crypto.Envelope:
    """Replace one recipient's wrap with a wrap of another data key."""
    other = crypto.wrap_for(os.urandom(32), envelope.hdr, handler.kid, handler.public.x25519)
    envelope.recipients = [other if r["kid"] == handler.kid else r for r in envelope.recipients]
    return envelope


def python_envelopes(case: tokens.CaseKeys, handlers: list[crypto.PrivateKey]) -> list[dict[str, Any]]:
    """Envelopes for Node to open, with the key that opens each and the expected answer."""
    h0, h1 = handlers
    to: dict[str, tuple[str, bytes | crypto.Reader]] = {
        "handler0": (h0.kid, h0.public.x25519),
        "handler1": (h1.kid, h1.public.x25519),
    }
    pq = {name: (kid, crypto.reader_of(h.public)) for (name, (kid, _x)), h in zip(to.items(), handlers, strict=True)}
    reply: tuple[str, bytes | crypto.Reader] = (crypto.fingerprint(case.reply_public), case.reply_public)
    reply_pq = (crypto.fingerprint(case.reply_public), case.reader())  # with the reply key's X-Wing part
    answer = {"signer": h0.kid, "signing_key": h0.ed25519}
    forged = {"signer": "reporter", "signing_key": h1.ed25519}
    report = json.dumps({"category": "discriminatie", "description": "Python-verzegeld: één keer"}).encode()
    attachment = b'{"name": "foto.jpg", "type": "image/jpeg"}\n' + os.urandom(6000)
    reporter = {"signer": "reporter", "signing_key": case.signing_key}
    plan: list[tuple[str, str, str, bytes, list[tuple[str, bytes | crypto.Reader]], dict[str, Any]]] = [
        ("report-1", "report", "to_handlers", report, [to["handler0"]], reporter),
        # Envelope v2: X-Wing wraps for the handlers, a classical one (kem x25519) for the reply key of a case filed
        # before reporters had an X-Wing part; and an X-Wing one for the reporter of a case filed since.
        ("report-v2", "report", "to_handlers", report, [pq["handler0"], pq["handler1"], reply], reporter),
        ("reply-v2", "message", "to_reporter", b'{"text": "Dank, kwantumveilig"}', [*pq.values(), reply], answer),
        ("reply-v2-pq", "message", "to_reporter", b'{"text": "Dank, ook voor jou"}', [*pq.values(), reply_pq], answer),
        ("report-2", "report", "to_handlers", report, [to["handler0"], to["handler1"]], reporter),
        ("attachment", "attachment", "to_handlers", attachment, [to["handler1"]], reporter),
        ("reply", "message", "to_reporter", b'{"text": "Dank"}', [*to.values(), reply], answer),
        ("not-recipient", "report", "to_handlers", report, [to["handler1"]], reporter),
        ("bad-signature", "report", "to_handlers", report, [to["handler0"]], forged),
    ]
    openers = {"report-2": "handler1", "attachment": "handler1", "reply": "reply", "report-v2": "handler1",
               "reply-v2": "reply", "reply-v2-pq": "reply"}  # fmt: skip
    errors = {"not-recipient": "NotARecipient", "bad-signature": "BadSignature"}
    items = []
    for name, kind, direction, plaintext, recipients, signing in plan:
        envelope = crypto.seal(
            plaintext,
            kind=kind,
            direction=direction,
            reply_public_key=case.reply_public,
            recipients=recipients,
            **signing,
        )
        signer_public = h0.public.ed25519 if direction == "to_reporter" else case.signing_public
        items.append(
            {
                "name": name,
                "envelope": envelope.to_json(),
                "plaintext": b64(plaintext),
                "opener": openers.get(name, "handler0"),
                "signer": signing["signer"],
                "signer_public": b64(signer_public),
                "reply_public": b64(case.reply_public),
                "kind": kind,
                "error": errors.get(name),
            }
        )
    items.extend(broken_variants(items[0], handlers))
    return items


def flipped(envelope: dict[str, Any], name: str, index: int) -> dict[str, Any]:
    """Return a copy of envelope JSON with one bit of a b64u field flipped."""
    data = bytearray(crypto.b64d(envelope[name]))
    data[index] ^= 1
    return envelope | {name: b64(bytes(data))}


def broken_variants(item: dict[str, Any], handlers: list[crypto.PrivateKey]) -> list[Any]:
    """Variants of a good envelope: one more reader, and ones that Node must refuse with the named error."""
    good = item["envelope"]
    added = crypto.add_recipient(crypto.Envelope.from_json(good), handlers[0], handlers[1].public)
    mismatch = commitment_mismatch(crypto.Envelope.from_json(good), handlers[0])
    other_case = X25519PrivateKey.generate()
    garbage = {"kid": handlers[1].kid, "wrap": b64(os.urandom(80))}  # what a "shadow" forward posted
    bad_first = crypto.Envelope.from_json(good)
    bad_first.recipients.insert(0, garbage)
    only_bad = bad_first.to_json()
    rewrapped = crypto.add_recipient(bad_first, handlers[0], handlers[1].public, again=True)
    return [
        item | {"name": "added-reader", "envelope": added.to_json(), "opener": "handler1"},
        item | {"name": "garbage-then-valid-wrap", "envelope": rewrapped.to_json(), "opener": "handler1"},
        item | {"name": "garbage-wrap-only", "envelope": only_bad, "opener": "handler1", "error": "DecryptionFailed"},
        item | {"name": "tampered-ct", "envelope": flipped(good, "ct", -1), "error": "BadSignature"},
        # a bit of the envelope id: the wrap's info no longer matches
        item | {"name": "tampered-hdr", "envelope": flipped(good, "hdr", 20), "error": "DecryptionFailed"},
        item | {"name": "commitment", "envelope": mismatch.to_json(), "error": "CommitmentMismatch"},
        item | {"name": "wrong-case", "reply_public": b64(crypto.raw_public(other_case)), "error": "WrongCase"},
        item | {"name": "wrong-kind", "kind": "message", "error": "WrongCase"},
    ]


@pytest.fixture(scope="module")
def python_side() -> PythonSide:
    """Tokens, key file, key list and envelopes made by hotline.crypto and hotline.tokens."""
    salt = os.urandom(16)
    institution = crypto.generate_key("Test-instelling")
    handlers = [crypto.generate_key("Behandelaar één"), crypto.generate_key("Behandelaar twee")]
    token = tokens.generate()
    case = tokens.derive(token, salt)
    valid, invalid = b64u_cases()
    key_list = crypto.sign_key_list(institution.ed25519, PY_DESTINATION, 3, [h.public for h in handlers])
    data = {
        "instance_salt": salt.hex(),
        "token": {
            "token": token,
            "lookup_key": b64(case.lookup_key),
            "reply_public": b64(case.reply_public),
            "signing_public": b64(case.signing_public),
            "reply_xwing_public": b64(case.reply_xwing_public),
        },
        "normalise": normalise_cases(),
        "padding": [
            [n, crypto.padded_size(n)] for n in (0, 1, 4095, 4096, 4097, 8191, 8193, 10004, 65537, 10**6, 2**31 + 5)
        ],
        "b64u_valid": valid,
        "b64u_invalid": invalid,
        "key_file": {
            "file": crypto.export_private_key(handlers[0], PASSPHRASE, iterations=ITERATIONS),
            "passphrase": f" {PASSPHRASE.replace(' ', chr(0x2003) + ' ')}\n",
            "kid": handlers[0].kid,
            "x25519_private": b64(crypto.raw_private(handlers[0].x25519)),
            "ed25519_seed": b64(crypto.raw_private(handlers[0].ed25519)),
            "xwing_seed": b64(handlers[0].xwing_seed or b""),
        },
        "institution": {
            "public": b64(institution.public.ed25519),
            "private_seed": b64(crypto.raw_private(institution.ed25519)),
        },
        "key_list": {"document": key_list, "destination": PY_DESTINATION, "version": 3},
        "handlers": [handler_json(h) for h in handlers],
        "envelopes": python_envelopes(case, handlers),
    }
    return PythonSide(data, salt, institution, handlers)


@pytest.fixture(scope="module", params=["native", "pure"])
def node_side(request: pytest.FixtureRequest, python_side: PythonSide, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Run interop.mjs with one implementation: it checks Python's material and returns its own."""
    folder = tmp_path_factory.mktemp(f"interop-{request.param}")
    given, made = folder / "python.json", folder / "node.json"
    given.write_text(json.dumps(python_side.data), encoding="utf-8")
    argv = [str(NODE), "tests/js/interop.mjs", str(given), str(made), request.param]
    run = subprocess.run(  # noqa: S603  (fixed argv, no shell)
        argv, cwd=REPO, capture_output=True, text=True, timeout=300, check=False
    )
    if run.returncode == NATIVE_UNAVAILABLE:
        pytest.skip(f"this Node's WebCrypto lacks native X25519/Ed25519: {run.stderr.strip()}")
    assert run.returncode == 0, f"interop.mjs {request.param} failed:\n{run.stdout}\n{run.stderr}"
    return json.loads(made.read_text(encoding="utf-8")) | {"mode": request.param}


@pytest.fixture(scope="module")
def node_key(node_side: dict[str, Any]) -> crypto.PrivateKey:
    """Node's handler key, unlocked by Python from Node's key file."""
    return crypto.import_private_key(node_side["key_file"], NODE_PASSPHRASE)


def node_list(node_side: dict[str, Any], python_side: PythonSide) -> crypto.KeyList:
    """Node's key list, verified by Python with the institution key."""
    return crypto.verify_key_list(node_side["key_list"], python_side.institution.ed25519.public_key(), NODE_DESTINATION)


def test_node_used_the_asked_implementation(node_side: dict[str, Any]) -> None:
    assert node_side["implementations"] == {"x25519": node_side["mode"], "ed25519": node_side["mode"]}


def test_node_token_derives_the_same_keys(node_side: dict[str, Any], python_side: PythonSide) -> None:
    case = tokens.derive(node_side["token"], python_side.salt)
    assert tokens.normalise(node_side["token"]) == node_side["token"]
    assert crypto.b64d(node_side["lookup_key"]) == case.lookup_key
    assert crypto.b64d(node_side["reply_public"]) == case.reply_public
    assert crypto.b64d(node_side["signing_public"]) == case.signing_public
    assert crypto.b64d(node_side["reply_xwing_public"]) == case.reply_xwing_public


def test_node_key_file_unlocks_in_python(node_side: dict[str, Any], node_key: crypto.PrivateKey) -> None:
    assert node_key.kid == node_side["key_file"]["kid"]
    assert node_key.public.to_json()["ed25519"] == node_side["key_file"]["ed25519"]
    assert crypto.import_private_key(node_side["key_file"], node_side["passphrase"]).kid == node_key.kid
    with pytest.raises(crypto.WrongPassphrase):
        crypto.import_private_key(node_side["key_file"], "correct horse battery")


def test_node_key_list_verifies_in_python(
    node_side: dict[str, Any], python_side: PythonSide, node_key: crypto.PrivateKey
) -> None:
    key_list = node_list(node_side, python_side)
    assert key_list.version == 7
    assert [k.kid for k in key_list.keys] == [h.kid for h in python_side.handlers] + [node_key.kid]
    assert key_list.by_kid(node_key.kid) == node_key.public
    tampered = dict(node_side["key_list"], body=node_side["key_list"]["body"].replace('"version":7', '"version":8'))
    with pytest.raises(crypto.KeyListError):
        crypto.verify_key_list(tampered, python_side.institution.ed25519.public_key(), NODE_DESTINATION)


def test_node_envelopes_open_in_python(
    node_side: dict[str, Any], python_side: PythonSide, node_key: crypto.PrivateKey
) -> None:
    case = tokens.derive(node_side["token"], python_side.salt)
    readers = {h.kid: h.x25519 for h in python_side.handlers} | {crypto.fingerprint(case.reply_public): case.reply_key}
    staff = {k.kid: k.ed25519 for k in node_list(node_side, python_side).keys}
    opened = 0
    for item in node_side["envelopes"]:
        envelope = crypto.Envelope.from_json(item["envelope"])
        assert envelope.kids() == item["kids"]
        signers = {"reporter": case.signing_public} if envelope.header.direction == "to_handlers" else staff
        for kid in envelope.kids():
            plaintext = crypto.open_envelope(
                envelope, readers[kid], verify_key=signers.get, reply_public_key=case.reply_public, kind=item["kind"]
            )
            assert plaintext == crypto.b64d(item["plaintext"]), item["name"]
            opened += 1
    assert opened == 9


def test_node_envelope_v2_opens_in_python_and_gives_x_wing_readers_no_classical_wrap(
    node_side: dict[str, Any], python_side: PythonSide
) -> None:
    [item] = node_side["envelopes_v2"]
    envelope = crypto.Envelope.from_json(item["envelope"])
    case = tokens.derive(node_side["token"], python_side.salt)
    assert envelope.header.version == 2 and envelope.hdr[1:3] == b"\x64\x7a"  # KEM X-Wing in the header
    kems = {r["kid"]: r.get("kem") for r in envelope.recipients}
    assert all(kems[h.kid] is None for h in python_side.handlers)  # X-Wing only
    assert kems[crypto.fingerprint(case.reply_public)] is None  # the reporter's reply key has its X-Wing part
    readers = {h.kid: crypto.reader_of(h.public) for h in python_side.handlers}
    crypto.check_wraps(envelope, readers | {crypto.fingerprint(case.reply_public): case.reader()})
    reporter = {"reporter": case.signing_public}.get
    for key in [*python_side.handlers, case.opening_key]:
        plaintext = crypto.open_envelope(envelope, key, verify_key=reporter, kind="message")
        assert plaintext == crypto.b64d(item["plaintext"])
    for classical in (python_side.handlers[0].x25519, case.reply_key):  # the X25519 key alone cannot open it
        with pytest.raises(crypto.DecryptionFailed, match="X-Wing"):
            crypto.open_envelope(envelope, classical, verify_key=reporter)


def test_node_added_reader_opens_in_python(
    node_side: dict[str, Any], python_side: PythonSide, node_key: crypto.PrivateKey
) -> None:
    item = node_side["added"]
    envelope = crypto.Envelope.from_json(item["envelope"])
    assert envelope.kids() == [h.kid for h in python_side.handlers] + [node_key.kid]
    reporter = {"reporter": crypto.b64d(item["signer_public"])}.get
    for key in (node_key.x25519, python_side.handlers[1].x25519):
        plaintext = crypto.open_envelope(envelope, key, verify_key=reporter, kind="report")
        assert plaintext == crypto.b64d(item["plaintext"])


def test_cli_decrypt_opens_browser_envelopes(
    node_side: dict[str, Any], python_side: PythonSide, tmp_path: Path
) -> None:
    institution = python_side.institution.ed25519.public_key()
    py_list = python_side.data["key_list"]["document"]
    case = {"id": "K7Q2M9", "category": "intimidatie", "programme": "hbo-ict", "received_on": "2025-03-03"}
    case |= {"status": "received", "reply_public_key": node_side["reply_public"]}
    case |= {"destinations": [PY_DESTINATION, NODE_DESTINATION]}
    bundle = {
        "type": "meldpunt-case-bundle",
        "version": 1,
        "case": case | {"reporter_signing_key": node_side["signing_public"]},
        # A case holds one report: report-2, the one sealed to both handlers.
        "envelopes": [i["envelope"] | {"day": "2025-03-03"} for i in node_side["envelopes"] if i["name"] != "report-1"],
        "key_lists": {PY_DESTINATION: py_list, NODE_DESTINATION: node_side["key_list"]},
        "institution": keyring.institution_document(institution),
    }
    (tmp_path / "case.json").write_text(json.dumps(bundle), encoding="utf-8")
    key_file = tmp_path / "handler.key.json"
    key_file.write_text(json.dumps(crypto.export_private_key(python_side.handlers[0], PASSPHRASE, ITERATIONS)))
    fingerprint = crypto.institution_fingerprint(institution)
    args = ["decrypt", str(tmp_path / "case.json"), "--key", str(key_file), "--institution", fingerprint]
    result = CliRunner().invoke(
        cli, [*args, "--out", str(tmp_path / "out")], env={"HOTLINE_KEY_PASSPHRASE": PASSPHRASE}
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("from the reporter") == 3 and "not bound by the report" not in result.output
    assert "Browser-verzegeld: de begeleider één keer" in result.output
    assert "Antwoord van de behandelaar" in result.output
    attachment = next(i for i in node_side["envelopes"] if i["kind"] == "attachment")
    assert (tmp_path / "out" / "verslag.pdf").read_bytes() == crypto.b64d(attachment["plaintext"]).split(b"\n", 1)[1]


def test_node_possession_signature_verifies_in_python(node_side: dict[str, Any], node_key: crypto.PrivateKey) -> None:
    proof = node_side["possession"]
    challenge, signature = crypto.b64d(proof["challenge"]), crypto.b64d(proof["signature"])
    crypto.verify_possession(node_key.public.ed25519, signature, challenge, proof["handler_id"], node_key.kid)
    with pytest.raises(crypto.BadSignature):  # bound to the account: another account id does not verify
        crypto.verify_possession(node_key.public.ed25519, signature, challenge, "f" * 32, node_key.kid)


def test_python_opens_a_valid_wrap_after_a_garbage_one(python_side: PythonSide) -> None:
    item = next(e for e in python_side.data["envelopes"] if e["name"] == "garbage-then-valid-wrap")
    envelope = crypto.Envelope.from_json(item["envelope"], rewraps=True)
    reporter = {"reporter": crypto.b64d(item["signer_public"])}.get
    opened = crypto.open_envelope(envelope, python_side.handlers[1], verify_key=reporter, kind="report")
    assert opened == crypto.b64d(item["plaintext"])


def test_node_unit_tests_pass() -> None:
    run = subprocess.run(  # noqa: S603  (fixed argv, no shell)
        [str(NODE), "--test", "tests/js/"], cwd=REPO, capture_output=True, text=True, timeout=600, check=False
    )
    assert run.returncode == 0, f"node --test tests/js/ failed:\n{run.stdout}\n{run.stderr}"
