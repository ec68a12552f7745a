"""Staff accounts, their mail about waiting cases, and the audit log."""

from __future__ import annotations

import click

from hotline import accounts, audit, cases, extensions, notify
from hotline.cli.base import (
    HotlineError,
    app_session,
    cli,
)


@cli.group("handler")
def handler_group() -> None:
    """Add, list and deactivate staff accounts (handlers and admins)."""


@handler_group.command("add")
@click.argument("username")
@click.option("--name", required=True, help="The name colleagues know the handler by.")
@click.option("--role", default="handler", show_default=True, type=click.Choice(["handler", "admin"]), help="Role.")
@click.option("--destination", "destinations", multiple=True, help="Slug of a destination (repeatable; handlers).")
@click.option("--kid", help="Key id of the handler's registered key, or its first 8+ hex digits (handlers).")
@click.option("--email", help="Address for `hotline notify` (handlers; optional). The mail never holds a case.")
def handler_add(
    username: str, name: str, role: str, destinations: tuple[str, ...], kid: str | None, email: str | None
) -> None:
    """Create an account and print its initial password once; TOTP is set up at the first login."""
    with app_session() as (app, session):
        try:
            handler, password = accounts.create_handler(
                session,
                extensions.keyring(app),
                username=username,
                display_name=name,
                role=role,
                destinations=list(destinations),
                kid=kid,
                email=email,
            )
        except accounts.AccountError as exc:
            raise HotlineError(str(exc)) from exc
    click.echo(f"added {handler.role} {handler.username}; they set up an authenticator app at the first login")
    click.echo(f"Initial password (shown once, hand it over in person): {password}")


@handler_group.command("list")
def handler_list() -> None:
    """Show every account with its role, destinations, state and e-mail address, never a secret."""
    with app_session() as (_app, session):
        rows = [
            (
                h.username,
                h.role,
                "inactive" if not h.active else ("active" if h.enrolled else "not enrolled"),
                (h.kid or "-")[:16],
                ",".join(d.slug for d in h.destinations) or "-",
                h.email or "",
            )
            for h in accounts.all_handlers(session)
        ]
    for row in rows or [("no accounts", "", "", "", "", "")]:
        click.echo(f"{row[0]:<24} {row[1]:<8} {row[2]:<13} {row[3]:<17} {row[4]:<24} {row[5]}".rstrip())


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


@cli.command("notify")
@click.option("--dry-run", is_flag=True, help="Only show the counts; send nothing.")
def notify_command(dry_run: bool) -> None:
    """Mail each handler with an e-mail address how many cases are new or overdue; never a case. Run it from cron."""
    with app_session() as (app, session):
        mail = notify.mail_settings(app.config)
        if mail is None:
            click.echo("notification is off: HOTLINE_SMTP_HOST is not set")
            return
        found = notify.tallies(session, cases.today())
    waiting = [tally for tally in found if tally.waiting]
    refused = set() if dry_run else notify.send(mail, [notify.compose(mail, tally) for tally in waiting])
    for tally in found:
        state = "skipped" if not tally.waiting else ("would mail" if dry_run else "mailed")
        state = "refused" if tally.email in refused else state
        click.echo(f"{tally.username}: {tally.new} new, {tally.overdue} overdue, {state}")
    if not found:
        click.echo("no one to notify: no active, enrolled handler has an e-mail address")
    if dry_run:
        click.echo("dry run: nothing was sent")
    if refused:
        names = ", ".join(tally.username for tally in found if tally.email in refused)
        raise HotlineError(f"the mail server refused the address of {names}")


@cli.command("audit")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100_000), help="How many events.")
def audit_command(limit: int) -> None:
    """Show the newest audit events: who did what to which case, and when (UTC, to the minute)."""
    with app_session() as (_app, session):
        entries = audit.newest(session, limit)
    for entry in entries:
        event = entry.event
        who = entry.actor or event.handler_id or "-"
        case_id, detail = event.case_id or "-", event.detail or ""
        click.echo(f"{event.at:%Y-%m-%d %H:%M}Z  {who:<20} {event.action:<20} {case_id:<12} {detail}".rstrip())
    if not entries:
        click.echo("no audit events")
