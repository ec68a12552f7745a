"""Post-quantum keys (issue 17, point 1): key files and key lists that carry an X-Wing key beside the others.

Old (version 1) key files and key lists stay valid; `hotline keys upgrade` adds an X-Wing key to an old file and
`hotline keys sign --add` puts the upgraded public key in place of the old one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import PASSPHRASE, DemoMaterial
from cryptography.hazmat.primitives import hpke
from test_cli import passphrase_file as passphrase_file  # noqa: F401  (a fixture)
from test_cli import write_key
from test_xwing_interop import VECTORS

from hotline import crypto, keyring

ITERATIONS = 1000
XWING_SUITE = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


def test_a_new_key_has_an_x_wing_key_whose_seed_gives_the_drafts_public_key() -> None:
    key = crypto.generate_key("Behandelaar")
    assert key.xwing_seed is not None and len(key.xwing_seed) == 32
    assert key.public.xwing is not None and len(key.public.xwing) == 1216
    for vector in VECTORS["kem"]["vectors"]:  # the X-Wing draft's seeds and public keys
        assert crypto.xwing_public_bytes(bytes.fromhex(vector["seed"])).hex() == vector["pk"]
    sealed = XWING_SUITE.encrypt(b"dek", crypto.xwing_public(key.public.xwing), info=b"info")
    assert XWING_SUITE.decrypt(sealed, crypto.xwing_private(key.xwing_seed), info=b"info") == b"dek"


def test_a_post_quantum_key_file_is_version_2_and_unlocks_to_the_same_keys() -> None:
    key = crypto.generate_key("Behandelaar")
    data = crypto.export_private_key(key, "geheim woord", ITERATIONS)
    assert data["version"] == 2 and crypto.b64d(data["xwing"]) == key.public.xwing
    unlocked = crypto.import_private_key(data, "geheim woord")
    assert unlocked.xwing_seed == key.xwing_seed and unlocked.public == key.public
    public = crypto.export_public_key(key.public)
    assert public["version"] == 2 and crypto.import_public_key(public) == key.public


def test_an_old_key_file_and_key_list_stay_valid_and_unchanged() -> None:
    old = crypto.generate_key("Oud", post_quantum=False)
    data = crypto.export_private_key(old, "geheim", ITERATIONS)
    assert data["version"] == 1 and "xwing" not in data
    assert crypto.import_private_key(data, "geheim").xwing_seed is None
    institution = crypto.generate_key("Instelling")
    signed = crypto.sign_key_list(institution.ed25519, "hbo-ict", 1, [old.public])
    assert set(json.loads(signed["body"])["keys"][0]) == {"name", "kid", "x25519", "ed25519"}  # version 1 bytes
    listed = crypto.verify_key_list(signed, institution.ed25519.public_key(), "hbo-ict")
    assert listed.keys[0].xwing is None


def test_a_key_file_whose_x_wing_key_does_not_match_is_refused() -> None:
    key = crypto.generate_key("Behandelaar")
    data = crypto.export_private_key(key, "geheim", ITERATIONS)
    data["xwing"] = crypto.b64e(crypto.generate_key("Ander").public.xwing or b"")
    with pytest.raises(crypto.BadKeyFile, match="does not match"):
        crypto.import_private_key(data, "geheim")
    del data["xwing"]  # a version 2 file that hides its X-Wing key
    with pytest.raises(crypto.BadKeyFile, match="does not match"):
        crypto.import_private_key(data, "geheim")
    downgraded = crypto.export_private_key(key, "geheim", ITERATIONS) | {"version": 1}
    with pytest.raises(crypto.WrongPassphrase):  # the version is bound to the ciphertext
        crypto.import_private_key(downgraded, "geheim")


def test_the_key_list_signature_covers_the_x_wing_keys() -> None:
    institution, key = crypto.generate_key("Instelling"), crypto.generate_key("Behandelaar")
    signed = crypto.sign_key_list(institution.ed25519, "hbo-ict", 1, [key.public])
    listed = crypto.verify_key_list(signed, institution.ed25519.public_key(), "hbo-ict")
    assert listed.keys[0].xwing == key.public.xwing
    other = crypto.b64e(crypto.generate_key("Ander").public.xwing or b"")
    forged = signed | {"body": signed["body"].replace(crypto.b64e(key.public.xwing or b""), other)}
    with pytest.raises(crypto.KeyListError, match="bad signature"):
        crypto.verify_key_list(forged, institution.ed25519.public_key(), "hbo-ict")
    short = json.loads(signed["body"])
    short["keys"][0]["xwing"] = crypto.b64e(b"\x00" * 1215)
    body = json.dumps(short, sort_keys=True, separators=(",", ":"))
    signature = crypto.b64e(institution.ed25519.sign(crypto.LABEL_KEYLIST + body.encode()))
    resigned = signed | {"body": body, "signature": signature}
    with pytest.raises(crypto.KeyListError, match="malformed"):
        crypto.verify_key_list(resigned, institution.ed25519.public_key(), "hbo-ict")


def test_an_upgrade_takes_the_place_of_its_old_key_in_a_list_and_nothing_else_does() -> None:
    old = crypto.generate_key("Oud", post_quantum=False)
    upgraded = old.with_xwing()
    assert upgraded.kid == old.kid and upgraded.xwing_seed is not None
    [replaced] = keyring.edit_keys([old.public], [upgraded.public], [])
    assert replaced == upgraded.public
    with pytest.raises(keyring.KeyringError, match="already in the list"):
        keyring.edit_keys([old.public], [old.public], [])
    with pytest.raises(keyring.KeyringError, match="already in the list"):  # a second upgrade of an upgraded key
        keyring.edit_keys([upgraded.public], [upgraded.public], [])
    with pytest.raises(crypto.BadKeyFile, match="already has"):
        upgraded.with_xwing()


def test_keys_new_makes_post_quantum_key_files(runner: Any, tmp_path: Path) -> None:
    result = runner("keys", "new", "Jan de Vries", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    private = json.loads((tmp_path / "jan-de-vries.key.json").read_text())
    public = json.loads((tmp_path / "jan-de-vries.pub.json").read_text())
    assert private["version"] == public["version"] == 2 and private["xwing"] == public["xwing"]
    assert len(crypto.b64d(public["xwing"])) == 1216


def test_keys_upgrade_adds_an_x_wing_key_and_keeps_the_rest(
    app: Any, runner: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = crypto.generate_key("Jan", post_quantum=False)
    key_file = tmp_path / "jan.key.json"
    key_file.write_text(json.dumps(crypto.export_private_key(old, "mijn oude zin", ITERATIONS)))
    monkeypatch.setenv("HOTLINE_KEY_PASSPHRASE", "mijn oude zin")
    result = runner("keys", "upgrade", str(key_file))
    assert result.exit_code == 0, result.output
    assert f"Key id: {old.kid} (unchanged)" in result.output and "hotline keys sign" in result.output
    upgraded = crypto.import_private_key(json.loads(key_file.read_text()), "mijn oude zin")  # the same passphrase
    assert upgraded.kid == old.kid and upgraded.xwing_seed is not None
    assert (raw := crypto.raw_private(upgraded.x25519)) == crypto.raw_private(old.x25519) and raw
    assert crypto.raw_private(upgraded.ed25519) == crypto.raw_private(old.ed25519)
    kept = json.loads((tmp_path / "jan.key.json.v1").read_text())
    assert crypto.import_private_key(kept, "mijn oude zin").xwing_seed is None  # the old file, beside it
    public = crypto.import_public_key(json.loads((tmp_path / "jan.pub.json").read_text()))
    assert public == upgraded.public
    again = runner("keys", "upgrade", str(key_file))
    assert again.exit_code != 0 and "already" in again.output
    monkeypatch.setenv("HOTLINE_KEY_PASSPHRASE", "verkeerd")
    other = tmp_path / "other.key.json"
    other.write_text(json.dumps(crypto.export_private_key(crypto.generate_key("X", post_quantum=False), "z", 1000)))
    wrong = runner("keys", "upgrade", str(other))
    assert wrong.exit_code != 0 and json.loads(other.read_text())["version"] == 1  # nothing written
    assert not (tmp_path / "other.key.json.v1").exists() and not (tmp_path / "other.key.json.new").exists()


def test_re_signing_a_list_with_an_upgraded_key_is_one_command(
    app: Any, runner: Any, tmp_path: Path, material: DemoMaterial, passphrase_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    institution = write_key(tmp_path / "institution.key.json", material.institution)
    args = ("--institution-key", str(institution), "--passphrase-file", str(passphrase_file))
    old = crypto.generate_key("Oude sleutel", post_quantum=False)
    key_file = tmp_path / "oud.key.json"
    key_file.write_text(json.dumps(crypto.export_private_key(old, PASSPHRASE, ITERATIONS)))
    (tmp_path / "oud.pub.json").write_text(json.dumps(crypto.export_public_key(old.public)))
    assert runner("keys", "sign", "hbo-ict", "--add", str(tmp_path / "oud.pub.json"), *args).exit_code == 0
    listed = app.extensions["hotline.keyring"].verified("hbo-ict").by_kid(old.kid)
    assert listed is not None and listed.xwing is None
    monkeypatch.setenv("HOTLINE_KEY_PASSPHRASE", PASSPHRASE)
    assert runner("keys", "upgrade", str(key_file)).exit_code == 0
    result = runner("keys", "sign", "hbo-ict", "--add", str(tmp_path / "oud.pub.json"), *args)
    assert result.exit_code == 0, result.output
    key_list = app.extensions["hotline.keyring"].verified("hbo-ict")
    upgraded = key_list.by_kid(old.kid)
    assert key_list.version == 3 and upgraded is not None and upgraded.xwing is not None
    assert len(key_list.keys) == 2  # the upgrade took its old key's place
