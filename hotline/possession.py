"""Proof of possession: an account acts on cases only after signing a challenge with the key of its kid.

An admin can make an account on any kid from a signed key list; only the holder of that key's
private half can sign the challenge. The signature is checked with the Ed25519 public key that
the *verified* key list of one of the account's destinations gives for the kid, and the proven
kid is recorded on the account (`handler.proven_kid`), so the proof is made once per key.
"""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from hotline import audit, crypto
from hotline.keyring import Keyring, KeyringError
from hotline.models import Handler

CHALLENGE_BYTES = 32
SIGNATURE_BYTES = 64


class ProofFailed(Exception):
    """The signature does not prove that the account holds the private key of its kid."""


def is_proven(handler: Handler) -> bool:
    """Tell whether an account proved to hold the private key of its current kid."""
    return handler.kid is not None and handler.proven_kid == handler.kid


def new_challenge() -> bytes:
    """Return a fresh random challenge for one proof."""
    return secrets.token_bytes(CHALLENGE_BYTES)


def listed_key(session: Session, ring: Keyring, handler: Handler) -> crypto.PublicKey:
    """Return the account's key from the verified key list of one of its destinations; raise ProofFailed."""
    if handler.kid is None:
        raise ProofFailed("the account has no key")
    for destination in handler.destinations:
        try:
            key = ring.for_destination(session, destination).by_kid(handler.kid)
        except KeyringError:
            continue  # a list that does not verify proves nothing; another destination's may
        if key is not None:
            return key
    raise ProofFailed("the account's key is in no verified key list of its destinations")


def prove(session: Session, ring: Keyring, handler: Handler, challenge: bytes, signature: bytes) -> None:
    """Check a signature over the challenge with the listed key and record the proof; raise ProofFailed."""
    key = listed_key(session, ring, handler)
    if len(challenge) != CHALLENGE_BYTES or len(signature) != SIGNATURE_BYTES:
        raise ProofFailed("a challenge or signature of the wrong length")
    try:
        crypto.verify_possession(key.ed25519, signature, challenge, handler.id, key.kid)
    except crypto.BadSignature as exc:
        raise ProofFailed(str(exc)) from exc
    handler.proven_kid = key.kid
    audit.record(session, handler.id, "key_proven", detail=key.kid[:16])
    session.commit()
