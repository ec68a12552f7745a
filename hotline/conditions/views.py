"""The fair-conditions check: plain POST forms, so it works without JavaScript and nothing lands in a URL or a log.

Nothing is stored: the terms and an uploaded agreement live in this request's memory only. No form token
either: the check changes nothing, and a token would need a cookie.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, current_app, render_template, request

from hotline import attachments, norms_text
from hotline.conditions import forms
from hotline.conditions.fields import Suggestion
from hotline.extensions import norms, routing
from hotline.i18n import gettext as _
from hotline.i18n import label
from hotline.norms import ALLOWANCE_PERIODS, evaluate, worst
from hotline.taxonomy import SECTORS

bp = Blueprint("conditions", __name__, url_prefix="/check")
FILE_FIELD = "agreement"


def choices() -> dict[str, dict[str, str]]:
    """Return the answers each choice question offers, in the current language."""
    return {
        "yes_no": {"yes": _("Ja"), "no": _("Nee")},
        "allowance_period": dict(
            zip(
                ALLOWANCE_PERIODS,
                (_("per maand"), _("per week"), _("per uur"), _("voor de hele stage"), _("geen vergoeding")),
                strict=True,
            )
        ),
        "tasks_match": {"yes": _("Ja"), "partly": _("Deels"), "no": _("Nee")},
        "staff_signals": {
            "rostered": _("Ik sta ingeroosterd als gewone medewerker"),
            "replaces_staff": _("Ik vervang een betaalde medewerker"),
            "covers_absence": _("Ik vang vakanties of ziekteverlof van personeel op"),
            "beyond_competence": _("Ik moet werk of zorg doen die boven mijn kunnen gaat"),
        },
        "sector": {code: label(names) for code, names in SECTORS.items()},
        "parts": {code: label(names) for code, names in norms().parts.items()},
    }


def render_form(form: forms.TermsForm, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(
        "conditions/check.html",
        form=form,
        choices=choices(),
        labels=forms.labels(),
        max_mb=current_app.config["MAX_ATTACHMENT_BYTES"] // (1024 * 1024),
        **context,
    ), status


@bp.get("")
def index() -> tuple[str, int]:
    """Show the form: the terms of an internship, or an agreement to read them from."""
    return render_form(forms.TermsForm())


@bp.post("")
def check() -> tuple[str, int]:
    """Hold the terms against every rule and show the outcome rule by rule; on an error, the form again as typed."""
    form = forms.parse(request.form, tuple(norms().parts))
    if form.terms is None:
        return render_form(form, 422)
    findings = evaluate(form.terms, norms())
    return render_template(
        "conditions/result.html",
        form=form,
        choices=choices(),
        labels=forms.labels(),
        shown=norms_text.grouped(findings, norms()),
        unanswered=norms_text.unanswered(findings),
        worst=worst(findings),
        outcomes=norms_text.outcome_labels(),
        categories={code: label(c.label) for code, c in routing().categories.items()},
    ), 200


def as_typed(suggestion: Suggestion) -> str | list[str]:
    """Return a suggestion as the form shows it: a date as 1-2-2027, a set as a list."""
    if isinstance(suggestion.value, tuple):
        return list(suggestion.value)
    if forms.FIELDS[suggestion.field] == "date":
        day = dt.date.fromisoformat(suggestion.value)
        return f"{day.day}-{day.month}-{day.year}"
    return suggestion.value


@bp.post("/read")
def read() -> tuple[str, int]:
    """Read an uploaded agreement in memory and suggest the fields found, each with where it was found."""
    # Imported here: pypdf and python-docx (and Pillow, which pypdf loads) cost every worker megabytes.
    from hotline.conditions import reader

    upload = request.files.get(FILE_FIELD)
    if upload is None or not upload.filename:
        return render_form(forms.TermsForm(), 400, read_error=_("Kies eerst het bestand van je stageovereenkomst."))
    try:
        data = attachments.read_upload(upload, current_app.config["MAX_ATTACHMENT_BYTES"]).data
        found = reader.read_agreement(data, upload.filename)
    except (attachments.AttachmentError, reader.UnreadableAgreement) as exc:
        return render_form(forms.TermsForm(), 422, read_error=str(exc))
    del data  # the file's bytes go as soon as it is read; only the suggested values stay, in this request
    form = forms.TermsForm(values={name: as_typed(s) for name, s in found.items()})
    return render_form(form, 200, suggestions=found)
