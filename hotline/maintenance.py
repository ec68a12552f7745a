"""Nightly upkeep after the purge: no finished day's reporter rows may tell the order in which they came.

On PostgreSQL every row carries xmin, the id of the transaction that wrote it, which follows commit
order across all tables; and rows lie in the heap (ctid) in the order they arrived. Both would place a
report between other rows whose time is known, such as audit events. So each finished day's reporter
rows (the cases received that day with their routes and envelopes, and every envelope of that day) are
deleted and written again in one transaction, in the order of their random ids: afterwards they share
that transaction's xmin, later than anything else of their day, and lie in id order. VACUUM then
removes the old versions. The same transaction adds a `rows_rewritten` audit event naming the day:
its xmin marks the day as done, until a handler's change gives one of its rows a newer xmin.

On SQLite the reporter tables have no rowid that counts (migration 0007), and VACUUM rebuilds the file
in key order, so its pages no longer follow the order of the writes either.

Safe while the hotline serves: the rewrite locks the three tables against writes (reads go on), so a
report or message arriving meanwhile waits for the rewrite to commit and is then written whole. The
lock is asked for with a short timeout, shorter than PostgreSQL's deadlock check, and asked again.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from hotline import audit

REWRITTEN = "rows_rewritten"
LOCK = text('LOCK TABLE "case", case_route, envelope IN SHARE ROW EXCLUSIVE MODE')
VACUUM = text('VACUUM (ANALYZE) "case", case_route, envelope')

PENDING_DAYS = text(
    """
    WITH reporter_rows AS (
        SELECT received_on AS day, xmin::text AS writer FROM "case" WHERE received_on < :today
        UNION ALL
        SELECT c.received_on, r.xmin::text FROM case_route r JOIN "case" c ON c.id = r.case_id
        WHERE c.received_on < :today
        UNION ALL
        SELECT day, xmin::text FROM envelope WHERE day < :today
    )
    SELECT DISTINCT day FROM reporter_rows AS row
    WHERE NOT EXISTS (
        SELECT 1 FROM audit_event AS mark
        WHERE mark.action = :action AND mark.detail = to_char(row.day, 'YYYY-MM-DD') AND mark.xmin::text = row.writer
    )
    ORDER BY day
    """
)
# Copies first, into temporary tables that go at commit; then the originals are deleted (a case takes
# its routes and all its envelopes with it) and written again in id order.
REWRITE = [
    text('CREATE TEMPORARY TABLE rewrite_case (LIKE "case") ON COMMIT DROP'),
    text("CREATE TEMPORARY TABLE rewrite_route (LIKE case_route) ON COMMIT DROP"),
    text("CREATE TEMPORARY TABLE rewrite_envelope (LIKE envelope) ON COMMIT DROP"),
    text('INSERT INTO rewrite_case SELECT * FROM "case" WHERE received_on = :day'),
    text("INSERT INTO rewrite_route SELECT * FROM case_route WHERE case_id IN (SELECT id FROM rewrite_case)"),
    text(
        "INSERT INTO rewrite_envelope SELECT * FROM envelope "
        "WHERE day = :day OR case_id IN (SELECT id FROM rewrite_case)"
    ),
    text('DELETE FROM "case" WHERE id IN (SELECT id FROM rewrite_case)'),
    text("DELETE FROM envelope WHERE id IN (SELECT id FROM rewrite_envelope)"),
    text('INSERT INTO "case" SELECT * FROM rewrite_case ORDER BY id'),
    text("INSERT INTO case_route SELECT * FROM rewrite_route ORDER BY id"),
    text("INSERT INTO envelope SELECT * FROM rewrite_envelope ORDER BY id"),
]
COUNTS = text(
    "SELECT (SELECT count(*) FROM rewrite_case), (SELECT count(*) FROM rewrite_route), "
    "(SELECT count(*) FROM rewrite_envelope)"
)


class TablesBusy(RuntimeError):
    """Other transactions kept the reporter tables locked through every try: run maintenance again later."""


class RewriteMismatch(RuntimeError):
    """A rewrite would not have written back every row it took: it was rolled back, nothing changed."""


@dataclass(frozen=True)
class Rewritten:
    """A day whose reporter rows were written again in one transaction."""

    day: dt.date
    cases: int
    routes: int
    envelopes: int


def pending_days(session: Session, today: dt.date) -> list[dt.date]:
    """Return the finished days whose reporter rows do not all carry the xmin of their day's rewrite."""
    if session.get_bind().dialect.name != "postgresql":
        return []
    return list(session.execute(PENDING_DAYS, {"today": today, "action": REWRITTEN}).scalars())


def rewrite_day(session: Session, day: dt.date, lock_ms: int) -> Rewritten:
    """Write a day's reporter rows again in one transaction, in id order; raise LockNotAvailable if busy."""
    session.execute(text("SELECT set_config('lock_timeout', :wait, true)"), {"wait": f"{lock_ms}ms"})
    session.execute(LOCK)
    reinserted = []
    for statement in REWRITE:
        result = session.execute(statement, {"day": day})
        if statement.text.startswith("INSERT INTO") and "ORDER BY id" in statement.text:
            reinserted.append(result.rowcount)  # type: ignore[attr-defined]  # a CursorResult for DML
    cases, routes, envelopes = session.execute(COUNTS).one()
    if reinserted != [cases, routes, envelopes]:
        session.rollback()
        raise RewriteMismatch(f"{day}: took {cases}, {routes}, {envelopes} rows, wrote back {reinserted}")
    audit.record(session, audit.CLI, REWRITTEN, detail=day.isoformat())
    session.commit()
    return Rewritten(day, cases, routes, envelopes)


def rewrite_finished_days(session: Session, today: dt.date, lock_ms: int, tries: int) -> list[Rewritten]:
    """Rewrite every finished day that needs it, oldest first; a day's rewrite touches only later days' rows."""
    done: list[Rewritten] = []
    after = dt.date.min
    while days := [day for day in pending_days(session, today) if day > after]:
        session.rollback()  # the check read in a transaction of its own: each rewrite starts afresh
        done.append(_with_retries(session, days[0], lock_ms, tries))
        after = days[0]
    session.rollback()
    return done


def _with_retries(session: Session, day: dt.date, lock_ms: int, tries: int) -> Rewritten:
    for _ in range(tries):
        try:
            return rewrite_day(session, day, lock_ms)
        except OperationalError as exc:
            session.rollback()
            if getattr(exc.orig, "sqlstate", None) != "55P03":  # lock_not_available: a writer held on
                raise
            time.sleep(lock_ms / 1000)
    raise TablesBusy(f"the reporter tables stayed locked by other transactions; {day} was not rewritten")


def vacuum(engine: Engine) -> None:
    """Remove the old row versions (PostgreSQL), or rebuild the file in key order and empty the log (SQLite)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(VACUUM)
        elif engine.dialect.name == "sqlite":
            connection.exec_driver_sql("VACUUM")
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
