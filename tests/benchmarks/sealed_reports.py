"""Reports sealed as the browser seals them, for POST /api/v1/reports: made ahead of time, never timed.

The browser's way: ask /api/v1/instance for the institution key and the salt, and /api/v1/recipients for the
signed key lists of a category and programme, verify every list, then seal the report to every key on them
with a new token's keys. Each body is new (its own lookup key, keys and envelope), as every report is.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hotline import cases, crypto, report_keys, tokens
from hotline.models import RECOVERY_KIND

PATH = "/api/v1/reports"
Ask = Callable[[str, str, dict[str, Any] | None], Any]  # (method, API path, JSON body) -> the answer's JSON


@dataclass(frozen=True)
class Recipients:
    """What the browser seals to: the routed destinations it keeps, and every verified key on their lists."""

    category: str
    programme: str
    destinations: list[str]
    readers: dict[str, crypto.Reader]
    instance_salt: bytes


def recipients(ask: Ask, category: str, programme: str) -> Recipients:
    """Ask the instance for a category's destinations and verify each key list against the institution key."""
    instance = ask("GET", "/api/v1/instance", None)
    institution = Ed25519PublicKey.from_public_bytes(crypto.b64d(instance["institution"]["ed25519"]))
    found = ask("POST", "/api/v1/recipients", {"category": category, "programme": programme})["destinations"]
    lists = [crypto.verify_key_list(item["key_list"], institution, item["slug"]) for item in found]
    routed = [item["slug"] for item in found if item["kind"] != RECOVERY_KIND]  # every routed one, optional ones too
    return Recipients(category, programme, routed, cases.recipients(lists), bytes.fromhex(instance["instance_salt"]))


def body(to: Recipients, description: str) -> bytes:
    """Return one new report body: a new token's keys, and the report sealed to every reader and signed."""
    keys = tokens.derive(tokens.generate(), to.instance_salt)
    payload = {"category": to.category, "programme": to.programme, "description": description}
    payload[report_keys.REPORTER_KEY] = crypto.b64e(keys.signing_public)  # as report.js seals it
    envelope = crypto.seal(
        json.dumps(payload).encode("utf-8"),
        kind="report",
        direction="to_handlers",
        reply_public_key=keys.reply_public,
        recipients=to.readers.items(),
        signer="reporter",
        signing_key=keys.signing_key,
    )
    document = {
        "lookup_key": crypto.b64e(keys.lookup_key),
        "reply_public_key": crypto.b64e(keys.reply_public),
        "reply_xwing_key": crypto.b64e(keys.reply_xwing_public),
        "reporter_signing_key": crypto.b64e(keys.signing_public),
        "category": to.category,
        "programme": to.programme,
        "destinations": to.destinations,
        "report": envelope.to_json(),
        "attachments": [],
    }
    return json.dumps(document).encode("utf-8")


def _bodies(to: Recipients, description: str, count: int) -> list[bytes]:
    return [body(to, description) for _ in range(count)]


def bodies(to: Recipients, description: str, count: int) -> list[bytes]:
    """Return count new bodies, sealed on every core (this takes a while, and is never part of a measurement)."""
    processes = os.cpu_count() or 1
    shares = [count // processes + (1 if n < count % processes else 0) for n in range(processes)]
    with ProcessPoolExecutor(processes) as pool:
        parts = pool.map(_bodies, *zip(*[(to, description, share) for share in shares], strict=True))
        return [item for part in parts for item in part]
