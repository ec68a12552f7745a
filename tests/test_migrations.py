"""Migrations: a database made by the first release (schema 0001) upgrades with every case intact."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import Result
from conftest import DemoMaterial, make_account, status_of
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from hotline import backup, cases, crypto, db, models, tokens

Runner = Callable[..., Result]
FIRST_RELEASE = "0001"
DESCRIPTION = "Mijn stagebegeleider maakte opmerkingen over mijn hoofddoek."
REPLY = "We hebben je melding ontvangen en nemen contact op."
RECEIVED = dt.date(2026, 1, 12)


@dataclass
class OldCase:
    id: str
    token: str


def migrate(app: Flask, direction: str, target: str) -> None:
    """Run an Alembic upgrade or downgrade on the app's database."""
    config = db.alembic_config(app.config["DATABASE_URL"])
    with app.extensions["hotline.engine"].begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, direction)(config, target)


def revision(app: Flask) -> str | None:
    with app.extensions["hotline.engine"].connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def seal(keys: tokens.CaseKeys, plaintext: dict[str, Any], kind: str, direction: str, signer: Any) -> crypto.Envelope:
    """Seal as the first release did: to the handler key, and for a reply to the reporter's reply key too."""
    handler, signing_key, signer_id = signer
    readers = {handler.kid: handler.public.x25519}
    if direction == "to_reporter":
        readers[crypto.fingerprint(keys.reply_public)] = keys.reply_public
    return crypto.seal(
        json.dumps(plaintext).encode("utf-8"),
        kind=kind,
        direction=direction,
        reply_public_key=keys.reply_public,
        recipients=readers.items(),
        signer=signer_id,
        signing_key=signing_key,
    )


@pytest.fixture
def first_release(app: Flask, material: DemoMaterial) -> OldCase:
    """Replace the test database with one at schema 0001 holding a case, written with the first release's SQL."""
    engine = app.extensions["hotline.engine"]
    backup.clear(engine)
    migrate(app, "upgrade", FIRST_RELEASE)
    token, handler = tokens.generate(), material.handlers["hbo-ict"]
    keys = tokens.derive(token, bytes.fromhex(app.config["INSTANCE_SALT"]))
    report = {"category": "discrimination.religion", "programme": "hbo-ict", "description": DESCRIPTION}
    envelopes = [
        seal(keys, report, "report", "to_handlers", (handler, keys.signing_key, "reporter")),
        seal(keys, {"text": REPLY}, "message", "to_reporter", (handler, handler.ed25519, handler.kid)),
    ]
    case = {
        "id": "K7M2P-Q9XRT",
        "lookup_digest": tokens.lookup_digest(keys.lookup_key, bytes.fromhex(app.config["LOOKUP_PEPPER"])),
        "reply_public_key": keys.reply_public,
        "reporter_signing_key": keys.signing_public,
        "received_on": RECEIVED,
        "ack_due": RECEIVED + dt.timedelta(days=7),
        "feedback_due": dt.date(2026, 4, 12),
        "destination": "d" * 32,
        "route": "e" * 32,
    }
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO destination VALUES (:destination, 'hbo-ict', 'HBO-ICT', NULL, 'programme', 1)"), case
        )
        connection.execute(
            text(
                'INSERT INTO "case" VALUES (:id, :lookup_digest, :reply_public_key, :reporter_signing_key, '
                "'discrimination.religion', 'hbo-ict', 'zorg', 'during', 'in_progress', "
                ":received_on, :ack_due, :feedback_due, NULL)"
            ),
            case,
        )
        connection.execute(
            text("INSERT INTO case_route VALUES (:route, :id, :destination, 'the student''s programme')"),
            case,
        )
        for seq, envelope in enumerate(envelopes):
            record = cases.record_of(envelope, models.Case(), RECEIVED)
            connection.execute(
                text(
                    "INSERT INTO envelope VALUES (:id, :case_id, :seq, :kind, :direction, :day, :hdr, :nonce, "
                    ":ciphertext, :recipients, :signer, :signature)"
                ),
                {column: getattr(record, column) for column in ("id", "kind", "direction", "day", "hdr", "nonce")}
                | {column: getattr(record, column) for column in ("ciphertext", "recipients", "signer", "signature")}
                | {"case_id": case["id"], "seq": seq},
            )
    return OldCase(case["id"], token)


def opened(app: Flask, material: DemoMaterial, case_id: str) -> list[bytes]:
    """Open every envelope of a case with the programme's handler key, checking each signature."""
    handler = material.handlers["hbo-ict"]
    with app.app_context():
        case = cases.get_case(db.get_session(), case_id)
        signers = {"reporter": case.reporter_signing_key, handler.kid: handler.public.ed25519}
        options: dict[str, Any] = {"verify_key": signers.get, "reply_public_key": case.reply_public_key}
        return [crypto.open_envelope(cases.envelope_of(r), handler, **options) for r in case.envelopes]


def upgrade_with_init(runner: Runner) -> None:
    result = runner("init")
    assert result.exit_code == 0, result.output


def test_first_release_database_upgrades_with_its_case_intact(
    app: Flask, runner: Runner, material: DemoMaterial, first_release: OldCase
) -> None:
    assert revision(app) == FIRST_RELEASE
    upgrade_with_init(runner)
    assert revision(app) == backup.known_revisions(app.config["DATABASE_URL"])[-1]
    report, reply = opened(app, material, first_release.id)
    assert json.loads(report)["description"] == DESCRIPTION and json.loads(reply) == {"text": REPLY}
    with app.extensions["hotline.engine"].connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), models.Base.metadata) == []


def test_new_columns_start_empty_on_an_old_case(app: Flask, runner: Runner, first_release: OldCase) -> None:
    upgrade_with_init(runner)
    with app.app_context():
        case = cases.get_case(db.get_session(), first_release.id)
        assert (case.acknowledged_on, case.feedback_on, case.closed_on) == (None, None, None)
        assert (case.status, case.received_on, case.sector) == ("in_progress", RECEIVED, "zorg")
        assert [route.destination.slug for route in case.routes] == ["hbo-ict"]


def test_the_old_token_still_shows_the_status_and_the_reply(
    app: Flask, client: FlaskClient, runner: Runner, first_release: OldCase
) -> None:
    upgrade_with_init(runner)
    assert status_of(client, first_release.token) == "in_progress"
    assert REPLY in client.post("/status", data={"token": first_release.token}).get_data(as_text=True)


def test_handlers_can_be_added_to_an_upgraded_database(
    app: Flask, runner: Runner, material: DemoMaterial, first_release: OldCase
) -> None:
    upgrade_with_init(runner)
    account = make_account(app, "coordinator", destinations=("hbo-ict",), kid=material.handlers["hbo-ict"].kid)
    with app.app_context():
        session = db.get_session()
        assert session.get(models.Handler, account.id) is not None
        assert [event.action for event in session.scalars(select(models.AuditEvent))] == ["handler_created"]


def test_downgrade_to_the_first_release_and_upgrade_again_keeps_the_case(
    app: Flask, runner: Runner, material: DemoMaterial, first_release: OldCase
) -> None:
    upgrade_with_init(runner)
    before = opened(app, material, first_release.id)
    migrate(app, "downgrade", FIRST_RELEASE)
    assert revision(app) == FIRST_RELEASE
    with app.extensions["hotline.engine"].connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM envelope")) == 2
        assert connection.scalar(text("SELECT count(*) FROM case_route")) == 1
    upgrade_with_init(runner)
    assert opened(app, material, first_release.id) == before


def schema_0005_with_handlers(app: Flask, accounts: list[tuple[str, str | None, bool]]) -> None:
    """Replace the test database with one at schema 0005 holding accounts (username, kid, active) and a membership."""
    engine = app.extensions["hotline.engine"]
    backup.clear(engine)
    migrate(app, "upgrade", "0005")
    insert = text(
        "INSERT INTO handler (id, username, display_name, password_hash, totp_last_step, enrolled, role, kid, "
        "active, failed_logins, session_epoch, created_on) VALUES (:id, :username, :username, 'x', 0, :active, "
        "'handler', :kid, :active, 0, 0, :day)"
    )
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO destination VALUES (:id, 'hbo-ict', 'HBO-ICT', NULL, 'programme', 1)"), {"id": "d" * 32}
        )
        for number, (username, kid, active) in enumerate(accounts):
            values = {"id": f"{number:032x}", "username": username, "kid": kid, "active": active}
            connection.execute(insert, values | {"day": RECEIVED + dt.timedelta(days=number)})
            connection.execute(
                text("INSERT INTO handler_destination VALUES (:id, :handler, :destination)"),
                {"id": f"m{number:031x}", "handler": values["id"], "destination": "d" * 32},
            )


def test_upgrade_takes_a_shared_kid_from_inactive_accounts_and_keeps_memberships(app: Flask) -> None:
    kid = "ab" * 32
    schema_0005_with_handlers(app, [("real", kid, True), ("shadow", kid, False), ("other", None, True)])
    migrate(app, "upgrade", "0006")
    with app.extensions["hotline.engine"].connect() as connection:
        kids = dict(connection.execute(text("SELECT username, kid FROM handler")).all())
        assert kids == {"real": kid, "shadow": None, "other": None}
        assert connection.scalar(text("SELECT count(*) FROM handler_destination")) == 3
    migrate(app, "downgrade", "0005")
    with app.extensions["hotline.engine"].connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM handler_destination")) == 3


def test_upgrade_refuses_active_accounts_that_share_a_kid_and_names_them(app: Flask) -> None:
    kid = "cd" * 32
    schema_0005_with_handlers(app, [("real", kid, True), ("shadow", kid, True)])
    with pytest.raises(Exception, match=r"cdcdcdcdcdcdcdcd: real, shadow.*hotline handler deactivate"):
        migrate(app, "upgrade", "0006")
    assert revision(app) == "0005"


def test_the_upgrade_gives_reporter_rows_no_counting_rowid_and_keeps_every_route_and_envelope(
    app: Flask, runner: Runner, material: DemoMaterial, first_release: OldCase
) -> None:
    """0007 copies case, case_route and envelope on SQLite: nothing may cascade away while it does."""
    upgrade_with_init(runner)
    with app.extensions["hotline.engine"].connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM case_route")) == 1
        assert connection.scalar(text("SELECT count(*) FROM envelope")) == 2
        if connection.dialect.name == "sqlite":
            tables = connection.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")).all()
            without = {name for name, sql in tables if sql.rstrip().upper().endswith("WITHOUT ROWID")}
            assert without == {"case", "case_route"}
            assert connection.scalar(text("SELECT max(rowid) FROM envelope")) == 2**63 - 1  # later ones: random
    assert len(opened(app, material, first_release.id)) == 2
