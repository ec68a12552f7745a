"""The statistics page in a real browser: axe finds nothing with scripts on and off, in Dutch and English; the
tables scroll inside their own region on a phone, and the charts read as images with a title and description."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import violations
from flask import Flask
from pypdf import PdfReader
from test_casework_authz import add_case
from test_phone_nojs import PHONE

from hotline.statistics import views

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture
def year(app: Flask, session: Any, monkeypatch: pytest.MonkeyPatch) -> int:
    """A year with two ended quarters: most reports at HBO-ICT, three at nursing, none yet in some groups."""
    monkeypatch.setattr(views, "today", lambda: dt.date(2026, 7, 15))
    day = dt.date(2026, 2, 10)
    for number, category in enumerate(["discrimination.origin"] * 6 + ["misuse.tasks"] * 7 + ["harassment.sexual"] * 5):
        add_case(session, "hbo-ict", day, category=category, acknowledged_on=day + dt.timedelta(days=1 + number % 5))
    for _ in range(3):
        add_case(session, "verpleegkunde", day, category="misuse.tasks")
    for category in ["misuse.tasks"] * 6 + ["discrimination.origin"] * 5:
        add_case(session, "hbo-ict", dt.date(2026, 5, 4), category=category)
    return 2026


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_the_statistics_page_passes_axe(
    live_server: str, year: int, axe_source: str, language: str, js: bool, request: pytest.FixtureRequest
) -> None:
    page = request.getfixturevalue("js_page" if js else "scriptless_page").page
    page.goto(f"{live_server}/lang/{language}?next=/statistics")
    page.wait_for_selector("[data-chart=chart-quarters]")
    assert page.locator("html").get_attribute("lang") == language
    assert page.get_by_role("img", name="Reports per quarter in 2026" if language == "en" else
                            "Meldingen per kwartaal in 2026").count() == 1  # fmt: skip
    found = violations(page, axe_source)
    assert not found, "axe violations:\n" + "\n".join(found)


def test_on_a_phone_the_page_does_not_scroll_sideways(live_server: str, year: int, browser: Any) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server}/statistics")
    page.wait_for_selector("[data-table=programme]")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "nl-390-statistics.png"), full_page=True)
    context.close()


def test_the_yearly_report_prints_cleanly_on_a4(live_server: str, year: int, js_page: Any) -> None:
    page = js_page.page
    page.goto(f"{live_server}/statistics/2026/report")
    page.wait_for_selector("[data-report]")
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4")))
    text = "\n".join(printed.extract_text() for printed in pdf.pages)
    assert len(pdf.pages) <= 4, len(pdf.pages)
    for caption in ("Meldingen per kwartaal in 2026", "Meldingen per opleiding in 2026", "Landelijke cijfers"):
        assert caption in text, caption
    assert "Download" not in text and "CSV" not in text
