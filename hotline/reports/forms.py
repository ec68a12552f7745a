"""Parse and check what a student typed; every error names its field and keeps the rest."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import FileStorage, MultiDict

from hotline.attachments import Attachment, AttachmentError, ImageBudget, ImagesBusy, clean_attachments
from hotline.i18n import gettext as _
from hotline.routing import Routing
from hotline.taxonomy import PHASES as PHASES  # re-exported: the views offer them as choices
from hotline.taxonomy import SECTORS as SECTORS


@dataclass
class Routed:
    """The first step: what happened, and for which programme."""

    category: str = ""
    programme: str = ""
    sector: str | None = None
    phase: str | None = None
    group: str = ""  # the routing group whose categories are shown: chosen first, or the category's
    regrouped: bool = False  # another group was chosen than the one shown: show its categories, no errors
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class Details:
    """The second step: what the student wrote, and where it goes."""

    description: str = ""
    organisation: str = ""
    date_from: str = ""
    date_to: str = ""
    deselected: list[str] = field(default_factory=list)
    keep_copy: bool = False  # also seal the report to the token's reply key: a copy only the token opens
    attachments: list[Attachment] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    def payload(self, routed: Routed) -> dict[str, Any]:
        """Return everything that is sealed, as JSON-ready data."""
        return {
            "category": routed.category,
            "programme": routed.programme,
            "description": self.description,
            "organisation": self.organisation or None,
            "date_from": self.date_from or None,
            "date_to": self.date_to or None,
            "attachments": [a.name for a in self.attachments],
        }


def parse_routed(form: MultiDict[str, str], routing: Routing, programmes: set[str]) -> Routed:
    """Read and check step one: the group, then a category within it (step two posts the category alone)."""
    routed = Routed(
        category=form.get("category", "").strip(),
        programme=form.get("programme", "").strip(),
        sector=form.get("sector", "").strip() or None,
        phase=form.get("phase", "").strip() or None,
        group=form.get("group", "").strip(),
    )
    if routed.group not in routing.groups:
        routed.group = ""
    category = routing.categories.get(routed.category)
    if category is not None and routed.group and category.group != routed.group:
        category = None  # a category of the group shown before the student chose another one
    if category is None:
        routed.category = ""
        # The group changed since the page was shown (without JavaScript the categories follow on the next page).
        routed.regrouped = bool(routed.group) and routed.group != form.get("shown_group", "").strip()
        if routed.group:
            routed.errors["category"] = _("Kies wat er is gebeurd.")
        else:
            routed.errors["group"] = _("Kies wat er is gebeurd.")
    else:
        routed.group = category.group
    if routed.programme not in programmes:
        routed.errors["programme"] = _("Kies je opleiding.")
    if routed.sector is not None and routed.sector not in SECTORS:
        routed.errors["sector"] = _("Kies een sector uit de lijst, of laat dit leeg.")
    if routed.phase is not None and routed.phase not in PHASES:
        routed.errors["phase"] = _("Kies een fase uit de lijst, of laat dit leeg.")
    return routed


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def parse_details(
    form: MultiDict[str, str],
    files: list[FileStorage],
    limits: dict[str, int],
    optional: set[str],
    images: ImageBudget | None = None,
) -> Details:
    """Read and check step two, including the attachments; images are re-encoded within the budget given.

    Raises ImagesBusy when other reports' images leave no room in time: the form itself was fine.
    """
    details = Details(
        description=form.get("description", "").strip(),
        organisation=form.get("organisation", "").strip()[:300],
        date_from=form.get("date_from", "").strip(),
        date_to=form.get("date_to", "").strip(),
        deselected=[d for d in optional if d not in form.getlist("destinations")],
        keep_copy=form.get("keep_copy") == "1",
    )
    if not details.description:
        details.errors["description"] = _("Beschrijf kort wat er is gebeurd.")
    elif len(details.description) > limits["MAX_DESCRIPTION_CHARS"]:
        details.errors["description"] = _(
            "Je beschrijving is te lang (meer dan %(n)s tekens). Maak haar korter.", n=limits["MAX_DESCRIPTION_CHARS"]
        )
    start, end = _date(details.date_from), _date(details.date_to)
    if (details.date_from and start is None) or (details.date_to and end is None):
        details.errors["dates"] = _("Gebruik een datum als 2026-03-01, of laat dit leeg.")
    elif start and end and end < start:
        details.errors["dates"] = _("De einddatum ligt voor de begindatum.")
    uploads = [f for f in files if f.filename]
    if len(uploads) > limits["MAX_ATTACHMENTS"]:
        details.errors["attachments"] = _("Je kunt hoogstens %(n)s bijlagen meesturen.", n=limits["MAX_ATTACHMENTS"])
        return details
    if not uploads:
        return details
    if images is None:
        raise ValueError("reading uploads needs an image budget")
    try:
        details.attachments = clean_attachments(uploads, limits["MAX_ATTACHMENT_BYTES"], images)
    except ImagesBusy:
        raise  # not the student's attachments' fault: the view asks them to try again
    except AttachmentError as exc:
        details.errors["attachments"] = str(exc)
    return details
