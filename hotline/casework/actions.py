"""JSON endpoints for what the handler's browser seals: replies, forwards and access for colleagues."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, g, jsonify, render_template, request
from werkzeug.wrappers import Response

from hotline import cases, checks, staff
from hotline import inbox as inbox_query
from hotline.casework import sealed
from hotline.casework.views import bp, own_case
from hotline.db import get_session
from hotline.extensions import keyring
from hotline.keyring import KeyringError, key_list_path, read_json

KEY_LIST_ERROR = "a key list of this case does not verify; ask the institution to sign it again"


def body() -> dict[str, Any]:
    """Return the request's JSON object; invalid JSON counts as no object."""
    return checks.as_object(request.get_json(silent=True))


def refused(error: checks.Refused) -> tuple[Response, int]:
    """Answer a refusal with its plain reason and field, after undoing anything half done."""
    get_session().rollback()
    return jsonify(error=error.reason, field=error.field), error.status


def unverified() -> tuple[Response, int]:
    """Answer that a key list does not verify: nothing was sealed to or changed."""
    get_session().rollback()
    return jsonify(error=KEY_LIST_ERROR, field=None), 503


@bp.post("/case/<case_id>/messages")
@staff.require("handler")
def reply(case_id: str) -> Response | tuple[Response, int]:
    """Store a reply sealed and signed in the browser, acknowledging or closing the case if asked."""
    found = own_case(case_id)
    try:
        max_text = checks.max_text(current_app.config["MAX_DESCRIPTION_CHARS"])
        status = sealed.reply(get_session(), keyring(), g.handler, found, body(), max_text, cases.today())
    except checks.Refused as error:
        return refused(error)
    except KeyringError:
        return unverified()
    return jsonify(status=status), 201


@bp.get("/case/<case_id>/forward/<slug>")
@staff.require("handler")
def forward_keys(case_id: str, slug: str) -> Response | tuple[Response, int]:
    """Return the signed key list of a destination this case can be forwarded to, for the browser to verify."""
    found = own_case(case_id)
    targets = {d.slug: d for d in sealed.forward_targets(get_session(), found)}
    if slug not in targets:
        return jsonify(error="this case cannot be forwarded there", field="destination"), 404
    try:
        keyring().for_destination(get_session(), targets[slug])
    except KeyringError:
        return unverified()
    get_session().commit()
    return jsonify(destination=slug, key_list=read_json(key_list_path(keyring().keys_dir, slug)))


@bp.post("/case/<case_id>/forward")
@staff.require("handler")
def forward(case_id: str) -> Response | tuple[Response, int]:
    """Route the case to another destination with the data keys the browser re-wrapped for its keys."""
    found = own_case(case_id)
    try:
        max_wraps = current_app.config["MAX_WRAPS_PER_KID"]
        target = sealed.forward(get_session(), keyring(), g.handler, found, body(), max_wraps)
    except checks.Refused as error:
        return refused(error)
    except KeyringError:
        return unverified()
    return jsonify(status=found.status, destination=target.slug), 201


@bp.post("/case/<case_id>/grant")
@staff.require("handler")
def grant(case_id: str) -> Response | tuple[Response, int]:
    """Add the wraps the browser made for colleagues' verified keys that the case's envelopes lacked."""
    found = own_case(case_id)
    try:
        max_wraps = current_app.config["MAX_WRAPS_PER_KID"]
        added = sealed.grant(get_session(), keyring(), g.handler, found, body(), max_wraps)
    except checks.Refused as error:
        return refused(error)
    except KeyringError:
        return unverified()
    return jsonify(added=added), 201


@bp.get("/inbox/<slug>/access")
@staff.require("handler")
def access(slug: str) -> str | tuple[str, int]:
    """List a destination's open cases that a colleague's verified key cannot read yet, for the browser to grant."""
    destination = inbox_query.destination_of(g.handler, slug)
    if destination is None:
        abort(404)
    unverifiable = False
    try:
        case_ids, missing = sealed.lacking_access(get_session(), keyring(), destination)
    except KeyringError:
        get_session().rollback()
        case_ids, missing, unverifiable = [], [], True
    return render_template(
        "casework/access.html", destination=destination, case_ids=case_ids, missing=missing, unverifiable=unverifiable
    )
