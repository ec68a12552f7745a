"""WCAG 2.1 AA: axe-core on every public page in both languages, errors tied to their fields, keyboard use.

axe-core (MPL-2.0, https://github.com/dequelabs/axe-core) is test-only: pinned exactly in package.json and
package-lock.json as a devDependency, installed by `npm ci`, read from node_modules (the axe_source fixture of
tests/browser_fixtures.py) and never served by the app. page.evaluate runs it through the DevTools protocol,
which the page's CSP does not govern, so the pages keep their CSP enforced (and the fixtures still fail a test
on any violation).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from browser_helpers import choose_category, violations
from conftest import file_report
from flask.testing import FlaskClient

ADVICE = "/guide/advice?category=discrimination.origin&phase=during&urgency=ongoing&crime=no&wish=action"
FILLED = "discrimination.origin"


def submit_without_browser_checks(page: Any, form: str) -> None:
    """Submit a form with the browser's own checks off, so the server's error messages show."""
    page.evaluate("selector => { document.querySelector(selector).noValidate = true; }", form)
    page.click(f"{form} button[type=submit]")


def tour(page: Any, base: str, js: bool, visit: Callable[[str], None]) -> None:
    """Walk every public page, and the error states of every form, calling visit on each."""
    for path in (
        "/",
        "/report",
        "/status",
        "/guide",
        "/guide/advice",
        ADVICE,
        "/info/discrimination",
        "/info/misuse",
        "/info/what-we-store",
        "/statistics",
        "/casework/login",
        "/no-such-page",
    ):
        page.goto(base + path)
        visit(path)
    page.goto(f"{base}/report")
    submit_without_browser_checks(page, "#step1-form")
    visit("step 1 with errors")
    choose_category(page, FILLED)
    visit("step 1 with a group's categories")
    page.select_option("#programme", "hbo-ict")
    page.click("button[type=submit]")
    page.wait_for_selector(".browser-path:not([hidden])" if js else "#description")
    visit("step 2")
    submit_without_browser_checks(page, "#report-form")
    page.wait_for_selector("[data-browser-error]:not([hidden])" if js else ".meldpunt-error-summary")
    visit("step 2 with errors")
    page.fill("#description", "Bij het sollicitatiegesprek werd naar mijn afkomst gevraagd.")
    page.click("#report-form button[type=submit]")
    token = str(page.wait_for_selector("[data-case-token]:not([data-case-token=''])").get_attribute("data-case-token"))
    visit("token page")
    page.goto(f"{base}/status")
    page.fill("#token", "ABCDE")
    page.click("#status-form button[type=submit]")
    page.wait_for_selector("[role=alert]:not([hidden])")
    visit("status with errors")
    page.fill("#token", token)
    page.click("#status-form button[type=submit]")
    page.wait_for_selector("[data-case-status]:not([data-case-status=''])")
    visit("status of a case")
    page.fill("#message", "Een aanvulling")
    page.click("#message-form button[type=submit], form[action$='/status/message'] button[type=submit]")
    page.wait_for_selector("[role=status]:not([hidden]) [data-notice]:not([hidden])")
    visit("status after a message")
    page.goto(f"{base}/casework/login")
    page.fill("#username", "niemand")
    page.fill("#password", "fout")
    page.click("form button[type=submit]")
    visit("login with errors")


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_every_public_page_passes_axe(
    live_server: str, browser: Any, axe_source: str, language: str, js: bool, request: pytest.FixtureRequest
) -> None:
    watched = request.getfixturevalue("js_page" if js else "scriptless_page")
    page = watched.page
    page.goto(f"{live_server}/lang/{language}?next=/")
    found: list[str] = []

    def visit(name: str) -> None:
        assert page.locator("html").get_attribute("lang") == language, name
        found.extend(f"{name}: {v}" for v in violations(page, axe_source))

    tour(page, live_server, js, visit)
    assert not found, "axe violations:\n" + "\n".join(found)


def assert_linked(page: Any, field: str, summary: bool = True) -> None:
    """The field is marked invalid, its message is announced with it, and the summary links to it."""
    element = page.locator(f"#{field}")
    assert element.get_attribute("aria-invalid") == "true", field
    described = element.get_attribute("aria-describedby") or ""
    assert f"{field}-error" in described.split(), field
    message = page.locator(f"#{field}-error")
    assert message.is_visible(), field
    if summary:
        assert page.locator(f".meldpunt-error-summary[role=alert] a[href='#{field}']").count() == 1, field
    else:
        assert message.get_attribute("role") == "alert", field


def test_report_errors_are_announced_and_tied_to_their_fields(live_server: str, scriptless_page: Any) -> None:
    page = scriptless_page.page
    page.goto(f"{live_server}/report")
    submit_without_browser_checks(page, "#step1-form")
    assert_linked(page, "group")  # without JavaScript the group comes first, on a page of its own
    page.check(f'input[name="group"][value="{FILLED.split(".")[0]}"]')
    page.click("#step1-form button[type=submit]")
    submit_without_browser_checks(page, "#step1-form")
    for field in ("category", "programme"):
        assert_linked(page, field)
    page.check(f'input[name="category"][value="{FILLED}"]')
    page.select_option("#programme", "hbo-ict")
    page.click("button[type=submit]")
    page.fill("#date_from", "2026-03-02")
    page.fill("#date_to", "2026-03-01")
    submit_without_browser_checks(page, "#report-form")
    for field in ("description", "dates"):
        assert_linked(page, field)


def test_status_errors_are_announced_and_tied_to_their_fields(
    live_server: str, scriptless_page: Any, client: FlaskClient
) -> None:
    page = scriptless_page.page
    page.goto(f"{live_server}/status")
    page.fill("#token", "ABCDE")
    page.click("#status-form button[type=submit]")
    assert_linked(page, "token")  # the status pages have an error summary, as the report's steps do
    page.fill("#token", file_report(client))
    page.click("#status-form button[type=submit]")
    submit_without_browser_checks(page, "form[action$='/status/message']")
    assert_linked(page, "message")


def test_guide_errors_are_announced_and_tied_to_their_questions(live_server: str, nojs_page: Any) -> None:
    page = nojs_page.page
    page.goto(f"{live_server}/guide/advice?category={FILLED}")
    assert page.locator("#category").get_attribute("aria-invalid") is None
    for field in ("phase", "urgency", "crime", "wish"):
        assert_linked(page, field)


def focused(page: Any, selector: str) -> bool:
    """Whether the element matching selector has the keyboard focus (asked without page JavaScript)."""
    return bool(page.locator(f"{selector}:focus").count())


def tab_to(page: Any, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching selector has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page, selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_a_report_can_be_filed_with_the_keyboard_alone(live_server: str, nojs_page: Any) -> None:
    page = nojs_page.page
    page.goto(f"{live_server}/report")
    tab_to(page, "input[name=group]")
    while not focused(page, f"input[name=group][value='{FILLED.split('.')[0]}']"):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector("input[name=category]")
    tab_to(page, "input[name=category]")
    while not focused(page, f"input[value='{FILLED}']"):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    tab_to(page, "#programme")
    while page.locator("#programme").input_value() != "hbo-ict":
        page.keyboard.press("ArrowDown")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector("#description")
    tab_to(page, "#description")
    page.keyboard.type("Bij het gesprek werd naar mijn afkomst gevraagd.")
    tab_to(page, "#report-form button[type=submit]")
    page.keyboard.press("Enter")
    token = page.wait_for_selector("[data-case-token]").get_attribute("data-case-token")
    assert token and len(token) == 32


def test_the_keyboard_focus_is_visible(live_server: str, js_page: Any) -> None:
    page = js_page.page
    page.goto(f"{live_server}/")
    for selector in (".meldpunt-brand", "main a.utrecht-button-link", "main a:not(.utrecht-button-link)"):
        tab_to(page, selector)
        style = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
        width = page.evaluate("() => parseFloat(getComputedStyle(document.activeElement).outlineWidth)")
        assert style != "none" and width >= 2, (selector, style, width)


def assert_flagged(page: Any, field: str, error: str) -> None:
    """A browser-side check marked the field invalid, tied it to the announced message and focused it."""
    element = page.locator(f"#{field}")
    assert element.get_attribute("aria-invalid") == "true", field
    announced = page.locator(f"#{element.get_attribute('aria-describedby')}")
    assert announced.is_visible() and announced.get_attribute("role") == "alert", field
    assert error in announced.text_content(), field
    assert page.evaluate("document.activeElement.id") == field


def test_errors_found_by_the_scripts_are_tied_to_their_fields(
    live_server: str, js_page: Any, client: FlaskClient
) -> None:
    page = js_page.page
    page.goto(f"{live_server}/report")
    choose_category(page, FILLED)
    page.select_option("#programme", "hbo-ict")
    page.click("button[type=submit]")
    page.wait_for_selector(".browser-path:not([hidden])")
    page.fill("#description", "Iets gebeurd.")
    page.fill("#date_from", "2026-03-02")
    page.fill("#date_to", "2026-03-01")
    page.click("#report-form button[type=submit]")
    assert_flagged(page, "date_to", "einddatum")
    page.fill("#date_to", "")
    page.fill("#description", "")
    page.evaluate("document.querySelector('#description').removeAttribute('required')")
    page.click("#report-form button[type=submit]")
    assert_flagged(page, "description", "Beschrijf")
    assert page.locator("#date_to").get_attribute("aria-invalid") is None
    page.goto(f"{live_server}/status")
    page.wait_for_selector("#status-form .browser-path:not([hidden])")
    page.fill("#token", "ABCDE")
    page.click("#status-form button[type=submit]")
    assert_flagged(page, "token", "27 letters")
