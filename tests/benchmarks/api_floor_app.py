"""The floor of the browser path, for gunicorn: only what no POST /api/v1/reports can skip.

    gunicorn -c gunicorn.conf.py tests.benchmarks.api_floor_app:app
    (HOTLINE_DATABASE_URL names the database; HOTLINE_KEYS_DIR and HOTLINE_INSTITUTION_KEY the signed key lists)

At start it verifies every destination's signed key list against the pinned institution key, once. POST
/api/v1/reports then parses the JSON body the hotline gets, verifies the report envelope's signature with the
body's reporter key and its recipients against the key lists of the destinations the body names, and inserts
the case, its routes and its envelope in one transaction. Nothing else: no rate limit, no routing, no
validation of the other fields, no ORM.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import request
from sqlalchemy import Column, ForeignKey, Integer, LargeBinary, MetaData, String, Table, Text, insert

from hotline import cases, crypto, tokens
from hotline.keyring import INSTITUTION_FILE, read_json
from tests.benchmarks.floor_app import bare_app

METADATA = MetaData()
CASES = Table(
    "bench_api_case",
    METADATA,
    Column("id", String(32), primary_key=True),
    Column("lookup", String(64), unique=True),
    Column("reply_public_key", LargeBinary),
    Column("reply_xwing_key", LargeBinary, nullable=True),
    Column("reporter_signing_key", LargeBinary),
)
ROUTES = Table(
    "bench_api_route",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("case_id", ForeignKey("bench_api_case.id")),
    Column("destination", String(64)),
)
ENVELOPES = Table(
    "bench_api_envelope",
    METADATA,
    Column("id", String(64), primary_key=True),
    Column("case_id", ForeignKey("bench_api_case.id")),
    Column("hdr", LargeBinary),
    Column("nonce", LargeBinary),
    Column("ciphertext", LargeBinary),
    Column("recipients", Text),
    Column("signer", String(64)),
    Column("signature", LargeBinary),
)
PEPPER = os.urandom(32)


def verified_lists(keys_dir: Path, pinned: str) -> dict[str, dict[str, crypto.Reader]]:
    """Verify every key list in the folder against the pinned institution key; return each destination's readers."""
    raw = crypto.b64d(read_json(keys_dir / INSTITUTION_FILE)["ed25519"])
    if crypto.fingerprint(raw) != pinned.lower():
        raise SystemExit("the institution key does not match HOTLINE_INSTITUTION_KEY")
    institution = Ed25519PublicKey.from_public_bytes(raw)
    found = {}
    for path in sorted(keys_dir.glob("*.keylist.json")):
        slug = path.name.removesuffix(".keylist.json")
        found[slug] = cases.recipients([crypto.verify_key_list(read_json(path), institution, slug)])
    return found


READERS = verified_lists(Path(os.environ["HOTLINE_KEYS_DIR"]), os.environ["HOTLINE_INSTITUTION_KEY"])
app, engine = bare_app(__name__, METADATA)


@app.post("/api/v1/reports")
def reports() -> tuple[str, int]:
    """Parse, verify the envelope's signature and recipients, insert case, routes and envelope."""
    body = json.loads(request.get_data())
    signing_key = crypto.b64d(body["reporter_signing_key"])
    envelope = crypto.Envelope.from_json(body["report"])
    crypto.verify_signature(envelope, signing_key)
    readers = {kid: reader for slug in body["destinations"] for kid, reader in READERS[slug].items()}
    cases.check_recipients(envelope, readers)
    case_id = envelope.id[:32]
    with engine.begin() as connection:
        lookup = tokens.lookup_digest(crypto.b64d(body["lookup_key"]), PEPPER)
        connection.execute(
            insert(CASES).values(
                id=case_id,
                lookup=lookup,
                reply_public_key=crypto.b64d(body["reply_public_key"]),
                reply_xwing_key=crypto.b64d(body["reply_xwing_key"]) if body.get("reply_xwing_key") else None,
                reporter_signing_key=signing_key,
            )
        )
        connection.execute(insert(ROUTES), [{"case_id": case_id, "destination": slug} for slug in body["destinations"]])
        connection.execute(
            insert(ENVELOPES).values(
                id=envelope.id,
                case_id=case_id,
                hdr=envelope.hdr,
                nonce=envelope.nonce,
                ciphertext=envelope.ciphertext,
                recipients=json.dumps(envelope.recipients),
                signer=envelope.signer,
                signature=envelope.signature,
            )
        )
    return case_id, 201
