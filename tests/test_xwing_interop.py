"""X-Wing hybrid HPKE between cryptography and the browser library (issue 17, point 4).

Suite: KEM X-Wing (MLKEM768-X25519, 0x647A), HKDF-SHA256, AES-256-GCM, base mode. Python uses
`cryptography.hazmat.primitives.hpke`; Node uses @hpke/core with @hpke/hybridkem-x-wing through
tests/js/xwing.mjs. Shown here: the same 32-byte seed gives the same 1216-byte public key on both sides, and
what either side seals the other opens. The vectors in tests/data/xwing/draft-vectors.json pin the Python side
to the drafts (tests/js/xwing.test.mjs does the same for Node).

cryptography (50) has no X-Wing seed API: `MLKEM768X25519PrivateKey` is built from an ML-KEM-768 key and an
X25519 key, so the seed is expanded here as the X-Wing draft says, and neither hybrid key class serializes, so
the public key is the concatenation of its parts. Its public `Suite.encrypt`/`decrypt` take `info` but no `aad`
(removed in pyca/cryptography#14203, per RFC 9180 section 8.1); the cases with an aad use the private
`_encrypt_with_aad`/`_decrypt_with_aad` that cryptography's own vector tests use, to show the wire format
agrees. Application code should bind its context with `info` and leave the aad empty.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.bindings._rust import openssl as rust_openssl
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519

REPO = Path(__file__).resolve().parents[1]
NODE = shutil.which("node")
HELPER = "tests/js/xwing.mjs"
VECTORS = json.loads((REPO / "tests" / "data" / "xwing" / "draft-vectors.json").read_text(encoding="utf-8"))

SUITE = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
SEED_BYTES = 32
MLKEM_PUBLIC_BYTES = 1184
PUBLIC_BYTES = 1216  # pk_M (1184) || pk_X (32)
ENC_BYTES = 1120  # ct_M (1088) || ct_X (32)
INFO = b"meldpunt/test/xwing info"
AAD = b"meldpunt/test/xwing aad"
PLAINTEXT = "Verzegeld met X-Wing: de begeleider één keer 😕".encode()


def xwing_private_key(seed: bytes) -> tuple[hpke.MLKEM768X25519PrivateKey, bytes]:
    """The X-Wing key pair of a 32-byte seed, and its 1216-byte public key.

    draft-connolly-cfrg-xwing-kem: SHAKE256(seed, 96 bytes) = ML-KEM-768 seed d || z (64) || X25519 key (32).
    """
    assert len(seed) == SEED_BYTES
    expanded = hashlib.shake_256(seed).digest(96)
    ml_kem = mlkem.MLKEM768PrivateKey.from_seed_bytes(expanded[:64])
    dh = x25519.X25519PrivateKey.from_private_bytes(expanded[64:])
    public = ml_kem.public_key().public_bytes_raw() + dh.public_key().public_bytes_raw()
    return hpke.MLKEM768X25519PrivateKey(ml_kem, dh), public


def xwing_public_key(public: bytes) -> hpke.MLKEM768X25519PublicKey:
    """The X-Wing public key of its 1216-byte encoding."""
    assert len(public) == PUBLIC_BYTES
    return hpke.MLKEM768X25519PublicKey(
        mlkem.MLKEM768PublicKey.from_public_bytes(public[:MLKEM_PUBLIC_BYTES]),
        x25519.X25519PublicKey.from_public_bytes(public[MLKEM_PUBLIC_BYTES:]),
    )


def python_seal(public: bytes, plaintext: bytes, info: bytes, aad: bytes) -> tuple[bytes, bytes]:
    """Seal with cryptography; return (enc, ct). An aad needs cryptography's private call."""
    key = xwing_public_key(public)
    if aad:
        sealed = rust_openssl.hpke._encrypt_with_aad(SUITE, plaintext, key, info=info, aad=aad)
    else:
        sealed = SUITE.encrypt(plaintext, key, info=info)
    return sealed[:ENC_BYTES], sealed[ENC_BYTES:]


def python_open(seed: bytes, enc: bytes, ct: bytes, info: bytes, aad: bytes) -> bytes:
    """Open with cryptography: single-shot HPKE takes enc || ct."""
    key, _ = xwing_private_key(seed)
    if aad:
        return rust_openssl.hpke._decrypt_with_aad(SUITE, enc + ct, key, info=info, aad=aad)
    return SUITE.decrypt(enc + ct, key, info=info)


def run_node(*args: str) -> subprocess.CompletedProcess[str]:
    """Run xwing.mjs with hex arguments."""
    if NODE is None:
        pytest.skip("needs node on PATH to run tests/js/xwing.mjs")
    return subprocess.run(  # noqa: S603  (fixed argv, no shell)
        [NODE, HELPER, *args], cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )


def node(*args: str) -> dict[str, str]:
    """Run xwing.mjs and return its JSON answer, failing with its stderr."""
    run = run_node(*args)
    hint = "" if (REPO / "node_modules" / "@hpke" / "hybridkem-x-wing").is_dir() else " (run `npm ci`)"
    assert run.returncode == 0, f"xwing.mjs {args[0]} failed{hint}:\n{run.stdout}\n{run.stderr}"
    answer: dict[str, str] = json.loads(run.stdout)
    return answer


def node_public(seed: bytes) -> bytes:
    return bytes.fromhex(node("public", seed.hex())["public"])


def node_seal(public: bytes, plaintext: bytes, info: bytes, aad: bytes) -> tuple[bytes, bytes]:
    answer = node("seal", public.hex(), plaintext.hex(), info.hex(), aad.hex())
    return bytes.fromhex(answer["enc"]), bytes.fromhex(answer["ct"])


def node_open(seed: bytes, enc: bytes, ct: bytes, info: bytes, aad: bytes) -> bytes:
    return bytes.fromhex(node("open", seed.hex(), enc.hex(), ct.hex(), info.hex(), aad.hex())["plaintext"])


# Public API (info, empty aad) and, to show the wire format agrees, an aad through the private call.
CASES = [
    pytest.param(INFO, b"", id="info"),
    pytest.param(b"", b"", id="no-info"),
    pytest.param(INFO, AAD, id="info-and-aad"),
]


# --- the suite's sizes ------------------------------------------------------------------------------------------


def test_sizes() -> None:
    assert hpke.KEM.MLKEM768_X25519.enc_length() == ENC_BYTES
    _, public = xwing_private_key(os.urandom(SEED_BYTES))
    assert len(public) == PUBLIC_BYTES
    enc, ct = python_seal(public, PLAINTEXT, INFO, b"")
    assert len(enc) == ENC_BYTES and len(ct) == len(PLAINTEXT) + 16


# --- Python and Node ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["zeros", "counting", "vector", "random"])
def test_same_seed_same_public_key(kind: str) -> None:
    seed = {
        "zeros": bytes(SEED_BYTES),
        "counting": bytes(range(SEED_BYTES)),
        "vector": bytes.fromhex(VECTORS["kem"]["vectors"][0]["seed"]),
        "random": os.urandom(SEED_BYTES),
    }[kind]
    assert node_public(seed) == xwing_private_key(seed)[1]


@pytest.mark.parametrize(("info", "aad"), CASES)
def test_python_seals_node_opens(info: bytes, aad: bytes) -> None:
    seed = os.urandom(SEED_BYTES)
    _, public = xwing_private_key(seed)
    enc, ct = python_seal(public, PLAINTEXT, info, aad)
    assert node_open(seed, enc, ct, info, aad) == PLAINTEXT


@pytest.mark.parametrize(("info", "aad"), CASES)
def test_node_seals_python_opens(info: bytes, aad: bytes) -> None:
    seed = os.urandom(SEED_BYTES)
    _, public = xwing_private_key(seed)
    enc, ct = node_seal(public, PLAINTEXT, info, aad)
    assert len(enc) == ENC_BYTES
    assert python_open(seed, enc, ct, info, aad) == PLAINTEXT


def test_node_seals_empty_and_large() -> None:
    seed = os.urandom(SEED_BYTES)
    public = node_public(seed)
    for plaintext in (b"", os.urandom(60_000)):  # one argument is at most 128 KiB of hex
        enc, ct = node_seal(public, plaintext, INFO, b"")
        assert python_open(seed, enc, ct, INFO, b"") == plaintext


def test_wrong_info_or_aad_opens_on_neither_side() -> None:
    seed = os.urandom(SEED_BYTES)
    _, public = xwing_private_key(seed)
    enc, ct = python_seal(public, PLAINTEXT, INFO, b"")
    refused = run_node("open", seed.hex(), enc.hex(), ct.hex(), b"other info".hex(), "")
    assert refused.returncode == 1 and "OpenError" in refused.stderr, refused.stderr
    refused = run_node("open", seed.hex(), enc.hex(), ct.hex(), INFO.hex(), AAD.hex())
    assert refused.returncode == 1 and "OpenError" in refused.stderr, refused.stderr

    enc, ct = node_seal(public, PLAINTEXT, INFO, AAD)
    with pytest.raises(InvalidTag):
        python_open(seed, enc, ct, INFO, b"")
    with pytest.raises(InvalidTag):
        python_open(seed, enc, ct, b"other info", AAD)
    with pytest.raises(InvalidTag):
        python_open(os.urandom(SEED_BYTES), enc, ct, INFO, AAD)


# --- published vectors --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("vector", VECTORS["kem"]["vectors"], ids=lambda v: v["seed"][:8])
def test_draft_vector_public_key(vector: dict[str, str]) -> None:
    """draft-connolly-cfrg-xwing-kem: seed -> pk. (Its ct and ss need a KEM-level encapsulate/decapsulate,
    which cryptography does not expose for X-Wing; the HPKE vector below covers decapsulation.)"""
    assert vector["seed"] == vector["sk"]
    _, public = xwing_private_key(bytes.fromhex(vector["seed"]))
    assert public.hex() == vector["pk"]


def test_hpke_pq_vector_opens() -> None:
    """draft-ietf-hpke-pq, 0x647A with HKDF-SHA256 and ChaCha20-Poly1305: skRm -> pkRm, and its first
    encryption opens. That needs X-Wing decapsulation of the vector's enc, its combiner and the RFC 9180 key
    schedule with KEM id 0x647A all to agree. Its aad is "Count-0", hence the private call."""
    vector: dict[str, Any] = VECTORS["hpke"]["vector"]
    assert (vector["mode"], vector["kem_id"], vector["kdf_id"], vector["aead_id"]) == (0, 0x647A, 1, 3)
    key, public = xwing_private_key(bytes.fromhex(vector["skRm"]))
    assert public.hex() == vector["pkRm"]
    suite = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305)
    first = vector["encryptions"][0]
    opened = rust_openssl.hpke._decrypt_with_aad(
        suite,
        bytes.fromhex(vector["enc"]) + bytes.fromhex(first["ct"]),
        key,
        info=bytes.fromhex(vector["info"]),
        aad=bytes.fromhex(first["aad"]),
    )
    assert opened.hex() == first["pt"]
