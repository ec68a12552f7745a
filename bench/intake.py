"""Print how long the core paths take: sealing, filing a report, a status lookup, unlocking a key file.

Run: python bench/intake.py  (figures only; no assertions, the machine is shared and noisy)
"""

from __future__ import annotations

import io
import os
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path

from timing import timed

from hotline import create_app, crypto, db, demo, tokens
from hotline.keyring import INSTITUTION_FILE, institution_document, key_list_path, write_json


def instance(folder: Path) -> object:
    """Make an instance with the demo destinations and one handler key each."""
    institution = crypto.generate_key("bench")
    keys = folder / "keys"
    write_json(keys / INSTITUTION_FILE, institution_document(institution.ed25519.public_key()))
    for slug, *_rest in demo.DESTINATIONS:
        handler = crypto.generate_key(slug)
        write_json(key_list_path(keys, slug), crypto.sign_key_list(institution.ed25519, slug, 1, [handler.public]))
    os.environ["HOTLINE_INSTANCE"] = str(folder / "instance")
    app = create_app(
        {
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
            "KEYS_DIR": str(keys),
            "INSTITUTION_KEY": crypto.institution_fingerprint(institution.ed25519.public_key()),
        }
    )
    db.upgrade(app)
    with app.app_context():
        session = db.get_session()
        for slug, name, name_en, kind in demo.DESTINATIONS:
            demo.add_destination(session, slug, name, kind, name_en)
    return app


def main() -> None:
    handlers = [crypto.generate_key(f"h{i}") for i in range(3)]
    keys = tokens.derive(tokens.generate(), secrets.token_bytes(32))
    recipients = [(h.kid, h.public.x25519) for h in handlers]

    def seal(size: int) -> Callable[[], object]:
        data = os.urandom(size)
        return lambda: crypto.seal(
            data,
            kind="attachment",
            direction="to_handlers",
            reply_public_key=keys.reply_public,
            recipients=recipients,
            signer="reporter",
            signing_key=keys.signing_key,
        )

    timed("seal 2 KiB to 3 handlers", seal(2048), 50)
    timed("seal 10 MiB to 3 handlers", seal(10 * 1024 * 1024), 5)
    timed("derive case keys from a token", lambda: tokens.derive(tokens.generate(), b"s" * 32), 50)
    key_file = crypto.export_private_key(handlers[0], "bench passphrase words here", crypto.PBKDF2_ITERATIONS)
    timed(
        "unlock a key file (PBKDF2, 600,000 iterations)",
        lambda: crypto.import_private_key(key_file, "bench passphrase words here"),
        3,
    )

    with tempfile.TemporaryDirectory() as folder:
        app = instance(Path(folder))
        client = app.test_client()  # type: ignore[attr-defined]
        form = {"category": "labour.underpayment", "programme": "hbo-ict", "description": "x" * 2000}
        timed("POST /report/submit, no attachment (server path)", lambda: client.post("/report/submit", data=form), 30)
        big = os.urandom(5 * 1024 * 1024)

        def with_attachment() -> object:
            upload = {"attachments": (io.BytesIO(big), "bijlage.bin")}
            return client.post("/report/submit", data=form | upload, content_type="multipart/form-data")

        timed("POST /report/submit with a 5 MiB attachment", with_attachment, 5)
        response = client.post("/report/submit", data=form)
        token = response.get_data(as_text=True).split('data-case-token="')[1].split('"')[0]
        timed(
            "POST /status (derive, look up, open messages)", lambda: client.post("/status", data={"token": token}), 30
        )


if __name__ == "__main__":
    main()
