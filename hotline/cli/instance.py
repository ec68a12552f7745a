"""Set up and serve an instance: init, run, demo, purge, maintenance."""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select

from hotline import (
    accounts,
    auth,
    cases,
    config,
    create_app,
    crypto,
    db,
    demo,
    extensions,
    keyring,
    security,
)
from hotline import maintenance as upkeep
from hotline.cli import demo_year
from hotline.cli.base import (
    NOT_INITIALISED,
    HotlineError,
    app_session,
    cli,
    where,
)
from hotline.institution import require as require_institution
from hotline.institution import write_example as write_example_institution
from hotline.models import Destination
from hotline.portal import config as portal_config
from hotline.portal import create_portal_app, mount
from hotline.portal import db as portal_db
from hotline.portal import demo as portal_demo
from hotline.portal.config import PortalConfigError
from hotline.statistics import settled


@cli.command()
def init() -> None:
    """Create or migrate the hotline's database, and the portal's (a database of its own)."""
    with app_session(require_db=False) as (app, _session):
        db.upgrade(app)
    click.echo(f"database ready: {where(app.config['DATABASE_URL'])}")
    url = portal_config.database_url(config.instance_path())
    engine = db.make_engine(url)
    try:
        portal_db.migrate(engine, url)
    finally:
        engine.dispose()
    click.echo(f"portal database ready: {where(url)}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
def run(host: str, port: int) -> None:
    """Serve the hotline (behind a reverse proxy with TLS that logs no addresses)."""
    from werkzeug.serving import run_simple

    app = create_app()
    if not db.is_initialised(app):
        raise HotlineError(NOT_INITIALISED)
    require_institution(app)
    if app.config["DEMO"]:
        click.echo("warning: demo instance: not for real reports", err=True)
    portal = portal_app()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"serving Meldpunt Stages on http://{shown}:{port}/ (Ctrl+C to stop)")
    if portal is not None:
        click.echo(f"and the portal, an app of its own, on http://{shown}:{port}{portal.config['PATH']}/")
    served = app if portal is None else mount(app, portal)
    try:
        run_simple(host, port, served, request_handler=security.AnonymousRequestHandler, threaded=True)
    finally:
        app.extensions["hotline.engine"].dispose()
        if portal is not None:
            portal.extensions[portal_db.ENGINE].dispose()


def portal_app() -> Flask | None:
    """Build the portal to serve beside the hotline; None, with a line saying why, when it has no secret yet."""
    try:
        portal = create_portal_app()
    except PortalConfigError as error:
        if "HOTLINE_PORTAL_SECRET_KEY" not in str(error) or "missing" not in str(error):
            raise
        click.echo(f"the portal is not served: {error}", err=True)
        return None
    if not portal_db.is_initialised(portal):
        portal.extensions[portal_db.ENGINE].dispose()
        raise HotlineError("the portal's database has no tables yet: run `hotline init` first")
    return portal


def show_code(instance: Path, username: str) -> None:
    """Print a demo handler's current one-time code; refuse on any instance that is not a demo."""
    if not (instance / config.DEMO_FILE).exists():
        raise HotlineError(f"{instance} is not a demo instance: one-time codes are shown for demo accounts only")
    with app_session() as (_app, session):
        try:
            handler = accounts.get_by_username(session, username)
        except accounts.AccountError as error:
            hint = "the handlers' usernames are the destination slugs"
            raise HotlineError(f"no demo account {username}: {hint}") from error
        if handler.totp_secret is None:
            raise HotlineError(f"{handler.username} has no one-time codes yet: log in with the password first")
        code, left = auth.totp(handler.totp_secret), auth.TOTP_STEP_SECONDS - int(auth.clock()) % auth.TOTP_STEP_SECONDS
    click.echo(f"{code}  (one-time code of {handler.username}, valid for another {left} s)")


@cli.command("demo")
@click.option("--reset", is_flag=True, help="Throw away the demo's database and keys and make new ones.")
@click.option(
    "--code",
    "code_for",
    metavar="USERNAME",
    help="Show a demo handler's current one-time code, so trying the workspace needs no phone (demo only).",
)
@click.option(
    "--year-of-reports",
    is_flag=True,
    help="Also file a made-up year of reports, sealed as a student's are, so that the statistics show quarters.",
)
def demo_command(reset: bool, code_for: str | None, year_of_reports: bool) -> None:
    """Set up a demo instance with destinations, keys and signed key lists."""
    instance = config.instance_path()
    if code_for is not None:
        show_code(instance, code_for)
        return
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
        portal_demo.reset(instance)

    passphrase = crypto.generate_passphrase()
    institution = demo.make_institution(instance, keys_dir, passphrase)
    fingerprint = crypto.institution_fingerprint(institution.ed25519.public_key())
    config.make_demo_secrets(instance, fingerprint)
    institution_file = write_example_institution(instance)
    made = demo.DemoKeys(passphrase, institution)
    with app_session(require_db=False) as (app, session):
        db.upgrade(app)
        demo.populate(session, instance, keys_dir, made, None)
        passwords = demo.add_accounts(session, extensions.keyring(app), made)
        names = {d.slug: d.name for d in session.scalars(select(Destination))}
        filed = demo_year.file_year(app, session, dt.date.today()) if year_of_reports else 0
    portal_passwords = make_portal_demo(instance)

    click.echo("warning: demo instance: not for real reports", err=True)
    click.echo(f"Demo instance: {instance}")
    click.echo(f"Signed key lists and institution public key: {keys_dir.resolve()}")
    click.echo("Destinations and their handler key files:")
    for slug, path in made.key_files.items():
        click.echo(f"  {slug:<20} {names.get(slug, ''):<32} {path}")
    click.echo(f"Institution key file (signs key lists): {instance / demo.DEMO_KEYS / 'institution.key.json'}")
    click.echo(f"Institution key fingerprint: {fingerprint}")
    click.echo(f"Who runs it (name, logo, colours, a person to reach): {institution_file} (a made-up hogeschool)")
    click.echo(f"Passphrase of every demo key file (shown once, write it down): {passphrase}")
    click.echo("Staff accounts: log in at /casework/login and set up an authenticator app the first time.")
    click.echo("Each handler's username is the slug of their destination (hbo-ict, arbeidsinspectie, ...).")
    click.echo("No phone at hand? `hotline demo --code USERNAME` shows the current one-time code (demo only).")
    click.echo("Initial passwords (shown once, write them down):")
    for username, password in passwords.items():
        role = "admin, sees no cases" if username == demo.ADMIN else f"handler of {username}"
        click.echo(f"  {username:<20} {password}  ({role})")
    click.echo("The portal (placements, supervision), an app of its own: log in at /portal/login as")
    for username, password in portal_passwords.items():
        role, name, _programme = portal_demo.PEOPLE[username]
        click.echo(f"    {username:<18} {password}  ({role}: {name}, made up)")
    student, supervisor, host_name = portal_demo.INTERNSHIP
    click.echo(
        f"  {student} is {portal_demo.WEEKS_IN} weeks into an internship at {host_name}, supervised by {supervisor}:"
        " check-ins are due."
    )
    if filed:
        click.echo(f"Filed {filed} made-up reports over the past year: see /statistics")
    else:
        click.echo("Figures on /statistics: `hotline demo --reset --year-of-reports` files a made-up year of reports.")
    click.echo("Next steps:")
    click.echo("  hotline run                  then open http://127.0.0.1:5000 and file a report")
    click.echo("  hotline cases list")
    click.echo("  hotline cases export ID -o case.json")
    click.echo(f"  hotline decrypt case.json --key {instance / demo.DEMO_KEYS / 'hbo-ict.key.json'}")


def make_portal_demo(instance: Path) -> dict[str, str]:
    """Give the portal its own demo secret and database, with a made-up person in every role."""
    portal_config.make_demo_secret(instance)
    portal = create_portal_app()
    try:
        portal_db.upgrade(portal)
        with portal.app_context():
            return portal_demo.populate(portal_db.get_session())
    finally:
        portal.extensions[portal_db.ENGINE].dispose()


@cli.command()
@click.option("--dry-run", is_flag=True, help="Only list what would be deleted.")
def purge(dry_run: bool) -> None:
    """Delete closed cases older than HOTLINE_RETENTION_DAYS, with their envelopes and attachments."""
    with app_session() as (app, session):
        days, today = app.config["RETENTION_DAYS"], cases.today()
        if days < 1:
            raise HotlineError(f"HOTLINE_RETENTION_DAYS must be at least 1, not {days}")
        found = cases.expired(session, today, days)
        kept = [] if dry_run else settled.settle(session, Path(app.instance_path), today, app.config["FEEDBACK_MONTHS"])
        deleted = set() if dry_run else set(cases.purge(session, today, days))
    if kept:  # counted before anything is deleted: published figures do not move when cases go
        click.echo(f"kept the published figures of {', '.join(kept)} (settled quarters)")
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
@click.pass_context
def maintenance(context: click.Context) -> None:
    """The one daily job: purge, rewrite each finished day's reporter rows in one go (PostgreSQL), vacuum."""
    context.invoke(purge, dry_run=False)
    with app_session() as (app, session):
        config = app.config
        done = upkeep.rewrite_finished_days(
            session, cases.today(), config["MAINTENANCE_LOCK_MS"], config["MAINTENANCE_LOCK_TRIES"]
        )
        for day in done:
            rows = f"{day.cases} case(s), {day.routes} route(s), {day.envelopes} envelope(s)"
            click.echo(f"rewrote the reporter rows of {day.day} in one transaction: {rows}")
        upkeep.vacuum(app.extensions["hotline.engine"])
    click.echo(f"vacuumed: {where(app.config['DATABASE_URL'])}")
