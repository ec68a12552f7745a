"""The statistics page at 1,000,000 cases and 100,000 placements: its server time and the JSON export's.

Run alone: python -m tests.benchmarks.bench_statistics [--cases N] [--placements N] [--quick]
Fills a fresh SQLite database (and PostgreSQL when HOTLINE_BENCH_DATABASE_URL is set) with cases over two years,
as bench_inbox does, and one portal database (SQLite) with placements over the same two years: a student, a
learning wish, a proposal from a monthly matching round, a placement with three contact moments, and some
signals each. Times, for the year 2025:
- settled (today 1 June 2026: every quarter of 2025 has settled): the first page, which counts the quarters
  one last time and keeps them (statistics.settled), then the page and one table's JSON download with the cache
  off and on;
- provisional (today 15 January 2026: Q3 and Q4 are still provisional and counted on every view): the page with
  the cache off, the worst case;
- the parts: counting the hotline's year, counting the portal's, disclosure control over every cell at once;
- the floor: the one GROUP BY any live count of a year of cases must run.
Target: the page under 200 ms without a cache. Figures only; no assertions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import delete, func, insert, select

from hotline import db, demo
from hotline.extensions import routing
from hotline.models import Case, SettledQuarter
from hotline.portal import create_portal_app
from hotline.portal import db as portal_db
from hotline.portal.accounts.models import User
from hotline.portal.extensions import catalogue
from hotline.portal.placements.models import Host, MatchingRound, Offer, OfferProgramme, Proposal, Wish
from hotline.portal.supervision.models import ContactMoment, Placement, Signal
from hotline.statistics import hotline_counts, portal_counts, publication, views
from hotline.statistics.hotline_counts import quarter_of
from hotline.statistics.quarters import of_year
from tests.benchmarks import bench_inbox
from tests.benchmarks.instance import cleanup, database_urls
from tests.benchmarks.timing import Row, print_rows, timed

YEAR, TARGET_MS = 2025, 200
SETTLED, PROVISIONAL = bench_inbox.TODAY, dt.date(2026, 1, 15)  # 2025 all settled; 2025 Q3 and Q4 not yet
PORTAL_URL = "HOTLINE_PORTAL_DATABASE_URL"


def fill_portal(url: str, placements: int) -> None:
    """Fill a portal database with placements over the two years before bench_inbox.TODAY, in bulk."""
    rng = random.Random(11)  # noqa: S311  (made-up data, reproducible)
    portal = create_portal_app({"TESTING": True, "DATABASE_URL": url, "PATH": "/"})
    portal_db.upgrade(portal)
    with portal.app_context():
        session = portal_db.get_session()
        found = catalogue()
        programmes, reasons = list(found.programmes), list(found.decline_reasons)
        first = bench_inbox.TODAY - dt.timedelta(days=730)
        users: list[dict[str, Any]] = [{"id": "office", "role": "office", "name": "Bureau", "active": True,
                                        "created_on": first}]  # fmt: skip
        users += [{"id": f"d{i:04d}", "role": "supervisor", "name": f"Docent {i}", "active": True,
                   "created_on": first} for i in range(placements // 100)]  # fmt: skip
        hosts = [{"id": f"h{i:05d}", "name": f"Host {i}", "sector": "ict", "region": list(found.regions)[0],
                  "created_on": first}
                 for i in range(placements // 80)]  # fmt: skip
        offers = [{"id": f"o{j:05d}", "host_id": hosts[j % len(hosts)]["id"], "title": f"Offer {j}", "tasks": "Tasks",
                   "start": first, "end": bench_inbox.TODAY, "hours_per_week": 36 * 60, "places": 20,
                   "status": "published", "created_on": first, "published_on": first}
                  for j in range(placements // 20)]  # fmt: skip
        rounds = [{"id": f"r{m:031d}", "programme": programmes[m % len(programmes)], "seed": "00",
                   "run_at": dt.datetime.combine(first + dt.timedelta(days=30 * m), dt.time(10)), "run_by": "office"}
                  for m in range(24)]  # fmt: skip
        wishes, proposals, placed, moments, signals = [], [], [], [], []
        for i in range(placements):
            student, month = f"s{i:06d}", rng.randrange(24)
            start = first + dt.timedelta(days=30 * month + rng.randrange(30, 90))
            programme = programmes[i % len(programmes)]
            users.append({"id": student, "role": "student", "name": f"Student {i}", "active": True,
                          "created_on": first})  # fmt: skip
            wishes.append({"id": f"w{i:06d}", "student_id": student, "programme": programme, "goals": "Learn",
                           "start": start, "end": start + dt.timedelta(days=140), "hours": 36,
                           "updated_on": first})  # fmt: skip
            roll = rng.random()
            status = "accepted" if roll < 0.8 else "declined" if roll < 0.9 else "proposed"
            decided = rounds[month]["run_at"].date() + dt.timedelta(days=rng.randrange(1, 30))
            proposals.append({"id": f"p{i:031d}", "round_id": rounds[month]["id"], "student_id": student,
                              "offer_id": offers[i % len(offers)]["id"], "lottery": i, "status": status,
                              "decline_reason": rng.choice(reasons) if status == "declined" else None,
                              "decided_on": decided if status != "proposed" else None})  # fmt: skip
            supervisor = f"d{i % (placements // 100):04d}"
            placed.append({"id": f"pl{i:06d}", "student_id": student, "supervisor_id": supervisor,
                           "programme": programme, "host_name": "Host", "start": start,
                           "end": start + dt.timedelta(days=140), "hours_per_week": 36 * 60, "learning_goals": "Learn",
                           "checkin_days": 14, "created_on": start})  # fmt: skip
            for k, kind in enumerate(("start", "middle", "end")):
                day = start + dt.timedelta(days=7 + 60 * k)
                held = day + dt.timedelta(days=rng.choice((0, 0, 0, 3))) if day < bench_inbox.TODAY else None
                moments.append({"id": f"m{i:06d}{k}", "placement_id": f"pl{i:06d}", "kind": kind, "planned_on": day,
                                "requested_by_student": False, "held_on": held, "form": None,
                                "summary": None})  # fmt: skip
            if rng.random() < 0.3:
                handled = None if rng.random() < 0.5 else start + dt.timedelta(days=25)
                kind = rng.choice(("hours_law", "unsafe", "unsupervised", "tasks_off"))
                signals.append({"id": f"g{i:06d}", "placement_id": f"pl{i:06d}", "kind": kind,
                                "raised_on": start + dt.timedelta(days=20), "handled_on": handled})  # fmt: skip
        tables = ((User, users), (Host, hosts), (Offer, offers), (MatchingRound, rounds), (Wish, wishes),
                  (Proposal, proposals), (Placement, placed), (ContactMoment, moments), (Signal, signals))  # fmt: skip
        for model, rows in tables:
            for at in range(0, len(rows), 20_000):
                session.execute(insert(model), rows[at : at + 20_000])
        session.execute(
            insert(OfferProgramme), [{"offer_id": o["id"], "programme": p} for o in offers for p in programmes]
        )
        session.commit()
    portal.extensions[portal_db.ENGINE].dispose()


def forget(app: Flask) -> None:
    """Drop the kept quarters, so that the next page counts and keeps them again."""
    with app.app_context():
        session = db.get_session()
        session.execute(delete(SettledQuarter))
        session.commit()


def measure(app: Flask, label: str, runs: int) -> list[Row]:
    """Time the page and a download with the cache off and on, their parts, and the floor."""
    client = app.test_client()
    rows = []
    views.today = lambda: SETTLED  # type: ignore[assignment]  # the bench's own today
    app.config["STATISTICS_CACHE_SECONDS"] = 0

    def first_view() -> None:
        forget(app)
        client.get(f"/statistics?year={YEAR}")

    first = timed(f"{label}: the first page of a settled year (counts and keeps)", first_view, max(1, runs // 2))
    rows.append(Row("stats", f"first page of a settled year, counting and keeping it ({label})", f"{first:.1f} ms"))
    for keep, state in ((0, "off"), (600, "on")):
        app.config["STATISTICS_CACHE_SECONDS"] = keep
        page = timed(f"{label}: the page, cache {state}", lambda: client.get(f"/statistics?year={YEAR}"), runs,
                     warm=True)  # fmt: skip
        export = timed(f"{label}: category.json, cache {state}",
                       lambda: client.get(f"/statistics/{YEAR}/category.json"), runs, warm=True)  # fmt: skip
        rows += [
            Row(
                "stats",
                f"statistics page, settled year, cache {state} ({label})",
                f"{page:.1f} ms",
                f"< {TARGET_MS} ms",
                page < TARGET_MS if keep == 0 else None,
            ),  # fmt: skip
            Row("stats", f"JSON export, settled year, cache {state} ({label})", f"{export:.1f} ms"),
        ]
    views.today = lambda: PROVISIONAL  # type: ignore[assignment]
    app.config["STATISTICS_CACHE_SECONDS"] = 0
    forget(app)
    live = timed(f"{label}: the page, Q3 and Q4 provisional, cache off",
                 lambda: client.get(f"/statistics?year={YEAR}"), runs, warm=True)  # fmt: skip
    rows.append(Row("stats", f"statistics page, two quarters provisional, cache off ({label})", f"{live:.1f} ms"))
    views.today = lambda: SETTLED  # type: ignore[assignment]
    with app.test_request_context():
        session, quarters = db.get_session(), of_year(YEAR)
        counted = hotline_counts.counts(session, quarters)
        counting = timed(f"{label}: hotline_counts.counts", partial(hotline_counts.counts, session, quarters), runs)
        instance = Path(app.instance_path)
        portal = timed(f"{label}: portal_counts.count", partial(portal_counts.count, instance, quarters, SETTLED), runs)
        portal_found = portal_counts.counts(instance, quarters, SETTLED)
        names = views.programmes()
        protecting = timed(f"{label}: publication.build (disclosure control)",
                           lambda: publication.build(counted, YEAR, routing(), names, 5, portal_found),
                           runs)  # fmt: skip
        quarter = quarter_of(quarters)
        floor_query = (
            select(quarter, Case.category, Case.programme, func.count())
            .where(Case.received_on >= quarters[0].start, Case.received_on <= quarters[-1].end)
            .group_by(quarter, Case.category, Case.programme)
        )
        floor = timed(f"{label}: floor, one GROUP BY over the year", lambda: session.execute(floor_query).all(), runs)
        placed = sum(portal_found.found.values()) if portal_found else 0
        print(f"  {label}: {sum(counted.totals.values()):,} cases and {placed:,} placed students in {YEAR}", flush=True)
    return rows + [
        Row("stats", f"its counting of the hotline's year ({label})", f"{counting:.1f} ms"),
        Row("stats", f"its counting of the portal's year ({label})", f"{portal:.1f} ms"),
        Row("stats", f"its disclosure control ({label})", f"{protecting:.1f} ms"),
        Row("stats", f"floor: one GROUP BY over a year of cases ({label})", f"{floor:.1f} ms"),
    ]


def run(quick: bool = False, argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--placements", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args(argv or [])
    if quick:
        options.cases, options.placements = min(options.cases, 50_000), min(options.placements, 5_000)
    print(f"statistics at {options.cases:,} cases and {options.placements:,} placements", flush=True)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as folder:
        urls = database_urls(Path(folder))
        before = os.environ.get(PORTAL_URL)
        os.environ[PORTAL_URL] = f"sqlite:///{Path(folder) / 'portal.sqlite3'}"
        try:
            started = time.perf_counter()
            fill_portal(os.environ[PORTAL_URL], options.placements)
            print(f"portal: {options.placements:,} placements in {time.perf_counter() - started:.1f} s", flush=True)
            for label, url in urls:
                app = bench_inbox.make_app(url, Path(folder) / label)
                db.upgrade(app)
                with app.app_context():
                    session = db.get_session()
                    for slug, name, name_en, kind in demo.DESTINATIONS:
                        demo.add_destination(session, slug, name, kind, name_en)
                    started = time.perf_counter()
                    bench_inbox.fill(session, options.cases)
                    print(f"{label}: {options.cases:,} cases in {time.perf_counter() - started:.1f} s", flush=True)
                rows += measure(app, label, options.runs)
                app.extensions["hotline.engine"].dispose()
        finally:
            cleanup(urls)
            if before is None:
                os.environ.pop(PORTAL_URL, None)
            else:
                os.environ[PORTAL_URL] = before
    return rows


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--quick", action="store_true")
    known, rest = parser.parse_known_args(argv)
    print_rows(run(known.quick, rest))


if __name__ == "__main__":
    main(sys.argv[1:])
