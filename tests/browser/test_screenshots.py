"""Proof that the pages look right: a screenshot of each main page at 390 and 1280 px, in Dutch and English.

Each page, width and language is its own case. It saves a full-page PNG to test-artifacts/screenshots/
(<language>-<width>-<page>.png, made by the test, kept by CI as an artefact, ignored by git) before it checks
the page, so a failing case still leaves its picture. A case fails on a page that scrolls sideways, a token
group that breaks over two lines, a home page whose main call to action lies below the first screen, a navigation
of more than two lines, a label that runs under its radio button or checkbox, any axe violation, and any CSP
violation or script error.

One instance serves every case (module scope): a filed report with a follow-up and a reply, and an enrolled
handler of HBO-ICT whose key file opens it; beside it the portal (`hotline run` serves both), after a matching round
that proposed a student to a host (tests/browser/portal_pages.py).
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from browser_fixtures import Watched, serve, watch
from browser_helpers import (
    UNFAIR,
    check_terms,
    choose_and_continue,
    file_with_js,
    log_in_and_unlock,
    log_in_with_browser,
    open_status,
    read_agreement,
    violations,
    write_agreement,
    write_key_file,
)
from conftest import (
    Account,
    Clock,
    DemoMaterial,
    file_report,
    fresh_database,
    fresh_portal_database,
    log_in,
    make_account,
    make_app,
)
from portal_pages import HOST, OFFICE, STUDENT, proposed_world
from portal_pages import log_in as log_in_to_portal
from sqlalchemy import select

from hotline import auth, cases, crypto, models
from hotline.portal import create_portal_app, mount
from hotline.portal import db as portal_db

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
VIEWPORTS = {390: {"width": 390, "height": 844}, 1280: {"width": 1280, "height": 800}}
ADVICE = "/guide/advice?category=discrimination.origin&phase=during&urgency=ongoing&crime=no&wish=action"
DESCRIPTION = "Bij het sollicitatiegesprek vroeg de stagebegeleider waar mijn ouders vandaan komen."
FOLLOW_UP = "Ik heb de uitnodiging voor het gesprek nog, als dat helpt."
REPLY = "Dank je voor je melding. We nemen deze week contact op met het stagebedrijf."


@dataclass
class Site:
    """The instance every case looks at, and what it takes to open its pages."""

    base: str
    token: str
    case_id: str
    handler: Account
    clock: Clock
    key_file: Path
    agreement: Path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, material: DemoMaterial) -> Iterator[Site]:
    """Serve one instance for the module: three reports to HBO-ICT, the first with a follow-up and a reply."""
    folder = tmp_path_factory.mktemp("screenshots")
    with (
        pytest.MonkeyPatch.context() as monkeypatch,
        fresh_database(folder) as url,
        fresh_portal_database(folder) as portal_url,
    ):
        monkeypatch.setattr(crypto, "PBKDF2_ITERATIONS", 1000)  # as the cheap_kdf and cheap_argon2 fixtures
        monkeypatch.setattr(auth, "ARGON2_MEMORY_KIB", 64)
        monkeypatch.setattr(auth, "ARGON2_ITERATIONS", 1)
        clock = Clock(1_800_000_000.0)
        monkeypatch.setattr(auth, "clock", clock)
        app = make_app(folder, monkeypatch, material, url)
        client = app.test_client()
        key = material.handlers["hbo-ict"]
        handler = make_account(app, "coordinator", destinations=("hbo-ict",), kid=key.kid)
        log_in(client, clock, handler)
        attachment = (io.BytesIO(b"uitnodiging"), "uitnodiging.txt", "text/plain")
        token = file_report(client, description=DESCRIPTION, organisation="Stagebedrijf BV", attachments=attachment)
        assert client.post("/status/message", data={"token": token, "message": FOLLOW_UP}).status_code == 200
        session = app.extensions["hotline.sessionmaker"]()
        case = session.scalars(select(models.Case)).one()
        cases.add_reply(session, app.extensions["hotline.keyring"], case, key, REPLY)
        case_id = case.id
        session.close()
        file_report(client, category="labour.working_hours", description="Ik werk elke week 45 uur.")
        file_report(client, category="misuse.tasks", description="Ik doe alleen koffie- en kopieerwerk.")
        key_file, _document = write_key_file(folder, key)
        monkeypatch.setenv("HOTLINE_PORTAL_DATABASE_URL", portal_url)
        monkeypatch.setenv("HOTLINE_PORTAL_SECRET_KEY", secrets.token_hex(32))
        portal = create_portal_app({"TESTING": True})
        portal_db.upgrade(portal)
        proposed_world(portal)
        with serve(mount(app, portal)) as base:  # type: ignore[arg-type]
            yield Site(base, token, case_id, handler, clock, key_file, write_agreement(folder))
        portal.extensions[portal_db.ENGINE].dispose()
        app.extensions["hotline.engine"].dispose()


def open_page(name: str, watched: Watched, site: Site) -> None:
    """Bring the page to the state its screenshot shows."""
    page, base = watched.page, site.base
    paths = {
        "home": "/",
        "report-1": "/report",
        "guide": "/guide",
        "guide-advice": ADVICE,
        "toolkit-discrimination": "/info/discrimination",
        "toolkit-misuse": "/info/misuse",
        "check": "/check",
    }
    if name in paths:
        page.goto(base + paths[name])
    elif name == "report-2":
        choose_and_continue(page, base, "discrimination.origin")
        page.wait_for_selector(".browser-path:not([hidden])")
    elif name == "token":
        file_with_js(watched, base, DESCRIPTION)
    elif name == "status":
        open_status(watched, base, site.token)
    elif name == "inbox":
        log_in_with_browser(page, base, site.clock, site.handler)
        page.goto(f"{base}/casework/inbox/hbo-ict")
    elif name == "case":
        log_in_and_unlock(watched, base, site.clock, site.handler, site.case_id, site.key_file)
    elif name == "check-result":
        check_terms(page, base, UNFAIR)
    elif name == "check-upload":
        read_agreement(page, base, site.agreement)
    elif name in PORTAL:
        username, path = PORTAL[name]
        if username:
            log_in_to_portal(page, base, username)
        page.goto(f"{base}/portal{path}")
    else:
        raise AssertionError(f"no way to open {name}")


# The portal's pages: who is logged in (nobody for the login page itself), and the path.
PORTAL = {
    "portal-login": (None, "/login"),
    "portal-student-home": (STUDENT[0], "/"),
    "portal-student-wish": (STUDENT[0], "/wish"),
    "portal-student-offers": (STUDENT[0], "/offers"),
    "portal-office-offers": (OFFICE[0], "/office/offers"),
    "portal-office-shortages": (OFFICE[0], "/office/shortages"),
    "portal-host-proposals": (HOST[0], "/host/proposals"),
}

PAGES = [
    "home",
    "report-1",
    "report-2",
    "token",
    "status",
    "guide",
    "guide-advice",
    "toolkit-discrimination",
    "toolkit-misuse",
    "inbox",
    "case",
    "check",
    "check-result",
    "check-upload",
    *PORTAL,
]

# Each returns what is wrong, as sentences; page.evaluate runs through DevTools, whatever the page's CSP.
OVERFLOW = """() => {
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + [...e.classList].slice(0, 3).map(c => '.' + c).join('');
  const wide = [...document.body.querySelectorAll('*')].filter(e => e.getBoundingClientRect().right > width + 0.5);
  const outermost = wide.filter(e => !wide.includes(e.parentElement)).slice(0, 6);
  return [`the page is ${document.documentElement.scrollWidth}px wide on a ${width}px screen; sticking out: `
    + outermost.map(e => `${name(e)} (right edge ${Math.round(e.getBoundingClientRect().right)}px)`).join(', ')];
}"""
TOKEN_GROUPS = """() => {
  const token = document.querySelector('[data-case-token]');
  if (!token) return null;
  const groups = [...token.children].filter(g => g.textContent.trim());  // not the <wbr> between them
  if (!groups.length) return ['the token is not split into one element per group of five'];
  const lines = g => {
    const range = document.createRange();
    range.selectNodeContents(g);
    return new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top))).size;
  };
  return groups.filter(g => g.getClientRects().length !== 1 || lines(g) !== 1)
    .map(g => `token group "${g.textContent.trim()}" breaks over ${lines(g)} lines`);
}"""
ABOVE_THE_FOLD = """() => {
  window.scrollTo(0, 0);
  const action = document.querySelector('main [data-primary-action]');
  if (!action) return ['the page has no main call to action (main [data-primary-action])'];
  const box = action.getBoundingClientRect();
  return box.top >= 0 && box.bottom <= window.innerHeight ? []
    : [`the main call to action lies at ${Math.round(box.top)}-${Math.round(box.bottom)}px, `
       + `below the first ${window.innerHeight}px`];
}"""

NAVIGATION_LINES = """() => {
  const nav = document.querySelector('header nav');
  if (!nav) return [];
  const tops = new Set([...nav.querySelectorAll('li')].filter(li => li.getClientRects().length)
    .map(li => Math.round(li.getBoundingClientRect().top)));
  return tops.size <= 2 ? [] : [`the navigation takes ${tops.size} lines`];
}"""
LABELS_BESIDE = """() => [...document.querySelectorAll('input[type=radio], input[type=checkbox]')]
  .filter(input => input.getClientRects().length && input.id)
  .flatMap(input => {
    const label = document.querySelector(`label[for="${input.id}"]`);
    if (!label || !label.getClientRects().length) return [];
    const box = input.getBoundingClientRect(), text = label.getBoundingClientRect();
    return text.left >= box.right - 1 && text.top < box.bottom ? []
      : [`the label "${label.textContent.trim().slice(0, 40)}" runs under its ${input.type} (#${input.id})`];
  })"""


def layout_problems(page: Any, name: str) -> list[str]:
    """Return what is wrong with the layout: overflow, a broken token group, the call to action out of view."""
    problems: list[str] = list(page.evaluate(OVERFLOW))
    token = page.evaluate(TOKEN_GROUPS)
    if token is None and name == "token":
        problems.append("the token page shows no [data-case-token]")
    problems.extend(token or [])
    if name == "home":
        problems.extend(page.evaluate(ABOVE_THE_FOLD))
    problems.extend(page.evaluate(NAVIGATION_LINES))
    problems.extend(page.evaluate(LABELS_BESIDE))
    return problems


@pytest.fixture
def screen(browser: Any, request: pytest.FixtureRequest) -> Callable[[int], Watched]:
    """Open a fresh browser window (JavaScript on) of a given width; it closes after the test."""
    opened: list[Any] = []

    def make(width: int) -> Watched:
        context = browser.new_context(viewport=VIEWPORTS[width])
        opened.append(context)
        return watch(context.new_page())

    request.addfinalizer(lambda: [context.close() for context in opened])
    return make


@pytest.mark.parametrize("width", list(VIEWPORTS))
@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("name", PAGES)
def test_page_looks_right(
    site: Site, screen: Callable[[int], Watched], axe_source: str, name: str, language: str, width: int
) -> None:
    watched = screen(width)
    page = watched.page
    page.goto(f"{site.base}{'/portal' if name in PORTAL else ''}/lang/{language}?next=/")
    open_page(name, watched, site)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{language}-{width}-{name}.png"), full_page=True)
    assert page.locator("html").get_attribute("lang") == language
    problems = layout_problems(page, name)
    problems.extend(f"axe: {violation}" for violation in violations(page, axe_source))
    problems.extend(f"CSP violation: {violation}" for violation in watched.violations)
    problems.extend(f"script error: {error}" for error in watched.errors)
    assert not problems, f"{name} at {width}px in {language}:\n" + "\n".join(problems)
