"""Check-ins and signals: the student's form, the signals it raises, handling, escalation and who reads a note."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from test_portal import log_in, person
from werkzeug.test import Client

from hotline.portal.accounts.models import User
from hotline.portal.db import get_session
from hotline.portal.extensions import norms, supervision
from hotline.portal.supervision import checkins, signals
from hotline.portal.supervision.models import SIGNAL_KINDS, CheckIn, ContactMoment, Placement, Signal

TODAY = dt.date.today()
NOTE = "Mijn begeleider zegt rare dingen"
GOOD = {
    "hours": "32",
    "longest_day": "8",
    "night_work": "no",
    "supervised": "yes",
    "tasks_fit": "4",
    "safe": "5",
    "note": NOTE,
}


def user_id(session: Session, username: str) -> str:
    return session.scalars(select(User.id).where(User.username == username)).one()


def add_placement(session: Session, student: str = "sanne", supervisor: str | None = "docent") -> Placement:
    placement = Placement(
        id=secrets.token_hex(16),
        student_id=user_id(session, student),
        supervisor_id=user_id(session, supervisor) if supervisor else None,
        programme="hbo-ict",
        host_name="Testbedrijf",
        start=TODAY - dt.timedelta(days=60),
        end=TODAY + dt.timedelta(days=60),
        hours_per_week=32 * 60,
        learning_goals="Testen leren",
        checkin_days=14,
        created_on=TODAY - dt.timedelta(days=70),
    )
    session.add(placement)
    session.flush()
    return placement


def add_checkin(session: Session, placement: Placement, days_ago: int, **answers: object) -> CheckIn:
    checkin = CheckIn(id=secrets.token_hex(16), placement_id=placement.id, due_on=TODAY - dt.timedelta(days=days_ago))
    if answers:
        checkin.answered_on = checkin.due_on
        for name, value in (
            {"hours": 32 * 60, "longest_day": 8 * 60, "night_work": False, "supervised": True}
            | {"tasks_fit": 4, "safe": 5, "discuss": False}
            | answers
        ).items():
            setattr(checkin, name, value)
    session.add(checkin)
    session.flush()
    session.refresh(placement)
    return checkin


@pytest.fixture
def people(portal: Flask) -> Flask:
    """A student with a supervisor, another of each, the office and a host contact."""
    for role, username in (("student", "sanne"), ("student", "ali"), ("supervisor", "docent"), ("supervisor", "ander")):
        person(portal, role, username, username.title())
    person(portal, "office", "bureau", "Bureau")
    person(portal, "host", "bieder", "Bieder")
    return portal


def kinds(session: Session, placement: Placement) -> list[str]:
    """Compute the placement's signals (inside an app context) and return their kinds."""
    signals.compute(session, placement, supervision().for_programme("hbo-ict"), norms(), TODAY)
    return sorted(s.kind for s in placement.signals)


def test_every_kind_has_a_place_in_the_order() -> None:
    assert sorted(signals.PRIORITY) == sorted(SIGNAL_KINDS)


def test_working_days_leave_out_the_weekend() -> None:
    friday = dt.date(2026, 12, 4)
    assert signals.working_days(friday, friday + dt.timedelta(days=3)) == 1
    assert signals.working_days(friday, friday + dt.timedelta(days=7)) == 5


@pytest.mark.parametrize(
    ("text", "expected"), [("36", 2160), ("37,5", 2250), ("7.25", 435), ("37:30", 2250), ("acht", None), ("", None)]
)
def test_hours_are_read_as_people_write_them(text: str, expected: int | None) -> None:
    assert checkins.minutes(text) == expected


def test_the_form_names_every_unanswered_question(people: Flask) -> None:
    with people.test_request_context():
        answer, errors = checkins.read({"hours": "veel", "note": "x" * 1001})
    assert answer is None
    assert set(errors) == {"hours", "longest_day", "night_work", "supervised", "tasks_fit", "safe", "note"}


@pytest.mark.parametrize("note", ["Ik werd gediscrimineerd", "Racistische grap", "I faced DISCRIMINATION"])
def test_a_note_about_discrimination_is_recognised(note: str) -> None:
    assert checkins.mentions_discrimination(note)
    assert not checkins.mentions_discrimination("Alles gaat goed")


def test_answers_raise_their_signals_once(people: Flask) -> None:
    with people.app_context():
        session = get_session()
        placement = add_placement(session)
        add_checkin(session, placement, 3, hours=34 * 60, longest_day=13 * 60, tasks_fit=2, safe=1)
        first = kinds(session, placement)
        again = kinds(session, placement)
    assert first == ["hours_agreement", "hours_law", "tasks_off", "unsafe"]
    assert again == first


def test_a_run_without_supervision_raises_one_signal(people: Flask) -> None:
    with people.app_context():
        session = get_session()
        placement = add_placement(session)
        for days_ago in (42, 28, 14, 1):
            add_checkin(session, placement, days_ago, supervised=False)
        assert kinds(session, placement) == ["no_supervision"]
        signal = placement.signals[0]
        assert signal.checkin_id == placement.checkins[1].id


def test_a_missed_checkin_and_an_overdue_moment_are_signals(people: Flask) -> None:
    with people.app_context():
        session = get_session()
        placement = add_placement(session)
        add_checkin(session, placement, 4)
        add_checkin(session, placement, 2)  # still within the grace days
        for kind in ("start", "return_day"):
            session.add(
                ContactMoment(
                    id=secrets.token_hex(16),
                    placement_id=placement.id,
                    kind=kind,
                    planned_on=TODAY - dt.timedelta(days=9),
                )
            )
        session.flush()
        session.refresh(placement)
        assert kinds(session, placement) == ["missed_checkin", "moment_overdue"]


def test_a_signal_is_handled_by_a_held_moment_or_a_note(people: Flask) -> None:
    with people.app_context():
        session = get_session()
        placement = add_placement(session)
        add_checkin(session, placement, 3, safe=1, tasks_fit=1)
        kinds(session, placement)
        unsafe, tasks = sorted(placement.signals, key=lambda s: s.kind, reverse=True)
        docent = session.get(User, placement.supervisor_id)
        assert docent is not None
        planned = ContactMoment(id=secrets.token_hex(16), placement_id=placement.id, kind="extra", planned_on=TODAY)
        session.add(planned)
        with pytest.raises(signals.HandlingError):
            signals.handle(session, unsafe, docent, TODAY, moment_id=planned.id)
        with pytest.raises(signals.HandlingError):
            signals.handle(session, tasks, docent, TODAY, note="  ")
        planned.held_on = TODAY
        signals.handle(session, unsafe, docent, TODAY, moment_id=planned.id)
        signals.handle(session, tasks, docent, TODAY, note="Gebeld met de stageplek")
        assert (unsafe.handled_moment_id, tasks.action_note) == (planned.id, "Gebeld met de stageplek")
        with pytest.raises(signals.HandlingError):
            signals.handle(session, tasks, docent, TODAY, note="nog eens")


def test_an_open_signal_goes_to_the_coordinator_after_five_working_days(people: Flask) -> None:
    with people.app_context():
        session = get_session()
        placement = add_placement(session)
        add_checkin(session, placement, 3, safe=1)
        kinds(session, placement)
        monday = dt.date(2026, 11, 30)
        placement.signals[0].raised_on = monday
        assert signals.escalate(session, supervision(), monday + dt.timedelta(days=6)) == []
        assert signals.escalate(session, supervision(), monday + dt.timedelta(days=7)) == placement.signals
        assert signals.escalated(session) == placement.signals


def due_checkin(portal: Flask) -> str:
    with portal.app_context():
        session = get_session()
        checkin = add_checkin(session, add_placement(session), 1)
        session.commit()
        return checkin.id


def test_a_wrong_answer_keeps_what_was_typed(people: Flask, both: Client) -> None:
    checkin_id = due_checkin(people)
    log_in(both, "sanne")
    response = both.post(f"/portal/supervision/check-ins/{checkin_id}", data=GOOD | {"hours": "veel", "safe": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'href="#hours"' in page and 'href="#safe"' in page and 'value="veel"' in page and NOTE in page
    assert 'id="tasks_fit-4" checked' in page


def test_a_good_answer_is_saved_and_shown_to_the_student(people: Flask, both: Client) -> None:
    checkin_id = due_checkin(people)
    log_in(both, "sanne")
    both.get("/portal/lang/en")
    response = both.post(f"/portal/supervision/check-ins/{checkin_id}", data=GOOD | {"hours": "31,5"})
    assert response.status_code == 302
    page = both.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you" in page and NOTE in page and "31.5" in page
    with people.app_context():
        assert get_session().get(CheckIn, checkin_id).hours == 31 * 60 + 30  # type: ignore[union-attr]


@pytest.mark.parametrize("answer", [{"safe": "1"}, {"note": "Ik word gediscrimineerd door een collega"}])
def test_unsafe_or_discrimination_opens_the_hotlines_door_and_records_nothing(
    people: Flask, both: Client, answer: dict[str, str]
) -> None:
    checkin_id = due_checkin(people)
    log_in(both, "sanne")
    response = both.post(f"/portal/supervision/check-ins/{checkin_id}", data=GOOD | answer)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "data-hotline-door" in page
    assert f'href="{people.config["HOTLINE_URL"]}" rel="noreferrer"' in page and "anoniem" in page
    with people.app_context():
        session = get_session()
        found = {s.kind for s in session.scalars(select(Signal))}
        assert found <= {"unsafe"} and session.scalar(select(func.count()).select_from(CheckIn)) == 1
    assert "data-hotline-door" not in both.get(f"/portal/supervision/check-ins/{checkin_id}").get_data(as_text=True)


def test_the_supervisor_sees_signals_sorted_with_their_meaning_and_handles_one(people: Flask, both: Client) -> None:
    with people.app_context():
        session = get_session()
        placement = add_placement(session)
        add_checkin(session, placement, 3, tasks_fit=1, safe=1, note=NOTE)
        session.commit()
    log_in(both, "docent")
    page = both.get("/portal/supervision/signals").get_data(as_text=True)
    assert page.index('data-signal="unsafe"') < page.index('data-signal="tasks_off"')
    assert "niet veilig" in page and NOTE not in page
    with people.app_context():
        unsafe = get_session().scalars(select(Signal).where(Signal.kind == "unsafe")).one().id
    assert NOTE in both.get(f"/portal/supervision/signals/{unsafe}").get_data(as_text=True)
    refused = both.post(f"/portal/supervision/signals/{unsafe}", data={"note": "", "moment": ""})
    assert refused.status_code == 422 and 'href="#moment"' in refused.get_data(as_text=True)
    assert both.post(f"/portal/supervision/signals/{unsafe}", data={"note": "Gebeld"}).status_code == 302
    assert 'data-signal="unsafe"' not in both.get("/portal/supervision/signals").get_data(as_text=True)


def test_only_the_student_and_their_supervisor_read_a_note(people: Flask, both: Client) -> None:
    with people.app_context():
        session = get_session()
        placement = add_placement(session)
        checkin = add_checkin(session, placement, 3, safe=1, note=NOTE)
        signals.compute(session, placement, supervision().for_programme("hbo-ict"), norms(), TODAY)
        placement.signals[0].raised_on = TODAY - dt.timedelta(days=30)  # long enough to reach the coordinator
        session.commit()
        ids = checkin.id, placement.signals[0].id
    pages = (f"/portal/supervision/check-ins/{ids[0]}", f"/portal/supervision/signals/{ids[1]}")
    for username, readable in (("sanne", pages[0]), ("docent", pages[1])):
        log_in(both, username)
        assert NOTE in both.get(readable).get_data(as_text=True)
    for username in ("ali", "ander", "bureau", "bieder"):
        log_in(both, username)
        for url in (
            *pages,
            "/portal/supervision/check-ins",
            "/portal/supervision/signals",
            "/portal/supervision/escalated",
        ):
            response = both.get(url)
            assert NOTE not in response.get_data(as_text=True), (username, url)
            assert response.status_code in (200, 403, 404), (username, url)
    escalated = both.get("/portal/supervision/escalated")
    assert escalated.status_code == 403  # the host
    log_in(both, "bureau")
    page = both.get("/portal/supervision/escalated").get_data(as_text=True)
    assert 'data-signal="unsafe"' in page and NOTE not in page
    assert '<td class="utrecht-table__cell">HBO-ICT</td>' in page  # the programme by its name, not its code


def test_computing_many_at_once_raises_what_one_at_a_time_does(people: Flask) -> None:
    """compute_all reads plain rows in batches; it must raise exactly the signals compute raises on the ORM objects."""
    with people.app_context():
        session = get_session()
        batch, alone = add_placement(session), add_placement(session, "ali", "ander")
        for placement in (batch, alone):
            add_checkin(session, placement, 70)  # missed: never answered
            add_checkin(session, placement, 56, supervised=False, hours=34 * 60)
            add_checkin(session, placement, 42, supervised=False, longest_day=13 * 60, safe=1)
            add_checkin(session, placement, 28, tasks_fit=1, night_work=True)
            session.add(ContactMoment(id=secrets.token_hex(16), placement_id=placement.id, kind="start",
                                      planned_on=TODAY - dt.timedelta(days=5)))  # fmt: skip
        session.commit()
        settings = supervision()
        assert signals.compute_all(session, Placement.id == batch.id, settings, norms(), TODAY) == len(SIGNAL_KINDS)
        signals.compute(session, alone, settings.for_programme("hbo-ict"), norms(), TODAY)
        session.commit()
        session.expire_all()

        def raised(placement: Placement) -> list[tuple[str, int | None, bool]]:
            order = {c.id: n for n, c in enumerate(placement.checkins)}
            return sorted((s.kind, order.get(s.checkin_id or ""), s.moment_id is not None) for s in placement.signals)

        assert raised(batch) == raised(alone)
        assert sorted(kind for kind, _n, _m in raised(batch)) == sorted(SIGNAL_KINDS)  # one of each kind
        assert signals.compute_all(session, Placement.id.in_([batch.id, alone.id]), settings, norms(), TODAY) == 0
