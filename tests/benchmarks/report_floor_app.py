"""The floor of a report, for gunicorn: only the work no report can skip, on top of floor_app's.

    gunicorn -c gunicorn.conf.py tests.benchmarks.report_floor_app:app   (HOTLINE_DATABASE_URL names the database)

POST /submit parses the same multipart form the hotline gets, makes a case token and derives its keys,
seals the form to 3 X25519 keys (HPKE, one wrap each) signed with the reporter's Ed25519 key, and
commits one case row with 3 route rows, then answers the token. Nothing else: no CSRF, no session, no
rate limit, no validation, no template, no ORM. Beside floor_app it shows how far any report path in
this design can get towards one seal and one row.
"""

from __future__ import annotations

import json
import secrets

from flask import request
from sqlalchemy import Column, ForeignKey, Integer, LargeBinary, MetaData, String, Table, insert

from hotline import crypto, tokens
from tests.benchmarks.floor_app import bare_app

METADATA = MetaData()
CASES = Table(
    "bench_report_case",
    METADATA,
    Column("id", String(32), primary_key=True),
    Column("lookup", String(64)),
    Column("sealed", LargeBinary),
)
ROUTES = Table(
    "bench_report_route",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("case_id", ForeignKey("bench_report_case.id")),
    Column("destination", String(64)),
)
RECIPIENTS = [(key.kid, key.public.x25519) for key in (crypto.generate_key(f"h{n}") for n in range(3))]
SALT, PEPPER = secrets.token_bytes(32), secrets.token_bytes(32)

app, engine = bare_app(__name__, METADATA)


@app.post("/submit")
def submit() -> tuple[str, int]:
    """Token, keys, one seal to 3 keys, one case with 3 routes."""
    token = tokens.generate()
    keys = tokens.derive(token, SALT)
    envelope = crypto.seal(
        json.dumps(request.form.to_dict()).encode("utf-8"),
        kind="report",
        direction="to_handlers",
        reply_public_key=keys.reply_public,
        recipients=RECIPIENTS,
        signer="reporter",
        signing_key=keys.signing_key,
    )
    with engine.begin() as connection:
        lookup = tokens.lookup_digest(keys.lookup_key, PEPPER)
        connection.execute(insert(CASES).values(id=envelope.id, lookup=lookup, sealed=envelope.ciphertext))
        connection.execute(insert(ROUTES), [{"case_id": envelope.id, "destination": f"d{n}"} for n in range(3)])
    return token, 201
