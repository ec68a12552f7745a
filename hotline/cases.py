"""Cases: file a sealed report, find a case by lookup digest, add messages, export bundles, purge."""

from __future__ import annotations

import calendar
import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy.orm import Session, object_session

from hotline import audit, crypto, db, directory, report_keys, workflow
from hotline.keyring import Keyring
from hotline.models import RECOVERY_KIND, Case, CaseRoute, Destination, EnvelopeRecord, public_case_id, random_id
from hotline.routing import Routing, Target


class CaseNotFound(LookupError):
    """No case has this lookup digest (or id)."""


class RecipientMismatch(ValueError):
    """An envelope is not sealed to exactly the recipients the routing requires."""


class Expired(NamedTuple):
    """A closed case past the retention period, as `hotline purge` reports it."""

    case_id: str
    closed_on: dt.date
    envelopes: int


CASE, ROUTE, ENVELOPE = (cast(Table, model.__table__) for model in (Case, CaseRoute, EnvelopeRecord))
PURGE_BATCH = 500  # case ids per DELETE: well below every database's limit on bound parameters


def today() -> dt.date:
    """Return today's date: reporter activity is recorded at day precision only."""
    return dt.date.today()


def add_months(day: dt.date, months: int) -> dt.date:
    """Add calendar months, clamping to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def destinations_by_kind(session: Session) -> dict[str, list[str]]:
    """Return destination slugs grouped by kind; the recovery destination is never a routing target."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for destination in directory.destinations(session):
        if destination.kind != RECOVERY_KIND:
            grouped[destination.kind].append(destination.slug)
    return dict(grouped)


def destinations(session: Session, slugs: Iterable[str]) -> dict[str, Destination]:
    """Return destinations by slug."""
    wanted = set(slugs)
    return {d.slug: d for d in directory.destinations(session) if d.slug in wanted}


def programmes(session: Session) -> list[Destination]:
    """Return the programmes a student can choose, by name."""
    return [d for d in directory.destinations(session) if d.kind == "programme"]


def plan(session: Session, routing: Routing, category: str, programme: str) -> list[Target]:
    """Resolve where a report in this category for this programme goes."""
    if programme not in {p.slug for p in programmes(session)}:
        raise ValueError("unknown programme")
    return routing.plan(category, programme, destinations_by_kind(session))


def recipients(key_lists: Iterable[crypto.KeyList]) -> dict[str, crypto.Reader]:
    """Return kid -> reader (X25519 public key, and X-Wing public key if any) over verified key lists."""
    return {key.kid: crypto.reader_of(key) for key_list in key_lists for key in key_list.keys}


def recovery_destinations(session: Session) -> list[Destination]:
    """Return the institution's recovery destination, if it configured one (`destination add` allows one)."""
    return sorted((d for d in directory.destinations(session) if d.kind == RECOVERY_KIND), key=lambda d: d.slug)


def recovery_lists(session: Session, keyring: Keyring) -> list[crypto.KeyList]:
    """Return the verified key list of the recovery destination, if any, that every envelope is sealed to too.

    A recovery destination whose list does not verify raises KeyringError: sealing then fails
    closed rather than silently leaving the recovery key out.
    """
    return [keyring.for_destination(session, destination) for destination in recovery_destinations(session)]


def record_of(envelope: crypto.Envelope, case: Case, day: dt.date) -> EnvelopeRecord:
    """Return the database row for an envelope added to a stored case."""
    return EnvelopeRecord(**envelope_row(envelope, case.id, len(case.envelopes), day))


def envelope_of(record: EnvelopeRecord) -> crypto.Envelope:
    """Rebuild an envelope from its stored bytes."""
    return crypto.Envelope(
        record.hdr, record.nonce, record.ciphertext, json.loads(record.recipients), record.signer, record.signature
    )


def check_recipients(envelope: crypto.Envelope, expected: dict[str, crypto.Reader]) -> None:
    """Refuse an envelope not sealed to exactly the expected readers, each with the wrap their key calls for."""
    if sorted(envelope.kids()) != sorted(expected):
        raise RecipientMismatch("the envelope is not sealed to exactly the keys of the chosen destinations")
    try:
        crypto.check_wraps(envelope, expected)
    except crypto.UnknownRecipient as exc:
        raise RecipientMismatch(str(exc)) from exc


class Filed(NamedTuple):
    """A case as filed: what the reporter is told. The session does not hold it; get_case loads it."""

    id: str
    status: str
    received_on: dt.date
    ack_due: dt.date
    feedback_due: dt.date


def file_case(
    session: Session,
    *,
    lookup_digest: str,
    reply_public_key: bytes,
    reporter_signing_key: bytes,
    reply_xwing_key: bytes | None = None,
    category: str,
    programme: str,
    sector: str | None,
    phase: str | None,
    targets: list[Target],
    envelopes: list[crypto.Envelope],
    ack_days: int = 7,
    feedback_months: int = 3,
) -> Filed:
    """Store a new case with its routes and sealed envelopes, in one transaction."""
    received = today()
    filed = Filed(
        public_case_id(),
        "received",
        received,
        received + dt.timedelta(days=ack_days),
        add_months(received, feedback_months),
    )
    case = filed._asdict() | {
        "lookup_digest": lookup_digest,
        "reply_public_key": reply_public_key,
        "reply_xwing_key": reply_xwing_key,
        "reporter_signing_key": reporter_signing_key,
        "category": category,
        "programme": programme,
        "sector": sector,
        "phase": phase,
    }
    found = destinations(session, [t.destination for t in targets])
    # Written with plain INSERTs rather than through the ORM's unit of work, which took a third of the time
    # of filing a report (tests/benchmarks/profile_submit.py): one row for the case, one statement for its
    # routes and one for its envelopes. Nor is a Case object made: building one and then telling the session
    # it is stored cost a twentieth of a report filed through the API.
    connection = session.connection()  # Core statements need none of the ORM's bookkeeping
    connection.execute(insert(CASE), [{column.key: case.get(column.key) for column in CASE.columns}])
    if targets:
        routes = [
            {"id": random_id(), "case_id": filed.id, "destination_id": found[t.destination].id, "reason": t.reason}
            for t in targets
        ]
        connection.execute(insert(ROUTE), routes)
    _insert_envelopes(session, [envelope_row(e, filed.id, seq, received) for seq, e in enumerate(envelopes)])
    session.commit()
    return filed


def _insert_envelopes(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert envelope rows with plain INSERTs, a large ciphertext written in place (db.placeholder_blob)."""
    connection = session.connection()
    placeholders = [db.placeholder_blob(session, len(row["ciphertext"])) for row in rows]
    if small := [row for row, placeholder in zip(rows, placeholders, strict=True) if placeholder is None]:
        connection.execute(insert(ENVELOPE), small)
    for row, placeholder in zip(rows, placeholders, strict=True):
        if placeholder is not None:
            connection.execute(insert(ENVELOPE).values(row | {"ciphertext": placeholder}))
            db.write_blob(session, ENVELOPE, "ciphertext", row["id"], row["ciphertext"])


def envelope_row(envelope: crypto.Envelope, case_id: str, seq: int, day: dt.date) -> dict[str, Any]:
    """Return the envelope table's row for an envelope."""
    return {
        "id": envelope.id,
        "case_id": case_id,
        "seq": seq,
        "kind": envelope.header.kind,
        "direction": envelope.header.direction,
        "day": day,
        "hdr": envelope.hdr,
        "nonce": envelope.nonce,
        "ciphertext": envelope.ciphertext,
        "recipients": json.dumps(envelope.recipients),
        "signer": envelope.signer,
        "signature": envelope.signature,
    }


def find_case(session: Session, lookup_digest: str) -> Case:
    """Return the case with this lookup digest."""
    case = session.scalar(select(Case).where(Case.lookup_digest == lookup_digest))
    if case is None:
        raise CaseNotFound("no case with this token")
    return case


def get_case(session: Session, case_id: str) -> Case:
    """Return a case by its public id."""
    case = session.get(Case, case_id.strip().upper())
    if case is None:
        raise CaseNotFound(f"no case {case_id}")
    return case


def add_envelope(session: Session, case: Case, envelope: crypto.Envelope) -> EnvelopeRecord:
    """Append a sealed message to a case."""
    if session.get(EnvelopeRecord, envelope.id) is not None:
        raise ValueError("an envelope with this id already exists")
    record = record_of(envelope, case, today())
    case.envelopes.append(record)
    session.commit()
    return record


def add_envelopes(session: Session, case: Case, envelopes: list[crypto.Envelope]) -> dt.date:
    """Append a follow-up and the files sent with it to a stored case, in one transaction; return the day.

    Written as file_case writes, without loading the case's other envelopes (its attachments are megabytes).
    """
    ids = [envelope.id for envelope in envelopes]
    if len(set(ids)) != len(ids) or session.scalar(select(func.count()).where(EnvelopeRecord.id.in_(ids))):
        raise ValueError("an envelope with this id already exists")
    last = session.scalar(select(func.max(EnvelopeRecord.seq)).where(EnvelopeRecord.case_id == case.id))
    first = 0 if last is None else last + 1
    day = today()
    _insert_envelopes(session, [envelope_row(e, case.id, first + i, day) for i, e in enumerate(envelopes)])
    session.commit()
    session.expire(case, ["envelopes"])  # written past the ORM: a loaded list would miss them
    return day


def reporter_copy(case: Case, reply_public_key: bytes) -> crypto.Envelope | None:
    """Return the case's report if it is sealed to this reply key (the student kept a copy at filing), else None.

    Only the report is loaded, never the attachments.
    """
    own_kid = crypto.fingerprint(reply_public_key)
    session = object_session(case)
    records: Iterable[EnvelopeRecord]
    if session is not None and case.id is not None:
        where = (EnvelopeRecord.case_id == case.id, EnvelopeRecord.kind == "report")
        records = session.scalars(select(EnvelopeRecord).where(*where).order_by(EnvelopeRecord.seq))
    else:
        records = case.envelopes
    reports = [envelope_of(record) for record in records if record.kind == "report"]
    if len(reports) != 1 or own_kid not in reports[0].kids():
        return None
    return reports[0]


def routes_in_order(case: Case) -> list[CaseRoute]:
    """Return a case's routes as they are shown: those the routing chose, then forwards, each by slug.

    Never in the order they were stored: the reporter tables keep no arrival order (migration 0007).
    """
    return sorted(case.routes, key=lambda route: (route.reason == "forwarded", route.destination.slug))


def destinations_by_slug(case: Case) -> list[Destination]:
    """Return the destinations a case is routed to, by slug: the order every request locks their rows in.

    Keyring.for_destination may update a destination's row (a newer key-list version); visiting them in one
    order everywhere means two requests never wait for each other's rows in opposite orders.
    """
    return sorted((route.destination for route in case.routes), key=lambda destination: destination.slug)


def destination_slugs(case: Case) -> list[str]:
    """Return the slugs of the destinations a case was routed to."""
    return [route.destination.slug for route in routes_in_order(case)]


def list_cases(session: Session) -> list[Case]:
    """Return all cases, newest first (metadata only)."""
    return list(session.scalars(select(Case).order_by(Case.received_on.desc(), Case.id)))


def count_cases(session: Session) -> int:
    """Return how many cases exist."""
    return session.scalar(select(func.count()).select_from(Case)) or 0


def metadata(case: Case) -> dict[str, Any]:
    """Return a case's plaintext metadata: never contents."""
    return {
        "id": case.id,
        "category": case.category,
        "programme": case.programme,
        "sector": case.sector,
        "phase": case.phase,
        "status": case.status,
        "received_on": case.received_on.isoformat(),
        "ack_due": case.ack_due.isoformat(),
        "feedback_due": case.feedback_due.isoformat(),
        "closed_on": case.closed_on.isoformat() if case.closed_on else None,
        "destinations": destination_slugs(case),
        "envelopes": len(case.envelopes),
    }


def export_bundle(case: Case, key_lists: dict[str, dict[str, Any]], institution: dict[str, Any]) -> dict[str, Any]:
    """Return a sealed bundle of a case: metadata, envelopes and the signed key lists."""
    return {
        "type": "meldpunt-case-bundle",
        "version": 1,
        "case": metadata(case)
        | {
            "reply_public_key": crypto.b64e(case.reply_public_key),
            "reporter_signing_key": crypto.b64e(case.reporter_signing_key),
        }
        | ({"reply_xwing_key": crypto.b64e(case.reply_xwing_key)} if case.reply_xwing_key is not None else {}),
        "envelopes": [envelope_of(r).to_json() | {"day": r.day.isoformat()} for r in case.envelopes],
        "key_lists": key_lists,
        "institution": institution,
    }


def key_lists(session: Session, keyring: Keyring, case: Case) -> list[crypto.KeyList]:
    """Return the verified key lists of a case's destinations; raises KeyringError."""
    # By slug, as Keyring.for_slugs: recording a newer list version locks destination rows in one order.
    return [keyring.for_destination(session, destination) for destination in destinations_by_slug(case)]


def stored_reporter(case: Case) -> crypto.Reader:
    """The reporter as the database knows them: the stored reply key, with its X-Wing part if the case has one."""
    return crypto.Reader(case.reply_public_key, case.reply_xwing_key)


def message_readers(
    case: Case, lists: Iterable[crypto.KeyList], reporter: crypto.Reader | None = None
) -> dict[str, crypto.Reader]:
    """Return who can read a message of a case: its handlers, and the reporter (the stored keys if none given)."""
    reply = reporter or stored_reporter(case)
    return recipients(lists) | {crypto.fingerprint(reply.x25519): reply}


def readers(
    session: Session, keyring: Keyring, case: Case, reporter: crypto.Reader | None = None
) -> dict[str, crypto.Reader]:
    """Return who can read a new message of a case: its handlers, the recovery key and the reporter.

    A sealer that knows the reporter's keys better than the database (the token, a verified report) passes them.
    """
    lists = [*key_lists(session, keyring, case), *recovery_lists(session, keyring)]
    return message_readers(case, lists, reporter)


def reporter_messages(
    case: Case, reply_public_key: bytes | None = None
) -> list[tuple[EnvelopeRecord, crypto.Envelope]]:
    """Return the messages sealed to the reply key (the stored one if none given), oldest first."""
    own_kid = crypto.fingerprint(reply_public_key or case.reply_public_key)
    # Only the messages are loaded: a case's attachments are megabytes each and a status lookup never needs them.
    session = object_session(case)
    records: Iterable[EnvelopeRecord]
    if session is not None and case.id is not None:
        where = (EnvelopeRecord.case_id == case.id, EnvelopeRecord.kind == "message")
        records = session.scalars(select(EnvelopeRecord).where(*where).order_by(EnvelopeRecord.seq))
    else:  # not in the database (yet): touching case.envelopes in a session would load every attachment
        records = case.envelopes
    found = [(record, envelope_of(record)) for record in records if record.kind == "message"]
    return [(record, envelope) for record, envelope in found if own_kid in envelope.kids()]


def add_reply(
    session: Session,
    keyring: Keyring,
    case: Case,
    handler: crypto.PrivateKey,
    text: str,
    actor: str | None = None,
) -> None:
    """Seal a handler's reply to the reply key of the verified report, the case's destinations and the recovery key.

    With an actor, the reply moves the case along as any answer does (workflow.record_answer), in the same
    transaction. Raises report_keys.UntrustedReport when the handler's key cannot verify the report, or the
    stored reply key is not the report's: a reply is never sealed to a key that only the database vouches for.
    """
    if not any(k.by_kid(handler.kid) for k in key_lists(session, keyring, case)):
        raise crypto.UnknownRecipient("this key is not in the key list of any destination of the case")
    reporter = report_keys.reply_reader(
        [envelope_of(record) for record in case.envelopes],
        case.reporter_signing_key,
        case.reply_public_key,
        handler,
        stored_xwing=case.reply_xwing_key,
    )
    envelope = crypto.seal(
        json.dumps({"text": text}).encode("utf-8"),
        kind="message",
        direction="to_reporter",
        reply_public_key=reporter.x25519,
        recipients=readers(session, keyring, case, reporter).items(),
        signer=handler.kid,
        signing_key=handler.ed25519,
    )
    if actor is not None:
        workflow.record_answer(session, actor, case, "reply", today())
    add_envelope(session, case, envelope)  # commits the answer with it


def expired(session: Session, today: dt.date, retention_days: int) -> list[Expired]:
    """Return the closed cases whose closing day lies more than retention_days before today, oldest first."""
    if retention_days < 1:
        raise ValueError("the retention period must be at least one day")
    cutoff = today - dt.timedelta(days=retention_days)
    query = (
        select(Case.id, Case.closed_on, func.count(EnvelopeRecord.id))
        .outerjoin(EnvelopeRecord, EnvelopeRecord.case_id == Case.id)
        .where(Case.status == "closed", Case.closed_on.is_not(None), Case.closed_on < cutoff)
        .group_by(Case.id, Case.closed_on)
        .order_by(Case.closed_on, Case.id)
    )
    rows = session.execute(query)
    return [Expired(case_id, closed_on, count) for case_id, closed_on, count in rows if closed_on is not None]


def purge(session: Session, today: dt.date, retention_days: int, actor: str = audit.CLI) -> list[str]:
    """Delete the expired closed cases with their routes and envelopes (attachments too); return their ids.

    Each deletion is audited in the same transaction. On SQLite, secure_delete overwrites the
    deleted rows with zeros, so no VACUUM is needed; the write-ahead log is then checkpointed
    and truncated so the old pages do not linger there either. Backups are not reached.
    """
    found = expired(session, today, retention_days)
    ids = [item.case_id for item in found]
    for item in found:
        audit.record(session, actor, "purged", item.case_id, f"closed {item.closed_on}, {item.envelopes} envelope(s)")
    for start in range(0, len(ids), PURGE_BATCH):
        batch = ids[start : start + PURGE_BATCH]
        session.execute(delete(EnvelopeRecord).where(EnvelopeRecord.case_id.in_(batch)))
        session.execute(delete(CaseRoute).where(CaseRoute.case_id.in_(batch)))
        session.execute(delete(Case).where(Case.id.in_(batch)))
    session.commit()
    if ids and session.get_bind().dialect.name == "sqlite":
        session.connection().exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        session.commit()
    return ids
