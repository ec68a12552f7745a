"""The instance's key folder: the institution public key and signed destination key lists."""

from __future__ import annotations

import functools
import hmac
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy.orm import Session

from hotline import crypto, directory
from hotline.models import Destination

INSTITUTION_FILE = "institution.pub.json"
KID_PREFIX_RE = re.compile(r"^[0-9a-f]{8,64}$")


class KeyringError(Exception):
    """The key folder cannot give a verified key list; nothing may be sealed."""


def key_list_path(keys_dir: Path, destination: str) -> Path:
    """Return where a destination's signed key list lives."""
    return keys_dir / f"{destination}.keylist.json"


def institution_document(public_key: Ed25519PublicKey) -> dict[str, Any]:
    """Return the publishable institution public key file."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return {
        "type": "meldpunt-institution-key",
        "version": 1,
        "ed25519": crypto.b64e(raw),
        "fingerprint": crypto.fingerprint(raw),
    }


def read_bytes(path: Path) -> bytes:
    """Read a key file's exact bytes, turning every failure into a KeyringError."""
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise KeyringError(f"{path} does not exist") from exc
    except OSError as exc:
        raise KeyringError(f"{path} is not readable JSON") from exc


def parse_json(path: Path, data: bytes) -> Any:
    """Parse a key file's bytes as UTF-8 JSON, turning every failure into a KeyringError."""
    try:
        return json.loads(data.decode("utf-8"))
    except ValueError as exc:
        raise KeyringError(f"{path} is not readable JSON") from exc


def read_json(path: Path) -> Any:
    """Read a JSON file, turning every failure into a KeyringError."""
    return parse_json(path, read_bytes(path))


def write_json(path: Path, data: Any) -> None:
    """Write a JSON file through a temporary name, so readers never see half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".partial")
    partial.write_text(json.dumps(data, indent=2) + "\n", "utf-8")
    partial.replace(path)


# Verifying the signature of every key list on every report cost more than sealing the report. The
# caches hold only successful results, keyed by the exact bytes of the files (and the pinned fingerprint,
# destination and minimum version): a changed file, even by one byte, is verified afresh; a failure is
# never remembered and is raised again on the next call.
@functools.lru_cache(maxsize=64)
def _institution_key(path: Path, data: bytes, pinned: str) -> Ed25519PublicKey:
    document = parse_json(path, data)
    try:
        raw = crypto.b64d(document["ed25519"])
    except (KeyError, TypeError, crypto.MalformedEnvelope) as exc:
        raise KeyringError("the institution key file is malformed") from exc
    if not pinned or not hmac.compare_digest(crypto.fingerprint(raw), pinned.lower()):
        raise KeyringError("the institution key does not match HOTLINE_INSTITUTION_KEY")
    return Ed25519PublicKey.from_public_bytes(raw)


@functools.lru_cache(maxsize=256)
def _verified(
    path: Path, data: bytes, institution: Path, institution_data: bytes, pinned: str, destination: str, min_version: int
) -> crypto.KeyList:
    document = parse_json(path, data)
    try:
        return crypto.verify_key_list(
            document, _institution_key(institution, institution_data, pinned), destination, min_version
        )
    except crypto.KeyListError as exc:
        raise KeyringError(str(exc)) from exc


@dataclass(frozen=True)
class Keyring:
    """Reads and verifies key lists against the institution key pinned in the settings."""

    keys_dir: Path
    institution_fingerprint: str

    def institution_key(self) -> Ed25519PublicKey:
        """Return the institution public key, if it matches the configured fingerprint."""
        return _institution_key(
            self.keys_dir / INSTITUTION_FILE, read_bytes(self.keys_dir / INSTITUTION_FILE), self.institution_fingerprint
        )

    def verified(self, destination: str, min_version: int = 0) -> crypto.KeyList:
        """Return a destination's key list, verified, or raise KeyringError."""
        path = key_list_path(self.keys_dir, destination)
        institution = self.keys_dir / INSTITUTION_FILE
        # Both files are read on every call; only the verification of these exact bytes is remembered.
        return _verified(
            path,
            read_bytes(path),
            institution,
            read_bytes(institution),
            self.institution_fingerprint,
            destination,
            min_version,
        )

    def for_destination(self, session: Session, destination: Destination) -> crypto.KeyList:
        """Verify a destination's list and record its version, refusing rollbacks."""
        key_list = self.verified(destination.slug, destination.key_list_version)
        if key_list.version > destination.key_list_version:
            destination.key_list_version = key_list.version
            session.flush()
        return key_list

    def for_slugs(self, session: Session, slugs: list[str]) -> dict[str, crypto.KeyList]:
        """Return verified key lists for several destinations by slug."""
        found = {d.slug: d for d in directory.destinations(session) if d.slug in slugs}
        missing = [s for s in slugs if s not in found]
        if missing:
            raise KeyringError(f"unknown destination: {', '.join(missing)}")
        # Sorted: recording a newer list version updates destination rows, always in the same order.
        verified = {slug: self.for_destination(session, found[slug]) for slug in sorted(slugs)}
        return {slug: verified[slug] for slug in slugs}


def edit_keys(
    old: Sequence[crypto.PublicKey], added: Sequence[crypto.PublicKey], removed: Sequence[str]
) -> list[crypto.PublicKey]:
    """Return the old keys plus the added ones, minus those whose kid starts with a removed prefix.

    Adding a key that is in the list already is refused, except its upgrade (`hotline keys upgrade`): the same
    X25519 and Ed25519 keys with an X-Wing key the listed one lacks, which then takes its place.
    """
    keys = {key.kid: key for key in old}
    for key in added:
        listed = keys.get(key.kid)
        upgrade = listed is not None and listed.xwing is None and key.xwing is not None
        if listed is not None and not (upgrade and (listed.x25519, listed.ed25519) == (key.x25519, key.ed25519)):
            raise KeyringError(f"key {key.kid[:16]} ({key.name}) is already in the list")
        keys[key.kid] = key
    for text in removed:
        prefix = text.strip().lower()
        if not KID_PREFIX_RE.match(prefix):
            raise KeyringError(f"--remove {text}: give at least 8 hex digits of a key id")
        matches = [kid for kid in keys if kid.startswith(prefix)]
        if len(matches) != 1:
            raise KeyringError(f"--remove {text}: matches {len(matches)} keys in the list, not one")
        del keys[matches[0]]
    if not keys:
        raise KeyringError("the key list would be empty: a destination needs at least one key")
    return list(keys.values())
