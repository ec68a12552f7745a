"""A host contact's offers: see their own organisation's, propose new ones for the office to check and publish."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.exceptions import Forbidden
from werkzeug.wrappers import Response

from hotline.portal.accounts.login import current_user, role_required
from hotline.portal.accounts.models import User
from hotline.portal.db import get_session
from hotline.portal.extensions import catalogue, norms
from hotline.portal.placements import offer_check, offer_forms, offers
from hotline.portal.placements.models import Host, Offer

bp = Blueprint("placements_host", __name__, url_prefix="/host")


def contact() -> tuple[User, Host]:
    """Return the logged-in host contact and their organisation; 403 for a contact tied to none."""
    user = current_user()
    host = None if user is None or user.host_id is None else get_session().get(Host, user.host_id)
    if user is None or host is None:
        raise Forbidden()
    return user, host


def own_offer(offer_id: str) -> tuple[User, Offer]:
    """Return one of the contact's own organisation's offers: 404 when there is none, 403 for another host's."""
    user, _host = contact()
    offer = get_session().get(Offer, offer_id) or abort(404)
    if not offers.may_see(user, offer):
        raise Forbidden()
    return user, offer


def offer_form(form: offer_forms.OfferForm, offer: Offer | None, status: int = 200) -> tuple[str, int]:
    page = render_template(
        "portal/host/offer_form.html",
        form=form,
        offer=offer,
        labels=offer_forms.offer_labels(),
        choices=offer_forms.choices(catalogue()),
        programmes=catalogue().programmes,
    )
    return page, status


@bp.get("/offers")
@role_required("host")
def offer_list() -> str:
    """List the organisation's own offers and what became of each."""
    _user, host = contact()
    found = offers.offers(get_session(), host_id=host.id)
    return render_template("portal/host/offers.html", host=host, offers=found, statuses=offer_forms.status_labels())


@bp.get("/offers/new")
@role_required("host")
def new_offer() -> tuple[str, int]:
    """Show the form to propose an offer."""
    contact()
    return offer_form(offer_forms.OfferForm(), None)


@bp.post("/offers/new")
@role_required("host")
def propose() -> tuple[str, int] | Response:
    """Propose an offer for the office to check and publish; on an error the form again as typed."""
    user, host = contact()
    form = offer_forms.parse_offer(request.form, catalogue())
    if form.errors:
        return offer_form(form, None, 422)
    offer = offers.create_offer(get_session(), host, form.fields, catalogue(), proposed_by=user)
    get_session().commit()
    return redirect(url_for(".offer_page", offer_id=offer.id))


@bp.get("/offers/<offer_id>")
@role_required("host")
def offer_page(offer_id: str) -> str:
    """Show an own offer with the norms check, so the host sees what the office will see."""
    user, offer = own_offer(offer_id)
    return render_template(
        "portal/host/offer.html",
        offer=offer,
        editable=offers.may_edit(user, offer),
        statuses=offer_forms.status_labels(),
        choices=offer_forms.choices(catalogue()),
        names=offer_forms.offer_names(offer, catalogue()),
        **offer_check.context(offers.check(offer, norms()), norms()),
    )


@bp.get("/offers/<offer_id>/edit")
@role_required("host")
def edit_offer(offer_id: str) -> tuple[str, int]:
    """Show an own proposed offer's form, filled in; once the office has taken it up, it is theirs to change."""
    user, offer = own_offer(offer_id)
    if not offers.may_edit(user, offer):
        raise Forbidden()
    return offer_form(offer_forms.OfferForm(values=offer_forms.offer_values(offers.fields_of(offer))), offer)


@bp.post("/offers/<offer_id>/edit")
@role_required("host")
def update_offer(offer_id: str) -> tuple[str, int] | Response:
    """Change an own proposed offer; on an error the form again as typed."""
    user, offer = own_offer(offer_id)
    if not offers.may_edit(user, offer):
        raise Forbidden()
    form = offer_forms.parse_offer(request.form, catalogue())
    if form.errors:
        return offer_form(form, offer, 422)
    offers.update_offer(get_session(), offer, form.fields, catalogue(), norms())
    get_session().commit()
    return redirect(url_for(".offer_page", offer_id=offer.id))
