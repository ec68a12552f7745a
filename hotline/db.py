"""SQLAlchemy 2.x engine and sessions per app; schema changes through Alembic."""

from __future__ import annotations

import os
import sqlite3
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, g
from sqlalchemy import Engine, Table, create_engine, event, exc, func, inspect, literal_column, make_url, select
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from hotline import private_files

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig


class Base(DeclarativeBase):
    """Base of every model."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # Writers from several processes (gunicorn workers) queue for the lock instead of failing after 5 s.
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA secure_delete=ON")  # deleted rows are overwritten, not left in free pages
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _remember_pid(_dbapi_connection: Any, record: Any) -> None:
    record.info["pid"] = os.getpid()


def _refuse_inherited(_dbapi_connection: Any, record: Any, proxy: Any) -> None:
    # A connection made before a fork (gunicorn --preload) must never be shared with the parent.
    if record.info.get("pid") != os.getpid():
        record.dbapi_connection = proxy.dbapi_connection = None
        raise exc.DisconnectionError("connection made in another process; connecting anew")


def make_engine(url: str) -> Engine:
    """Create an engine that each forked process reconnects; SQLite gets WAL, secure_delete, foreign keys."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    database = make_url(url).database
    if url.startswith("sqlite") and database and database != ":memory:" and not database.startswith("file:"):
        # Made 0600 before SQLite opens it: it holds TOTP secrets and password hashes, and its -wal and -shm
        # files take its mode. This covers every first start: init, demo, run and gunicorn.
        private_files.sqlite_database(Path(database))
    # A ping before each use finds a server connection that dropped; a SQLite file cannot drop.
    engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    event.listen(engine, "connect", _remember_pid)
    event.listen(engine, "checkout", _refuse_inherited)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def init_app(app: Flask) -> None:
    """Attach an engine and a session factory to the app."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["hotline.engine"] = engine
    app.extensions["hotline.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(close_session)


def get_session() -> Session:
    """Return this request's (or app context's) session."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["hotline.sessionmaker"]()
    session: Session = g.db_session
    return session


def close_session(_exc: BaseException | None = None) -> None:
    """Close the session at the end of the request."""
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def alembic_config(url: str) -> AlembicConfig:
    """Return an Alembic config pointing at the packaged migrations."""
    # Imported here, not at the top: Alembic (and Mako) add 11 MB to every web worker that never migrates.
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(resources.files("hotline").joinpath("migrations")))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(app: Flask) -> None:
    """Create or migrate the database to the newest schema."""
    from alembic import command

    engine: Engine = app.extensions["hotline.engine"]
    cfg = alembic_config(app.config["DATABASE_URL"])
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


BLOB_CHUNK = 1 << 20  # bytes of a large blob written at a time


def placeholder_blob(session: Session, size: int) -> Any:
    """Return what to insert instead of a blob of size bytes that write_blob then fills in, or None.

    Only on SQLite, and only for blobs of BLOB_CHUNK or more: the sqlite3 module keeps the values last
    bound to each cached statement until it runs again, so every pooled connection that once stored an
    attachment would go on holding a copy of it. A zeroblob is bound as a number, and written over in
    place a megabyte at a time.
    """
    if size < BLOB_CHUNK or session.get_bind().dialect.name != "sqlite":
        return None
    return func.zeroblob(size)


def write_blob(session: Session, table: Table, column: str, key: str, data: bytes | bytearray) -> None:
    """Fill in a placeholder_blob of the row whose id is key, in the session's transaction."""
    connection = session.connection()
    rowid: int = connection.execute(
        select(literal_column("rowid")).select_from(table).where(table.c.id == key)
    ).scalar_one()
    driver = connection.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)  # noqa: S101  # nosec B101  # placeholder_blob: SQLite only
    with driver.blobopen(table.name, column, rowid) as blob:
        view = memoryview(data)
        for start in range(0, len(view), BLOB_CHUNK):
            blob.write(view[start : start + BLOB_CHUNK])


def is_initialised(app: Flask) -> bool:
    """Tell whether the schema exists."""
    return bool(inspect(app.extensions["hotline.engine"]).has_table("case"))
