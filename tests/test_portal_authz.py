"""Every portal route, for every role: who may use it. A route added without a line here fails the first test."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
from flask import Flask
from sqlalchemy import select
from test_portal import log_in, person
from test_portal_rounds import END, START, add_host, add_offer, add_wish
from werkzeug.test import Client

from hotline.portal.accounts.models import User
from hotline.portal.db import get_session
from hotline.portal.extensions import supervision
from hotline.portal.placements.models import MatchingRound, Proposal
from hotline.portal.supervision import plans
from hotline.portal.supervision.models import CheckIn, Signal

ANYONE = "anyone"  # no login needed (the login itself, the language, the institution's face, links by mail)
ROLES = ("student", "supervisor", "office", "host")
# endpoint -> the roles that may use it (ANYONE: also without logging in); every other role gets 403,
# and a visitor who is not logged in is sent to the login page.
MATRIX: dict[str, tuple[str, ...]] = {
    "portal_accounts.home": ROLES,
    "portal_accounts.login_form": (ANYONE,),
    "portal_accounts.login": (ANYONE,),
    "portal_accounts.logout": (ANYONE,),
    "portal_accounts.set_language": (ANYONE,),
    "portal_accounts.oidc_login": (ANYONE,),
    "portal_accounts.oidc_callback": (ANYONE,),
    "portal_invitations.open_link": (ANYONE,),
    "portal_invitations.use_link": (ANYONE,),
    "portal_invitations.ask": (ANYONE,),
    "portal_invitations.ask_again": (ANYONE,),
    "portal_invitations.invite_form": ("office",),
    "portal_invitations.invite": ("office",),
    "portal_people.people": ("office",),
    "portal_people.person": ("office",),
    "portal_people.update_person": ("office",),
    "institution.logo": (ANYONE,),
    "institution.tokens": (ANYONE,),
    "static": (ANYONE,),
    "placements_student.wish_form": ("student",),
    "placements_student.save_wish": ("student",),
    "placements_student.offers": ("student",),
    "placements_student.rank": ("student",),
    "placements_student.mine": ("student",),
    "placements_office.hosts": ("office",),
    "placements_office.new_host": ("office",),
    "placements_office.create_host": ("office",),
    "placements_office.edit_host": ("office",),
    "placements_office.update_host": ("office",),
    "placements_office.offer_list": ("office",),
    "placements_office.new_offer": ("office",),
    "placements_office.create_offer": ("office",),
    "placements_office.offer_page": ("office",),
    "placements_office.edit_offer": ("office",),
    "placements_office.update_offer": ("office",),
    "placements_office.publish": ("office",),
    "placements_office.close": ("office",),
    "placements_host.offer_list": ("host",),
    "placements_host.new_offer": ("host",),
    "placements_host.propose": ("host",),
    "placements_host.offer_page": ("host",),
    "placements_host.edit_offer": ("host",),
    "placements_host.update_offer": ("host",),
    "placements_rounds.rounds_index": ("office",),
    "placements_rounds.run_round": ("office",),
    "placements_rounds.round_page": ("office",),
    "placements_rounds.shortages_page": ("office",),
    "placements_rounds.students_page": ("office",),
    "placements_rounds.host_proposals": ("host",),
    "placements_rounds.host_proposal": ("host",),
    "placements_rounds.answer": ("host",),
    "supervision_feeds.feed_form": ("student", "supervisor"),
    "supervision_feeds.make_feed": ("student", "supervisor"),
    "supervision_feeds.revoke_feed": ("student", "supervisor"),
    "supervision_feeds.ics": (ANYONE,),  # the secret in the URL is the key: a calendar client cannot log in
    "supervision_plans.placements": ("office",),
    "supervision_plans.create_placement": ("office",),
    "supervision_plans.from_proposal": ("office",),
    "supervision_plans.assign": ("office",),
    "supervision_plans.supervised": ("supervisor",),
    "supervision_plans.placement_page": ("supervisor", "office"),
    "supervision_plans.add_moment": ("supervisor",),
    "supervision_plans.move_moment": ("supervisor",),
    "supervision_plans.remove_moment": ("supervisor",),
    "supervision_plans.record_moment": ("supervisor",),
    "supervision_plans.student_plan": ("student",),
    "supervision_plans.ask_moment": ("student",),
    "supervision_plans.overview": ("office",),
    "supervision_signals.checkin_list": ("student",),
    "supervision_signals.checkin_form": ("student",),
    "supervision_signals.answer": ("student",),
    "supervision_signals.signal_list": ("supervisor",),
    "supervision_signals.signal_page": ("supervisor",),
    "supervision_signals.handle": ("supervisor",),
    "supervision_signals.escalated_list": ("office",),
}


@pytest.fixture
def world(portal: Flask) -> dict[str, str]:
    """A person in every role, a host with an offer, a round and a proposal: the values every route's URL needs."""
    for role in ROLES:
        person(portal, role, role, f"Demo {role}")
    with portal.app_context():
        session = get_session()
        host = add_host(session)
        users = {u.username: u for u in session.scalars(select(User))}
        users["host"].host_id = host.id
        offer = add_offer(session, host, "Testen")
        proposed = add_offer(session, host, "Nog voorgesteld")
        proposed.status, proposed.proposed_by = "proposed", users["host"].id  # a host edits only its proposals
        add_wish(session, users["student"].id, ("testing",), [offer])
        made = MatchingRound(
            id=secrets.token_hex(16),
            programme="hbo-ict",
            seed="00",
            run_at=dt.datetime(2026, 12, 1),
            run_by=users["office"].id,
        )
        session.add(made)
        session.flush()
        proposal = Proposal(
            id=secrets.token_hex(16),
            round_id=made.id,
            student_id=users["student"].id,
            offer_id=offer.id,
            lottery=1,
            status="proposed",
        )
        session.add(proposal)
        fields = plans.PlacementFields(
            users["student"].id, users["supervisor"].id, "hbo-ict", "Zorggroep Zuid", START, END, 36 * 60, "Testen"
        )
        placement = plans.create_placement(session, fields, supervision(portal).for_programme("hbo-ict"), START)
        checkin = CheckIn(id=secrets.token_hex(16), placement_id=placement.id, due_on=dt.date.today())
        signal = Signal(id=secrets.token_hex(16), placement_id=placement.id, kind="unsafe", raised_on=dt.date.today())
        session.add_all([checkin, signal])
        session.commit()
        return {
            "host_id": host.id,
            "offer_id": offer.id,
            "proposed_offer_id": proposed.id,
            "round_id": made.id,
            "proposal_id": proposal.id,
            "placement_id": placement.id,
            "moment_id": placement.moments[0].id,
            "checkin_id": checkin.id,
            "signal_id": signal.id,
            "user_id": users["student"].id,
            "secret": "x" * 43,
            "language": "en",
            "filename": "css/hotline.css",
        }


def requests(portal: Flask, values: dict[str, str]) -> list[tuple[str, str, str]]:
    """Return (endpoint, method, URL) for every route and method of the portal."""
    found = []
    for rule in portal.url_map.iter_rules():
        own = values | (
            {"offer_id": values["proposed_offer_id"]} if rule.endpoint.startswith("placements_host") else {}
        )
        url = "/portal" + rule.build({name: own[name] for name in rule.arguments})[1]  # type: ignore[index]
        found += [
            (rule.endpoint, method, url) for method in sorted(rule.methods or ()) if method not in ("HEAD", "OPTIONS")
        ]
    return found


def test_every_route_is_in_the_matrix(portal: Flask) -> None:
    assert {rule.endpoint for rule in portal.url_map.iter_rules()} == set(MATRIX)


@pytest.mark.parametrize("role", [*ROLES, None])
def test_each_role_reaches_only_its_own_routes(
    portal: Flask, both: Client, world: dict[str, str], role: str | None
) -> None:
    if role is not None:
        assert log_in(both, role) == 302
    for endpoint, method, url in requests(portal, world):
        allowed = MATRIX[endpoint]
        if ANYONE in allowed or endpoint == "portal_accounts.logout":
            continue
        response = both.open(url, method=method, data={})
        if role is None:
            assert response.status_code == 302 and "/portal/login" in response.headers["Location"], (endpoint, method)
        elif role in allowed:
            assert response.status_code not in (401, 403), (role, endpoint, method, response.status_code)
            assert "/portal/login" not in response.headers.get("Location", ""), (role, endpoint, method)
            assert response.status_code < 500, (role, endpoint, method)
        else:
            assert response.status_code == 403, (role, endpoint, method, response.status_code)
        response.close()
