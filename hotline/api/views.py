"""JSON API v1 for the browser path: thin views over hotline.api.service, every error as JSON."""

from __future__ import annotations

from importlib import resources
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, UnsupportedMediaType

from hotline import cases, checks, models, security
from hotline.api import service
from hotline.db import get_session
from hotline.extensions import keyring, routing
from hotline.keyring import INSTITUTION_FILE, KeyringError, read_json

PREFIX = "/api/v1"
bp = Blueprint("api", __name__, url_prefix=PREFIX)

REASONS = {
    400: "the request is malformed",
    404: "there is no such API endpoint",
    405: "this method is not allowed here",
    413: "the request is too large",
    415: "requests must be sent with Content-Type: application/json",
    429: "too many requests; wait a while and try again",
    500: "something went wrong on the server; try again later",
}


def settings() -> service.Settings:
    config = current_app.config
    return service.Settings(
        pepper=bytes.fromhex(config["LOOKUP_PEPPER"]),
        max_attachments=config["MAX_ATTACHMENTS"],
        max_attachment_bytes=config["MAX_ATTACHMENT_BYTES"],
        max_description_chars=config["MAX_DESCRIPTION_CHARS"],
        ack_days=config["ACK_DAYS"],
        feedback_months=config["FEEDBACK_MONTHS"],
    )


def body() -> dict[str, Any]:
    """Return the request's JSON object; invalid JSON counts as no object."""
    return checks.as_object(request.get_json(silent=True))


def json_error(reason: str, field: str | None = None, status: int = 400) -> tuple[Response, int]:
    """Return the API's one error shape: a plain reason and the field at fault, never details."""
    return jsonify(error=reason, field=field), status


def http_error(error: HTTPException) -> tuple[Response, int]:
    """Answer an HTTP error under the API as JSON, with a fixed reason per status."""
    code = error.code or 500
    response, status = json_error(REASONS.get(code, error.name.lower()), None, code)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response, status


@bp.before_request
def require_json() -> None:
    """Refuse a POST whose body is not declared as JSON."""
    if request.method == "POST" and request.mimetype != "application/json":
        raise UnsupportedMediaType()


@bp.errorhandler(checks.Refused)
def refused(error: checks.Refused) -> tuple[Response, int]:
    """Store nothing of a refused request, and say why."""
    get_session().rollback()
    return json_error(error.reason, error.field, error.status)


@bp.errorhandler(cases.CaseNotFound)
def not_found(_error: cases.CaseNotFound) -> tuple[Response, int]:
    """Say that no case has this lookup key, and nothing more."""
    return json_error("no case with this token", "lookup_key", 404)


@bp.errorhandler(KeyringError)
def unavailable(_error: KeyringError) -> tuple[Response, int]:
    """Refuse to take a report or message for a destination whose key list does not verify."""
    get_session().rollback()
    return json_error("a destination cannot receive reports right now; try again later", "destinations", 503)


@bp.get("/instance")
def instance() -> Response | tuple[Response, int]:
    """Return the instance salt, the institution public key and the limits."""
    config = current_app.config
    try:
        keyring().institution_key()  # the stored file must match the configured fingerprint
        institution = read_json(keyring().keys_dir / INSTITUTION_FILE)
    except KeyringError:
        return json_error("the institution key of this instance is not set up", None, 503)
    limits = {k.lower(): config[k] for k in ("MAX_ATTACHMENTS", "MAX_ATTACHMENT_BYTES", "MAX_DESCRIPTION_CHARS")}
    return jsonify(instance_salt=config["INSTANCE_SALT"], institution=institution, limits=limits)


@bp.post("/recipients")
def recipients() -> Response:
    """Return the destinations of a category and programme, with their signed key lists."""
    return jsonify(destinations=service.recipients(get_session(), keyring(), routing(), body()))


@bp.post("/reports")
def reports() -> tuple[Response, int]:
    """File a case from a report sealed in the browser."""
    case = service.file_report(get_session(), keyring(), routing(), settings(), body())
    created = {
        "case_id": case.id,
        "status": case.status,
        "received_on": case.received_on.isoformat(),
        "ack_due": case.ack_due.isoformat(),
        "feedback_due": case.feedback_due.isoformat(),
    }
    return jsonify(created), 201


def looked_up() -> tuple[models.Case, dict[str, Any]]:
    """Return the case of the body's lookup key, and the body; a malformed body or key is no guess at a token."""
    try:
        data = body()
        checks.raw32(data, "lookup_key")
    except checks.Refused:
        security.not_a_guess()
        raise
    return service.find(get_session(), settings(), data), data


@bp.post("/cases/lookup")
def lookup() -> Response:
    """Return a case's status, destinations and the messages the reporter can open."""
    case, _data = looked_up()
    return jsonify(service.lookup(get_session(), keyring(), case))


@bp.post("/cases/messages")
def messages() -> tuple[Response, int]:
    """Add a follow-up message sealed in the browser."""
    session, (case, data) = get_session(), looked_up()
    day = service.add_message(session, keyring(), settings(), case, data)
    return jsonify(day=day), 201


@bp.get("/openapi.json")
def openapi() -> Response:
    """Return the OpenAPI 3.1 description of this API."""
    document = resources.files("hotline.api").joinpath("openapi.json").read_bytes()
    return current_app.response_class(document, mimetype="application/json")
