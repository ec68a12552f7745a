"""Instances for the in-process benchmarks: demo destinations, one handler key each, a throwaway database."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from sqlalchemy import text
from sqlalchemy.orm import Session

from hotline import create_app, crypto, db, demo
from hotline.keyring import INSTITUTION_FILE, institution_document, key_list_path, write_json
from tests.load.run_load import create_database, drop_database

POSTGRESQL = "HOTLINE_BENCH_DATABASE_URL"  # a PostgreSQL server URL whose role may CREATE DATABASE


def database_urls(folder: Path) -> list[tuple[str, str]]:
    """Return (label, URL) pairs: SQLite, and PostgreSQL when HOTLINE_BENCH_DATABASE_URL is set (drop with cleanup)."""
    folder.mkdir(parents=True, exist_ok=True)
    urls = [("SQLite", f"sqlite:///{folder / 'bench.sqlite3'}")]
    server = os.environ.get(POSTGRESQL)
    if server:
        urls.append(("PostgreSQL", create_database(server)))
    return urls


def cleanup(urls: list[tuple[str, str]]) -> None:
    """Drop the PostgreSQL databases made by database_urls."""
    for label, url in urls:
        if label == "PostgreSQL":
            drop_database(url)


def make_app(folder: Path, url: str, *, handlers: int = 1) -> Flask:
    """Make a migrated instance with the demo destinations, signed key lists and CSRF and limits off."""
    institution = crypto.generate_key("bench")
    keys = folder / "keys"
    write_json(keys / INSTITUTION_FILE, institution_document(institution.ed25519.public_key()))
    for slug, *_rest in demo.DESTINATIONS:
        public = [crypto.generate_key(f"{slug} {n}").public for n in range(handlers)]
        write_json(key_list_path(keys, slug), crypto.sign_key_list(institution.ed25519, slug, 1, public))
    os.environ["HOTLINE_INSTANCE"] = str(folder / "instance")
    app = create_app(
        {
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "DATABASE_URL": url,
            "KEYS_DIR": str(keys),
            "INSTITUTION_KEY": crypto.institution_fingerprint(institution.ed25519.public_key()),
        }
    )
    db.upgrade(app)
    with app.app_context():
        session = db.get_session()
        for slug, name, name_en, kind in demo.DESTINATIONS:
            demo.add_destination(session, slug, name, kind, name_en)
    return app


def analyze(session: Session) -> None:
    """Refresh the planner's view of a freshly filled database, as a running one would have it."""
    engine = session.get_bind()
    if engine.dialect.name == "postgresql":
        # What autovacuum would have done by now: statistics, and the visibility map for index-only scans.
        with engine.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        session.execute(text("ANALYZE"))
        session.commit()
