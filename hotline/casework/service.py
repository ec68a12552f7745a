"""What a handler may do with cases: count them per destination, open one, change its status."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from hotline import audit, cases, workflow
from hotline.keyring import INSTITUTION_FILE, Keyring, KeyringError, key_list_path, read_json
from hotline.models import STATUSES, Case, CaseRoute, Destination, EnvelopeRecord, Handler


@dataclass(frozen=True)
class DestinationCounts:
    """One destination of a handler, with its number of cases per status (metadata only)."""

    destination: Destination
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def destination_counts(session: Session, handler: Handler) -> list[DestinationCounts]:
    """Count the cases of each of the handler's destinations per status, in one grouped query."""
    destinations = handler.destinations
    rows = session.execute(
        select(CaseRoute.destination_id, Case.status, func.count())
        .join(Case, Case.id == CaseRoute.case_id)
        .where(CaseRoute.destination_id.in_([d.id for d in destinations]))
        .group_by(CaseRoute.destination_id, Case.status)
    )
    counts: dict[str, dict[str, int]] = {d.id: dict.fromkeys(STATUSES, 0) for d in destinations}
    for destination_id, status, number in rows:
        counts[destination_id][status] = number
    return [DestinationCounts(d, counts[d.id]) for d in destinations]


FORM_ACTIONS = ("acknowledge",)


def handler_case(session: Session, handler: Handler, case_id: str) -> Case:
    """Return a case routed to one of the handler's destinations; any other id is not found."""
    mine = [d.id for d in handler.destinations]
    routed = select(CaseRoute.id).where(CaseRoute.case_id == Case.id, CaseRoute.destination_id.in_(mine))
    case = session.scalar(select(Case).where(Case.id == case_id.strip().upper(), exists(routed)))
    if case is None:
        raise cases.CaseNotFound("no such case among the handler's destinations")
    return case


def open_case(session: Session, handler: Handler, case: Case) -> None:
    """Record that the handler opened the case page."""
    audit.record(session, handler.id, "opened", case.id)
    session.commit()


def change_status(session: Session, handler: Handler, case: Case, action: str, today: dt.date) -> str:
    """Acknowledge a case from the metadata-only form; return the new status or raise InvalidTransition."""
    if action not in FORM_ACTIONS:
        raise workflow.InvalidTransition(f"{action} needs a sealed message")
    status = workflow.apply_transition(session, handler.id, case, action, today)
    session.commit()
    return status


def signed_key_lists(session: Session, ring: Keyring, case: Case) -> dict[str, dict[str, Any]]:
    """Return the signed key list documents of the case's destinations and the recovery key, each verified."""
    found: dict[str, dict[str, Any]] = {}
    for destination in cases.destinations_by_slug(case) + cases.recovery_destinations(session):
        ring.for_destination(session, destination)  # raises KeyringError when it does not verify
        found[destination.slug] = read_json(key_list_path(ring.keys_dir, destination.slug))
    return found


def envelopes_document(session: Session, ring: Keyring, case: Case) -> dict[str, Any]:
    """Return what the browser needs to read a case: the sealed bundle of `hotline cases export`.

    "recovery" names the key lists that every new message is sealed to as well, as a reader only.
    """
    lists = signed_key_lists(session, ring, case)
    bundle = cases.export_bundle(case, lists, read_json(ring.keys_dir / INSTITUTION_FILE))
    return bundle | {"recovery": [d.slug for d in cases.recovery_destinations(session)]}


@dataclass(frozen=True)
class EnvelopeRow:
    """An envelope as the case page lists it: metadata and size, never the ciphertext itself."""

    id: str
    day: dt.date
    kind: str
    direction: str
    signer: str
    size: int
    kids: list[str]


def envelope_rows(session: Session, case: Case) -> list[EnvelopeRow]:
    """List a case's envelopes in order; the database measures the ciphertexts, which stay unread."""
    query = (
        select(
            EnvelopeRecord.id,
            EnvelopeRecord.day,
            EnvelopeRecord.kind,
            EnvelopeRecord.direction,
            EnvelopeRecord.signer,
            func.length(EnvelopeRecord.ciphertext),
            EnvelopeRecord.recipients,
        )
        .where(EnvelopeRecord.case_id == case.id)
        .order_by(EnvelopeRecord.seq)
    )
    return [
        EnvelopeRow(id, day, kind, direction, signer, size, [r["kid"] for r in json.loads(recipients)])
        for id, day, kind, direction, signer, size, recipients in session.execute(query)
    ]


def missing_readers(session: Session, ring: Keyring, case: Case, rows: list[EnvelopeRow]) -> list[str]:
    """Name the keys of the case's verified lists (recovery too) that some envelope is not sealed to yet."""
    try:
        lists = [*cases.key_lists(session, ring, case), *cases.recovery_lists(session, ring)]
    except KeyringError:
        return []  # the page cannot tell; the browser refuses to wrap for a list that does not verify
    keys = {key.kid: key for key_list in lists for key in key_list.keys}
    missing = {kid for row in rows for kid in keys if kid not in row.kids}
    return sorted(f"{keys[kid].name} ({kid[:16]})" for kid in missing)


def signer_names(session: Session, ring: Keyring, case: Case) -> dict[str, str]:
    """Return kid -> handler name from the verified key lists of the case's destinations that verify."""
    names: dict[str, str] = {}
    for destination in cases.destinations_by_slug(case):  # the lock order of Keyring.for_slugs
        try:
            key_list = ring.for_destination(session, destination)
        except KeyringError:
            continue  # the page then shows the bare key id; the browser verifies for itself
        names |= {key.kid: key.name for key in key_list.keys}
    return names
