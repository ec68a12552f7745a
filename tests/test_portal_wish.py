"""The student's learning wish, the offers suggested for it with why, and the student's own ranking."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_portal import PASSWORD, log_in, person
from werkzeug.test import Client

from hotline.portal.accounts import service
from hotline.portal.accounts.models import User
from hotline.portal.db import get_session
from hotline.portal.extensions import catalogue
from hotline.portal.placements import fit, wishes
from hotline.portal.placements.models import Host, MatchingRound, Offer, OfferArea, OfferProgramme, Proposal

TODAY = dt.date(2026, 11, 1)
SUPPORT = "Ik heb dyslexie en wil teksten vooraf kunnen lezen"
ROUTES = ("/portal/wish", "/portal/offers", "/portal/offers/mine")


def student(portal: Flask, username: str = "sanne", programme: str | None = "hbo-ict") -> str:
    with portal.app_context():
        session = get_session()
        name = f"Student {username.title()}"
        service.create_local(session, "student", name, username, PASSWORD, programme=programme)
        session.commit()
    return username


def host(session: Session, key: str, region: str = "west") -> Host:
    made = Host(id=key, name=f"Bedrijf {key.title()}", sector="ict", region=region, created_on=TODAY)
    session.add(made)
    return made


def offer(
    session: Session,
    key: str,
    at: Host,
    areas: tuple[str, ...] = ("testing",),
    programme: str = "hbo-ict",
    hours: int = 36,
    start: dt.date = dt.date(2027, 2, 1),
    end: dt.date = dt.date(2027, 6, 25),
    status: str = "published",
    places: int = 1,
) -> Offer:
    made = Offer(
        id=key,
        host_id=at.id,
        title=f"Stage {key}",
        tasks="Testen",
        start=start,
        end=end,
        hours_per_week=hours * 60,
        places=places,
        status=status,
        created_on=TODAY,
        programmes=[OfferProgramme(programme=programme)],
        areas=[OfferArea(area=area) for area in areas],
    )
    session.add(made)
    return made


@pytest.fixture
def offers(portal: Flask) -> Iterator[None]:
    """A host in the west and one in the east, with offers that fit, fit less, or may not be suggested."""
    with portal.app_context():
        session = get_session()
        west, east = host(session, "west"), host(session, "oost", region="oost")
        offer(session, "best", west, areas=("testing", "software"), hours=32)
        offer(session, "fair", east, areas=("software",), hours=40, start=dt.date(2027, 4, 1))
        offer(session, "draft", west, status="draft")
        offer(session, "full", west, places=0)
        offer(session, "nurse", west, areas=("acute",), programme="verpleegkunde")
        session.commit()
    yield


def given(**changes: object) -> wishes.WishInput:
    wish = wishes.WishInput(
        programme="hbo-ict",
        areas=["testing", "software"],
        goals="Ik wil leren testen.",
        start=dt.date(2027, 2, 1),
        end=dt.date(2027, 6, 18),
        hours=32,
        region="west",
        support_needs=SUPPORT,
    )
    return dataclasses.replace(wish, **changes)  # type: ignore[arg-type]


def user(session: Session, username: str) -> User:
    found = session.scalar(select(User).where(User.username == username))
    assert found is not None
    return found


def test_a_wish_is_saved_with_its_areas_in_order_and_replaced_on_saving_again(portal: Flask) -> None:
    student(portal)
    with portal.app_context():
        session = get_session()
        me = user(session, "sanne")
        wishes.save_wish(session, me, given(areas=["", "testing", "data"]), catalogue(), TODAY)
        wishes.save_wish(session, me, given(areas=["data", "", "security"], hours=None), catalogue(), TODAY)
        session.commit()
        wish = wishes.wish_for(session, me)
        assert wish is not None and [(a.rank, a.area) for a in wish.areas] == [(1, "data"), (2, "security")]
        assert wish.hours is None and wish.support_needs == SUPPORT and wish.programme == "hbo-ict"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"areas": ["", ""]}, "area-1"),
        ({"areas": ["testing", "acute"]}, "area-2"),
        ({"areas": ["testing", "testing"]}, "area-2"),
        ({"areas": ["testing", "data", "software", "security", "design", "infrastructure"]}, "area-6"),
        ({"goals": "   "}, "goals"),
        ({"goals": "x" * 2001}, "goals"),
        ({"end": dt.date(2027, 1, 1)}, "end"),
        ({"hours": 0}, "hours"),
        ({"hours": 61}, "hours"),
        ({"region": "mars"}, "region"),
        ({"max_travel_minutes": 0}, "travel"),
        ({"support_needs": "x" * 2001}, "support"),
        ({"programme": "verpleegkunde", "areas": ["acute"]}, "programme"),  # not the programme the school knows
        ({"year": 9}, "year"),
    ],
)
def test_a_wish_that_breaks_a_rule_is_refused_with_the_field(
    portal: Flask, changes: dict[str, object], field: str
) -> None:
    student(portal)
    with portal.app_context():
        session = get_session()
        with pytest.raises(wishes.WishError) as refused:
            wishes.save_wish(session, user(session, "sanne"), given(**changes), catalogue(), TODAY)
        assert field in refused.value.errors
        assert wishes.wish_for(session, user(session, "sanne")) is None


def test_matching_reads_no_support_needs_and_an_offer_by_its_hosts_region(portal: Flask, offers: None) -> None:
    student(portal)
    with portal.app_context():
        session = get_session()
        wish = wishes.save_wish(session, user(session, "sanne"), given(), catalogue(), TODAY)
        assert SUPPORT not in repr(wishes.as_fit_wish(wish))
        assert wishes.as_fit_wish(wish).areas == ("testing", "software")
        fair = session.get(Offer, "fair")
        assert fair is not None and wishes.as_fit_offer(fair).region == "oost"
        fair.hours_per_week = 37 * 60 + 30
        assert wishes.as_fit_offer(fair).hours == 37
        with pytest.raises(wishes.NotPublished):
            wishes.as_fit_offer(session.get(Offer, "draft"))  # type: ignore[arg-type]


def test_suggestions_are_published_offers_of_the_programme_with_places_best_first(portal: Flask, offers: None) -> None:
    student(portal)
    with portal.app_context():
        session = get_session()
        me = user(session, "sanne")
        with pytest.raises(wishes.NoWish):
            wishes.suggestions_for(session, me, catalogue())
        wishes.save_wish(session, me, given(), catalogue(), TODAY)
        found = wishes.suggestions_for(session, me, catalogue())
        assert [o.id for o, _ in found] == ["best", "fair"]
        assert found[0][1].reasons[0] == fit.Reason("area", {"area": "testing", "rank": 1})


def test_a_ranking_is_saved_in_order_and_replaced(portal: Flask, offers: None) -> None:
    student(portal)
    with portal.app_context():
        session = get_session()
        me = user(session, "sanne")
        with pytest.raises(wishes.NoWish):
            wishes.save_ranking(session, me, ["best"], catalogue().wish_choices)
        wishes.save_wish(session, me, given(), catalogue(), TODAY)
        wishes.save_ranking(session, me, ["best", "fair"], catalogue().wish_choices)
        wishes.save_ranking(
            session, me, ["fair", "best", "full"], catalogue().wish_choices
        )  # an offer now full may still be wanted
        session.commit()
        assert [o.id for o in wishes.ranking_for(session, me)] == ["fair", "best", "full"]


@pytest.mark.parametrize(
    "ranking",
    [["best", "best"], ["draft"], ["nurse"], ["nowhere"], ["best"] + [f"o{n}" for n in range(10)]],
)
def test_a_ranking_takes_only_published_offers_of_the_programme_once(
    portal: Flask, offers: None, ranking: list[str]
) -> None:
    student(portal)
    with portal.app_context():
        session = get_session()
        me = user(session, "sanne")
        wishes.save_wish(session, me, given(), catalogue(), TODAY)
        wishes.save_ranking(session, me, ["fair"], catalogue().wish_choices)
        with pytest.raises(wishes.RankingError):
            wishes.save_ranking(session, me, ranking, catalogue().wish_choices)
        assert [o.id for o in wishes.ranking_for(session, me)] == ["fair"]


def test_a_new_programme_drops_the_ranking_of_the_old(portal: Flask, offers: None) -> None:
    student(portal, programme=None)
    with portal.app_context():
        session = get_session()
        me = user(session, "sanne")
        wishes.save_wish(session, me, given(), catalogue(), TODAY)
        wishes.save_ranking(session, me, ["best"], catalogue().wish_choices)
        wishes.save_wish(session, me, given(programme="verpleegkunde", areas=["acute"]), catalogue(), TODAY)
        assert wishes.ranking_for(session, me) == []
        assert [o.id for o, _ in wishes.suggestions_for(session, me, catalogue())] == ["nurse"]


WISH_FORM = {
    "area-1": "testing",
    "area-2": "software",
    "goals": "Ik wil leren testen & automatiseren.",
    "start": "1-2-2027",
    "end": "18-6-2027",
    "hours": "32",
    "region": "west",
    "travel": "",
    "year": "3",
    "support": SUPPORT,
}


def test_a_student_states_a_wish_sees_offers_with_why_ranks_them_and_sees_them_back(
    portal: Flask, both: Client, offers: None
) -> None:
    log_in(both, student(portal))
    saved = both.post("/portal/wish", data=WISH_FORM)
    assert saved.status_code == 302 and saved.headers["Location"].startswith("/portal/offers")
    page = both.get("/portal/offers").get_data(as_text=True)
    assert page.index('data-offer="best"') < page.index('data-offer="fair"')
    assert not any(f'data-offer="{key}"' in page for key in ("draft", "full", "nurse"))
    for reason in (
        "Leergebied Testen en kwaliteit: je 1e keus",
        "Leergebied Software ontwikkelen: je 2e keus",
        "Beslaat de hele periode die je zocht",
        "32 uur per week, zoals je zocht",
        "In West-Nederland, waar je zocht",
        "Overlapt 11 van je 19 weken",
        "40 uur per week, je zocht 32",
    ):
        assert reason in page
    ranked = both.post("/portal/offers", data={"rank-best": "2", "rank-fair": "1"})
    assert ranked.status_code == 302 and ranked.headers["Location"].startswith("/portal/offers/mine")
    mine = both.get(ranked.headers["Location"]).get_data(as_text=True)
    listed = re.findall(r'<li class="utrecht-ordered-list__item" data-offer="(\w+)"', mine)
    assert listed == ["fair", "best"] and "Je volgorde is bewaard." in mine
    assert "Het stagebureau deelt in een ronde de plaatsen in" in mine
    again = both.get("/portal/offers").get_data(as_text=True)
    assert re.search(r'name="rank-fair"[^>]*>(?:(?!</select>).)*?<option value="1" selected>', again, re.S)


def test_the_reasons_read_in_english(portal: Flask, both: Client, offers: None) -> None:
    log_in(both, student(portal))
    both.post("/portal/wish", data=WISH_FORM | {"region": "", "travel": "45"})
    both.get("/portal/lang/en")
    page = both.get("/portal/offers").get_data(as_text=True)
    assert "Learning area Testing and quality: your 1st choice" in page
    assert "Learning area Software development: your 2nd choice" in page
    assert "Overlaps 11 of your 19 weeks" in page and "40 hours a week, you looked for 32" in page
    assert "In East Netherlands; you gave no region" in page


def test_a_wish_with_errors_keeps_every_typed_value(portal: Flask, both: Client) -> None:
    log_in(both, student(portal))
    form = WISH_FORM | {"area-2": "testing", "end": "31-31-2027", "hours": "veel", "goals": ""}
    response = both.post("/portal/wish", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for field in ("area-2", "end", "hours", "goals"):
        assert f'href="#{field}"' in page and f'id="{field}-error"' in page
    assert 'value="31-31-2027"' in page and 'value="veel"' in page and 'value="1-2-2027"' in page
    assert re.search(r'name="area-2"[^>]*>(?:(?!</select>).)*?<option value="testing" selected>', page, re.S)
    assert f">{SUPPORT}</textarea>" in page  # the student's own words, back to the student only
    assert both.get("/portal/offers").status_code == 302  # nothing was saved


def test_a_ranking_with_errors_keeps_the_numbers_chosen(portal: Flask, both: Client, offers: None) -> None:
    log_in(both, student(portal))
    both.post("/portal/wish", data=WISH_FORM)
    for data in ({"rank-best": "1", "rank-fair": "1"}, {"rank-best": "1", "rank-draft": "2"}):
        response = both.post("/portal/offers", data=data)
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert "Kijk dit nog even na" in page
        assert re.search(r'name="rank-best"[^>]*>(?:(?!</select>).)*?<option value="1" selected>', page, re.S)
    assert "Je hebt nog geen stages gekozen." in both.get("/portal/offers/mine").get_data(as_text=True)


def test_a_student_the_school_knows_no_programme_of_chooses_one_first(portal: Flask, both: Client) -> None:
    log_in(both, student(portal, programme=None))
    first = both.get("/portal/wish").get_data(as_text=True)
    assert "Welke opleiding doe je?" in first
    assert both.get("/portal/wish?programme=nowhere").status_code == 422
    form = both.get("/portal/wish?programme=verpleegkunde").get_data(as_text=True)
    assert "Ouderenzorg" in form and "Testen en kwaliteit" not in form
    data = WISH_FORM | {"programme": "verpleegkunde", "area-1": "elderly", "area-2": ""}
    assert both.post("/portal/wish", data=data).status_code == 302
    assert "Ouderenzorg" in both.get("/portal/offers/mine").get_data(as_text=True)


def test_no_student_sees_or_changes_anothers_wish_or_ranking(portal: Flask, both: Client, offers: None) -> None:
    student(portal, "anna")
    log_in(both, student(portal))
    both.post("/portal/wish", data=WISH_FORM)
    both.post("/portal/offers", data={"rank-best": "1"})
    both.post("/portal/logout")
    log_in(both, "anna")
    for route in ROUTES:
        page = both.get(route).get_data(as_text=True)
        assert "automatiseren" not in page and SUPPORT not in page and 'data-offer="best"' not in page
    both.post("/portal/wish", data=WISH_FORM | {"goals": "Anna's eigen doelen"})
    both.post("/portal/offers", data={"rank-fair": "1"})
    with portal.app_context():
        session = get_session()
        sanne = user(session, "sanne")
        wish = wishes.wish_for(session, sanne)
        assert wish is not None and "automatiseren" in wish.goals
        assert [o.id for o in wishes.ranking_for(session, sanne)] == ["best"]


@pytest.mark.parametrize("role", ["host", "supervisor", "office"])
def test_only_students_reach_the_wish_and_offer_pages(portal: Flask, both: Client, role: str) -> None:
    log_in(both, person(portal, role, f"a-{role}", f"Iemand {role}"))
    for route in ROUTES:
        assert both.get(route).status_code == 403
    assert both.post("/portal/wish", data=WISH_FORM).status_code == 403
    assert both.post("/portal/offers", data={"rank-best": "1"}).status_code == 403
    assert "Mijn stage" not in both.get("/portal/").get_data(as_text=True)


def test_nobody_logged_out_reaches_them(both: Client) -> None:
    for route in ROUTES:
        assert both.get(route).headers["Location"].startswith("/portal/login")


def test_support_needs_appear_only_in_the_students_own_form(portal: Flask, both: Client, offers: None) -> None:
    log_in(both, student(portal))
    both.post("/portal/wish", data=WISH_FORM)
    both.post("/portal/offers", data={"rank-best": "1"})
    assert f">{SUPPORT}</textarea>" in both.get("/portal/wish").get_data(as_text=True)
    for route in ("/portal/", "/portal/offers", "/portal/offers/mine"):
        assert SUPPORT not in both.get(route).get_data(as_text=True)
    both.post("/portal/logout")
    for role in ("host", "supervisor"):
        log_in(both, person(portal, role, f"a-{role}", f"Iemand {role}"))
        assert SUPPORT not in both.get("/portal/").get_data(as_text=True)
        both.post("/portal/logout")


def test_a_student_sees_mijn_stage_in_the_menu(portal: Flask, both: Client) -> None:
    log_in(both, student(portal))
    assert 'href="/portal/offers/mine">Mijn stage</a>' in both.get("/portal/").get_data(as_text=True)
    assert "Geef je leerwens" in both.get("/portal/offers/mine").get_data(as_text=True)


def test_a_placed_student_sees_where_and_one_waiting_sees_the_host_decides(
    portal: Flask, both: Client, offers: None
) -> None:
    log_in(both, student(portal))
    both.post("/portal/wish", data=WISH_FORM)
    with portal.app_context():
        session = get_session()
        me = user(session, "sanne")
        session.add(
            MatchingRound(id="r1", programme="hbo-ict", seed="00", run_at=dt.datetime(2026, 11, 2), run_by=me.id)
        )
        session.add(Proposal(id="p1", round_id="r1", student_id=me.id, offer_id="best", lottery=1, status="proposed"))
        session.commit()
    assert "De stagebieder beslist nu" in both.get("/portal/offers/mine").get_data(as_text=True)
    with portal.app_context():
        session = get_session()
        proposal = session.get(Proposal, "p1")
        assert proposal is not None
        proposal.status = "accepted"
        session.commit()
    page = both.get("/portal/offers/mine").get_data(as_text=True)
    assert "Je bent geplaatst: Stage best bij Bedrijf West." in page and "Wat er nu gebeurt" not in page
