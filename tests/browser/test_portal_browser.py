"""In one browser: a student logged in to the portal who then files a report sends the hotline nothing of the portal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browser_fixtures import Watched, serve
from browser_helpers import file_with_js
from flask import Flask
from test_portal import PASSWORD, person

from hotline.portal import mount

pytestmark = pytest.mark.browser
PORTAL_COOKIES = ("portal", "__Secure-portal", "__Host-portal", "portal-lang")


@pytest.fixture
def both_served(app: Flask, portal: Flask) -> Iterator[str]:
    """Serve the hotline and the portal from one server, as `hotline run` does."""
    with serve(mount(app, portal)) as base:  # type: ignore[arg-type]
        yield base


def cookie_names(header: str) -> set[str]:
    return {part.split("=", 1)[0].strip() for part in header.split(";") if "=" in part}


def test_a_report_after_a_portal_login_carries_no_portal_cookie_and_no_referrer(
    portal: Flask, both_served: str, js_page: Watched
) -> None:
    person(portal)
    page = js_page.page
    page.goto(f"{both_served}/portal/login")
    page.fill("#username", "sanne")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-role=student]")
    page.goto(f"{both_served}/portal/lang/en?next=/")
    assert {c["name"] for c in page.context.cookies()} >= {"portal", "portal-lang"}
    page.click("a[href='/'][rel=noreferrer]")  # the portal's link to the hotline
    page.wait_for_url(f"{both_served}/")
    js_page.requests.clear()
    token = file_with_js(js_page, both_served, "Na mijn login op het portaal")
    assert token
    to_hotline = [r for r in js_page.requests if not r.url.startswith(f"{both_served}/portal")]
    assert any(r.method == "POST" and "/api/" in r.url for r in to_hotline)
    for request in to_hotline:
        headers: dict[str, Any] = request.all_headers()
        assert not cookie_names(headers.get("cookie", "")) & set(PORTAL_COOKIES), (request.url, headers.get("cookie"))
        # Chromium sometimes sends an empty Referer with a subresource: empty passes nothing on
        assert not headers.get("referer"), (request.url, headers.get("referer"))
