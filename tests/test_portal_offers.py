"""Hosts and offers: the office keeps them, hosts propose, and no offer a rule objects to is published."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_portal import log_in, person
from werkzeug.test import Client

from hotline.norms import PROBLEM
from hotline.portal.accounts.models import User
from hotline.portal.db import get_session
from hotline.portal.extensions import catalogue, norms
from hotline.portal.placements import offers
from hotline.portal.placements.models import Host, MatchingRound, Offer, Proposal

FAIR = offers.OfferFields(
    title="Ontwikkelaar in een webteam",
    tasks="Meebouwen aan de webwinkel, met code review door het team.",
    start=dt.date(2027, 2, 1),
    end=dt.date(2027, 6, 30),
    hours_per_week=36 * 60,
    places=2,
    programmes=("hbo-ict",),
    areas=("software", "testing"),
    longest_day=8 * 60,
    night_work=False,
    weekend_work=False,
    allowance=Decimal(600),
    allowance_period="month",
    supervisor_name="Karin Bos",
    learning_plan=True,
    contact_moments=3,
)
UNFAIR = dataclasses.replace(FAIR, hours_per_week=50 * 60, longest_day=10 * 60, allowance=Decimal(0))
FAIR_FORM = {
    "title": FAIR.title,
    "tasks": FAIR.tasks,
    "programmes": "hbo-ict",
    "areas": ["software", "testing"],
    "start": "1-2-2027",
    "end": "30-6-2027",
    "hours_per_week": "36",
    "longest_day": "8",
    "night_work": "no",
    "weekend_work": "no",
    "allowance": "600",
    "allowance_period": "month",
    "supervisor_name": "Karin Bos",
    "learning_plan": "yes",
    "contact_moments": "3",
    "places": "2",
}


def add_host(portal: Flask, name: str = "Webwinkel BV", sector: str = "ict") -> str:
    with portal.app_context():
        session = get_session()
        host = offers.create_host(session, offers.HostFields(name, sector, "west", "Karin Bos"), catalogue())
        session.commit()
        return host.id


def add_offer(portal: Flask, host_id: str, fields: offers.OfferFields = FAIR, by: str | None = None) -> str:
    with portal.app_context():
        session = get_session()
        host = session.get(Host, host_id)
        assert host is not None
        proposer = None if by is None else session.scalar(select(User).where(User.username == by))
        offer = offers.create_offer(session, host, fields, catalogue(), proposed_by=proposer)
        session.commit()
        return offer.id


def contact(portal: Flask, host_id: str, username: str = "hanna") -> str:
    """A logged-in-able host contact of the host."""
    person(portal, "host", username, "Hanna Contact")
    with portal.app_context():
        session = get_session()
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None
        user.host_id = host_id
        session.commit()
    return username


def stored(portal: Flask, offer_id: str) -> Offer:
    with portal.app_context():
        offer = get_session().get(Offer, offer_id)
        assert offer is not None
        return offer


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"areas": ("software", "youth")}, "areas"),  # youth is Social Work's, not HBO-ICT's
        ({"areas": ()}, "areas"),
        ({"programmes": ()}, "programmes"),
        ({"programmes": ("hbo-ict", "astrology")}, "programmes"),
        ({"places": 0}, "places"),
        ({"end": dt.date(2027, 1, 31)}, "end"),
        ({"end": dt.date(2027, 2, 1)}, "end"),
        ({"hours_per_week": 0}, "hours_per_week"),
        ({"longest_day": 37 * 60}, "longest_day"),
        ({"allowance": Decimal(300), "allowance_period": None}, "allowance_period"),
        ({"allowance": None, "allowance_period": "month"}, "allowance"),
        ({"title": " "}, "title"),
    ],
)
def test_the_service_refuses_an_offer_that_breaks_a_rule_of_the_form(
    portal: Flask, change: dict[str, Any], field: str
) -> None:
    host_id = add_host(portal)
    with portal.app_context():
        host = get_session().get(Host, host_id)
        assert host is not None
        with pytest.raises(offers.InvalidInput) as refused:
            offers.create_offer(get_session(), host, dataclasses.replace(FAIR, **change), catalogue())
        assert list(refused.value.errors) == [field]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (offers.HostFields("", "ict", "west"), "name"),
        (offers.HostFields("Bakkerij", "bakery", "west"), "sector"),
        (offers.HostFields("Bakkerij", "retail", "mars"), "region"),
        (offers.HostFields("Bakkerij", "retail", "west", contact_email="not-an-address"), "contact_email"),
    ],
)
def test_a_host_needs_a_name_a_known_sector_and_region(portal: Flask, fields: offers.HostFields, field: str) -> None:
    with portal.app_context(), pytest.raises(offers.InvalidInput) as refused:
        offers.create_host(get_session(), fields, catalogue())
    assert list(refused.value.errors) == [field]


def test_the_terms_of_an_offer_are_what_it_says_in_the_engines_units(portal: Flask) -> None:
    offer_id = add_offer(portal, add_host(portal, sector="healthcare"))
    with portal.app_context():
        offer = get_session().get(Offer, offer_id)
        assert offer is not None
        terms = offers.terms_of(offer)
        assert terms.hours_per_week == 2160 and terms.longest_day == 480 and terms.allowance == Decimal("600.00")
        assert terms.supervisor is True and terms.written_agreement is True and terms.sector == "healthcare"
        assert terms.under_18 is None and terms.days_per_week is None and terms.evaluations is None
        offer.supervisor_name = None
        assert offers.terms_of(offer).supervisor is False


def test_an_offer_of_50_hours_at_nothing_cannot_be_published_and_says_why(portal: Flask) -> None:
    offer_id = add_offer(portal, add_host(portal), UNFAIR)
    with portal.app_context():
        offer = get_session().get(Offer, offer_id)
        assert offer is not None
        with pytest.raises(offers.CannotPublish) as refused:
            offers.publish(get_session(), offer, norms())
        codes = {f.rule.code for f in refused.value.findings}
        assert {"allowance.minimum", "working-time.adult.16-weeks"} <= codes
        assert all(f.outcome == PROBLEM for f in refused.value.findings)
        assert offer.status == "draft" and offer.published_on is None


def test_an_offer_is_held_to_the_adult_limits_whatever_the_students_age(portal: Flask) -> None:
    long_weeks = dataclasses.replace(FAIR, hours_per_week=70 * 60, allowance=Decimal(2000))
    offer_id = add_offer(portal, add_host(portal), long_weeks)
    with portal.app_context():
        offer = get_session().get(Offer, offer_id)
        assert offer is not None
        outcomes = {f.rule.code: f.outcome for f in offers.check(offer, norms())}
        assert outcomes["working-time.adult.week"] == PROBLEM and "working-time.minor.week" not in outcomes
        assert outcomes["agreement.contents"] == "ok"  # the institution's own agreement has every part


def test_a_fair_offer_is_published_and_a_closed_one_cannot_be(portal: Flask) -> None:
    offer_id = add_offer(portal, add_host(portal))
    with portal.app_context():
        session = get_session()
        offer = session.get(Offer, offer_id)
        assert offer is not None
        offers.publish(session, offer, norms())
        assert offer.status == "published" and offer.published_on == dt.date.today()
        offers.close(session, offer)
        with pytest.raises(offers.WrongState):
            offers.publish(session, offer, norms())


def test_a_published_offer_keeps_no_change_that_a_rule_objects_to(portal: Flask) -> None:
    offer_id = add_offer(portal, add_host(portal))
    with portal.app_context():
        session = get_session()
        offer = session.get(Offer, offer_id)
        assert offer is not None
        offers.publish(session, offer, norms())
        with pytest.raises(offers.CannotPublish):
            offers.update_offer(session, offer, UNFAIR, catalogue(), norms())
        assert offer.hours_per_week == 36 * 60 and offer.status == "published"


def placed(session: Session, offer_id: str, student: str, status: str) -> None:
    user = session.scalar(select(User).where(User.username == student))
    assert user is not None
    made = MatchingRound(id=student, programme="hbo-ict", seed="00", run_at=dt.datetime(2026, 12, 1), run_by=user.id)
    session.add(made)
    session.add(Proposal(id=student, round=made, student_id=user.id, offer_id=offer_id, lottery=1, status=status))


def test_the_hosts_list_counts_accepted_placements_by_year(portal: Flask) -> None:
    host_id = add_host(portal)
    earlier = add_offer(portal, host_id, dataclasses.replace(FAIR, start=dt.date(2025, 9, 1), end=dt.date(2026, 1, 31)))
    later = add_offer(portal, host_id)
    for name in ("ana", "bo", "cas", "dee"):
        person(portal, "student", name, name.title())
    with portal.app_context():
        session = get_session()
        for offer_id, student, status in ((earlier, "ana", "accepted"), (earlier, "bo", "accepted")):
            placed(session, offer_id, student, status)
        placed(session, later, "cas", "accepted")
        placed(session, later, "dee", "declined")
        session.commit()
        [record] = offers.hosts(session)
    assert record.offers == 2 and record.placements == {2027: 1, 2025: 2}


def test_the_office_adds_a_host_and_an_error_keeps_what_was_typed(portal: Flask, both: Client) -> None:
    log_in(both, person(portal, "office", "olga", "Olga Office"))
    typed = {"name": "Zorggroep Zuid", "sector": "healthcare", "region": "zuid", "contact_email": "zorg@"}
    response = both.post("/portal/office/hosts/new", data=typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'href="#contact_email"' in page
    assert 'value="Zorggroep Zuid"' in page and 'value="zorg@"' in page and 'value="zuid" selected' in page
    assert both.post("/portal/office/hosts/new", data=typed | {"contact_email": "zorg@zuid.example"}).status_code == 302
    assert "Zorggroep Zuid" in both.get("/portal/office/hosts").get_data(as_text=True)


def test_the_offer_form_keeps_every_field_on_an_error(portal: Flask, both: Client) -> None:
    host_id = add_host(portal)
    log_in(both, person(portal, "office", "olga", "Olga Office"))
    typed = FAIR_FORM | {"host_id": host_id, "areas": ["software", "youth"], "places": "0", "end": "31-1-2027"}
    response = both.post("/portal/office/offers/new", data=typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for field in ("areas", "end", "places"):
        assert f'href="#{field}"' in page
    assert 'value="Karin Bos"' in page and 'value="31-1-2027"' in page and 'value="0"' in page
    assert 'id="areas-social-work-youth" checked' in page and 'id="programmes-hbo-ict" checked' in page
    assert f'value="{host_id}" selected' in page and 'id="allowance_period-month" checked' in page


def test_an_offer_of_50_hours_a_week_at_0_euros_is_refused_publication(portal: Flask, both: Client) -> None:
    host_id = add_host(portal)
    log_in(both, person(portal, "office", "olga", "Olga Office"))
    unfair = FAIR_FORM | {"host_id": host_id, "hours_per_week": "50", "allowance": "0"}
    created = both.post("/portal/office/offers/new", data=unfair)
    assert created.status_code == 302
    offer_page = created.headers["Location"]
    shown = both.get(offer_page).get_data(as_text=True)
    assert 'data-check="problem"' in shown and 'data-rule="allowance.minimum" data-outcome="problem"' in shown
    response = both.post(offer_page + "/publish")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "data-refused" in page and "Niet gepubliceerd." in page
    assert "Je krijgt geen vergoeding voor een voltijdse stage (50 uur per week)." in page
    assert "Bron:" in page
    assert stored(portal, offer_page.rsplit("/", 1)[1]).status == "draft"


def test_a_fair_offer_is_published_from_its_page(portal: Flask, both: Client) -> None:
    offer_id = add_offer(portal, add_host(portal))
    log_in(both, person(portal, "office", "olga", "Olga Office"))
    page = both.get(f"/portal/office/offers/{offer_id}").get_data(as_text=True)
    assert 'data-check="ok"' in page and 'data-rule="supervision.host" data-outcome="ok"' in page
    assert both.post(f"/portal/office/offers/{offer_id}/publish").status_code == 302
    assert stored(portal, offer_id).status == "published"
    listed = both.get("/portal/office/offers?status=published").get_data(as_text=True)
    assert f'data-offer="{offer_id}" data-status="published"' in listed


def test_a_host_proposes_an_offer_and_the_office_publishes_it(portal: Flask, both: Client) -> None:
    host_id = add_host(portal)
    log_in(both, contact(portal, host_id))
    response = both.post("/portal/host/offers/new", data=FAIR_FORM)
    assert response.status_code == 302
    offer_id = response.headers["Location"].rsplit("/", 1)[1]
    offer = stored(portal, offer_id)
    assert offer.status == "proposed" and offer.proposed_by is not None and offer.host_id == host_id
    assert both.post(f"/portal/office/offers/{offer_id}/publish").status_code == 403  # a host cannot publish
    both.post("/portal/logout")
    log_in(both, person(portal, "office", "olga", "Olga Office"))
    assert f'data-offer="{offer_id}"' in both.get("/portal/office/offers?status=proposed").get_data(as_text=True)
    assert both.post(f"/portal/office/offers/{offer_id}/publish").status_code == 302
    assert stored(portal, offer_id).status == "published"


def test_a_host_sees_only_its_own_offers_and_changes_only_proposals(portal: Flask, both: Client) -> None:
    ours, theirs = add_host(portal), add_host(portal, "Andere BV")
    log_in(both, contact(portal, ours))
    own, other = add_offer(portal, ours, by="hanna"), add_offer(portal, theirs)
    listed = both.get("/portal/host/offers").get_data(as_text=True)
    assert f'data-offer="{own}"' in listed and f'data-offer="{other}"' not in listed
    assert both.get(f"/portal/host/offers/{own}").status_code == 200
    for url in (f"/portal/host/offers/{other}", f"/portal/host/offers/{other}/edit"):
        assert both.get(url).status_code == 403
    assert both.post(f"/portal/host/offers/{other}/edit", data=FAIR_FORM).status_code == 403
    with portal.app_context():
        offer = get_session().get(Offer, own)
        assert offer is not None
        offers.publish(get_session(), offer, norms())
        get_session().commit()
    assert both.get(f"/portal/host/offers/{own}/edit").status_code == 403


@pytest.mark.parametrize("role", ["student", "supervisor", "host"])
@pytest.mark.parametrize("url", ["/portal/office/hosts", "/portal/office/offers", "/portal/office/offers/new"])
def test_only_the_office_reaches_the_office_pages(portal: Flask, both: Client, role: str, url: str) -> None:
    log_in(both, person(portal, role, "someone", "Someone"))
    assert both.get(url).status_code == 403


@pytest.mark.parametrize("role", ["student", "supervisor", "office"])
def test_only_a_host_contact_reaches_the_host_pages(portal: Flask, both: Client, role: str) -> None:
    offer_id = add_offer(portal, add_host(portal))
    log_in(both, person(portal, role, "someone", "Someone"))
    for url in ("/portal/host/offers", "/portal/host/offers/new", f"/portal/host/offers/{offer_id}"):
        assert both.get(url).status_code == 403


def test_a_host_contact_without_a_host_is_refused(portal: Flask, both: Client) -> None:
    log_in(both, person(portal, "host", "loose", "Loose Contact"))
    assert both.get("/portal/host/offers").status_code == 403


def test_the_nav_links_the_office_and_hosts_to_their_pages_in_either_language(portal: Flask, both: Client) -> None:
    host_id = add_host(portal)
    log_in(both, person(portal, "office", "olga", "Olga Office"))
    assert 'href="/portal/office/offers">Stagebureau<' in both.get("/portal/").get_data(as_text=True)
    both.get("/portal/lang/en")
    page = both.get("/portal/office/offers/new").get_data(as_text=True)
    assert "Internship office" in page and "Learning areas" in page and "Software development" in page
    both.post("/portal/logout")
    log_in(both, contact(portal, host_id))
    assert 'href="/portal/host/offers">' in both.get("/portal/").get_data(as_text=True)
