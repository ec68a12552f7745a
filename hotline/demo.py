"""A demo instance: programmes, destinations, an institution key, handler keys, signed lists.

Everything here is for trying the hotline out. A real institution keeps its institution key
offline, with someone who is not the server admin, and each handler makes their own key.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from hotline import accounts, crypto, db, private_files
from hotline.keyring import INSTITUTION_FILE, Keyring, institution_document, key_list_path, write_json
from hotline.models import Case, Destination, Handler

# slug, Dutch name, English name, kind
DESTINATIONS = [
    ("hbo-ict", "HBO-ICT", "HBO-ICT", "programme"),
    ("verpleegkunde", "Verpleegkunde", "Nursing", "programme"),
    ("social-work", "Social Work", "Social Work", "programme"),
    ("rechten", "Rechtsgeleerdheid", "Law", "programme"),
    ("arbeidsinspectie", "Nederlandse Arbeidsinspectie", "Netherlands Labour Authority", "labour_inspectorate"),
    ("vertrouwenspersoon", "Vertrouwenspersoon studenten", "Students' confidential adviser", "confidential_adviser"),
    ("diversiteit", "Bureau Diversiteit & Inclusie", "Diversity & Inclusion office", "di_office"),
]
SQLITE_FILE = "hotline.sqlite3"  # the default database in the instance folder
DEMO_KEYS = "demo-keys"  # in the instance folder: private key files, for the demo only
ADMIN = "admin"  # the demo admin's username; each demo handler's username is its destination's slug


@dataclass
class DemoKeys:
    """What `hotline demo` made, to print for the person trying it."""

    passphrase: str
    institution: crypto.PrivateKey
    key_files: dict[str, Path] = field(default_factory=dict)
    kids: dict[str, str] = field(default_factory=dict)


def write_private_key(path: Path, key: crypto.PrivateKey, passphrase: str, iterations: int | None = None) -> None:
    """Write a private key file readable by its owner only, in a folder only its owner can open."""
    private_files.folder(path.parent)
    private_files.write_text(path, json.dumps(crypto.export_private_key(key, passphrase, iterations), indent=2) + "\n")


def make_institution(
    instance: Path, keys_dir: Path, passphrase: str, iterations: int | None = None
) -> crypto.PrivateKey:
    """Make the demo institution key and publish its public half in the key folder."""
    institution = crypto.generate_key("Demo-instelling")
    write_private_key(instance / DEMO_KEYS / "institution.key.json", institution, passphrase, iterations)
    write_json(keys_dir / INSTITUTION_FILE, institution_document(institution.ed25519.public_key()))
    return institution


def add_destination(session: Session, slug: str, name: str, kind: str, name_en: str | None = None) -> Destination:
    """Add a destination, or return the existing one with this slug."""
    existing = session.scalar(select(Destination).where(Destination.slug == slug))
    if existing is not None:
        return existing
    destination = Destination(slug=slug, name=name, name_en=name_en, kind=kind, key_list_version=0)
    session.add(destination)
    session.commit()
    return destination


def populate(session: Session, instance: Path, keys_dir: Path, demo: DemoKeys, iterations: int | None = None) -> None:
    """Add the demo destinations, one handler key each, and signed key lists."""
    for slug, name, name_en, kind in DESTINATIONS:
        destination = add_destination(session, slug, name, kind, name_en)
        handler = crypto.generate_key(f"Demo-behandelaar {name}")
        path = instance / DEMO_KEYS / f"{slug}.key.json"
        write_private_key(path, handler, demo.passphrase, iterations)
        version = destination.key_list_version + 1
        write_json(
            key_list_path(keys_dir, slug),
            crypto.sign_key_list(demo.institution.ed25519, slug, version, [handler.public]),
        )
        destination.key_list_version = version
        demo.key_files[slug] = path
        demo.kids[slug] = handler.kid
    session.commit()


def add_accounts(session: Session, ring: Keyring, demo: DemoKeys) -> dict[str, str]:
    """Add a demo admin and one handler per destination, replacing old demo accounts; return initial passwords."""
    usernames = [ADMIN, *demo.kids]
    for old in session.scalars(select(Handler).where(Handler.username.in_(usernames))):
        session.delete(old)
    session.flush()
    _admin, password = accounts.create_handler(
        session, ring, username=ADMIN, display_name="Demo-beheerder", role="admin"
    )
    passwords = {ADMIN: password}
    for slug, name, _name_en, _kind in DESTINATIONS:
        if slug in demo.kids:
            _handler, passwords[slug] = accounts.create_handler(
                session,
                ring,
                username=slug,
                display_name=f"Demo-behandelaar {name}",
                destinations=[slug],
                kid=demo.kids[slug],
            )
    return passwords


def existing_cases(url: str) -> int:
    """Count the cases in a database that may not have the schema yet."""
    engine = db.make_engine(url)
    try:
        if not inspect(engine).has_table("case"):
            return 0
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(Case)) or 0
    finally:
        engine.dispose()


def reset(instance: Path, keys_dir: Path) -> None:
    """Delete the demo's SQLite database, private key files and signed key lists."""
    for suffix in ("", "-wal", "-shm"):
        (instance / f"{SQLITE_FILE}{suffix}").unlink(missing_ok=True)
    if (instance / DEMO_KEYS).is_dir():
        shutil.rmtree(instance / DEMO_KEYS)
    for path in keys_dir.glob("*.keylist.json"):
        path.unlink()
    (keys_dir / INSTITUTION_FILE).unlink(missing_ok=True)
