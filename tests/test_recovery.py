"""The institution's recovery key: every envelope is sealed to it too, and it opens every case."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import Result
from conftest import PASSPHRASE, RECOVERY_SLUG, REPORT, DemoMaterial, file_report, post_multipart, publish, upload
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline import cases, crypto, models, tokens
from hotline.keyring import key_list_path

API = "/api/v1"
CATEGORY, PROGRAMME = "discrimination.origin", "hbo-ict"
ATTACHMENT = b'{"name": "mail.txt", "type": "text/plain"}\nHet afwijzingsmailtje.'


def only_case(session: Any) -> models.Case:
    session.rollback()  # see what the requests committed
    return session.scalars(select(models.Case)).one()


def open_everything(case: models.Case, key: crypto.PrivateKey, material: DemoMaterial) -> list[tuple[str, bytes]]:
    """Open every envelope of a case with one key, checking reporter and handler signatures apart."""
    handlers = {h.kid: h.public.ed25519 for h in material.handlers.values()}
    opened = []
    for record in case.envelopes:
        signers = {"reporter": case.reporter_signing_key} if record.direction == "to_handlers" else handlers
        plaintext = crypto.open_envelope(
            cases.envelope_of(record), key, verify_key=signers.get, reply_public_key=case.reply_public_key
        )
        opened.append((record.kind, plaintext))
    return opened


def verified(client: FlaskClient, destinations: list[dict[str, Any]]) -> dict[str, crypto.KeyList]:
    """Verify the lists the API returned, as the browser does."""
    document = client.get(API + "/instance").get_json()["institution"]
    institution = Ed25519PublicKey.from_public_bytes(crypto.b64d(document["ed25519"]))
    return {d["slug"]: crypto.verify_key_list(d["key_list"], institution, d["slug"]) for d in destinations}


def tamper(app: Flask) -> None:
    """Change the recovery list's body so its signature no longer verifies."""
    path = key_list_path(Path(app.config["KEYS_DIR"]), RECOVERY_SLUG)
    document = json.loads(path.read_text("utf-8"))
    path.write_text(json.dumps(document | {"body": document["body"].replace("1}", "2}")}), "utf-8")


class Browser:
    """The reporter's browser on the API path, with the Python crypto standing in for WebCrypto."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        salt = bytes.fromhex(client.get(API + "/instance").get_json()["instance_salt"])
        self.token = tokens.generate()
        self.keys = tokens.derive(self.token, salt)
        answer = client.post(API + "/recipients", json={"category": CATEGORY, "programme": PROGRAMME}).get_json()
        self.destinations = answer["destinations"]
        self.lists = verified(client, self.destinations)

    def seal(self, plaintext: bytes, kind: str, readers: dict[str, bytes]) -> dict[str, Any]:
        return crypto.seal(
            plaintext,
            kind=kind,
            direction="to_handlers",
            reply_public_key=self.keys.reply_public,
            recipients=readers.items(),
            signer="reporter",
            signing_key=self.keys.signing_key,
        ).to_json()

    def report(self, readers: dict[str, bytes] | None = None, routed: list[str] | None = None) -> dict[str, Any]:
        """Return the body of POST /reports, sealed to every returned destination unless told otherwise."""
        readers = cases.recipients(self.lists.values()) if readers is None else readers
        payload = json.dumps({"category": CATEGORY, "programme": PROGRAMME, "description": REPORT["description"]})
        return {
            "lookup_key": crypto.b64e(self.keys.lookup_key),
            "reply_public_key": crypto.b64e(self.keys.reply_public),
            "reporter_signing_key": crypto.b64e(self.keys.signing_public),
            "category": CATEGORY,
            "programme": PROGRAMME,
            "destinations": routed or [d["slug"] for d in self.destinations if d["kind"] != "recovery"],
            "report": self.seal(payload.encode(), "report", readers),
            "attachments": [self.seal(ATTACHMENT, "attachment", readers)],
        }

    def message(self, text: str, leave_out: str | None = None) -> dict[str, Any]:
        """Return the body of POST /cases/messages, sealed to what the lookup returned and the own reply key."""
        lookup = {"lookup_key": crypto.b64e(self.keys.lookup_key)}
        found = self.client.post(API + "/cases/lookup", json=lookup).get_json()
        readers = cases.recipients(verified(self.client, found["destinations"]).values())
        readers[crypto.fingerprint(self.keys.reply_public)] = self.keys.reply_public
        readers.pop(leave_out or "", None)
        return lookup | {"envelope": self.seal(json.dumps({"text": text}).encode(), "message", readers)}


# --- the server path ----------------------------------------------------------------------


def test_no_js_report_attachment_follow_up_and_reply_open_with_the_recovery_key(
    app: Flask, client: FlaskClient, session: Any, material: DemoMaterial, recovery: crypto.PrivateKey
) -> None:
    token = file_report(client, attachments=[upload(b"notities", "notes.txt", "text/plain")])
    data = {"token": token, "message": "Een aanvulling."}
    assert post_multipart(client, "/status/message", data).status_code == 200
    case = only_case(session)
    cases.add_reply(session, app.extensions["hotline.keyring"], case, material.handlers["hbo-ict"], "Dank je.")
    opened = open_everything(case, recovery, material)
    assert [kind for kind, _plaintext in opened] == ["report", "attachment", "message", "message"]
    assert json.loads(opened[0][1])["description"] == REPORT["description"]
    assert opened[1][1].endswith(b"notities")
    assert [json.loads(p)["text"] for _k, p in opened[2:]] == ["Een aanvulling.", "Dank je."]
    # The programme's handler still reads all of it, and the reporter the reply.
    assert len(open_everything(case, material.handlers["hbo-ict"], material)) == 4
    assert "Dank je." in client.post("/status", data={"token": token}).get_data(as_text=True)


def test_the_form_lists_the_recovery_key_without_a_checkbox(client: FlaskClient, recovery: crypto.PrivateKey) -> None:
    body = client.post("/report/details", data={"category": CATEGORY, "programme": PROGRAMME}).get_data(as_text=True)
    assert f'data-destination="{RECOVERY_SLUG}"' in body
    assert "Herstelsleutel van de instelling" in body and recovery.name in body
    assert f'value="{RECOVERY_SLUG}"' not in body
    client.get("/lang/en")
    body = client.post("/report/details", data={"category": CATEGORY, "programme": PROGRAMME}).get_data(as_text=True)
    assert "Institution&#39;s recovery key" in body


def test_a_tampered_recovery_list_stops_the_no_js_report_and_keeps_the_text(
    app: Flask, client: FlaskClient, session: Any, recovery: crypto.PrivateKey
) -> None:
    tamper(app)
    response = client.post("/report/submit", data=REPORT, content_type="multipart/form-data")
    assert response.status_code == 503
    assert REPORT["description"] in response.get_data(as_text=True)
    session.rollback()
    assert cases.count_cases(session) == 0


def test_the_recovery_destination_is_never_routed(app: Flask, session: Any, recovery: crypto.PrivateKey) -> None:
    routing = app.extensions["hotline.routing"]
    for category in routing.categories:
        assert RECOVERY_SLUG not in {t.destination for t in cases.plan(session, routing, category, PROGRAMME)}


# --- the browser path (the API) -----------------------------------------------------------


def test_api_lists_the_recovery_destination_and_a_browser_report_opens_with_it(
    client: FlaskClient, session: Any, material: DemoMaterial, recovery: crypto.PrivateKey
) -> None:
    browser = Browser(client)
    [listed] = [d for d in browser.destinations if d["kind"] == "recovery"]
    assert (listed["slug"], listed["optional"], listed["error"]) == (RECOVERY_SLUG, False, None)
    assert browser.lists[RECOVERY_SLUG].keys[0].kid == recovery.kid
    response = client.post(API + "/reports", json=browser.report())
    assert response.status_code == 201, response.get_json()
    assert client.post(API + "/cases/messages", json=browser.message("Nog iets.")).status_code == 201
    case = only_case(session)
    assert RECOVERY_SLUG not in cases.destination_slugs(case)
    opened = open_everything(case, recovery, material)
    assert [kind for kind, _p in opened] == ["report", "attachment", "message"]
    assert opened[1][1] == ATTACHMENT and json.loads(opened[2][1]) == {"text": "Nog iets."}


def test_api_refuses_a_report_without_the_recovery_kid(
    client: FlaskClient, session: Any, recovery: crypto.PrivateKey
) -> None:
    browser = Browser(client)
    readers = cases.recipients(key_list for slug, key_list in browser.lists.items() if slug != RECOVERY_SLUG)
    response = client.post(API + "/reports", json=browser.report(readers))
    assert response.status_code == 400
    assert response.get_json()["field"] == "report"
    assert cases.count_cases(session) == 0


def test_api_refuses_a_follow_up_without_the_recovery_kid(
    client: FlaskClient, session: Any, recovery: crypto.PrivateKey
) -> None:
    browser = Browser(client)
    assert client.post(API + "/reports", json=browser.report()).status_code == 201
    response = client.post(API + "/cases/messages", json=browser.message("Nog iets.", leave_out=recovery.kid))
    assert response.status_code == 400
    assert response.get_json()["field"] == "envelope"
    assert len(only_case(session).envelopes) == 2


def test_api_refuses_the_recovery_destination_as_a_routed_one(client: FlaskClient, recovery: crypto.PrivateKey) -> None:
    browser = Browser(client)
    response = client.post(API + "/reports", json=browser.report(routed=[PROGRAMME, RECOVERY_SLUG]))
    assert response.status_code == 400
    assert response.get_json()["field"] == "destinations"


def test_api_refuses_reports_and_messages_while_the_recovery_list_does_not_verify(
    app: Flask, client: FlaskClient, session: Any, recovery: crypto.PrivateKey
) -> None:
    browser, other = Browser(client), Browser(client)
    assert client.post(API + "/reports", json=browser.report()).status_code == 201
    message = browser.message("Nog iets.")
    tamper(app)
    answer = client.post(API + "/recipients", json={"category": CATEGORY, "programme": PROGRAMME}).get_json()
    [listed] = [d for d in answer["destinations"] if d["kind"] == "recovery"]
    assert listed["key_list"] is None and listed["error"]
    # Sealed to the list as it was before the tampering: the server refuses while it cannot verify the list.
    assert client.post(API + "/reports", json=other.report()).status_code == 503
    assert client.post(API + "/cases/messages", json=message).status_code == 503
    assert cases.count_cases(session) == 1 and len(only_case(session).envelopes) == 2


def test_a_rolled_back_recovery_list_is_refused(
    app: Flask, client: FlaskClient, material: DemoMaterial, recovery: crypto.PrivateKey
) -> None:
    keys_dir = Path(app.config["KEYS_DIR"])
    publish(keys_dir, material, RECOVERY_SLUG, [recovery.public], version=2)
    file_report(client)  # the server records version 2
    publish(keys_dir, material, RECOVERY_SLUG, [recovery.public], version=1)
    response = client.post("/report/submit", data=REPORT, content_type="multipart/form-data")
    assert response.status_code == 503


def test_without_a_recovery_destination_nothing_is_added(
    client: FlaskClient, session: Any, material: DemoMaterial
) -> None:
    answer = client.post(API + "/recipients", json={"category": CATEGORY, "programme": PROGRAMME}).get_json()
    assert "recovery" not in {d["kind"] for d in answer["destinations"]}
    file_report(client)
    assert cases.envelope_of(only_case(session).envelopes[0]).kids() == [material.handlers["hbo-ict"].kid]


# --- the CLI ------------------------------------------------------------------------------


def test_cli_decrypt_with_the_recovery_key_opens_the_whole_exported_case(
    app: Flask,
    client: FlaskClient,
    session: Any,
    runner: Any,
    tmp_path: Path,
    material: DemoMaterial,
    recovery: crypto.PrivateKey,
) -> None:
    token = file_report(client)
    assert post_multipart(client, "/status/message", {"token": token, "message": "Een aanvulling."}).status_code == 200
    case = only_case(session)
    cases.add_reply(session, app.extensions["hotline.keyring"], case, material.handlers["hbo-ict"], "Dank je.")
    bundle = tmp_path / "case.json"
    assert runner("cases", "export", case.id, "-o", str(bundle)).exit_code == 0
    assert RECOVERY_SLUG in json.loads(bundle.read_text("utf-8"))["key_lists"]
    key_file = tmp_path / "recovery.key.json"
    key_file.write_text(json.dumps(crypto.export_private_key(recovery, PASSPHRASE)), "utf-8")
    result: Result = runner("decrypt", str(bundle), "--key", str(key_file), env={"HOTLINE_KEY_PASSPHRASE": PASSPHRASE})
    assert result.exit_code == 0, result.output
    assert REPORT["description"] in result.output
    assert "Een aanvulling." in result.output and "Dank je." in result.output
    assert "warning" not in result.output  # every key list of the bundle verifies, the recovery list included


def test_destination_add_refuses_a_second_recovery_destination(runner: Any, recovery: crypto.PrivateKey) -> None:
    result = runner("destination", "add", "herstel-2", "--name", "Tweede", "--kind", "recovery")
    assert result.exit_code == 1
    assert "already has a recovery destination: herstel" in result.output


def test_the_cli_sets_up_a_recovery_key_that_new_reports_are_sealed_to(
    app: Flask, client: FlaskClient, runner: Any, tmp_path: Path, material: DemoMaterial
) -> None:
    result = runner("destination", "add", "herstel", "--name", "Herstelsleutel", "--kind", "recovery")
    assert result.exit_code == 0, result.output
    assert "until its list is signed" in result.output
    refused = client.post("/report/submit", data=REPORT, content_type="multipart/form-data")
    assert refused.status_code == 503  # a recovery destination without a signed list: nothing is taken
    made = runner("keys", "new", "Herstelsleutel Hogeschool", "--out", str(tmp_path / "offline"))
    assert made.exit_code == 0, made.output
    institution = tmp_path / "institution.key.json"
    institution.write_text(json.dumps(crypto.export_private_key(material.institution, PASSPHRASE)), "utf-8")
    public = tmp_path / "offline" / "herstelsleutel-hogeschool.pub.json"
    result = runner(
        "keys", "sign", "herstel", "--institution-key", str(institution), "--add", str(public),
        env={"HOTLINE_KEY_PASSPHRASE": PASSPHRASE},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    file_report(client)
    recovery_kid = crypto.import_public_key(json.loads(public.read_text("utf-8"))).kid
    with app.extensions["hotline.sessionmaker"]() as session:
        assert recovery_kid in cases.envelope_of(only_case(session).envelopes[0]).kids()
