"""The portal's counts per quarter for the statistics: what leaves the portal, counted by its database."""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from test_portal import person
from test_portal_rounds import add_host, add_offer, add_wish

from hotline.portal import figures
from hotline.portal.accounts.models import User
from hotline.portal.db import get_session
from hotline.portal.placements.models import MatchingRound, Proposal, Wish
from hotline.portal.supervision.models import ContactMoment, Placement, Signal

Q1 = ("2026Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31))
Q2 = ("2026Q2", dt.date(2026, 4, 1), dt.date(2026, 6, 30))
TODAY = dt.date(2026, 7, 15)


@pytest.fixture
def year(portal: Flask) -> Flask:
    return add_year(portal)


def add_year(portal: Flask) -> Flask:
    """Three students seeking internships that start in Q1, one in Q2; two placed, one declined; a plan with moments."""
    for number in range(4):
        person(portal, "student", f"s{number}", f"Student {number}")
    person(portal, "office", "bureau", "Bureau")
    with portal.app_context():
        session = get_session()
        users = {u.username: u for u in session.scalars(select(User))}
        host = add_host(session)
        offer = add_offer(session, host, "Testen")
        for number in range(4):
            add_wish(session, users[f"s{number}"].id, ("testing",), [offer])
        for wish in session.scalars(select(Wish)):
            wish.start = dt.date(2026, 4, 15) if wish.student_id == users["s3"].id else dt.date(2026, 2, 1)
        made = MatchingRound(id="r" * 32, programme="hbo-ict", seed="00", run_at=dt.datetime(2026, 1, 5, 10),
                             run_by=users["bureau"].id)  # fmt: skip
        session.add(made)
        for number, (status, decided, reason) in enumerate(
            [
                ("accepted", dt.date(2026, 1, 9), None),
                ("accepted", dt.date(2026, 1, 25), None),
                ("declined", dt.date(2026, 2, 2), "filled"),
            ]  # fmt: skip
        ):
            session.add(Proposal(id=secrets.token_hex(16), round_id=made.id, student_id=users[f"s{number}"].id,
                                 offer_id=offer.id, lottery=number, status=status, decided_on=decided,
                                 decline_reason=reason))  # fmt: skip
        placement = Placement(id="p" * 32, student_id=users["s0"].id, supervisor_id=None, programme="hbo-ict",
                              host_name="Host", start=dt.date(2026, 2, 1), end=dt.date(2026, 6, 30),
                              hours_per_week=2160, learning_goals="x", checkin_days=14,
                              created_on=dt.date(2026, 1, 9))  # fmt: skip
        session.add(placement)
        for kind, planned, held in (("start", dt.date(2026, 2, 10), dt.date(2026, 2, 10)),
                                    ("middle", dt.date(2026, 4, 1), dt.date(2026, 4, 8)),
                                    ("return_day", dt.date(2026, 3, 1), None),
                                    ("end", dt.date(2026, 6, 20), None)):  # fmt: skip
            session.add(ContactMoment(id=secrets.token_hex(16), placement_id=placement.id, kind=kind,
                                      planned_on=planned, held_on=held))  # fmt: skip
        for kind, raised, handled in (("unsafe", dt.date(2026, 2, 20), None), ("tasks_off", dt.date(2026, 2, 21),
                                      dt.date(2026, 2, 25)), ("hours_law", dt.date(2026, 5, 2), None)):  # fmt: skip
            session.add(Signal(id=secrets.token_hex(16), placement_id=placement.id, kind=kind, raised_on=raised,
                               handled_on=handled))  # fmt: skip
        session.commit()
    return portal


def test_the_quarterly_counts_are_numbers_by_code_and_nothing_else(year: Flask) -> None:
    with year.app_context():
        found = figures.quarterly(get_session(), [Q1, Q2], TODAY)
    assert found.sought == {("2026Q1", "hbo-ict"): 3, ("2026Q2", "hbo-ict"): 1}
    assert found.found == {("2026Q1", "hbo-ict"): 2}
    assert found.declines == {("2026Q1", "filled"): 1}
    assert (found.moments_due, found.moments_on_time) == ({"2026Q1": 1, "2026Q2": 2}, {"2026Q1": 1, "2026Q2": 0})
    assert found.signals == {("2026Q1", "unsafe"): 1, ("2026Q2", "hours_law"): 1}  # the handled one is not open
    assert found.days_to_placement == {"2026Q1": Counter({4: 1, 20: 1})}


def test_the_hotline_reads_them_through_one_door_that_closes_behind_it(
    year: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = figures.read(Path(year.instance_path), [Q1], TODAY)
    assert found is not None and found.sought == {("2026Q1", "hbo-ict"): 3}
    assert found.programmes["hbo-ict"]["nl"] and "filled" in found.reasons
    monkeypatch.delenv("HOTLINE_PORTAL_DATABASE_URL")  # the default: SQLite in the instance folder, not made yet
    assert figures.read(tmp_path / "nowhere", [Q1], TODAY) is None
