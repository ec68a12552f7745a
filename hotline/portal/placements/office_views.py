"""The placements office's hosts and offers: keep the hosts, write or take up offers, check and publish them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from hotline.i18n import gettext as _
from hotline.portal.accounts.login import role_required
from hotline.portal.db import get_session
from hotline.portal.extensions import catalogue, norms
from hotline.portal.placements import offer_check, offer_forms, offers
from hotline.portal.placements.models import OFFER_STATES, Host, Offer

bp = Blueprint("placements_office", __name__, url_prefix="/office")


def host_or_404(host_id: str) -> Host:
    return get_session().get(Host, host_id) or abort(404)


def offer_or_404(offer_id: str) -> Offer:
    return get_session().get(Offer, offer_id) or abort(404)


def check_context(offer: Offer) -> dict[str, Any]:
    """Return what the offer page shows of the norms check."""
    context = offer_check.context(offers.check(offer, norms()), norms())
    names = offer_forms.offer_names(offer, catalogue())
    return context | {
        "statuses": offer_forms.status_labels(),
        "choices": offer_forms.choices(catalogue()),
        "names": names,
    }


def host_form(form: offer_forms.HostForm, host: Host | None, status: int = 200) -> tuple[str, int]:
    page = render_template(
        "portal/office/host_form.html", form=form, host=host, choices=offer_forms.choices(catalogue())
    )
    return page, status


@bp.get("/hosts")
@role_required("office")
def hosts() -> str:
    """List the host organisations with their offers and the placements they took, by year."""
    return render_template(
        "portal/office/hosts.html", records=offers.hosts(get_session()), choices=offer_forms.choices(catalogue())
    )


@bp.get("/hosts/new")
@role_required("office")
def new_host() -> tuple[str, int]:
    """Show the form for a new host organisation."""
    return host_form(offer_forms.HostForm({}, {}, offers.HostFields("", "", "")), None)


@bp.post("/hosts/new")
@role_required("office")
def create_host() -> tuple[str, int] | Response:
    """Add a host organisation; on an error the form again as typed."""
    form = offer_forms.parse_host(request.form, catalogue())
    if form.errors:
        return host_form(form, None, 422)
    offers.create_host(get_session(), form.fields, catalogue())
    get_session().commit()
    return redirect(url_for(".hosts"))


@bp.get("/hosts/<host_id>/edit")
@role_required("office")
def edit_host(host_id: str) -> tuple[str, int]:
    """Show a host organisation's form, filled in."""
    host = host_or_404(host_id)
    return host_form(offer_forms.HostForm(offer_forms.host_values(host), {}, offers.HostFields("", "", "")), host)


@bp.post("/hosts/<host_id>/edit")
@role_required("office")
def update_host(host_id: str) -> tuple[str, int] | Response:
    """Change a host organisation; on an error the form again as typed."""
    host = host_or_404(host_id)
    form = offer_forms.parse_host(request.form, catalogue())
    if form.errors:
        return host_form(form, host, 422)
    offers.update_host(get_session(), host, form.fields, catalogue())
    get_session().commit()
    return redirect(url_for(".hosts"))


@bp.get("/offers")
@role_required("office")
def offer_list() -> str:
    """List the offers, proposed ones first, optionally of one status."""
    status = request.args.get("status", "")
    found = offers.offers(get_session(), status if status in OFFER_STATES else None)
    return render_template(
        "portal/office/offers.html", offers=found, status=status, statuses=offer_forms.status_labels()
    )


def offer_form(form: offer_forms.OfferForm, offer: Offer | None, status: int = 200, **context: Any) -> tuple[str, int]:
    hosts = get_session().scalars(select(Host).order_by(Host.name)).all() if offer is None else []
    page = render_template(
        "portal/office/offer_form.html",
        form=form,
        offer=offer,
        hosts=hosts,
        labels=offer_forms.offer_labels(),
        choices=offer_forms.choices(catalogue()),
        programmes=catalogue().programmes,
        **context,
    )
    return page, status


@bp.get("/offers/new")
@role_required("office")
def new_offer() -> tuple[str, int]:
    """Show the form for a new offer, for a host chosen from the list."""
    values = {"host_id": request.args.get("host", "")}
    return offer_form(offer_forms.OfferForm(values=values), None)


@bp.post("/offers/new")
@role_required("office")
def create_offer() -> tuple[str, int] | Response:
    """Add an offer as a draft and show its check; on an error the form again as typed."""
    form = offer_forms.parse_offer(request.form, catalogue())
    host = get_session().get(Host, request.form.get("host_id", ""))
    form.values["host_id"] = request.form.get("host_id", "")
    if host is None:
        form.errors = {"host_id": _("Kies een stagebieder."), **form.errors}
    if form.errors or host is None:
        return offer_form(form, None, 422)
    offer = offers.create_offer(get_session(), host, form.fields, catalogue())
    get_session().commit()
    return redirect(url_for(".offer_page", offer_id=offer.id))


@bp.get("/offers/<offer_id>")
@role_required("office")
def offer_page(offer_id: str) -> str:
    """Show an offer and its norms check rule by rule, with publish and close."""
    offer = offer_or_404(offer_id)
    return render_template("portal/office/offer.html", offer=offer, refused=None, **check_context(offer))


@bp.get("/offers/<offer_id>/edit")
@role_required("office")
def edit_offer(offer_id: str) -> tuple[str, int]:
    """Show an offer's form, filled in."""
    offer = offer_or_404(offer_id)
    if offer.status not in offers.EDITABLE:
        abort(409)
    values = offer_forms.offer_values(offers.fields_of(offer))
    return offer_form(offer_forms.OfferForm(values=values), offer)


@bp.post("/offers/<offer_id>/edit")
@role_required("office")
def update_offer(offer_id: str) -> tuple[str, int] | Response:
    """Change an offer; a published one only while no rule says problem."""
    offer = offer_or_404(offer_id)
    if offer.status not in offers.EDITABLE:
        abort(409)
    form = offer_forms.parse_offer(request.form, catalogue())
    if form.errors:
        return offer_form(form, offer, 422)
    try:
        offers.update_offer(get_session(), offer, form.fields, catalogue(), norms())
    except offers.CannotPublish as refused:  # refused before anything changed
        shown = [offer_check.show(f, norms(), advice=False) for f in refused.findings]
        return offer_form(form, offer, 422, refused=shown)
    get_session().commit()
    return redirect(url_for(".offer_page", offer_id=offer.id))


@bp.post("/offers/<offer_id>/publish")
@role_required("office")
def publish(offer_id: str) -> tuple[str, int] | Response:
    """Publish an offer for students; refused, with the reasons, when a rule says problem."""
    offer = offer_or_404(offer_id)
    try:
        offers.publish(get_session(), offer, norms())
    except offers.CannotPublish as refused:
        shown = [offer_check.show(f, norms(), advice=False) for f in refused.findings]
        return render_template("portal/office/offer.html", offer=offer, refused=shown, **check_context(offer)), 422
    except offers.WrongState:
        abort(409)
    get_session().commit()
    return redirect(url_for(".offer_page", offer_id=offer.id))


@bp.post("/offers/<offer_id>/close")
@role_required("office")
def close(offer_id: str) -> Response:
    """Close an offer: students no longer see it."""
    offer = offer_or_404(offer_id)
    try:
        offers.close(get_session(), offer)
    except offers.WrongState:
        abort(409)
    get_session().commit()
    return redirect(url_for(".offer_page", offer_id=offer.id))
