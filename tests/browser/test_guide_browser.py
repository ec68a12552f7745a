"""The guide as the issue tries it: JavaScript off, English, two stories, each ending in a prefilled report form."""

from __future__ import annotations

from typing import Any

import pytest

HEADSCARF = {"category": "discrimination.religion", "phase": "search", "urgency": "over", "crime": "no"}
UNPAID_HOURS = {"category": "labour.working_hours", "phase": "during", "urgency": "ongoing", "crime": "no"}


@pytest.mark.parametrize(
    ("answers", "doors"),
    [
        (HEADSCARF, ["hotline", "confidential_adviser", "discrimination_service", "college"]),
        (UNPAID_HOURS, ["hotline", "labour_inspectorate"]),
    ],
    ids=["rejected because of my headscarf", "45 hours a week unpaid"],
)
def test_the_guide_without_javascript_in_english_ends_in_a_prefilled_report(
    live_server: str, nojs_page: Any, answers: dict[str, str], doors: list[str]
) -> None:
    page = nojs_page.page
    page.goto(f"{live_server}/lang/en?next=/guide")
    assert page.locator("html").get_attribute("lang") == "en"
    # First the group of what happened: "Continue" opens its categories, the other answers kept.
    page.check(f'input[name="group"][value="{answers["category"].split(".")[0]}"]')
    for name, value in ({k: v for k, v in answers.items() if k != "category"} | {"wish": "action"}).items():
        page.check(f'input[name="{name}"][value="{value}"]')
    page.click("form[action$='/guide'] button[type=submit]")
    page.wait_for_selector("form[action$='/guide/advice']")
    assert page.locator('input[name="category"]').count() < 9  # the group's categories only
    assert page.locator('input[name="phase"]:checked').count() == 1
    page.check(f'input[name="category"][value="{answers["category"]}"]')
    page.click("form[action$='/guide/advice'] button[type=submit]")
    page.wait_for_selector("[data-door]")
    assert page.locator("h1").text_content() == "Where you can go"
    assert [door.get_attribute("data-door") for door in page.locator("[data-door]").all()] == doors
    for door in page.locator("[data-door]").all():
        assert door.locator("[data-why]").first.text_content().strip()
    page.click("[data-report-link]")
    page.wait_for_url(f"**/report?category={answers['category']}")
    assert page.locator(f'input[name="category"][value="{answers["category"]}"]').is_checked()
    assert page.locator("html").get_attribute("lang") == "en"
