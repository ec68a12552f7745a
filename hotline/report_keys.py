"""The reporter's keys as a case's one report carries them: what a reader checks the rest of the case against.

A report names the reporter's signing public key in its sealed plaintext (`reporter_signing_key`), and
its header carries the case's reply key; the report's signature and AEAD cover both. A reader opens
the report, verifies it with the key it names, and then checks every reporter envelope against that
key and binds every envelope to that reply key: never to the public keys stored with the case, which
a database writer could swap. A report sealed before reports named the key (and a reader the report
is not sealed to) falls back to the stored keys, and says so. See docs/formats.md.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hotline import crypto

REPORTER_KEY = "reporter_signing_key"  # the field of the sealed report that names the reporter's signing key

BOUND = "bound"  # the report names the signing key and verifies with it
LEGACY = "legacy"  # the report names no key (sealed before it did): checked against the stored key
STORED = "stored"  # the report is not sealed to this key: only the stored keys are there to check against
NONE = "none"  # no single report opens and verifies: nothing from the reporter is genuine (replies still are)

UNBOUND_NOTE = "signature checked against the key stored with the case, not bound by the report"
SEALED_METADATA = ("category", "programme")  # stored in the clear for routing, and sealed in the report too


class UntrustedReport(crypto.CryptoError):
    """The case's report gives no verified reply key, or the keys stored with the case are not the report's."""


@dataclass(frozen=True)
class ReporterKeys:
    """The keys to check a case's envelopes against, where they come from, and what looks altered."""

    signing_key: bytes | None  # None: no envelope of the reporter can be verified
    reply_key: bytes  # what every envelope must be bound to (the stored one only where the report cannot say)
    source: str  # BOUND, LEGACY, STORED or NONE
    problems: tuple[str, ...] = ()
    report_error: str | None = None  # why the report itself did not open or verify


def named_key(plaintext: bytes) -> bytes | None:
    """Return the signing key a report's plaintext names, or None for a report sealed before reports named it."""
    try:
        report = json.loads(plaintext)
    except ValueError as exc:  # UnicodeDecodeError is a ValueError too
        raise crypto.MalformedEnvelope("the report is not JSON") from exc
    if not isinstance(report, dict):
        raise crypto.MalformedEnvelope("the report is not a JSON object")
    if REPORTER_KEY not in report:
        return None
    value = report[REPORTER_KEY]
    key = crypto.b64d(value) if isinstance(value, str) else b""
    if len(key) != 32:
        raise crypto.MalformedEnvelope("the report's signing key is not 32 bytes")
    return key


def from_report(
    envelopes: Iterable[crypto.Envelope | None],
    stored_signing: bytes,
    stored_reply: bytes,
    key: crypto.PrivateKey,
    stored_case: Mapping[str, Any] | None = None,
) -> ReporterKeys:
    """Open the case's one report with a reader's key and return the keys to check the case against.

    With stored_case (the case's metadata), a category or programme that is not the report's is a problem too.
    """
    # The header's kind, not a database column: an envelope's kind counts once it opens.
    reports = [envelope for envelope in envelopes if envelope is not None and envelope.header.kind == "report"]
    if len(reports) != 1:
        problem = f"the case holds {len(reports)} reports instead of one: nothing of the reporter's is genuine"
        return ReporterKeys(None, stored_reply, NONE, (problem,))
    report = reports[0]
    if key.kid not in report.kids():
        return ReporterKeys(stored_signing, stored_reply, STORED)
    try:
        plaintext = crypto.open_self_signed(
            report, key, enclosed_key=lambda text: named_key(text) or stored_signing, kind="report"
        )
    except crypto.CryptoError as exc:
        problem = f"the report does not open or verify ({type(exc).__name__}): nothing of the reporter's is genuine"
        return ReporterKeys(None, stored_reply, NONE, (problem,), type(exc).__name__)
    named = named_key(plaintext)
    reply = report.header.reply_public_key
    report_fields = json.loads(plaintext)  # a JSON object: named_key has parsed it
    problems = [
        f"the {name} stored with the case is not the report's: the database may have been altered"
        for name in SEALED_METADATA
        if stored_case is not None and name in stored_case and report_fields.get(name) != stored_case[name]
    ]
    if not hmac.compare_digest(reply, stored_reply):
        problems.append("the reply key stored with the case is not the report's: the database may have been altered")
    if named is not None and not hmac.compare_digest(named, stored_signing):
        problems.append(
            "the reporter's signing key stored with the case is not the report's: the database may have been altered"
        )
    return ReporterKeys(named or stored_signing, reply, LEGACY if named is None else BOUND, tuple(problems))


def reply_key(
    envelopes: Iterable[crypto.Envelope | None], stored_signing: bytes, stored_reply: bytes, key: crypto.PrivateKey
) -> bytes:
    """Return the reply key a handler's reply is sealed to: the verified report's, and only if the stored one agrees."""
    found = from_report(envelopes, stored_signing, stored_reply, key)
    if found.source not in (BOUND, LEGACY):
        reason = found.problems[0] if found.problems else "this key cannot open the case's report"
        raise UntrustedReport(f"{reason}: the reply key cannot be checked, nothing was sealed")
    if found.problems:
        raise UntrustedReport(f"{found.problems[0]}; nothing was sealed")
    return found.reply_key
