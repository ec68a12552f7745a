"""Matching rounds in the portal: the office runs one, hosts answer blind until they accept, shortages are counted."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Sequence

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_portal import log_in, person
from test_portal_invitations import Mailbox, mailbox, mailing  # noqa: F401  (fixtures)
from werkzeug.test import Client

from hotline.portal import figures, mount
from hotline.portal.accounts.models import User
from hotline.portal.db import get_session
from hotline.portal.extensions import catalogue
from hotline.portal.placements import rounds
from hotline.portal.placements.models import (
    Host,
    MatchingRound,
    Offer,
    OfferArea,
    OfferProgramme,
    Proposal,
    Ranking,
    Wish,
    WishArea,
)

START, END = dt.date(2027, 2, 1), dt.date(2027, 6, 30)


def add_host(session: Session, name: str = "Zorggroep Zuid", region: str = "zuid") -> Host:
    host = Host(id=secrets.token_hex(16), name=name, sector="ict", region=region, created_on=dt.date(2026, 1, 1))
    session.add(host)
    session.flush()
    return host


def add_offer(
    session: Session,
    host: Host,
    title: str,
    areas: Sequence[str] = ("testing",),
    places: int = 1,
    start: dt.date = START,
) -> Offer:
    offer = Offer(
        id=secrets.token_hex(16),
        host_id=host.id,
        title=title,
        tasks="Testen en verbeteren",
        start=start,
        end=start + (END - START),
        hours_per_week=36 * 60,
        places=places,
        status="published",
        created_on=dt.date(2026, 11, 1),
        published_on=dt.date(2026, 11, 2),
    )
    offer.programmes = [OfferProgramme(programme="hbo-ict")]
    offer.areas = [OfferArea(area=a) for a in areas]
    session.add(offer)
    session.flush()
    return offer


def add_wish(
    session: Session, student: str, areas: Sequence[str], ranked: Sequence[Offer], goals: str = "Ik wil leren testen"
) -> None:
    wish = Wish(
        id=secrets.token_hex(16),
        student_id=student,
        programme="hbo-ict",
        year=3,
        goals=goals,
        start=START,
        end=END,
        hours=36,
        updated_on=dt.date(2026, 11, 20),
    )
    wish.areas = [WishArea(rank=i, area=a) for i, a in enumerate(areas, start=1)]
    session.add(wish)
    for rank, offer in enumerate(ranked, start=1):
        session.add(Ranking(student_id=student, offer_id=offer.id, rank=rank))
    session.flush()


def user_id(session: Session, username: str) -> str:
    found = session.scalar(select(User.id).where(User.username == username))
    assert found is not None
    return found


@pytest.fixture
def office(portal: Flask) -> Flask:
    """Two students, an office, and a host contact of one host with two offers; both students ranked both offers."""
    for role, username, name in (
        ("student", "sanne", "Sanne de Vries"),
        ("student", "yusuf", "Yusuf Demir"),
        ("office", "pieter", "Pieter Jansen"),
        ("host", "ellen", "Ellen Smit"),
    ):
        person(portal, role, username, name)
    with portal.app_context():
        session = get_session()
        host = add_host(session)
        session.get(User, user_id(session, "ellen")).host_id = host.id  # type: ignore[union-attr]
        testing = add_offer(session, host, "Testen bij de zorg", ("testing",))
        data = add_offer(session, host, "Data bij de zorg", ("data",), places=2)
        add_wish(session, user_id(session, "sanne"), ("testing", "data"), [testing, data], "Ik wil leren testen")
        add_wish(session, user_id(session, "yusuf"), ("data", "testing"), [testing, data], "Ik wil data leren")
        session.commit()
    return portal


def run_round(both: Client) -> str:
    log_in(both, "pieter")
    response = both.post("/portal/office/rounds", data={"programme": "hbo-ict"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    both.post("/portal/logout")
    return response.headers["Location"].rsplit("/", 1)[1]


def test_a_round_places_each_student_where_their_learning_wish_fits_best(office: Flask, both: Client) -> None:
    run_round(both)
    with office.app_context():
        session = get_session()
        placed = {p.student.username: p.offer.title for p in session.scalars(select(Proposal))}
    # both ranked "Testen" first, but its priority goes by fit: Sanne's first area is testing, Yusuf's is data
    assert placed == {"sanne": "Testen bij de zorg", "yusuf": "Data bij de zorg"}


def test_the_host_sees_the_learning_wish_but_not_the_person_until_accepting(office: Flask, both: Client) -> None:
    run_round(both)
    log_in(both, "ellen")
    listing = both.get("/portal/host/proposals").get_data(as_text=True)
    assert "Ik wil leren testen" in listing and "Testen en kwaliteit" in listing and "HBO-ICT" in listing
    for secret in ("Sanne", "de Vries", "Yusuf", "Demir", "sanne@demo.invalid", "yusuf@demo.invalid"):
        assert secret not in listing
    proposal = re.search(r'href="/portal/host/proposals/([0-9a-f]{32})">Testen', listing).group(1)  # type: ignore[union-attr]
    blind = both.get(f"/portal/host/proposals/{proposal}").get_data(as_text=True)
    assert "Sanne" not in blind and "sanne@demo.invalid" not in blind
    assert both.post(f"/portal/host/proposals/{proposal}", data={"answer": "accept"}).status_code == 302
    revealed = both.get(f"/portal/host/proposals/{proposal}").get_data(as_text=True)
    assert "Sanne de Vries" in revealed and "sanne@demo.invalid" in revealed
    assert "Yusuf" not in both.get("/portal/host/proposals").get_data(as_text=True)


def test_a_decline_needs_a_reason_about_the_offer_and_the_student_enters_the_next_round(
    office: Flask, both: Client
) -> None:
    run_round(both)
    log_in(both, "ellen")
    with office.app_context():
        session = get_session()
        proposal = session.scalar(
            select(Proposal).join(User, Proposal.student_id == User.id).where(User.username == "sanne")
        )
        assert proposal is not None
        proposal_id, first_offer = proposal.id, proposal.offer_id
    refused = both.post(f"/portal/host/proposals/{proposal_id}", data={"answer": "decline"})
    assert refused.status_code == 422 and "Kies een reden" in refused.get_data(as_text=True)
    assert (
        both.post(f"/portal/host/proposals/{proposal_id}", data={"answer": "decline", "reason": "filled"}).status_code
        == 302
    )
    both.post("/portal/logout")
    with office.app_context():
        session = get_session()
        assert session.get(Proposal, proposal_id).decline_reason == "filled"  # type: ignore[union-attr]
        sanne = user_id(session, "sanne")
        assert rounds.standing(session, sanne, "hbo-ict").state == "unplaced"
    log_in(both, "sanne")
    mine = both.get("/portal/offers/mine").get_data(as_text=True)
    assert "data-unplaced" in mine and "volgende ronde" in mine
    both.post("/portal/logout")
    run_round(both)
    with office.app_context():
        session = get_session()
        again = session.scalars(
            select(Proposal).where(Proposal.student_id == sanne, Proposal.status == "proposed")
        ).all()
        assert [p.offer_id for p in again] != [first_offer]  # never proposed to the offer that declined her


def test_the_lottery_is_recorded_and_replays_the_round(office: Flask) -> None:
    with office.app_context():
        session = get_session()
        by = session.get(User, user_id(session, "pieter"))
        assert by is not None
        made = rounds.run(session, "hbo-ict", catalogue(), by, seed=b"fixed seed")
        first = {(p.student_id, p.offer_id, p.lottery) for p in made.proposals}
        assert made.seed == b"fixed seed".hex()
        for proposal in made.proposals:
            session.delete(proposal)
        session.delete(made)
        session.commit()
        again = rounds.run(session, "hbo-ict", catalogue(), by, seed=bytes.fromhex(made.seed))
        assert {(p.student_id, p.offer_id, p.lottery) for p in again.proposals} == first


def test_a_round_without_anyone_to_place_says_so(portal: Flask, both: Client) -> None:
    person(portal, "office", "pieter", "Pieter Jansen")
    log_in(both, "pieter")
    response = both.post("/portal/office/rounds", data={"programme": "hbo-ict"})
    assert response.status_code == 422 and "Er doet niemand mee" in response.get_data(as_text=True)


@pytest.mark.parametrize(("username", "status"), [("sanne", 403), ("ellen", 403)])
def test_only_the_office_runs_rounds_and_sees_shortages(
    office: Flask, both: Client, username: str, status: int
) -> None:
    log_in(both, username)
    for url in ("/portal/office/rounds", "/portal/office/shortages"):
        assert both.get(url).status_code == status
    assert both.post("/portal/office/rounds", data={"programme": "hbo-ict"}).status_code == status


def test_a_host_cannot_open_or_answer_another_hosts_proposal(office: Flask, both: Client) -> None:
    run_round(both)
    person(office, "host", "other", "Olaf Anders")
    with office.app_context():
        session = get_session()
        session.get(User, user_id(session, "other")).host_id = add_host(session, "Ander Bedrijf").id  # type: ignore[union-attr]
        session.commit()
        proposal_id = session.scalars(select(Proposal.id)).first()
    log_in(both, "other")
    assert both.get(f"/portal/host/proposals/{proposal_id}").status_code == 404
    assert both.post(f"/portal/host/proposals/{proposal_id}", data={"answer": "accept"}).status_code == 404
    assert "Testen" not in both.get("/portal/host/proposals").get_data(as_text=True)


def test_the_shortage_page_shows_the_gap_and_the_hosts_to_ask_again(office: Flask, both: Client) -> None:
    for n in range(3):
        person(office, "student", f"extra{n}", f"Extra {n}")
    with office.app_context():
        session = get_session()
        for n in range(3):
            add_wish(session, user_id(session, f"extra{n}"), ("security",), [])
        earlier = add_host(session, "Oud Stagebedrijf")
        old = add_offer(session, earlier, "Vorig jaar", start=dt.date(2025, 2, 1))
        session.add(
            Proposal(
                id=secrets.token_hex(16),
                round_id=_old_round(session),
                student_id=user_id(session, "extra0"),
                offer_id=old.id,
                lottery=1,
                status="declined",
                decline_reason="period",
            )
        )
        session.add(
            Proposal(
                id=secrets.token_hex(16),
                round_id=_old_round(session),
                student_id=user_id(session, "extra1"),
                offer_id=old.id,
                lottery=2,
                status="accepted",
            )
        )
        session.commit()
    log_in(both, "pieter")
    page = both.get("/portal/office/shortages", query_string={}).get_data(as_text=True)
    row = re.search(r'<tr class="utrecht-table__row" data-programme="hbo-ict" data-gap="(\d+)">(.*?)</tr>', page, re.S)
    assert row is not None
    # 5 students with a wish, one placed (extra1, at last year's host): 4 seek, 3 places free
    assert row.group(1) == "1" and "Oud Stagebedrijf uitnodigen" in row.group(2)
    assert "De periode van de student past niet bij het aanbod: 1" in page


def _old_round(session: Session) -> str:
    found = session.scalar(select(MatchingRound.id).where(MatchingRound.programme == "old"))
    if found:
        return found
    made = MatchingRound(
        id=secrets.token_hex(16),
        programme="old",
        seed="00",
        run_at=dt.datetime(2025, 1, 10),
        run_by=user_id(session, "pieter"),
    )
    session.add(made)
    session.flush()
    return made.id


def test_figures_leave_the_portal_as_counts_only(office: Flask, both: Client) -> None:
    run_round(both)
    with office.app_context():
        found = figures.aggregates(get_session())
    assert found.sought == {"hbo-ict": 2} and found.places == {"hbo-ict": 3} and found.rounds == 1
    for table in (found.sought, found.found, found.places, found.declines):
        assert all(isinstance(k, str) and isinstance(v, int) for k, v in table.items())
    text = repr(found)
    for person_name in ("Sanne", "Yusuf", "sanne", "@"):
        assert person_name not in text


def test_after_a_round_each_host_contact_is_mailed_without_any_students_name(
    app: Flask,
    mailing: Flask,  # noqa: F811
    mailbox: Mailbox,  # noqa: F811
) -> None:
    for role, username, name in (
        ("student", "sanne", "Sanne de Vries"),
        ("student", "yusuf", "Yusuf Demir"),
        ("office", "pieter", "Pieter Jansen"),
        ("host", "ellen", "Ellen Smit"),
    ):
        person(mailing, role, username, name)
    with mailing.app_context():
        session = get_session()
        host = add_host(session)
        session.get(User, user_id(session, "ellen")).host_id = host.id  # type: ignore[union-attr]
        offer = add_offer(session, host, "Testen bij de zorg", ("testing",), places=2)
        for student in ("sanne", "yusuf"):
            add_wish(session, user_id(session, student), ("testing",), [offer])
        session.commit()
    client = Client(mount(app, mailing))
    log_in(client, "pieter")
    response = client.post("/portal/office/rounds", data={"programme": "hbo-ict"})
    assert response.status_code == 302 and "mailed=1" in response.headers["Location"]
    [sent] = mailbox.wait(1)
    assert sent["To"] == "ellen@demo.invalid"
    body = sent.get_content()
    assert "Testen bij de zorg: 2" in body and "https://stages.example.nl/portal/host/proposals" in body
    for secret in ("Sanne", "Vries", "Yusuf", "Demir", "sanne@", "yusuf@"):
        assert secret not in body and secret not in str(sent["Subject"])


def test_support_needs_reach_the_office_and_no_host(office: Flask, both: Client) -> None:
    with office.app_context():
        session = get_session()
        wish = session.scalar(select(Wish).where(Wish.student_id == user_id(session, "sanne")))
        assert wish is not None
        wish.support_needs = "Extra tijd bij toetsen (dyslexie)"
        session.commit()
    run_round(both)
    log_in(both, "pieter")
    page = both.get("/portal/office/students").get_data(as_text=True)
    assert "Extra tijd bij toetsen (dyslexie)" in page and "Sanne de Vries" in page
    both.post("/portal/logout")
    log_in(both, "ellen")
    for url in ["/portal/", "/portal/host/proposals", "/portal/host/offers"]:
        assert "dyslexie" not in both.get(url).get_data(as_text=True), url
    with office.app_context():
        proposals = get_session().scalars(select(Proposal.id)).all()
    for proposal_id in proposals:
        assert "dyslexie" not in both.get(f"/portal/host/proposals/{proposal_id}").get_data(as_text=True)
