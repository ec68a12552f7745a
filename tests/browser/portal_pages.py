"""The portal in the browser: its people, a host with two offers, and the steps each person takes through the pages.

Shared by tests/browser/test_portal_pages_browser.py and the portal's cases of test_screenshots.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from browser_fixtures import Watched, watch
from flask import Flask
from sqlalchemy import select
from test_phone_nojs import PHONE
from test_portal import PASSWORD, person
from test_portal_rounds import add_host, add_offer, add_wish

from hotline.portal.accounts.models import User
from hotline.portal.db import get_session
from hotline.portal.extensions import catalogue
from hotline.portal.placements import rounds
from hotline.portal.placements.models import Offer

STUDENT = ("sanne", "Sanne de Vries")
OFFICE = ("olga", "Olga Kok")
HOST = ("hanna", "Hanna Smit")
HOST_NAME = "Zorggroep Zuid"
TESTING, DATA = "Testen bij de zorg", "Data bij de zorg"
GOALS = "Ik wil leren testen in een team, met code review."


@dataclass
class World:
    """What the pages need to know of the portal's data: the offers' ids by title."""

    offers: dict[str, str]


def build_world(portal: Flask) -> World:
    """A student without a wish, the office, and a host contact of a host with two published offers for HBO-ICT."""
    for role, (username, name) in (("student", STUDENT), ("office", OFFICE), ("host", HOST)):
        person(portal, role, username, name)
    with portal.app_context():
        session = get_session()
        host = add_host(session, HOST_NAME)
        contact = session.scalar(select(User).where(User.username == HOST[0]))
        assert contact is not None
        contact.host_id = host.id
        offers = {
            title: add_offer(session, host, title, (area,)).id for title, area in ((TESTING, "testing"), (DATA, "data"))
        }
        session.commit()
    return World(offers)


def user_id(username: str) -> str:
    """Return the id of a user (inside the portal's app context)."""
    found = get_session().scalar(select(User.id).where(User.username == username))
    assert found is not None
    return found


def proposed_world(portal: Flask) -> World:
    """The world after a round: the student ranked both offers and waits on the host; two more students seek."""
    world = build_world(portal)
    for number in range(2):
        person(portal, "student", f"zoeker{number}", f"Zoekende student {number}")
    with portal.app_context():
        session = get_session()
        offers = [session.get(Offer, world.offers[title]) for title in (TESTING, DATA)]
        add_wish(session, user_id(STUDENT[0]), ("testing", "data"), [o for o in offers if o is not None], GOALS)
        for number in range(2):
            add_wish(session, user_id(f"zoeker{number}"), ("data",), [])
        office = session.get(User, user_id(OFFICE[0]))
        assert office is not None
        rounds.run(session, "hbo-ict", catalogue(), office)
        session.commit()
    return world


def new_window(browser: Any, opened: list[Any], js: bool, axe: bool = False, phone: bool = False) -> Watched:
    """Open a window of its own (its own cookies), with JavaScript or without, at desktop or phone size (390 by 844).

    Chromium with JavaScript off refuses page.evaluate, and so axe: for axe, "without" means that the page's own
    scripts never load, which shows the page a student without JavaScript sees.
    """
    size = {"viewport": PHONE, "is_mobile": True, "has_touch": True} if phone else {}
    context = browser.new_context(java_script_enabled=js or axe, **size)
    if not js and axe:
        context.route("**/*.js", lambda route: route.abort())
    opened.append(context)
    return watch(context.new_page())


def log_in(page: Any, base: str, username: str, language: str | None = None) -> None:
    """Choose the language (or keep the one chosen) and log in through the login form, as a new user does."""
    page.goto(f"{base}/portal/lang/{language}?next=/" if language else f"{base}/portal/login")
    page.wait_for_selector("#username")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_selector("[data-role]")


def state_wish(page: Any, base: str, areas: tuple[str, ...] = ("testing", "data")) -> None:
    """From the home page: open the wish, choose the programme, and give the areas in order, goals, period and hours."""
    page.goto(f"{base}/portal/")
    page.click("[data-tasks] a[href$='/wish']")
    # the click navigates: wait for the wish page itself, or the count below may still see the home page
    page.wait_for_selector("select#programme, #area-1")
    if page.locator("select#programme").count():  # a student whose programme nobody knows yet is asked it first
        page.select_option("#programme", "hbo-ict")
        page.click("main form button[type=submit]")
    page.wait_for_selector("#area-1")
    for rank, area in enumerate(areas, start=1):
        page.select_option(f"#area-{rank}", area)
    page.fill("#goals", GOALS)
    page.fill("#start", "1-2-2027")
    page.fill("#end", "30-6-2027")
    page.fill("#hours", "36")
    page.click("main form button[type=submit]")
    page.wait_for_selector("[data-offer]")


def rank_offers(page: Any, world: World, titles: tuple[str, ...]) -> None:
    """On the suggestions page, number the offers in the order given and save the order."""
    for rank, title in enumerate(titles, start=1):
        page.select_option(f"#rank-{world.offers[title]}", str(rank))
    page.click("main form button[type=submit]")
    page.wait_for_selector("[data-ranking]")


def run_round(page: Any, base: str) -> None:
    """From the office's home page: open the rounds, choose HBO-ICT and start a round."""
    page.goto(f"{base}/portal/")
    page.click("[data-tasks] a[href$='/office/rounds']")
    page.select_option("#programme", "hbo-ict")
    page.click("main form button[type=submit]")
    page.wait_for_selector("[data-seed]")
