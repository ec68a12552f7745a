"""`hotline portal ...`: the portal's jobs run from cron, such as the supervision reminders."""

from __future__ import annotations

import datetime as dt

import click

from hotline.cli.base import HotlineError, cli
from hotline.portal import create_portal_app, mail
from hotline.portal import db as portal_db
from hotline.portal.db import get_session
from hotline.portal.extensions import norms, supervision
from hotline.portal.supervision import reminders, signals
from hotline.portal.supervision.models import Placement


@cli.group("portal")
def portal_group() -> None:
    """The portal's jobs (an app of its own beside the hotline)."""


@portal_group.command("remind")
@click.option("--dry-run", is_flag=True, help="Only show who would get a reminder; send nothing.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="Count as if it were this day (YYYY-MM-DD).")
def remind_command(dry_run: bool, today: dt.datetime | None) -> None:
    """Mail students their open check-ins and supervisors their overdue moments and open signals; counts only."""
    portal = create_portal_app()
    try:
        if not portal_db.is_initialised(portal):
            raise HotlineError("the portal's database has no tables yet: run `hotline init` first")
        day = today.date() if today else dt.date.today()
        with portal.app_context():  # first the day's signals (missed check-ins, overdue moments) and escalations
            session = get_session()
            running = (Placement.start <= day) & (Placement.end >= day)
            raised = signals.compute_all(session, running, supervision(portal), norms(portal), day)
            passed = [] if dry_run else signals.escalate(session, supervision(portal), day)
            if dry_run:
                session.rollback()
            else:
                session.commit()
        click.echo(f"signals raised: {raised}; passed to the coordinator: {len(passed)}")
        settings = mail.mail_settings(portal.config)
        if settings is None:
            click.echo("reminders are off: HOTLINE_SMTP_HOST is not set")
            return
        with portal.test_request_context():  # page_url builds the link from HOTLINE_PORTAL_BASE_URL
            session = get_session()
            found = reminders.due(session, day, supervision(portal).remind_again_days)
            link = mail.page_url("portal_accounts.home")
            refused = set() if dry_run else reminders.send(settings, found, link)
            if not dry_run:
                reminders.remember(session, [r for r in found if r.email not in refused], day)
                session.commit()
    finally:
        portal.extensions[portal_db.ENGINE].dispose()
    for reminder in found:
        counts = (
            f"{reminder.checkins} check-ins"
            if reminder.role == "student"
            else (f"{reminder.moments} moments overdue, {reminder.signals} signals open")
        )
        state = "refused" if reminder.email in refused else ("would mail" if dry_run else "mailed")
        click.echo(f"{reminder.username} ({reminder.role}): {counts}, {state}")
    if not found:
        click.echo("no one to remind")
    if dry_run:
        click.echo("dry run: nothing was sent")
    if refused:
        names = ", ".join(r.username for r in found if r.email in refused)
        raise HotlineError(f"the mail server refused the address of {names}")
