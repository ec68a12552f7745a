"""Back up and restore the database: sealed cases, accounts and the audit log; never a private key.

SQLite is copied with its online backup API, consistent while the app writes (the write-ahead
log included); PostgreSQL with pg_dump and pg_restore. A restore replaces the whole database,
and only a schema revision this release knows is restored: the caller then upgrades it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess  # nosec B404  # runs pg_dump and pg_restore by full path, without a shell
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, func, inspect, select, table
from sqlalchemy.engine import URL
from sqlalchemy.pool import PoolProxiedConnection

from hotline import db

PG_TOOL_HINT = "install PostgreSQL's client tools of the server's version (Debian: apt-get install postgresql-client)"
VERSION_TABLE = "alembic_version"


class BackupError(Exception):
    """A backup or restore cannot be made; the message says why and what to do."""


def known_revisions(url: str) -> list[str]:
    """Return this release's schema revisions, oldest first."""
    script = ScriptDirectory.from_config(db.alembic_config(url))
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def check_revision(revision: str | None, url: str) -> str:
    """Return a backup's schema revision if this release can upgrade it; raise BackupError otherwise."""
    if revision is None:
        raise BackupError("the backup holds no schema revision: it is not a backup of a hotline database")
    if revision not in known_revisions(url):
        raise BackupError(
            f"the backup is of schema revision {revision}, which this release does not know: "
            "restore it with the release that made it"
        )
    return revision


def rows_in(engine: Engine) -> int:
    """Return how many tables of the database hold at least one row (the schema version aside)."""
    names = [name for name in inspect(engine).get_table_names() if name != VERSION_TABLE]
    with engine.connect() as connection:
        return sum(1 for name in names if connection.scalar(select(func.count()).select_from(table(name))))


def clear(engine: Engine) -> None:
    """Drop every table of the database (and the audit log's trigger function on PostgreSQL)."""
    existing = MetaData()
    existing.reflect(engine)
    with engine.begin() as connection:
        existing.drop_all(connection)
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("DROP FUNCTION IF EXISTS audit_event_append_only() CASCADE")


def private_file(path: Path) -> None:
    """Create a new, empty file only its owner can read; refuse to overwrite one."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError as exc:
        raise BackupError(f"{path} already exists: not overwritten") from exc


def backup(engine: Engine, out: Path) -> None:
    """Write a consistent copy of the database to a new file, readable by its owner only."""
    private_file(out)
    try:
        if engine.dialect.name == "sqlite":
            _sqlite_backup(engine, out)
        else:
            _pg_run("pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={out}", url=engine.url)
    except BaseException:
        out.unlink(missing_ok=True)  # no half-written backup is left to be mistaken for a good one
        raise


def restore(engine: Engine, source: Path, *, force: bool = False) -> str:
    """Replace the database with a backup and return the backup's schema revision; upgrade it afterwards."""
    url = engine.url.render_as_string(hide_password=False)
    found = _sqlite_revision(source) if engine.dialect.name == "sqlite" else _pg_revision(source)
    revision = check_revision(found, url)
    if not force and rows_in(engine):
        raise BackupError("the database already holds data: restore into an empty one, or use --force to replace it")
    if engine.dialect.name == "sqlite":
        _sqlite_restore(engine, source)
    else:
        clear(engine)  # the dump's own objects are dropped by --clean; those of a newer schema are not
        options = ("--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error")
        _pg_run("pg_restore", *options, str(source), url=engine.url)
    engine.dispose()  # pooled connections may cache the schema that was replaced
    return revision


def _sqlite3_of(raw: PoolProxiedConnection) -> sqlite3.Connection:
    connection = raw.driver_connection
    if not isinstance(connection, sqlite3.Connection):
        raise BackupError("the SQLite database is not reached through Python's sqlite3 driver")
    return connection


def _sqlite_backup(engine: Engine, out: Path) -> None:
    live = engine.raw_connection()
    target = sqlite3.connect(out)
    try:
        _sqlite3_of(live).backup(target)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, without a -wal beside it
    finally:
        target.close()
        live.close()


def _sqlite_revision(source: Path) -> str | None:
    try:
        backup_db = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{source} cannot be opened as an SQLite backup: {exc}") from exc
    try:
        if backup_db.execute("PRAGMA quick_check").fetchone() != ("ok",):
            raise BackupError(f"{source} is damaged: SQLite's quick_check fails")
        row = backup_db.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source} is not an SQLite backup of a hotline database: {exc}") from exc
    finally:
        backup_db.close()
    return str(row[0]) if row else None


def _sqlite_restore(engine: Engine, source: Path) -> None:
    backup_db = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    live = engine.raw_connection()
    try:
        backup_db.backup(_sqlite3_of(live))
    finally:
        live.close()
        backup_db.close()


def _pg_revision(source: Path) -> str | None:
    """Read the schema revision from a pg_dump custom-format file, without restoring it."""
    listing = _pg_run("pg_restore", "--data-only", f"--table={VERSION_TABLE}", "--file=-", str(source))
    lines = listing.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(f"COPY public.{VERSION_TABLE} ")), None)
    if start is None or start + 1 >= len(lines) or lines[start + 1] == "\\.":
        return None
    return lines[start + 1].strip()


def _pg_run(tool: str, *args: str, url: URL | None = None) -> str:
    """Run a PostgreSQL client tool; the password goes in the environment, never on the command line."""
    path = shutil.which(tool)
    if path is None:
        raise BackupError(f"{tool} not found: {PG_TOOL_HINT}")
    env = dict(os.environ)
    argv = [path, *args]
    if url is not None:
        if url.password:
            env["PGPASSWORD"] = str(url.password)
        libpq = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
        argv.insert(1, f"--dbname={libpq}")
    done = subprocess.run(  # noqa: S603  # nosec B603  # the tool's full path and our own arguments, no shell
        argv, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        reason = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit status {done.returncode}"
        raise BackupError(f"{tool} failed: {reason}")
    return done.stdout
