"""The guide's pages: plain GET forms, so it works without JavaScript and the answers stay in the URL."""

from __future__ import annotations

from typing import cast

from flask import Blueprint, current_app, render_template, request

from hotline import cases
from hotline.db import get_session
from hotline.extensions import routing
from hotline.guide import advice
from hotline.guide.doors import Guide
from hotline.i18n import gettext as _
from hotline.i18n import label
from hotline.routing import NoDestination
from hotline.taxonomy import PHASES

bp = Blueprint("guide", __name__, url_prefix="/guide")
ANY_PROGRAMME = "programme"  # the guide does not ask for the programme: it names the kind, not the destination


def guide() -> Guide:
    return cast(Guide, current_app.extensions["hotline.guide"])


def choices() -> dict[str, dict[str, str]]:
    """Return the choices of each question after the first, in the current language."""
    return {
        "phase": {code: label(names) for code, names in PHASES.items()} | {"after": _("Na afloop van de stage")},
        "urgency": {
            "danger": _("Ik ben nu in direct gevaar"),
            "ongoing": _("Het speelt nog"),
            "over": _("Het is voorbij"),
        },
        "wish": {
            "action": _("Ik wil dat er iets mee gebeurt"),
            "register": _("Ik wil het alleen laten vastleggen"),
        },
        "crime": {
            "yes": _("Ja"),
            "no": _("Nee"),
            "unsure": _("Weet ik niet"),
        },
    }


def hotline_kinds(category: str) -> list[tuple[str, bool]]:
    """Return the destination kinds a report in this category goes to here, and whether each is optional."""
    try:
        targets = routing().plan(category, ANY_PROGRAMME, cases.destinations_by_kind(get_session()))
    except NoDestination:
        return []
    kinds: dict[str, bool] = {}
    for target in targets:
        kinds.setdefault(target.kind, target.optional)
    return list(kinds.items())


def chosen_group(answers: advice.Answers) -> str:
    """The group whose categories are open: the chosen category's, else the one asked for (?group=), else none."""
    if answers.category:
        return routing().categories[answers.category].group
    group = request.args.get("group", "")
    return group if group in routing().groups else ""


def render_questions(answers: advice.Answers, status: int = 200) -> tuple[str, int]:
    """Ask the questions: first the group of what happened, then (once a group is open) its categories.

    Without a group the form GETs this page again with ?group= (the guide needs no JavaScript); a missing
    category then counts against the group question, as that is the one on the page.
    """
    group = chosen_group(answers)
    if "category" in answers.errors and not group:
        answers.errors = {"group": _("Kies wat er is gebeurd."), **answers.errors}
        del answers.errors["category"]
    return render_template(
        "guide/index.html", answers=answers, group=group, choices=choices(), routing=routing()
    ), status


@bp.get("")
def index() -> tuple[str, int]:
    """Ask the questions, with any answers already given in the URL chosen."""
    answers = advice.read_answers(request.args, routing().categories)
    answers.errors = {}
    if request.args.get("step") == "group" and not chosen_group(answers):  # "Verder" without a group
        answers.errors = {"group": _("Kies wat er is gebeurd.")}
        return render_questions(answers, 400)
    return render_questions(answers)


@bp.get("/advice")
def result() -> tuple[str, int]:
    """Show where the student can go and why, or the questions again with what is missing."""
    answers = advice.read_answers(request.args, routing().categories)
    asked = request.args.get("group", "")
    if answers.category and asked in routing().groups and asked != routing().categories[answers.category].group:
        # Another group chosen above the open one's categories: open that group, the other answers kept.
        answers.category, answers.errors = "", {}
        return render_questions(answers)
    if answers.errors:
        return render_questions(answers, 400)
    category = routing().categories[answers.category]
    doors = advice.advise(guide(), answers, category.group, hotline_kinds(answers.category))
    return render_template(
        "guide/advice.html", answers=answers, category=category, choices=choices(), advice=doors
    ), 200
