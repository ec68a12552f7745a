"""Keys and destinations: make keys, sign key lists, add destinations."""

from __future__ import annotations

import re
from pathlib import Path

import click
from sqlalchemy import select

from hotline import cases, crypto, demo, extensions, keyring
from hotline.cli.base import (
    IN_FILE,
    OUT_DIR,
    SLUG_RE,
    HotlineError,
    app_session,
    cli,
    passphrase_option,
    read_json,
    unlock,
    unlock_with_passphrase,
    write_json_file,
)
from hotline.models import DESTINATION_KINDS, RECOVERY_KIND, Destination


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


@keys.command("upgrade")
@click.argument("key_file", type=IN_FILE)
@passphrase_option
def keys_upgrade(key_file: Path, passphrase_file: Path | None) -> None:
    """Add a post-quantum X-Wing key to a key file; its other keys, key id and passphrase stay as they are.

    Writes the upgraded private key file in place (the old one is kept beside it as .v1) and a new public key
    file. Hand that in to be signed: `hotline keys sign DESTINATION --institution-key ... --add NAME.pub.json`
    replaces the listed key by its upgrade.
    """
    key, passphrase = unlock_with_passphrase(key_file, passphrase_file)
    if key.xwing_seed is not None:
        raise HotlineError(f"{key_file} holds an X-Wing key already: nothing to upgrade")
    upgraded = key.with_xwing()
    kept, fresh = key_file.with_name(key_file.name + ".v1"), key_file.with_name(key_file.name + ".new")
    if kept.exists():
        raise HotlineError(f"{kept} already exists: move it away first")
    write_json_file(fresh, crypto.export_private_key(upgraded, passphrase), private=True)  # whole before any move
    key_file.rename(kept)
    fresh.rename(key_file)
    public = key_file.with_name(key_file.name.removesuffix(".key.json").removesuffix(".json") + ".pub.json")
    write_json_file(public, crypto.export_public_key(upgraded.public), private=False, force=True)
    click.echo(f"Key id: {upgraded.kid} (unchanged), now with an X-Wing key")
    click.echo(f"Private key file: {key_file} (the passphrase is unchanged; the old file is {kept})")
    click.echo(f"Public key file: {public}")
    click.echo("Have it signed into each destination's key list: hotline keys sign DESTINATION "
               f"--institution-key INSTITUTION.key.json --add {public}")  # fmt: skip


@keys.command("list")
def keys_list() -> None:
    """Verify and show every destination's key list."""
    failures = 0
    with app_session() as (app, session):
        click.echo(f"institution key: {app.config['INSTITUTION_KEY']}")
        ring = extensions.keyring(app)
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
        ring = extensions.keyring(app)
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
