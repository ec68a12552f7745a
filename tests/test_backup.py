"""Backup and restore: every case still opens with its handler's key, every token still finds its case."""

from __future__ import annotations

import json
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from conftest import PASSPHRASE, REPORT, DemoMaterial, file_report, status_of
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from test_migrations import migrate, revision

from hotline import audit, backup, cases, crypto, db, models

Runner = Callable[..., Result]
REPLY = "Dank je voor je melding; we nemen contact op met het stagebedrijf."


def snapshot(app: Flask, material: DemoMaterial) -> dict[str, list[bytes]]:
    """Open every envelope of every case with the keys of its destinations; return the plaintexts by case."""
    handlers = {key.kid: key for key in material.handlers.values()}
    opened: dict[str, list[bytes]] = {}
    with app.app_context():
        session = db.get_session()
        for case in cases.list_cases(session):
            reader = handlers[cases.key_lists(session, app.extensions["hotline.keyring"], case)[0].keys[0].kid]
            signers = {"reporter": case.reporter_signing_key} | {k: h.public.ed25519 for k, h in handlers.items()}
            options: dict[str, Any] = {"verify_key": signers.get, "reply_public_key": case.reply_public_key}
            envelopes = [cases.envelope_of(record) for record in case.envelopes]
            opened[case.id] = [crypto.open_envelope(envelope, reader, **options) for envelope in envelopes]
    return opened


def audit_log(app: Flask) -> list[tuple[int, str, str | None]]:
    with app.app_context():
        events = db.get_session().scalars(select(models.AuditEvent).order_by(models.AuditEvent.seq))
        return [(event.seq, event.action, event.case_id) for event in events]


@pytest.fixture
def filed(app: Flask, client: FlaskClient, material: DemoMaterial) -> list[str]:
    """Two reports, the first answered by its handler (an audited reply); return their tokens."""
    first = file_report(client)
    with app.app_context():
        session = db.get_session()
        (case,) = cases.list_cases(session)
        cases.add_reply(session, app.extensions["hotline.keyring"], case, material.handlers["hbo-ict"], REPLY)
        audit.record(session, None, "replied", case.id)
        session.commit()
    return [first, file_report(client, category="labour.underpayment")]


def test_restore_after_loss_keeps_every_case_openable(
    app: Flask, client: FlaskClient, runner: Runner, material: DemoMaterial, filed: list[str], tmp_path: Path
) -> None:
    before, log = snapshot(app, material), audit_log(app)
    out = tmp_path / "hotline.backup"
    result = runner("backup", str(out))
    assert result.exit_code == 0, result.output
    assert "2 case(s)" in result.output and stat.S_IMODE(out.stat().st_mode) == 0o600
    backup.clear(app.extensions["hotline.engine"])  # the database is lost

    result = runner("restore", str(out))
    assert result.exit_code == 0, result.output
    assert snapshot(app, material) == before and len(before) == 2
    assert audit_log(app) == log and [action for _seq, action, _case in log] == ["replied"]
    assert [status_of(client, token) for token in filed] == ["received", "received"]
    assert REPLY in client.post("/status", data={"token": filed[0]}).get_data(as_text=True)


def test_restore_replaces_later_changes_only_with_force(
    app: Flask, client: FlaskClient, runner: Runner, material: DemoMaterial, filed: list[str], tmp_path: Path
) -> None:
    before, out = snapshot(app, material), tmp_path / "hotline.backup"
    assert runner("backup", str(out)).exit_code == 0
    later = file_report(client, description="Een melding van na de backup.")
    result = runner("restore", str(out))
    assert result.exit_code == 1 and "already holds data" in result.output
    assert len(snapshot(app, material)) == 3  # refused: nothing was touched

    assert runner("restore", str(out), "--force").exit_code == 0
    assert snapshot(app, material) == before
    assert client.post("/status", data={"token": later}).status_code == 404  # filed after the backup: gone


def test_backup_holds_no_plaintext_and_no_token(app: Flask, runner: Runner, filed: list[str], tmp_path: Path) -> None:
    out = tmp_path / "hotline.backup"
    assert runner("backup", str(out)).exit_code == 0
    data = out.read_bytes()
    assert REPORT["description"].encode() not in data and REPLY.encode() not in data
    for token in filed:
        assert token.encode() not in data and token.replace("-", "").encode() not in data


def test_backup_refuses_to_overwrite_a_file(runner: Runner, tmp_path: Path) -> None:
    out = tmp_path / "hotline.backup"
    out.write_bytes(b"an older backup")
    result = runner("backup", str(out))
    assert result.exit_code == 1 and "already exists" in result.output
    assert out.read_bytes() == b"an older backup"


def test_restore_upgrades_a_backup_of_an_older_schema(
    app: Flask, client: FlaskClient, runner: Runner, material: DemoMaterial, filed: list[str], tmp_path: Path
) -> None:
    before, out = snapshot(app, material), tmp_path / "old.backup"
    migrate(app, "downgrade", "0004")  # as the previous release left it
    assert runner("backup", str(out)).exit_code == 0
    backup.clear(app.extensions["hotline.engine"])
    result = runner("restore", str(out))
    assert result.exit_code == 0, result.output
    assert "schema revision 0004" in result.output
    assert revision(app) == backup.known_revisions(app.config["DATABASE_URL"])[-1]
    assert snapshot(app, material) == before


def test_restore_refuses_a_backup_of_an_unknown_schema(
    app: Flask, runner: Runner, filed: list[str], tmp_path: Path
) -> None:
    out = tmp_path / "newer.backup"
    with app.extensions["hotline.engine"].begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))  # a later release's schema
    assert runner("backup", str(out)).exit_code == 0
    backup.clear(app.extensions["hotline.engine"])
    result = runner("restore", str(out))
    assert result.exit_code == 1 and "revision 9999, which this release does not know" in result.output


def test_restore_refuses_a_file_that_is_not_a_backup(runner: Runner, tmp_path: Path) -> None:
    source = tmp_path / "notes.json"
    source.write_text(json.dumps({"not": "a backup"}), "utf-8")
    result = runner("restore", str(source), "--force")
    assert result.exit_code == 1 and "hotline: error:" in result.output and "Traceback" not in result.output


def test_a_missing_postgresql_tool_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backup.shutil, "which", lambda _name: None)
    with pytest.raises(backup.BackupError, match="pg_dump not found: install PostgreSQL's client tools"):
        backup._pg_run("pg_dump", "--version")


def test_every_model_table_is_in_the_backup(app: Flask, runner: Runner, filed: list[str], tmp_path: Path) -> None:
    out = tmp_path / "hotline.backup"
    assert runner("backup", str(out)).exit_code == 0
    backup.clear(app.extensions["hotline.engine"])
    assert runner("restore", str(out)).exit_code == 0
    with app.app_context():
        session = db.get_session()
        for model in (models.Case, models.CaseRoute, models.EnvelopeRecord, models.Destination, models.AuditEvent):
            assert session.scalars(select(model)).first() is not None, model


def test_sqlite_backup_includes_what_is_still_in_the_write_ahead_log(
    app: Flask, runner: Runner, filed: list[str], tmp_path: Path
) -> None:
    url = make_url(app.config["DATABASE_URL"])
    if url.get_backend_name() != "sqlite":
        pytest.skip("SQLite's write-ahead log only")
    assert Path(f"{url.database}-wal").stat().st_size > 0  # the cases are not yet checkpointed into the file
    out = tmp_path / "hotline.backup"
    assert runner("backup", str(out)).exit_code == 0
    copy = sqlite3.connect(out)
    try:
        assert copy.execute('SELECT count(*) FROM "case"').fetchone() == (2,)
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one file, nothing beside it
    finally:
        copy.close()


def test_restored_cases_open_offline_with_hotline_decrypt(
    app: Flask, runner: Runner, material: DemoMaterial, filed: list[str], tmp_path: Path
) -> None:
    out, key = tmp_path / "hotline.backup", tmp_path / "hbo-ict.key.json"
    assert runner("backup", str(out)).exit_code == 0
    backup.clear(app.extensions["hotline.engine"])
    assert runner("restore", str(out)).exit_code == 0
    key.write_text(json.dumps(crypto.export_private_key(material.handlers["hbo-ict"], PASSPHRASE)), "utf-8")
    shown = ""
    for row in json.loads(runner("cases", "list", "--json").stdout):
        bundle = tmp_path / f"{row['id']}.json"
        assert runner("cases", "export", row["id"], "-o", str(bundle)).exit_code == 0
        result = runner("decrypt", str(bundle), "--key", str(key), env={"HOTLINE_KEY_PASSPHRASE": PASSPHRASE})
        assert result.exit_code == 0, result.output
        shown += result.output
    assert shown.count(REPORT["description"]) == 2 and REPLY in shown
