"""Supervision plans: placements with a plan from the programme's defaults, moments kept above the floor."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
from flask import Flask
from sqlalchemy import select
from test_portal import log_in, person
from test_portal_rounds import END, START, add_host, add_offer
from werkzeug.test import Client

from hotline.portal import figures
from hotline.portal.accounts.models import User
from hotline.portal.db import get_session
from hotline.portal.extensions import supervision
from hotline.portal.placements.models import MatchingRound, Proposal
from hotline.portal.supervision import coordinator, plan_forms, plans
from hotline.portal.supervision.models import CheckIn, ContactMoment, Placement, Signal

TODAY = dt.date.today()


def user_id(portal: Flask, username: str) -> str:
    with portal.app_context():
        return get_session().scalars(select(User.id).where(User.username == username)).one()


def add_placement(portal: Flask, student: str, supervisor: str | None, start: dt.date = START) -> str:
    """Make a placement through the service, as the office's form does."""
    with portal.app_context():
        session = get_session()
        fields = plans.PlacementFields(
            user_id(portal, student),
            user_id(portal, supervisor) if supervisor else None,
            "hbo-ict",
            "Zorggroep Zuid",
            start,
            start + (END - START),
            32 * 60,
            "Leren testen",
        )
        placement = plans.create_placement(session, fields, supervision().for_programme("hbo-ict"), start)
        session.commit()
        return placement.id


@pytest.fixture
def people(portal: Flask) -> None:
    person(portal, "student", "sanne", "Sanne de Vries")
    person(portal, "student", "omar", "Omar Haddad")
    person(portal, "supervisor", "docent", "Petra Docent")
    person(portal, "supervisor", "ander", "Anton Ander")
    person(portal, "office", "bureau", "Bea Bureau")


def test_the_plan_follows_the_programmes_defaults(portal: Flask) -> None:
    with portal.app_context():
        defaults = supervision().for_programme("hbo-ict")
        planned = plans.planned_moments(START, END, defaults)
        weekly = plans.checkin_dates(START, END, supervision().for_programme("verpleegkunde").checkin_days)
    kinds = [kind for kind, _day in planned]
    assert kinds.count("start") == kinds.count("middle") == kinds.count("end") == 1
    assert dict(planned)["start"] == START + dt.timedelta(days=14)
    assert dict(planned)["end"] == END - dt.timedelta(days=7)
    assert kinds.count("return_day") == (END - START).days // 42
    assert plans.checkin_dates(START, END, 14)[:2] == [START + dt.timedelta(days=14), START + dt.timedelta(days=28)]
    assert weekly[1] - weekly[0] == dt.timedelta(days=7)


def test_the_office_makes_a_placement_with_its_plan(portal: Flask, both: Client, people: None) -> None:
    log_in(both, "bureau")
    form = {
        "student_id": user_id(portal, "sanne"),
        "supervisor_id": user_id(portal, "docent"),
        "programme": "hbo-ict",
        "host_name": "Bakkerij Brood",
        "start": "1-2-2027",
        "end": "30-6-2027",
        "hours": "32",
        "goals": "Leren bakken",
    }
    response = both.post("/portal/supervision/placements", data=form)
    assert response.status_code == 302
    with portal.app_context():
        placement = get_session().scalars(select(Placement)).one()
        assert placement.hours_per_week == 32 * 60 and placement.start == START
        assert plans.contact_count(placement) == 3 and len(placement.checkins) == len(
            plans.checkin_dates(START, END, 14)
        )
    page = both.get(response.headers["Location"]).get_data(as_text=True)
    assert "Bakkerij Brood" in page and "Petra Docent" in page


def test_an_error_keeps_what_the_office_typed(portal: Flask, both: Client, people: None) -> None:
    log_in(both, "bureau")
    form = {"host_name": "Bakkerij Brood", "start": "31-2-2027", "end": "1-1-2027", "hours": "veel", "goals": "Bakken"}
    response = both.post("/portal/supervision/placements", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for field in ("student_id", "programme", "start", "hours"):
        assert f'href="#{field}"' in page
    assert 'value="Bakkerij Brood"' in page and 'value="31-2-2027"' in page and ">Bakken</textarea>" in page


@pytest.mark.parametrize(("hours", "minutes"), [("32", 1920), ("37,5", 2250), ("37.5", 2250), ("37:30", 2250)])
def test_the_agreed_hours_are_read_as_people_write_them(portal: Flask, people: None, hours: str, minutes: int) -> None:
    form = {
        "student_id": user_id(portal, "sanne"),
        "programme": "hbo-ict",
        "host_name": "Bakkerij Brood",
        "start": "1-2-2027",
        "end": "2027-06-30",
        "hours": hours,
        "goals": "Bakken",
    }
    with portal.test_request_context():
        fields, errors = plan_forms.read_placement(form)
        refused = [plan_forms.read_placement(form | {"hours": bad})[1] for bad in ("0", "61", "veel", "37:75")]
    assert errors == {} and fields is not None and fields.hours_per_week == minutes
    assert fields.start == dt.date(2027, 2, 1) and fields.end == dt.date(2027, 6, 30)
    assert all("hours" in found for found in refused)


@pytest.mark.parametrize(
    ("given", "stored", "shown"),
    [
        ({"allowance": "600", "allowance_period": "month"}, ("600", "month"), "€ 600,00 per maand"),
        ({"allowance": "", "allowance_period": "none"}, (None, "none"), "geen vergoeding"),
        ({}, (None, None), "Niet ingevuld"),
    ],
)
def test_the_agreed_allowance_is_kept_and_shown(
    portal: Flask, both: Client, people: None, given: dict[str, str], stored: tuple[str | None, str | None], shown: str
) -> None:
    log_in(both, "bureau")
    form = {
        "student_id": user_id(portal, "sanne"),
        "programme": "hbo-ict",
        "host_name": "Bakkerij Brood",
        "start": "1-2-2027",
        "end": "30-6-2027",
        "hours": "32",
        "goals": "Bakken",
    }
    made = both.post("/portal/supervision/placements", data=form | given)
    assert made.status_code == 302
    with portal.app_context():
        placement = get_session().scalars(select(Placement)).one()
        amount = None if placement.allowance is None else f"{placement.allowance:.0f}"
        assert (amount, placement.allowance_period) == stored
    page = both.get(made.headers["Location"]).get_data(as_text=True)
    assert f"<span data-allowance>{shown}</span>" in page.replace("\xa0", " ")


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"allowance": "veel", "allowance_period": "month"}, "allowance"),
        ({"allowance": "600"}, "allowance_period"),
        ({"allowance": "600", "allowance_period": "per jaar"}, "allowance_period"),
    ],
)
def test_a_half_or_wrong_allowance_is_refused_and_kept(
    portal: Flask, both: Client, people: None, given: dict[str, str], field: str
) -> None:
    log_in(both, "bureau")
    form = {"student_id": user_id(portal, "sanne"), "programme": "hbo-ict", "host_name": "Bakkerij Brood"}
    form |= {"start": "1-2-2027", "end": "30-6-2027", "hours": "32", "goals": "Bakken"}
    response = both.post("/portal/supervision/placements", data=form | given)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and f'href="#{field}"' in page
    assert f'value="{given["allowance"]}"' in page
    with portal.app_context():
        assert get_session().scalars(select(Placement)).all() == []


def test_an_accepted_proposal_becomes_one_placement(portal: Flask, both: Client, people: None) -> None:
    with portal.app_context():
        session = get_session()
        offer = add_offer(session, add_host(session, "Zorggroep Noord"), "Testen")
        made = MatchingRound(
            id=secrets.token_hex(16),
            programme="hbo-ict",
            seed="0",
            run_at=dt.datetime(2026, 12, 1),
            run_by=user_id(portal, "bureau"),
        )
        session.add(made)
        session.flush()
        proposal = Proposal(
            id=secrets.token_hex(16),
            round_id=made.id,
            student_id=user_id(portal, "sanne"),
            offer_id=offer.id,
            lottery=1,
            status="accepted",
        )
        session.add(proposal)
        session.commit()
    log_in(both, "bureau")
    assert "Zorggroep Noord" in both.get("/portal/supervision/placements").get_data(as_text=True)
    assert both.post(f"/portal/supervision/proposals/{proposal.id}/placement").status_code == 302
    assert both.post(f"/portal/supervision/proposals/{proposal.id}/placement").status_code == 409
    with portal.app_context():
        placement = get_session().scalars(select(Placement)).one()
        assert placement.host_name == "Zorggroep Noord" and placement.hours_per_week == 36 * 60


def test_a_supervisor_and_a_student_see_only_their_own(portal: Flask, both: Client, people: None) -> None:
    mine = add_placement(portal, "sanne", "docent")
    other = add_placement(portal, "omar", "ander")
    log_in(both, "docent")
    assert both.get(f"/portal/supervision/placements/{mine}").status_code == 200
    assert both.get(f"/portal/supervision/placements/{other}").status_code == 403
    listed = both.get("/portal/supervision/mine").get_data(as_text=True)
    assert "Sanne de Vries" in listed and "Omar Haddad" not in listed
    both.post("/portal/logout")
    log_in(both, "omar")
    page = both.get("/portal/supervision/plan").get_data(as_text=True)
    assert "Anton Ander" in page and "Petra Docent" not in page


def test_a_plan_never_drops_below_the_floor(portal: Flask, both: Client, people: None) -> None:
    placement_id = add_placement(portal, "sanne", "docent")
    with portal.app_context():
        start = get_session().scalars(select(ContactMoment.id).where(ContactMoment.kind == "start")).one()
    log_in(both, "docent")
    response = both.post(f"/portal/supervision/moments/{start}/remove")
    assert response.status_code == 422 and "minstens 3 contactmomenten" in response.get_data(as_text=True)
    added = both.post(f"/portal/supervision/placements/{placement_id}/moments", data={"new-planned_on": "1-3-2027"})
    assert added.status_code == 302
    assert both.post(f"/portal/supervision/moments/{start}/remove").status_code == 302
    with portal.app_context():
        kinds = get_session().scalars(select(ContactMoment.kind).where(ContactMoment.kind != "return_day")).all()
        assert sorted(kinds) == ["end", "extra", "middle"]


def test_moving_outside_the_placement_is_refused_and_keeps_the_date(portal: Flask, both: Client, people: None) -> None:
    add_placement(portal, "sanne", "docent")
    with portal.app_context():
        middle = get_session().scalars(select(ContactMoment.id).where(ContactMoment.kind == "middle")).one()
    log_in(both, "docent")
    response = both.post(f"/portal/supervision/moments/{middle}/move", data={f"{middle}-planned_on": "1-1-2030"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Kies een dag tijdens de stage." in page and 'value="1-1-2030"' in page
    assert (
        both.post(f"/portal/supervision/moments/{middle}/move", data={f"{middle}-planned_on": "2-4-2027"}).status_code
        == 302
    )
    with portal.app_context():
        assert get_session().get(ContactMoment, middle).planned_on == dt.date(2027, 4, 2)  # type: ignore[union-attr]


def test_a_held_moment_has_a_summary_the_student_reads(portal: Flask, both: Client, people: None) -> None:
    start = TODAY - dt.timedelta(days=30)
    add_placement(portal, "sanne", "docent", start=start)
    with portal.app_context():
        moment = get_session().scalars(select(ContactMoment.id).where(ContactMoment.kind == "start")).one()
    log_in(both, "docent")
    held = {f"{moment}-held_on": (TODAY + dt.timedelta(days=1)).isoformat(), f"{moment}-form": "individual"}
    refused = both.post(f"/portal/supervision/moments/{moment}/held", data=held | {f"{moment}-summary": "Goed"})
    assert refused.status_code == 422 and "niet in de toekomst" in refused.get_data(as_text=True)
    held[f"{moment}-held_on"] = TODAY.isoformat()
    missing = both.post(f"/portal/supervision/moments/{moment}/held", data=held)
    assert missing.status_code == 422 and f'href="#{moment}-summary"' in missing.get_data(as_text=True)
    done = both.post(f"/portal/supervision/moments/{moment}/held", data=held | {f"{moment}-summary": "Loopt goed."})
    assert done.status_code == 302
    both.post("/portal/logout")
    log_in(both, "sanne")
    assert "Loopt goed." in both.get("/portal/supervision/plan").get_data(as_text=True)


def test_a_student_asks_for_an_extra_moment(portal: Flask, both: Client, people: None) -> None:
    add_placement(portal, "sanne", "docent", start=TODAY - dt.timedelta(days=10))
    log_in(both, "sanne")
    wrong = both.post("/portal/supervision/plan", data={"wished_on": "morgen"})
    assert wrong.status_code == 422 and 'value="morgen"' in wrong.get_data(as_text=True)
    wished = TODAY + dt.timedelta(days=3)
    assert both.post("/portal/supervision/plan", data={"wished_on": wished.isoformat()}).status_code == 302
    with portal.app_context():
        asked = get_session().scalars(select(ContactMoment).where(ContactMoment.kind == "extra")).one()
        assert asked.requested_by_student and asked.planned_on == wished


def test_the_coordinator_sees_counts_per_programme_and_never_a_note(portal: Flask, both: Client, people: None) -> None:
    placement_id = add_placement(portal, "sanne", "docent", start=TODAY - dt.timedelta(days=60))
    add_placement(portal, "omar", None, start=TODAY - dt.timedelta(days=60))
    with portal.app_context():
        session = get_session()
        checkin = session.scalars(select(CheckIn).where(CheckIn.placement_id == placement_id)).first()
        assert checkin is not None
        checkin.answered_on, checkin.note = TODAY, "Geheime notitie"
        moment = session.scalars(select(ContactMoment).where(ContactMoment.placement_id == placement_id)).first()
        assert moment is not None
        moment.held_on, moment.form, moment.summary = moment.planned_on, "individual", "Prima"
        for kind, days in (("unsafe", 2), ("unsafe", 20), ("tasks_off", 9)):
            raised = TODAY - dt.timedelta(days=days)
            session.add(Signal(id=secrets.token_hex(16), placement_id=placement_id, kind=kind, raised_on=raised))
        session.commit()
    log_in(both, "bureau")
    page = both.get("/portal/supervision/coordinator?programme=hbo-ict").get_data(as_text=True)
    assert "<span data-placements>2</span>" in page and "<span data-without>1</span>" in page
    assert "<span data-on-time>1</span>" in page
    assert "Petra Docent: 1 lopende stages" in page
    assert "Geheime notitie" not in page and "Prima" not in page
    with portal.app_context():
        counts = figures.supervision_counts(get_session())
    assert counts.placements == {"hbo-ict": 2} and counts.moments_held == {"hbo-ict": 1}
    assert counts.signals == {"unsafe": 2, "tasks_off": 1} and counts.moments_planned == {"hbo-ict": 6}


def test_the_plan_reads_in_english(portal: Flask, both: Client, people: None) -> None:
    add_placement(portal, "sanne", "docent")
    log_in(both, "sanne")
    both.get("/portal/lang/en")
    page = both.get("/portal/supervision/plan").get_data(as_text=True)
    assert "My supervision" in page and "Ask for an extra meeting" in page


def test_the_coordinators_overview_counts_what_happened(portal: Flask, people: None) -> None:
    """Every figure of the overview from a programme whose every count differs, so that no two are mixed up."""
    start = TODAY - dt.timedelta(days=60)
    running = [add_placement(portal, "sanne", "docent", start), add_placement(portal, "omar", "docent", start)]
    add_placement(portal, "sanne", "ander", start)
    add_placement(portal, "omar", None, start)
    add_placement(portal, "omar", "ander", TODAY + dt.timedelta(days=30))  # not running yet
    with portal.app_context():
        session = get_session()
        session.execute(ContactMoment.__table__.delete())
        first, second = running
        for placement_id, kind, planned, held in (
            (first, "start", TODAY - dt.timedelta(days=40), TODAY - dt.timedelta(days=41)),  # on time
            (first, "middle", TODAY - dt.timedelta(days=10), TODAY - dt.timedelta(days=5)),  # late
            (second, "start", TODAY - dt.timedelta(days=40), TODAY - dt.timedelta(days=40)),  # on the day
            (second, "middle", TODAY - dt.timedelta(days=3), None),  # not held
            (second, "return_day", TODAY - dt.timedelta(days=20), None),  # a group day: not counted
            (second, "end", TODAY + dt.timedelta(days=20), None),  # not due yet
        ):
            session.add(ContactMoment(id=secrets.token_hex(16), placement_id=placement_id, kind=kind,
                                      planned_on=planned, held_on=held))  # fmt: skip
        for kind, days, handled, passed in (
            ("unsafe", 2, False, False),
            ("unsafe", 7, False, False),
            ("unsafe", 8, False, True),
            ("tasks_off", 30, False, True),
            ("tasks_off", 1, True, False),  # handled: not open
        ):
            raised, handled_on, escalated_on = TODAY - dt.timedelta(days=days), TODAY if handled else None, None
            if passed:
                escalated_on = TODAY
            signal = Signal(id=secrets.token_hex(16), placement_id=first, kind=kind, raised_on=raised)
            signal.handled_on, signal.escalated_on = handled_on, escalated_on
            session.add(signal)
        session.commit()
        shown = coordinator.overview(session, "hbo-ict", TODAY)
        assert coordinator.overview(session, "verpleegkunde", TODAY).placements == 0
    assert (shown.placements, shown.running, shown.without_supervisor) == (5, 4, 1)
    assert (shown.moments_due, shown.held_on_time, shown.held_late, shown.not_held) == (4, 2, 1, 1)
    assert shown.open_signals["unsafe"] == {"week": 2, "fortnight": 1, "older": 0}
    assert shown.open_signals["tasks_off"] == {"week": 0, "fortnight": 0, "older": 1}
    assert shown.open_signals["hours_law"] == {"week": 0, "fortnight": 0, "older": 0}
    assert shown.escalated == 2
    assert shown.caseloads == [("Petra Docent", 2), ("Anton Ander", 1)]
