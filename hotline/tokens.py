"""Case tokens: generate, normalise, check, and derive the lookup, reply (X25519 and X-Wing) and signing keys."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from hotline.crypto import PrivateKey, Reader, hkdf, raw_public

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
SYMBOLS = 25  # 125 random bits
CHECK_SYMBOLS = 2
GROUP = 5
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})

LABEL_LOOKUP = b"meldpunt/v1/lookup"
LABEL_REPLY = b"meldpunt/v1/reply-x25519"
LABEL_SIGNING = b"meldpunt/v1/reporter-ed25519"
LABEL_REPLY_XWING = b"meldpunt/v2/reply-xwing"  # the seed of the reply key's X-Wing part (envelope v2)
REPORTER = "reporter"  # the signer of what a reporter seals (envelope signer field)


class TokenError(ValueError):
    """Base of token failures."""


class MalformedToken(TokenError):
    """The text has the wrong length or characters to be a case token."""


class TokenChecksumError(TokenError):
    """The check symbols do not match: most likely a typo."""


def _check(symbols: str) -> str:
    digest = int.from_bytes(hashlib.sha256(symbols.encode("ascii")).digest()[:2], "big")
    return ALPHABET[digest >> 11] + ALPHABET[(digest >> 6) & 31]


def _format(symbols: str) -> str:
    body = [symbols[i : i + GROUP] for i in range(0, SYMBOLS, GROUP)]
    return "-".join([*body, _check(symbols)])


def generate() -> str:
    """Return a new token in its canonical grouped form."""
    number = secrets.randbits(5 * SYMBOLS)  # one draw, not a system call per symbol
    return _format("".join(ALPHABET[(number >> (5 * i)) & 31] for i in range(SYMBOLS)))


def normalise(text: str) -> str:
    """Return the canonical token for typed text, or raise MalformedToken/TokenChecksumError."""
    compact = "".join(text.split()).replace("-", "").upper().translate(_CONFUSABLE)
    if len(compact) != SYMBOLS + CHECK_SYMBOLS or any(c not in ALPHABET for c in compact):
        raise MalformedToken("a case token has 27 letters and digits")
    symbols, check = compact[:SYMBOLS], compact[SYMBOLS:]
    if not hmac.compare_digest(_check(symbols), check):
        raise TokenChecksumError("the token contains a typo")
    return _format(symbols)


@dataclass(frozen=True)
class CaseKeys:
    """Everything derived from a token; the token itself is not kept."""

    lookup_key: bytes
    reply_key: X25519PrivateKey
    signing_key: Ed25519PrivateKey
    reply_xwing_seed: bytes  # 32 bytes: the X-Wing private key beside reply_key, for post-quantum wraps

    @property
    def reply_public(self) -> bytes:
        return raw_public(self.reply_key)

    @property
    def signing_public(self) -> bytes:
        return raw_public(self.signing_key)

    @functools.cached_property
    def opening_key(self) -> PrivateKey:
        """The reply keys as one key that opens the reporter's wraps of either kind (X-Wing derived once)."""
        return PrivateKey(REPORTER, self.reply_key, self.signing_key, self.reply_xwing_seed)

    @property
    def reply_xwing_public(self) -> bytes:
        """The X-Wing reply key's public bytes, from the same one derivation the opening key opens with."""
        public = self.opening_key.xwing_public
        if public is None:  # never: the opening key is made with the seed
            raise AssertionError("the opening key has no X-Wing key")
        return public

    def reader(self, post_quantum: bool = True) -> Reader:
        """The reporter as a reader of a new envelope: with the X-Wing key unless the case has none (an older one)."""
        return Reader(self.reply_public, self.reply_xwing_public if post_quantum else None)


def derive(token: str, instance_salt: bytes) -> CaseKeys:
    """Derive the case keys from a canonical token with the instance salt."""
    ikm = normalise(token).encode("ascii")
    return CaseKeys(
        hkdf(ikm, LABEL_LOOKUP, salt=instance_salt),
        X25519PrivateKey.from_private_bytes(hkdf(ikm, LABEL_REPLY, salt=instance_salt)),
        Ed25519PrivateKey.from_private_bytes(hkdf(ikm, LABEL_SIGNING, salt=instance_salt)),
        hkdf(ikm, LABEL_REPLY_XWING, salt=instance_salt),
    )


def lookup_digest(lookup_key: bytes, pepper: bytes) -> str:
    """Return the stored form of a lookup key: HMAC-SHA256 with the server pepper."""
    return hmac.new(pepper, lookup_key, hashlib.sha256).hexdigest()
