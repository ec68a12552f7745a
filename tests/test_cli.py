"""The `hotline` command: setup, keys, destinations, case export and offline decryption."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from conftest import PASSPHRASE, DemoMaterial
from flask import Flask
from sqlalchemy import inspect, select

from hotline import audit, auth, cases, crypto, db, demo, keyring, security
from hotline.attachments import Attachment
from hotline.models import AuditEvent
from hotline.reports import forms, service

DESCRIPTION = "Bij het sollicitatiegesprek werd naar mijn afkomst gevraagd."
Runner = Callable[..., Result]


def make_case(
    app: Flask,
    category: str = "discrimination.origin",
    programme: str = "hbo-ict",
    attachments: list[Attachment] | None = None,
) -> tuple[str, str]:
    """File a case through the domain API (not the views); return its token and id."""
    with app.app_context():
        session = db.get_session()
        salt, pepper = bytes.fromhex(app.config["INSTANCE_SALT"]), bytes.fromhex(app.config["LOOKUP_PEPPER"])
        secrets = service.Secrets(salt, pepper)
        targets = cases.plan(session, app.extensions["hotline.routing"], category, programme)
        routed = forms.Routed(category=category, programme=programme)
        details = forms.Details(description=DESCRIPTION, attachments=attachments or [])
        token, case = service.file_report(session, app.extensions["hotline.keyring"], secrets, routed, details, targets)
        return token, case.id


def write_key(path: Path, key: crypto.PrivateKey) -> Path:
    """Write a private key file locked with the test passphrase."""
    path.write_text(json.dumps(crypto.export_private_key(key, PASSPHRASE)), "utf-8")
    return path


@pytest.fixture
def key_file(tmp_path: Path, material: DemoMaterial) -> Callable[[str], Path]:
    """Return a function that writes the key file of a demo destination's handler."""
    return lambda slug: write_key(tmp_path / f"{slug}.key.json", material.handlers[slug])


@pytest.fixture
def passphrase_file(tmp_path: Path) -> Path:
    path = tmp_path / "passphrase.txt"
    path.write_text(PASSPHRASE + "\n", "utf-8")
    return path


def decrypt(runner: Runner, bundle: Path, key: Path, *args: str, **options: Any) -> Result:
    """Run `hotline decrypt` on a bundle with a key file."""
    return runner("decrypt", str(bundle), "--key", str(key), *args, **options)


def export(runner: Runner, tmp_path: Path, case_id: str) -> Path:
    """Export a case into the test folder."""
    bundle = tmp_path / f"{case_id}.json"
    result = runner("cases", "export", case_id, "-o", str(bundle), "--force")
    assert result.exit_code == 0, result.output
    return bundle


def assert_one_error(result: Result, text: str = "") -> None:
    """Assert a failure shown as exactly one error line, without a traceback."""
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if "error:" in line.lower()]
    assert len(errors) == 1, result.output
    assert text in errors[0]


def test_init_creates_the_tables_and_is_idempotent(runner: Runner, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    for _ in range(2):
        result = runner("init", env={"HOTLINE_DATABASE_URL": url})
        assert result.exit_code == 0, result.output
        assert "fresh.sqlite3" in result.output
    engine = db.make_engine(url)
    assert {"case", "destination", "envelope"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_destination_add_then_list(runner: Runner) -> None:
    result = runner("destination", "add", "bouwkunde", "--name", "Bouwkunde", "--kind", "programme")
    assert result.exit_code == 0, result.output
    listed = runner("destination", "list").output
    assert "bouwkunde" in listed and "Bouwkunde" in listed and "hbo-ict" in listed


@pytest.mark.parametrize(
    "args",
    [
        ("bouwkunde", "--name", "Bouwkunde", "--kind", "nonsense"),
        ("Bouw_Kunde", "--name", "Bouwkunde", "--kind", "programme"),
        ("hbo-ict", "--name", "HBO-ICT", "--kind", "programme"),
    ],
    ids=["kind", "slug", "duplicate"],
)
def test_destination_add_refuses_bad_input(runner: Runner, args: tuple[str, ...]) -> None:
    assert_one_error(runner("destination", "add", *args))


def test_keys_new_writes_both_files_and_refuses_to_overwrite(runner: Runner, tmp_path: Path) -> None:
    result = runner("keys", "new", "Jan de Vries", "--out", str(tmp_path / "k"))
    assert result.exit_code == 0, result.output
    passphrase = result.output.split("Passphrase (shown once, write it down): ")[1].strip()
    assert len(passphrase.split()) >= 6
    private = tmp_path / "k" / "jan-de-vries.key.json"
    assert private.stat().st_mode & 0o777 == 0o600
    key = crypto.import_private_key(json.loads(private.read_text("utf-8")), passphrase)
    public = crypto.import_public_key(json.loads((tmp_path / "k" / "jan-de-vries.pub.json").read_text("utf-8")))
    assert public == key.public and key.kid in result.output
    assert_one_error(runner("keys", "new", "Jan de Vries", "--out", str(tmp_path / "k")), "already exists")


def test_keys_sign_adds_a_handler_and_new_reports_are_sealed_to_both(
    app: Flask, runner: Runner, tmp_path: Path, material: DemoMaterial, passphrase_file: Path
) -> None:
    institution = write_key(tmp_path / "institution.key.json", material.institution)
    newcomer = crypto.generate_key("Nieuwe behandelaar")
    public = tmp_path / "newcomer.pub.json"
    public.write_text(json.dumps(crypto.export_public_key(newcomer.public)), "utf-8")
    args = ("--institution-key", str(institution), "--passphrase-file", str(passphrase_file))
    result = runner("keys", "sign", "hbo-ict", "--add", str(public), *args)
    assert result.exit_code == 0, result.output
    key_list = app.extensions["hotline.keyring"].verified("hbo-ict")
    assert key_list.version == 2 and {k.kid for k in key_list.keys} == {material.handlers["hbo-ict"].kid, newcomer.kid}
    _token, case_id = make_case(app)
    with app.app_context():
        kids = cases.envelope_of(cases.get_case(db.get_session(), case_id).envelopes[0]).kids()
    assert {material.handlers["hbo-ict"].kid, newcomer.kid} <= set(kids)


def test_keys_sign_refuses_another_institution_key(
    app: Flask, runner: Runner, tmp_path: Path, passphrase_file: Path
) -> None:
    impostor = write_key(tmp_path / "impostor.key.json", crypto.generate_key("Nep-instelling"))
    args = ("--institution-key", str(impostor), "--passphrase-file", str(passphrase_file))
    result = runner("keys", "sign", "hbo-ict", *args)
    assert_one_error(result, "institution key")
    assert app.extensions["hotline.keyring"].verified("hbo-ict").version == 1


def test_keys_sign_refuses_an_empty_list(
    runner: Runner, tmp_path: Path, material: DemoMaterial, passphrase_file: Path
) -> None:
    institution = write_key(tmp_path / "institution.key.json", material.institution)
    kid = material.handlers["hbo-ict"].kid[:12]
    args = ("--institution-key", str(institution), "--passphrase-file", str(passphrase_file))
    assert_one_error(runner("keys", "sign", "hbo-ict", "--remove", kid, *args), "empty")


def test_tampered_key_list_is_shown_and_refused(app: Flask, runner: Runner) -> None:
    path = keyring.key_list_path(app.config["KEYS_DIR"], "hbo-ict")
    document = json.loads(path.read_text("utf-8"))
    body = json.loads(document["body"])
    body["keys"].append(crypto.generate_key("Indringer").public.to_json())
    document["body"] = json.dumps(body, sort_keys=True, separators=(",", ":"))
    path.write_text(json.dumps(document), "utf-8")
    result = runner("keys", "list")
    assert result.exit_code != 0 and "hbo-ict: ERROR" in result.output
    assert "arbeidsinspectie: version 1" in result.output
    with pytest.raises(keyring.KeyringError):
        make_case(app)
    with app.app_context():
        assert cases.count_cases(db.get_session()) == 0


def test_cases_list_json_shows_metadata_only(app: Flask, runner: Runner) -> None:
    token, case_id = make_case(app)
    result = runner("cases", "list", "--json")
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    assert row["id"] == case_id and row["category"] == "discrimination.origin" and "hbo-ict" in row["destinations"]
    assert DESCRIPTION not in result.output and token not in result.output
    assert case_id in runner("cases", "list").output


def test_export_and_decrypt_with_the_programme_key(
    app: Flask, runner: Runner, tmp_path: Path, key_file: Callable[[str], Path], passphrase_file: Path
) -> None:
    _token, case_id = make_case(app)
    bundle = export(runner, tmp_path, case_id)
    assert bundle.stat().st_mode & 0o777 == 0o600 and DESCRIPTION not in bundle.read_text("utf-8")
    assert_one_error(runner("cases", "export", case_id, "-o", str(bundle)), "already exists")
    result = decrypt(runner, bundle, key_file("hbo-ict"), "--passphrase-file", str(passphrase_file))
    assert result.exit_code == 0, result.output
    assert f"Case: {case_id}" in result.output and f"Description: {DESCRIPTION}" in result.output


def test_decrypt_with_another_destinations_key_fails(
    app: Flask, runner: Runner, tmp_path: Path, key_file: Callable[[str], Path]
) -> None:
    bundle = export(runner, tmp_path, make_case(app)[1])
    env = {"HOTLINE_KEY_PASSPHRASE": PASSPHRASE}
    result = decrypt(runner, bundle, key_file("arbeidsinspectie"), env=env)
    assert result.exit_code == 1
    assert_one_error(result, "no envelope in")
    assert "sealed to this key" in result.output and DESCRIPTION not in result.output


@pytest.mark.parametrize("source", ["file", "env", "prompt"])
def test_decrypt_takes_the_passphrase_from_file_env_or_prompt(
    app: Flask, runner: Runner, tmp_path: Path, key_file: Callable[[str], Path], passphrase_file: Path, source: str
) -> None:
    bundle = export(runner, tmp_path, make_case(app)[1])
    args = ["decrypt", str(bundle), "--key", str(key_file("hbo-ict"))]
    if source == "file":
        result = runner(*args, "--passphrase-file", str(passphrase_file))
    elif source == "env":
        result = runner(*args, env={"HOTLINE_KEY_PASSPHRASE": PASSPHRASE})
    else:
        result = runner(*args, input=PASSPHRASE + "\n", env={"HOTLINE_KEY_PASSPHRASE": None})
    assert result.exit_code == 0, result.output
    assert DESCRIPTION in result.output


def test_decrypt_with_a_wrong_passphrase_fails_in_one_line(
    app: Flask, runner: Runner, tmp_path: Path, key_file: Callable[[str], Path]
) -> None:
    bundle = export(runner, tmp_path, make_case(app)[1])
    env = {"HOTLINE_KEY_PASSPHRASE": "not the right words at all"}
    result = decrypt(runner, bundle, key_file("hbo-ict"), env=env)
    assert result.exit_code == 1
    assert_one_error(result, "the passphrase does not unlock this key file")


def test_decrypt_refuses_a_bundle_of_another_institution(
    app: Flask, runner: Runner, tmp_path: Path, key_file: Callable[[str], Path], passphrase_file: Path
) -> None:
    bundle = export(runner, tmp_path, make_case(app)[1])
    other = "ab" * 32
    args = ("--key", str(key_file("hbo-ict")), "--passphrase-file", str(passphrase_file), "--institution", other)
    assert_one_error(runner("decrypt", str(bundle), *args), "do not trust it")


@pytest.mark.parametrize("form", ["file", "fingerprint"])
def test_decrypt_takes_the_institution_key_file_or_its_fingerprint(
    app: Flask, runner: Runner, tmp_path: Path, key_file: Callable[[str], Path], passphrase_file: Path, form: str
) -> None:
    bundle = export(runner, tmp_path, make_case(app)[1])
    published = Path(app.config["KEYS_DIR"]) / keyring.INSTITUTION_FILE
    given = str(published) if form == "file" else json.loads(published.read_text("utf-8"))["fingerprint"].upper()
    result = decrypt(
        runner, bundle, key_file("hbo-ict"), "--passphrase-file", str(passphrase_file), "--institution", given
    )
    assert result.exit_code == 0, result.output
    assert DESCRIPTION in result.output and "trusting the bundle's institution key" not in result.output


@pytest.mark.parametrize("given", ["abcd", "institution.pub.json", "not-a-key.json"])
def test_decrypt_reads_a_mistaken_institution_as_a_usage_error(
    app: Flask, runner: Runner, tmp_path: Path, key_file: Callable[[str], Path], passphrase_file: Path, given: str
) -> None:
    bundle = export(runner, tmp_path, make_case(app)[1])
    (tmp_path / "not-a-key.json").write_text('{"type": "meldpunt-public-key"}', "utf-8")
    args = (
        "--passphrase-file",
        str(passphrase_file),
        "--institution",
        str(tmp_path / given) if "." in given else given,
    )
    result = decrypt(runner, bundle, key_file("hbo-ict"), *args)
    assert result.exit_code == 2 and "Usage:" in result.output and "--institution" in result.output
    assert "do not trust it" not in result.output and DESCRIPTION not in result.output


def test_labour_case_opens_with_the_inspectorate_and_the_programme_key(
    app: Flask, runner: Runner, tmp_path: Path, key_file: Callable[[str], Path], passphrase_file: Path
) -> None:
    bundle = export(runner, tmp_path, make_case(app, category="labour.underpayment")[1])
    for slug in ("arbeidsinspectie", "hbo-ict"):
        result = decrypt(runner, bundle, key_file(slug), "--passphrase-file", str(passphrase_file))
        assert result.exit_code == 0, result.output
        assert DESCRIPTION in result.output


def test_decrypt_out_saves_attachments_without_overwriting(
    app: Flask, runner: Runner, tmp_path: Path, key_file: Callable[[str], Path], passphrase_file: Path
) -> None:
    data = b"Notities van het gesprek, 3 maart.\n"
    _token, case_id = make_case(app, attachments=[Attachment("notes.txt", "text/plain", data)])
    bundle = export(runner, tmp_path, case_id)
    args = ("decrypt", str(bundle), "--key", str(key_file("hbo-ict")), "--passphrase-file", str(passphrase_file))
    assert "use --out" in runner(*args).output
    for name in ("notes.txt", "notes-2.txt"):
        result = runner(*args, "--out", str(tmp_path / "out"))
        assert result.exit_code == 0, result.output
        assert (tmp_path / "out" / name).read_bytes() == data


def test_reply_shows_in_the_decrypted_export(
    app: Flask, runner: Runner, tmp_path: Path, key_file: Callable[[str], Path], passphrase_file: Path
) -> None:
    _token, case_id = make_case(app)
    key = str(key_file("hbo-ict"))
    args = ("--passphrase-file", str(passphrase_file))
    result = runner("cases", "reply", case_id, "--key", key, "--message", "We nemen contact met je op.", *args)
    assert result.exit_code == 0, result.output
    result = runner("decrypt", str(export(runner, tmp_path, case_id)), "--key", key, *args)
    assert result.exit_code == 0, result.output
    assert "We nemen contact met je op." in result.output and "message | from Behandelaar HBO-ICT" in result.output


def test_a_cli_reply_moves_the_case_along_as_a_reply_in_the_browser_does(
    app: Flask, runner: Runner, key_file: Callable[[str], Path], passphrase_file: Path
) -> None:
    _token, case_id = make_case(app)
    args = ("--key", str(key_file("hbo-ict")), "--passphrase-file", str(passphrase_file))
    result = runner("cases", "reply", case_id, "--message", "We nemen contact met je op.", *args)
    assert result.exit_code == 0 and "now in_progress" in result.output
    with app.app_context():
        session = db.get_session()
        case = cases.get_case(session, case_id)
        assert (case.status, case.acknowledged_on, case.feedback_on) == ("in_progress", cases.today(), cases.today())
        events = session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq))
        assert [(e.handler_id, e.action, e.detail) for e in events] == [
            (audit.CLI, "replied", None),
            (audit.CLI, "status_changed", "in_progress"),
        ]
        case.status, case.closed_on = "closed", cases.today()
        session.commit()
    assert_one_error(runner("cases", "reply", case_id, "--message", "Nog iets", *args), "is closed")


def test_reply_with_a_key_of_another_destination_fails(
    app: Flask, runner: Runner, key_file: Callable[[str], Path], passphrase_file: Path
) -> None:
    _token, case_id = make_case(app)
    args = ("--key", str(key_file("arbeidsinspectie")), "--passphrase-file", str(passphrase_file))
    result = runner("cases", "reply", case_id, "--message", "Hallo", *args)
    assert_one_error(result, "not in the key list")


def test_decrypt_flags_a_tampered_envelope(
    app: Flask, runner: Runner, tmp_path: Path, key_file: Callable[[str], Path], passphrase_file: Path
) -> None:
    bundle = export(runner, tmp_path, make_case(app)[1])
    data = json.loads(bundle.read_text("utf-8"))
    ciphertext = data["envelopes"][0]["ct"]
    middle = len(ciphertext) // 2
    flipped = "A" if ciphertext[middle] != "A" else "B"
    data["envelopes"][0]["ct"] = ciphertext[:middle] + flipped + ciphertext[middle + 1 :]
    bundle.write_text(json.dumps(data), "utf-8")
    result = decrypt(runner, bundle, key_file("hbo-ict"), "--passphrase-file", str(passphrase_file))
    assert result.exit_code == 1
    # The report's payload authenticates before the signing key it names can be read from it.
    assert "[could not be opened or verified: DecryptionFailed]" in result.output and DESCRIPTION not in result.output


def demo_passphrase(result: Result, instance: Path) -> str:
    """Return the passphrase `hotline demo` printed, after checking it unlocks a demo key file."""
    assert result.exit_code == 0, result.output
    passphrase = result.output.split("(shown once, write it down): ")[1].splitlines()[0]
    key_json = json.loads((instance / "demo-keys" / "hbo-ict.key.json").read_text("utf-8"))
    assert crypto.import_private_key(key_json, passphrase).kid
    return passphrase


def test_demo_sets_up_a_working_instance_once(runner: Runner, demo_env: dict[str, Any]) -> None:
    instance, keys_dir = Path(demo_env["HOTLINE_INSTANCE"]), Path(demo_env["HOTLINE_KEYS_DIR"])
    passphrase = demo_passphrase(runner("demo", env=demo_env), instance)
    assert (instance / "demo.json").stat().st_mode & 0o777 == 0o600
    assert all(keyring.key_list_path(keys_dir, slug).exists() for slug, *_rest in demo.DESTINATIONS)
    assert runner("keys", "list", env=demo_env).exit_code == 0
    again = runner("demo", env=demo_env)
    assert again.exit_code == 0 and "already exists" in again.output and passphrase not in again.output
    assert demo_passphrase(runner("demo", "--reset", env=demo_env), instance) != passphrase
    assert runner("keys", "list", env=demo_env).exit_code == 0


def test_demo_shows_a_demo_handlers_one_time_code(runner: Runner, demo_env: dict[str, Any]) -> None:
    made = runner("demo", env=demo_env)
    assert "username is the slug of their destination" in made.output and "demo --code USERNAME" in made.output
    assert_one_error(runner("demo", "--code", "hbo-ict", env=demo_env), "log in with the password first")
    assert_one_error(runner("demo", "--code", "nobody", env=demo_env), "usernames are the destination slugs")
    secret = auth.generate_totp_secret()  # what the first login with the password sets
    database = Path(demo_env["HOTLINE_INSTANCE"]) / demo.SQLITE_FILE
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE handler SET totp_secret = ? WHERE username = 'hbo-ict'", (secret,))
    connection.close()
    result = runner("demo", "--code", "hbo-ict", env=demo_env)
    assert result.exit_code == 0, result.output
    assert auth.verify_totp(secret, result.output.split()[0], 0) is not None


def test_demo_code_refuses_an_instance_that_is_not_a_demo(app: Flask, runner: Runner) -> None:
    result = runner("demo", "--code", "hbo-ict")  # the test instance is a real one: no demo.json
    assert_one_error(result, "not a demo instance")


def test_demo_refuses_a_database_that_holds_cases(app: Flask, runner: Runner, demo_env: dict[str, Any]) -> None:
    make_case(app)
    result = runner("demo", env=demo_env | {"HOTLINE_DATABASE_URL": app.config["DATABASE_URL"]})
    assert_one_error(result, "already holds cases")
    assert not Path(demo_env["HOTLINE_KEYS_DIR"]).exists()


def test_run_refuses_an_uninitialised_database(runner: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("werkzeug.serving.run_simple", pytest.fail)  # never start a server here
    result = runner("run", env={"HOTLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"})
    assert_one_error(result, "hotline init")


def test_run_serves_with_the_anonymous_request_handler(runner: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    served: dict[str, Any] = {}
    monkeypatch.setattr("werkzeug.serving.run_simple", lambda *args, **options: served.update(args=args, **options))
    result = runner("run", "--port", "5055")
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:5055/" in result.output
    assert served["args"][:2] == ("127.0.0.1", 5055) and served["request_handler"] is security.AnonymousRequestHandler


def test_main_turns_a_config_error_into_one_line(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("HOTLINE_")}
    env |= {"HOTLINE_INSTANCE": str(tmp_path / "empty"), "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    command = [sys.executable, "-c", "from hotline.cli import main; main()", "cases", "list"]
    done = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, check=False)  # noqa: S603  (fixed argv)
    assert done.returncode == 1
    assert done.stderr.startswith("hotline: error:") and len(done.stderr.splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr and "HOTLINE_SECRET_KEY" in done.stderr


@pytest.fixture
def loose_umask() -> Any:
    """Run under the common umask 022, which makes files 0644 unless the app asks for less."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def loose_modes(instance: Path) -> dict[str, str]:
    """Return every file (not 0600) and folder (not 0700) under an instance, the instance included."""
    found = {}
    for path in [instance, *instance.rglob("*")]:
        mode, wanted = path.stat().st_mode & 0o777, 0o700 if path.is_dir() else 0o600
        if mode != wanted:
            found[str(path.relative_to(instance))] = oct(mode)
    return found


def assert_private_while_written(instance: Path) -> None:
    """Check the modes, then again while SQLite has the database open for writing, its -wal and -shm there."""
    assert loose_modes(instance) == {}
    connection = sqlite3.connect(instance / demo.SQLITE_FILE)  # not the app's engine: it would tighten them
    try:
        connection.execute("PRAGMA user_version = 7")
        connection.commit()
        assert (instance / f"{demo.SQLITE_FILE}-wal").exists() and (instance / f"{demo.SQLITE_FILE}-shm").exists()
        assert loose_modes(instance) == {}
    finally:
        connection.close()


def test_init_makes_the_database_wal_and_shm_private(runner: Runner, tmp_path: Path, loose_umask: None) -> None:
    instance = tmp_path / "new-instance"
    instance.mkdir()  # as an operator would, 0755 under this umask
    result = runner("init", env={"HOTLINE_INSTANCE": str(instance), "HOTLINE_DATABASE_URL": None})
    assert result.exit_code == 0, result.output
    assert_private_while_written(instance)


def test_demo_makes_every_instance_file_private(runner: Runner, demo_env: dict[str, Any], loose_umask: None) -> None:
    instance = Path(demo_env["HOTLINE_INSTANCE"])
    result = runner("demo", env=demo_env)
    assert result.exit_code == 0, result.output
    assert (instance / demo.DEMO_KEYS).is_dir() and (instance / "demo.json").exists()
    assert_private_while_written(instance)


def test_a_start_tightens_what_an_older_version_left_open(runner: Runner, demo_env: dict[str, Any]) -> None:
    instance = Path(demo_env["HOTLINE_INSTANCE"])
    assert runner("demo", env=demo_env).exit_code == 0
    for path in [instance, instance / demo.DEMO_KEYS]:
        path.chmod(0o755)
    for path in [instance / "demo.json", instance / demo.SQLITE_FILE, instance / demo.DEMO_KEYS / "hbo-ict.key.json"]:
        path.chmod(0o644)
    assert runner("cases", "list", env=demo_env).exit_code == 0
    assert loose_modes(instance) == {}


def test_demo_can_file_a_year_of_sealed_made_up_reports_for_the_statistics(
    runner: Runner, demo_env: dict[str, Any]
) -> None:
    made = runner("demo", "--year-of-reports", env=demo_env)
    assert made.exit_code == 0, made.output
    filed = int(re.search(r"Filed (\d+) made-up reports", made.output).group(1))  # type: ignore[union-attr]
    assert filed > 50
    database = Path(demo_env["HOTLINE_INSTANCE"]) / demo.SQLITE_FILE
    with sqlite3.connect(database) as connection:
        days = [dt.date.fromisoformat(d) for (d,) in connection.execute('SELECT received_on FROM "case"')]
        sealed = connection.execute("SELECT COUNT(DISTINCT case_id) FROM envelope").fetchone()[0]
    connection.close()
    assert len(days) == filed == sealed  # each sealed as a student's report is, none as plain text
    assert min(days) >= dt.date.today() - dt.timedelta(days=371) and max(days) < dt.date.today()
    assert len({(d.year, (d.month - 1) // 3) for d in days}) >= 4  # spread over the quarters of a year
    stats = runner("stats", "--json", env=demo_env)
    assert stats.exit_code == 0, stats.output
    assert json.loads(stats.output)["quarters"]
