"""JSON API v1: the browser path, exercised as a browser would with the Python crypto."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import REPORT, DemoMaterial, file_report, status_of
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from werkzeug.test import TestResponse

from hotline import cases, crypto, models, tokens
from hotline.keyring import key_list_path
from hotline.taxonomy import PHASES, SECTORS

API = "/api/v1"
CATEGORY, PROGRAMME = "discrimination.origin", "hbo-ict"  # routes to hbo-ict, and optionally to diversiteit
ATTACHMENT = b'{"name": "mail.txt", "type": "text/plain"}\nHet afwijzingsmailtje.'
CANARY_ADDRESS = "198.51.100.73"


def post(client: FlaskClient, path: str, body: Any, **options: Any) -> TestResponse:
    """POST a JSON body to the API."""
    return client.post(API + path, json=body, **options)


def derive(client: FlaskClient) -> tuple[str, tokens.CaseKeys]:
    """Make a token and derive its keys with the instance salt, as the browser does."""
    instance = client.get(API + "/instance").get_json()
    token = tokens.generate()
    return token, tokens.derive(token, bytes.fromhex(instance["instance_salt"]))


def verified(client: FlaskClient, destinations: list[dict[str, Any]]) -> dict[str, crypto.KeyList]:
    """Verify the key lists the API returned against the instance's institution key."""
    document = client.get(API + "/instance").get_json()["institution"]
    institution = Ed25519PublicKey.from_public_bytes(crypto.b64d(document["ed25519"]))
    return {d["slug"]: crypto.verify_key_list(d["key_list"], institution, d["slug"]) for d in destinations}


def recipients(client: FlaskClient, category: str, programme: str) -> dict[str, crypto.KeyList]:
    """Return the verified key lists of every routed destination."""
    response = post(client, "/recipients", {"category": category, "programme": programme})
    assert response.status_code == 200, response.get_json()
    return verified(client, response.get_json()["destinations"])


@dataclass
class Browser:
    """What the reporter's browser holds: the token, its keys and the chosen destinations' key lists."""

    token: str
    keys: tokens.CaseKeys
    key_lists: dict[str, crypto.KeyList]
    lookup: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.lookup = {"lookup_key": crypto.b64e(self.keys.lookup_key)}

    def readers(self) -> dict[str, crypto.Reader]:
        return cases.recipients(self.key_lists.values())

    def seal(self, plaintext: bytes, kind: str = "report", **options: Any) -> dict[str, Any]:
        """Seal and sign as the reporter; options override the direction, keys, signer or recipients."""
        return crypto.seal(
            plaintext,
            kind=kind,
            direction=options.get("direction", "to_handlers"),
            reply_public_key=options.get("reply_public_key", self.keys.reply_public),
            recipients=options.get("recipients", self.readers()).items(),
            signer=options.get("signer", "reporter"),
            signing_key=options.get("signing_key", self.keys.signing_key),
        ).to_json()

    def report(self, attachments: int = 0, **fields: Any) -> dict[str, Any]:
        """Return the body of POST /reports."""
        payload = {"category": CATEGORY, "programme": PROGRAMME, "description": REPORT["description"]}
        payload["reporter_signing_key"] = crypto.b64e(self.keys.signing_public)  # as report.js seals it
        return {
            "lookup_key": crypto.b64e(self.keys.lookup_key),
            "reply_public_key": crypto.b64e(self.keys.reply_public),
            "reporter_signing_key": crypto.b64e(self.keys.signing_public),
            "category": CATEGORY,
            "programme": PROGRAMME,
            "sector": "ict",
            "phase": "search",
            "destinations": list(self.key_lists),
            "report": self.seal(json.dumps(payload).encode()),
            "attachments": [self.seal(ATTACHMENT, "attachment") for _ in range(attachments)],
        } | fields

    def message(self, text: str, key_lists: list[crypto.KeyList] | None = None, **options: Any) -> dict[str, Any]:
        """Return the body of POST /cases/messages: sealed to the destinations and the own reply key."""
        readers = cases.recipients(key_lists or self.key_lists.values())
        readers[crypto.fingerprint(self.keys.reply_public)] = crypto.Reader(self.keys.reply_public)
        sealed = self.seal(json.dumps({"text": text}).encode(), "message", recipients=readers, **options)
        return self.lookup | {"envelope": sealed}


@pytest.fixture
def browser(client: FlaskClient) -> Browser:
    """A reporter's browser that chose every routed destination of CATEGORY and PROGRAMME."""
    token, keys = derive(client)
    return Browser(token, keys, recipients(client, CATEGORY, PROGRAMME))


@pytest.fixture
def filed(client: FlaskClient, browser: Browser) -> Browser:
    """A browser whose report was filed."""
    assert post(client, "/reports", browser.report()).status_code == 201
    return browser


def stored(session: Any) -> tuple[int, int]:
    """Count cases and envelopes, seeing what the requests committed."""
    session.rollback()
    count = select(func.count())
    return session.scalar(count.select_from(models.Case)), session.scalar(count.select_from(models.EnvelopeRecord))


def open_as(handler: crypto.PrivateKey, case: models.Case, record: models.EnvelopeRecord) -> bytes:
    """Open a reporter's envelope as a handler, trusting only the case's reporter signing key."""
    return crypto.open_envelope(
        cases.envelope_of(record),
        handler,
        verify_key={"reporter": case.reporter_signing_key}.get,
        reply_public_key=case.reply_public_key,
    )


def unpadded(envelope: dict[str, Any], browser: Browser, length: int) -> dict[str, Any]:
    """Return the envelope with its payload cut or stretched to a length that is no bucket, signed again."""
    sealed = crypto.Envelope.from_json(envelope)
    sealed.ciphertext = (sealed.ciphertext + bytes(length))[:length]
    signed = crypto.LABEL_SIG + sealed.hdr + hashlib.sha256(sealed.nonce + sealed.ciphertext).digest()
    sealed.signature = browser.keys.signing_key.sign(signed)
    return sealed.to_json()


def other_x25519() -> bytes:
    return crypto.raw_public(X25519PrivateKey.generate())


# --- the instance and where a report goes -------------------------------------------------


def test_instance_gives_salt_institution_key_and_limits(app: Flask, client: FlaskClient) -> None:
    answer = client.get(API + "/instance").get_json()
    assert answer["instance_salt"] == app.config["INSTANCE_SALT"]
    assert answer["institution"]["fingerprint"] == app.config["INSTITUTION_KEY"]
    assert answer["limits"] == {
        "max_attachments": app.config["MAX_ATTACHMENTS"],
        "max_attachment_bytes": app.config["MAX_ATTACHMENT_BYTES"],
        "max_description_chars": app.config["MAX_DESCRIPTION_CHARS"],
    }


def test_recipients_lists_required_and_optional_destinations_with_stored_lists(app: Flask, client: FlaskClient) -> None:
    client.set_cookie("lang", "en")
    answer = post(client, "/recipients", {"category": "discrimination.age", "programme": "verpleegkunde"}).get_json()
    found = {d["slug"]: d for d in answer["destinations"]}
    assert set(found) == {"verpleegkunde", "diversiteit"}
    assert (found["verpleegkunde"]["optional"], found["diversiteit"]["optional"]) == (False, True)
    assert (found["verpleegkunde"]["name"], found["verpleegkunde"]["kind"]) == ("Nursing", "programme")
    stored_list = json.loads(key_list_path(Path(app.config["KEYS_DIR"]), "diversiteit").read_text("utf-8"))
    assert found["diversiteit"]["key_list"] == stored_list and found["diversiteit"]["error"] is None


def test_recipients_names_the_destinations_of_labour_cases(client: FlaskClient, material: DemoMaterial) -> None:
    lists = recipients(client, "labour.underpayment", "rechten")
    assert set(lists) == {"arbeidsinspectie", "rechten"}
    assert lists["rechten"].keys[0].kid == material.handlers["rechten"].kid


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"category": "discrimination.unknown", "programme": PROGRAMME}, "category"),
        ({"category": CATEGORY, "programme": "sterrenkunde"}, "programme"),
        ({"programme": PROGRAMME}, "category"),
        ({"category": CATEGORY, "programme": 7}, "programme"),
    ],
)
def test_recipients_refuses_unknown_choices(client: FlaskClient, body: dict[str, Any], field: str) -> None:
    response = post(client, "/recipients", body)
    assert response.status_code == 400
    assert response.get_json()["field"] == field


def test_recipients_returns_a_list_that_does_not_verify_as_null_with_the_reason(
    app: Flask, client: FlaskClient
) -> None:
    path = key_list_path(Path(app.config["KEYS_DIR"]), "diversiteit")
    document = json.loads(path.read_text("utf-8"))
    path.write_text(json.dumps(document | {"body": document["body"].replace("1}", "2}")}), "utf-8")
    answer = post(client, "/recipients", {"category": CATEGORY, "programme": PROGRAMME}).get_json()
    found = {d["slug"]: d for d in answer["destinations"]}
    assert found["diversiteit"]["key_list"] is None and found["diversiteit"]["error"]
    assert found["hbo-ict"]["key_list"] is not None and found["hbo-ict"]["error"] is None


# --- filing, looking up and following up --------------------------------------------------


def test_browser_report_files_a_case_that_handlers_open_and_the_status_page_shows(
    client: FlaskClient, session: Any, browser: Browser, material: DemoMaterial
) -> None:
    response = post(client, "/reports", browser.report(attachments=2))
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    case = session.scalars(select(models.Case)).one()
    assert answer == {
        "case_id": case.id,
        "status": "received",
        "received_on": dt.date.today().isoformat(),
        "ack_due": case.ack_due.isoformat(),
        "feedback_due": case.feedback_due.isoformat(),
    }
    assert (case.sector, case.phase) == ("ict", "search")
    assert sorted(cases.destination_slugs(case)) == ["diversiteit", "hbo-ict"]
    for slug in ("hbo-ict", "diversiteit"):
        opened = [open_as(material.handlers[slug], case, record) for record in case.envelopes]
        assert json.loads(opened[0])["description"] == REPORT["description"]
        assert opened[1:] == [ATTACHMENT, ATTACHMENT]
    # The server path derives the same lookup key from the token: both paths reach the same case.
    assert status_of(client, browser.token) == "received"


def test_deselected_optional_destination_is_not_routed(client: FlaskClient, session: Any, browser: Browser) -> None:
    del browser.key_lists["diversiteit"]
    assert post(client, "/reports", browser.report()).status_code == 201
    assert cases.destination_slugs(session.scalars(select(models.Case)).one()) == ["hbo-ict"]


def test_lookup_returns_the_case_and_a_reply_the_reply_key_opens(
    app: Flask, client: FlaskClient, session: Any, filed: Browser, material: DemoMaterial
) -> None:
    case = session.scalars(select(models.Case)).one()
    handler = material.handlers["hbo-ict"]
    cases.add_reply(session, app.extensions["hotline.keyring"], case, handler, "We nemen contact op met het bedrijf.")
    answer = post(client, "/cases/lookup", filed.lookup).get_json()
    assert {k: answer[k] for k in ("case_id", "status", "category", "closed_on")} == {
        "case_id": case.id,
        "status": "received",
        "category": CATEGORY,
        "closed_on": None,
    }
    key_lists = verified(client, answer["destinations"])
    assert set(key_lists) == {"hbo-ict", "diversiteit"}
    [message] = answer["messages"]
    assert (message["day"], message["direction"]) == (dt.date.today().isoformat(), "to_reporter")
    handlers = {k.kid: k.ed25519 for key_list in key_lists.values() for k in key_list.keys}
    plaintext = crypto.open_envelope(
        crypto.Envelope.from_json(message["envelope"]),
        filed.keys.reply_key,
        verify_key=handlers.get,
        reply_public_key=filed.keys.reply_public,
        kind="message",
    )
    assert json.loads(plaintext) == {"text": "We nemen contact op met het bedrijf."}


def test_follow_up_message_is_accepted_and_handlers_open_it(
    client: FlaskClient, session: Any, filed: Browser, material: DemoMaterial
) -> None:
    looked_up = post(client, "/cases/lookup", filed.lookup).get_json()
    body = filed.message("Er is nog iets gebeurd.", list(verified(client, looked_up["destinations"]).values()))
    response = post(client, "/cases/messages", body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {"day": dt.date.today().isoformat()}
    case = session.scalars(select(models.Case)).one()
    record = case.envelopes[-1]
    assert (record.kind, record.direction) == ("message", "to_handlers")
    assert json.loads(open_as(material.handlers["diversiteit"], case, record)) == {"text": "Er is nog iets gebeurd."}
    [own] = post(client, "/cases/lookup", filed.lookup).get_json()["messages"]
    assert own["direction"] == "to_handlers"  # the reporter can read back what they sent


# --- refusals -----------------------------------------------------------------------------

Mutation = Callable[[Browser, dict[str, Any], DemoMaterial], None]


def reseal(**options: Any) -> Mutation:
    def mutate(browser: Browser, body: dict[str, Any], material: DemoMaterial) -> None:
        body["report"] = browser.seal(b'{"description": "x"}', **options)

    return mutate


def with_signer(browser: Browser, body: dict[str, Any], material: DemoMaterial) -> None:
    body["report"] = browser.seal(b"{}", signer=material.handlers["hbo-ict"].kid)


def without_one_recipient(browser: Browser, body: dict[str, Any], material: DemoMaterial) -> None:
    readers = browser.readers()
    del readers[material.handlers["diversiteit"].kid]
    body["report"] = browser.seal(b"{}", recipients=readers)


def with_unsigned_recipient(browser: Browser, body: dict[str, Any], material: DemoMaterial) -> None:
    intruder = crypto.generate_key("Niet in de lijst").public
    body["report"] = browser.seal(b"{}", recipients=browser.readers() | {intruder.kid: intruder.x25519})


def downgraded(browser: Browser, body: dict[str, Any], material: DemoMaterial) -> None:
    """Envelope v1 (X25519 wraps only) although every reader has an X-Wing key."""
    body["report"] = browser.seal(b"{}", recipients={kid: r.x25519 for kid, r in browser.readers().items()})


def one_classical_wrap(browser: Browser, body: dict[str, Any], material: DemoMaterial) -> None:
    """Envelope v2, but one reader that has an X-Wing key gets a classical wrap instead."""
    readers: dict[str, bytes | crypto.Reader] = dict(browser.readers())
    kid = material.handlers["diversiteit"].kid
    readers[kid] = crypto.Reader(material.handlers["diversiteit"].public.x25519)
    body["report"] = browser.seal(b"{}", recipients=readers)


def fields(**values: Any) -> Mutation:
    def mutate(browser: Browser, body: dict[str, Any], material: DemoMaterial) -> None:
        body.update(values)

    return mutate


def envelope_fields(**values: Any) -> Mutation:
    def mutate(browser: Browser, body: dict[str, Any], material: DemoMaterial) -> None:
        body["report"] = body["report"] | values

    return mutate


def attachments(make: Callable[[Browser], list[dict[str, Any]]]) -> Mutation:
    def mutate(browser: Browser, body: dict[str, Any], material: DemoMaterial) -> None:
        body["attachments"] = make(browser)

    return mutate


def cut(length: int) -> Mutation:
    def mutate(browser: Browser, body: dict[str, Any], material: DemoMaterial) -> None:
        body["report"] = unpadded(body["report"], browser, length)

    return mutate


REPORT_REFUSALS: list[Any] = [
    pytest.param(reseal(kind="message"), "report", "kind", id="wrong kind"),
    pytest.param(reseal(direction="to_reporter"), "report", "direction", id="wrong direction"),
    pytest.param(reseal(reply_public_key=other_x25519()), "report", "reply key", id="other reply key"),
    pytest.param(reseal(signing_key=Ed25519PrivateKey.generate()), "report", "signature", id="bad signature"),
    pytest.param(with_signer, "report", "signed by the reporter", id="signer not reporter"),
    pytest.param(without_one_recipient, "report", "exactly", id="recipient missing"),
    pytest.param(with_unsigned_recipient, "report", "exactly", id="extra unsigned recipient"),
    pytest.param(fields(destinations=["diversiteit"]), "destinations", "required", id="required destination missing"),
    pytest.param(
        fields(destinations=["hbo-ict", "diversiteit", "arbeidsinspectie"]), "destinations", "not routed", id="unrouted"
    ),
    pytest.param(fields(destinations="hbo-ict"), "destinations", "list", id="destinations not a list"),
    pytest.param(fields(category="discrimination.unknown"), "category", "unknown", id="unknown category"),
    pytest.param(fields(programme="sterrenkunde"), "programme", "unknown", id="unknown programme"),
    pytest.param(fields(sector="mijnbouw"), "sector", "unknown", id="unknown sector"),
    pytest.param(fields(phase="later"), "phase", "unknown", id="unknown phase"),
    pytest.param(fields(lookup_key=crypto.b64e(bytes(16))), "lookup_key", "32 bytes", id="short lookup key"),
    pytest.param(fields(lookup_key="AAAA===="), "lookup_key", "base64url", id="padded base64"),
    pytest.param(
        fields(reply_public_key=crypto.b64e(bytes(32))), "reply_public_key", "X25519", id="low-order reply key"
    ),
    pytest.param(fields(reporter_signing_key=None), "reporter_signing_key", "required", id="no signing key"),
    pytest.param(fields(report="sealed"), "report", "well-formed", id="envelope not an object"),
    pytest.param(fields(report={"v": 1}), "report", "well-formed", id="envelope fields missing"),
    pytest.param(envelope_fields(v=3), "report", "well-formed", id="envelope version"),
    pytest.param(downgraded, "report", "needs an envelope v2", id="v1 to readers with X-Wing keys"),
    pytest.param(one_classical_wrap, "report", "not of the kind its key calls for", id="a classical wrap in v2"),
    pytest.param(envelope_fields(v=1), "report", "well-formed", id="envelope version not its header's"),
    pytest.param(envelope_fields(hdr="not base64!"), "report", "well-formed", id="header not base64url"),
    pytest.param(envelope_fields(hdr=crypto.b64e(bytes(89))), "report", "well-formed", id="header version"),
    pytest.param(envelope_fields(nonce=crypto.b64e(bytes(8))), "report", "well-formed", id="short nonce"),
    pytest.param(envelope_fields(recipients=[]), "report", "well-formed", id="no recipients"),
    pytest.param(envelope_fields(sig={"signer": "reporter"}), "report", "well-formed", id="signature missing"),
    pytest.param(cut(100), "report", "padded", id="unpadded short ciphertext"),
    pytest.param(cut(4097 + 16), "report", "padded", id="ciphertext between buckets"),
    pytest.param(
        attachments(lambda b: [b.seal(ATTACHMENT, "report")]), "attachments[0]", "kind", id="attachment of kind report"
    ),
    pytest.param(
        attachments(lambda b: [b.seal(ATTACHMENT, "attachment")] * 6),
        "attachments",
        "at most",
        id="too many attachments",
    ),
    pytest.param(
        attachments(lambda b: [b.seal(ATTACHMENT, "attachment")] * 2), "attachments[1]", "repeats", id="repeated id"
    ),
    pytest.param(fields(attachments={"a": 1}), "attachments", "list", id="attachments not a list"),
]


@pytest.mark.parametrize(("mutate", "field", "reason"), REPORT_REFUSALS)
def test_report_refusals_name_the_field_and_store_nothing(
    client: FlaskClient,
    session: Any,
    browser: Browser,
    material: DemoMaterial,
    mutate: Mutation,
    field: str,
    reason: str,
) -> None:
    body = browser.report()
    mutate(browser, body, material)
    response = post(client, "/reports", body)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["field"] == field
    assert reason in response.get_json()["error"]
    assert stored(session) == (0, 0)


MESSAGE_REFUSALS: list[Any] = [
    pytest.param({"kind": "report"}, "kind", id="wrong kind"),
    pytest.param({"direction": "to_reporter"}, "direction", id="wrong direction"),
    pytest.param({"reply_public_key": other_x25519()}, "reply key", id="other reply key"),
    pytest.param({"signing_key": Ed25519PrivateKey.generate()}, "signature", id="bad signature"),
    pytest.param({"signer": "0" * 64}, "signed by the reporter", id="signer not reporter"),
    pytest.param({"drop_reply_kid": True}, "exactly", id="own reply key missing"),
    pytest.param({"extra": True}, "exactly", id="extra unsigned recipient"),
]


@pytest.mark.parametrize(("change", "reason"), MESSAGE_REFUSALS)
def test_message_refusals_name_the_reason_and_store_nothing(
    client: FlaskClient, session: Any, filed: Browser, change: dict[str, Any], reason: str
) -> None:
    options = dict(change)
    readers = filed.readers() | {crypto.fingerprint(filed.keys.reply_public): filed.keys.reply_public}
    if options.pop("drop_reply_kid", False):
        del readers[crypto.fingerprint(filed.keys.reply_public)]
    if options.pop("extra", False):
        extra = other_x25519()
        readers[crypto.fingerprint(extra)] = extra
    kind = options.pop("kind", "message")
    body = filed.lookup | {"envelope": filed.seal(b'{"text": "x"}', kind, recipients=readers, **options)}
    before = stored(session)
    response = post(client, "/cases/messages", body)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["field"] == "envelope" and reason in response.get_json()["error"]
    assert stored(session) == before


def test_unpadded_message_is_refused(client: FlaskClient, filed: Browser) -> None:
    body = filed.lookup | {"envelope": unpadded(filed.message("Kort.")["envelope"], filed, 2000)}
    response = post(client, "/cases/messages", body)
    assert response.status_code == 400
    assert "padded" in response.get_json()["error"]


@pytest.mark.app_config(MAX_DESCRIPTION_CHARS=10)
def test_a_report_larger_than_the_limits_allow_is_refused(client: FlaskClient, browser: Browser) -> None:
    body = browser.report(report=browser.seal(b"x" * 5000))
    response = post(client, "/reports", body)
    assert response.status_code == 400
    assert "larger than the limits" in response.get_json()["error"]


def test_a_reused_lookup_key_is_a_conflict(client: FlaskClient, session: Any, filed: Browser) -> None:
    response = post(client, "/reports", filed.report())
    assert response.status_code == 409
    assert response.get_json() == {"error": "this lookup key is already in use", "field": "lookup_key"}
    assert stored(session) == (1, 1)


def test_a_stored_envelope_is_not_taken_twice(client: FlaskClient, session: Any, filed: Browser) -> None:
    body = filed.message("Een keer is genoeg.")
    assert post(client, "/cases/messages", body).status_code == 201
    response = post(client, "/cases/messages", body)
    assert response.status_code == 409
    assert response.get_json()["field"] == "envelope"
    assert stored(session) == (1, 2)


def test_a_closed_case_takes_no_messages(client: FlaskClient, session: Any, filed: Browser) -> None:
    case = session.scalars(select(models.Case)).one()
    case.status, case.closed_on = "closed", dt.date.today()
    session.commit()
    response = post(client, "/cases/messages", filed.message("Nog een vraag."))
    assert response.status_code == 409
    assert "closed" in response.get_json()["error"]
    assert stored(session) == (1, 1)


@pytest.mark.parametrize("path", ["/cases/lookup", "/cases/messages"])
def test_an_unknown_lookup_key_is_404(client: FlaskClient, path: str) -> None:
    _token, keys = derive(client)
    response = post(client, path, {"lookup_key": crypto.b64e(keys.lookup_key), "envelope": {}})
    assert response.status_code == 404
    assert response.get_json() == {"error": "no case with this token", "field": "lookup_key"}


def test_a_destination_whose_list_does_not_verify_receives_nothing(
    app: Flask, client: FlaskClient, session: Any, browser: Browser
) -> None:
    key_list_path(Path(app.config["KEYS_DIR"]), "diversiteit").unlink()
    response = post(client, "/reports", browser.report())
    assert response.status_code == 503
    assert set(response.get_json()) == {"error", "field"}
    assert stored(session) == (0, 0)


ENDPOINTS = ["/recipients", "/reports", "/cases/lookup", "/cases/messages"]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_posts_need_a_json_content_type(client: FlaskClient, path: str) -> None:
    response = client.post(API + path, data={"category": CATEGORY})
    assert response.status_code == 415
    assert response.get_json()["error"].startswith("requests must be sent with Content-Type: application/json")


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("data", ["{not json", "[1, 2]", '"text"', "null"])
def test_a_body_that_is_not_a_json_object_is_400(client: FlaskClient, path: str, data: str) -> None:
    response = client.post(API + path, data=data, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json() == {"error": "the body must be a JSON object", "field": None}


# --- the document, errors, limits and the security baseline --------------------------------


def api_routes(app: Flask) -> set[tuple[str, str]]:
    """Return (path, method) for every rule the API serves."""
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API + "/"):
            served |= {(rule.rule, m.lower()) for m in rule.methods or () if m not in ("HEAD", "OPTIONS")}
    return served


def test_openapi_document_describes_every_route(app: Flask, client: FlaskClient) -> None:
    response = client.get(API + "/openapi.json")
    assert response.mimetype == "application/json"
    document = response.get_json()
    assert document["openapi"].startswith("3.1.")
    assert document["servers"] == [{"url": API}]
    described = {(API + path, method) for path, item in document["paths"].items() for method in item}
    assert described == api_routes(app)
    for path, item in document["paths"].items():
        for operation in item.values():
            assert {"200", "201"} & set(operation["responses"]), path
    assert document["components"]["schemas"]["Error"]["required"] == ["error", "field"]
    request = document["components"]["schemas"]["ReportRequest"]["properties"]
    assert request["sector"]["enum"] == [*SECTORS, None] and request["phase"]["enum"] == [*PHASES, None]


def test_openapi_document_is_valid(client: FlaskClient) -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(client.get(API + "/openapi.json").get_json())


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("get", "/nothing-here", 404), ("get", "/reports", 405), ("put", "/instance", 405), ("get", "/cases/lookup", 405)],
)
def test_api_errors_are_json(client: FlaskClient, method: str, path: str, status: int) -> None:
    response = client.open(API + path, method=method.upper())
    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert set(response.get_json()) == {"error", "field"}


def test_errors_outside_the_api_stay_html(client: FlaskClient) -> None:
    response = client.get("/api-nothing")
    assert response.status_code == 404 and response.mimetype == "text/html"


@pytest.mark.app_config(MAX_CONTENT_LENGTH=10_000)
def test_too_large_a_body_is_a_json_413(client: FlaskClient) -> None:
    response = post(client, "/reports", {"report": "x" * 20_000})
    assert response.status_code == 413
    assert response.get_json() == {"error": "the request is too large", "field": None}


@pytest.mark.app_config(RATELIMIT_ENABLED=True, REPORT_LIMIT="2 per hour")
def test_reports_share_one_budget_with_the_html_form(client: FlaskClient, session: Any, browser: Browser) -> None:
    file_report(client)
    file_report(client)
    response = post(client, "/reports", browser.report())
    assert response.status_code == 429
    assert response.get_json() == {"error": "too many requests; wait a while and try again", "field": None}
    assert stored(session)[0] == 2


@pytest.mark.app_config(RATELIMIT_ENABLED=True, STATUS_LIMIT="3 per hour")
def test_lookups_and_messages_share_one_budget_with_the_status_page(client: FlaskClient, filed: Browser) -> None:
    assert client.post("/status", data={"token": filed.token}).status_code == 200
    assert post(client, "/cases/lookup", filed.lookup).status_code == 200
    assert post(client, "/cases/messages", filed.message("Nog iets.")).status_code == 201
    for response in (post(client, "/cases/lookup", filed.lookup), post(client, "/cases/messages", filed.message("x"))):
        assert response.status_code == 429
        assert response.mimetype == "application/json"
    assert client.post("/status", data={"token": filed.token}).status_code == 429


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_the_api_needs_no_cookie_or_csrf_token(client: FlaskClient, browser: Browser) -> None:
    assert post(client, "/reports", browser.report()).status_code == 201
    assert client.post("/report/details", data=REPORT).status_code == 400  # the HTML forms keep their CSRF check


def test_api_responses_carry_the_security_headers(client: FlaskClient, browser: Browser) -> None:
    responses = [
        client.get(API + "/instance"),
        client.get(API + "/openapi.json"),
        post(client, "/reports", browser.report()),
        post(client, "/cases/lookup", {}),
        client.get(API + "/missing"),
    ]
    for response in responses:
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"
        assert "Access-Control-Allow-Origin" not in response.headers and "Set-Cookie" not in response.headers


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_the_api_stores_no_address(app: Flask, client: FlaskClient, browser: Browser) -> None:
    url = make_url(app.config["DATABASE_URL"])
    if url.get_backend_name() != "sqlite" or not url.database:
        pytest.skip("reads the SQLite file")
    options = {"environ_base": {"REMOTE_ADDR": CANARY_ADDRESS}}
    assert post(client, "/reports", browser.report(attachments=1), **options).status_code == 201
    assert post(client, "/cases/lookup", browser.lookup, **options).status_code == 200
    assert post(client, "/cases/messages", browser.message("Hallo."), **options).status_code == 201
    files = [Path(url.database + suffix) for suffix in ("", "-wal", "-journal")]
    data = b"".join(p.read_bytes() for p in files if p.exists())
    assert data and CANARY_ADDRESS.encode() not in data
    assert CANARY_ADDRESS.encode("utf-16-le") not in data
    assert browser.token.encode() not in data and os.fsencode(browser.token.replace("-", "")) not in data


def test_no_api_route_gives_case_data_or_key_material_without_the_lookup_key(
    app: Flask, client: FlaskClient, filed: Browser, session: Any
) -> None:
    case = session.scalars(select(models.Case)).one()
    api_rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/")]
    assert len(api_rules) >= 6
    for rule in api_rules:
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            for body in ({}, {"lookup_key": crypto.b64e(bytes(32))}, {"lookup_key": "not-base64!"}):
                response = client.open(rule.rule, method=method, json=body if method == "POST" else None)
                text = response.get_data(as_text=True)
                assert case.id not in text and case.lookup_digest not in text, rule.rule
                for marker in ('"kdf"', "passphrase", "meldpunt-private-key", '"ciphertext"'):
                    assert marker not in text, (rule.rule, marker)


# --- the status page's needs (issue 12): deadlines met, files with a follow-up, the student's own copy ------------


def test_lookup_says_when_the_deadlines_were_met(client: FlaskClient, session: Any, filed: Browser) -> None:
    answer = post(client, "/cases/lookup", filed.lookup).get_json()
    assert (answer["acknowledged_on"], answer["feedback_on"], answer["own_copy"]) == (None, None, None)
    case = session.scalars(select(models.Case)).one()
    case.acknowledged_on, case.feedback_on = dt.date(2026, 12, 8), dt.date(2027, 1, 15)
    session.commit()
    answer = post(client, "/cases/lookup", filed.lookup).get_json()
    assert (answer["acknowledged_on"], answer["feedback_on"]) == ("2026-12-08", "2027-01-15")


def own_reader(browser: Browser) -> dict[str, bytes]:
    return {crypto.fingerprint(browser.keys.reply_public): browser.keys.reply_public}


def with_copy(browser: Browser, attachments: int = 1) -> dict[str, Any]:
    """A report body whose report and attachments are sealed to the reply key too: the student's own copy."""
    readers = browser.readers() | own_reader(browser)
    payload = {"category": CATEGORY, "programme": PROGRAMME, "description": REPORT["description"]}
    payload["reporter_signing_key"] = crypto.b64e(browser.keys.signing_public)
    return browser.report() | {
        "report": browser.seal(json.dumps(payload).encode(), recipients=readers),
        "attachments": [browser.seal(ATTACHMENT, "attachment", recipients=readers) for _ in range(attachments)],
    }


def test_a_report_sealed_to_its_own_reply_key_is_a_copy_only_the_token_opens(
    client: FlaskClient, session: Any, browser: Browser, material: DemoMaterial
) -> None:
    response = post(client, "/reports", with_copy(browser))
    assert response.status_code == 201, response.get_json()
    case = session.scalars(select(models.Case)).one()
    for record in case.envelopes:  # the handlers open everything as before
        assert open_as(material.handlers["hbo-ict"], case, record)
    copy = post(client, "/cases/lookup", browser.lookup).get_json()["own_copy"]
    assert copy is not None
    plaintext = crypto.open_envelope(
        crypto.Envelope.from_json(copy),
        browser.keys.reply_key,
        verify_key={"reporter": browser.keys.signing_public}.get,
        reply_public_key=browser.keys.reply_public,
        kind="report",
    )
    assert json.loads(plaintext)["description"] == REPORT["description"]
    assert status_of(client, browser.token) == "received"
    assert "Je melding (jouw kopie)" in client.post("/status", data={"token": browser.token}).get_data(as_text=True)


def test_without_a_copy_the_reply_key_opens_no_report(client: FlaskClient, session: Any, filed: Browser) -> None:
    assert post(client, "/cases/lookup", filed.lookup).get_json()["own_copy"] is None
    case = session.scalars(select(models.Case)).one()
    report = cases.envelope_of(case.envelopes[0])
    with pytest.raises(crypto.NotARecipient):
        crypto.open_envelope(report, filed.keys.reply_key, verify_key={"reporter": filed.keys.signing_public}.get)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param("other key", "report", id="a copy for another key than the case's reply key"),
        pytest.param("attachment without", "attachments[0]", id="a copy whose attachment is not sealed to it"),
        pytest.param("attachment only", "attachments[0]", id="an attachment sealed to the reply key, the report not"),
    ],
)
def test_a_report_takes_the_reply_key_as_its_only_extra_reader(
    client: FlaskClient, session: Any, browser: Browser, change: str, field: str
) -> None:
    body = with_copy(browser)
    if change == "other key":
        extra = other_x25519()
        readers = browser.readers() | {crypto.fingerprint(extra): extra}
        body["report"] = browser.seal(b'{"description": "x"}', recipients=readers)
    elif change == "attachment without":
        body["attachments"] = [browser.seal(ATTACHMENT, "attachment")]
    else:
        body = browser.report(attachments=0)
        readers = browser.readers() | own_reader(browser)
        body["attachments"] = [browser.seal(ATTACHMENT, "attachment", recipients=readers)]
    response = post(client, "/reports", body)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["field"] == field and "exactly" in response.get_json()["error"]
    assert stored(session) == (0, 0)


def follow_up_with_files(client: FlaskClient, browser: Browser, files: int, **options: Any) -> dict[str, Any]:
    looked_up = post(client, "/cases/lookup", browser.lookup).get_json()
    key_lists = list(verified(client, looked_up["destinations"]).values())
    readers = cases.recipients(key_lists) | own_reader(browser)
    names = [f"bijlage-{i}.txt" for i in range(files)]
    text = json.dumps({"text": "Met bijlagen", "attachments": names}).encode()
    return browser.lookup | {
        "envelope": browser.seal(text, "message", recipients=readers),
        "attachments": [
            browser.seal(ATTACHMENT, options.get("kind", "attachment"), recipients=options.get("recipients", readers))
            for _ in range(files)
        ],
    }


def test_a_follow_up_takes_files_sealed_like_it(
    client: FlaskClient, session: Any, filed: Browser, material: DemoMaterial
) -> None:
    response = post(client, "/cases/messages", follow_up_with_files(client, filed, 2))
    assert response.status_code == 201, response.get_json()
    case = session.scalars(select(models.Case)).one()
    records = sorted(case.envelopes, key=lambda record: record.seq)
    assert [(r.kind, r.seq) for r in records] == [("report", 0), ("message", 1), ("attachment", 2), ("attachment", 3)]
    assert [open_as(material.handlers["diversiteit"], case, r) for r in records[2:]] == [ATTACHMENT, ATTACHMENT]
    message = json.loads(open_as(material.handlers["hbo-ict"], case, records[1]))
    assert message["attachments"] == ["bijlage-0.txt", "bijlage-1.txt"]
    answer = post(client, "/cases/lookup", filed.lookup).get_json()
    assert [m["direction"] for m in answer["messages"]] == ["to_handlers"]  # the files are not sent back each time


@pytest.mark.parametrize(
    ("files", "options", "field"),
    [
        pytest.param(6, {}, "attachments", id="too many"),
        pytest.param(1, {"kind": "message"}, "attachments[0]", id="wrong kind"),
        pytest.param(1, {"extra": True}, "attachments[0]", id="not sealed to exactly the case's readers"),
    ],
)
def test_refused_follow_up_files_store_nothing(
    client: FlaskClient, session: Any, filed: Browser, files: int, options: dict[str, Any], field: str
) -> None:
    body = follow_up_with_files(client, filed, files, kind=options.get("kind", "attachment"))
    if options.get("extra"):
        extra = other_x25519()
        readers = filed.readers() | {crypto.fingerprint(extra): extra}
        body["attachments"] = [filed.seal(ATTACHMENT, "attachment", recipients=readers)]
    before = stored(session)
    response = post(client, "/cases/messages", body)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["field"] == field
    assert stored(session) == before
