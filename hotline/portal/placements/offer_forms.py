"""The host and offer forms: what was typed, read into the service's fields, with a plain error per field.

The readers of dates, hours and amounts write what the hotline's fair-conditions form reads (1-2-2027, 37,5,
4,50); they are repeated here because the portal may not import the hotline's forms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from hotline.i18n import gettext as _
from hotline.i18n import label
from hotline.norms import ALLOWANCE_PERIODS
from hotline.norms_input import FieldError, parse_date, parse_euros, parse_minutes
from hotline.portal.placements import offers
from hotline.portal.placements.catalogue import Catalogue
from hotline.portal.placements.models import Host, Offer
from hotline.taxonomy import SECTORS

YES_NO = {"yes": True, "no": False}
HOST_FIELDS = ("name", "sector", "region", "contact_name", "contact_email")
TEXT = ("title", "tasks", "supervisor_name")
DATES = ("start", "end")
MINUTES = ("hours_per_week", "longest_day")
BOOLS = ("night_work", "weekend_work", "learning_plan")
COUNTS = ("places", "contact_moments")
ORDER = (  # the form's order, so the error summary reads top to bottom
    "host_id",
    "title",
    "programmes",
    "areas",
    "tasks",
    "start",
    "end",
    "hours_per_week",
    "longest_day",
    "night_work",
    "weekend_work",
    "allowance",
    "allowance_period",
    "supervisor_name",
    "learning_plan",
    "contact_moments",
    "places",
)


@dataclass
class OfferForm:
    """The offer form as typed (to show it again), its errors by field, and what it says once read."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    fields: offers.OfferFields = field(default_factory=offers.OfferFields)


@dataclass
class HostForm:
    """The host form as typed, its errors by field, and what it says."""

    values: dict[str, str]
    errors: dict[str, str]
    fields: offers.HostFields


def offer_labels() -> dict[str, str]:
    """Return what each offer field is called, in the current language."""
    return {
        "host_id": _("Stagebieder"),
        "title": _("Titel"),
        "programmes": _("Opleidingen"),
        "areas": _("Leerterreinen"),
        "tasks": _("Taken"),
        "start": _("Begindatum"),
        "end": _("Einddatum"),
        "hours_per_week": _("Uren per week"),
        "longest_day": _("Langste werkdag"),
        "night_work": _("Nachtwerk"),
        "weekend_work": _("Werken in het weekend"),
        "allowance": _("Stagevergoeding"),
        "allowance_period": _("Waar de vergoeding voor is"),
        "supervisor_name": _("Begeleider bij de stagebieder"),
        "learning_plan": _("Stageplan met leerdoelen"),
        "contact_moments": _("Contactmomenten met de opleiding"),
        "places": _("Aantal plaatsen"),
    }


def status_labels() -> dict[str, str]:
    """Return what each status of an offer is called."""
    return {
        "draft": _("Concept"),
        "proposed": _("Voorgesteld door de stagebieder"),
        "published": _("Gepubliceerd"),
        "closed": _("Gesloten"),
    }


def choices(catalogue: Catalogue) -> dict[str, dict[str, str]]:
    """Return the answers each choice offers, in the current language."""
    periods = (_("per maand"), _("per week"), _("per uur"), _("voor de hele stage"), _("geen vergoeding"))
    return {
        "yes_no": {"yes": _("Ja"), "no": _("Nee")},
        "allowance_period": dict(zip(ALLOWANCE_PERIODS, periods, strict=True)),
        "sector": {code: label(names) for code, names in SECTORS.items()},
        "region": {code: label(names) for code, names in catalogue.regions.items()},
        "programmes": {code: label(p.name) for code, p in catalogue.programmes.items()},
        "areas": {code: label(name) for code, name in catalogue.area_names().items()},
    }


def offer_names(offer: Offer, catalogue: Catalogue) -> dict[str, str]:
    """Return an offer's programmes and learning areas by name, each a list in words."""
    given = choices(catalogue)
    return {
        "programmes": ", ".join(given["programmes"].get(p.programme, p.programme) for p in offer.programmes),
        "areas": ", ".join(given["areas"].get(a.area, a.area) for a in offer.areas),
    }


def _read(name: str, text: str) -> Any:
    """Read one answered field into the type the offer holds."""
    if name in DATES:
        return parse_date(text)
    if name in MINUTES:
        return parse_minutes(text)
    if name in BOOLS:
        if text not in YES_NO:
            raise FieldError(_("Kies een van de antwoorden."))
        return YES_NO[text]
    if name in COUNTS:
        if not text.isdigit() or len(text) > 6:
            raise FieldError(_("Vul een heel getal in, zoals 2."))
        return int(text)
    if name == "allowance":
        return parse_euros(text)
    return text


def parse_offer(form: MultiDict[str, str], catalogue: Catalogue) -> OfferForm:
    """Read the posted offer form; on any error keep every value as typed and say what is wrong, field by field."""
    result = OfferForm()
    read: dict[str, Any] = {}
    for name in (*TEXT, *DATES, *MINUTES, *BOOLS, *COUNTS, "allowance", "allowance_period"):
        text = form.get(name, "").strip()
        result.values[name] = text
        if not text:
            read[name] = "" if name in ("title", "tasks") else None
            continue
        try:
            read[name] = _read(name, text)
        except FieldError as error:
            result.errors[name] = str(error)
            read[name] = None
    for name in ("programmes", "areas"):
        result.values[name] = read[name] = tuple(dict.fromkeys(form.getlist(name)))[:50]
    result.fields = offers.OfferFields(**read)
    found = offers.offer_errors(result.fields, catalogue) | result.errors  # a value that cannot be read says how
    result.errors = {name: found[name] for name in ORDER if name in found}
    return result


def written_hours(minutes: int | None) -> str:
    """Write minutes back as the form reads them: 40, 37,5 or 37:20."""
    if minutes is None:
        return ""
    whole, rest = divmod(minutes, 60)
    return str(whole) if rest == 0 else (f"{whole},5" if rest == 30 else f"{whole}:{rest:02d}")


def offer_values(fields: offers.OfferFields) -> dict[str, Any]:
    """Return an offer's fields as the form shows them, to change it."""
    answer = {True: "yes", False: "no", None: ""}
    euros = "" if fields.allowance is None else f"{fields.allowance:.2f}".replace(".", ",").removesuffix(",00")
    return {
        "title": fields.title,
        "tasks": fields.tasks,
        "programmes": fields.programmes,
        "areas": fields.areas,
        "start": "" if fields.start is None else f"{fields.start.day}-{fields.start.month}-{fields.start.year}",
        "end": "" if fields.end is None else f"{fields.end.day}-{fields.end.month}-{fields.end.year}",
        "hours_per_week": written_hours(fields.hours_per_week),
        "longest_day": written_hours(fields.longest_day),
        "night_work": answer[fields.night_work],
        "weekend_work": answer[fields.weekend_work],
        "allowance": euros,
        "allowance_period": fields.allowance_period or "",
        "supervisor_name": fields.supervisor_name or "",
        "learning_plan": answer[fields.learning_plan],
        "contact_moments": "" if fields.contact_moments is None else str(fields.contact_moments),
        "places": "" if fields.places is None else str(fields.places),
    }


def parse_host(form: MultiDict[str, str], catalogue: Catalogue) -> HostForm:
    """Read the posted host form, every value kept as typed."""
    values = {name: form.get(name, "").strip() for name in HOST_FIELDS}
    fields = offers.HostFields(
        name=values["name"],
        sector=values["sector"],
        region=values["region"],
        contact_name=values["contact_name"] or None,
        contact_email=values["contact_email"] or None,
    )
    return HostForm(values, offers.host_errors(fields, catalogue), fields)


def host_values(host: Host) -> dict[str, str]:
    """Return a host's fields as the form shows them."""
    return {
        "name": host.name,
        "sector": host.sector,
        "region": host.region,
        "contact_name": host.contact_name or "",
        "contact_email": host.contact_email or "",
    }
