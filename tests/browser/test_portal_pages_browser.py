"""The portal in a real browser, as its new users meet it: with scripts and without, in Dutch and in English.

A student states a learning wish and ranks offers, the office runs a round, the host contact answers blind until
accepting; the office is refused an unfair offer and sees the shortage; axe finds nothing on any page a role sees.
Each person has a browser window of their own, so that no cookie of one reaches the pages of another.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from browser_fixtures import Watched, serve
from browser_helpers import violations
from flask import Flask
from portal_pages import (
    DATA,
    GOALS,
    HOST,
    HOST_NAME,
    OFFICE,
    STUDENT,
    TESTING,
    World,
    build_world,
    log_in,
    new_window,
    rank_offers,
    run_round,
    state_wish,
    user_id,
)
from test_portal import person
from test_portal_rounds import add_wish

from hotline.portal import mount
from hotline.portal.db import get_session

pytestmark = pytest.mark.browser
STUDENT_EMAIL = f"{STUDENT[0]}@demo.invalid"
# What the student's "Mijn stage" says, in either language.
WAITING = {"nl": "De stagebieder beslist nu", "en": "The host decides now"}
PLACED = {"nl": "Je bent geplaatst: ", "en": "You are placed: "}
SOURCE = {"nl": "Bron", "en": "Source"}


@pytest.fixture
def served(app: Flask, portal: Flask) -> Iterator[str]:
    """Serve the hotline and the portal from one server, as `hotline run` does."""
    with serve(mount(app, portal)) as base:  # type: ignore[arg-type]
        yield base


@pytest.fixture
def windows(browser: Any) -> Iterator[Callable[..., Watched]]:
    """Open browser windows of their own, each with its own cookies; no CSP violation or script error is allowed."""
    opened: list[Any] = []
    watched: list[Watched] = []

    def make(js: bool, axe: bool = False, phone: bool = False) -> Watched:
        window = new_window(browser, opened, js, axe, phone)
        watched.append(window)
        return window

    yield make
    for context in opened:
        context.close()
    for window in watched:
        assert not window.violations, f"CSP violations: {window.violations}"
        assert not window.errors, f"script errors: {window.errors}"


def text_of(page: Any) -> str:
    """Return the page's whole HTML, hidden parts and attributes included."""
    return str(page.content())


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_a_student_is_proposed_blind_and_placed_once_the_host_accepts(
    portal: Flask, served: str, windows: Callable[..., Watched], js: bool, language: str
) -> None:
    world = build_world(portal)
    student, office, host = (windows(js).page for _ in range(3))
    log_in(student, served, STUDENT[0], language)
    state_wish(student, served)
    for title in (TESTING, DATA):
        offer = student.locator(f"[data-offer='{world.offers[title]}']")
        assert title in offer.inner_text()
        assert offer.locator("[data-reasons] li").count() >= 3  # the area, the period, the hours at least
    first = student.locator("[data-offer] h2").first.inner_text()
    assert first == TESTING  # testing is the 1st area of the wish: its offer stands on top
    rank_offers(student, world, (TESTING, DATA))
    assert student.locator("[data-ranking] li").all_inner_texts()[0].startswith(TESTING)

    log_in(office, served, OFFICE[0], language)
    run_round(office, served)
    assert office.locator("tr[data-proposal=proposed]").count() == 1

    student.goto(f"{served}/portal/offers/mine")
    assert WAITING[language] in student.locator("main").inner_text() and TESTING in student.locator("main").inner_text()

    log_in(host, served, HOST[0], language)
    host.click("[data-tasks] a[href$='/host/proposals']")
    host.wait_for_selector("[data-proposal=proposed]")
    for page in ("list", "detail"):
        shown = text_of(host)
        assert GOALS in shown, page  # what the student wants to learn, not who they are
        assert STUDENT[1] not in shown and STUDENT_EMAIL not in shown and "Sanne" not in shown, page
        if page == "list":
            host.click("[data-proposal=proposed] h2 a")
            host.wait_for_selector("button[value=accept]")
    host.click("button[value=accept]")
    host.wait_for_selector("[data-revealed]")
    profile = host.locator("[data-profile]").inner_text()
    assert STUDENT[1] in profile and STUDENT_EMAIL in profile

    student.goto(f"{served}/portal/offers/mine")
    assert PLACED[language] + TESTING in student.locator("main").inner_text()


def fill_offer(page: Any, host: str, terms: dict[str, str]) -> None:
    """Fill in the office's offer form as a person does: choose, tick, type and click the radio buttons."""
    page.select_option("#host_id", label=host)
    page.fill("#title", "Administratief medewerker")
    page.check("#programmes-hbo-ict")
    page.check("#areas-hbo-ict-software")
    page.fill("#tasks", "Post sorteren, archief bijhouden en de telefoon aannemen.")
    for name, value in terms.items():
        if page.locator(f"input[type=radio][name={name}]").count():
            page.check(f"#{name}-{value}")
        else:
            page.fill(f"#{name}", value)


UNFAIR_TERMS = {
    "start": "1-2-2027",
    "end": "30-6-2027",
    "hours_per_week": "50",
    "longest_day": "10",
    "night_work": "no",
    "weekend_work": "no",
    "allowance": "0",
    "allowance_period": "month",
    "supervisor_name": "Karin Bos",
    "learning_plan": "yes",
    "contact_moments": "3",
    "places": "1",
}


def seeking(portal: Flask, count: int) -> None:
    """Add students with a learning wish for HBO-ICT that no round has placed yet."""
    for number in range(count):
        username = person(portal, "student", f"zoeker{number}", f"Zoekende student {number}")
        with portal.app_context():
            session = get_session()
            add_wish(session, user_id(username), ("testing",), [])
            session.commit()


@pytest.mark.parametrize(("js", "language"), [(True, "nl"), (False, "en")], ids=["js-nl", "nojs-en"])
def test_the_office_is_refused_an_offer_of_50_hours_at_nothing_and_sees_the_shortage(
    portal: Flask, served: str, windows: Callable[..., Watched], js: bool, language: str
) -> None:
    build_world(portal)  # two published offers of one place each
    seeking(portal, 3)
    page = windows(js).page
    log_in(page, served, OFFICE[0], language)
    page.click("[data-tasks] a[href$='/office/hosts']")
    page.click("main a[href$='/office/hosts/new']")
    page.fill("#name", "Kantoor Noord BV")
    page.select_option("#sector", "ict")
    page.select_option("#region", "noord")
    page.click("main form button[type=submit]")
    page.wait_for_selector("tr[data-host]")
    assert "Kantoor Noord BV" in page.locator("main table").inner_text()
    page.goto(f"{served}/portal/office/offers")
    page.click("main a[href$='/office/offers/new']")
    fill_offer(page, "Kantoor Noord BV", UNFAIR_TERMS)
    page.click("main form button[type=submit]")
    page.wait_for_selector("[data-check=problem]")
    page.click("[data-publish]")
    refused = page.locator("[data-refused]")
    refused.wait_for()
    assert refused.locator("li").count() >= 2  # the weekly hours and the allowance at least
    assert page.locator("[data-rule='allowance.minimum'][data-outcome=problem]").count() == 1
    assert SOURCE[language] in page.locator("[data-rule='allowance.minimum']").inner_text()
    page.goto(f"{served}/portal/office/offers?status=draft")
    assert page.locator("tr[data-status=draft]").count() == 1  # still a draft: not published

    page.goto(f"{served}/portal/")
    page.click("[data-tasks] a[href$='/office/shortages']")
    row = page.locator("[data-shortages] tr[data-programme=hbo-ict]")
    assert row.get_attribute("data-gap") == "1"  # three students seek, two places are free
    cells = row.locator("td").all_inner_texts()
    assert cells[1:4] == ["3", "2", "1"], cells


def tour(
    window: Callable[[], Watched], base: str, world: World, language: str, visit: Callable[[Any, str], None]
) -> None:
    """Walk every page each role sees, and the error states of the forms, calling visit on each."""
    anyone, student, office, host = (window().page for _ in range(4))
    anyone.goto(f"{base}/portal/lang/{language}?next=/login")
    visit(anyone, "login")
    anyone.fill("#username", STUDENT[0])
    anyone.fill("#password", "not the password")
    anyone.click("main form button[type=submit]")
    visit(anyone, "login with an error")
    anyone.goto(f"{base}/portal/invite/new")
    visit(anyone, "a new login link")

    log_in(student, base, STUDENT[0], language)
    visit(student, "student: home")
    student.click("[data-tasks] a[href$='/wish']")
    visit(student, "student: the programme")
    student.select_option("#programme", "hbo-ict")
    student.click("main form button[type=submit]")
    visit(student, "student: the empty wish form")
    student.click("main form button[type=submit]")
    student.wait_for_selector(".meldpunt-error-summary")
    visit(student, "student: the wish form with an error")
    state_wish(student, base)
    visit(student, "student: suggestions")
    rank_offers(student, world, (TESTING, DATA))
    visit(student, "student: mine")

    log_in(office, base, OFFICE[0], language)
    visit(office, "office: home")
    for path, name in (
        ("/office/offers", "offers"),
        ("/office/offers/new", "the empty offer form"),
        (f"/office/offers/{world.offers[TESTING]}", "an offer and its check"),
        ("/office/hosts", "hosts"),
        ("/office/hosts/new", "the host form"),
        ("/office/rounds", "rounds"),
    ):
        office.goto(f"{base}/portal{path}")
        visit(office, f"office: {name}")
    office.goto(f"{base}/portal/office/offers/new")
    office.fill("#hours_per_week", "veel")
    office.click("main form button[type=submit]")
    office.wait_for_selector(".meldpunt-error-summary")
    visit(office, "office: the offer form with errors")
    fill_offer(office, HOST_NAME, UNFAIR_TERMS)
    office.click("main form button[type=submit]")
    office.click("[data-publish]")
    office.wait_for_selector("[data-refused]")
    visit(office, "office: an offer refused publication")
    office.goto(f"{base}/portal/office/hosts/new")
    office.click("main form button[type=submit]")
    office.wait_for_selector(".meldpunt-error-summary")
    visit(office, "office: the host form with errors")
    run_round(office, base)
    visit(office, "office: a round")
    office.goto(f"{base}/portal/office/shortages")
    visit(office, "office: shortages")
    office.goto(f"{base}/portal/office/students")
    visit(office, "office: students")
    office.goto(f"{base}/portal/office/people")
    visit(office, "office: users and roles")
    office.click(f"[data-person={OFFICE[0]}] a")
    visit(office, "office: a user's role")
    office.uncheck("#active-yes")  # the office's own account: refused, and said why
    office.click("main form button[type=submit]")
    office.wait_for_selector(".meldpunt-error-summary")
    visit(office, "office: a user's role with an error")
    office.goto(f"{base}/portal/office/invite")
    visit(office, "office: invite")
    office.click("main form button[type=submit]")
    office.wait_for_selector(".meldpunt-error-summary")
    visit(office, "office: invite with errors")
    office.select_option("#host", label=HOST_NAME)
    office.fill("#email", "nieuw@zorggroep.invalid")
    office.click("main form button[type=submit]")
    link = office.locator("[data-invitation-link]").inner_text()
    visit(office, "office: an invitation made")
    anyone.goto(link)
    visit(anyone, "the invitation link")

    log_in(host, base, HOST[0], language)
    visit(host, "host: home")
    for path, name in (
        ("/host/offers", "offers"),
        ("/host/offers/new", "the propose form"),
        ("/host/proposals", "proposals"),
    ):
        host.goto(f"{base}/portal{path}")
        visit(host, f"host: {name}")
    host.click("[data-proposal=proposed] h2 a")
    visit(host, "host: a proposal")
    host.click("button[value=accept]")
    host.wait_for_selector("[data-revealed]")
    visit(host, "host: an accepted proposal")
    host.goto(f"{base}/portal/host/proposals")
    visit(host, "host: proposals after accepting")


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_every_portal_page_passes_axe(
    portal: Flask, served: str, windows: Callable[..., Watched], axe_source: str, js: bool, language: str
) -> None:
    world = build_world(portal)
    found: list[str] = []

    def visit(page: Any, name: str) -> None:
        assert page.locator("html").get_attribute("lang") == language, name
        found.extend(f"{name}: {v}" for v in violations(page, axe_source))

    tour(lambda: windows(js, axe=True), served, world, language, visit)
    assert not found, "axe violations:\n" + "\n".join(found)
