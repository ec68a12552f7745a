"""Row order: no reporter row gives away when within its day it came (SQLite rowids, PostgreSQL xmin and ctid)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from conftest import REPORT, DemoMaterial, file_report, post_multipart, status_of, upload
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from hotline import audit, cases, crypto, maintenance

Runner = Callable[..., Result]
DAYS = [dt.date(2026, 11, 30), dt.date(2026, 12, 1)]
TODAY = dt.date(2026, 12, 2)
TOP_ROWID = 2**63 - 1


def dialect(app: Flask) -> str:
    return str(app.extensions["hotline.engine"].dialect.name)


def sqlite_only(app: Flask) -> None:
    if dialect(app) != "sqlite":
        pytest.skip("rowids are SQLite's; PostgreSQL rows are checked by xmin and ctid below")


def postgresql_only(app: Flask) -> None:
    if dialect(app) != "postgresql":
        pytest.skip("xmin and ctid are PostgreSQL's system columns; SQLite has neither")


def file_on(monkeypatch: pytest.MonkeyPatch, client: FlaskClient, day: dt.date, **fields: Any) -> str:
    """File a report as if on the given day; return its token."""
    monkeypatch.setattr(cases, "today", lambda: day)
    return file_report(client, **fields)


@pytest.fixture
def several_days(app: Flask, client: FlaskClient, session: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Reports on two finished days, with staff events between them and a follow-up; return their tokens."""
    tokens = []
    for day in DAYS:
        for number in range(3):
            attachment = {"attachments": [upload(b"bijlage %d" % number, "a.txt", "text/plain")]}
            tokens.append(file_on(monkeypatch, client, day, **(attachment if number == 1 else {})))
            audit.record(session, audit.CLI, "handler_created", detail=f"anchor {day} {number}")
            session.commit()  # an event with a known time between two reports: what an anchor looks like
    client.post("/status/message", data={"token": tokens[0], "message": "Nog een detail."})  # on the second day
    monkeypatch.setattr(cases, "today", lambda: TODAY)
    return tokens


def test_reporter_tables_have_no_rowid_on_sqlite(app: Flask, client: FlaskClient, session: Any) -> None:
    sqlite_only(app)
    file_report(client)
    for table in ("case", "case_route"):
        with pytest.raises(OperationalError, match="no such column: rowid"):
            session.execute(text(f'SELECT rowid FROM "{table}"'))  # noqa: S608  # nosec B608  # fixed names
        session.rollback()
        schema = session.scalar(text("SELECT sql FROM sqlite_master WHERE name = :name"), {"name": table})
        assert schema.rstrip().upper().endswith("WITHOUT ROWID")


def test_envelope_rowids_are_drawn_at_random_not_counted(app: Flask, client: FlaskClient, session: Any) -> None:
    """Blob I/O needs the envelope rowid; one row at the top makes SQLite draw every other one at random."""
    sqlite_only(app)
    for _ in range(4):
        file_report(client)
    rowids = sorted(session.scalars(text("SELECT rowid FROM envelope")))
    assert len(rowids) == 4 and rowids[-1] == TOP_ROWID
    assert all(rowid > 2**40 for rowid in rowids)  # a counter would have given 1, 2, 3, 4


def test_a_big_attachment_is_still_written_in_place_under_a_random_rowid(
    app: Flask, client: FlaskClient, session: Any
) -> None:
    sqlite_only(app)
    file_report(client)
    data = bytes(range(256)) * (5 << 12)  # 5 MiB: written with incremental blob I/O
    response = post_multipart(client, "/report/submit", REPORT | {"attachments": upload(data, "groot.bin")})
    assert response.status_code == 201
    rowid, size = session.execute(
        text("SELECT rowid, length(ciphertext) FROM envelope WHERE kind = 'attachment'")
    ).one()
    assert rowid > 2**40 and size > len(data)


def xmins(session: Any, day: dt.date) -> dict[str, list[tuple[Any, ...]]]:
    """Return each reporter table's rows of a day as (xmin, id, ctid), in heap order."""
    queries = {
        "case": 'SELECT xmin::text::bigint, id, ctid FROM "case" WHERE received_on = :day ORDER BY ctid',
        "case_route": "SELECT r.xmin::text::bigint, r.id, r.ctid FROM case_route r "
        'JOIN "case" c ON c.id = r.case_id WHERE c.received_on = :day ORDER BY r.ctid',
        "envelope": "SELECT xmin::text::bigint, id, ctid FROM envelope WHERE day = :day ORDER BY ctid",
    }
    return {table: [tuple(row) for row in session.execute(text(sql), {"day": day})] for table, sql in queries.items()}


def test_maintenance_leaves_each_finished_days_rows_one_xmin_after_its_anchors_and_in_id_order(
    app: Flask, runner: Runner, session: Any, several_days: list[str]
) -> None:
    postgresql_only(app)
    session.rollback()
    assert len({x for rows in xmins(session, DAYS[0]).values() for x, _id, _ctid in rows}) == 3  # one per report
    result = runner("maintenance")
    assert result.exit_code == 0, result.output
    assert f"rewrote the reporter rows of {DAYS[0]}" in result.output
    session.rollback()
    for day in DAYS:
        found = xmins(session, day)
        (writer,) = {x for rows in found.values() for x, _id, _ctid in rows}  # one transaction for the day
        anchors = session.execute(
            text("SELECT xmin::text::bigint FROM audit_event WHERE detail LIKE :day"), {"day": f"anchor {day}%"}
        )
        assert all(anchor < writer for anchor in anchors.scalars())  # written after every anchor of its day
        for rows in found.values():
            assert [row_id for _x, row_id, _ctid in rows] == sorted(row_id for _x, row_id, _ctid in rows)
    assert runner("maintenance").output.count("rewrote") == 0  # done days stay done


def test_maintenance_keeps_every_case_whole_and_openable_with_its_token(
    app: Flask, client: FlaskClient, runner: Runner, session: Any, material: DemoMaterial, several_days: list[str]
) -> None:
    before = session.execute(text("SELECT count(*) FROM envelope")).scalar()
    result = runner("maintenance")
    assert result.exit_code == 0, result.output
    assert "vacuumed" in result.output
    for token in several_days:
        assert status_of(client, token) == "received"
    assert "Nog een detail." in client.post("/status", data={"token": several_days[0]}).get_data(as_text=True)
    session.rollback()
    assert session.execute(text("SELECT count(*) FROM envelope")).scalar() == before
    handler = material.handlers["hbo-ict"]
    for case in cases.list_cases(session):
        signers = {"reporter": case.reporter_signing_key}
        for record in case.envelopes:
            if record.direction == "to_handlers":
                options: dict[str, Any] = {"verify_key": signers.get, "reply_public_key": case.reply_public_key}
                assert crypto.open_envelope(cases.envelope_of(record), handler, **options)
    assert len(cases.list_cases(session)) == len(several_days)


def test_a_rewrite_waits_for_a_report_being_written_and_loses_nothing(
    app: Flask, client: FlaskClient, session: Any, several_days: list[str]
) -> None:
    """The rewrite asks for its lock briefly and again, never deadlocking a writer; then it rewrites every day."""
    postgresql_only(app)
    writer = app.extensions["hotline.sessionmaker"]()
    writer.execute(text("LOCK TABLE envelope IN ROW EXCLUSIVE MODE"))  # what a report's INSERT holds till commit
    done: list[maintenance.Rewritten] = []
    upkeep = app.extensions["hotline.sessionmaker"]()
    worker = threading.Thread(target=lambda: done.extend(maintenance.rewrite_finished_days(upkeep, TODAY, 20, 10_000)))
    worker.start()
    here = "(SELECT oid FROM pg_database WHERE datname = current_database())"
    waiting = f"SELECT count(*) FROM pg_locks WHERE NOT granted AND database = {here}"  # noqa: S608  # nosec B608
    while worker.is_alive() and not session.execute(text(waiting)).scalar():
        session.rollback()
    assert worker.is_alive()  # it waits for the writer
    writer.commit()
    worker.join()
    writer.close()
    upkeep.close()
    assert [rewritten.day for rewritten in done] == DAYS
    for token in several_days:
        assert status_of(client, token) == "received"


def test_sqlite_maintenance_vacuums_and_empties_the_write_ahead_log(
    app: Flask, client: FlaskClient, runner: Runner
) -> None:
    sqlite_only(app)
    file_report(client)
    result = runner("maintenance")
    assert result.exit_code == 0 and "vacuumed" in result.output
    wal = Path(f"{make_url(app.config['DATABASE_URL']).database}-wal")
    assert not wal.exists() or wal.stat().st_size == 0
