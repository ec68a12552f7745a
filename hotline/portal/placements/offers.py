"""Hosts and their offers: kept by the office, proposed by hosts, published only when no fair-conditions rule objects.

The session is passed in and the caller commits; every refusal is a named exception.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy import extract, func, select
from sqlalchemy.orm import Session

from hotline.i18n import gettext as _
from hotline.norms import ALLOWANCE_PERIODS, PROBLEM, Finding, Norms, Terms, evaluate
from hotline.portal.accounts.models import User
from hotline.portal.placements.catalogue import Catalogue
from hotline.portal.placements.models import Host, Offer, OfferArea, OfferProgramme, Proposal
from hotline.taxonomy import SECTORS

MAX_NAME = 200
MAX_TASKS = 4000
MAX_PLACES = 500
MAX_EUROS = Decimal(100_000)
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
EDITABLE = ("draft", "proposed", "published")  # a closed offer is history: students ranked it, rounds proposed on it


class InvalidInput(ValueError):
    """A host or offer cannot be saved as given; errors holds a message per field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


class CannotPublish(Exception):
    """A fair-conditions rule says problem; findings holds those problems, to show why."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__(", ".join(f.rule.code for f in findings))
        self.findings = findings


class WrongState(Exception):
    """The offer's status does not allow this (publishing a closed offer, a host editing a published one)."""


@dataclass(frozen=True)
class HostFields:
    name: str
    sector: str
    region: str
    contact_name: str | None = None
    contact_email: str | None = None


@dataclass(frozen=True)
class OfferFields:
    """What an offer says; None where a field was left empty (or could not be read)."""

    title: str = ""
    tasks: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    hours_per_week: int | None = None  # minutes
    places: int | None = None
    programmes: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    longest_day: int | None = None  # minutes
    night_work: bool | None = None
    weekend_work: bool | None = None
    allowance: Decimal | None = None
    allowance_period: str | None = None
    supervisor_name: str | None = None
    learning_plan: bool | None = None
    contact_moments: int | None = None


@dataclass(frozen=True)
class HostRecord:
    """A host with its offers counted and its past placements: accepted proposals by year of the offer's start."""

    host: Host
    offers: int
    placements: dict[int, int]


def host_errors(fields: HostFields, catalogue: Catalogue) -> dict[str, str]:
    """Return what is wrong with a host, by field."""
    errors = {}
    if not fields.name.strip() or len(fields.name) > MAX_NAME:
        errors["name"] = _("Vul de naam van de organisatie in (hoogstens 200 tekens).")
    if fields.sector not in SECTORS:
        errors["sector"] = _("Kies een sector.")
    if fields.region not in catalogue.regions:
        errors["region"] = _("Kies een regio.")
    if fields.contact_name is not None and len(fields.contact_name) > MAX_NAME:
        errors["contact_name"] = _("Schrijf de naam in hoogstens 200 tekens.")
    email = fields.contact_email
    if email is not None and (len(email) > 320 or not EMAIL.fullmatch(email)):
        errors["contact_email"] = _("Schrijf een e-mailadres als naam@voorbeeld.nl.")
    return errors


def _fill_host(host: Host, fields: HostFields, catalogue: Catalogue) -> Host:
    if errors := host_errors(fields, catalogue):
        raise InvalidInput(errors)
    host.name, host.sector, host.region = fields.name.strip(), fields.sector, fields.region
    host.contact_name, host.contact_email = fields.contact_name, fields.contact_email
    return host


def create_host(session: Session, fields: HostFields, catalogue: Catalogue) -> Host:
    """Add a host organisation; raises InvalidInput."""
    host = _fill_host(Host(id=secrets.token_hex(16), created_on=dt.date.today()), fields, catalogue)
    session.add(host)
    session.flush()
    return host


def update_host(session: Session, host: Host, fields: HostFields, catalogue: Catalogue) -> Host:
    """Change a host organisation; raises InvalidInput and leaves it as it was."""
    _fill_host(host, fields, catalogue)
    session.flush()
    return host


def hosts(session: Session) -> list[HostRecord]:
    """Return every host by name, with its offers counted and its placements by year."""
    year = extract("year", Offer.start)
    placed = session.execute(
        select(Offer.host_id, year, func.count(Proposal.id))
        .join(Proposal, Proposal.offer_id == Offer.id)
        .where(Proposal.status == "accepted")
        .group_by(Offer.host_id, year)
    ).all()
    by_host: dict[str, dict[int, int]] = {}
    for host_id, in_year, count in placed:
        by_host.setdefault(host_id, {})[int(in_year)] = count
    counted = session.execute(select(Offer.host_id, func.count(Offer.id)).group_by(Offer.host_id))
    offers = {host_id: count for host_id, count in counted}
    return [
        HostRecord(host, offers.get(host.id, 0), dict(sorted(by_host.get(host.id, {}).items(), reverse=True)))
        for host in session.scalars(select(Host).order_by(Host.name))
    ]


def offer_errors(fields: OfferFields, catalogue: Catalogue) -> dict[str, str]:
    """Return what is wrong with an offer, by field: the rules of the form, not yet those of fair conditions."""
    errors = {}
    if not fields.title.strip() or len(fields.title) > MAX_NAME:
        errors["title"] = _("Geef het aanbod een titel (hoogstens 200 tekens).")
    if not fields.tasks.strip() or len(fields.tasks) > MAX_TASKS:
        errors["tasks"] = _("Beschrijf de taken in hoogstens %(n)s tekens.", n=MAX_TASKS)
    chosen = [catalogue.programmes[p] for p in fields.programmes if p in catalogue.programmes]
    if not fields.programmes or len(chosen) != len(fields.programmes):
        errors["programmes"] = _("Kies minstens één opleiding.")
    allowed = {area for programme in chosen for area in programme.areas}
    if not fields.areas:
        errors["areas"] = _("Kies minstens één leerterrein.")
    elif "programmes" not in errors and not set(fields.areas) <= allowed:
        errors["areas"] = _("Kies alleen leerterreinen van de gekozen opleidingen.")
    if fields.start is None:
        errors["start"] = _("Vul de begindatum in.")
    if fields.end is None:
        errors["end"] = _("Vul de einddatum in.")
    elif fields.start is not None and fields.end <= fields.start:
        errors["end"] = _("De einddatum moet na de begindatum liggen.")
    week, day = fields.hours_per_week, fields.longest_day
    if week is None or not 0 < week <= 7 * 24 * 60:
        errors["hours_per_week"] = _("Vul de uren per week in: meer dan 0 en hoogstens 168.")
    if day is not None and not 0 < day <= 24 * 60:
        errors["longest_day"] = _("Een dag heeft hoogstens 24 uur.")
    elif day is not None and week is not None and day > week and "hours_per_week" not in errors:
        errors["longest_day"] = _("De langste dag kan niet langer zijn dan de uren per week.")
    if fields.allowance_period is not None and fields.allowance_period not in ALLOWANCE_PERIODS:
        errors["allowance_period"] = _("Kies een van de antwoorden.")
    elif fields.allowance is not None and not 0 <= fields.allowance <= MAX_EUROS:
        errors["allowance"] = _("Dat bedrag is te hoog voor een stagevergoeding; kijk het nog eens na.")
    elif fields.allowance is not None and fields.allowance_period in (None, "none") and fields.allowance > 0:
        errors["allowance_period"] = _("Kies waar het bedrag voor is: per maand, week, uur of de hele stage.")
    elif fields.allowance is None and fields.allowance_period not in (None, "none"):
        errors["allowance"] = _("Vul het bedrag in, of kies: geen vergoeding.")
    if fields.supervisor_name is not None and len(fields.supervisor_name) > MAX_NAME:
        errors["supervisor_name"] = _("Schrijf de naam in hoogstens 200 tekens.")
    if fields.contact_moments is not None and not 0 <= fields.contact_moments <= 50:
        errors["contact_moments"] = _("Vul een getal in van %(low)s tot en met %(high)s.", low=0, high=50)
    if fields.places is None or not 1 <= fields.places <= MAX_PLACES:
        errors["places"] = _("Vul een getal in van %(low)s tot en met %(high)s.", low=1, high=MAX_PLACES)
    return errors


def _fill_offer(offer: Offer, fields: OfferFields, catalogue: Catalogue) -> Offer:
    if errors := offer_errors(fields, catalogue):
        raise InvalidInput(errors)
    if fields.start is None or fields.end is None or fields.hours_per_week is None or fields.places is None:
        raise InvalidInput({"start": _("Vul de begindatum in.")})  # offer_errors refused these already
    offer.title, offer.tasks = fields.title.strip(), fields.tasks.strip()
    offer.start, offer.end = fields.start, fields.end
    offer.hours_per_week, offer.places = fields.hours_per_week, fields.places
    offer.longest_day, offer.night_work, offer.weekend_work = fields.longest_day, fields.night_work, fields.weekend_work
    none = fields.allowance_period == "none"
    offer.allowance, offer.allowance_period = (None if none else fields.allowance), fields.allowance_period
    offer.supervisor_name, offer.learning_plan = fields.supervisor_name, fields.learning_plan
    offer.contact_moments = fields.contact_moments
    offer.programmes = [OfferProgramme(programme=p) for p in dict.fromkeys(fields.programmes)]
    offer.areas = [OfferArea(area=a) for a in dict.fromkeys(fields.areas)]
    return offer


def create_offer(
    session: Session, host: Host, fields: OfferFields, catalogue: Catalogue, proposed_by: User | None = None
) -> Offer:
    """Add an offer: a draft for the office, or proposed when a host contact makes it; raises InvalidInput."""
    if proposed_by is not None and proposed_by.host_id != host.id:
        raise WrongState("a host contact proposes offers for their own organisation only")
    offer = Offer(id=secrets.token_hex(16), host_id=host.id, created_on=dt.date.today())
    offer.status = "draft" if proposed_by is None else "proposed"
    offer.proposed_by = None if proposed_by is None else proposed_by.id
    _fill_offer(offer, fields, catalogue)
    session.add(offer)
    session.flush()
    return offer


def update_offer(session: Session, offer: Offer, fields: OfferFields, catalogue: Catalogue, norms: Norms) -> Offer:
    """Change an offer; a published one stays published only if no rule says problem (else CannotPublish)."""
    if offer.status not in EDITABLE:
        raise WrongState(f"a {offer.status} offer cannot be changed")
    if errors := offer_errors(fields, catalogue):
        raise InvalidInput(errors)
    if offer.status == "published" and (found := problems(_held(_terms(fields, offer.host.sector), norms))):
        raise CannotPublish(found)
    _fill_offer(offer, fields, catalogue)
    session.flush()
    return offer


def fields_of(offer: Offer) -> OfferFields:
    """Return what an offer says, as the form and the rules read it."""
    return OfferFields(
        title=offer.title,
        tasks=offer.tasks,
        start=offer.start,
        end=offer.end,
        hours_per_week=offer.hours_per_week,
        places=offer.places,
        programmes=tuple(p.programme for p in offer.programmes),
        areas=tuple(a.area for a in offer.areas),
        longest_day=offer.longest_day,
        night_work=offer.night_work,
        weekend_work=offer.weekend_work,
        allowance=offer.allowance,
        allowance_period=offer.allowance_period,
        supervisor_name=offer.supervisor_name,
        learning_plan=offer.learning_plan,
        contact_moments=offer.contact_moments,
    )


def _terms(fields: OfferFields, sector: str) -> Terms:
    return Terms(
        start=fields.start,
        end=fields.end,
        hours_per_week=fields.hours_per_week,
        longest_day=fields.longest_day,
        night_work=fields.night_work,
        weekend_work=fields.weekend_work,
        allowance=fields.allowance,
        allowance_period=fields.allowance_period,
        tasks=fields.tasks,
        learning_plan=fields.learning_plan,
        supervisor=bool(fields.supervisor_name),  # a supervisor only counts when the offer names one
        contact_moments=fields.contact_moments,
        sector=sector,
        written_agreement=True,  # every placement through the office is signed on the institution's agreement
    )


def terms_of(offer: Offer) -> Terms:
    """Return what the offer says in the norms engine's terms; what it does not state stays None."""
    return _terms(fields_of(offer), offer.host.sector)


def check(offer: Offer, norms: Norms) -> list[Finding]:
    """Hold the offer against every rule, as for an adult student on the institution's agreement.

    An offer does not know the student's age. Left unknown, every working-time rule would go unchecked and 70
    hours a week could be published: the adult limits are the floor that binds whoever takes it, and a minor's
    own agreement meets the stricter rules on the hotline's check. The agreement is the institution's model,
    which has every part the contents rule asks for, so that rule weighs the offer, not a blank form.
    """
    return _held(terms_of(offer), norms)


def _held(terms: Terms, norms: Norms) -> list[Finding]:
    return evaluate(replace(terms, under_18=False, parts=frozenset(norms.parts)), norms)


def problems(findings: list[Finding]) -> list[Finding]:
    """Return the findings that stop publication."""
    return [f for f in findings if f.outcome == PROBLEM]


def publish(session: Session, offer: Offer, norms: Norms) -> Offer:
    """Publish a draft or proposed offer for students to find; CannotPublish when a rule says problem."""
    if offer.status not in ("draft", "proposed"):
        raise WrongState(f"a {offer.status} offer cannot be published")
    if found := problems(check(offer, norms)):
        raise CannotPublish(found)
    offer.status, offer.published_on = "published", dt.date.today()
    session.flush()
    return offer


def close(session: Session, offer: Offer) -> Offer:
    """Close an offer: students no longer see it; it stays in the host's history."""
    if offer.status == "closed":
        raise WrongState("the offer is closed already")
    offer.status = "closed"
    session.flush()
    return offer


def offers(session: Session, status: str | None = None, host_id: str | None = None) -> list[Offer]:
    """Return offers, proposed first (they wait for the office), then by start; optionally of one status or host."""
    query = select(Offer).join(Host).order_by(Offer.start, Host.name, Offer.title)
    if status is not None:
        query = query.where(Offer.status == status)
    if host_id is not None:
        query = query.where(Offer.host_id == host_id)
    found = session.scalars(query).all()
    return sorted(found, key=lambda offer: offer.status != "proposed")


def may_see(user: User, offer: Offer) -> bool:
    """Tell whether the user may see the offer's page: the office any, a host contact only its own host's."""
    return user.role == "office" or (user.role == "host" and user.host_id is not None and user.host_id == offer.host_id)


def may_edit(user: User, offer: Offer) -> bool:
    """Tell whether the user may change the offer: the office while it is open, a host only while it is proposed."""
    if user.role == "office":
        return offer.status in EDITABLE
    return may_see(user, offer) and offer.status == "proposed"
