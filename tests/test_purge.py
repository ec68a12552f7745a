"""Retention: `hotline purge` deletes closed cases past the retention period, with their envelopes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from conftest import file_report, upload
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from hotline import cases, models

TODAY = dt.date.today()


def file_case(client: FlaskClient, session: Any, closed_days_ago: int | None, attachment: bytes = b"notities") -> str:
    """File a report with one attachment; close it the given number of days ago (None: leave it open)."""
    session.rollback()
    before = set(session.scalars(select(models.Case.id)))
    file_report(client, attachments=[upload(attachment, "notes.txt", "text/plain")])
    session.rollback()
    [case_id] = set(session.scalars(select(models.Case.id))) - before
    if closed_days_ago is not None:  # there is no way to close a case in the interface yet
        case = session.get(models.Case, case_id)
        case.status, case.closed_on = "closed", TODAY - dt.timedelta(days=closed_days_ago)
        session.commit()
    return str(case_id)


def rows(session: Any, case_id: str) -> tuple[int, int, int]:
    """Count a case's rows in the case, case_route and envelope tables."""
    session.rollback()
    count = select(func.count())
    return (
        session.scalar(count.select_from(models.Case).where(models.Case.id == case_id)),
        session.scalar(count.select_from(models.CaseRoute).where(models.CaseRoute.case_id == case_id)),
        session.scalar(count.select_from(models.EnvelopeRecord).where(models.EnvelopeRecord.case_id == case_id)),
    )


def test_purge_deletes_old_closed_cases_with_routes_and_envelopes_and_keeps_the_rest(
    client: FlaskClient, session: Any, runner: Any
) -> None:
    old = file_case(client, session, closed_days_ago=400)
    recent = file_case(client, session, closed_days_ago=30)
    still_open = file_case(client, session, closed_days_ago=None)
    result = runner("purge")
    assert result.exit_code == 0, result.output
    assert f"purged case {old} (closed {TODAY - dt.timedelta(days=400)}): 2 envelope(s)" in result.output
    assert "purged 1 case(s)" in result.output
    assert recent not in result.output and still_open not in result.output
    assert rows(session, old) == (0, 0, 0)
    assert rows(session, recent) == rows(session, still_open) == (1, 1, 2)


def test_dry_run_lists_and_deletes_nothing(client: FlaskClient, session: Any, runner: Any) -> None:
    old = file_case(client, session, closed_days_ago=400)
    result = runner("purge", "--dry-run")
    assert result.exit_code == 0, result.output
    assert f"would purge case {old}" in result.output and "nothing was deleted" in result.output
    assert rows(session, old) == (1, 1, 2)


def test_nothing_to_purge_is_said_plainly(client: FlaskClient, session: Any, runner: Any) -> None:
    file_case(client, session, closed_days_ago=10)
    result = runner("purge")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("nothing to purge")


def test_the_retention_period_is_counted_in_whole_days(client: FlaskClient, session: Any) -> None:
    on_the_day = file_case(client, session, closed_days_ago=365)
    a_day_later = file_case(client, session, closed_days_ago=366)
    assert cases.purge(session, TODAY, 365) == [a_day_later]
    assert rows(session, on_the_day) == (1, 1, 2)


def test_the_period_comes_from_the_settings(
    client: FlaskClient, session: Any, runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = file_case(client, session, closed_days_ago=40)
    assert "nothing to purge" in runner("purge").output  # the default keeps it for 365 days
    monkeypatch.setenv("HOTLINE_RETENTION_DAYS", "30")
    assert f"purged case {old}" in runner("purge").output
    monkeypatch.setenv("HOTLINE_RETENTION_DAYS", "0")
    result = runner("purge")
    assert result.exit_code == 1 and "at least 1" in result.output


def test_a_case_with_a_closing_day_but_another_status_is_kept(client: FlaskClient, session: Any) -> None:
    reopened = file_case(client, session, closed_days_ago=400)
    session.get(models.Case, reopened).status = "in_progress"
    session.commit()
    assert cases.purge(session, TODAY, 365) == []


def test_each_purge_is_audited_without_contents(client: FlaskClient, session: Any, runner: Any) -> None:
    old = file_case(client, session, closed_days_ago=400)
    assert runner("purge").exit_code == 0
    session.rollback()
    [event] = session.scalars(select(models.AuditEvent).where(models.AuditEvent.action == "purged")).all()
    assert (event.handler_id, event.case_id) == ("cli", old)
    assert event.detail == f"closed {TODAY - dt.timedelta(days=400)}, 2 envelope(s)"


def test_purged_ciphertext_is_overwritten_in_the_sqlite_file(
    app: Flask, client: FlaskClient, session: Any, runner: Any
) -> None:
    url = make_url(app.config["DATABASE_URL"])
    if url.get_backend_name() != "sqlite":
        pytest.skip("secure_delete is SQLite's; PostgreSQL leaves dead rows to VACUUM")
    path = url.database
    assert path
    old = file_case(client, session, closed_days_ago=400, attachment=bytes(range(256)) * 400)
    kept = file_case(client, session, closed_days_ago=None)
    pieces: dict[str, list[bytes]] = {old: [], kept: []}
    for record in session.scalars(select(models.EnvelopeRecord)):
        ciphertext = record.ciphertext
        pieces[record.case_id] += [ciphertext[i : i + 32] for i in (0, len(ciphertext) // 2, len(ciphertext) - 32)]

    def stored() -> bytes:
        """Return the database file and its write-ahead log, after a checkpoint."""
        session.rollback()
        session.connection().execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        session.rollback()
        wal = Path(f"{path}-wal")
        return Path(path).read_bytes() + (wal.read_bytes() if wal.exists() else b"")

    before = stored()
    assert all(piece in before for piece in pieces[old])
    assert runner("purge").exit_code == 0
    after = stored()
    assert not any(piece in after for piece in pieces[old])
    assert all(piece in after for piece in pieces[kept])
