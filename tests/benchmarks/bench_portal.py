"""The placements office at scale: a whole matching round through the portal, and the shortage page.

Run alone: python -m tests.benchmarks.bench_portal [--runs 3] [--quick]
Fills a portal database (SQLite in a temporary folder) with 10,000 students of one programme, each with a
learning wish and a ranking of 10 of 2,000 published offers (5,000 places, skewed popularity), and an
office account. Prints the time and the peak memory (tracemalloc) of rounds.run() — reading the wishes,
rankings and free places, the fits, deferred acceptance, and writing the proposals — and the median server
time of GET /office/shortages at that size. Targets: a round under 2 s, a page under 100 ms.
Prints figures; asserts nothing (tests/benchmarks/bench_matching.py times the pure round alone).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from sqlalchemy import delete, insert

from hotline.institution import write_example
from hotline.portal import create_portal_app
from hotline.portal import db as portal_db
from hotline.portal.accounts import service
from hotline.portal.db import get_session
from hotline.portal.extensions import catalogue
from hotline.portal.placements import rounds
from hotline.portal.placements.models import (
    Host,
    MatchingRound,
    Offer,
    OfferArea,
    OfferProgramme,
    Proposal,
    Ranking,
    Wish,
    WishArea,
)
from tests.benchmarks.timing import Row, print_rows, timed

STUDENTS, OFFERS, PLACES, CHOICES = 10_000, 2_000, 5_000, 10


def fill(rng: random.Random, students: int, offers: int, places: int) -> None:
    """Insert hosts, published offers, students with wishes and rankings, in bulk."""
    session = get_session()
    programme = "hbo-ict"
    areas = list(catalogue().programmes[programme].areas)
    regions = list(catalogue().regions)
    today = dt.date(2026, 12, 1)
    hosts = [
        {"id": f"h{i:05d}", "name": f"Host {i}", "sector": "ict", "region": rng.choice(regions), "created_on": today}
        for i in range(offers // 4)
    ]
    session.execute(insert(Host), hosts)
    counts = [1] * offers
    for j in rng.choices(range(offers), k=places - offers):
        counts[j] += 1
    offer_rows, programme_rows, area_rows = [], [], []
    for j in range(offers):
        start = dt.date(2027, 2, 1) + dt.timedelta(weeks=rng.randint(0, 8))
        offer_rows.append(
            {
                "id": f"o{j:05d}",
                "host_id": hosts[j % len(hosts)]["id"],
                "title": f"Offer {j}",
                "tasks": "Tasks",
                "start": start,
                "end": start + dt.timedelta(weeks=20),
                "hours_per_week": rng.choice((32, 36, 40)) * 60,
                "places": counts[j],
                "status": "published",
                "created_on": today,
                "published_on": today,
            }  # fmt: skip
        )
        programme_rows.append({"offer_id": f"o{j:05d}", "programme": programme})
        area_rows += [{"offer_id": f"o{j:05d}", "area": a} for a in rng.sample(areas, 2)]
    session.execute(insert(Offer), offer_rows)
    session.execute(insert(OfferProgramme), programme_rows)
    session.execute(insert(OfferArea), area_rows)
    popularity = [1 / (j + 1) ** 0.7 for j in range(offers)]
    users, wishes, wish_areas, rankings = [], [], [], []
    for i in range(students):
        student = f"s{i:05d}"
        users.append({"id": student, "role": "student", "name": f"Student {i}", "active": True, "created_on": today})
        wishes.append({"id": f"w{i:05d}", "student_id": student, "programme": programme, "goals": "Learn",
                       "start": dt.date(2027, 2, 1), "end": dt.date(2027, 7, 1), "hours": 36,
                       "updated_on": today})  # fmt: skip
        wish_areas += [
            {"wish_id": f"w{i:05d}", "rank": r, "area": a} for r, a in enumerate(rng.sample(areas, 3), start=1)
        ]
        ranked: dict[int, None] = {}
        while len(ranked) < CHOICES:
            ranked.update(dict.fromkeys(rng.choices(range(offers), popularity, k=CHOICES - len(ranked))))
        rankings += [{"student_id": student, "offer_id": f"o{j:05d}", "rank": r} for r, j in enumerate(ranked, start=1)]
    from hotline.portal.accounts.models import User

    session.execute(insert(User), users)
    session.execute(insert(Wish), wishes)
    session.execute(insert(WishArea), wish_areas)
    session.execute(insert(Ranking), rankings)
    session.commit()


def undo_round() -> None:
    session = get_session()
    session.execute(delete(Proposal))
    session.execute(delete(MatchingRound))
    session.commit()


def run(quick: bool, runs: int = 3) -> list[Row]:
    """Fill a portal, time a round (and its peak memory) and the shortage page; return the summary rows."""
    scale = 10 if quick else 1
    students, offers, places = STUDENTS // scale, OFFERS // scale, PLACES // scale
    with tempfile.TemporaryDirectory() as folder:
        os.environ["HOTLINE_INSTANCE"] = folder
        write_example(Path(folder))
        portal = create_portal_app(
            {"TESTING": True, "WTF_CSRF_ENABLED": False, "PATH": "/", "DATABASE_URL": f"sqlite:///{folder}/p.sqlite3"}
        )
        portal_db.upgrade(portal)
        with portal.app_context():
            office = service.create_local(get_session(), "office", "Office", "office", "benchmark-password")
            get_session().commit()
            started = time.perf_counter()
            fill(random.Random(7), students, offers, places)  # noqa: S311  (made-up data, reproducible)
            print(
                f"filled {students:,} students, {offers:,} offers, {places:,} places"
                f" in {time.perf_counter() - started:.1f} s",
                flush=True,
            )

            def one_round() -> None:
                rounds.run(get_session(), "hbo-ict", catalogue(), office, seed=b"benchmark")
                undo_round()

            round_ms = timed(f"rounds.run(), {students:,} students (incl. undo)", one_round, runs)
            tracemalloc.start()
            made = rounds.run(get_session(), "hbo-ict", catalogue(), office, seed=b"benchmark")
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            print(f"  placed {len(made.proposals):,} of {students:,}; peak memory {peak / 2**20:.1f} MiB", flush=True)
        client = portal.test_client()
        client.post("/login", data={"username": "office", "password": "benchmark-password"})
        page_ms = timed(
            "GET /office/shortages, after the round",
            lambda: client.get("/office/shortages").close(),
            runs * 3,
            warm=True,
        )
        portal.extensions[portal_db.ENGINE].dispose()
    return [
        Row(
            "portal",
            f"rounds.run(), {students:,} students (median)",
            f"{round_ms:.0f} ms",
            "< 2000 ms",
            round_ms < 2000,
        ),
        Row("portal", "rounds.run() peak memory (tracemalloc)", f"{peak / 2**20:.1f} MiB"),
        Row("portal", "GET /office/shortages (median)", f"{page_ms:.0f} ms", "< 100 ms", page_ms < 100),
    ]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench_portal")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    options = parser.parse_args(argv)
    print_rows(run(options.quick, options.runs))


if __name__ == "__main__":
    main(sys.argv[1:])
