"""Open an exported case bundle offline: verify its key lists, open what is sealed to one key.

Nothing here needs the app, the database or any HOTLINE_* setting: `hotline decrypt` runs on a
handler's own device with only the bundle and the handler's key file.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hotline import crypto, report_keys
from hotline.attachments import Attachment, parse_payload, safe_name
from hotline.tokens import REPORTER

REPORT_FIELDS = (
    ("description", "Description"),
    ("organisation", "Organisation"),
    ("date_from", "From"),
    ("date_to", "To"),
    ("attachments", "Attachments"),
)
CASE_FIELDS = (
    ("id", "Case"),
    ("category", "Category"),
    ("programme", "Programme"),
    ("received_on", "Received"),
    ("status", "Status"),
)


class BundleError(ValueError):
    """The file is not a usable case bundle."""


@dataclass(frozen=True)
class Handler:
    """A handler key from a verified key list, to check the signature of a reply."""

    name: str
    destination: str
    ed25519: bytes


@dataclass(frozen=True)
class Opened:
    """One envelope sealed to the key: its plaintext, or why it could not be opened."""

    day: str
    kind: str
    sender: str
    plaintext: bytes | None
    error: str | None = None
    note: str | None = None  # how far the signature vouches for the sender, when not fully


def printable(text: str) -> str:
    """Replace control and format characters, so sealed text cannot steer the terminal."""
    return "".join(c if c.isprintable() or c in "\n\t" else "\ufffd" for c in text)


def check(bundle: Any) -> dict[str, Any]:
    """Return the bundle if it has the shape of a version 1 case bundle."""
    if not isinstance(bundle, dict) or bundle.get("type") != "meldpunt-case-bundle" or bundle.get("version") != 1:
        raise BundleError("not a version 1 case bundle")
    if not isinstance(bundle.get("case"), dict) or not isinstance(bundle.get("envelopes"), list):
        raise BundleError("the bundle has no case or envelopes")
    if not isinstance(bundle["case"].get("destinations"), list):
        raise BundleError("the bundle does not say which destinations the case went to")
    return bundle


FINGERPRINT = re.compile(r"[0-9a-f]{64}")


class NotAFingerprint(ValueError):
    """What was given for the institution key is neither its fingerprint nor its public key file: a usage error."""


def published_fingerprint(given: str) -> str:
    """Return the institution key's fingerprint from the fingerprint itself or from its public key file."""
    text = given.strip().lower()
    if FINGERPRINT.fullmatch(text):
        return text
    path = Path(given).expanduser()
    if not path.is_file():
        raise NotAFingerprint(
            f"{given!r} is neither a fingerprint (64 hex digits) nor a file: give the institution key's published "
            "fingerprint or its public key file (institution.pub.json)"
        )
    try:
        document = json.loads(path.read_text("utf-8"))
        raw = crypto.b64d(document["ed25519"])
        if document["type"] != "meldpunt-institution-key" or len(raw) != 32:
            raise ValueError("not an institution key")
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, crypto.MalformedEnvelope) as exc:
        raise NotAFingerprint(f"{path} is not an institution public key file (institution.pub.json)") from exc
    return crypto.fingerprint(raw)


def institution_key(bundle: dict[str, Any], expected: str | None) -> tuple[Ed25519PublicKey, str | None]:
    """Return the bundled institution key, checked against a published fingerprint, or with a warning."""
    try:
        raw = crypto.b64d(bundle["institution"]["ed25519"])
        key = Ed25519PublicKey.from_public_bytes(raw)
    except (KeyError, TypeError, ValueError, crypto.MalformedEnvelope) as exc:
        raise BundleError("the bundle holds no valid institution key") from exc
    fingerprint = crypto.fingerprint(raw)
    if expected and fingerprint != expected.strip().lower():
        raise BundleError(f"the bundle's institution key {fingerprint} is not {expected.strip()}: do not trust it")
    if expected:
        return key, None
    return (
        key,
        f"trusting the bundle's institution key {fingerprint}: compare it with the published one (--institution)",
    )


def key_lists(bundle: dict[str, Any], institution: Ed25519PublicKey) -> tuple[dict[str, crypto.KeyList], list[str]]:
    """Verify every bundled key list; return the verified ones and one line per failure."""
    documents = bundle.get("key_lists")
    if not isinstance(documents, dict):
        return {}, ["the bundle holds no key lists"]
    verified: dict[str, crypto.KeyList] = {}
    failures: list[str] = []
    for slug, document in documents.items():
        try:
            verified[slug] = crypto.verify_key_list(document, institution, str(slug))
        except crypto.KeyListError as exc:
            failures.append(str(exc))
    return verified, failures


def handlers(verified: dict[str, crypto.KeyList], routed: Iterable[str]) -> dict[str, Handler]:
    """Return the keys that may sign replies: those of the case's own destinations, never the recovery key's."""
    allowed = set(routed)
    return {
        key.kid: Handler(key.name, slug, key.ed25519)
        for slug, key_list in verified.items()
        if slug in allowed
        for key in key_list.keys
    }


def envelopes(bundle: dict[str, Any]) -> list[tuple[str, crypto.Envelope | None]]:
    """Parse the envelopes with their day; None stands for one that is malformed."""
    parsed: list[tuple[str, crypto.Envelope | None]] = []
    for data in bundle["envelopes"]:
        day = str(data.get("day", "?")) if isinstance(data, dict) else "?"
        try:
            parsed.append((day, crypto.Envelope.from_json(data, rewraps=True)))  # stored: re-wraps beside a bad one
        except crypto.MalformedEnvelope:
            parsed.append((day, None))
    return parsed


def case_key(bundle: dict[str, Any], name: str) -> bytes:
    """Return one of the case's raw public keys from the bundle."""
    try:
        return crypto.b64d(bundle["case"][name])
    except (KeyError, TypeError, crypto.MalformedEnvelope) as exc:
        raise BundleError(f"the bundle's case has no valid {name}") from exc


def reporter_keys(bundle: dict[str, Any], key: crypto.PrivateKey) -> report_keys.ReporterKeys:
    """Return the keys the case's report carries, as this key opens it; the bundle's own only as a labelled fallback."""
    parsed = [envelope for _day, envelope in envelopes(bundle)]
    stored_signing, stored_reply = case_key(bundle, "reporter_signing_key"), case_key(bundle, "reply_public_key")
    stored_xwing = case_key(bundle, "reply_xwing_key") if "reply_xwing_key" in bundle["case"] else None
    return report_keys.from_report(parsed, stored_signing, stored_reply, key, bundle["case"], stored_xwing=stored_xwing)


def open_sealed(
    bundle: dict[str, Any],
    key: crypto.PrivateKey,
    known: dict[str, Handler],
    reporter: report_keys.ReporterKeys | None = None,
) -> list[Opened]:
    """Open every envelope sealed to this key; reporter and handler signatures never stand in for each other.

    Reporter envelopes are checked against the signing key the report carries, and every envelope is
    bound to the report's reply key; the keys stored with the case count only where the report cannot
    say (an older report, or one not sealed to this key), and such envelopes carry a note.
    """
    reporter = reporter or reporter_keys(bundle, key)
    signing = {REPORTER: reporter.signing_key} if reporter.signing_key else {}
    staff = {kid: handler.ed25519 for kid, handler in known.items()}
    note = None if reporter.source == report_keys.BOUND else report_keys.UNBOUND_NOTE
    opened: list[Opened] = []
    for day, envelope in envelopes(bundle):
        if envelope is None:
            opened.append(Opened(day, "?", "?", None, "MalformedEnvelope"))
            continue
        if key.kid not in envelope.kids():
            continue
        kind, who = envelope.header.kind, sender(envelope.signer, known)
        to_handlers = envelope.header.direction == "to_handlers"
        if to_handlers and reporter.signing_key is None:  # no verified report: nothing of the reporter's is genuine
            error = reporter.report_error if kind == "report" else None
            opened.append(Opened(day, kind, who, None, error or report_keys.UntrustedReport.__name__))
            continue
        try:
            plaintext = crypto.open_envelope(
                envelope,
                key,
                verify_key=(signing if to_handlers else staff).get,
                reply_public_key=reporter.reply_key,
                kind=None,
            )
        except crypto.CryptoError as exc:
            opened.append(Opened(day, kind, who, None, type(exc).__name__))
            continue
        opened.append(Opened(day, kind, who, plaintext, note=note if to_handlers else None))
    return opened


def sealed_to(bundle: dict[str, Any], kid: str) -> int:
    """Count the well-formed envelopes that carry a wrap for this key id."""
    return sum(1 for _day, envelope in envelopes(bundle) if envelope is not None and kid in envelope.kids())


def sender(signer: str, known: dict[str, Handler]) -> str:
    """Describe who signed an envelope."""
    if signer == REPORTER:
        return "the reporter"
    handler = known.get(signer)
    if handler is None:
        return f"unknown signer {signer[:16]}"
    return f"{handler.name} ({handler.destination})"


def case_lines(bundle: dict[str, Any]) -> list[str]:
    """Return the case's metadata as readable lines."""
    case = bundle["case"]
    return [f"{label}: {printable(str(case.get(name, '')))}" for name, label in CASE_FIELDS]


def report_lines(plaintext: bytes) -> list[str]:
    """Return a sealed report's fields as readable lines."""
    report = json.loads(plaintext)
    lines = []
    for name, label in REPORT_FIELDS:
        value = report.get(name)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        if value:
            lines.append(f"{label}: " + printable(str(value)).replace("\n", "\n  "))
    return lines


def message_text(plaintext: bytes) -> str:
    """Return a sealed message's text."""
    return printable(str(json.loads(plaintext)["text"]))


def save_attachment(directory: Path, attachment: Attachment) -> Path:
    """Write an attachment's bytes into a new file of the folder, never over an existing one."""
    name = safe_name(attachment.name).lstrip(".") or "bijlage"
    stem, suffix = Path(name).stem, Path(name).suffix
    directory.mkdir(parents=True, exist_ok=True)
    for number in range(1, 1000):
        path = directory / (name if number == 1 else f"{stem}-{number}{suffix}")
        try:
            # O_EXCL: an existing file (or a link planted in the folder) is never written through
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(attachment.data)
        return path
    raise FileExistsError(f"{directory / name}: too many files with this name")


def attachment_lines(attachment: Attachment, out_dir: Path | None) -> list[str]:
    """Describe an attachment, saving it into out_dir if one is given."""
    name = printable(attachment.name)
    if out_dir is None:
        size = f"{printable(attachment.content_type)}, {len(attachment.data)} bytes"
        return [f"Attachment: {name} ({size}): use --out DIR to save it"]
    return [f"Attachment: {name} saved to {save_attachment(out_dir, attachment)}"]


def render(item: Opened, out_dir: Path | None) -> tuple[list[str], bool]:
    """Return the lines that show one opened envelope, and whether it could be opened and read."""
    lines = [f"== {item.day} | {item.kind} | from {item.sender} =="]
    if item.plaintext is None:
        return [*lines, f"[could not be opened or verified: {item.error}]"], False
    lines += [f"[{item.note}]"] if item.note else []
    try:
        if item.kind == "report":
            return lines + report_lines(item.plaintext), True
        if item.kind == "message":
            return [*lines, message_text(item.plaintext)], True
        return lines + attachment_lines(parse_payload(item.plaintext), out_dir), True
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return [*lines, f"[could not be read: {type(exc).__name__}]"], False
