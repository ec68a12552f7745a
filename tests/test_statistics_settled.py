"""Settled quarters: once a quarter's answers can no longer change, its counts are kept and stop moving."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select
from test_casework_authz import add_case
from test_portal_figures import TODAY as PORTAL_TODAY
from test_portal_figures import add_year
from test_statistics_page import DAY, cells
from test_statistics_page import year as year  # noqa: F401  (the fixture: 17 reports in 2026 Q1, 13 in Q2)

from hotline.models import Case, CaseRoute, SettledQuarter
from hotline.portal.db import get_session as portal_session
from hotline.portal.placements.models import Wish
from hotline.statistics import settled, views
from hotline.statistics.quarters import Quarter, of_year


def kept(session: Any) -> dict[tuple[str, str], dict[str, Any]]:
    session.rollback()
    return {(r.quarter, r.source): json.loads(r.figures) for r in session.scalars(select(SettledQuarter))}


def test_a_quarter_settles_the_day_after_its_last_feedback_deadline() -> None:
    assert settled.settles_on(Quarter(2026, 1), 3) == dt.date(2026, 7, 1)  # 31 March + 3 months = 30 June
    assert settled.settles_on(Quarter(2026, 4), 3) == dt.date(2027, 4, 1)
    assert settled.settles_on(Quarter(2026, 3), 1) == dt.date(2026, 10, 31)  # 30 Sep + 1 month = 30 Oct


def test_a_settled_quarter_is_kept_and_no_longer_moves_while_a_provisional_one_does(
    client: FlaskClient, year: int, session: Any
) -> None:
    client.application.config["STATISTICS_CACHE_SECONDS"] = 0
    page = client.get("/statistics").get_data(as_text=True)  # today 15 July 2026: Q1 has settled, Q2 not yet
    assert 'data-provisional="2026Q2"' in page and 'data-provisional="2026Q1"' not in page
    assert "K2 (voorlopig)" in page and "K1 (voorlopig)" not in page and "1 oktober 2026" in page
    [(key, doc)] = kept(session).items()
    assert key == ("2026Q1", "hotline")  # no portal database here, and Q2 is not kept
    assert sum(n for _c, _p, n in doc["cube"]) == 17 and "DAY" not in json.dumps(doc)
    assert set(doc) == {"cube", "labour", "acknowledged_in_time", "feedback_in_time", "closed", "days_to_acknowledge"}
    gone = list(session.scalars(select(Case.id).where(Case.received_on == DAY)))
    session.execute(delete(CaseRoute).where(CaseRoute.case_id.in_(gone)))  # as a purge would
    session.execute(delete(Case).where(Case.id.in_(gone)))
    session.commit()
    add_case(session, "hbo-ict", dt.date(2026, 5, 4))
    again = client.get("/statistics").get_data(as_text=True)
    assert cells(again, "total", "reports") == {"2026Q1": "17", "2026Q2": "14", "year": "31"}
    answered = client.get("/statistics/2026/answers.json").get_json()["rows"]
    assert {r["period"]: r["provisional"] for r in answered} == {"2026Q1": False, "2026Q2": True, "2026": True}


def test_nothing_is_kept_before_the_quarter_settles(
    client: FlaskClient, year: int, session: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.application.config["STATISTICS_CACHE_SECONDS"] = 0
    monkeypatch.setattr(views, "today", lambda: dt.date(2026, 6, 30))
    page = client.get("/statistics").get_data(as_text=True)
    assert 'data-provisional="2026Q1"' in page and kept(session) == {}
    add_case(session, "hbo-ict", DAY)
    assert cells(client.get("/statistics").get_data(as_text=True), "total", "reports")["2026Q1"] == "18"
    monkeypatch.setattr(views, "today", lambda: dt.date(2026, 7, 1))
    assert cells(client.get("/statistics").get_data(as_text=True), "total", "reports")["2026Q1"] == "18"
    assert set(kept(session)) == {("2026Q1", "hotline")}


def test_a_purge_keeps_the_figures_of_the_settled_quarters_first(
    client: FlaskClient, session: Any, runner: Any
) -> None:
    for number in range(6):  # closed long ago: past the retention period of 365 days
        add_case(session, "hbo-ict", dt.date(2025, 1, 15), status="closed", closed_on=dt.date(2025, 1, 20),
                 acknowledged_on=dt.date(2025, 1, 16 + number % 2))  # fmt: skip
    result = runner("purge")
    assert result.exit_code == 0, result.output
    assert "kept the published figures of 2025Q1" in result.output and "purged 6 case(s)" in result.output
    session.rollback()
    assert session.scalars(select(Case)).all() == []
    page = client.get("/statistics?year=2025").get_data(as_text=True)
    assert cells(page, "total", "reports")["year"] == "6"  # the quarter's own cell is hidden: the rest are 0
    assert sum(n for _c, _p, n in kept(session)["2025Q1", "hotline"]["cube"]) == 6
    assert runner("purge").output.count("kept the published figures") == 0  # once is enough


def test_the_portal_figures_of_a_settled_quarter_are_kept_too(
    app: Flask, portal: Flask, session: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_year(portal)  # three students sought a place starting in 2026 Q1, one in Q2
    quarters = [q for q in of_year(2026) if q.end < PORTAL_TODAY]
    instance = Path(app.instance_path)
    first = settled.gather(session, instance, quarters, PORTAL_TODAY, 3)
    assert first.portal is not None and first.portal.sought == {("2026Q1", "hbo-ict"): 3, ("2026Q2", "hbo-ict"): 1}
    assert set(kept(session)) == {("2026Q1", "hotline"), ("2026Q1", "portal")}
    with portal.app_context():
        for wish in portal_session().scalars(select(Wish)):
            wish.start = dt.date(2027, 2, 1)
        portal_session().commit()
    again = settled.gather(session, instance, quarters, PORTAL_TODAY, 3)
    assert again.portal is not None and again.portal.sought == {("2026Q1", "hbo-ict"): 3}  # Q1 kept, Q2 afresh
    assert again.portal.programmes["hbo-ict"]["nl"] and again.provisional == ("2026Q2",)
