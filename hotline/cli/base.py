"""The `hotline` command's group, its one-line errors and the helpers its commands share."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from flask import Flask
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from hotline import backup, bundle, cases, config, create_app, crypto, db, institution, keyring, notify, routing
from hotline.norms import NormsError
from hotline.portal.config import PortalConfigError
from hotline.portal.placements.catalogue import CatalogueError
from hotline.portal.supervision.settings import SupervisionSettingsError
from hotline.statistics.settings import StatisticsSettingsError

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
NOT_INITIALISED = "database not initialised: run `hotline init` or `hotline demo` first"
DOMAIN_ERRORS = (
    config.ConfigError,
    routing.RoutingError,
    NormsError,
    PortalConfigError,
    CatalogueError,
    SupervisionSettingsError,
    StatisticsSettingsError,
    institution.InstitutionError,
    crypto.CryptoError,
    keyring.KeyringError,
    cases.CaseNotFound,
    notify.NotifyError,
    backup.BackupError,
)
INPUT_ERRORS = (
    bundle.BundleError,
    json.JSONDecodeError,
    UnicodeDecodeError,
    OSError,
    OperationalError,
    ProgrammingError,
)
EXPECTED: tuple[type[Exception], ...] = DOMAIN_ERRORS + INPUT_ERRORS
IN_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
OUT_DIR = click.Path(file_okay=False, path_type=Path)
passphrase_option = click.option(
    "--passphrase-file",
    type=IN_FILE,
    help="File holding the key file's passphrase (else HOTLINE_KEY_PASSPHRASE, or a prompt).",
)
key_option = click.option("--key", "key_file", required=True, type=IN_FILE, help="Your private key file.")


class HotlineError(click.ClickException):
    """An expected failure, shown as one line on stderr."""

    def show(self, file: Any = None) -> None:
        click.echo(f"hotline: error: {' '.join(self.format_message().split())}", err=True)


def describe(exc: Exception) -> str:
    """Return one line saying what went wrong, without a traceback."""
    if isinstance(exc, crypto.WrongPassphrase):
        return "the passphrase does not unlock this key file"
    if isinstance(exc, OperationalError | ProgrammingError):
        reason = str(exc.orig)
        if "no such table" in reason or ("relation" in reason and "does not exist" in reason):
            return NOT_INITIALISED
        return f"database error: {reason.splitlines()[0] if reason else type(exc.orig).__name__}"
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON: {exc.msg} (line {exc.lineno})"
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror or type(exc).__name__}"
    return str(exc) or type(exc).__name__


class HotlineGroup(click.Group):
    """The top-level group: every expected failure of a command becomes one line."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except EXPECTED as exc:
            raise HotlineError(describe(exc)) from exc


def read_json(path: Path) -> Any:
    """Read a JSON input file."""
    try:
        return json.loads(path.read_text("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HotlineError(f"{path} is not a valid JSON file") from exc


def write_json_file(path: Path, data: Any, *, private: bool, force: bool = False) -> None:
    """Write JSON to a new file (or over an old one with force); private files are chmod 600."""
    mode = 0o600 if private else 0o644
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if force else os.O_EXCL)
    try:
        descriptor = os.open(path, flags, mode)
    except FileExistsError as exc:
        raise HotlineError(f"{path} already exists: not overwritten") from exc
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(data, indent=2) + "\n")
    path.chmod(mode)


def unlock(key_file: Path, passphrase_file: Path | None) -> crypto.PrivateKey:
    """Unlock a key file with the passphrase from a file, HOTLINE_KEY_PASSPHRASE or a hidden prompt."""
    return unlock_with_passphrase(key_file, passphrase_file)[0]


def unlock_with_passphrase(key_file: Path, passphrase_file: Path | None) -> tuple[crypto.PrivateKey, str]:
    """Unlock a key file as unlock does; return the key and the passphrase that unlocked it."""
    data = read_json(key_file)
    if passphrase_file is not None:
        secret = passphrase_file.read_text("utf-8").rstrip("\r\n")
    else:
        secret = os.environ.get("HOTLINE_KEY_PASSPHRASE") or click.prompt("Passphrase", hide_input=True, err=True)
    try:
        return crypto.import_private_key(data, secret), secret
    except crypto.BadKeyFile as exc:
        raise HotlineError(f"{key_file}: {exc}") from exc


def where(url: str) -> str:
    """Describe a database URL without its password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite database {parsed.database}"
    return parsed.render_as_string(hide_password=True)


@contextmanager
def app_session(require_db: bool = True) -> Iterator[tuple[Flask, Session]]:
    """Build the app from the HOTLINE_* settings and yield it with a session."""
    app = create_app()
    try:
        if require_db and not db.is_initialised(app):
            raise HotlineError(NOT_INITIALISED)
        with app.app_context():
            yield app, db.get_session()
    finally:
        app.extensions["hotline.engine"].dispose()


@click.group(cls=HotlineGroup)
def cli() -> None:
    """Meldpunt Stages: run the hotline, manage keys and destinations, open cases."""


def main() -> None:
    """Run the `hotline` command; expected failures end in one line on stderr and exit status 1."""
    try:
        cli.main(prog_name="hotline")
    except EXPECTED as exc:
        click.echo(f"hotline: error: {' '.join(describe(exc).split())}", err=True)
        sys.exit(1)
