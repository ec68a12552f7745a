"""Envelope v2 (issue 17): X-Wing wraps for every reader with an X-Wing key, never a classical wrap beside them.

docs/formats.md, "Envelope v2", is the spec. Old (v1) envelopes stay readable, also after a key is upgraded.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import PASSPHRASE, DemoMaterial
from flask import Flask
from test_cli import DESCRIPTION, decrypt, export, make_case
from test_cli import key_file as key_file  # noqa: F401  (a fixture)
from test_cli import passphrase_file as passphrase_file  # noqa: F401  (a fixture)

from hotline import cases, crypto, db, tokens

PLAIN = b'{"description": "Mijn begeleider noemde mij steeds bij de verkeerde naam."}'
KEYS = tokens.derive(tokens.generate(), b"s" * 32)


def seal(readers: dict[str, bytes | crypto.Reader], kind: str = "report") -> crypto.Envelope:
    return crypto.seal(
        PLAIN,
        kind=kind,
        direction="to_handlers",
        reply_public_key=KEYS.reply_public,
        recipients=readers.items(),
        signer="reporter",
        signing_key=KEYS.signing_key,
    )


def opened(envelope: crypto.Envelope, key: crypto.OpeningKey) -> bytes:
    return crypto.open_envelope(envelope, key, verify_key={"reporter": KEYS.signing_public}.get)


def readers_of(*keys: crypto.PrivateKey) -> dict[str, bytes | crypto.Reader]:
    return {key.kid: crypto.reader_of(key.public) for key in keys}


def test_readers_with_x_wing_keys_get_envelope_v2_with_x_wing_wraps_only() -> None:
    a, b = crypto.generate_key("A"), crypto.generate_key("B")
    envelope = seal(readers_of(a, b))
    assert envelope.header.version == 2 and envelope.hdr[:7] == bytes.fromhex("02647a00010002")
    assert [set(r) for r in envelope.recipients] == [{"kid", "wrap"}] * 2  # no kem: X-Wing
    assert {len(crypto.b64d(r["wrap"])) for r in envelope.recipients} == {1168}
    for key in (a, b):
        assert opened(envelope, key) == PLAIN
    with pytest.raises(crypto.DecryptionFailed, match="X-Wing key of your key file"):
        opened(envelope, a.x25519)  # the X25519 key alone: a classical wrap would have opened with it
    again = crypto.Envelope.from_json(json.loads(json.dumps(envelope.to_json())))
    assert again.to_json()["v"] == 2 and opened(again, b) == PLAIN


def test_a_mixed_list_gives_classical_wraps_only_to_keys_without_x_wing() -> None:
    new, old = crypto.generate_key("Nieuw"), crypto.generate_key("Oud", post_quantum=False)
    reply = crypto.fingerprint(KEYS.reply_public)
    envelope = seal(readers_of(new, old) | {reply: KEYS.reply_public})
    kems = {r["kid"]: r.get("kem") for r in envelope.recipients}
    assert envelope.header.version == 2 and kems == {new.kid: None, old.kid: "x25519", reply: "x25519"}
    assert [r["kid"] for r in envelope.recipients].count(new.kid) == 1  # never a classical wrap beside it
    for key in (new, old, old.x25519, KEYS.reply_key):
        assert opened(envelope, key) == PLAIN


def test_readers_without_x_wing_keys_get_envelope_v1_as_before() -> None:
    old = crypto.generate_key("Oud", post_quantum=False)
    envelope = seal(readers_of(old))
    assert envelope.header.version == 1 and envelope.hdr[:7] == bytes.fromhex("01002000010002")
    assert envelope.to_json()["v"] == 1 and set(envelope.recipients[0]) == {"kid", "wrap"}
    assert opened(envelope, old.x25519) == PLAIN


def test_a_v1_envelope_opens_after_its_key_is_upgraded_and_new_ones_are_v2() -> None:
    old = crypto.generate_key("Oud", post_quantum=False)
    before = seal(readers_of(old))
    upgraded = crypto.import_private_key(crypto.export_private_key(old.with_xwing(), "zin", 1000), "zin")
    assert opened(before, upgraded) == PLAIN
    after = seal(readers_of(upgraded))
    assert after.header.version == 2 and "kem" not in after.recipients[0]
    assert opened(after, upgraded) == PLAIN
    with pytest.raises(crypto.DecryptionFailed):
        opened(after, old)  # the old key file has no X-Wing seed


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda d: d | {"v": 1}, "version"),
        (lambda d: d | {"v": 3}, "version"),
        (lambda d: d | {"recipients": [r | {"kem": "kyber"} for r in d["recipients"]]}, "kem"),
        (lambda d: d | {"recipients": [r | {"kem": "x25519"} for r in d["recipients"]]}, "length"),
        (lambda d: d | {"recipients": [r | {"wrap": crypto.b64e(bytes(80))} for r in d["recipients"]]}, "length"),
    ],
    ids=["v1 label", "unknown v", "unknown kem", "x25519 kem on an X-Wing wrap", "short X-Wing wrap"],
)
def test_v2_envelopes_are_parsed_strictly(change: Any, reason: str) -> None:
    data = seal(readers_of(crypto.generate_key("A"))).to_json()
    with pytest.raises(crypto.MalformedEnvelope, match=reason):
        crypto.Envelope.from_json(change(data))


def test_a_kem_in_a_v1_envelope_is_malformed() -> None:
    data = seal(readers_of(crypto.generate_key("Oud", post_quantum=False))).to_json()
    with pytest.raises(crypto.MalformedEnvelope, match="kem"):
        crypto.Envelope.from_json(data | {"recipients": [r | {"kem": "x25519"} for r in data["recipients"]]})


def test_the_header_version_is_authenticated() -> None:
    key = crypto.generate_key("A")
    envelope = seal(readers_of(key))
    downgraded = crypto.Envelope(
        bytes([1]) + bytes.fromhex("002000010002") + envelope.hdr[7:],
        envelope.nonce,
        envelope.ciphertext,
        [r | {"kem": "x25519"} for r in envelope.recipients],
        envelope.signer,
        envelope.signature,
    )
    with pytest.raises(crypto.CryptoError):
        opened(downgraded, key)
    with pytest.raises(crypto.BadSignature):
        crypto.verify_signature(downgraded, KEYS.signing_public)


def test_the_intake_check_refuses_a_downgrade_and_a_classical_wrap_for_an_x_wing_reader() -> None:
    new, old = crypto.generate_key("Nieuw"), crypto.generate_key("Oud", post_quantum=False)
    readers = {new.kid: crypto.reader_of(new.public), old.kid: crypto.reader_of(old.public)}
    crypto.check_wraps(seal(dict(readers)), readers)
    with pytest.raises(crypto.UnknownRecipient, match="needs an envelope v2"):
        crypto.check_wraps(seal({new.kid: new.public.x25519, old.kid: old.public.x25519}), readers)
    third = crypto.generate_key("Derde")
    everyone = readers | {third.kid: crypto.reader_of(third.public)}
    classical_for_new = seal({third.kid: everyone[third.kid], new.kid: crypto.Reader(new.public.x25519)})
    assert classical_for_new.header.version == 2  # the third reader made it v2; new got a classical wrap
    with pytest.raises(crypto.UnknownRecipient, match="not of the kind its key calls for"):
        crypto.check_wraps(classical_for_new, everyone)


def test_a_new_reader_gets_the_wrap_their_key_calls_for() -> None:
    a, late_new = crypto.generate_key("A"), crypto.generate_key("B")
    late_old = crypto.generate_key("C", post_quantum=False)
    envelope = seal(readers_of(a))
    crypto.add_recipient(envelope, a, late_new.public)
    crypto.add_recipient(envelope, a, late_old.public)
    kems = {r["kid"]: r.get("kem") for r in envelope.recipients}
    assert kems == {a.kid: None, late_new.kid: None, late_old.kid: "x25519"}
    for key in (late_new, late_old):
        assert opened(envelope, key) == PLAIN
    old_style = seal(readers_of(crypto.generate_key("D", post_quantum=False)))
    assert old_style.header.version == 1


def test_reports_filed_without_javascript_are_v2_and_the_cli_decrypts_them(
    app: Flask, material: DemoMaterial, runner: Any, tmp_path: Path, key_file: Any, passphrase_file: Path
) -> None:
    _token, case_id = make_case(app)
    with app.app_context():
        case = cases.get_case(db.get_session(), case_id)
        envelope = cases.envelope_of(case.envelopes[0])
        handlers = {k.kid for k in material.handlers.values()}
    assert envelope.header.version == 2
    assert all(r.get("kem") is None for r in envelope.recipients if r["kid"] in handlers)
    bundle = export(runner, tmp_path, case_id)
    result = decrypt(runner, bundle, key_file("hbo-ict"), "--passphrase-file", str(passphrase_file))
    assert result.exit_code == 0, result.output
    assert DESCRIPTION in result.output


def test_the_transparency_page_and_the_form_say_who_is_post_quantum_protected(
    app: Flask, client: Any, runner: Any, tmp_path: Path, material: DemoMaterial, passphrase_file: Path
) -> None:
    page = client.get("/info/what-we-store").get_data(as_text=True)
    assert 'data-post-quantum="all"' in page and 'data-post-quantum="partly"' not in page
    institution = tmp_path / "institution.key.json"
    institution.write_text(json.dumps(crypto.export_private_key(material.institution, PASSPHRASE, 1000)))
    old = crypto.generate_key("Oude Sleutel", post_quantum=False)
    (tmp_path / "oud.pub.json").write_text(json.dumps(crypto.export_public_key(old.public)))
    args = ("--institution-key", str(institution), "--passphrase-file", str(passphrase_file))
    assert runner("keys", "sign", "hbo-ict", "--add", str(tmp_path / "oud.pub.json"), *args).exit_code == 0
    page = client.get("/info/what-we-store").get_data(as_text=True)
    hbo = page.split('data-destination="hbo-ict"', 1)[1].split("</li>", 1)[0]
    assert 'data-post-quantum="partly"' in hbo and "Oude Sleutel" in hbo.split("quantumcomputers:", 1)[1]
    form = client.post("/report/details", data={"category": "discrimination.origin", "programme": "hbo-ict"})
    body = html.unescape(form.get_data(as_text=True))
    hbo = body.split('<li data-destination="hbo-ict">', 1)[1].split("</li>", 1)[0]
    assert 'data-post-quantum="partly"' in hbo
    assert "Nog niet beschermd tegen toekomstige quantumcomputers: Oude Sleutel." in hbo
    others = body.split('<li data-destination="diversiteit">', 1)[1].split("</li>", 1)[0]
    assert 'data-post-quantum="all"' in others
