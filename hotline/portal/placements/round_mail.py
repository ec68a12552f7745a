"""After a round, each host contact hears that students were proposed: the offers and a count, never who.

A mailbox may be read by others, and a host is blind until it accepts: the mail names the host's own offers
and how many students each has waiting, and links to the page where the learning wishes are.
"""

from __future__ import annotations

from collections import Counter

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.portal import mail
from hotline.portal.accounts.models import User
from hotline.portal.placements.models import MatchingRound

SUBJECT = "Stageportaal: studenten voorgesteld / students proposed"
BODY = """\
Hallo,

Het stagebureau heeft studenten voorgesteld voor jullie stages:

{offers}

Je ziet hun leerwens en leerdoelen, niet wie ze zijn; naam en contact zie je
zodra je accepteert. Geef je antwoord hier:

{link}

--

Hello,

The internship office has proposed students for your internships (above).
You see their learning wish and goals, not who they are; you see the name and
contact once you accept. Answer here:

{link}
"""


def bodies(session: Session, made: MatchingRound, link: str) -> dict[str, str]:
    """Return the mail text for each host contact with students proposed in the round, by e-mail address."""
    per_host: dict[str, Counter[str]] = {}
    for proposal in made.proposals:
        per_host.setdefault(proposal.offer.host_id, Counter())[proposal.offer.title] += 1
    texts = {}
    for host_id, offers in per_host.items():
        listed = "\n".join(f"- {title}: {count}" for title, count in sorted(offers.items()))
        contacts = session.scalars(select(User).where(User.host_id == host_id, User.role == "host", User.active))
        for contact in contacts:
            if contact.email:
                texts[contact.email] = BODY.format(offers=listed, link=link)
    return texts


def tell_hosts(session: Session, made: MatchingRound) -> tuple[int, list[str]]:
    """Mail each host contact of the round; return how many mails went out and what failed (no mail: nothing)."""
    settings = mail.mail_settings(current_app.config)
    if settings is None:
        return 0, []
    sent, failed = 0, []
    for address, text in bodies(session, made, mail.page_url("placements_rounds.host_proposals")).items():
        try:
            mail.send(settings, mail.compose(settings, address, SUBJECT, text))
            sent += 1
        except mail.MailError as error:
            failed.append(str(error))
    return sent, failed
