"""Database: SQLite hardening, migrations that match the models, random ids, day-precision dates."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from conftest import file_report
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, event, select, text

from hotline import cases, db, demo, models

CASE_ID = re.compile(r"^[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}$")
RANDOM_ID = re.compile(r"^[0-9a-f]{32}$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def engine_of(app: Flask) -> Engine:
    engine: Engine = app.extensions["hotline.engine"]
    return engine


def test_sqlite_uses_wal_and_secure_delete(app: Flask) -> None:
    if not app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("SQLite pragmas only")
    with engine_of(app).connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000  # workers queue for the lock


def test_a_connection_is_never_shared_with_a_forked_process(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = db.make_engine(app.config["DATABASE_URL"])
    with engine.connect() as connection:
        inherited = connection.connection.dbapi_connection
    with monkeypatch.context() as patch:
        patch.setattr(db.os, "getpid", lambda: -1)  # as in a gunicorn worker forked after the first connection
        with engine.connect() as connection:
            assert connection.connection.dbapi_connection is not inherited
            assert connection.execute(text("SELECT 1")).scalar() == 1
    assert inherited is not None
    inherited.close()  # the pool let go of it without closing: in a real fork it belongs to the parent
    engine.dispose()


def test_migrations_produce_exactly_the_models_schema(app: Flask) -> None:
    with engine_of(app).connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), models.Base.metadata)
    assert diff == []


def current_revision(app: Flask) -> str | None:
    with engine_of(app).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_upgrading_twice_is_harmless(app: Flask, client: FlaskClient, session: Any) -> None:
    file_report(client)
    head = ScriptDirectory.from_config(db.alembic_config(app.config["DATABASE_URL"])).get_current_head()
    db.upgrade(app)
    db.upgrade(app)
    assert current_revision(app) == head
    assert db.is_initialised(app)
    assert len(session.scalars(select(models.Case)).all()) == 1
    assert len(session.scalars(select(models.Destination)).all()) == len(demo.DESTINATIONS)


def test_no_table_has_a_counter_for_a_key() -> None:
    for table in models.Base.metadata.sorted_tables:
        columns = list(table.primary_key.columns)  # one random id, or a natural key of strings (settled_quarter)
        assert columns and all(column.type.python_type is str for column in columns), table.name


def test_ids_are_random_not_counters(client: FlaskClient, session: Any) -> None:
    file_report(client)
    file_report(client, category="labour.unsafe")
    found = session.scalars(select(models.Case)).all()
    first, second = (case.id for case in found)
    assert first != second
    assert CASE_ID.match(first) and CASE_ID.match(second)
    assert first[:5] != second[:5]  # a shared prefix would hint at a counter
    envelopes = session.scalars(select(models.EnvelopeRecord)).all()
    routes = session.scalars(select(models.CaseRoute)).all()
    destinations = session.scalars(select(models.Destination)).all()
    for row in (*envelopes, *routes, *destinations):
        assert RANDOM_ID.match(row.id), row
    assert len({row.id for row in envelopes}) == len(envelopes) == 2


def test_every_symbol_of_a_case_id_is_drawn_from_the_whole_alphabet() -> None:
    """One random number cut into 10 base-30 symbols: no position may be stuck or lean to a few symbols."""
    drawn = [models.public_case_id().replace("-", "") for _ in range(3000)]
    for position in range(10):
        seen = Counter(case_id[position] for case_id in drawn)
        assert set(seen) == set(models.CASE_ID_ALPHABET)
        assert max(seen.values()) < 3 * 3000 / 30


def test_reporter_dates_are_days_without_a_time(client: FlaskClient, session: Any) -> None:
    file_report(client)
    case = session.scalars(select(models.Case)).one()
    for value in (case.received_on, case.ack_due, case.feedback_due, *(e.day for e in case.envelopes)):
        assert type(value) is dt.date
    stored = session.execute(text('SELECT received_on FROM "case"')).scalar()
    assert DAY.match(str(stored))
    for day in session.execute(text("SELECT day FROM envelope")).scalars():
        assert DAY.match(str(day))


def test_a_report_reads_the_destinations_once(app: Flask, client: FlaskClient) -> None:
    """The programmes, the routing's destinations, the key lists' rows and the recovery key: one query."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    file_report(client)  # the first records each key list's version, and so reads the list again
    engine = app.extensions["hotline.engine"]
    event.listen(engine, "before_cursor_execute", record)
    try:
        file_report(client)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    reads = [s for s in statements if re.search(r"FROM destination\b", s) and s.lstrip().startswith("SELECT")]
    assert len(reads) == 1, reads


def test_the_destination_list_is_what_a_query_would_give(app: Flask, session: Any) -> None:
    """Kept for one transaction only, and never while a destination waits to be added or deleted."""
    before = [d.slug for d in cases.programmes(session)]
    added = models.Destination(slug="nieuw", name="AAA Nieuwe opleiding", kind="programme", key_list_version=0)
    session.add(added)  # not flushed
    assert [d.slug for d in cases.programmes(session)] == ["nieuw", *before]
    session.rollback()
    assert [d.slug for d in cases.programmes(session)] == before
    other = app.extensions["hotline.sessionmaker"]()
    try:
        demo.add_destination(other, "later", "AAA Later", "programme")  # committed by another session
    finally:
        other.close()
    session.commit()  # a new transaction reads again
    assert [d.slug for d in cases.programmes(session)] == ["later", *before]
