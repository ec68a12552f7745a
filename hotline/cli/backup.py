"""Back up the database to a file, and restore it from one."""

from __future__ import annotations

from pathlib import Path

import click

from hotline import backup, cases, db
from hotline.cli.base import IN_FILE, app_session, cli, where


@cli.command("backup")
@click.argument("out", metavar="OUT", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(out: Path) -> None:
    """Write a consistent copy of the database to a new file (sealed cases, accounts, audit log; no private key)."""
    with app_session() as (app, session):
        backup.backup(app.extensions["hotline.engine"], out)
        count = cases.count_cases(session)
    click.echo(f"backed up the {where(app.config['DATABASE_URL'])} to {out}: {count} case(s)")


@cli.command("restore")
@click.argument("source", metavar="IN", type=IN_FILE)
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
def restore_command(source: Path, force: bool) -> None:
    """Replace the database with a backup made by `hotline backup`, then migrate it to this release's schema."""
    with app_session(require_db=False) as (app, _session):
        revision = backup.restore(app.extensions["hotline.engine"], source, force=force)
        db.upgrade(app)
    with app_session() as (_app, session):
        count = cases.count_cases(session)
    click.echo(f"restored {source} (schema revision {revision}) into the {where(app.config['DATABASE_URL'])}")
    click.echo(f"the database is migrated to this release's schema: {count} case(s)")
