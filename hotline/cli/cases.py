"""Cases: list metadata, export sealed bundles, reply, and decrypt offline."""

from __future__ import annotations

import json
from pathlib import Path

import click

from hotline import audit, bundle, cases, crypto, extensions, keyring, report_keys
from hotline.cli.base import (
    IN_FILE,
    OUT_DIR,
    HotlineError,
    app_session,
    cli,
    key_option,
    passphrase_option,
    read_json,
    unlock,
    write_json_file,
)


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
        ring = extensions.keyring(app)
        institution, key_lists = ring.institution_key(), {}
        for target in cases.destinations_by_slug(case) + cases.recovery_destinations(session):
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
        if case.status == "closed":
            raise HotlineError(f"case {case.id} is closed: it takes no more replies")
        handler = unlock(key_file, passphrase_file)
        try:
            # As a reply in the workspace does: acknowledged, feedback given, a new case taken in progress.
            cases.add_reply(session, extensions.keyring(app), case, handler, message.strip(), actor=audit.CLI)
        except crypto.UnknownRecipient as exc:
            kid = handler.kid[:16]
            raise HotlineError(
                f"this key (kid {kid}) is not in the key list of a destination of case {case.id}"
            ) from exc
        except report_keys.UntrustedReport as exc:
            raise HotlineError(f"case {case.id}: {exc}") from exc
    click.echo(f"reply added to case {case.id}, now {case.status}")


def institution_fingerprint(given: str | None) -> str | None:
    """Read --institution as a fingerprint or a key file; anything else is a usage error, not a security alarm."""
    if not given:
        return None
    try:
        return bundle.published_fingerprint(given)
    except bundle.NotAFingerprint as error:
        raise click.BadParameter(str(error), param_hint="'--institution'") from error


@cli.command()
@click.argument("bundle_file", metavar="FILE", type=IN_FILE)
@key_option
@passphrase_option
@click.option("--out", "out_dir", type=OUT_DIR, help="Folder to save attachments in.")
@click.option(
    "--institution",
    "expected",
    envvar="HOTLINE_INSTITUTION_KEY",
    metavar="FINGERPRINT|FILE",
    callback=lambda _ctx, _param, value: institution_fingerprint(value),
    help="The institution key's published fingerprint, or its public key file (default: HOTLINE_INSTITUTION_KEY).",
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
    reporter = bundle.reporter_keys(data, key)
    for problem in reporter.problems:
        click.echo(f"warning: {problem}", err=True)
    click.echo("\n".join(bundle.case_lines(data)))
    ok = not failures and not reporter.problems
    for item in bundle.open_sealed(data, key, bundle.handlers(verified, data["case"]["destinations"]), reporter):
        lines, opened = bundle.render(item, out_dir)
        click.echo("\n" + "\n".join(lines))
        ok = ok and opened
    if not ok:
        ctx.exit(1)
