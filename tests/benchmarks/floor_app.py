"""The physical floor of this design, for gunicorn: seal ~1 KiB with HPKE to one key and commit one row.

    gunicorn -c gunicorn.conf.py tests.benchmarks.floor_app:app   (HOTLINE_DATABASE_URL names the database)

POST /submit reads the request body (the same multipart body the hotline gets, unparsed), seals
its first KiB to one X25519 key and inserts the sealed bytes as one row; nothing else.
"""

from __future__ import annotations

import os

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from flask import Flask, request
from sqlalchemy import Column, Engine, Integer, LargeBinary, MetaData, Table, insert

from hotline import crypto, db

METADATA = MetaData()
FLOOR = Table("bench_floor", METADATA, Column("id", Integer, primary_key=True), Column("sealed", LargeBinary))
RECIPIENT = X25519PrivateKey.generate().public_key()


def bare_app(name: str, metadata: MetaData) -> tuple[Flask, Engine]:
    """Return a bare app that answers GET / once up, and an engine on HOTLINE_DATABASE_URL with metadata's tables."""
    bare = Flask(name)
    bare.add_url_rule("/", "ready", lambda: name)
    database = db.make_engine(os.environ["HOTLINE_DATABASE_URL"])  # reconnects in each forked worker
    metadata.create_all(database)
    database.dispose()
    return bare, database


app, engine = bare_app(__name__, METADATA)


@app.post("/submit")
def submit() -> tuple[str, int]:
    """Seal one message to one key and commit one row."""
    sealed = crypto.SUITE.encrypt(request.get_data()[:1024], RECIPIENT, info=b"meldpunt/bench/floor")
    with engine.begin() as connection:
        connection.execute(insert(FLOOR).values(sealed=sealed))
    return "sealed", 201
