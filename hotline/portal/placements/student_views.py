"""The student's pages: their learning wish, the offers that fit it and why, and their own ranking of offers.

Every page serves the logged-in student's own wish and ranking and takes no student id, so no student can
name another's. Support needs appear only in the wish form, as the student typed them: the office alone reads
them elsewhere.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import cast

from babel.numbers import format_decimal
from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from hotline.dates import LOCALES
from hotline.i18n import get_locale, label
from hotline.i18n import gettext as _
from hotline.norms_input import FieldError, parse_date
from hotline.portal.accounts.login import current_user, role_required
from hotline.portal.accounts.models import User
from hotline.portal.db import get_session
from hotline.portal.extensions import catalogue
from hotline.portal.placements import fit, rounds, wishes
from hotline.portal.placements.catalogue import Catalogue
from hotline.portal.placements.models import Offer, Wish

bp = Blueprint("placements_student", __name__)
WHOLE = re.compile(r"\d{1,4}")
Page = str | tuple[str, int] | Response


def me() -> User:
    """Return the logged-in student (role_required has let only a student in)."""
    return cast(User, current_user())


def ordinal(rank: int) -> str:
    """Write a rank as the page's language does: 1e, 2e (Dutch); 1st, 2nd (English)."""
    if get_locale() == "en":
        suffix = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
        return f"{rank}{suffix}"
    return f"{rank}e"


def hours_of(minutes: int) -> str:
    """Write an offer's minutes a week as hours in the page's language: 36, 37,5."""
    return format_decimal(minutes / 60, format="#,##0.#", locale=LOCALES.get(get_locale(), "nl_NL"))


def area_name(cat: Catalogue, programme: str, area: str) -> str:
    """Return a learning area's name in the page's language."""
    names = cat.programmes[programme].areas.get(area) if programme in cat.programmes else None
    return label(names) if names else area


def region_name(cat: Catalogue, region: str | None) -> str:
    """Return a region's name in the page's language."""
    return label(cat.regions[region]) if region in cat.regions else (region or "")


def reason_text(reason: fit.Reason, wish: Wish, offer: Offer, cat: Catalogue) -> str:
    """Say in a plain sentence why an offer fits the wish."""
    v = reason.values
    if reason.code == "area":
        name = area_name(cat, wish.programme, v["area"])
        return _("Leergebied %(area)s: je %(rank)s keus", area=name, rank=ordinal(v["rank"]))
    if reason.code == "period_overlap":
        if wish.start is None and wish.end is None:
            return _("Duurt %(weeks)s weken; je gaf geen periode op", weeks=v["weeks"])
        if v["share"] >= 100:
            return _("Beslaat de hele periode die je zocht")
        sought = fit.days(wish.start or offer.start, wish.end or offer.end) // 7
        if not v["weeks"]:
            return _("Overlapt %(days)s dagen met de periode die je zocht", days=v["days"])
        return _("Overlapt %(weeks)s van je %(sought)s weken", weeks=v["weeks"], sought=sought)
    if reason.code == "hours":
        if v["wish"] is None:
            return _("%(hours)s uur per week; je gaf geen uren op", hours=v["offer"])
        if not v["difference"]:
            return _("%(hours)s uur per week, zoals je zocht", hours=v["offer"])
        return _("%(hours)s uur per week, je zocht %(wish)s", hours=v["offer"], wish=v["wish"])
    if reason.code == "region":
        region = region_name(cat, v["region"])
        if v["match"] == "same":
            return _("In %(region)s, waar je zocht", region=region)
        if v["match"] == "travel":
            return _(
                "In %(region)s: kijk zelf of het binnen je %(minutes)s minuten reizen ligt",
                region=region,
                minutes=v["minutes"],
            )
        return _("In %(region)s; je gaf geen regio op", region=region)
    raise ValueError(f"no words for the fit reason {reason.code!r}")


def read_wish(form: dict[str, str], programme: str, slots: int) -> tuple[wishes.WishInput, dict[str, str]]:
    """Read the wish form into what the service checks, with the errors of anything written unreadably."""
    errors: dict[str, str] = {}
    dates: dict[str, dt.date | None] = {"start": None, "end": None}
    for name in dates:
        if form.get(name):
            try:
                dates[name] = parse_date(form[name])
            except FieldError as error:
                errors[name] = str(error)
    numbers: dict[str, int | None] = {"hours": None, "travel": None, "year": None}
    for name in numbers:
        if form.get(name):
            if WHOLE.fullmatch(form[name]):
                numbers[name] = int(form[name])
            else:
                errors[name] = _("Schrijf een heel getal, zoals 32.")
    given = wishes.WishInput(
        programme=programme,
        areas=[form.get(f"area-{rank}", "") for rank in range(1, slots + 1)],
        goals=form.get("goals", ""),
        start=dates["start"],
        end=dates["end"],
        hours=numbers["hours"],
        region=form.get("region") or None,
        max_travel_minutes=numbers["travel"],
        support_needs=form.get("support") or None,
        year=numbers["year"],
    )
    return given, errors


def wish_values(wish: Wish) -> dict[str, str]:
    """Return a saved wish as the form writes it."""
    values = {f"area-{a.rank}": a.area for a in wish.areas}
    for name, day in (("start", wish.start), ("end", wish.end)):
        values[name] = f"{day.day}-{day.month}-{day.year}" if day else ""
    for name, number in (("hours", wish.hours), ("travel", wish.max_travel_minutes), ("year", wish.year)):
        values[name] = "" if number is None else str(number)
    values |= {"goals": wish.goals, "region": wish.region or "", "support": wish.support_needs or ""}
    return values


def wish_page(programme: str, values: dict[str, str], errors: dict[str, str]) -> str:
    """Render the wish form for a programme, with what was typed and what is wrong."""
    cat = catalogue()
    areas = {code: label(names) for code, names in cat.programmes[programme].areas.items()}
    return render_template(
        "portal/student/wish.html",
        programme=programme,
        programme_name=label(cat.programmes[programme].name),
        fixed=me().programme is not None,
        areas=areas,
        slots=min(catalogue().wish_areas, len(areas)),
        regions={code: label(names) for code, names in cat.regions.items()},
        values=values,
        errors=errors,
        ordinal=ordinal,
    )


@bp.get("/wish")
@role_required("student")
def wish_form() -> Page:
    """Show the learning-wish form, filled with the saved wish; first ask the programme if nobody knows it."""
    cat = catalogue()
    wish = wishes.wish_for(get_session(), me())
    asked = request.args.get("programme")
    programme = me().programme or asked or (wish.programme if wish and "change" not in request.args else None)
    if programme not in cat.programmes:
        programmes = {code: label(p.name) for code, p in cat.programmes.items()}
        error = _("Kies je opleiding.") if asked is not None else None
        page = render_template("portal/student/programme.html", programmes=programmes, error=error)
        return (page, 422) if error else page
    values = wish_values(wish) if wish is not None and wish.programme == programme else {}
    return wish_page(programme, values, {})


@bp.post("/wish")
@role_required("student")
def save_wish() -> Page:
    """Save the learning wish and go on to the offers that fit it; on an error keep every typed value."""
    cat, session = catalogue(), get_session()
    form = {key: value for key, value in request.form.items() if key != "csrf_token"}
    programme = me().programme or form.get("programme", "")
    if programme not in cat.programmes:
        return redirect(url_for(".wish_form", programme=programme))
    given, errors = read_wish(form, programme, min(catalogue().wish_areas, len(cat.programmes[programme].areas)))
    errors = wishes.problems(me(), given, cat) | errors
    if errors:
        return wish_page(programme, form, errors), 422
    wishes.save_wish(session, me(), given, cat, dt.date.today())
    session.commit()
    return redirect(url_for(".offers", saved="wish"))


def choices(wish: Wish) -> list[tuple[Offer, fit.Fit | None]]:
    """Return the offers a student may rank: the suggestions, then those ranked before that still are open."""
    session = get_session()
    suggested: list[tuple[Offer, fit.Fit | None]] = list(wishes.suggestions_for(session, me(), catalogue()))
    shown = {offer.id for offer, _how in suggested}
    still_open = {offer.id for offer in wishes.published_offers(session, wish.programme)}
    kept = [offer for offer in wishes.ranking_for(session, me()) if offer.id not in shown and offer.id in still_open]
    return suggested + [(offer, None) for offer in kept]


def offers_page(wish: Wish, values: dict[str, str], errors: dict[str, str]) -> str:
    """Render the offers that fit the wish, why each fits, and the ranking form."""
    cat = catalogue()
    listed = choices(wish)
    reasons = {o.id: [reason_text(r, wish, o, cat) for r in how.reasons] if how else [] for o, how in listed}
    return render_template(
        "portal/student/offers.html",
        listed=listed,
        reasons=reasons,
        regions={code: label(names) for code, names in cat.regions.items()},
        most=min(catalogue().wish_choices, len(listed)),
        values=values,
        errors=errors,
        hours_of=hours_of,
        saved=request.args.get("saved"),
    )


@bp.get("/offers")
@role_required("student")
def offers() -> Page:
    """Show the offers that fit the student's wish, best first, with why, and their ranking to change."""
    wish = wishes.wish_for(get_session(), me())
    if wish is None:
        return redirect(url_for(".wish_form"))
    ranked = wishes.ranking_for(get_session(), me())
    return offers_page(wish, {f"rank-{offer.id}": str(rank) for rank, offer in enumerate(ranked, 1)}, {})


def read_ranking(form: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """Read "your rank" per offer into offer ids, first choice first, with the errors of the numbers."""
    errors: dict[str, str] = {}
    picked: dict[str, int] = {}
    for key, value in form.items():
        if key.startswith("rank-") and value:
            if WHOLE.fullmatch(value) and 1 <= int(value) <= catalogue().wish_choices:
                picked[key] = int(value)
            else:
                errors[key] = _("Kies een nummer van 1 tot en met %(most)s.", most=catalogue().wish_choices)
    for key, rank in picked.items():
        if list(picked.values()).count(rank) > 1:
            errors[key] = _("Je gaf nummer %(rank)s aan meer dan één stage.", rank=rank)
    # Gaps close up: choosing 1, 2 and 4 means three choices in that order.
    return [key.removeprefix("rank-") for key in sorted(picked, key=picked.__getitem__)], errors


@bp.post("/offers")
@role_required("student")
def rank() -> Page:
    """Save the student's own order of offers and show it back; on an error keep every number chosen."""
    session = get_session()
    wish = wishes.wish_for(session, me())
    if wish is None:
        return redirect(url_for(".wish_form"))
    form = {key: value for key, value in request.form.items() if key.startswith("rank-")}
    offer_ids, errors = read_ranking(form)
    if not errors:
        try:
            wishes.save_ranking(session, me(), offer_ids, catalogue().wish_choices)
        except wishes.RankingError as exc:
            errors["ranking"] = str(exc)
    if errors:
        session.rollback()
        return offers_page(wish, form, errors), 422
    session.commit()
    return redirect(url_for(".mine", saved="ranking"))


@bp.get("/offers/mine")
@role_required("student")
def mine() -> str:
    """Show where the student stands: their wish, their ranking, and what happens next."""
    session, cat = get_session(), catalogue()
    wish = wishes.wish_for(session, me())
    standing = rounds.standing(session, me().id, wish.programme if wish else None)
    offer = standing.proposal.offer if standing.proposal is not None else None
    return render_template(
        "portal/student/mine.html",
        wish=wish,
        areas=[area_name(cat, wish.programme, a.area) for a in wish.areas] if wish else [],
        programme_name=label(cat.programmes[wish.programme].name) if wish and wish.programme in cat.programmes else "",
        region=region_name(cat, wish.region) if wish else "",
        ranked=wishes.ranking_for(session, me()),
        state=standing.state,
        offer=offer,
        saved=request.args.get("saved"),
    )
