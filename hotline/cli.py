"""The `hotline` command: set up an instance, manage keys and destinations, export and decrypt cases."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from flask import Flask
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from hotline import accounts, audit, bundle, cases, config, create_app, crypto, db, demo, keyring, routing, security
from hotline.models import DESTINATION_KINDS, RECOVERY_KIND, Destination

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
NOT_INITIALISED = "database not initialised: run `hotline init` or `hotline demo` first"
DOMAIN_ERRORS = (config.ConfigError, routing.RoutingError, crypto.CryptoError, keyring.KeyringError, cases.CaseNotFound)
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
    data = read_json(key_file)
    if passphrase_file is not None:
        secret = passphrase_file.read_text("utf-8").rstrip("\r\n")
    else:
        secret = os.environ.get("HOTLINE_KEY_PASSPHRASE") or click.prompt("Passphrase", hide_input=True, err=True)
    try:
        return crypto.import_private_key(data, secret)
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


@cli.command()
def init() -> None:
    """Create or migrate the database."""
    with app_session(require_db=False) as (app, _session):
        db.upgrade(app)
    click.echo(f"database ready: {where(app.config['DATABASE_URL'])}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
def run(host: str, port: int) -> None:
    """Serve the hotline (behind a reverse proxy with TLS that logs no addresses)."""
    from werkzeug.serving import run_simple

    app = create_app()
    if not db.is_initialised(app):
        raise HotlineError(NOT_INITIALISED)
    if app.config["DEMO"]:
        click.echo("warning: demo instance: not for real reports", err=True)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"serving Meldpunt Stages on http://{shown}:{port}/ (Ctrl+C to stop)")
    try:
        run_simple(host, port, app, request_handler=security.AnonymousRequestHandler, threaded=True)
    finally:
        app.extensions["hotline.engine"].dispose()


@cli.command("demo")
@click.option("--reset", is_flag=True, help="Throw away the demo's database and keys and make new ones.")
def demo_command(reset: bool) -> None:
    """Set up a demo instance with destinations, keys and signed key lists."""
    instance = config.instance_path()
    keys_dir = Path(os.environ.get("HOTLINE_KEYS_DIR") or config.DEFAULTS["KEYS_DIR"])
    exists = (instance / config.DEMO_FILE).exists()
    if exists and not reset:
        click.echo(f"a demo instance already exists in {instance}: start it with `hotline run`")
        click.echo("(`hotline demo --reset` throws it away and makes a new one)")
        return
    if os.environ.get("HOTLINE_INSTITUTION_KEY"):
        raise HotlineError("HOTLINE_INSTITUTION_KEY is set: unset it, the demo makes its own institution key")
    if not exists and (keys_dir / keyring.INSTITUTION_FILE).exists():
        raise HotlineError(f"{keys_dir} already holds an institution key: set HOTLINE_KEYS_DIR to an empty folder")
    url = os.environ.get("HOTLINE_DATABASE_URL")
    if not url and (instance / demo.SQLITE_FILE).exists() and not exists:
        url = f"sqlite:///{instance / demo.SQLITE_FILE}"
    if url and demo.existing_cases(url):
        raise HotlineError(f"the {where(url)} already holds cases: give the demo an empty database")
    if exists:
        demo.reset(instance, keys_dir)

    passphrase = crypto.generate_passphrase()
    institution = demo.make_institution(instance, keys_dir, passphrase)
    fingerprint = crypto.institution_fingerprint(institution.ed25519.public_key())
    config.make_demo_secrets(instance, fingerprint)
    made = demo.DemoKeys(passphrase, institution)
    with app_session(require_db=False) as (app, session):
        db.upgrade(app)
        demo.populate(session, instance, keys_dir, made, None)
        passwords = demo.add_accounts(session, app.extensions["hotline.keyring"], made)
        names = {d.slug: d.name for d in session.scalars(select(Destination))}

    click.echo("warning: demo instance: not for real reports", err=True)
    click.echo(f"Demo instance: {instance}")
    click.echo(f"Signed key lists and institution public key: {keys_dir.resolve()}")
    click.echo("Destinations and their handler key files:")
    for slug, path in made.key_files.items():
        click.echo(f"  {slug:<20} {names.get(slug, ''):<32} {path}")
    click.echo(f"Institution key file (signs key lists): {instance / demo.DEMO_KEYS / 'institution.key.json'}")
    click.echo(f"Institution key fingerprint: {fingerprint}")
    click.echo(f"Passphrase of every demo key file (shown once, write it down): {passphrase}")
    click.echo("Staff accounts: log in at /casework/login and set up an authenticator app the first time.")
    click.echo("Initial passwords (shown once, write them down):")
    for username, password in passwords.items():
        role = "admin, sees no cases" if username == demo.ADMIN else f"handler of {username}"
        click.echo(f"  {username:<20} {password}  ({role})")
    click.echo("Next steps:")
    click.echo("  hotline run                  then open http://127.0.0.1:5000 and file a report")
    click.echo("  hotline cases list")
    click.echo("  hotline cases export ID -o case.json")
    click.echo(f"  hotline decrypt case.json --key {instance / demo.DEMO_KEYS / 'hbo-ict.key.json'}")


@cli.group()
def keys() -> None:
    """Make handler keys and sign destination key lists."""


def slugify(name: str) -> str:
    """Return a file-name-safe slug of a name."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "key"


@keys.command("new")
@click.argument("name")
@click.option("--out", "out_dir", default=".", type=OUT_DIR, help="Folder to write the key files to.")
@click.option("--institution", is_flag=True, help="Make the institution key that signs the key lists.")
def keys_new(name: str, out_dir: Path, institution: bool) -> None:
    """Make a key pair: a private key file with a new passphrase, and a public key file."""
    slug = slugify(name)
    private, public = out_dir / f"{slug}.key.json", out_dir / f"{slug}.pub.json"
    paths = [private, public] + ([out_dir / keyring.INSTITUTION_FILE] if institution else [])
    for path in paths:
        if path.exists():
            raise HotlineError(f"{path} already exists: choose another name or --out folder")
    key, passphrase = crypto.generate_key(name), crypto.generate_passphrase()
    out_dir.mkdir(parents=True, exist_ok=True)
    write_json_file(private, crypto.export_private_key(key, passphrase), private=True)
    write_json_file(public, crypto.export_public_key(key.public), private=False)
    click.echo(f"Key id: {key.kid}\nPrivate key file: {private}\nPublic key file: {public}")
    if institution:
        write_json_file(paths[2], keyring.institution_document(key.ed25519.public_key()), private=False)
        click.echo(f"Institution public key file (publish it in the keys folder): {paths[2]}")
        click.echo(f"Set HOTLINE_INSTITUTION_KEY={crypto.institution_fingerprint(key.ed25519.public_key())}")
        click.echo("Keep the institution key file offline, with someone who is not the server admin.")
    else:
        click.echo("Keep the private key file on your own device; hand in only the public key file to be signed.")
    click.echo(f"Passphrase (shown once, write it down): {passphrase}")


@keys.command("list")
def keys_list() -> None:
    """Verify and show every destination's key list."""
    failures = 0
    with app_session() as (app, session):
        click.echo(f"institution key: {app.config['INSTITUTION_KEY']}")
        ring: keyring.Keyring = app.extensions["hotline.keyring"]
        for destination in session.scalars(select(Destination).order_by(Destination.slug)):
            try:
                key_list = ring.verified(destination.slug, destination.key_list_version)
            except keyring.KeyringError as exc:
                click.echo(f"{destination.slug}: ERROR: {exc}")
                failures += 1
                continue
            click.echo(f"{destination.slug}: version {key_list.version}")
            for key in key_list.keys:
                click.echo(f"  {key.kid[:16]}  {key.name}")
    if failures:
        raise HotlineError(f"{failures} key list(s) do not verify")


@keys.command("sign")
@click.argument("destination")
@click.option("--institution-key", "institution_file", required=True, type=IN_FILE, help="The institution key file.")
@click.option("--add", "added", multiple=True, type=IN_FILE, help="Public key file of a handler to add (repeatable).")
@click.option("--remove", "removed", multiple=True, help="Key id, or its first 8+ hex digits, to remove (repeatable).")
@passphrase_option
def keys_sign(
    destination: str,
    institution_file: Path,
    added: tuple[Path, ...],
    removed: tuple[str, ...],
    passphrase_file: Path | None,
) -> None:
    """Sign a new version of a destination's key list with the institution key."""
    new_keys = [crypto.import_public_key(read_json(path)) for path in added]
    with app_session() as (app, session):
        record = session.scalar(select(Destination).where(Destination.slug == destination))
        if record is None:
            raise HotlineError(f"no destination {destination}: add it with `hotline destination add`")
        institution = unlock(institution_file, passphrase_file)
        if crypto.institution_fingerprint(institution.ed25519.public_key()) != app.config["INSTITUTION_KEY"].lower():
            raise HotlineError(f"{institution_file} is not this instance's institution key (HOTLINE_INSTITUTION_KEY)")
        ring: keyring.Keyring = app.extensions["hotline.keyring"]
        ring.institution_key()  # the published public key must match too, or nobody could verify the list
        path, old = keyring.key_list_path(ring.keys_dir, destination), crypto.KeyList(destination, 0, ())
        if path.exists():
            try:
                old = ring.verified(destination, record.key_list_version)
            except keyring.KeyringError as exc:
                raise HotlineError(f"{exc}: not building on it (remove {path} to sign a new list)") from exc
        keys, version = keyring.edit_keys(old.keys, new_keys, removed), max(old.version, record.key_list_version) + 1
        keyring.write_json(path, crypto.sign_key_list(institution.ed25519, destination, version, keys))
        ring.for_destination(session, record)
        session.commit()
    click.echo(f"signed {path}: {destination} version {version}, {len(keys)} key(s)")
    for key in keys:
        click.echo(f"  {key.kid[:16]}  {key.name}")


@cli.group()
def destination() -> None:
    """Add and list the destinations that receive reports."""


@destination.command("add")
@click.argument("slug")
@click.option("--name", required=True, help="Name shown to students (Dutch).")
@click.option("--name-en", help="Name shown in English.")
@click.option("--kind", required=True, type=click.Choice(DESTINATION_KINDS), help="What kind of destination this is.")
def destination_add(slug: str, name: str, name_en: str | None, kind: str) -> None:
    """Add a destination; it receives reports once its key list is signed."""
    if not SLUG_RE.match(slug):
        raise HotlineError(f"bad slug {slug!r}: use 2-63 lower-case letters, digits and dashes")
    with app_session() as (_app, session):
        if session.scalar(select(Destination).where(Destination.slug == slug)) is not None:
            raise HotlineError(f"destination {slug} already exists")
        if kind == RECOVERY_KIND and (existing := cases.recovery_destinations(session)):
            raise HotlineError(f"the instance already has a recovery destination: {existing[0].slug}")
        demo.add_destination(session, slug, name, kind, name_en)
    click.echo(f"added destination {slug}; sign its key list with `hotline keys sign {slug}`")
    if kind == RECOVERY_KIND:
        click.echo("every new report and message is sealed to its key too: until its list is signed, none is taken")


@destination.command("list")
def destination_list() -> None:
    """Show every destination with its kind and key list version."""
    with app_session() as (_app, session):
        for item in session.scalars(select(Destination).order_by(Destination.kind, Destination.slug)):
            click.echo(f"{item.slug:<24} {item.kind:<22} {item.name:<40} version {item.key_list_version}")


@cli.group("cases")
def cases_group() -> None:
    """List, export and reply to cases."""


@cases_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def cases_list(as_json: bool) -> None:
    """List the cases' metadata, never their contents."""
    with app_session() as (_app, session):
        rows = [cases.metadata(case) for case in cases.list_cases(session)]
    if as_json or not rows:
        click.echo(json.dumps(rows, indent=2) if as_json else "no cases")
        return
    columns = ("id", "received_on", "category", "programme", "status", "ack_due", "feedback_due", "destinations")
    table = [list(columns)] + [[", ".join(r[c]) if c == "destinations" else str(r[c]) for c in columns] for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    for line in table:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())


@cases_group.command("export")
@click.argument("case_id", metavar="ID")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Bundle file.")
@click.option("--force", is_flag=True, help="Overwrite the file if it exists.")
def cases_export(case_id: str, output: Path, force: bool) -> None:
    """Export a case as a sealed bundle for `hotline decrypt`."""
    if output.exists() and not force:
        raise HotlineError(f"{output} already exists: not overwritten (use --force)")
    with app_session() as (app, session):
        case = cases.get_case(session, case_id)
        ring: keyring.Keyring = app.extensions["hotline.keyring"]
        institution, key_lists = ring.institution_key(), {}
        for target in [route.destination for route in case.routes] + cases.recovery_destinations(session):
            slug = target.slug
            key_lists[slug] = keyring.read_json(keyring.key_list_path(ring.keys_dir, slug))
            try:
                crypto.verify_key_list(key_lists[slug], institution, slug, target.key_list_version)
            except crypto.KeyListError as exc:
                raise keyring.KeyringError(str(exc)) from exc
        data = cases.export_bundle(case, key_lists, keyring.read_json(ring.keys_dir / keyring.INSTITUTION_FILE))
    write_json_file(output, data, private=True, force=force)
    click.echo(f"exported case {data['case']['id']}: {len(data['envelopes'])} envelope(s) to {output}")


@cases_group.command("reply")
@click.argument("case_id", metavar="ID")
@key_option
@click.option("--message", required=True, help="The reply to the reporter.")
@passphrase_option
def cases_reply(case_id: str, key_file: Path, message: str, passphrase_file: Path | None) -> None:
    """Seal a reply to the reporter, signed with your key."""
    if not message.strip():
        raise HotlineError("the message is empty")
    with app_session() as (app, session):
        case = cases.get_case(session, case_id)
        handler = unlock(key_file, passphrase_file)
        try:
            cases.add_reply(session, app.extensions["hotline.keyring"], case, handler, message.strip())
        except crypto.UnknownRecipient as exc:
            kid = handler.kid[:16]
            raise HotlineError(
                f"this key (kid {kid}) is not in the key list of a destination of case {case.id}"
            ) from exc
    click.echo(f"reply added to case {case.id}")


@cli.command()
@click.option("--dry-run", is_flag=True, help="Only list what would be deleted.")
def purge(dry_run: bool) -> None:
    """Delete closed cases older than HOTLINE_RETENTION_DAYS, with their envelopes and attachments."""
    with app_session() as (app, session):
        days, today = app.config["RETENTION_DAYS"], cases.today()
        if days < 1:
            raise HotlineError(f"HOTLINE_RETENTION_DAYS must be at least 1, not {days}")
        found = cases.expired(session, today, days)
        deleted = set() if dry_run else set(cases.purge(session, today, days))
    cutoff = today - dt.timedelta(days=days)
    if not found:
        click.echo(f"nothing to purge: no case was closed before {cutoff} ({days} days ago)")
        return
    verb = "would purge" if dry_run else "purged"
    shown = [item for item in found if dry_run or item.case_id in deleted]
    for item in shown:
        click.echo(f"{verb} case {item.case_id} (closed {item.closed_on}): {item.envelopes} envelope(s)")
    envelopes = sum(item.envelopes for item in shown)
    click.echo(f"{verb} {len(shown)} case(s) closed before {cutoff}, {envelopes} envelope(s) in all")
    if dry_run:
        click.echo("dry run: nothing was deleted")


@cli.command()
@click.argument("bundle_file", metavar="FILE", type=IN_FILE)
@key_option
@passphrase_option
@click.option("--out", "out_dir", type=OUT_DIR, help="Folder to save attachments in.")
@click.option(
    "--institution",
    "expected",
    envvar="HOTLINE_INSTITUTION_KEY",
    metavar="FINGERPRINT",
    help="Published fingerprint of the institution key (default: HOTLINE_INSTITUTION_KEY).",
)
@click.pass_context
def decrypt(
    ctx: click.Context,
    bundle_file: Path,
    key_file: Path,
    passphrase_file: Path | None,
    out_dir: Path | None,
    expected: str | None,
) -> None:
    """Open an exported case bundle with your key, offline.

    Needs no server and no HOTLINE_* settings: only the bundle and your key file.
    """
    data = bundle.check(read_json(bundle_file))
    institution, warning = bundle.institution_key(data, expected)
    verified, failures = bundle.key_lists(data, institution)
    for line in ([warning] if warning else []) + [f"{f}: its handlers' replies cannot be verified" for f in failures]:
        click.echo(f"warning: {line}", err=True)
    key = unlock(key_file, passphrase_file)
    if not bundle.sealed_to(data, key.kid):
        kid = key.kid[:16]
        raise HotlineError(
            f"no envelope in {bundle_file} is sealed to this key (kid {kid}): it belongs to another destination"
        )
    click.echo("\n".join(bundle.case_lines(data)))
    ok = not failures
    for item in bundle.open_sealed(data, key, bundle.handlers(verified, data["case"]["destinations"])):
        lines, opened = bundle.render(item, out_dir)
        click.echo("\n" + "\n".join(lines))
        ok = ok and opened
    if not ok:
        ctx.exit(1)


@cli.group("handler")
def handler_group() -> None:
    """Add, list and deactivate staff accounts (handlers and admins)."""


@handler_group.command("add")
@click.argument("username")
@click.option("--name", required=True, help="The name colleagues know the handler by.")
@click.option("--role", default="handler", show_default=True, type=click.Choice(["handler", "admin"]), help="Role.")
@click.option("--destination", "destinations", multiple=True, help="Slug of a destination (repeatable; handlers).")
@click.option("--kid", help="Key id of the handler's registered key, or its first 8+ hex digits (handlers).")
def handler_add(username: str, name: str, role: str, destinations: tuple[str, ...], kid: str | None) -> None:
    """Create an account and print its initial password once; TOTP is set up at the first login."""
    with app_session() as (app, session):
        try:
            handler, password = accounts.create_handler(
                session,
                app.extensions["hotline.keyring"],
                username=username,
                display_name=name,
                role=role,
                destinations=list(destinations),
                kid=kid,
            )
        except accounts.AccountError as exc:
            raise HotlineError(str(exc)) from exc
    click.echo(f"added {handler.role} {handler.username}; they set up an authenticator app at the first login")
    click.echo(f"Initial password (shown once, hand it over in person): {password}")


@handler_group.command("list")
def handler_list() -> None:
    """Show every account with its role, destinations and state, never a secret."""
    with app_session() as (_app, session):
        rows = [
            (
                h.username,
                h.role,
                "inactive" if not h.active else ("active" if h.enrolled else "not enrolled"),
                (h.kid or "-")[:16],
                ",".join(d.slug for d in h.destinations) or "-",
            )
            for h in accounts.all_handlers(session)
        ]
    for row in rows or [("no accounts", "", "", "", "")]:
        click.echo(f"{row[0]:<24} {row[1]:<8} {row[2]:<13} {row[3]:<17} {row[4]}".rstrip())


@handler_group.command("deactivate")
@click.argument("username")
def handler_deactivate(username: str) -> None:
    """Deactivate an account: it cannot log in any more and its sessions end."""
    with app_session() as (_app, session):
        try:
            handler = accounts.get_by_username(session, username)
        except accounts.AccountError as exc:
            raise HotlineError(str(exc)) from exc
        if handler.active:
            accounts.deactivate(session, handler)
    click.echo(f"deactivated {handler.username}")


@cli.command("audit")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100_000), help="How many events.")
def audit_command(limit: int) -> None:
    """Show the newest audit events: who did what to which case, and when (UTC)."""
    with app_session() as (_app, session):
        entries = audit.newest(session, limit)
    for entry in entries:
        event = entry.event
        who = entry.actor or event.handler_id or "-"
        case_id, detail = event.case_id or "-", event.detail or ""
        click.echo(f"{event.at:%Y-%m-%d %H:%M:%S}Z  {who:<20} {event.action:<20} {case_id:<12} {detail}".rstrip())
    if not entries:
        click.echo("no audit events")


def main() -> None:
    """Run the `hotline` command; expected failures end in one line on stderr and exit status 1."""
    try:
        cli.main(prog_name="hotline")
    except EXPECTED as exc:
        click.echo(f"hotline: error: {' '.join(describe(exc).split())}", err=True)
        sys.exit(1)
