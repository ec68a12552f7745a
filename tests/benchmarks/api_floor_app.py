"""The floor of the browser path, for gunicorn: only what no POST /api/v1/reports can skip.

    gunicorn -c gunicorn.conf.py tests.benchmarks.api_floor_app:app
    (HOTLINE_DATABASE_URL names the database; HOTLINE_KEYS_DIR and HOTLINE_INSTITUTION_KEY the signed key lists)

At start it verifies every destination's signed key list against the pinned institution key, once. POST
/api/v1/reports then parses the JSON body the hotline gets, verifies the report envelope's signature with the
body's reporter key and its recipients against the key lists of the destinations the body names, and inserts
the case, its routes and its envelope in one transaction. Nothing else: no rate limit, no routing, no
validation of the other fields, no ORM.

    gunicorn -c gunicorn.conf.py tests.benchmarks.api_floor_app:schema_app

the same floor on the hotline's own tables (case, case_route, envelope, with the indexes the inbox needs and
their foreign keys): what any implementation of this schema pays for the rows. Destination ids are read once
at start, where the hotline reads the directory in every report for its routing and the key lists' versions.

    gunicorn -c gunicorn.conf.py tests.benchmarks.api_floor_app:budget_app

the API floor that also runs the interpreter for HOTLINE_BENCH_BUDGET_MS milliseconds per report, as an app's
own Python code does (bench_throughput --budget): what a ratio to the floor leaves any implementation.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import Flask, request
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    insert,
    select,
)

from hotline import cases, crypto, tokens
from hotline.keyring import INSTITUTION_FILE, read_json
from hotline.models import Destination, public_case_id, random_id
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
# Insert a checked report's rows (the connection, the body, its envelope, the reporter's signing key); its case id.
Store = Callable[[Connection, dict[str, Any], crypto.Envelope, bytes], str]


def spend(milliseconds: float) -> None:
    """Run Python code for this long, holding the interpreter as an app's own code does."""
    end = time.perf_counter() + milliseconds / 1000
    while time.perf_counter() < end:
        pass


def floor(engine: Engine, bare: Flask, store: Store, extra_ms: float = 0) -> None:
    """Serve POST /api/v1/reports: parse, verify the envelope's signature and recipients, store in one transaction.

    With extra_ms, each report first runs Python code for that long.
    """

    @bare.post("/api/v1/reports")
    def reports() -> tuple[str, int]:
        spend(extra_ms)
        body = json.loads(request.get_data())
        signing_key = crypto.b64d(body["reporter_signing_key"])
        envelope = crypto.Envelope.from_json(body["report"])
        crypto.verify_signature(envelope, signing_key)
        readers = {kid: reader for slug in body["destinations"] for kid, reader in READERS[slug].items()}
        cases.check_recipients(envelope, readers)
        with engine.begin() as connection:
            return store(connection, body, envelope, signing_key), 201


def optional_key(body: dict[str, Any], field: str) -> bytes | None:
    """Return a base64 field's bytes, or None when the body has none."""
    return crypto.b64d(body[field]) if body.get(field) else None


def bench_tables(connection: Connection, body: dict[str, Any], envelope: crypto.Envelope, signing_key: bytes) -> str:
    """Insert the case, its routes and its envelope into the floor's own tables."""
    case_id = envelope.id[:32]
    connection.execute(
        insert(CASES).values(
            id=case_id,
            lookup=tokens.lookup_digest(crypto.b64d(body["lookup_key"]), PEPPER),
            reply_public_key=crypto.b64d(body["reply_public_key"]),
            reply_xwing_key=optional_key(body, "reply_xwing_key"),
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
    return case_id


def hotline_tables(ids: dict[str, str]) -> Store:
    """Insert the case, its routes and its envelope into the hotline's tables, with destination ids read at start."""

    def store(connection: Connection, body: dict[str, Any], envelope: crypto.Envelope, signing_key: bytes) -> str:
        today = dt.date.today()
        case_id = public_case_id()
        case = {
            "id": case_id,
            "lookup_digest": tokens.lookup_digest(crypto.b64d(body["lookup_key"]), PEPPER),
            "reply_public_key": crypto.b64d(body["reply_public_key"]),
            "reply_xwing_key": optional_key(body, "reply_xwing_key"),
            "reporter_signing_key": signing_key,
            "category": body["category"],
            "programme": body["programme"],
            "status": "received",
            "received_on": today,
            "ack_due": today,
            "feedback_due": today,
        }
        connection.execute(insert(cases.CASE), [case])
        routes = [
            {"id": random_id(), "case_id": case_id, "destination_id": ids[slug], "reason": "floor"}
            for slug in body["destinations"]
        ]
        connection.execute(insert(cases.ROUTE), routes)
        connection.execute(insert(cases.ENVELOPE), [cases.envelope_row(envelope, case_id, 0, today)])
        return case_id

    return store


def destination_ids(engine: Engine) -> dict[str, str]:
    """Read every destination's id by slug, once."""
    with engine.connect() as connection:
        return dict(connection.execute(select(Destination.slug, Destination.id)).tuples().all())


def floor_app() -> Flask:
    """The API floor, on its own tables."""
    bare, engine = bare_app(__name__, METADATA)
    floor(engine, bare, bench_tables)
    return bare


def schema_floor_app() -> Flask:
    """The API floor on the hotline's tables: its migrations made them."""
    bare, engine = bare_app(__name__, MetaData())
    floor(engine, bare, hotline_tables(destination_ids(engine)))
    engine.dispose()  # each forked worker connects anew
    return bare


def budget_floor_app() -> Flask:
    """The API floor that first runs Python code for HOTLINE_BENCH_BUDGET_MS milliseconds per report."""
    bare, engine = bare_app(__name__, METADATA)
    floor(engine, bare, bench_tables, float(os.environ.get("HOTLINE_BENCH_BUDGET_MS") or 0))
    return bare


BUILDERS: dict[str, Callable[[], Flask]] = {
    "app": floor_app,
    "schema_app": schema_floor_app,
    "budget_app": budget_floor_app,
}


def __getattr__(name: str) -> Flask:
    """Build the app a server names, and only that one, as hotline.wsgi does: no tables, ids or engine for the rest."""
    built: dict[str, Flask] = globals().setdefault("_built", {})
    if name not in built:
        if name not in BUILDERS:
            raise AttributeError(name)
        built[name] = BUILDERS[name]()
    return built[name]
