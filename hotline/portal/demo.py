"""The portal's demo: made-up people in every role, so that `hotline demo` shows each one at once."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from hotline import auth
from hotline.portal.accounts import service
from hotline.portal.config import DEMO_FILE, SQLITE_FILE
from hotline.portal.extensions import supervision
from hotline.portal.placements.models import Host, Offer, OfferArea, OfferProgramme
from hotline.portal.supervision import plans

# username: (role, name, programme); every name is made up.
PEOPLE = {
    "student": ("student", "Sanne de Vries", "hbo-ict"),
    "student2": ("student", "Yusuf Demir", "hbo-ict"),
    "docent": ("supervisor", "Karin Bakker", "hbo-ict"),
    "stagebureau": ("office", "Pieter Jansen", None),
    "stagebieder": ("host", "Ellen Smit", None),
}
# Who is already on an internship, four weeks in, with check-ins due: (student, supervisor, host).
INTERNSHIP = ("student2", "docent", "Digitaal Zuid B.V.")
WEEKS_IN, WEEKS_LONG = 4, 20


# Made-up hosts and their published offers for HBO-ICT: (host, region, [(title, areas, places)]).
HOSTS = (
    (
        "Digitaal Zuid B.V.",
        "zuid",
        (("Tester in een scrumteam", ("testing", "software"), 2), ("Data-analist zorgdata", ("data",), 1)),
    ),
    (
        "Gemeente Westerkwartier",
        "west",
        (("Informatiebeveiliging bij de gemeente", ("security", "infrastructure"), 1),),
    ),
)


def populate(session: Session) -> dict[str, str]:
    """Add the demo people as local accounts and the made-up hosts' offers; return each username's password."""
    passwords = {}
    users = {}
    for username, (role, name, programme) in PEOPLE.items():
        passwords[username] = auth.generate_password()
        email = f"{username}@demo.invalid"  # .invalid: a demo mail can never reach anyone
        users[username] = service.create_local(
            session, role, name, username, passwords[username], email=email, programme=programme
        )
    start = dt.date(dt.date.today().year + 1, 2, 1)
    for number, (name, region, offers) in enumerate(HOSTS):
        host = Host(id=secrets.token_hex(16), name=name, sector="ict", region=region, created_on=dt.date.today())
        session.add(host)
        session.flush()  # the user's host_id points at it: the host row must exist first
        if number == 0:
            users["stagebieder"].host_id = host.id
        for title, areas, places in offers:
            offer = Offer(
                id=secrets.token_hex(16),
                host_id=host.id,
                title=title,
                tasks=f"{title}: meewerken in het team, met een vaste begeleider en een stageplan.",
                start=start,
                end=start + dt.timedelta(weeks=20),
                hours_per_week=36 * 60,
                allowance=Decimal(600),
                allowance_period="month",
                supervisor_name="J. de Boer",
                learning_plan=True,
                contact_moments=3,
                places=places,
                status="published",
                created_on=dt.date.today(),
                published_on=dt.date.today(),
            )
            offer.programmes = [OfferProgramme(programme="hbo-ict")]
            offer.areas = [OfferArea(area=area) for area in areas]
            session.add(offer)
    student, supervisor, host_name = INTERNSHIP
    begun = dt.date.today() - dt.timedelta(weeks=WEEKS_IN)
    fields = plans.PlacementFields(
        users[student].id,
        users[supervisor].id,
        "hbo-ict",
        host_name,
        begun,
        begun + dt.timedelta(weeks=WEEKS_LONG),
        36 * 60,
        "Testen in een scrumteam leren, en zelf testgevallen schrijven.",
        Decimal(600),
        "month",
    )
    plans.create_placement(session, fields, supervision().for_programme("hbo-ict"), begun)
    session.commit()
    return passwords


def reset(instance: Path) -> None:
    """Delete the portal demo's SQLite database and secret."""
    for suffix in ("", "-wal", "-shm"):
        (instance / f"{SQLITE_FILE}{suffix}").unlink(missing_ok=True)
    (instance / DEMO_FILE).unlink(missing_ok=True)
