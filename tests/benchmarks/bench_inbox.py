"""(c) The inbox at 100,000 cases: first page, a deep page, each sort order and the group counts.

Run alone: python -m tests.benchmarks.bench_inbox [--without-indexes] [--cases N]
Fills a fresh SQLite database in a temporary folder and, when HOTLINE_BENCH_DATABASE_URL names a
PostgreSQL server, a throwaway database created there too (dropped afterwards).
Metadata only: random bytes stand in for keys and digests, and there are no envelopes.
--without-indexes drops the inbox indexes of migration 0003, to see what they are worth.
Target: every inbox page under 100 ms of server time (the slowest median is reported).
Figures only; no assertions, the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from hotline import cases, create_app, db, demo, inbox
from hotline.models import Case, CaseRoute, Destination, public_case_id
from tests.benchmarks.instance import analyze, cleanup, database_urls
from tests.benchmarks.timing import Row, print_rows
from tests.benchmarks.timing import timed as measure_one

timed = partial(measure_one, warm=True)
TARGET_MS = 100

TODAY = dt.date(2026, 6, 1)
BATCH = 5000
INBOX_INDEXES = [
    ("case_route", "ix_case_route_destination_id_case_id"),
    ("case", "ix_case_status_received_on"),
    ("case", "ix_case_inbox"),
    ("case", "ix_case_ack_due"),
    ("case", "ix_case_feedback_due"),
]
EXTRA_ROUTES = [("diversiteit", 0.3), ("arbeidsinspectie", 0.15), ("vertrouwenspersoon", 0.1)]


def status_of(age: int, rng: random.Random) -> tuple[str, bool]:
    """Return a plausible status for a case this many days old, and whether a handler acknowledged it."""
    roll = rng.random()
    if age < 7:
        return ("received", False) if roll < 0.7 else ("in_progress", True)
    if age < 120:
        choices = [(0.15, "received", False), (0.75, "in_progress", True), (0.85, "forwarded", True)]
    else:
        choices = [(0.03, "received", False), (0.12, "in_progress", True), (0.15, "forwarded", True)]
    return next(((status, acked) for limit, status, acked in choices if roll < limit), ("closed", True))


def fill(session: Session, number: int) -> None:
    """Insert cases with routes in bulk, over two years before TODAY."""
    rng = random.Random(4)  # noqa: S311  (figures, not secrets: the same data every run)
    ids = {d.slug: d.id for d in session.scalars(select(Destination))}
    programmes = [slug for slug, _name, _en, kind in demo.DESTINATIONS if kind == "programme"]
    for start in range(0, number, BATCH):
        case_rows: list[dict[str, Any]] = []
        route_rows: list[dict[str, Any]] = []
        for _ in range(min(BATCH, number - start)):
            age = int(rng.random() ** 1.5 * 730)  # more recent cases than old ones
            received = TODAY - dt.timedelta(days=age)
            status, acked = status_of(age, rng)
            case_id = public_case_id()
            case_rows.append(
                {
                    "id": case_id,
                    "lookup_digest": secrets.token_hex(32),
                    "reply_public_key": secrets.token_bytes(32),
                    "reporter_signing_key": secrets.token_bytes(32),
                    "category": rng.choice(["discrimination.origin", "misuse.tasks", "labour.underpayment"]),
                    "programme": rng.choice(programmes),
                    "sector": rng.choice([None, "ict", "healthcare"]),
                    "phase": rng.choice([None, "search", "during"]),
                    "status": status,
                    "received_on": received,
                    "ack_due": received + dt.timedelta(days=7),
                    "feedback_due": cases.add_months(received, 3),
                    "acknowledged_on": received + dt.timedelta(days=rng.randint(0, 9)) if acked else None,
                    "feedback_on": received + dt.timedelta(days=rng.randint(10, 120))
                    if acked and rng.random() < 0.6
                    else None,
                    "closed_on": min(TODAY, received + dt.timedelta(days=rng.randint(20, 200)))
                    if status == "closed"
                    else None,
                }
            )
            targets = [case_rows[-1]["programme"]] + [slug for slug, share in EXTRA_ROUTES if rng.random() < share]
            route_rows += [
                {"id": secrets.token_hex(16), "case_id": case_id, "destination_id": ids[slug], "reason": "bench"}
                for slug in targets
            ]
        session.execute(insert(Case), case_rows)
        session.execute(insert(CaseRoute), route_rows)
    session.commit()
    analyze(session)


def measure(session: Session) -> float:
    """Time the inbox queries of the busiest programme; return the slowest median in ms."""
    destination = session.scalars(select(Destination).where(Destination.slug == "hbo-ict")).one()
    counts = inbox.counts(session, destination, TODAY)
    print(f"  hbo-ict: {sum(counts.values())} cases, {counts}")
    medians = [timed("group counts", partial(inbox.counts, session, destination, TODAY))]
    for group in inbox.GROUPS:
        query = inbox.Query(group)
        medians.append(
            timed(f"first page of {group} (counts included)", partial(inbox.page, session, destination, query, TODAY))
        )
    deep = min(inbox.MAX_PAGE, max(1, counts["closed"] // inbox.PER_PAGE))
    query = inbox.Query("closed", page=deep)
    medians.append(timed(f"closed, page {deep} (the deepest)", partial(inbox.page, session, destination, query, TODAY)))
    for sort in inbox.SORTS:
        for direction in inbox.DIRECTIONS:
            query = inbox.Query("closed", sort, direction)
            medians.append(
                timed(f"closed sorted by {sort} {direction}", partial(inbox.page, session, destination, query, TODAY))
            )
    return max(medians)


def run_one(app: Flask, label: str, number: int, without_indexes: bool) -> float:
    """Migrate, fill and measure one database; return the slowest median in ms."""
    db.upgrade(app)
    with app.app_context():
        session = db.get_session()
        for slug, name, name_en, kind in demo.DESTINATIONS:
            demo.add_destination(session, slug, name, kind, name_en)
        if without_indexes:
            for _table, index in INBOX_INDEXES:
                session.execute(text(f"DROP INDEX {index}"))
            session.commit()
        start = time.perf_counter()
        fill(session, number)
        print(f"{label}: {number} cases inserted in {time.perf_counter() - start:.1f} s")
        slowest = measure(session)
    app.extensions["hotline.engine"].dispose()
    return slowest


def make_app(url: str, folder: Path) -> Flask:
    os.environ.setdefault("HOTLINE_INSTANCE", str(folder / "instance"))
    return create_app({"TESTING": True, "DATABASE_URL": url, "RATELIMIT_ENABLED": False})


def run(quick: bool = False, argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--without-indexes", action="store_true")
    options = parser.parse_args(argv or [])
    if quick:
        options.cases = min(options.cases, 20_000)
    print(f"(c) the inbox at {options.cases:,} cases", flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        urls = database_urls(Path(folder))
        try:
            for label, url in urls:
                slowest = run_one(make_app(url, Path(folder) / label), label, options.cases, options.without_indexes)
                rows.append(
                    Row(
                        "c",
                        f"inbox, slowest page median at {options.cases:,} cases ({label})",
                        f"{slowest:.1f} ms",
                        f"< {TARGET_MS} ms",
                        slowest < TARGET_MS,
                    )
                )
        finally:
            cleanup(urls)
    return rows


if __name__ == "__main__":
    print_rows(run(argv=sys.argv[1:]))
