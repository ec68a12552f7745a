"""Supervision in a real browser, as its new users meet it: the student's plan and check-ins, the supervisor's
signals and plans, the office's placements, overview and escalated signals.

A student answers check-ins on a phone without JavaScript and the supervisor sees the working-time signal; two
check-ins without supervision give a signal; the hotline's door carries nothing; a signal left alone reaches the
coordinator without the student's note; axe finds nothing on any supervision page a role sees.
Each person has a browser window of their own, so that no cookie of one reaches the pages of another.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from browser_fixtures import Watched
from browser_helpers import violations
from flask import Flask
from portal_pages import GOALS, HOST_NAME, OFFICE, STUDENT, log_in, user_id
from sqlalchemy import inspect
from test_phone_nojs import PHONE, assert_fits
from test_portal import person
from test_portal_pages_browser import served, windows  # noqa: F401

from hotline.dates import day
from hotline.portal.db import get_session
from hotline.portal.extensions import supervision
from hotline.portal.supervision import plans
from hotline.portal.supervision.models import CheckIn, Signal

pytestmark = pytest.mark.browser
SUPERVISOR = ("karin", "Karin Bos")
CANARY = "NOTE-CANARY-7c1"
CHECKINS = "[data-tasks] a[href$='/supervision/check-ins']"
SIGNALS = "[data-tasks] a[href$='/supervision/signals']"
ERRORS = ".meldpunt-error-summary"
# A check-in as the student fills it in: the radio buttons and the typed hours.
FINE = {"hours": "36", "longest_day": "8", "night_work": "no", "supervised": "yes", "tasks_fit": "4", "safe": "4"}


@dataclass
class Supervised:
    """A running placement of the student, supervised by Karin: one check-in due two weeks ago, one due today."""

    placement: str
    past: str
    due: str


def working_days_ago(count: int, today: dt.date) -> dt.date:
    """Return the day `count` working days (Monday to Friday) before today."""
    found = today
    while count:
        found -= dt.timedelta(days=1)
        count -= found.weekday() < 5
    return found


def supervised_world(portal: Flask) -> Supervised:
    """The student, their supervisor and the office; a placement that began four weeks ago, 36 hours a week.

    Check-ins are due every 14 days from the start, so one fell due two weeks ago and one falls due today.
    """
    for role, (username, name) in (("student", STUDENT), ("supervisor", SUPERVISOR), ("office", OFFICE)):
        person(portal, role, username, name)
    today = dt.date.today()
    start = today - dt.timedelta(days=28)
    with portal.app_context():
        session = get_session()
        fields = plans.PlacementFields(
            user_id(STUDENT[0]),
            user_id(SUPERVISOR[0]),
            "hbo-ict",
            HOST_NAME,
            start,
            today + dt.timedelta(days=120),
            36 * 60,
            GOALS,
        )
        placement = plans.create_placement(session, fields, supervision(portal).for_programme("hbo-ict"), start)
        session.commit()
        due = [c.id for c in placement.checkins if c.due_on <= today]
        assert [c.due_on for c in placement.checkins][:2] == [today - dt.timedelta(days=14), today]
        return Supervised(placement.id, due[0], due[1])


def old_signal(portal: Flask, world: Supervised, note: str | None = None) -> dt.date:
    """Raise a tasks-off signal ten working days ago from the past check-in; with a note, that check-in is answered."""
    raised = working_days_ago(10, dt.date.today())
    with portal.app_context():
        session = get_session()
        if note is not None:
            checkin = session.get(CheckIn, world.past)
            assert checkin is not None
            checkin.answered_on, checkin.hours, checkin.longest_day = raised, 36 * 60, 8 * 60
            checkin.night_work, checkin.supervised, checkin.tasks_fit, checkin.safe = False, True, 2, 4
            checkin.discuss, checkin.note = True, note
        session.add(
            Signal(
                id=secrets.token_hex(16),
                placement_id=world.placement,
                kind="tasks_off",
                raised_on=raised,
                checkin_id=world.past,
            )
        )
        session.commit()
    return raised


def answer(page: Any, base: str, checkin: str, answers: dict[str, str]) -> None:
    """Open a check-in from the list, fill it in as a student does (type the hours, click the buttons) and send it."""
    page.goto(f"{base}/portal/supervision/check-ins")
    page.click(f"[data-checkin='{checkin}'] a")
    page.wait_for_selector("#hours")
    for name, value in answers.items():
        if name in ("hours", "longest_day"):
            page.fill(f"#{name}", value)
        else:
            page.check(f"#{name}-{value}")
    page.click("main form button[type=submit]")
    page.wait_for_selector("[data-hotline-door], dl.meldpunt-facts")


def signal_kinds(page: Any) -> list[str]:
    """Return the kinds of the signals listed, in their order on the page."""
    return [str(item.get_attribute("data-signal")) for item in page.locator("li[data-signal]").all()]


def tour(
    window: Callable[[], Watched], base: str, world: Supervised, language: str, visit: Callable[..., None]
) -> None:
    """Walk every supervision page each role sees, and the error states of its forms, calling visit on each."""
    student, supervisor, office = (window().page for _ in range(3))
    in_a_week = day_text(dt.date.today() + dt.timedelta(days=7))

    log_in(student, base, STUDENT[0], language)
    student.click("[data-tasks] a[href$='/supervision/plan']")
    student.wait_for_selector("[data-moments]")
    visit(student, "student: plan")
    student.click("main form button[type=submit]")
    student.wait_for_selector(ERRORS)
    visit(student, "student: ask for a moment, with an error")
    student.fill("#wished_on", in_a_week)
    student.click("main form button[type=submit]")
    student.wait_for_selector("[role=status]")
    visit(student, "student: a moment asked")
    student.goto(f"{base}/portal/")
    student.click(CHECKINS)
    student.wait_for_selector("[data-checkin]")
    visit(student, "student: check-ins")
    student.click(f"[data-checkin='{world.past}'] a")
    student.wait_for_selector("#hours")
    visit(student, "student: the check-in form")
    student.click("main form button[type=submit]")
    student.wait_for_selector(ERRORS)
    visit(student, "student: the check-in form with errors")
    answer(student, base, world.past, FINE)
    student.wait_for_selector("[role=status]")
    visit(student, "student: an answered check-in")
    answer(student, base, world.due, FINE | {"safe": "1"})
    student.wait_for_selector("[data-hotline-door]")
    visit(student, "student: the hotline's door")
    student.goto(f"{base}/portal/calendar")
    visit(student, "student: the calendar feed")
    student.click("main form[action$='/calendar'] button[type=submit]")
    student.wait_for_selector("[data-feed-link]")
    visit(student, "student: a calendar link made")

    log_in(supervisor, base, SUPERVISOR[0], language)
    supervisor.click(SIGNALS)
    supervisor.wait_for_selector("li[data-signal]")
    visit(supervisor, "supervisor: signals")
    supervisor.click("li[data-signal=unsafe] a")
    supervisor.wait_for_selector("#note")
    visit(supervisor, "supervisor: a signal")
    supervisor.click("main form button[type=submit]")
    supervisor.wait_for_selector(ERRORS)
    visit(supervisor, "supervisor: a signal with an error")
    supervisor.goto(f"{base}/portal/")
    supervisor.click("[data-tasks] a[href$='/supervision/mine']")
    supervisor.wait_for_selector("[data-supervised]")
    visit(supervisor, "supervisor: placements")
    supervisor.click("[data-supervised] a")
    supervisor.wait_for_selector("[data-moment]")
    visit(supervisor, "supervisor: a placement's plan")
    supervisor.click("[data-moment] form[action$='/held'] button[type=submit] >> nth=0")
    supervisor.wait_for_selector(ERRORS)
    visit(supervisor, "supervisor: recording a moment, with errors")
    supervisor.goto(f"{base}/portal/calendar")
    visit(supervisor, "supervisor: the calendar feed")

    log_in(office, base, OFFICE[0], language)
    office.click("[data-tasks] a[href$='/supervision/placements']")
    office.wait_for_selector("[data-placements]")
    visit(office, "office: placements")
    office.click("main form[action$='/supervision/placements'] button[type=submit]")
    office.wait_for_selector(ERRORS)
    visit(office, "office: a placement with errors")
    office.goto(f"{base}/portal/supervision/placements/{world.placement}")
    visit(office, "office: a placement's plan")
    office.goto(f"{base}/portal/")
    office.click("[data-tasks] a[href$='/supervision/coordinator']")
    office.wait_for_selector("[data-overview]")
    visit(office, "office: overview per programme")
    office.goto(f"{base}/portal/")
    office.click("[data-tasks] a[href$='/supervision/escalated']")
    office.wait_for_selector("tr[data-signal]")
    visit(office, "office: escalated signals")


def day_text(value: dt.date) -> str:
    """Write a day as people type it into the portal's date fields: 1-2-2027."""
    return f"{value.day}-{value.month}-{value.year}"


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_every_supervision_page_passes_axe(
    portal: Flask,
    served: str,  # noqa: F811
    windows: Callable[..., Watched],  # noqa: F811
    axe_source: str,
    js: bool,
    language: str,
) -> None:
    world = supervised_world(portal)
    old_signal(portal, world)
    found: list[str] = []
    seen: list[str] = []

    def visit(page: Any, name: str) -> None:
        assert page.locator("html").get_attribute("lang") == language, name
        found.extend(f"{name} ({urlsplit(page.url).path}): {v}" for v in violations(page, axe_source))
        seen.append(name)

    tour(lambda: windows(js, axe=True), served, world, language, visit)
    assert len(seen) == 22, seen
    assert not found, "axe violations:\n" + "\n".join(found)


def test_a_check_in_on_a_phone_without_javascript_raises_the_working_time_signal(
    portal: Flask,
    served: str,  # noqa: F811
    windows: Callable[..., Watched],  # noqa: F811
) -> None:
    world = supervised_world(portal)
    phone = windows(False, phone=True).page
    log_in(phone, served, STUDENT[0], "nl")
    phone.tap(CHECKINS)
    phone.wait_for_selector("[data-checkin]")
    assert_fits(phone, "the check-ins")
    phone.tap(f"[data-checkin='{world.due}'] a")
    phone.wait_for_selector("#hours")
    assert_fits(phone, "the check-in form")
    answered = phone.url
    phone.fill("#hours", "55")
    phone.fill("#longest_day", "13")
    for choice in ("#night_work-no", "#supervised-yes", "#tasks_fit-4", "#safe-4"):
        phone.tap(choice)
    with phone.expect_navigation() as navigation:
        phone.tap("main form button[type=submit]")
    assert navigation.value is not None and navigation.value.ok
    facts = phone.locator("dl.meldpunt-facts").inner_text()
    assert "55 uur" in facts and "13 uur" in facts, facts
    assert_fits(phone, "the answered check-in")
    # Measured once more by the page itself, in a 390 px window whose scripts are blocked (so evaluate answers):
    # the answered check-in, and the form of the one still open.
    measured = windows(False, axe=True, phone=True).page  # scripts blocked, evaluate answers
    log_in(measured, served, STUDENT[0], "nl")
    for url in (answered, f"{served}/portal/supervision/check-ins/{world.past}"):
        measured.goto(url)
        width = measured.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{url} is {width}px wide"

    supervisor = windows(True).page
    log_in(supervisor, served, SUPERVISOR[0], "nl")
    supervisor.click(SIGNALS)
    supervisor.wait_for_selector("li[data-signal]")
    kinds = signal_kinds(supervisor)
    assert "hours_law" in kinds and "hours_agreement" in kinds, kinds
    assert kinds.index("hours_law") < kinds.index("hours_agreement"), kinds
    law = supervisor.locator("li[data-signal=hours_law]")
    assert "Arbeidstijdenwet" in law.inner_text() and STUDENT[1] in law.inner_text()
    supervisor.click("li[data-signal=hours_law] a")
    supervisor.wait_for_selector("dl.meldpunt-facts")
    assert "55 uur" in supervisor.locator("dl.meldpunt-facts").inner_text()


def test_two_check_ins_without_supervision_give_a_signal(
    portal: Flask,
    served: str,  # noqa: F811
    windows: Callable[..., Watched],  # noqa: F811
) -> None:
    world = supervised_world(portal)
    student, supervisor = windows(True).page, windows(True).page
    log_in(student, served, STUDENT[0], "en")
    log_in(supervisor, served, SUPERVISOR[0], "en")
    answer(student, served, world.past, FINE | {"supervised": "no"})
    supervisor.click(SIGNALS)
    supervisor.wait_for_url("**/supervision/signals")
    assert "no_supervision" not in signal_kinds(supervisor)  # one period without supervision is not yet a run
    answer(student, served, world.due, FINE | {"supervised": "no"})
    supervisor.reload()
    signal = supervisor.locator("li[data-signal=no_supervision]")
    assert signal.count() == 1
    assert STUDENT[1] in signal.inner_text()


def test_the_hotline_door_carries_nothing(
    portal: Flask,
    served: str,  # noqa: F811
    windows: Callable[..., Watched],  # noqa: F811
) -> None:
    world = supervised_world(portal)
    window = windows(True)
    student = window.page
    log_in(student, served, STUDENT[0], "nl")
    answer(student, served, world.due, FINE | {"safe": "1"})
    door = student.locator("[data-hotline-door] a")
    assert door.count() == 1
    href = str(door.get_attribute("href"))
    target = urlsplit(href)
    assert "?" not in href and "#" not in href and not target.query and not target.fragment, href
    assert "noreferrer" in str(door.get_attribute("rel")).split(), door.get_attribute("rel")
    assert world.due not in href and STUDENT[0] not in href
    with portal.app_context():
        schema = inspect(get_session().get_bind())
        names = schema.get_table_names()
        columns = [f"{table}.{column['name']}" for table in names for column in schema.get_columns(table)]
    assert names and not [name for name in names + columns if "door" in name.lower()], columns
    with student.expect_navigation():
        door.click()
    assert urlsplit(student.url).path == (target.path or "/")
    # The hotline's page was asked with no Referer: it cannot tell that a student of the portal came from here.
    asked = [r.all_headers() for r in window.requests if r.url == student.url]
    assert asked and all("referer" not in headers for headers in asked), asked


def test_a_signal_left_alone_reaches_the_coordinator(
    portal: Flask,
    served: str,  # noqa: F811
    windows: Callable[..., Watched],  # noqa: F811
) -> None:
    world = supervised_world(portal)
    raised = old_signal(portal, world, CANARY)
    office = windows(True).page
    log_in(office, served, OFFICE[0], "nl")
    office.click("[data-tasks] a[href$='/supervision/escalated']")
    row = office.locator("tr[data-signal=tasks_off]")
    row.wait_for()
    cells = row.locator("td").all_inner_texts()
    assert cells[1] == SUPERVISOR[1] and "leerdoelen" in cells[2] and cells[3] == day(raised, "nl"), cells
    assert CANARY not in office.content()
    office.goto(f"{served}/portal/supervision/coordinator")
    ages = office.locator("[data-signals] tr[data-signal=tasks_off] td").all_inner_texts()
    assert ages == ["0", "1", "0"], ages  # ten working days are two weeks: open "up to two weeks"
    assert CANARY not in office.content()
