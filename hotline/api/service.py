"""The browser path: recipients to seal to, filing a sealed report, a case by lookup key, follow-ups.

The server never sees a token or plaintext here: only lookup keys, public keys and envelopes.
Functions take the session explicitly and raise checks.Refused (400), checks.Conflict (409),
cases.CaseNotFound (404) or keyring.KeyringError (a destination cannot receive now).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline import cases, checks, crypto, i18n, tokens
from hotline.checks import Conflict, Refused
from hotline.keyring import Keyring, KeyringError, key_list_path, read_json
from hotline.models import Case, Destination
from hotline.routing import NoDestination, Routing, Target
from hotline.taxonomy import PHASES, SECTORS

KEY_LIST_ERROR = "this destination cannot receive reports right now"
NAME_LINE = 1024  # room for an attachment's one-line {"name", "type"} before its bytes


@dataclass(frozen=True)
class Settings:
    """The instance values the API needs, read from the app config by the views."""

    pepper: bytes
    max_attachments: int
    max_attachment_bytes: int
    max_description_chars: int
    ack_days: int = 7
    feedback_months: int = 3

    @property
    def max_text(self) -> int:
        """Return the largest report or message plaintext."""
        return checks.max_text(self.max_description_chars)

    @property
    def max_attachment(self) -> int:
        """Return the largest attachment plaintext: its one-line name and type, then the file."""
        return NAME_LINE + self.max_attachment_bytes


def describe(session: Session, keyring: Keyring, destination: Destination) -> dict[str, Any]:
    """Describe a destination with its signed key list exactly as stored, or why it has none."""
    try:
        keyring.for_destination(session, destination)
        document, error = read_json(key_list_path(keyring.keys_dir, destination.slug)), None
    except KeyringError:
        document, error = None, KEY_LIST_ERROR
    return {
        "slug": destination.slug,
        "name": i18n.label(destination.labels),
        "kind": destination.kind,
        "key_list": document,
        "error": error,
    }


def plan(session: Session, routing: Routing, body: dict[str, Any]) -> tuple[str, str, list[Target]]:
    """Check category and programme and return where a report in them goes."""
    category = checks.choice(body, "category", routing.categories) or ""
    programme = checks.choice(body, "programme", {p.slug for p in cases.programmes(session)}) or ""
    try:
        return category, programme, cases.plan(session, routing, category, programme)
    except NoDestination as exc:
        raise Refused("no destination is configured for this category yet", "category") from exc


def recipients(session: Session, keyring: Keyring, routing: Routing, body: dict[str, Any]) -> list[dict[str, Any]]:
    """Return every routed destination, required and optional, then the recovery destination, with signed key lists."""
    _category, _programme, targets = plan(session, routing, body)
    found = cases.destinations(session, [t.destination for t in targets])
    routed = [describe(session, keyring, found[t.destination]) | {"optional": t.optional} for t in targets]
    return routed + recovery(session, keyring)


def recovery(session: Session, keyring: Keyring) -> list[dict[str, Any]]:
    """Describe the recovery destination, if any: never routed, never optional, always sealed to."""
    return [describe(session, keyring, d) | {"optional": False} for d in cases.recovery_destinations(session)]


def chosen(body: dict[str, Any], targets: list[Target]) -> list[Target]:
    """Return the targets the student kept: every required one, and only routed ones."""
    slugs = body.get("destinations")
    if not isinstance(slugs, list) or not all(isinstance(s, str) for s in slugs) or len(set(slugs)) != len(slugs):
        raise Refused("destinations must be a list of distinct slugs", "destinations")
    routed = {t.destination for t in targets}
    if unrouted := sorted(set(slugs) - routed):
        raise Refused(f"not routed for this report: {', '.join(unrouted)}", "destinations")
    if missing := [t.destination for t in targets if not t.optional and t.destination not in slugs]:
        raise Refused(f"a required destination is missing: {', '.join(missing)}", "destinations")
    return [t for t in targets if t.destination in slugs]


def in_use(session: Session, lookup_digest: str) -> bool:
    """Tell whether a case already has this lookup digest."""
    try:
        cases.find_case(session, lookup_digest)
    except cases.CaseNotFound:
        return False
    return True


def envelopes_with_attachments(
    body: dict[str, Any], field: str, settings: Settings
) -> list[tuple[str, crypto.Envelope]]:
    """Check the envelope in `field` and the attachments sent with it; return each with the field it came in."""
    attachments = body.get("attachments") or []
    if not isinstance(attachments, list):
        raise Refused("attachments must be a list of envelopes", "attachments")
    if len(attachments) > settings.max_attachments:
        raise Refused(f"at most {settings.max_attachments} attachments", "attachments")
    sealed = [(field, checks.envelope(body.get(field), field))]
    return sealed + [(f"attachments[{i}]", checks.envelope(a, f"attachments[{i}]")) for i, a in enumerate(attachments)]


def file_report(
    session: Session, keyring: Keyring, routing: Routing, settings: Settings, body: dict[str, Any]
) -> cases.Filed:
    """Check a sealed report and its attachments, then file the case."""
    category, programme, targets = plan(session, routing, body)
    sector = checks.choice(body, "sector", SECTORS, required=False)
    phase = checks.choice(body, "phase", PHASES, required=False)
    kept = chosen(body, targets)
    lookup_key = checks.raw32(body, "lookup_key")
    reply_public_key = checks.x25519_key(body, "reply_public_key")
    signing_key = checks.ed25519_key(body, "reporter_signing_key")
    reply_xwing_key = checks.xwing_key(body, "reply_xwing_key")  # absent from clients made before issue 17
    sealed = envelopes_with_attachments(body, "report", settings)
    key_lists = keyring.for_slugs(session, [t.destination for t in kept])
    readers = cases.recipients([*key_lists.values(), *cases.recovery_lists(session, keyring)])
    # The student's own copy: the report (and then every attachment) may be sealed to the case's own reply key
    # as well, which only the token opens; never to any other key. With an X-Wing reply key, only post-quantum.
    own = crypto.fingerprint(reply_public_key)
    if own in sealed[0][1].kids():
        readers = readers | {own: crypto.Reader(reply_public_key, reply_xwing_key)}
    for field, item in sealed:
        kind, limit = ("report", settings.max_text) if field == "report" else ("attachment", settings.max_attachment)
        checks.check_envelope(
            item,
            field,
            kind=kind,
            reply_public_key=reply_public_key,
            signing_key=signing_key,
            recipients=readers,
            max_plaintext=limit,
        )
    checks.repeated_ids(sealed)
    digest = tokens.lookup_digest(lookup_key, settings.pepper)
    try:
        return cases.file_case(
            session,
            lookup_digest=digest,
            reply_public_key=reply_public_key,
            reply_xwing_key=reply_xwing_key,
            reporter_signing_key=signing_key,
            category=category,
            programme=programme,
            sector=sector,
            phase=phase,
            targets=kept,
            envelopes=[item for _field, item in sealed],
            ack_days=settings.ack_days,
            feedback_months=settings.feedback_months,
        )
    except IntegrityError as exc:
        # A lookup key or an envelope id that is stored already (a repeat, or the same report filed at the same
        # moment): the unique index refuses it at the INSERT, so a report pays for no look-up before it. What
        # collided is looked up only now, to name it.
        session.rollback()
        if in_use(session, digest):
            raise Conflict("this lookup key is already in use", "lookup_key") from exc
        checks.stored_ids(session, sealed)
        raise Conflict("this lookup key or an envelope id is already in use", "lookup_key") from exc


def find(session: Session, settings: Settings, body: dict[str, Any]) -> Case:
    """Return the case of a lookup key; raises CaseNotFound."""
    lookup_key = checks.raw32(body, "lookup_key")
    return cases.find_case(session, tokens.lookup_digest(lookup_key, settings.pepper))


def lookup(session: Session, keyring: Keyring, case: Case) -> dict[str, Any]:
    """Return what the reporter may see: metadata, destinations and the messages sealed to the reply key."""
    messages = [
        {"day": record.day.isoformat(), "direction": record.direction, "envelope": sealed.to_json()}
        for record, sealed in cases.reporter_messages(case)
    ]
    # optional is false throughout: a follow-up is sealed to every destination, and to the recovery key
    destinations = [
        describe(session, keyring, route.destination) | {"optional": False, "forwarded": route.reason == "forwarded"}
        for route in cases.routes_in_order(case)
    ]
    own_copy = cases.reporter_copy(case, case.reply_public_key)
    return {
        "case_id": case.id,
        "status": case.status,
        "category": case.category,
        "received_on": case.received_on.isoformat(),
        "ack_due": case.ack_due.isoformat(),
        "feedback_due": case.feedback_due.isoformat(),
        "acknowledged_on": case.acknowledged_on.isoformat() if case.acknowledged_on else None,
        "feedback_on": case.feedback_on.isoformat() if case.feedback_on else None,
        "closed_on": case.closed_on.isoformat() if case.closed_on else None,
        "destinations": destinations + [item | {"forwarded": False} for item in recovery(session, keyring)],
        "messages": messages,
        "own_copy": own_copy.to_json() if own_copy is not None else None,
        # The X-Wing reply key stored with the case (null for a case filed before reporters had one): the browser
        # seals a follow-up's own copy post-quantum only where the case has it, and only if it is the token's.
        "reply_xwing_key": crypto.b64e(case.reply_xwing_key) if case.reply_xwing_key is not None else None,
    }


def add_message(session: Session, keyring: Keyring, settings: Settings, case: Case, body: dict[str, Any]) -> str:
    """Check a follow-up, and the files sent with it, sealed to the case's readers and the reply key; store them."""
    if case.status == "closed" or case.closed_on is not None:
        raise Conflict("this case is closed and takes no new messages")
    sealed = envelopes_with_attachments(body, "envelope", settings)
    readers = cases.readers(session, keyring, case)
    for field, item in sealed:
        kind, limit = ("message", settings.max_text) if field == "envelope" else ("attachment", settings.max_attachment)
        checks.check_envelope(
            item,
            field,
            kind=kind,
            reply_public_key=case.reply_public_key,
            signing_key=case.reporter_signing_key,
            recipients=readers,
            max_plaintext=limit,
        )
    checks.repeated_ids(sealed)
    try:
        day = cases.add_envelopes(session, case, [item for _field, item in sealed])
    except (IntegrityError, ValueError) as exc:  # an envelope id stored already: refused at the INSERT, as above
        session.rollback()
        checks.stored_ids(session, sealed)
        raise Conflict("envelope has the id of an envelope that is already stored", "envelope") from exc
    return day.isoformat()
