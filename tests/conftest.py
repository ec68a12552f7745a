"""Fixtures: an app on SQLite (or PostgreSQL/Redis when CI says so), demo keys, a client, a CLI runner."""

from __future__ import annotations

import functools
import gc
import io
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import make_url, text
from werkzeug.datastructures import FileStorage
from werkzeug.test import Client, encode_multipart

from hotline import accounts, auth, create_app, crypto, db, demo
from hotline.institution import write_example as write_example_institution
from hotline.keyring import INSTITUTION_FILE, institution_document, key_list_path, read_json, write_json
from hotline.models import RECOVERY_KIND

pytest_plugins = ["browser_fixtures"]

PASSPHRASE = "demo passphrase for tests only"
PRODUCTION_ITERATIONS = crypto.PBKDF2_ITERATIONS  # read before any fixture makes it cheap
TOKEN_RE = re.compile(r'data-case-token="([0-9A-Z-]+)"')
STATUS_RE = re.compile(r'data-case-status="([a-z_]+)"')


@pytest.fixture(autouse=True)
def cheap_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep key files fast in tests; production files use 600,000 iterations."""
    monkeypatch.setattr(crypto, "PBKDF2_ITERATIONS", 1000)


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep password hashes fast in tests; production hashes use 64 MiB and three passes."""
    monkeypatch.setattr(auth, "ARGON2_MEMORY_KIB", 64)
    monkeypatch.setattr(auth, "ARGON2_ITERATIONS", 1)


@dataclass
class DemoMaterial:
    institution: crypto.PrivateKey
    handlers: dict[str, crypto.PrivateKey]


# Private keys by kid, as the handlers' own key files would hold them: log_in proves possession with them.
PRIVATE_KEYS: dict[str, crypto.PrivateKey] = {}


def remember_key(key: crypto.PrivateKey) -> crypto.PrivateKey:
    """Let log_in prove possession of a key a test made; return the key."""
    PRIVATE_KEYS[key.kid] = key
    return key


@pytest.fixture(scope="session")
def material() -> DemoMaterial:
    """One institution key and one handler key per demo destination, made once."""
    return DemoMaterial(
        crypto.generate_key("Test-instelling"),
        {slug: remember_key(crypto.generate_key(f"Behandelaar {name}")) for slug, name, *_rest in demo.DESTINATIONS},
    )


def publish(keys_dir: Path, material: DemoMaterial, slug: str, keys: list[crypto.PublicKey], version: int = 1) -> None:
    """Write a destination key list signed with the test institution key."""
    write_json(key_list_path(keys_dir, slug), crypto.sign_key_list(material.institution.ed25519, slug, version, keys))


def add_listed_key(keys_dir: Path, material: DemoMaterial, slug: str, name: str) -> crypto.PrivateKey:
    """Make a key of one more handler, sign it into a destination's list (next version), and remember it."""
    institution = material.institution.ed25519.public_key()
    listed = crypto.verify_key_list(read_json(key_list_path(keys_dir, slug)), institution, slug)
    key = remember_key(crypto.generate_key(name))
    publish(keys_dir, material, slug, [*listed.keys, key.public], listed.version + 1)
    return key


RECOVERY_SLUG = "herstel"


@pytest.fixture(scope="session")
def recovery_key() -> crypto.PrivateKey:
    """The institution's recovery key, made once."""
    return crypto.generate_key("Herstelsleutel Test-instelling")


@pytest.fixture
def recovery(app: Flask, material: DemoMaterial, recovery_key: crypto.PrivateKey) -> crypto.PrivateKey:
    """Give the instance a recovery destination with a signed key list; return the recovery private key."""
    publish(Path(app.config["KEYS_DIR"]), material, RECOVERY_SLUG, [recovery_key.public])
    session = app.extensions["hotline.sessionmaker"]()
    demo.add_destination(session, RECOVERY_SLUG, "Herstelsleutel", RECOVERY_KIND, "Recovery key")
    session.close()
    return recovery_key


def ensure_database(server_url: str, name: str) -> str:
    """Create a database of this name on the PostgreSQL server of server_url unless it exists; return its URL."""
    admin = db.make_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is None:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


@functools.cache
def postgres_url() -> str | None:
    """HOTLINE_TEST_DATABASE_URL, or under pytest-xdist a database of the worker's own beside it (test_gw0, ...):
    every test empties its database's schema, so two workers never share one."""
    url = os.environ.get("HOTLINE_TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    return ensure_database(url, f"{make_url(url).database}_{worker}")


@contextmanager
def fresh_database(folder: Path) -> Iterator[str]:
    """SQLite in the folder, or a clean PostgreSQL database from HOTLINE_TEST_DATABASE_URL, for the block."""
    url = postgres_url()
    if not url:
        yield f"sqlite:///{folder / 'hotline.sqlite3'}"
        return
    engine = db.make_engine(url)
    reset = "DROP SCHEMA public CASCADE; CREATE SCHEMA public"
    with engine.begin() as connection:
        connection.execute(text(reset))
    yield url
    with engine.begin() as connection:
        connection.execute(text(reset))
    engine.dispose()


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """SQLite in the test folder, or a clean PostgreSQL database from HOTLINE_TEST_DATABASE_URL."""
    with fresh_database(tmp_path) as url:
        yield url


def make_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, material: DemoMaterial, database_url: str, **config: Any
) -> Flask:
    """Make a migrated instance in tmp_path with the demo destinations and signed key lists; config overrides."""
    keys_dir = tmp_path / "keys"
    write_json(keys_dir / INSTITUTION_FILE, institution_document(material.institution.ed25519.public_key()))
    for slug, handler in material.handlers.items():
        publish(keys_dir, material, slug, [handler.public])
    settings = {
        "INSTANCE": str(tmp_path / "instance"),
        "DATABASE_URL": database_url,
        "KEYS_DIR": str(keys_dir),
        "SECRET_KEY": secrets.token_hex(32),
        "LOOKUP_PEPPER": secrets.token_hex(32),
        "INSTANCE_SALT": secrets.token_hex(32),
        "INSTITUTION_KEY": crypto.institution_fingerprint(material.institution.ed25519.public_key()),
    }
    for key, value in settings.items():
        monkeypatch.setenv(f"HOTLINE_{key}", value)
    # Who runs it: a real instance has its own institution.toml; the tests use the fictitious example.
    (tmp_path / "instance").mkdir(exist_ok=True)
    write_example_institution(tmp_path / "instance")
    test_config: dict[str, Any] = {"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}
    redis_url = os.environ.get("HOTLINE_TEST_REDIS_URL")
    if redis_url:
        test_config |= {"RATELIMIT_STORAGE_URL": redis_url, "RATELIMIT_KEY_PREFIX": secrets.token_hex(8)}
    app = create_app(test_config | config)
    db.upgrade(app)
    with app.app_context():
        session = app.extensions["hotline.sessionmaker"]()
        for slug, name, name_en, kind in demo.DESTINATIONS:
            demo.add_destination(session, slug, name, kind, name_en)
        session.close()
    return app


@pytest.fixture
def app(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    material: DemoMaterial,
    database_url: str,
) -> Iterator[Flask]:
    """A migrated instance with the demo destinations and signed key lists.

    Mark a test with @pytest.mark.app_config(KEY=value) to change settings, e.g. turn CSRF on.
    """
    marker = request.node.get_closest_marker("app_config")
    app = make_app(tmp_path, monkeypatch, material, database_url, **(marker.kwargs if marker else {}))
    yield app
    app.extensions["hotline.engine"].dispose()
    gc.collect()  # an unclosed connection is then blamed on the test that left it


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def session(app: Flask) -> Iterator[Any]:
    """A database session inside an app context."""
    with app.app_context():
        yield db.get_session()


@pytest.fixture
def runner(app: Flask) -> Any:
    """Invoke the `hotline` CLI against the test instance's settings."""
    from hotline.cli import cli

    def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), input=input, env=env, catch_exceptions=False)

    return invoke


@pytest.fixture
def demo_env(tmp_path: Path) -> dict[str, Any]:
    """Settings for a new demo instance: its own folders and SQLite, none of the test instance's secrets."""
    env: dict[str, Any] = {
        "HOTLINE_INSTANCE": str(tmp_path / "demo-instance"),
        "HOTLINE_KEYS_DIR": str(tmp_path / "dk"),
    }
    for name in ("DATABASE_URL", "SECRET_KEY", "LOOKUP_PEPPER", "INSTANCE_SALT", "INSTITUTION_KEY"):
        env[f"HOTLINE_{name}"] = None
    return env


REPORT = {
    "category": "discrimination.origin",
    "programme": "hbo-ict",
    "description": "Bij het sollicitatiegesprek werd naar mijn afkomst gevraagd.",
}


def post_multipart(client: FlaskClient, url: str, data: dict[str, Any], **options: Any) -> Any:
    """POST a multipart body encoded in memory (the test client would spool big ones to a temp file)."""
    boundary, body = encode_multipart(data)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}", **options)


def upload(data: bytes, filename: str, content_type: str = "application/octet-stream") -> FileStorage:
    """Return a file field for post_multipart."""
    return FileStorage(io.BytesIO(data), filename=filename, content_type=content_type)


def file_report(client: FlaskClient, **fields: Any) -> str:
    """File a report through the no-JavaScript form and return the token."""
    response = client.post("/report/submit", data=REPORT | fields, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)[:2000]
    match = TOKEN_RE.search(response.get_data(as_text=True))
    assert match
    return match.group(1)


def status_of(client: FlaskClient, token: str) -> str:
    """Return the machine-readable status shown for a token."""
    response = client.post("/status", data={"token": token})
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    match = STATUS_RE.search(response.get_data(as_text=True))
    assert match
    return match.group(1)


SECRET_RE = re.compile(r"data-totp-secret>([A-Z2-7 ]+)<")


class Clock:
    """A clock for staff logins that tests move by hand instead of sleeping."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Replace auth.clock, the one clock of logins, sessions, codes and the audit log."""
    fake = Clock(1_800_000_000.0)
    monkeypatch.setattr(auth, "clock", fake)
    return fake


@dataclass
class Account:
    id: str
    username: str
    password: str
    secret: str | None = None  # the TOTP secret, once enrolled
    kid: str | None = None  # the account's key id: log_in proves possession of it


def make_account(
    app: Flask, username: str, *, role: str = "handler", destinations: tuple[str, ...] = (), kid: str | None = None
) -> Account:
    """Create a staff account through the domain API; return it with its initial password."""
    with app.app_context():
        handler, password = accounts.create_handler(
            db.get_session(),
            app.extensions["hotline.keyring"],
            username=username,
            display_name=f"Test {username}",
            role=role,
            destinations=list(destinations),
            kid=kid,
        )
        return Account(handler.id, handler.username, password, kid=handler.kid)


@pytest.fixture
def handler_account(app: Flask, material: DemoMaterial) -> Account:
    """A handler of the HBO-ICT programme, with that destination's key."""
    return make_account(app, "coordinator", destinations=("hbo-ict",), kid=material.handlers["hbo-ict"].kid)


@pytest.fixture
def admin_account(app: Flask) -> Account:
    return make_account(app, "adm-jansen", role="admin")


CHALLENGE_RE = re.compile(r'data-challenge="([A-Za-z0-9_-]+)"')


def challenge_of(page: Any) -> bytes:
    """Return the possession challenge a proof page gives."""
    match = CHALLENGE_RE.search(page.get_data(as_text=True))
    assert match, "no challenge on the proof page"
    return crypto.b64d(match.group(1))


def prove_key(client: FlaskClient, account: Account, key: crypto.PrivateKey, page: Any = None) -> Any:
    """Sign the proof page's challenge with a key, as the handler's browser does; return the answer."""
    challenge = challenge_of(page or client.get("/casework/prove"))
    signature = crypto.sign_possession(key, challenge, account.id)
    return client.post("/casework/prove", json={"signature": crypto.b64e(signature)})


def log_in(client: FlaskClient, clock: Clock, account: Account, *, prove: bool = True) -> Any:
    """Log in with password and code, enrolling the authenticator first if needed; return the login's response.

    A handler with a key then proves possession with its private key (unless prove is False), as the
    workspace asks once after login.
    """
    if account.secret is None:
        response = client.post("/casework/login", data={"username": account.username, "password": account.password})
        assert response.status_code == 302 and response.headers["Location"].endswith("/casework/enrol"), response
        match = SECRET_RE.search(client.get("/casework/enrol").get_data(as_text=True))
        assert match
        account.secret = match.group(1).replace(" ", "")
        response = client.post("/casework/enrol", data={"code": auth.totp(account.secret)})
    else:
        clock.advance(auth.TOTP_STEP_SECONDS)  # a code is good once: the next login needs the next one
        data = {"username": account.username, "password": account.password, "code": auth.totp(account.secret)}
        response = client.post("/casework/login", data=data)
    if prove and response.status_code == 302 and account.kid in PRIVATE_KEYS:
        page = client.get("/casework/prove")  # a redirect: proven before, or not logged in
        if page.status_code == 200:
            assert prove_key(client, account, PRIVATE_KEYS[account.kid], page).status_code == 200
    return response


@contextmanager
def fresh_portal_database(folder: Path) -> Iterator[str]:
    """SQLite in the folder, or a clean PostgreSQL database of its own beside HOTLINE_TEST_DATABASE_URL's."""
    url = postgres_url()
    if not url:
        yield f"sqlite:///{folder / 'portal.sqlite3'}"
        return
    portal_url = ensure_database(url, f"{make_url(url).database}_portal")
    engine = db.make_engine(portal_url)
    reset = "DROP SCHEMA public CASCADE; CREATE SCHEMA public"
    with engine.begin() as connection:
        connection.execute(text(reset))
    yield portal_url
    with engine.begin() as connection:
        connection.execute(text(reset))
    engine.dispose()


@pytest.fixture
def portal(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The portal beside the test hotline: its own migrated database, secret and cookie."""
    from hotline.portal import create_portal_app
    from hotline.portal import db as portal_db

    with fresh_portal_database(tmp_path) as url:
        monkeypatch.setenv("HOTLINE_PORTAL_DATABASE_URL", url)
        monkeypatch.setenv("HOTLINE_PORTAL_SECRET_KEY", secrets.token_hex(32))
        made = create_portal_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
        portal_db.upgrade(made)
        yield made
        made.extensions[portal_db.ENGINE].dispose()


@pytest.fixture
def both(app: Flask, portal: Flask) -> Client:
    """One client for both apps as `hotline run` serves them: the hotline at /, the portal under /portal."""
    from hotline.portal import mount

    return Client(mount(app, portal))
