"""Supervision at scale: 10,000 placements, each with a year of check-ins and its plan of contact moments.

Run alone: python -m tests.benchmarks.bench_supervision [--runs 5] [--quick]
Fills a portal database (SQLite in a temporary folder) with 10,000 placements of one programme under 100
supervisors, each with 26 check-ins (every 14 days for a year, most answered) and 11 contact moments. Prints
the time of a supervisor's list (what the signals page does: raise their placements' new signals, then list their
placements and open signals), the coordinator's overview of the programme, computing every signal (the first
time, and again: idempotent), a supervisor's calendar feed and the daily reminder run's query. Nobody handles a
signal here, so some 24 per placement stay open: a worst case. Beside the pages' figures it prints two floors,
single counts any live overview must make (the moments due; the open signals by kind). Prints figures; asserts
nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from hotline.institution import write_example
from hotline.portal import create_portal_app
from hotline.portal import db as portal_db
from hotline.portal.accounts.models import User
from hotline.portal.db import get_session
from hotline.portal.extensions import norms, supervision
from hotline.portal.supervision import coordinator, feeds, plans, reminders, signals
from hotline.portal.supervision.models import CheckIn, ContactMoment, Placement, Signal
from tests.benchmarks.timing import Row, print_rows, timed

PLACEMENTS, SUPERVISORS, CHECKINS, EVERY = 10_000, 100, 26, 14
START, TODAY = dt.date(2026, 1, 5), dt.date(2026, 12, 29)
PAGE_MS, PAGE_TARGET = 100, "< 100 ms"  # the aim for a page
KINDS = ["start", "return_day", "return_day", "return_day", "middle", "return_day", "return_day", "return_day"]


def fill(rng: random.Random, placements: int, supervisors: int) -> None:
    """Insert supervisors, students, placements, their moments and a year of check-ins, in bulk."""
    session = get_session()
    users: list[dict[str, Any]] = [
        {"id": f"d{i:04d}", "role": "supervisor", "name": f"Docent {i}", "active": True, "created_on": START}
        for i in range(supervisors)
    ]
    rows: list[dict[str, Any]] = []
    moments: list[dict[str, Any]] = []
    checkins: list[dict[str, Any]] = []
    for i in range(placements):
        student, placement = f"s{i:05d}", f"p{i:05d}"
        users.append({"id": student, "role": "student", "name": f"Student {i}", "active": True, "created_on": START})
        rows.append({"id": placement, "student_id": student, "supervisor_id": f"d{i % supervisors:04d}",
                     "programme": "hbo-ict", "host_name": f"Host {i % 2000}", "start": START,
                     "end": dt.date(2026, 12, 31), "hours_per_week": 36 * 60, "learning_goals": "Learn",
                     "checkin_days": EVERY, "created_on": START})  # fmt: skip
        for k, kind in enumerate([*KINDS, "extra", "return_day", "end"]):
            day = START + dt.timedelta(days=7 + 32 * k)
            held = day if day < TODAY and rng.random() < 0.9 else None
            moments.append({"id": f"m{i:05d}{k:02d}", "placement_id": placement, "kind": kind, "planned_on": day,
                            "requested_by_student": False, "held_on": held})  # fmt: skip
        for k in range(CHECKINS):
            due = START + dt.timedelta(days=EVERY * (k + 1))
            answered = due < TODAY and rng.random() < 0.85
            values = (
                {
                    "answered_on": due,
                    "hours": rng.choice((32, 36, 40, 44)) * 60,
                    "longest_day": 9 * 60,
                    "night_work": False,
                    "supervised": rng.random() < 0.95,
                    "tasks_fit": rng.randint(2, 5),
                    "safe": rng.choice((2, 4, 5, 5, 5)),
                    "discuss": False,
                    "note": None,
                }
                if answered
                else {}
            )
            checkins.append({"id": f"c{i:05d}{k:02d}", "placement_id": placement, "due_on": due} | values)  # fmt: skip
    session.execute(insert(User), users)
    session.execute(insert(Placement), rows)
    session.execute(insert(ContactMoment), [{"form": None, "summary": None} | m for m in moments])
    keys = ("answered_on", "hours", "longest_day", "night_work", "supervised", "tasks_fit", "safe", "discuss", "note")
    session.execute(insert(CheckIn), [dict.fromkeys(keys) | c for c in checkins])
    session.commit()


def run(quick: bool, runs: int) -> list[Row]:
    """Fill a portal, time the supervisor's list, the overview, all signals, a feed and the reminders."""
    scale = 10 if quick else 1
    count = PLACEMENTS // scale
    with tempfile.TemporaryDirectory() as folder:
        os.environ["HOTLINE_INSTANCE"] = folder
        write_example(Path(folder))
        portal = create_portal_app(
            {"TESTING": True, "WTF_CSRF_ENABLED": False, "PATH": "/", "DATABASE_URL": f"sqlite:///{folder}/p.sqlite3"}
        )
        portal_db.upgrade(portal)
        with portal.app_context():
            started = time.perf_counter()
            fill(random.Random(7), count, SUPERVISORS // scale)  # noqa: S311  (made-up data, reproducible)
            print(f"filled {count:,} placements in {time.perf_counter() - started:.1f} s", flush=True)
            session = get_session()

            def compute() -> None:
                signals.compute_all(get_session(), Placement.id.is_not(None), supervision(), norms(), TODAY)
                get_session().commit()

            first = timed(f"signals.compute_all, {count:,} placements (first)", compute, 1)
            again = timed(f"signals.compute_all, {count:,} placements (again)", compute, 1)
            session.expunge_all()
            docent = session.get(User, "d0000")
            assert docent is not None

            def supervisor_list() -> None:  # what the signals page does: raise what is new, then list
                signals.compute_all(get_session(), Placement.supervisor_id == docent.id, supervision(), norms(), TODAY)
                get_session().commit()
                plans.placements_of_supervisor(get_session(), docent)
                signals.open_for_supervisor(get_session(), docent)

            listed = timed("a supervisor's placements and open signals", supervisor_list, runs, warm=True)
            overview = timed(
                "coordinator.overview, the programme",
                lambda: coordinator.overview(get_session(), "hbo-ict", TODAY),
                runs,
                warm=True,
            )
            feed = timed(
                "a supervisor's calendar feed (events and .ics)",
                lambda: feeds.calendar(feeds.events(get_session(), docent), "x", "https://x.example", feeds.now()),
                runs,
                warm=True,
            )
            due = timed(
                "reminders.due, the daily run",
                lambda: reminders.due(get_session(), TODAY, supervision().remind_again_days),
                runs,
                warm=True,
            )
            # The floor of a live overview: the one count any implementation must make, the programme's moments due.
            floor_query = (
                select(func.count())
                .select_from(ContactMoment)
                .join(Placement)
                .where(Placement.programme == "hbo-ict", ContactMoment.kind != "return_day")
                .where(ContactMoment.planned_on <= TODAY)
            )
            floor = timed("floor: counting the moments due", lambda: get_session().scalar(floor_query), runs, warm=True)
            open_query = (
                select(Signal.kind, func.count())
                .join(Placement)
                .where(Placement.programme == "hbo-ict", Signal.handled_on.is_(None))
                .group_by(Signal.kind)
            )
            open_floor = timed(
                "floor: open signals by kind", lambda: get_session().execute(open_query).all(), runs, warm=True
            )
        portal.extensions[portal_db.ENGINE].dispose()
    return [
        Row("supervision", f"compute all signals, {count:,} placements (first)", f"{first:.0f} ms"),
        Row("supervision", "compute all signals again (nothing new)", f"{again:.0f} ms"),
        Row("supervision", "supervisor's list (median)", f"{listed:.1f} ms", PAGE_TARGET, listed < PAGE_MS),
        Row("supervision", "coordinator overview (median)", f"{overview:.1f} ms", PAGE_TARGET, overview < PAGE_MS),
        Row("supervision", "floor: one count of the moments due", f"{floor:.1f} ms"),
        Row("supervision", "floor: open signals counted by kind", f"{open_floor:.1f} ms"),
        Row("supervision", "supervisor's calendar feed (median)", f"{feed:.1f} ms"),
        Row("supervision", "reminders.due (median)", f"{due:.1f} ms"),
    ]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench_supervision")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    options = parser.parse_args(argv)
    print_rows(run(options.quick, options.runs))


if __name__ == "__main__":
    main(sys.argv[1:])
