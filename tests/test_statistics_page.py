"""The public statistics: a year's ended quarters, small counts hidden everywhere, the same in every download."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from test_casework_authz import add_case
from test_portal_figures import add_year

from hotline.statistics import views

DAY = dt.date(2026, 2, 10)
# HBO-ICT files 14 reports in the first quarter, nursing 3: nursing's count must stay hidden everywhere.
CATEGORIES = ["discrimination.origin"] * 6 + ["misuse.tasks"] * 5 + ["discrimination.religion"] * 3


@pytest.fixture
def year(app: Flask, session: Any, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(views, "today", lambda: dt.date(2026, 7, 15))  # Q1 and Q2 have ended, Q3 has not
    for number, category in enumerate(CATEGORIES):
        acknowledged = DAY + dt.timedelta(days=2 + number % 3)
        add_case(session, "hbo-ict", DAY, category=category, acknowledged_on=acknowledged)
    for _ in range(3):
        add_case(session, "verpleegkunde", DAY, category="misuse.tasks")
    for category in ["misuse.tasks"] * 6 + ["discrimination.origin"] * 5 + ["discrimination.religion"] * 2:
        add_case(session, "hbo-ict", dt.date(2026, 5, 4), category=category)
    add_case(session, "hbo-ict", dt.date(2026, 7, 2), category="misuse.tasks")  # Q3: not over, not shown
    return 2026


def cells(page: str, table: str, row: str) -> dict[str, str]:
    """Return a table row's cells by period, as text without tags."""
    body = page.split(f'data-table="{table}"', 1)[1].split("</table>", 1)[0]
    found = re.search(rf'<tr[^>]*data-row="{re.escape(row)}">(.*?)</tr>', body, re.S)
    assert found, (table, row)
    return {
        period: re.sub(r"<[^>]+>", "", text).strip()
        for period, text in re.findall(r'data-period="([^"]+)">(.*?)</td>', found.group(1), re.S)
    }


def test_the_page_shows_the_ended_quarters_and_hides_a_small_programme(client: FlaskClient, year: int) -> None:
    page = client.get("/statistics").get_data(as_text=True)
    assert cells(page, "total", "reports") == {"2026Q1": "17", "2026Q2": "13", "year": "30"}
    nursing = cells(page, "programme", "verpleegkunde")
    assert set(nursing.values()) <= {"minder dan 5", "verborgen"} and nursing["2026Q1"] == "minder dan 5"
    assert "2026Q3" not in page
    assert ">3<" not in page.split('data-table="programme"', 1)[1].split("</table>", 1)[0]


def test_every_download_matches_the_page_and_hides_what_it_hides(client: FlaskClient, year: int, runner: Any) -> None:
    page = client.get("/statistics").get_data(as_text=True)
    exported = runner("stats", "--json", "--year", "2026")
    assert exported.exit_code == 0, exported.output
    everything = json.loads(exported.output)
    assert everything["quarters"] == ["2026Q1", "2026Q2"] and everything["threshold"] == 5
    for table in views.TABLES:
        rows = list(csv.DictReader(io.StringIO(client.get(f"/statistics/2026/{table}.csv").get_data(as_text=True))))
        shown = json.loads(client.get(f"/statistics/2026/{table}.json").get_data(as_text=True))["rows"]
        assert shown == everything["tables"][table]  # the download and `hotline stats --json` say the same
        assert [r["value"] for r in rows] == ["" if r["value"] is None else str(r["value"]) for r in shown]
        for row in rows:  # and the CSV matches the page, cell by cell
            on_page = cells(page, table, row["row"])["year" if row["period"] == "2026" else row["period"]]
            if row["status"] == "shown":
                assert on_page == row["value"]
            else:
                assert row["value"] == "" and on_page in ("minder dan 5", "verborgen")
    nursing = [r for r in everything["tables"]["programme"] if r["row"] == "verpleegkunde"]
    assert nursing and all(r["value"] is None for r in nursing)  # its 3 reports are nowhere


def test_a_year_without_an_ended_quarter_says_so(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "today", lambda: dt.date(2026, 2, 1))
    page = client.get("/statistics").get_data(as_text=True)
    assert "data-nothing-yet" in page and 'data-table="total"' not in page
    assert client.get("/statistics?year=2031").status_code == 404
    assert client.get("/statistics/2026/total.csv").status_code == 404


def test_the_transparency_page_and_the_footer_lead_to_the_figures(client: FlaskClient) -> None:
    page = client.get("/info/what-we-store").get_data(as_text=True)
    assert "data-statistics-link" in page and page.count('href="/statistics"') == 2  # the section and the footer


def test_a_worker_keeps_a_year_for_a_while_and_counts_afresh_without_the_cache(
    client: FlaskClient, year: int, session: Any
) -> None:
    first = cells(client.get("/statistics").get_data(as_text=True), "total", "reports")
    for _ in range(5):  # in the second quarter, which has ended but not settled (tests/test_statistics_settled.py)
        add_case(session, "hbo-ict", dt.date(2026, 5, 4), category="misuse.tasks")
    assert cells(client.get("/statistics").get_data(as_text=True), "total", "reports") == first  # kept
    client.application.config["STATISTICS_CACHE_SECONDS"] = 0
    again = cells(client.get("/statistics").get_data(as_text=True), "total", "reports")
    assert again["2026Q2"] == "18" and again["year"] == "35"


def test_the_charts_are_svg_with_a_title_a_description_and_hidden_counts_never_zero(
    client: FlaskClient, year: int
) -> None:
    page = client.get("/statistics").get_data(as_text=True)
    quarters = page.split('data-chart="chart-quarters"', 1)[1].split("</figure>", 1)[0]
    assert 'role="img"' in quarters and 'aria-labelledby="chart-quarters-title chart-quarters-desc"' in quarters
    assert (
        "<script" not in page and '<title id="chart-quarters-title">Meldingen per kwartaal in 2026</title>' in quarters
    )
    assert re.search(r"<desc id=\"chart-quarters-desc\">K1: 17; K2: 13</desc>", quarters)
    assert 'href="#table-total"' in quarters and 'id="table-total"' in page
    groups = page.split('data-chart="chart-groups"', 1)[1].split("</figure>", 1)[0]
    hidden = groups.count('class="meldpunt-chart__bar meldpunt-chart__bar--hidden"')
    assert hidden >= 2  # harassment and labour rights had no reports: hidden, drawn empty, not as a zero bar
    assert groups.count('class="meldpunt-chart__value meldpunt-chart__value--hidden"') == hidden  # each says so
    assert not re.search(r'class="meldpunt-chart__value"[^>]*>0<', groups)


def test_the_yearly_report_has_the_same_figures_without_the_pages_tools(client: FlaskClient, year: int) -> None:
    page = client.get("/statistics").get_data(as_text=True)
    assert 'href="/statistics/2026/report"' in page
    printed = client.get("/statistics/2026/report").get_data(as_text=True)
    assert "Jaarverslag meldingen 2026" in printed and "data-report" in printed
    assert "meldpunt-downloads" not in printed and "data-report-link" not in printed
    one_row = {"total": "reports", "category": "misuse.tasks", "programme": "verpleegkunde", "answers": "labour"}
    for table, row in one_row.items():
        assert cells(printed, table, row) == cells(page, table, row)
    assert client.get("/statistics/2031/report").status_code == 404


def test_the_portals_counts_join_the_page_protected_like_the_rest(
    client: FlaskClient, year: int, portal: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_year(portal)  # the portal's year: 3 students seeking internships that start in Q1, 2 of them placed
    page = client.get("/statistics").get_data(as_text=True)
    assert "data-portal-figures" in page
    assert cells(page, "sought", "all")["2026Q1"] == "minder dan 5"  # three students: hidden, as a report count is
    assert cells(page, "found", "hbo-ict")["2026Q1"] == "minder dan 5"
    assert cells(page, "moments", "due")["2026Q2"] == "minder dan 5"
    assert 'data-table="signals"' in page and 'data-table="declines"' in page
    download = client.get("/statistics/2026/sought.csv").get_data(as_text=True)
    assert "hbo-ict" in download and ",3," not in download
    assert client.get("/statistics/2026/nothing.csv").status_code == 404


@pytest.mark.parametrize("status", ["received", "in_progress", "forwarded", "closed"])
def test_the_years_start_at_the_first_report_whatever_its_status(
    client: FlaskClient, session: Any, monkeypatch: pytest.MonkeyPatch, status: str
) -> None:
    monkeypatch.setattr(views, "today", lambda: dt.date(2026, 7, 15))
    add_case(session, "hbo-ict", dt.date(2026, 2, 3))
    add_case(session, "hbo-ict", dt.date(2024, 5, 6), status=status)
    with client.application.test_request_context():
        assert views.years() == [2026, 2025, 2024]
