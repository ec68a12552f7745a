"""Envelopes v1 and v2, key files, fingerprints and signed key lists: the only home of primitives.

Formats (see DESIGN.md, "Cryptography"):

hdr (89 bytes) = version(1) | kem,kdf,aead ids (3 x 2) | kind(1) | direction(1)
                 | envelope id(16) | case reply public key(32) | commit(32)
payload        = AES-256-GCM(k_enc, nonce, pad(plaintext), aad=hdr)
wrap           = HPKE base seal of the DEK, info = "meldpunt/v1/wrap" | kid(32) | SHA-256(hdr)
signature      = Ed25519("meldpunt/v1/sig" | hdr | SHA-256(nonce | payload))
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import os
import re
import secrets
import struct
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric import mlkem
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey,
    X25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

Bytes = bytes | bytearray | memoryview  # what sealing reads; a server-sealed ciphertext is a bytearray

VERSION = 1
KEYFILE_POST_QUANTUM = 2  # a key file (private or public) that holds an X-Wing key beside the others
SUITE_IDS = (0x0020, 0x0001, 0x0002)  # DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM
SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
# Envelope v2 (docs/formats.md): the same envelope, with X-Wing wraps for every reader that has an X-Wing key.
VERSION_PQ = 2
SUITE_IDS_PQ = (0x647A, 0x0001, 0x0002)  # X-Wing (MLKEM768-X25519), HKDF-SHA256, AES-256-GCM
SUITE_PQ = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
SUITES = {VERSION: SUITE_IDS, VERSION_PQ: SUITE_IDS_PQ}
KEM_X25519 = "x25519"  # marks a classical wrap in a v2 envelope, for a reader without an X-Wing key
WRAP_LENGTHS = {None: 1120 + 48, KEM_X25519: 32 + 48}  # enc || AES-256-GCM of the 32-byte dek, per kem

KINDS = {"report": 1, "message": 2, "attachment": 3}
DIRECTIONS = {"to_handlers": 1, "to_reporter": 2}
HEADER_LEN = 1 + 6 + 1 + 1 + 16 + 32 + 32
MIN_PADDED = 4096
PBKDF2_ITERATIONS = 600_000
PASSPHRASE_WORDS = 7  # EFF long list: about 12.9 bits a word

LABEL_ENC = b"meldpunt/v1/enc"
LABEL_COMMIT = b"meldpunt/v1/commit"
LABEL_WRAP = b"meldpunt/v1/wrap"
LABEL_WRAP_PQ = b"meldpunt/v2/wrap"
LABEL_WRAP_PQ_X25519 = b"meldpunt/v2/wrap-x25519"
LABEL_SIG = b"meldpunt/v1/sig"
LABEL_KEYLIST = b"meldpunt/v1/keylist"
LABEL_KEYFILE = "meldpunt/v1/keyfile"
LABEL_POSSESSION = b"meldpunt/v1/possession"
_B64URL = re.compile(r"[A-Za-z0-9_-]*")


class CryptoError(Exception):
    """Base of every failure here; all of them fail closed."""


class MalformedEnvelope(CryptoError):
    """The envelope does not have the structure of envelope v1."""


class NotARecipient(CryptoError):
    """None of the envelope's wraps is for this key."""


class CommitmentMismatch(CryptoError):
    """The data key does not match the header's commitment."""


class DecryptionFailed(CryptoError):
    """A wrap or the payload did not authenticate."""


class BadSignature(CryptoError):
    """The envelope's signature does not verify."""


class WrongCase(CryptoError):
    """The envelope is bound to another case or kind than expected."""


class WrongPassphrase(CryptoError):
    """The passphrase does not unlock the key file."""


class BadKeyFile(CryptoError):
    """The key file is malformed or does not match its key id."""


class KeyListError(CryptoError):
    """A destination key list is malformed, badly signed or rolled back."""


class UnknownRecipient(CryptoError):
    """A key to seal to does not appear in a verified key list."""


def b64e(data: bytes | bytearray) -> str:
    """Encode bytes as unpadded base64url."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64d(text: str) -> bytes:
    """Decode canonical unpadded base64url, raising MalformedEnvelope on anything else."""
    if not isinstance(text, str) or not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise MalformedEnvelope("not base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64e(data) != text:
        raise MalformedEnvelope("not canonical base64url")
    return data


def fingerprint(raw_public_key: bytes) -> str:
    """Return the key id: hex SHA-256 of a raw public key."""
    return hashlib.sha256(raw_public_key).hexdigest()


def hkdf(ikm: bytes, info: bytes, salt: bytes | None = None, length: int = 32) -> bytes:
    """Derive key material with HKDF-SHA256."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def raw_public(key: X25519PrivateKey | Ed25519PrivateKey) -> bytes:
    """Return the raw public key bytes of a private key."""
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def raw_private(key: X25519PrivateKey | Ed25519PrivateKey) -> bytes:
    """Return the raw private key bytes."""
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


# --- padding -------------------------------------------------------------------------


def padded_size(length: int) -> int:
    """Return the bucket size for a length: at least 4 KiB, then Padmé."""
    length = max(length, MIN_PADDED)
    exponent = length.bit_length() - 1
    size_bits = exponent.bit_length()
    mask = (1 << (exponent - size_bits)) - 1
    return (length + mask) & ~mask


def pad(plaintext: bytes) -> bytes:
    """Prefix the length and pad with zeros up to the bucket size."""
    length = 4 + len(plaintext)
    # One join, not two concatenations: an attachment of megabytes is copied once, not twice.
    return b"".join((struct.pack(">I", len(plaintext)), plaintext, bytes(padded_size(length) - length)))


def unpad(padded: bytes) -> bytes:
    """Strip the padding added by pad()."""
    if len(padded) < 4:
        raise MalformedEnvelope("payload too short")
    (length,) = struct.unpack(">I", padded[:4])
    if length > len(padded) - 4 or any(padded[4 + length :]):
        raise MalformedEnvelope("bad padding")
    return padded[4 : 4 + length]


# --- keys ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicKey:
    """A handler's public keys as they appear in a verified key list."""

    name: str
    kid: str
    x25519: bytes
    ed25519: bytes
    xwing: bytes | None = None  # the X-Wing public key (1216 bytes) of a post-quantum key, signed with the rest

    def to_json(self) -> dict[str, Any]:
        found = {"name": self.name, "kid": self.kid, "x25519": b64e(self.x25519), "ed25519": b64e(self.ed25519)}
        return found | ({"xwing": b64e(self.xwing)} if self.xwing is not None else {})

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PublicKey:
        try:
            xwing = b64d(data["xwing"]) if "xwing" in data else None
            key = cls(str(data["name"]), str(data["kid"]), b64d(data["x25519"]), b64d(data["ed25519"]), xwing)
        except (KeyError, TypeError, MalformedEnvelope) as exc:
            raise BadKeyFile("malformed public key") from exc
        if len(key.x25519) != 32 or len(key.ed25519) != 32 or fingerprint(key.x25519) != key.kid:
            raise BadKeyFile("public key does not match its key id")
        if key.xwing is not None:
            xwing_public(key.xwing)  # BadKeyFile unless a well-formed X-Wing public key
        return key


@dataclass(frozen=True)
class PrivateKey:
    """An unlocked handler key: X25519 to receive, Ed25519 to sign."""

    name: str
    x25519: X25519PrivateKey
    ed25519: Ed25519PrivateKey
    xwing_seed: bytes | None = None  # 32 bytes: the X-Wing private key of a post-quantum key (issue 17)

    @property
    def kid(self) -> str:
        return fingerprint(raw_public(self.x25519))

    @property
    def public(self) -> PublicKey:
        return PublicKey(self.name, self.kid, raw_public(self.x25519), raw_public(self.ed25519), self.xwing_public)

    @property
    def xwing_public(self) -> bytes | None:
        """The 1216-byte X-Wing public key, or None for a key without one."""
        return self._xwing[1] if self._xwing is not None else None

    @functools.cached_property
    def _xwing(self) -> tuple[hpke.MLKEM768X25519PrivateKey, bytes] | None:
        """The X-Wing private key and its public bytes, derived from the seed once per key (an ML-KEM key
        generation), not again for every envelope opened or every look at the public key."""
        return _xwing_keys(self.xwing_seed) if self.xwing_seed is not None else None

    def with_xwing(self) -> PrivateKey:
        """Return this key with a new X-Wing key beside its others (the same kid, X25519 and Ed25519 keys)."""
        if self.xwing_seed is not None:
            raise BadKeyFile("this key already has an X-Wing key")
        return PrivateKey(self.name, self.x25519, self.ed25519, os.urandom(XWING_SEED_LEN))


def generate_key(name: str, *, post_quantum: bool = True) -> PrivateKey:
    """Make a fresh handler key: X25519 and Ed25519, and an X-Wing key unless post_quantum is off."""
    seed = os.urandom(XWING_SEED_LEN) if post_quantum else None
    return PrivateKey(name, X25519PrivateKey.generate(), Ed25519PrivateKey.generate(), seed)


# X-Wing (draft-connolly-cfrg-xwing-kem; HPKE KEM 0x647A): the private key is a 32-byte seed, the public key
# the ML-KEM-768 public key (1184 bytes) followed by the X25519 one (32). cryptography builds the key from its
# two parts and serializes neither, so the seed is expanded here as the draft says: SHAKE256(seed, 96) = the
# ML-KEM-768 seed (d || z, 64 bytes) || the X25519 private key (32). tests/test_xwing_interop.py holds this to
# the draft's test vectors and to @hpke/hybridkem-x-wing.
XWING_SEED_LEN, XWING_PUBLIC_LEN, MLKEM768_PUBLIC_LEN = 32, 1216, 1184


def _xwing_keys(seed: bytes) -> tuple[hpke.MLKEM768X25519PrivateKey, bytes]:
    """The X-Wing private key of a 32-byte seed, and its 1216-byte public key."""
    if len(seed) != XWING_SEED_LEN:
        raise BadKeyFile("an X-Wing seed is 32 bytes")
    expanded = hashlib.shake_256(seed).digest(96)
    ml_kem = mlkem.MLKEM768PrivateKey.from_seed_bytes(expanded[:64])
    dh = X25519PrivateKey.from_private_bytes(expanded[64:])
    public = ml_kem.public_key().public_bytes_raw() + dh.public_key().public_bytes_raw()
    return hpke.MLKEM768X25519PrivateKey(ml_kem, dh), public


def xwing_private(seed: bytes) -> hpke.MLKEM768X25519PrivateKey:
    """The X-Wing private key of a 32-byte seed."""
    return _xwing_keys(seed)[0]


def xwing_public_bytes(seed: bytes) -> bytes:
    """The 1216-byte X-Wing public key of a seed."""
    return _xwing_keys(seed)[1]


def xwing_public_b64(value: object) -> bytes:
    """Return the bytes of an X-Wing public key sent as base64url text; BadKeyFile for anything else."""
    try:
        raw = b64d(value if isinstance(value, str) else "?")  # "?" is never base64url
    except MalformedEnvelope as exc:
        raise BadKeyFile("an X-Wing public key is sent as base64url") from exc
    xwing_public(raw)
    return raw


def xwing_public(raw: bytes) -> hpke.MLKEM768X25519PublicKey:
    """Read a 1216-byte X-Wing public key; BadKeyFile for anything else."""
    if len(raw) != XWING_PUBLIC_LEN:
        raise BadKeyFile("an X-Wing public key is 1216 bytes")
    try:
        return hpke.MLKEM768X25519PublicKey(
            mlkem.MLKEM768PublicKey.from_public_bytes(raw[:MLKEM768_PUBLIC_LEN]),
            X25519PublicKey.from_public_bytes(raw[MLKEM768_PUBLIC_LEN:]),
        )
    except ValueError as exc:
        raise BadKeyFile("not a valid X-Wing public key") from exc


def generate_passphrase(words: int = PASSPHRASE_WORDS) -> str:
    """Return a diceware passphrase from the EFF long word list."""
    from xkcdpass import xkcd_password

    wordlist = xkcd_password.generate_wordlist(
        wordfile=xkcd_password.locate_wordfile("eff-long"), min_length=1, max_length=20
    )
    return " ".join(secrets.choice(wordlist) for _ in range(words))


def _keyfile_aad(version: int, kdf: dict[str, Any], kid: str) -> bytes:
    return f"{LABEL_KEYFILE}|{version}|{kdf['name']}|{kdf['iterations']}|{kdf['salt']}|{kid}".encode()


def _pbkdf2(passphrase: str, salt: bytes, iterations: int) -> bytes:
    normalised = " ".join(passphrase.split()).encode("utf-8")
    return PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=iterations).derive(normalised)


def export_private_key(key: PrivateKey, passphrase: str, iterations: int | None = None) -> dict[str, Any]:
    """Seal both private keys under a passphrase into the key file JSON."""
    iterations = iterations or PBKDF2_ITERATIONS
    salt = os.urandom(16)
    kdf: dict[str, Any] = {"name": "PBKDF2-HMAC-SHA256", "iterations": iterations, "salt": b64e(salt)}
    nonce = os.urandom(12)
    secret = raw_private(key.x25519) + raw_private(key.ed25519) + (key.xwing_seed or b"")
    version = KEYFILE_POST_QUANTUM if key.xwing_seed is not None else VERSION
    sealed = AESGCM(_pbkdf2(passphrase, salt, iterations)).encrypt(nonce, secret, _keyfile_aad(version, kdf, key.kid))
    return {
        "type": "meldpunt-private-key",
        "version": version,
        **key.public.to_json(),
        "kdf": kdf,
        "cipher": {"name": "AES-256-GCM", "nonce": b64e(nonce)},
        "ciphertext": b64e(sealed),
    }


def import_private_key(data: dict[str, Any], passphrase: str) -> PrivateKey:
    """Unlock a key file; the unlocked key must match the file's key id."""
    try:
        version = data["version"]
        if data["type"] != "meldpunt-private-key" or version not in (VERSION, KEYFILE_POST_QUANTUM):
            raise BadKeyFile("not a version 1 or 2 private key file")
        kdf = data["kdf"]
        if kdf["name"] != "PBKDF2-HMAC-SHA256" or not 1 <= int(kdf["iterations"]) <= 10_000_000:
            raise BadKeyFile("unsupported key derivation")
        nonce, sealed, kid = b64d(data["cipher"]["nonce"]), b64d(data["ciphertext"]), str(data["kid"])
        if len(nonce) != 12:
            raise BadKeyFile("the key file's nonce is not 12 bytes")
        key = _pbkdf2(passphrase, b64d(kdf["salt"]), int(kdf["iterations"]))
    except (KeyError, TypeError, ValueError, OverflowError, MalformedEnvelope) as exc:  # int(inf): OverflowError
        raise BadKeyFile("malformed key file") from exc
    try:
        secret = AESGCM(key).decrypt(nonce, sealed, _keyfile_aad(version, kdf, kid))
    except InvalidTag as exc:
        raise WrongPassphrase("the passphrase does not unlock this key file") from exc
    if len(secret) != (64 if version == VERSION else 64 + XWING_SEED_LEN):
        raise BadKeyFile("the key file holds a secret of the wrong length")
    private = PrivateKey(
        str(data.get("name", "")),
        X25519PrivateKey.from_private_bytes(secret[:32]),
        Ed25519PrivateKey.from_private_bytes(secret[32:64]),
        secret[64:] or None,
    )
    public = private.public
    stated = (data.get("x25519"), data.get("ed25519"), data.get("xwing"))
    derived = (b64e(public.x25519), b64e(public.ed25519), b64e(public.xwing) if public.xwing is not None else None)
    if not hmac.compare_digest(public.kid, kid) or stated != derived:
        raise BadKeyFile("the key does not match the public keys of the file")
    return private


def export_public_key(key: PublicKey) -> dict[str, Any]:
    """Return the public key file JSON."""
    return {
        "type": "meldpunt-public-key",
        "version": VERSION if key.xwing is None else KEYFILE_POST_QUANTUM,
        **key.to_json(),
    }


def import_public_key(data: dict[str, Any]) -> PublicKey:
    """Read a public key file (or the public part of a private key file)."""
    if not isinstance(data, dict) or data.get("type") not in ("meldpunt-public-key", "meldpunt-private-key"):
        raise BadKeyFile("not a public key file")
    return PublicKey.from_json(data)


# --- signed destination key lists ------------------------------------------------------


@dataclass(frozen=True)
class KeyList:
    """A verified destination key list."""

    destination: str
    version: int
    keys: tuple[PublicKey, ...]

    def by_kid(self, kid: str) -> PublicKey | None:
        return next((k for k in self.keys if k.kid == kid), None)


def institution_fingerprint(public_key: Ed25519PublicKey) -> str:
    """Return the published fingerprint of the institution key."""
    return fingerprint(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw))


def sign_key_list(
    institution: Ed25519PrivateKey, destination: str, version: int, keys: Iterable[PublicKey]
) -> dict[str, Any]:
    """Sign a destination's key list with the institution key."""
    body = json.dumps(
        {"destination": destination, "version": version, "keys": [k.to_json() for k in keys]},
        sort_keys=True,
        separators=(",", ":"),
    )
    return {
        "type": "meldpunt-key-list",
        "body": body,
        "signer": institution_fingerprint(institution.public_key()),
        "signature": b64e(institution.sign(LABEL_KEYLIST + body.encode("utf-8"))),
    }


def verify_key_list(
    document: dict[str, Any], institution: Ed25519PublicKey, destination: str, min_version: int = 0
) -> KeyList:
    """Verify a signed key list over its exact body bytes; refuse rollbacks."""
    try:
        if document["type"] != "meldpunt-key-list":
            raise KeyListError("not a key list")
        body_text = str(document["body"])
        institution.verify(b64d(document["signature"]), LABEL_KEYLIST + body_text.encode("utf-8"))
        body = json.loads(body_text)
        keys = tuple(PublicKey.from_json(k) for k in body["keys"])
        version = body["version"]
        if not isinstance(version, int) or isinstance(version, bool):
            raise TypeError("version")
        listed_for = str(body["destination"])
    except InvalidSignature as exc:
        raise KeyListError(f"the key list of {destination} has a bad signature") from exc
    except (KeyError, TypeError, ValueError, MalformedEnvelope, BadKeyFile) as exc:
        raise KeyListError(f"the key list of {destination} is malformed") from exc
    if listed_for != destination:
        raise KeyListError(f"the key list is for {listed_for}, not {destination}")
    if version < min_version:
        raise KeyListError(f"the key list of {destination} is older (version {version}) than one seen before")
    if not keys:
        raise KeyListError(f"the key list of {destination} holds no keys")
    return KeyList(destination, version, keys)


# --- envelopes --------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """The parsed fields of an envelope header."""

    kind: str
    direction: str
    envelope_id: bytes
    reply_public_key: bytes
    commit: bytes
    version: int = VERSION  # 1, or 2 (VERSION_PQ): X-Wing wraps

    @classmethod
    def parse(cls, hdr: bytes) -> Header:
        if len(hdr) != HEADER_LEN or hdr[0] not in SUITES:
            raise MalformedEnvelope("unknown header version or length")
        if struct.unpack(">HHH", hdr[1:7]) != SUITES[hdr[0]]:
            raise MalformedEnvelope("unknown suite")
        kinds = {v: k for k, v in KINDS.items()}
        directions = {v: k for k, v in DIRECTIONS.items()}
        if hdr[7] not in kinds or hdr[8] not in directions:
            raise MalformedEnvelope("unknown kind or direction")
        return cls(kinds[hdr[7]], directions[hdr[8]], hdr[9:25], hdr[25:57], hdr[57:89], hdr[0])


@dataclass
class Envelope:
    """Envelope v1 or v2: the header bytes travel as they are, never rebuilt."""

    hdr: bytes
    nonce: bytes
    ciphertext: bytes | bytearray  # bytearray when sealed here: one buffer, never copied into bytes
    recipients: list[dict[str, str]]
    signer: str
    signature: bytes
    header: Header = field(init=False)

    def __post_init__(self) -> None:
        self.header = Header.parse(self.hdr)

    @property
    def id(self) -> str:
        return self.header.envelope_id.hex()

    def kids(self) -> list[str]:
        return [r["kid"] for r in self.recipients]

    def to_json(self) -> dict[str, Any]:
        return {
            "v": self.header.version,
            "hdr": b64e(self.hdr),
            "nonce": b64e(self.nonce),
            "ct": b64e(self.ciphertext),
            "recipients": [dict(r) for r in self.recipients],
            "sig": {"signer": self.signer, "value": b64e(self.signature)},
        }

    @classmethod
    def from_json(cls, data: Any, *, rewraps: bool = False) -> Envelope:
        """Parse envelope JSON; with rewraps (a stored envelope), a kid may carry several wraps."""
        try:
            if data["v"] not in SUITES or isinstance(data["v"], bool):
                raise MalformedEnvelope("unknown envelope version")
            recipients = [_recipient(r, data["v"]) for r in data["recipients"]]
            envelope = cls(
                b64d(data["hdr"]),
                b64d(data["nonce"]),
                b64d(data["ct"]),
                recipients,
                str(data["sig"]["signer"]),
                b64d(data["sig"]["value"]),
            )
        except (KeyError, TypeError) as exc:
            raise MalformedEnvelope("missing or mistyped envelope field") from exc
        if len(envelope.nonce) != 12 or len(envelope.signature) != 64 or not recipients:
            raise MalformedEnvelope("bad nonce, signature or recipients")
        if envelope.header.version != data["v"]:
            raise MalformedEnvelope("the envelope's version is not its header's")
        if not rewraps and len(set(envelope.kids())) != len(recipients):
            raise MalformedEnvelope("a recipient appears twice")
        return envelope


def _recipient(found: Any, version: int) -> dict[str, str]:
    """Read one recipient strictly: a kid and a wrap, and in v2 a classical wrap's kem; the wrap's length checked."""
    recipient = {"kid": str(found["kid"]), "wrap": str(found["wrap"])}
    if "kem" in found:
        if version != VERSION_PQ or found["kem"] != KEM_X25519:
            raise MalformedEnvelope("unknown kem of a wrap")
        recipient["kem"] = KEM_X25519
    if version == VERSION_PQ and len(b64d(recipient["wrap"])) != WRAP_LENGTHS[recipient.get("kem")]:
        raise MalformedEnvelope("a wrap of the wrong length for its kem")
    return recipient


@dataclass(frozen=True)
class Reader:
    """Whom a new envelope is sealed to: a reader's X25519 key, and their X-Wing key if they have one."""

    x25519: bytes
    xwing: bytes | None = None


def reader_of(key: PublicKey) -> Reader:
    return Reader(key.x25519, key.xwing)


def _derive(dek: bytes) -> tuple[bytes, bytes]:
    return hkdf(dek, LABEL_ENC), hkdf(dek, LABEL_COMMIT)


def _wrap_info(kid: str, hdr: bytes, kem: str | None = None) -> bytes:
    """The wrap's info: v1's label, or in v2 the X-Wing label or (kem x25519) the classical one."""
    label = LABEL_WRAP if hdr[0] == VERSION else LABEL_WRAP_PQ_X25519 if kem == KEM_X25519 else LABEL_WRAP_PQ
    return label + bytes.fromhex(kid) + hashlib.sha256(hdr).digest()


def _signed_bytes(hdr: bytes, nonce: bytes, ciphertext: bytes | bytearray) -> bytes:
    digest = hashlib.sha256(nonce)
    digest.update(ciphertext)  # hashed in place: nonce + ciphertext would copy megabytes
    return LABEL_SIG + hdr + digest.digest()


def wrap_for(dek: bytes, hdr: bytes, kid: str, x25519_public: bytes, xwing: bytes | None = None) -> dict[str, str]:
    """HPKE-seal the data key for one recipient: in v2 with X-Wing when they have an X-Wing key, never both."""
    if fingerprint(x25519_public) != kid:
        raise UnknownRecipient("public key does not match its key id")
    if hdr[0] == VERSION_PQ and xwing is not None:
        try:
            wrap = SUITE_PQ.encrypt(dek, xwing_public(xwing), info=_wrap_info(kid, hdr))
        except BadKeyFile as exc:
            raise UnknownRecipient(f"the X-Wing key of {kid[:16]} is not usable") from exc
        return {"kid": kid, "wrap": b64e(wrap)}
    kem = KEM_X25519 if hdr[0] == VERSION_PQ else None
    wrap = SUITE.encrypt(dek, X25519PublicKey.from_public_bytes(x25519_public), info=_wrap_info(kid, hdr, kem))
    return {"kid": kid, "wrap": b64e(wrap)} | ({"kem": kem} if kem else {})


CHUNK = 1 << 20  # bytes encrypted and hashed at a time while sealing
SMALL = 64 * 1024  # padded sizes up to this are sealed in one call


def _encrypt_padded(key: bytes, nonce: bytes, hdr: bytes, parts: Sequence[Bytes]) -> tuple[bytes | bytearray, bytes]:
    """Return AES-256-GCM(pad(b"".join(parts))) with its tag, and SHA-256(nonce + that) for the signature.

    The same bytes as AESGCM(key).encrypt(nonce, pad(plaintext), hdr), but encrypted into one buffer a
    megabyte at a time and hashed as it goes: neither the joined plaintext nor its padded copy ever exists,
    so sealing a 5 MiB attachment holds one copy of it (the ciphertext) instead of three.
    """
    length = sum(memoryview(part).nbytes for part in parts)
    total = padded_size(4 + length)
    if total <= SMALL:  # a report or a message: one call, as the copies cost nothing
        sealed = AESGCM(key).encrypt(nonce, pad(b"".join(parts)), hdr)
        return sealed, hashlib.sha256(nonce + sealed).digest()
    out = bytearray(total + 16)  # the padded ciphertext and the 16-byte tag
    view = memoryview(out)
    encryptor = Cipher(algorithms.AES(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(hdr)
    digest = hashlib.sha256(nonce)
    written = 0

    def feed(chunk: Bytes) -> None:
        nonlocal written
        # update_into needs 15 spare bytes past the chunk; the tag's 16 at the end give them.
        done = encryptor.update_into(chunk, view[written:])
        digest.update(view[written : written + done])
        written += done

    feed(struct.pack(">I", length))
    for part in parts:
        data = memoryview(part).cast("B")
        for start in range(0, data.nbytes, CHUNK):
            feed(data[start : start + CHUNK])
    zeros = bytes(min(total - written, CHUNK))
    while written < total:
        feed(zeros[: total - written])
    encryptor.finalize()
    view[written:] = encryptor.tag
    digest.update(encryptor.tag)
    view.release()
    return out, digest.digest()


def seal(
    plaintext: Bytes | Sequence[Bytes],
    *,
    kind: str,
    direction: str,
    reply_public_key: bytes,
    recipients: Iterable[tuple[str, bytes | Reader]],
    signer: str,
    signing_key: Ed25519PrivateKey,
) -> Envelope:
    """Seal plaintext (bytes, or a list of parts sealed as their concatenation) to (kid, reader) pairs.

    A reader is a raw X25519 key or a Reader. The envelope is v2 as soon as one reader has an X-Wing key (they get
    X-Wing wraps, the others classical ones), and v1 when none has.
    """
    if kind not in KINDS or direction not in DIRECTIONS or len(reply_public_key) != 32:
        raise MalformedEnvelope("bad kind, direction or reply key")
    parts: Sequence[Bytes] = [plaintext] if isinstance(plaintext, bytes | bytearray | memoryview) else plaintext
    readers = {kid: r if isinstance(r, Reader) else Reader(r) for kid, r in recipients}
    version = VERSION_PQ if any(r.xwing is not None for r in readers.values()) else VERSION
    dek = os.urandom(32)
    k_enc, commit = _derive(dek)
    hdr = (
        bytes([version])
        + struct.pack(">HHH", *SUITES[version])
        + bytes([KINDS[kind], DIRECTIONS[direction]])
        + os.urandom(16)
        + reply_public_key
        + commit
    )
    nonce = os.urandom(12)
    wraps = [wrap_for(dek, hdr, kid, reader.x25519, reader.xwing) for kid, reader in readers.items()]
    if not wraps:
        raise UnknownRecipient("no recipients to seal to")
    ciphertext, digest = _encrypt_padded(k_enc, nonce, hdr, parts)
    signature = signing_key.sign(LABEL_SIG + hdr + digest)
    return Envelope(hdr, nonce, ciphertext, wraps, signer, signature)


OpeningKey = X25519PrivateKey | PrivateKey  # a reporter's reply key, or a handler's key (with its X-Wing seed)


def _x25519_of(key: OpeningKey) -> X25519PrivateKey:
    return key.x25519 if isinstance(key, PrivateKey) else key


def _open_dek(envelope: Envelope, kid: str, key: OpeningKey) -> bytes:
    """Return the data key from the first of the kid's wraps that opens and matches the commitment.

    A kid may carry several wraps (a later re-wrap beside a bad one): each is tried, so a garbage
    wrap added first cannot hide a valid one. Fails with the last reason when none opens. An X-Wing wrap
    (envelope v2) opens only with the X-Wing seed of a key file; a classical one with the X25519 key.
    """
    wraps = [r for r in envelope.recipients if r["kid"] == kid]
    if not wraps:
        raise NotARecipient("this envelope is not sealed to your key")
    failure: CryptoError = DecryptionFailed("the wrap for this key does not open")
    xwing = key._xwing if isinstance(key, PrivateKey) else None
    for recipient in wraps:
        kem = recipient.get("kem") if envelope.header.version == VERSION_PQ else KEM_X25519
        try:
            if kem is not None:
                info = _wrap_info(kid, envelope.hdr, recipient.get("kem"))
                dek = SUITE.decrypt(b64d(recipient["wrap"]), _x25519_of(key), info=info)
            elif xwing is not None:
                dek = SUITE_PQ.decrypt(b64d(recipient["wrap"]), xwing[0], info=_wrap_info(kid, envelope.hdr))
            else:
                failure = DecryptionFailed("this wrap needs the X-Wing key of your key file (hotline keys upgrade)")
                continue
        except (InvalidTag, ValueError, MalformedEnvelope):
            failure = DecryptionFailed("the wrap for this key does not open")
            continue
        if len(dek) == 32 and hmac.compare_digest(_derive(dek)[1], envelope.header.commit):
            return dek
        failure = CommitmentMismatch("the data key does not match the commitment")
    raise failure


def verify_signature(envelope: Envelope, verify_key: bytes) -> None:
    """Verify the envelope's Ed25519 signature with a raw public key."""
    try:
        Ed25519PublicKey.from_public_bytes(verify_key).verify(
            envelope.signature, _signed_bytes(envelope.hdr, envelope.nonce, envelope.ciphertext)
        )
    except (InvalidSignature, ValueError) as exc:
        raise BadSignature("the envelope's signature does not verify") from exc


def _check_binding(envelope: Envelope, reply_public_key: bytes | None, kind: str | None) -> None:
    """Refuse an envelope bound to another case's reply key, or of another kind than expected."""
    if reply_public_key is not None and not hmac.compare_digest(envelope.header.reply_public_key, reply_public_key):
        raise WrongCase("the envelope belongs to another case")
    if kind is not None and envelope.header.kind != kind:
        raise WrongCase("the envelope is of another kind")


def _decrypt(envelope: Envelope, dek: bytes) -> bytes:
    """Decrypt and unpad the payload, which authenticates the header too."""
    try:
        padded = AESGCM(_derive(dek)[0]).decrypt(envelope.nonce, envelope.ciphertext, envelope.hdr)
    except InvalidTag as exc:
        raise DecryptionFailed("the payload does not authenticate") from exc
    return unpad(padded)


def open_envelope(
    envelope: Envelope,
    x25519: OpeningKey,
    *,
    verify_key: Callable[[str], bytes | None],
    reply_public_key: bytes | None = None,
    kind: str | None = None,
) -> bytes:
    """Open an envelope: own wrap, commitment, signature, binding, then the payload."""
    kid = fingerprint(raw_public(_x25519_of(x25519)))
    dek = _open_dek(envelope, kid, x25519)
    signer_key = verify_key(envelope.signer)
    if signer_key is None:
        raise BadSignature(f"unknown signer {envelope.signer[:16]}")
    verify_signature(envelope, signer_key)
    _check_binding(envelope, reply_public_key, kind)
    return _decrypt(envelope, dek)


def open_self_signed(
    envelope: Envelope,
    x25519: OpeningKey,
    *,
    enclosed_key: Callable[[bytes], bytes | None],
    reply_public_key: bytes | None = None,
    kind: str | None = None,
) -> bytes:
    """Open an envelope whose plaintext names its own signing key (a report): the payload, then that signature.

    The payload authenticates (AES-GCM over the header) before enclosed_key reads the key from it;
    the plaintext is returned only once the signature verifies with that key, never with a stored one.
    """
    dek = _open_dek(envelope, fingerprint(raw_public(_x25519_of(x25519))), x25519)
    _check_binding(envelope, reply_public_key, kind)
    plaintext = _decrypt(envelope, dek)
    signing_key = enclosed_key(plaintext)
    if signing_key is None:
        raise BadSignature("the plaintext names no signing key")
    verify_signature(envelope, signing_key)
    return plaintext


# A throwaway key to test public keys with, made once: whether a point gives a shared key does not depend on the
# private key (a clamped scalar is a multiple of 8, which takes every point of order 1, 2, 4 or 8 to the identity,
# and no other point there), and making a key for each check cost a report about 0.04 ms.
_PROBE = X25519PrivateKey.generate()


def is_usable_x25519(raw_public_key: bytes) -> bool:
    """Tell whether a public key can be sealed to: low-order points parse, but give no shared key."""
    try:
        _PROBE.exchange(X25519PublicKey.from_public_bytes(raw_public_key))
    except ValueError:
        return False
    return True


def add_recipient(envelope: Envelope, x25519: OpeningKey, new: PublicKey, *, again: bool = False) -> Envelope:
    """Re-wrap the data key for one more reader; again adds a wrap beside one the reader has (a bad one, say).

    In a v2 envelope the new reader gets the wrap their key calls for (X-Wing if they have an X-Wing key); a v1
    envelope only takes v1 wraps.
    """
    if new.kid in envelope.kids() and not again:
        return envelope
    dek = _open_dek(envelope, fingerprint(raw_public(_x25519_of(x25519))), x25519)
    envelope.recipients.append(wrap_for(dek, envelope.hdr, new.kid, new.x25519, new.xwing))
    return envelope


def check_wraps(envelope: Envelope, readers: dict[str, Reader]) -> None:
    """Refuse a new envelope whose wraps do not match its readers' keys (UnknownRecipient says why).

    A reader with an X-Wing key must get exactly an X-Wing wrap: a classical wrap beside or instead of it would
    open to a quantum computer. So such a reader in a v1 envelope (a downgrade) is refused too.
    """
    has_xwing = {kid for kid, reader in readers.items() if reader.xwing is not None}
    if envelope.header.version == VERSION:
        if has_xwing & set(envelope.kids()):
            raise UnknownRecipient("a reader with an X-Wing key needs an envelope v2")
        return
    for recipient in envelope.recipients:
        wants = None if recipient["kid"] in has_xwing else KEM_X25519
        if recipient.get("kem") != wants:
            raise UnknownRecipient(f"the wrap of {recipient['kid'][:16]} is not of the kind its key calls for")


def possession_message(challenge: bytes, handler_id: str, kid: str) -> bytes:
    """Return what a handler signs to prove they hold their key: label, challenge, account id, kid."""
    return LABEL_POSSESSION + challenge + handler_id.encode("ascii") + bytes.fromhex(kid)


def sign_possession(key: PrivateKey, challenge: bytes, handler_id: str) -> bytes:
    """Sign a possession challenge with a handler's Ed25519 key (the CLI and tests; browsers do it in JS)."""
    return key.ed25519.sign(possession_message(challenge, handler_id, key.kid))


def verify_possession(ed25519_public: bytes, signature: bytes, challenge: bytes, handler_id: str, kid: str) -> None:
    """Verify a possession signature with the Ed25519 key of a verified key list; raise BadSignature."""
    try:
        Ed25519PublicKey.from_public_bytes(ed25519_public).verify(
            signature, possession_message(challenge, handler_id, kid)
        )
    except (InvalidSignature, ValueError) as exc:
        raise BadSignature("the possession signature does not verify") from exc
