"""Act as a handler's browser in tests: read the case bundle, verify its key lists, seal and re-wrap.

This is what static/js/casework.js does, written with hotline.crypto so server-side tests can
exercise the casework JSON endpoints without a browser.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask.testing import FlaskClient

from hotline import crypto


def bundle(client: FlaskClient, case_id: str) -> dict[str, Any]:
    """Fetch the case's sealed bundle with the staff session."""
    response = client.get(f"/casework/case/{case_id}/envelopes")
    assert response.status_code == 200, response.get_data(as_text=True)
    document: dict[str, Any] = response.get_json()
    return document


def verified(document: dict[str, Any], bundle: dict[str, Any], slug: str) -> crypto.KeyList:
    """Verify one signed key list against the bundle's institution key."""
    institution = Ed25519PublicKey.from_public_bytes(crypto.b64d(bundle["institution"]["ed25519"]))
    return crypto.verify_key_list(document, institution, slug)


def readers(bundle: dict[str, Any]) -> dict[str, crypto.Reader]:
    """Return kid -> reader of everyone a new message is sealed to: the lists (with X-Wing keys), then the reporter
    (with theirs)."""
    found: dict[str, crypto.Reader] = {}
    for slug in [*bundle["case"]["destinations"], *bundle["recovery"]]:
        found |= {key.kid: crypto.reader_of(key) for key in verified(bundle["key_lists"][slug], bundle, slug).keys}
    reply_key = crypto.b64d(bundle["case"]["reply_public_key"])
    # The reply key's X-Wing part (a case filed since issue 17), as the browser takes it from the verified report.
    xwing = bundle["case"].get("reply_xwing_key")
    return found | {crypto.fingerprint(reply_key): crypto.Reader(reply_key, crypto.b64d(xwing) if xwing else None)}


def seal_reply(
    bundle: dict[str, Any],
    key: crypto.PrivateKey,
    text: str,
    about: str = "reply",
    to: dict[str, crypto.Reader] | dict[str, bytes] | None = None,
) -> dict[str, Any]:
    """Seal and sign a reply to the case's readers (or to `to`), as the handler's browser does."""
    reply_key = crypto.b64d(bundle["case"]["reply_public_key"])
    envelope = crypto.seal(
        json.dumps({"text": text, "about": about}).encode("utf-8"),
        kind="message",
        direction="to_reporter",
        reply_public_key=reply_key,
        recipients=(readers(bundle) if to is None else to).items(),
        signer=key.kid,
        signing_key=key.ed25519,
    )
    return envelope.to_json()


def send_reply(client: FlaskClient, case_id: str, key: crypto.PrivateKey, text: str, action: str = "reply") -> Any:
    """Seal a reply with the handler's key and post it with an action; return the response."""
    about = {"close": "closing", "acknowledge": "acknowledgement"}.get(action, "reply")
    envelope = seal_reply(bundle(client, case_id), key, text, about)
    return client.post(f"/casework/case/{case_id}/messages", json={"action": action, "envelope": envelope})


def wraps_for(
    bundle: dict[str, Any], key: crypto.PrivateKey, new: list[crypto.PublicKey], *, again: bool = False
) -> dict[str, Any]:
    """Re-wrap every envelope's data key for the new keys it does not carry yet (again: for those it does too)."""
    found: dict[str, Any] = {}
    for item in bundle["envelopes"]:
        envelope = crypto.Envelope.from_json({k: v for k, v in item.items() if k != "day"}, rewraps=True)
        before = len(envelope.recipients)
        for public in new:
            crypto.add_recipient(envelope, key, public, again=again)
        added = envelope.recipients[before:]
        if added:
            found[envelope.id] = added
    return found


def forward(client: FlaskClient, case_id: str, key: crypto.PrivateKey, slug: str) -> Any:
    """Verify the target's key list, re-wrap for its keys and post the forward; return the response."""
    case_bundle = bundle(client, case_id)
    answer = client.get(f"/casework/case/{case_id}/forward/{slug}")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    target = verified(answer.get_json()["key_list"], case_bundle, slug)
    wraps = wraps_for(case_bundle, key, target.keys)
    return client.post(f"/casework/case/{case_id}/forward", json={"destination": slug, "wraps": wraps})
