"""Checks on what the browser sends, to the API or the workspace: fields, keys and sealed envelopes.

The server cannot read an envelope, but it can refuse one that a handler could not trust:
wrong kind or direction, bound to another case, not signed by the reporter, not sealed to
exactly the verified keys of its destinations and of the recovery destination, or not padded.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session

from hotline import cases, crypto
from hotline.models import EnvelopeRecord
from hotline.tokens import REPORTER

TAG = 16  # AES-GCM tag bytes after the padded plaintext


class Refused(ValueError):
    """The request is refused; the reason is plain and names the field at fault."""

    status = 400

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


class Conflict(Refused):
    """The request clashes with what is stored: a used lookup key, a known envelope, a closed case."""

    status = 409


def max_text(max_description_chars: int) -> int:
    """Return the largest report or message plaintext: JSON may spend six bytes (\\uXXXX) a character."""
    return 6 * max_description_chars + 4096


def as_object(body: Any) -> dict[str, Any]:
    """Return the parsed body if it is a JSON object."""
    if not isinstance(body, dict):
        raise Refused("the body must be a JSON object")
    return body


def text(body: dict[str, Any], field: str, *, required: bool = True) -> str | None:
    """Return a string field; an optional one may be missing, null or empty."""
    value = body.get(field)
    if value is None or value == "":
        if required:
            raise Refused(f"{field} is required", field)
        return None
    if not isinstance(value, str):
        raise Refused(f"{field} must be a string", field)
    if "\x00" in value:
        raise Refused(f"{field} must not contain NUL characters", field)
    return value


def choice(body: dict[str, Any], field: str, allowed: Iterable[str], *, required: bool = True) -> str | None:
    """Return a string field that must be one of the allowed codes."""
    value = text(body, field, required=required)
    if value is not None and value not in set(allowed):
        raise Refused(f"unknown {field}", field)
    return value


def raw32(body: dict[str, Any], field: str) -> bytes:
    """Return a field holding 32 bytes as base64url."""
    value = text(body, field)
    try:
        data = crypto.b64d(value or "")
    except crypto.MalformedEnvelope as exc:
        raise Refused(f"{field} must be base64url without padding", field) from exc
    if len(data) != 32:
        raise Refused(f"{field} must be 32 bytes", field)
    return data


def x25519_key(body: dict[str, Any], field: str) -> bytes:
    """Return a raw X25519 public key that a handler can seal a reply to."""
    data = raw32(body, field)
    if not crypto.is_usable_x25519(data):
        raise Refused(f"{field} is not a usable X25519 public key", field)
    return data


def ed25519_key(body: dict[str, Any], field: str) -> bytes:
    """Return a raw Ed25519 public key; the report's signature then proves it is a valid point."""
    data = raw32(body, field)
    try:
        Ed25519PublicKey.from_public_bytes(data)
    except ValueError as exc:
        raise Refused(f"{field} is not an Ed25519 public key", field) from exc
    return data


def xwing_key(body: dict[str, Any], field: str) -> bytes | None:
    """Return an optional X-Wing public key (1216 bytes as base64url); None when the client sends none."""
    value = text(body, field, required=False)
    if value is None:
        return None
    try:
        return crypto.xwing_public_b64(value)
    except crypto.BadKeyFile as exc:
        raise Refused(f"{field} must be an X-Wing public key, 1216 bytes as base64url", field) from exc


def envelope(value: Any, field: str) -> crypto.Envelope:
    """Parse an envelope v1, refusing anything malformed."""
    try:
        return crypto.Envelope.from_json(value)
    except (crypto.MalformedEnvelope, ValueError, TypeError) as exc:
        raise Refused(f"{field} is not a well-formed envelope", field) from exc


def check_envelope(
    sealed: crypto.Envelope,
    field: str,
    *,
    kind: str,
    reply_public_key: bytes,
    signing_key: bytes,
    recipients: dict[str, crypto.Reader],
    max_plaintext: int,
    direction: str = "to_handlers",
    signer: str = REPORTER,
) -> None:
    """Refuse an envelope its readers could not trust, or one that is not padded as format v1 says.

    The reporter seals to_handlers and signs as "reporter"; a handler seals to_reporter and signs
    with the kid of their own key.
    """
    header = sealed.header
    who = "the reporter" if signer == REPORTER else "your own key"
    if header.kind != kind:
        raise Refused(f"{field} is of kind {header.kind}, expected {kind}", field)
    if header.direction != direction:
        raise Refused(f"{field} must be sealed in the direction {direction}", field)
    if not hmac.compare_digest(header.reply_public_key, reply_public_key):
        raise Refused(f"{field} is bound to another reply key than the case's", field)
    if sealed.signer != signer:
        raise Refused(f"{field} must be signed by {who}", field)
    try:
        crypto.verify_signature(sealed, signing_key)
    except crypto.BadSignature as exc:
        raise Refused(f"{field} has a signature that does not verify with the signing key of {who}", field) from exc
    try:
        cases.check_recipients(sealed, recipients)
    except cases.RecipientMismatch as exc:
        raise Refused(f"{field} is not sealed to exactly the keys of the case's readers: {exc}", field) from exc
    padded = len(sealed.ciphertext) - TAG
    if padded < crypto.MIN_PADDED or crypto.padded_size(padded) != padded:
        raise Refused(f"{field} is not padded as envelope v1 requires", field)
    if padded > crypto.padded_size(4 + max_plaintext):
        raise Refused(f"{field} is larger than the limits allow", field)


def repeated_ids(sealed: list[tuple[str, crypto.Envelope]]) -> None:
    """Refuse envelope ids repeated within a request."""
    seen: set[str] = set()
    for field, item in sealed:
        if item.id in seen:
            raise Refused(f"{field} repeats the id of another envelope", field)
        seen.add(item.id)


def stored_ids(session: Session, sealed: list[tuple[str, crypto.Envelope]]) -> None:
    """Refuse, naming its field, the first envelope whose id is already stored."""
    for field, item in sealed:
        if session.get(EnvelopeRecord, item.id) is not None:
            raise Conflict(f"{field} has the id of an envelope that is already stored", field)


def check_new_ids(session: Session, sealed: list[tuple[str, crypto.Envelope]]) -> None:
    """Refuse envelope ids repeated in a request or already stored."""
    repeated_ids(sealed)
    stored_ids(session, sealed)
