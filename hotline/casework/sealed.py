"""What a handler's browser sends: replies it sealed and signed, and data-key wraps for new readers.

The server cannot open any of it. It checks what it can: a reply is bound to the case, signed
by the logged-in handler's own key from a verified key list, sealed to exactly the case's
readers and padded; a wrap is well-formed, only for a key in a verified key list, and posted by a
handler whose own (proven) key is in a verified list of the case's destinations. A kid may get a
later wrap beside one it has (the earlier may be garbage; readers try each), up to a bound.
Functions raise checks.Refused (400), checks.Conflict (409) or keyring.KeyringError (a key list
does not verify: nothing is changed).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import audit, cases, checks, crypto, workflow
from hotline.checks import Conflict, Refused
from hotline.keyring import Keyring
from hotline.models import RECOVERY_KIND, Case, CaseRoute, Destination, EnvelopeRecord, Handler

REPLY_ACTIONS = ("reply", "acknowledge", "close")
WRAP_BYTES = crypto.WRAP_LENGTHS[crypto.KEM_X25519]  # a classical wrap: HPKE enc, the sealed 32-byte key, tag
KID = re.compile(r"^[0-9a-f]{64}$")


def own_key(session: Session, ring: Keyring, handler: Handler, case: Case) -> crypto.PublicKey:
    """Return the handler's registered key from the verified list of a case destination they belong to."""
    mine = {d.id for d in handler.destinations}
    for destination in cases.destinations_by_slug(case):  # the lock order of Keyring.for_slugs
        if destination.id in mine and handler.kid:
            key = ring.for_destination(session, destination).by_kid(handler.kid)
            if key is not None:
                return key
    raise Refused("your key is not in the signed key list of a destination of this case", "envelope")


def open_case(case: Case) -> None:
    """Refuse any change to a closed case."""
    if case.status == "closed":
        raise Conflict("this case is closed", "action")


def reply(
    session: Session, ring: Keyring, handler: Handler, case: Case, body: dict[str, Any], max_text: int, today: dt.date
) -> str:
    """Store a sealed reply, then acknowledge or close the case if asked; return the case's status."""
    action = checks.choice(body, "action", REPLY_ACTIONS) or "reply"
    open_case(case)
    sealed = checks.envelope(body.get("envelope"), "envelope")
    key = own_key(session, ring, handler, case)
    checks.check_envelope(
        sealed,
        "envelope",
        kind="message",
        direction="to_reporter",
        reply_public_key=case.reply_public_key,
        signing_key=key.ed25519,
        signer=key.kid,
        recipients=cases.readers(session, ring, case),
        max_plaintext=max_text,
    )
    checks.check_new_ids(session, [("envelope", sealed)])
    case.envelopes.append(cases.record_of(sealed, case, today))
    try:
        workflow.record_answer(session, handler.id, case, action, today)
    except workflow.InvalidTransition as exc:
        session.rollback()
        raise Conflict("the case's status does not allow this", "action") from exc
    session.commit()
    return case.status


def forward_targets(session: Session, case: Case) -> list[Destination]:
    """Return the destinations a case can be forwarded to: any other, never the recovery key."""
    routed = {route.destination_id for route in case.routes}
    everything = cases.destinations_by_kind(session)
    slugs = [slug for kind in everything.values() for slug in kind]
    return sorted((d for d in cases.destinations(session, slugs).values() if d.id not in routed), key=lambda d: d.name)


def forward(
    session: Session, ring: Keyring, handler: Handler, case: Case, body: dict[str, Any], max_per_kid: int
) -> Destination:
    """Route the case to one more destination with a wrap for each of its verified keys on every envelope."""
    open_case(case)
    own_key(session, ring, handler, case)  # only a reader of the case can have re-wrapped its data keys
    slug = checks.text(body, "destination") or ""
    target = cases.destinations(session, [slug]).get(slug)
    if target is None or target.kind == RECOVERY_KIND:
        raise Refused("there is no destination with this name to forward to", "destination")
    if any(route.destination_id == target.id for route in case.routes):
        raise Conflict("the case is already with this destination", "destination")
    kids = {key.kid: key.xwing is not None for key in ring.for_destination(session, target).keys}
    added = wraps(body, case, lambda record: kids, complete=True)  # kids an envelope has may get another
    add_wraps(added, max_per_kid)
    case.routes.append(CaseRoute(destination=target, reason="forwarded"))
    case.status = "forwarded"
    audit.record(session, handler.id, "forwarded", case.id, target.slug)
    session.commit()
    return target


def readable_by(session: Session, ring: Keyring, case: Case) -> set[str]:
    """Return the kids that may read a case: its destinations' and the recovery key's verified keys."""
    return set(readable_keys(session, ring, case))


def readable_keys(session: Session, ring: Keyring, case: Case) -> dict[str, bool]:
    """Return the kids that may read a case, each with whether it has an X-Wing key (and so needs X-Wing wraps)."""
    lists = [*cases.key_lists(session, ring, case), *cases.recovery_lists(session, ring)]
    return {key.kid: key.xwing is not None for key_list in lists for key in key_list.keys}


def missing_readers(session: Session, ring: Keyring, case: Case) -> set[str]:
    """Return the verified kids that some envelope of the case is not sealed to yet."""
    allowed = readable_by(session, ring, case)
    return {kid for record in case.envelopes for kid in allowed - set(json_kids(record))}


def lacking_access(session: Session, ring: Keyring, destination: Destination) -> tuple[list[str], list[str]]:
    """Return the open cases of a destination that some verified key of its list cannot fully read, and those keys.

    Reads only the wrap lists; the envelopes' ciphertexts stay where they are.
    """
    kids = {key.kid: key.name for key in ring.for_destination(session, destination).keys}
    query = (
        select(EnvelopeRecord.case_id, EnvelopeRecord.recipients)
        .join(CaseRoute, CaseRoute.case_id == EnvelopeRecord.case_id)
        .join(Case, Case.id == EnvelopeRecord.case_id)
        .where(CaseRoute.destination_id == destination.id, Case.status != "closed")
        .order_by(Case.received_on, Case.id)
    )
    found: dict[str, None] = {}
    missing: set[str] = set()
    for case_id, recipients in session.execute(query):
        lacking = set(kids) - {item["kid"] for item in json.loads(recipients)}
        if lacking:
            found[case_id] = None
            missing |= lacking
    return list(found), sorted(f"{kids[kid]} ({kid[:16]})" for kid in missing)


def grant(session: Session, ring: Keyring, handler: Handler, case: Case, body: dict[str, Any], max_per_kid: int) -> int:
    """Add wraps for the case's verified readers (a new colleague, or a wrap beside a bad one); return how many."""
    own_key(session, ring, handler, case)
    allowed = readable_keys(session, ring, case)
    added = wraps(body, case, lambda record: allowed, complete=False)
    count = add_wraps(added, max_per_kid)
    if count:
        audit.record(session, handler.id, "granted", case.id, f"{count} wrap(s)")
    session.commit()
    return count


def json_kids(record: EnvelopeRecord) -> list[str]:
    """Return the kids an envelope row is sealed to."""
    return [item["kid"] for item in json.loads(record.recipients)]


def wraps(
    body: dict[str, Any], case: Case, allowed: Callable[[EnvelopeRecord], dict[str, bool]], *, complete: bool
) -> dict[EnvelopeRecord, list[dict[str, str]]]:
    """Read {envelope id: [{kid, wrap(, kem)}]} for the case's envelopes, each kid allowed for its envelope.

    allowed gives, per envelope, the kids that may get a wrap and whether each has an X-Wing key: in an envelope
    v2 such a reader gets an X-Wing wrap and never a classical one (docs/formats.md, "Envelope v2").

    With complete, every envelope must get a wrap for every allowed kid it does not carry yet: a forward that
    leaves the new destination unable to read part of the case is refused.
    """
    given = body.get("wraps")
    if not isinstance(given, dict):
        raise Refused("wraps must be an object of envelope ids", "wraps")
    records = {record.id: record for record in case.envelopes}
    if unknown := [envelope_id for envelope_id in given if envelope_id not in records]:
        raise Refused(f"not an envelope of this case: {str(unknown[0])[:40]}", "wraps")
    found: dict[EnvelopeRecord, list[dict[str, str]]] = {}
    for envelope_id, record in records.items():
        permitted = allowed(record)
        items = [wrap_item(item, permitted, record.hdr[0]) for item in listed(given.get(envelope_id, []))]
        kids = [item["kid"] for item in items]
        if len(set(kids)) != len(kids):
            raise Refused("a key appears twice for one envelope", "wraps")
        if complete and not set(permitted) - set(json_kids(record)) <= set(kids):
            raise Refused("every envelope needs a wrap for every key of the new destination", "wraps")
        if items:
            found[record] = items
    return found


def listed(value: Any) -> list[Any]:
    """Return a list of wraps, refusing anything else."""
    if not isinstance(value, list):
        raise Refused("each envelope's wraps must be a list", "wraps")
    return value


def wrap_item(item: Any, permitted: dict[str, bool], version: int) -> dict[str, str]:
    """Return one {kid, wrap(, kem)} after checking its shape, that its key may be added here, and its kind.

    In an envelope v2 a reader with an X-Wing key gets an X-Wing wrap (no kem), one without a classical wrap
    marked kem x25519; a v1 envelope takes v1 wraps only.
    """
    if not isinstance(item, dict) or set(item) not in ({"kid", "wrap"}, {"kid", "wrap", "kem"}):
        raise Refused("a wrap must be an object with kid and wrap (and kem)", "wraps")
    kid, wrap = item["kid"], item["wrap"]
    if not isinstance(kid, str) or not KID.match(kid):
        raise Refused("a wrap's kid must be 64 lowercase hex characters", "wraps")
    if kid not in permitted:
        raise Refused("a wrap is for a key that is not in a verified key list of this case", "wraps")
    wants = crypto.KEM_X25519 if version == crypto.VERSION_PQ and not permitted[kid] else None
    if item.get("kem") != wants:
        raise Refused("a wrap's kem must be x25519 for a reader without an X-Wing key in an envelope v2, and "
                      "absent otherwise: a reader with an X-Wing key never gets a classical wrap", "wraps")  # fmt: skip
    expected = crypto.WRAP_LENGTHS[wants] if version == crypto.VERSION_PQ else WRAP_BYTES
    try:
        size = len(crypto.b64d(wrap)) if isinstance(wrap, str) else -1
    except crypto.MalformedEnvelope:
        size = -1
    if size != expected:
        raise Refused(f"a wrap must be {expected} bytes as base64url", "wraps")
    return {"kid": kid, "wrap": wrap} | ({"kem": wants} if wants else {})


def add_wraps(added: dict[EnvelopeRecord, list[dict[str, str]]], max_per_kid: int) -> int:
    """Append the wraps to their envelopes beside any earlier ones; nothing else about an envelope changes.

    An earlier wrap for the same kid stays (it cannot be told from a good one here), but a kid gets
    at most max_per_kid wraps on one envelope, so no one can grow an envelope without end.
    """
    for record, items in added.items():
        recipients = json.loads(record.recipients) + items
        counts = Counter(item["kid"] for item in recipients)
        if any(counts[item["kid"]] > max_per_kid for item in items):
            raise Conflict(f"a key already has {max_per_kid} wraps on an envelope of this case", "wraps")
        record.recipients = json.dumps(recipients)
    return sum(len(items) for items in added.values())
