"""The statistics page at 1,000,000 cases: its server time and the JSON export's, with the cache off and on.

Run alone: python -m tests.benchmarks.bench_statistics [--cases N] [--quick]
Fills a fresh SQLite database (and PostgreSQL when HOTLINE_BENCH_DATABASE_URL is set) with cases over two years,
as bench_inbox does, and times for the year 2025 (four ended quarters): the page, one table's JSON download, and
their parts (the counting queries, disclosure control over every cell at once). Beside them the floor: the one
GROUP BY any live statistics must run over a year of cases. The portal's figures are not on the page yet.
Target: the page under 200 ms without a cache. Figures only; no assertions.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from functools import partial
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from hotline import db, demo
from hotline.extensions import routing
from hotline.models import Case
from hotline.statistics import hotline_counts, publication, views
from hotline.statistics.hotline_counts import quarter_of
from hotline.statistics.quarters import of_year
from tests.benchmarks import bench_inbox
from tests.benchmarks.instance import cleanup, database_urls
from tests.benchmarks.timing import Row, print_rows, timed

YEAR, TARGET_MS = 2025, 200


def measure(app: Flask, label: str, runs: int) -> list[Row]:
    """Time the page and a download with the cache off and on, their parts, and the floor."""
    views.today = lambda: bench_inbox.TODAY  # type: ignore[assignment]  # the bench's own today: 2025 has ended
    client = app.test_client()
    rows = []
    for keep, state in ((0, "off"), (600, "on")):
        app.config["STATISTICS_CACHE_SECONDS"] = keep
        page = timed(f"{label}: the page, cache {state}", lambda: client.get(f"/statistics?year={YEAR}"), runs,
                     warm=True)  # fmt: skip
        export = timed(f"{label}: category.json, cache {state}",
                       lambda: client.get(f"/statistics/{YEAR}/category.json"), runs, warm=True)  # fmt: skip
        rows += [
            Row(
                "stats",
                f"statistics page, cache {state} ({label})",
                f"{page:.1f} ms",
                f"< {TARGET_MS} ms",
                page < TARGET_MS if keep == 0 else None,
            ),  # fmt: skip
            Row("stats", f"JSON export, cache {state} ({label})", f"{export:.1f} ms"),
        ]
    with app.test_request_context():
        session, quarters = db.get_session(), of_year(YEAR)
        counted = hotline_counts.counts(session, quarters)
        counting = timed(f"{label}: hotline_counts.counts", partial(hotline_counts.counts, session, quarters), runs)
        names = views.programmes()
        protecting = timed(f"{label}: publication.build (disclosure control)",
                           lambda: publication.build(counted, YEAR, routing(), names, 5), runs)  # fmt: skip
        quarter = quarter_of(quarters)
        floor_query = (
            select(quarter, Case.category, Case.programme, func.count())
            .where(Case.received_on >= quarters[0].start, Case.received_on <= quarters[-1].end)
            .group_by(quarter, Case.category, Case.programme)
        )
        floor = timed(f"{label}: floor, one GROUP BY over the year", lambda: session.execute(floor_query).all(), runs)
        print(f"  {label}: {sum(counted.totals.values()):,} cases in {YEAR}", flush=True)
    return rows + [
        Row("stats", f"its counting queries ({label})", f"{counting:.1f} ms"),
        Row("stats", f"its disclosure control ({label})", f"{protecting:.1f} ms"),
        Row("stats", f"floor: one GROUP BY over a year ({label})", f"{floor:.1f} ms"),
    ]


def run(quick: bool = False, argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args(argv or [])
    if quick:
        options.cases = min(options.cases, 50_000)
    print(f"statistics at {options.cases:,} cases", flush=True)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as folder:
        urls = database_urls(Path(folder))
        try:
            for label, url in urls:
                app = bench_inbox.make_app(url, Path(folder) / label)
                db.upgrade(app)
                with app.app_context():
                    session = db.get_session()
                    for slug, name, name_en, kind in demo.DESTINATIONS:
                        demo.add_destination(session, slug, name, kind, name_en)
                    bench_inbox.fill(session, options.cases)
                rows += measure(app, label, options.runs)
                app.extensions["hotline.engine"].dispose()
        finally:
            cleanup(urls)
    return rows


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--quick", action="store_true")
    known, rest = parser.parse_known_args(argv)
    print_rows(run(known.quick, rest))


if __name__ == "__main__":
    main(sys.argv[1:])
