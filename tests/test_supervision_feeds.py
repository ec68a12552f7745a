"""Calendar feeds behind a revocable secret URL, and reminder mails: dates, kinds and counts only, never a note."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any

import icalendar
import pytest
from flask import Flask
from sqlalchemy import select
from test_portal import log_in, person
from test_portal_invitations import Mailbox, mailbox, mailing  # noqa: F401  (fixtures)
from werkzeug.test import Client

from hotline.portal.accounts.models import User
from hotline.portal.db import get_session
from hotline.portal.supervision.models import CheckIn, ContactMoment, Feed, Placement, Signal

NOTE = "mijn begeleider op de werkvloer scheldt"
SUMMARY = "besproken: werkdruk en planning"
FEED_LINK = re.compile(r"<code data-feed-link>http://localhost/portal(/calendar/[A-Za-z0-9_-]{43}\.ics)</code>")


def add_placement(portal: Flask, student: str = "sanne", supervisor: str = "docent") -> dict[str, str]:
    """A placement with a held and an overdue moment, a return day, an answered and an open check-in, a signal."""
    with portal.app_context():
        session = get_session()
        users = {u.username: u for u in session.scalars(select(User))}
        placement = Placement(
            id=secrets.token_hex(16),
            student_id=users[student].id,
            supervisor_id=users[supervisor].id,
            programme="hbo-ict",
            host_name="Zorggroep Noord",
            start=dt.date(2026, 9, 1),
            end=dt.date(2027, 1, 31),
            hours_per_week=32 * 60,
            learning_goals="testen",
            checkin_days=14,
            created_on=dt.date(2026, 8, 1),
        )
        held = ContactMoment(id=secrets.token_hex(16), kind="start", planned_on=dt.date(2026, 9, 10))
        held.held_on, held.form, held.summary = dt.date(2026, 9, 10), "individual", SUMMARY
        overdue = ContactMoment(id=secrets.token_hex(16), kind="middle", planned_on=dt.date(2026, 11, 2))
        back = ContactMoment(id=secrets.token_hex(16), kind="return_day", planned_on=dt.date(2026, 12, 18))
        placement.moments = [held, overdue, back]
        answered = CheckIn(id=secrets.token_hex(16), due_on=dt.date(2026, 9, 15), answered_on=dt.date(2026, 9, 15))
        answered.safe, answered.note = 1, NOTE
        due = CheckIn(id=secrets.token_hex(16), due_on=dt.date(2026, 12, 1))
        placement.checkins = [answered, due]
        signal = Signal(id=secrets.token_hex(16), kind="unsafe", raised_on=dt.date(2026, 9, 15))
        signal.checkin_id = answered.id
        placement.signals = [signal]
        session.add(placement)
        session.commit()
        return {"held": held.id, "overdue": overdue.id, "back": back.id, "due": due.id, "answered": answered.id}


@pytest.fixture
def world(portal: Flask) -> dict[str, str]:
    person(portal, "student", "sanne", "Sanne de Vries")
    person(portal, "supervisor", "docent", "Dirk Docent")
    return add_placement(portal)


def make_feed(both: Client, username: str) -> str:
    """Log in and make a feed; return the .ics path shown once."""
    assert log_in(both, username) == 302
    page = both.post("/portal/calendar").get_data(as_text=True)
    found = FEED_LINK.search(page)
    assert found, page
    return "/portal" + found.group(1)


def parse(both: Client, path: str) -> tuple[icalendar.Calendar, bytes]:
    response = both.get(path)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert "no-store" in response.headers["Cache-Control"]
    return icalendar.Calendar.from_ical(response.data), response.data


def summaries(cal: icalendar.Calendar) -> dict[str, Any]:
    return {str(event["UID"]): event for event in cal.walk("VEVENT")}


def test_a_students_feed_has_moments_return_days_and_open_checkins_without_notes(
    portal: Flask, both: Client, world: dict[str, str]
) -> None:
    cal, raw = parse(both, make_feed(both, "sanne"))
    events = summaries(cal)
    assert {uid.split("@")[0] for uid in events} == {
        f"moment-{world['held']}",
        f"moment-{world['overdue']}",
        f"moment-{world['back']}",
        f"checkin-{world['due']}",
    }
    assert events[f"moment-{world['back']}@stageportaal.invalid"].decoded("DTSTART") == dt.date(2026, 12, 18)
    assert events[f"checkin-{world['due']}@stageportaal.invalid"].decoded("DTEND") == dt.date(2026, 12, 2)
    text = raw.decode()
    assert NOTE not in text and SUMMARY not in text and "scheldt" not in text


def test_uids_stay_and_every_event_has_exactly_one_dtstamp(portal: Flask, both: Client, world: dict[str, str]) -> None:
    path = make_feed(both, "docent")
    first, raw = parse(both, path)
    again, _raw = parse(both, path)
    assert set(summaries(first)) == set(summaries(again)) and len(summaries(first)) == 4
    for event in first.walk("VEVENT"):
        assert len(event.property_items()) and str(raw).count("DTSTAMP") == len(summaries(first))
        assert isinstance(event.decoded("DTSTAMP"), dt.datetime) and event.decoded("DTSTAMP").tzinfo is not None
    assert "Sanne de Vries" in str(summaries(first)[f"checkin-{world['due']}@stageportaal.invalid"]["SUMMARY"])


def test_only_the_hash_is_stored_and_a_revoked_or_replaced_feed_answers_404(
    portal: Flask, both: Client, world: dict[str, str]
) -> None:
    path = make_feed(both, "sanne")
    secret = path.split("/")[-1].removesuffix(".ics")
    with portal.app_context():
        stored = get_session().scalars(select(Feed)).all()
        assert len(stored) == 1 and secret not in repr([(f.id, f.secret_hash) for f in stored])
    newer = make_feed(both, "sanne")
    assert both.get(path).status_code == 404 and both.get(newer).status_code == 200
    page = both.post("/portal/calendar/revoke").get_data(as_text=True)
    assert 'data-feed-state="off"' in page
    assert both.get(newer).status_code == 404
    assert both.get("/portal/calendar/" + "x" * 43 + ".ics").status_code == 404


@pytest.mark.parametrize("role", ["office", "host"])
def test_the_office_and_hosts_have_no_feed(portal: Flask, both: Client, role: str) -> None:
    person(portal, role, role, f"Demo {role}")
    assert log_in(both, role) == 302
    assert both.get("/portal/calendar").status_code == 403
    assert both.post("/portal/calendar").status_code == 403


def test_remind_mails_counts_and_never_a_note(
    portal: Flask,
    mailing: Flask,  # noqa: F811
    mailbox: Mailbox,  # noqa: F811
    runner: Any,
    world: dict[str, str],
) -> None:
    result = runner("portal", "remind", "--today", "2026-12-02")
    assert result.exit_code == 0, result.output
    assert "sanne (student): 1 check-ins, mailed" in result.output
    # the daily job first raises the day's signals: the overdue moment becomes a signal beside the open one
    assert "signals raised: 1;" in result.output
    assert "docent (supervisor): 1 moments overdue, 2 signals open, mailed" in result.output
    mails = {str(m["To"]): m.get_content() for m in mailbox.wait(2)}
    assert set(mails) == {"sanne@demo.invalid", "docent@demo.invalid"}
    assert "https://stages.example.nl/portal/" in mails["sanne@demo.invalid"]
    assert "contactmomenten over tijd: 1" in mails["docent@demo.invalid"]
    for body in mails.values():
        assert NOTE not in body and SUMMARY not in body and "Sanne de Vries" not in mails["docent@demo.invalid"]


def test_remind_dry_run_sends_nothing(
    portal: Flask,
    mailing: Flask,  # noqa: F811
    mailbox: Mailbox,  # noqa: F811
    runner: Any,
    world: dict[str, str],
) -> None:
    result = runner("portal", "remind", "--dry-run", "--today", "2026-12-02")
    assert result.exit_code == 0 and "would mail" in result.output and "nothing was sent" in result.output
    assert mailbox.wait(0) == []


def test_remind_repeats_only_what_is_new_or_a_week_old(
    portal: Flask,
    mailing: Flask,  # noqa: F811
    mailbox: Mailbox,  # noqa: F811
    runner: Any,
    world: dict[str, str],
) -> None:
    def remind(day: str) -> str:
        result = runner("portal", "remind", "--today", day)
        assert result.exit_code == 0, result.output
        return str(result.output)

    assert "sanne (student)" in remind("2026-12-02") and len(mailbox.wait(2)) == 2
    again = remind("2026-12-03")  # nothing new since yesterday: nobody is mailed twice
    assert "no one to remind" in again and len(mailbox.wait(3)) == 2
    with mailing.app_context():  # a new check-in falls due: only the student hears of it
        session = get_session()
        placement = session.scalars(select(Placement)).one()
        session.add(CheckIn(id=secrets.token_hex(16), placement_id=placement.id, due_on=dt.date(2026, 12, 4)))
        session.commit()
    new = remind("2026-12-04")
    assert "sanne (student): 2 check-ins, mailed" in new and "docent" not in new and len(mailbox.wait(3)) == 3
    week = remind("2026-12-09")  # the supervisor's open items, a week after their last reminder
    assert "docent (supervisor)" in week and "sanne" not in week
    assert "sanne (student)" in remind("2026-12-11")  # and the student's, a week after theirs
