"""The keyring remembers only verifications of the exact bytes on disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import DemoMaterial, publish

from hotline import crypto
from hotline.keyring import INSTITUTION_FILE, Keyring, KeyringError, institution_document, key_list_path, write_json


def keyring_of(tmp_path: Path, material: DemoMaterial) -> Keyring:
    write_json(tmp_path / "keys" / INSTITUTION_FILE, institution_document(material.institution.ed25519.public_key()))
    return Keyring(tmp_path / "keys", crypto.institution_fingerprint(material.institution.ed25519.public_key()))


def test_a_new_list_on_disk_is_verified_afresh(tmp_path: Path, material: DemoMaterial) -> None:
    ring = keyring_of(tmp_path, material)
    publish(ring.keys_dir, material, "hbo-ict", [material.handlers["hbo-ict"].public], version=1)
    assert ring.verified("hbo-ict").version == 1
    publish(ring.keys_dir, material, "hbo-ict", [material.handlers["hbo-ict"].public], version=2)
    assert ring.verified("hbo-ict").version == 2


def test_a_tampered_list_is_refused_after_a_verified_one(tmp_path: Path, material: DemoMaterial) -> None:
    ring = keyring_of(tmp_path, material)
    publish(ring.keys_dir, material, "hbo-ict", [material.handlers["hbo-ict"].public])
    ring.verified("hbo-ict")
    path = key_list_path(ring.keys_dir, "hbo-ict")
    document = json.loads(path.read_text())
    document["body"] = document["body"].replace('"version":1', '"version":9')
    path.write_text(json.dumps(document))
    with pytest.raises(KeyringError, match="bad signature"):
        ring.verified("hbo-ict")
    with pytest.raises(KeyringError, match="bad signature"):
        ring.verified("hbo-ict")  # a failure is never remembered as a success


def test_a_rollback_is_refused_even_when_the_list_was_verified_before(tmp_path: Path, material: DemoMaterial) -> None:
    ring = keyring_of(tmp_path, material)
    publish(ring.keys_dir, material, "hbo-ict", [material.handlers["hbo-ict"].public], version=1)
    ring.verified("hbo-ict")
    with pytest.raises(KeyringError, match="older"):
        ring.verified("hbo-ict", min_version=2)
