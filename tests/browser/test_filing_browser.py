"""The student's filing path in a real browser: the group, then its categories; the token page's copy button,
its "I have saved my code" check and "Mijn melding volgen" with nothing to retype."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browser_fixtures import Watched, watch
from browser_helpers import CANARY, choose_and_continue, file_with_js

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def clipboard_page(browser: Any) -> Iterator[Watched]:
    """A phone-sized page with JavaScript on that may use the clipboard; any CSP violation or script error fails."""
    context = browser.new_context(viewport=PHONE, permissions=["clipboard-read", "clipboard-write"])
    watched = watch(context.new_page())
    yield watched
    context.close()
    assert not watched.violations, f"CSP violations: {watched.violations}"
    assert not watched.errors, f"script errors: {watched.errors}"


def visible_values(page: Any, name: str) -> list[str]:
    return [str(box.get_attribute("value")) for box in page.locator(f'input[name="{name}"]:visible').all()]


def test_choosing_a_group_shows_its_categories_in_place(live_server: str, js_page: Any) -> None:
    page = js_page.page
    page.goto(f"{live_server}/report")
    assert visible_values(page, "group") == ["discrimination", "harassment", "misuse", "labour"]
    assert page.locator('input[name="category"]').count() == 0
    assert page.locator("#programme").is_visible()  # the rest of the step shows at once with JavaScript
    page.evaluate("window.stillHere = true")
    documents = len([r for r in js_page.requests if r.resource_type == "document"])
    page.check('input[name="group"][value="labour"]')
    assert visible_values(page, "category") == [
        "labour.employee_replacement",
        "labour.underpayment",
        "labour.working_hours",
        "labour.unsafe",
    ]
    assert page.locator("#category-labour-unsafe-hint").is_visible()  # each category with its help
    page.check('input[name="group"][value="harassment"]')
    assert visible_values(page, "category") == ["harassment.sexual", "harassment.other"]
    assert page.evaluate("window.stillHere") is True
    assert len([r for r in js_page.requests if r.resource_type == "document"]) == documents
    page.check('input[name="category"][value="harassment.other"]')
    page.select_option("#programme", "hbo-ict")
    page.click("#step1-form button[type=submit]")
    page.wait_for_selector("#description")
    assert "Ander ongewenst gedrag" in page.locator(".meldpunt-chosen").text_content()


def test_without_javascript_the_group_leads_to_its_categories(live_server: str, nojs_page: Any) -> None:
    page = nojs_page.page
    page.goto(f"{live_server}/report")
    assert page.locator('input[name="category"]').count() == 0
    assert not page.locator("#programme").is_visible()
    page.check('input[name="group"][value="misuse"]')
    page.click("#step1-form button[type=submit]")
    page.wait_for_url("**/report?group=misuse&step=group")
    assert visible_values(page, "category") == [
        "misuse.supervision",
        "misuse.contact",
        "misuse.tasks",
        "misuse.workload",
        "misuse.recognition",
    ]
    page.check('input[name="group"][value="labour"]')  # another group after all
    page.click("#step1-form button[type=submit]")
    page.wait_for_selector('input[name="category"][value="labour.unsafe"]')
    assert page.locator(".errors").count() == 0
    page.check('input[name="category"][value="labour.unsafe"]')
    page.select_option("#programme", "hbo-ict")
    page.click("#step1-form button[type=submit]")
    page.wait_for_selector("#description")


def test_the_token_copies_with_one_click_and_never_breaks_inside_a_group(
    live_server: str, clipboard_page: Watched
) -> None:
    page = clipboard_page.page
    token = file_with_js(clipboard_page, live_server, description=CANARY)
    groups = page.locator("[data-case-token] .meldpunt-token__group")
    assert groups.all_text_contents() == token.split("-")
    for index in range(groups.count()):  # one line box each: no group wraps, whatever the width
        assert groups.nth(index).evaluate("group => group.getClientRects().length") == 1, index
    page.click("[data-copy-token]")
    page.locator("[role=status][data-copy-status]", has_text="klembord").wait_for()  # and it says so
    assert page.evaluate("navigator.clipboard.readText()") == token


def test_leaving_warns_until_the_code_is_saved(live_server: str, js_page: Watched) -> None:
    page = js_page.page
    file_with_js(js_page, live_server, description=CANARY)
    dialogs: list[str] = []

    def stay(dialog: Any) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    page.click("header a[href='/report']", no_wait_after=True)
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"]
    assert page.locator("[data-case-token]").is_visible()  # still on the token page
    page.click("[data-follow-form] button[type=submit]")  # following without saving warns too
    assert "Vink eerst aan" in page.locator("[data-unsaved-warning]").text_content()
    assert page.evaluate("document.activeElement.id") == "token-saved"
    page.check("#token-saved")
    assert page.locator("[data-unsaved-warning]").is_hidden()
    with page.expect_navigation():
        page.click("header a[href='/report']")
    assert dialogs == ["beforeunload"]
    assert page.locator("#step1-form").is_visible()


def test_follow_opens_the_status_with_nothing_to_retype_and_nothing_stored(live_server: str, js_page: Watched) -> None:
    page = js_page.page
    token = file_with_js(js_page, live_server, description=CANARY)
    page.check("#token-saved")
    page.click("[data-follow-form] button[type=submit]")
    shown = page.wait_for_selector("[data-case-status]:not([data-case-status=''])")
    assert shown.get_attribute("data-case-status") == "received"
    assert page.url == f"{live_server}/status"
    sent = js_page.sent()
    assert token.encode() not in sent and token.replace("-", "").encode() not in sent
    assert not [r for r in js_page.requests if r.method == "POST" and r.url.endswith("/status")]
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    assert not any(token in cookie["value"] for cookie in page.context.cookies())


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)  # the forms' tokens and cookies, as a real browser keeps them
def test_follow_without_javascript_posts_the_token_and_lands_on_the_status(live_server: str, nojs_page: Any) -> None:
    page = nojs_page.page
    choose_and_continue(page, live_server, "misuse.tasks")
    page.fill("#description", CANARY)
    with page.expect_navigation(wait_until="load"):  # every stylesheet applied before anything is judged visible
        page.click("#report-form button[type=submit]")
    token = str(page.locator("[data-case-token]").get_attribute("data-case-token"))
    assert page.locator("#token-saved").is_visible()  # a reminder without JavaScript
    assert page.locator("[data-copy-token]").is_hidden()  # copying needs JavaScript
    with page.expect_navigation() as navigation:
        page.click("[data-follow-form] button[type=submit]")
    assert navigation.value.status == 200
    assert page.locator("[data-case-status]").get_attribute("data-case-status") == "received"
    assert token not in page.url
