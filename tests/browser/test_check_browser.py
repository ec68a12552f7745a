"""The fair-conditions check in the browser: axe on each state, the outcome on at most two A4 pages, no scripts needed.

Each state is reached as a student reaches it (typing, clicking, uploading a Word file), in Dutch and English,
with the page's scripts and without them.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from browser_fixtures import Watched
from browser_helpers import UNFAIR, check_terms, read_agreement, violations, write_agreement
from pypdf import PdfReader
from test_conditions import FAIR

MAX_PRINTED_PAGES = 2
ADULT_RULES = 19  # UNFAIR gives every rule for adults a finding, and none of them is in order


def tour(page: Any, base: str, agreement: Path, visit: Callable[[str], None]) -> None:
    """Walk every state of the check, calling visit on each."""
    page.goto(f"{base}/check")
    visit("the empty form")
    page.click("form.meldpunt-check-form button[type=submit]")  # nothing answered: the server asks for an answer
    page.wait_for_selector(".meldpunt-error-summary")
    visit("the form with an error")
    check_terms(page, base, UNFAIR)
    visit("the outcome of an unfair agreement")
    check_terms(page, base, FAIR)
    visit("the outcome of a fair agreement")
    read_agreement(page, base, agreement)
    visit("the form filled in from an agreement")


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_every_state_of_the_check_passes_axe(
    live_server: str,
    axe_source: str,
    tmp_path: Path,
    language: str,
    js: bool,
    request: pytest.FixtureRequest,
) -> None:
    watched = request.getfixturevalue("js_page" if js else "scriptless_page")
    page = watched.page
    page.goto(f"{live_server}/lang/{language}?next=/")
    found: list[str] = []

    def visit(name: str) -> None:
        assert page.locator("html").get_attribute("lang") == language, name
        found.extend(f"{name}: {v}" for v in violations(page, axe_source))

    tour(page, live_server, write_agreement(tmp_path), visit)
    assert not found, "axe violations:\n" + "\n".join(found)


def test_an_uploaded_agreement_fills_in_the_form_with_where_each_answer_was_found(
    live_server: str, nojs_page: Watched, tmp_path: Path
) -> None:
    page = nojs_page.page
    read_agreement(page, live_server, write_agreement(tmp_path))
    assert page.locator("[role=status]").is_visible()
    read = {"start": "1-2-2027", "end": "30-6-2027", "hours_per_week": "36", "days_per_week": "4", "allowance": "500"}
    for name, value in read.items():
        assert page.locator(f"#{name}").input_value() == value, name
        assert "Gelezen op" in page.locator(f"#{name}-hint").inner_text(), name  # where it stands in the agreement
    assert page.locator("#allowance_period-month").is_checked()


def printed_text(page: Any) -> tuple[int, str]:
    """Print the page to an A4 PDF as Chromium does; return its number of pages and its text."""
    page.emulate_media(media="print")
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4")))
    return len(pdf.pages), "\n".join(printed.extract_text() for printed in pdf.pages)


def squeezed(text: str) -> str:
    """Drop the white space (the PDF breaks lines where the width falls) and undo the font's ligatures (ﬁ, ﬀ)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_outcome_prints_on_at_most_two_a4_pages_with_every_source_and_without_the_form(
    live_server: str, js_page: Watched, language: str
) -> None:
    page = js_page.page
    page.goto(f"{live_server}/lang/{language}?next=/")
    check_terms(page, live_server, UNFAIR)
    findings = page.locator("[data-rule]")
    assert findings.count() == page.locator("[data-outcome=problem], [data-outcome=attention]").count() >= ADULT_RULES
    sources = page.locator("[data-source]").all_inner_texts()
    form_texts = [page.locator("details.meldpunt-check-change > summary").inner_text()]
    form_texts += page.locator("[data-report-link]").all_inner_texts()
    form_texts += [page.locator("[data-print]").inner_text()]
    form_texts += [page.locator("form.meldpunt-check-form button[type=submit]").text_content()]
    pages, text = printed_text(page)
    assert pages <= MAX_PRINTED_PAGES, f"the outcome prints on {pages} pages"
    assert len(sources) == findings.count()
    for source in sources:
        assert squeezed(source) in squeezed(text), source
    assert "wetten.overheid.nl" in text
    for shown_only in form_texts:
        assert squeezed(shown_only) not in squeezed(text), shown_only


def outcomes(page: Any) -> dict[str, str]:
    """Return each finding's outcome by rule, read from the attributes (page scripts may be off)."""
    articles = page.locator("[data-rule]")
    found = (articles.nth(i) for i in range(articles.count()))
    return {str(a.get_attribute("data-rule")): str(a.get_attribute("data-outcome")) for a in found}


def test_the_whole_check_works_without_javascript(live_server: str, nojs_page: Watched) -> None:
    page = nojs_page.page
    check_terms(page, live_server, FAIR | {"hours_per_week": "45", "allowance": "0", "learning_plan": "no"})
    found = outcomes(page)
    assert found["allowance.minimum"] == "problem" and found["sham-internship"] != "ok"
    assert page.locator("[data-print]").is_hidden()
    page.click("details.meldpunt-check-change > summary")  # the answers come back, to change and send again
    page.fill("#hours_per_week", "36")
    page.fill("#allowance", "600")
    page.check("#learning_plan-yes")
    page.click("form.meldpunt-check-form button[type=submit]")
    page.wait_for_selector("[data-rule]")
    assert set(outcomes(page).values()) == {"ok"}


def test_the_print_button_shows_only_with_javascript(live_server: str, js_page: Watched, nojs_page: Watched) -> None:
    check_terms(js_page.page, live_server, UNFAIR)
    check_terms(nojs_page.page, live_server, UNFAIR)
    assert js_page.page.locator("[data-print]").is_visible()
    assert nojs_page.page.locator("[data-print]").is_hidden()
    assert nojs_page.page.get_by_text("Ctrl+P").is_visible()  # without the button the page says how to print
