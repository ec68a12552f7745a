"""The server path: seal a report on arrival, open a case by token, seal follow-up messages.

Plaintext and the token live only in memory for the duration of one request.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hotline import cases, crypto, report_keys, tokens
from hotline.attachments import Attachment
from hotline.keyring import Keyring
from hotline.models import Case
from hotline.reports.forms import Details, Routed
from hotline.routing import Target
from hotline.tokens import REPORTER


@dataclass(frozen=True)
class Secrets:
    """The instance values that turn a token into keys and a lookup digest."""

    instance_salt: bytes
    pepper: bytes


@dataclass(frozen=True)
class Entry:
    """One message of a case's conversation, as the reporter sees it."""

    direction: str
    day: dt.date
    text: str | None  # None: the message could not be opened or verified
    sender: dict[str, str]  # the destination's name per language; empty for the reporter's own messages
    about: str | None = None  # "closing" marks a handler's closing summary
    attachments: tuple[str, ...] = ()  # the names of the files the reporter sent with their own message


@dataclass(frozen=True)
class OwnCopy:
    """The report as the reporter's own copy opens it: sealed to their reply key at filing, if they asked."""

    description: str | None  # None: the copy could not be opened or verified
    organisation: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    attachments: tuple[str, ...] = ()


def chosen(targets: list[Target], deselected: list[str]) -> list[Target]:
    """Drop the optional destinations the student deselected."""
    return [t for t in targets if not (t.optional and t.destination in deselected)]


def reporter_sealer(
    keys: tokens.CaseKeys, readers: dict[str, crypto.Reader]
) -> Callable[[bytes | list[bytes], str], crypto.Envelope]:
    """Return how the server seals what a reporter sends (no-JS path): to these readers, signed with the token's key."""

    def seal(plaintext: bytes | list[bytes], kind: str) -> crypto.Envelope:
        return crypto.seal(
            plaintext,
            kind=kind,
            direction="to_handlers",
            reply_public_key=keys.reply_public,
            recipients=readers.items(),
            signer=REPORTER,
            signing_key=keys.signing_key,
        )

    return seal


def file_report(
    session: Session,
    keyring: Keyring,
    secrets: Secrets,
    routed: Routed,
    details: Details,
    targets: list[Target],
    deadlines: tuple[int, int] = (7, 3),
) -> tuple[str, cases.Filed]:
    """Seal a report to the verified keys of its destinations and the recovery key, file the case; return the token.

    The attachments are taken out of details as they are sealed.
    """
    key_lists = keyring.for_slugs(session, [t.destination for t in targets])
    recipients = cases.recipients([*key_lists.values(), *cases.recovery_lists(session, keyring)])
    token = tokens.generate()
    keys = tokens.derive(token, secrets.instance_salt)
    if details.keep_copy:  # the student's own copy: their reply key opens the report and its attachments too
        recipients[crypto.fingerprint(keys.reply_public)] = keys.reader()
    seal = reporter_sealer(keys, recipients)

    # The report names its signing key, so readers check every follow-up against it, never a stored column; and the
    # reply key's X-Wing part, so replies are sealed to the token's post-quantum key, never to a stored one.
    report = details.payload(routed) | {
        report_keys.REPORTER_KEY: crypto.b64e(keys.signing_public),
        report_keys.REPLY_XWING_KEY: crypto.b64e(keys.reply_xwing_public),
    }
    envelopes = [seal(json.dumps(report).encode("utf-8"), "report")]
    # Each attachment is let go of once sealed: a worker then holds one copy of an upload (its ciphertext)
    # while the case is written, not two.
    while details.attachments:
        envelopes.append(seal(details.attachments.pop(0).payload(), "attachment"))
    case = cases.file_case(
        session,
        lookup_digest=tokens.lookup_digest(keys.lookup_key, secrets.pepper),
        reply_public_key=keys.reply_public,
        reply_xwing_key=keys.reply_xwing_public,
        reporter_signing_key=keys.signing_public,
        category=routed.category,
        programme=routed.programme,
        sector=routed.sector,
        phase=routed.phase,
        targets=targets,
        envelopes=envelopes,
        ack_days=deadlines[0],
        feedback_months=deadlines[1],
    )
    return token, case


def open_case(session: Session, secrets: Secrets, token: str) -> tuple[Case, tokens.CaseKeys]:
    """Find the case of a typed token; raises a TokenError or CaseNotFound."""
    keys = tokens.derive(token, secrets.instance_salt)
    return cases.find_case(session, tokens.lookup_digest(keys.lookup_key, secrets.pepper)), keys


def _handler_keys(session: Session, keyring: Keyring, case: Case) -> dict[str, tuple[dict[str, str], bytes]]:
    found: dict[str, tuple[dict[str, str], bytes]] = {}
    for destination in cases.destinations_by_slug(case):  # the lock order of Keyring.for_slugs
        key_list = keyring.for_destination(session, destination)
        found |= {k.kid: (destination.labels, k.ed25519) for k in key_list.keys}
    return found


def conversation(session: Session, keyring: Keyring, case: Case, keys: tokens.CaseKeys) -> list[Entry]:
    """Open the messages the reporter can read: replies and their own follow-ups.

    The token's own keys say what is genuine, never the case's stored public keys: a database
    writer who swapped those cannot slip a message in as the reporter's own.
    """
    handlers = _handler_keys(session, keyring, case)
    entries = []
    for record, envelope in cases.reporter_messages(case, keys.reply_public):
        sender = {} if envelope.signer == REPORTER else handlers.get(envelope.signer, ({"nl": "?"}, b""))[0]
        # The header's direction, not the row's: it is authenticated once the envelope opens.
        direction = envelope.header.direction
        # Reporter messages must carry the reporter's signature, replies a handler's: never the other way.
        if direction == "to_handlers":
            signers = {REPORTER: keys.signing_public}
        else:
            signers = {kid: key for kid, (_name, key) in handlers.items()}
        try:
            plaintext = crypto.open_envelope(
                envelope, keys.opening_key, verify_key=signers.get, reply_public_key=keys.reply_public, kind="message"
            )
            payload = json.loads(plaintext)
            text: str | None = payload["text"]
            if not isinstance(text, str):
                raise TypeError("the text is not a string")
            about = payload.get("about") if direction == "to_reporter" else None
            names = _names(payload.get("attachments")) if direction == "to_handlers" else ()
        except (crypto.CryptoError, ValueError, KeyError, TypeError, AttributeError):
            text, about, names = None, None, ()  # shown as "could not be verified", never as genuine
        about = about if isinstance(about, str) else None
        entries.append(Entry(direction, record.day, text, sender, about, names))
    return entries


def _names(value: object) -> tuple[str, ...]:
    """Return the attachment names a sealed report or message lists; anything else lists none."""
    if not isinstance(value, list):
        return ()
    return tuple(str(name) for name in value if isinstance(name, str))


def own_copy(case: Case, keys: tokens.CaseKeys) -> OwnCopy | None:
    """Open the report with the token's reply key, if the student kept a copy at filing; None if they did not.

    Verified with the token's own signing key, never the one stored with the case.
    """
    found = cases.reporter_copy(case, keys.reply_public)
    if found is None:
        return None
    try:
        plaintext = crypto.open_envelope(
            found,
            keys.opening_key,
            verify_key=lambda signer: keys.signing_public if signer == REPORTER else None,
            reply_public_key=keys.reply_public,
            kind="report",
        )
        report = json.loads(plaintext)
        description = report["description"]
        if not isinstance(description, str):
            raise TypeError("the description is not a string")
    except (crypto.CryptoError, ValueError, KeyError, TypeError):
        return OwnCopy(None)

    def text(name: str) -> str | None:
        value = report.get(name)
        return value if isinstance(value, str) and value else None

    names = _names(report.get("attachments"))
    return OwnCopy(description, text("organisation"), text("date_from"), text("date_to"), names)


class CaseClosed(Exception):
    """A closed case takes no new messages."""


def add_message(
    session: Session,
    keyring: Keyring,
    case: Case,
    keys: tokens.CaseKeys,
    text: str,
    attachments: list[Attachment] | None = None,
) -> None:
    """Seal a follow-up, and any files with it, to the case's destinations, the recovery key and the reply key.

    The message lists its files' names; each file is an envelope of kind attachment beside it, as a report's are.
    The attachments are taken out of the list as they are sealed.
    """
    if case.status == "closed" or case.closed_on is not None:
        raise CaseClosed(case.id)
    # The token's own keys, the X-Wing one only where the case has one: a case filed before keeps classical wraps.
    readers = cases.readers(session, keyring, case, keys.reader(post_quantum=case.reply_xwing_key is not None))
    seal = reporter_sealer(keys, readers)

    files = attachments if attachments is not None else []
    message: dict[str, object] = {"text": text}
    if files:
        message["attachments"] = [a.name for a in files]
    envelopes = [seal(json.dumps(message).encode("utf-8"), "message")]
    while files:
        envelopes.append(seal(files.pop(0).payload(), "attachment"))
    cases.add_envelopes(session, case, envelopes)
