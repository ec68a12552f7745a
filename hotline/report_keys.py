"""The reporter's keys as a case's one report carries them: what a reader checks the rest of the case against.

A report names the reporter's signing public key in its sealed plaintext (`reporter_signing_key`), and
since issue 17 the X-Wing part of the reply key (`reply_xwing_key`); its header carries the case's reply key;
the report's signature and AEAD cover all three. A reader opens the report, verifies it with the key it
names, and then checks every reporter envelope against that key, binds every envelope to that reply key and
seals replies to that X-Wing key: never to the public keys stored with the case, which a database writer
could swap. A report sealed before reports named the key (and a reader the report
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
REPLY_XWING_KEY = "reply_xwing_key"  # the field that names the X-Wing part of the reply key (issue 17)

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
    reply_xwing: bytes | None = None  # the reply key's X-Wing part replies are sealed to; None: classical only

    @property
    def reply_reader(self) -> crypto.Reader:
        """The reporter as a reader of a reply: the reply key, with its X-Wing part if the report names one."""
        return crypto.Reader(self.reply_key, self.reply_xwing)


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


def named_xwing(report: dict[str, Any]) -> bytes | None:
    """Return the X-Wing reply key a report names, or None for a report sealed before reports named one."""
    if REPLY_XWING_KEY not in report:
        return None
    try:
        return crypto.xwing_public_b64(report[REPLY_XWING_KEY])
    except crypto.BadKeyFile as exc:
        raise crypto.MalformedEnvelope("the report's X-Wing reply key is not an X-Wing public key") from exc


def from_report(
    envelopes: Iterable[crypto.Envelope | None],
    stored_signing: bytes,
    stored_reply: bytes,
    key: crypto.PrivateKey,
    stored_case: Mapping[str, Any] | None = None,
    *,
    stored_xwing: bytes | None,
) -> ReporterKeys:
    """Open the case's one report with a reader's key and return the keys to check the case against.

    With stored_case (the case's metadata), a category or programme that is not the report's is a problem too.
    stored_xwing is the X-Wing reply key stored with the case, if any.
    """
    # The header's kind, not a database column: an envelope's kind counts once it opens.
    reports = [envelope for envelope in envelopes if envelope is not None and envelope.header.kind == "report"]
    if len(reports) != 1:
        problem = f"the case holds {len(reports)} reports instead of one: nothing of the reporter's is genuine"
        return ReporterKeys(None, stored_reply, NONE, (problem,), reply_xwing=stored_xwing)
    report = reports[0]
    if key.kid not in report.kids():
        return ReporterKeys(stored_signing, stored_reply, STORED, reply_xwing=stored_xwing)
    try:
        plaintext = crypto.open_self_signed(
            report, key, enclosed_key=lambda text: named_key(text) or stored_signing, kind="report"
        )
    except crypto.CryptoError as exc:
        problem = f"the report does not open or verify ({type(exc).__name__}): nothing of the reporter's is genuine"
        return ReporterKeys(None, stored_reply, NONE, (problem,), type(exc).__name__, stored_xwing)
    named = named_key(plaintext)
    reply = report.header.reply_public_key
    report_fields = json.loads(plaintext)  # a JSON object: named_key has parsed it
    try:
        xwing = named_xwing(report_fields)
    except crypto.MalformedEnvelope as exc:
        problem = "the report's X-Wing reply key is malformed: nothing of the reporter's is genuine"
        return ReporterKeys(None, stored_reply, NONE, (problem,), type(exc).__name__, stored_xwing)
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
    if not _same(xwing, stored_xwing):
        problems.append(
            "the X-Wing reply key stored with the case is not the report's: the database may have been altered"
        )
    source = LEGACY if named is None else BOUND
    return ReporterKeys(named or stored_signing, reply, source, tuple(problems), reply_xwing=xwing)


def _same(a: bytes | None, b: bytes | None) -> bool:
    return a is None and b is None or a is not None and b is not None and hmac.compare_digest(a, b)


def reply_reader(
    envelopes: Iterable[crypto.Envelope | None],
    stored_signing: bytes,
    stored_reply: bytes,
    key: crypto.PrivateKey,
    *,
    stored_xwing: bytes | None,
) -> crypto.Reader:
    """Return the reporter as a handler's reply is sealed to them: the verified report's reply key and X-Wing key,
    and only if the stored ones agree."""
    found = from_report(envelopes, stored_signing, stored_reply, key, stored_xwing=stored_xwing)
    if found.source not in (BOUND, LEGACY):
        reason = found.problems[0] if found.problems else "this key cannot open the case's report"
        raise UntrustedReport(f"{reason}: the reply key cannot be checked, nothing was sealed")
    if found.problems:
        raise UntrustedReport(f"{found.problems[0]}; nothing was sealed")
    return found.reply_reader
