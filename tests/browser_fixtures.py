"""Fixtures of the browser tests (tests/browser/): the app on a local port, Playwright in Chromium.

A plugin of tests/conftest.py rather than a second conftest.py, so `from conftest import ...` stays unique.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from hotline import security

CHROMIUM = os.environ.get("HOTLINE_CHROMIUM", "/usr/bin/chromium")
# axe-core, test-only: a pinned devDependency installed by `npm ci`, never served by the app.
AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
# Flags that keep Chromium off the network and quiet on a machine without a display.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session; in CI its absence is a failure, not a skip."""
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run must install Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    """The axe-core script, for browser_helpers.violations."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `npm ci` (axe-core is a pinned devDependency)")
    return AXE.read_text("utf-8")


def closing(app: Flask) -> Any:
    """Hand the server each response whole, its iterable closed at once.

    Werkzeug's server drains the request after the response and only then closes the response's iterable; a
    browser that drops the connection (a window closed while a stylesheet loads) makes that draining raise
    first, which leaves the static file open until garbage collection and fails whichever test is running
    then with a ResourceWarning.
    """

    def wrapped(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        iterable = app(environ, start_response)
        try:
            return [b"".join(iterable)]
        finally:
            if hasattr(iterable, "close"):
                iterable.close()

    return wrapped


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Serve an app on a free local port while the block runs; give its base URL."""
    server = make_server("127.0.0.1", 0, closing(app), threaded=True, request_handler=security.AnonymousRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}"
    server.shutdown()
    thread.join(10)


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve the test app on a free local port for the length of a test."""
    with serve(app) as base:
        yield base


@dataclass
class Watched:
    """A page, with every request it sent and every CSP violation it reported."""

    page: Any
    requests: list[Any] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def sent(self) -> bytes:
        """Return everything the page sent: URLs, headers and bodies."""
        parts = []
        for request in self.requests:
            parts.append(request.url.encode())
            parts.append(repr(request.headers).encode())
            parts.append(request.post_data_buffer or b"")
        return b"\n".join(parts)


def watch(page: Any) -> Watched:
    watched = Watched(page)
    page.on("request", lambda request: watched.requests.append(request))

    def console(message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            watched.violations.append(text)
        elif message.type == "error" and "Failed to load resource" not in text:
            watched.errors.append(text)

    page.on("console", console)
    page.on("pageerror", lambda error: watched.errors.append(str(error)))
    return watched


@pytest.fixture
def js_page(browser: Any) -> Iterator[Watched]:
    """A page with JavaScript on; any CSP violation fails the test."""
    context = browser.new_context()
    watched = watch(context.new_page())
    yield watched
    context.close()
    assert not watched.violations, f"CSP violations: {watched.violations}"
    assert not watched.errors, f"script errors: {watched.errors}"


@pytest.fixture
def nojs_page(browser: Any) -> Iterator[Watched]:
    """A page with JavaScript off, as in Tor Browser at its safest setting."""
    context = browser.new_context(java_script_enabled=False)
    watched = watch(context.new_page())
    yield watched
    context.close()
    assert not watched.violations, f"CSP violations: {watched.violations}"


@pytest.fixture
def scriptless_page(browser: Any) -> Iterator[Watched]:
    """A page whose own scripts never load: what a student without JavaScript sees, still open to axe.

    Chromium with JavaScript off also refuses page.evaluate, so axe could not run there.
    """
    context = browser.new_context()
    context.route("**/*.js", lambda route: route.abort())
    watched = watch(context.new_page())
    yield watched
    context.close()
    assert not watched.violations, f"CSP violations: {watched.violations}"
