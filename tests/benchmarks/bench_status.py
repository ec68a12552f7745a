"""(b) Status lookup by token at 1,000 and at 1,000,000 cases.

Run alone: python -m tests.benchmarks.bench_status [--cases 1000000]
SQLite in a temporary folder, and PostgreSQL too when HOTLINE_BENCH_DATABASE_URL names a server
(a throwaway database is created there and dropped afterwards). The table is filled with
metadata-only rows in bulk; a few real reports are filed through POST /report/submit, and
POST /status is timed for their tokens (derive the keys, find the case by its HMAC digest,
open the conversation, render the page), as is `cases.find_case` alone.
Target: p50 at the large size at most 1.5 x the p50 at 1,000 cases.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from hotline import cases, db, tokens
from hotline.models import Case, public_case_id
from tests.benchmarks.instance import analyze, cleanup, database_urls, make_app
from tests.benchmarks.timing import Row, percentile, print_rows, samples

TARGET = 1.5
BATCH = 10_000
TOKEN_RE = re.compile(r'data-case-token="([0-9A-Z-]+)"')
DAY = dt.date(2026, 6, 1)


def fill(session: Session, number: int) -> None:
    """Insert metadata-only cases in bulk until the table holds `number`."""
    have = session.scalar(select(func.count()).select_from(Case)) or 0
    while have < number:
        size = min(BATCH, number - have)
        rows: list[dict[str, Any]] = [
            {
                "id": public_case_id(),
                "lookup_digest": secrets.token_hex(32),
                "reply_public_key": os.urandom(32),
                "reporter_signing_key": os.urandom(32),
                "category": "misuse.tasks",
                "programme": "hbo-ict",
                "status": "received",
                "received_on": DAY,
                "ack_due": DAY,
                "feedback_due": DAY,
            }
            for _ in range(size)
        ]
        session.execute(insert(Case), rows)
        session.commit()
        have += size
    analyze(session)


@dataclass
class Instance:
    """One app filled to one size, with tokens that open real cases, and its timings."""

    app: Flask
    size: int
    filed: list[str]
    digests: list[str]
    status_ms: list[float] = field(default_factory=list)
    find_ms: list[float] = field(default_factory=list)

    @classmethod
    def make(cls, label: str, url: str, folder: Path, size: int) -> Instance:
        """File a few real reports, then fill the table with metadata-only cases."""
        app = make_app(folder, url)
        client = app.test_client()
        form = {"category": "misuse.tasks", "programme": "hbo-ict", "description": "Een melding voor de meting."}
        pages = [client.post("/report/submit", data=form).get_data(as_text=True) for _ in range(8)]
        filed = [TOKEN_RE.findall(page)[0] for page in pages]
        salt, pepper = bytes.fromhex(app.config["INSTANCE_SALT"]), bytes.fromhex(app.config["LOOKUP_PEPPER"])
        digests = [tokens.lookup_digest(tokens.derive(t, salt).lookup_key, pepper) for t in filed]
        start = time.perf_counter()
        with app.app_context():
            fill(db.get_session(), size)
        print(f"  {label}: {size:,} cases ({time.perf_counter() - start:.0f} s to fill)", flush=True)
        return cls(app, size, filed, digests)

    def measure(self, runs: int) -> None:
        """Time POST /status (the whole view) and cases.find_case alone, over the filed tokens."""
        client = self.app.test_client()
        turn = iter(range(10**9))

        def status() -> None:
            response = client.post("/status", data={"token": self.filed[next(turn) % len(self.filed)]})
            assert response.status_code == 200  # noqa: S101  (a broken bench, not a timing)

        with self.app.app_context():
            session = db.get_session()

            def find() -> None:
                session.expunge_all()  # a fresh request has an empty identity map
                cases.find_case(session, self.digests[next(turn) % len(self.digests)])

            self.find_ms += samples(find, runs * 4, warm=True)
        self.status_ms += samples(status, runs, warm=True)


def measure(label: str, urls: list[str], folder: Path, sizes: list[int], runs: int, rounds: int = 5) -> list[Row]:
    """Fill one database per size, then time them in turns, so that a drifting load hits both alike."""
    instances = [Instance.make(label, url, folder / str(size), size) for url, size in zip(urls, sizes, strict=True)]
    for _round in range(rounds):
        for instance in instances:
            instance.measure(max(1, runs // rounds))
    for instance in instances:
        instance.app.extensions["hotline.engine"].dispose()
        print(
            f"  {label} at {instance.size:>9,}: POST /status p50 {percentile(instance.status_ms, 0.5):.2f} ms,"
            f" find_case p50 {percentile(instance.find_ms, 0.5):.3f} ms",
            flush=True,
        )
    small, large = instances[0], instances[-1]
    status = percentile(small.status_ms, 0.5), percentile(large.status_ms, 0.5)
    found = percentile(small.find_ms, 0.5), percentile(large.find_ms, 0.5)
    ratio = status[1] / status[0]
    return [
        Row(
            "b",
            f"POST /status p50 at {small.size:,} / {large.size:,} cases ({label})",
            f"{status[0]:.2f} / {status[1]:.2f} ms = {ratio:.2f}x",
            f"<= {TARGET}x",
            ratio <= TARGET,
        ),
        Row("b", f"find_case p50 at {small.size:,} / {large.size:,} ({label})", f"{found[0]:.3f} / {found[1]:.3f} ms"),
    ]


def run(quick: bool = False, argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    options = parser.parse_args(argv or [])
    if quick:
        options.cases, options.runs = min(options.cases, 100_000), 50
    print(f"(b) status lookup at 1,000 and {options.cases:,} cases", flush=True)
    rows: list[Row] = []
    sizes = [1000, options.cases]
    with tempfile.TemporaryDirectory() as folder:
        urls = [database_urls(Path(folder) / str(size)) for size in sizes]  # one database per size
        try:
            for number, (label, _url) in enumerate(urls[0]):
                each = [by_size[number][1] for by_size in urls]
                rows += measure(label, each, Path(folder) / label, sizes, options.runs)
        finally:
            for by_size in urls:
                cleanup(by_size)
    return rows


if __name__ == "__main__":
    print_rows(run(argv=sys.argv[1:]))
