"""On a phone with JavaScript off (Tor Browser at "Safest"): no page scrolls sideways, and every form works."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browser_fixtures import Watched, watch
from conftest import Account

PHONE = {"width": 390, "height": 844}
PAGES = [
    "/",
    "/report",
    "/report?category=labour.underpayment",
    "/status",
    "/guide",
    "/guide/advice",
    "/guide/advice?category=discrimination.origin&phase=during&urgency=danger&crime=yes&wish=action",
    "/info/discrimination",
    "/info/misuse",
    "/info/what-we-store",
    "/casework/login",
    "/no-such-page",
]


@pytest.fixture
def phone(browser: Any) -> Iterator[Watched]:
    """A phone-sized touch screen with JavaScript off; any CSP violation fails the test."""
    context = browser.new_context(
        java_script_enabled=False, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=3
    )
    watched = watch(context.new_page())
    yield watched
    context.close()
    assert not watched.violations, f"CSP violations: {watched.violations}"


def assert_fits(page: Any, name: str) -> None:
    """The page is no wider than the screen.

    Asked of the DevTools protocol: with JavaScript off, Chromium evaluates nothing in the page,
    so document.documentElement.scrollWidth cannot be read there.
    """
    metrics = page.context.new_cdp_session(page).send("Page.getLayoutMetrics")
    width = metrics["cssContentSize"]["width"]
    assert width <= PHONE["width"], f"{name} is {width}px wide on a {PHONE['width']}px screen"


def submit(page: Any, button: str) -> Any:
    """Tap a submit button and return the page it leads to, which must not be an error."""
    with page.expect_navigation() as navigation:
        page.tap(button)
    response = navigation.value
    assert response is not None and 200 <= response.status < 300, (button, response and response.status)
    return response


def test_every_public_page_fits_a_phone_screen(live_server: str, phone: Watched) -> None:
    page = phone.page
    for language in ("nl", "en"):
        page.goto(f"{live_server}/lang/{language}?next=/")
        for path in PAGES:
            page.goto(live_server + path)
            assert_fits(page, f"{path} ({language})")


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)  # the forms' tokens and cookies, as a real browser keeps them
def test_every_form_can_be_completed_on_a_phone_without_javascript(
    live_server: str, phone: Watched, handler_account: Account
) -> None:
    page = phone.page
    page.goto(f"{live_server}/")
    with page.expect_navigation() as navigation:
        page.tap("a[hreflang=en]")
    assert navigation.value.ok and page.locator("html").get_attribute("lang") == "en"
    page.goto(f"{live_server}/guide")
    page.tap("input[name=group][value='labour']")
    submit(page, "form button[type=submit]")  # opens the group's categories
    assert_fits(page, "guide, the group's categories")
    for name, value in (
        ("category", "labour.underpayment"),
        ("phase", "during"),
        ("urgency", "ongoing"),
        ("crime", "no"),
        ("wish", "action"),
    ):
        page.tap(f"input[name={name}][value='{value}']")
    submit(page, "form button[type=submit]")
    assert_fits(page, "advice")
    page.tap("[data-report-link]")
    page.wait_for_selector("input[name=category][value='labour.underpayment']:checked")
    page.select_option("#programme", "hbo-ict")
    submit(page, "form button[type=submit]")
    assert_fits(page, "step 2")
    page.fill("#description", "My supervisor pays me nothing for a full working week.")
    page.fill("#organisation", "Stagebedrijf BV")
    page.fill("#date_from", "2026-03-01")
    submit(page, "#report-form button[type=submit]")
    assert_fits(page, "token page")
    token = str(page.locator("[data-case-token]").get_attribute("data-case-token"))
    page.goto(f"{live_server}/status")
    page.fill("#token", token)
    submit(page, "#status-form button[type=submit]")
    assert page.locator("[data-case-status]").get_attribute("data-case-status") == "received"
    page.fill("#message", "One more thing: the contract was never signed.")
    submit(page, "form[action$='/status/message'] button[type=submit]")
    assert page.locator(".messages li").count() == 1
    assert_fits(page, "status with a message")
    page.goto(f"{live_server}/casework/login")
    page.fill("#username", handler_account.username)
    page.fill("#password", handler_account.password)
    submit(page, "form button[type=submit]")
    assert page.url.endswith("/casework/enrol")
