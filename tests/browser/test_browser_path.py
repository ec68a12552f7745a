"""Filing and following a report in a real browser, with JavaScript on and off."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import (
    CANARY,
    assert_reporter_post_quantum,
    choose_and_continue,
    file_with_js,
    open_as_handler,
    open_status,
)
from flask import Flask
from sqlalchemy import select

from hotline import cases, crypto, models, tokens


def only_case(app: Flask) -> models.Case:
    session = app.extensions["hotline.sessionmaker"]()
    found = session.scalars(select(models.Case)).all()
    assert len(found) == 1
    case = found[0]
    _ = case.envelopes, [r.destination.slug for r in case.routes]  # load while the session is open
    session.close()
    return case


def test_js_report_is_sealed_on_the_device_and_nothing_readable_leaves_it(
    app: Flask, live_server: str, js_page: Any, material: Any
) -> None:
    token = file_with_js(js_page, live_server, description=CANARY)
    sent = js_page.sent()
    assert CANARY.encode() not in sent
    assert token.encode() not in sent and token.replace("-", "").encode() not in sent
    posts = [r.url for r in js_page.requests if r.method == "POST"]
    assert posts[-1].endswith("/api/v1/reports")
    assert not any(url.endswith("/report/submit") for url in posts)
    report = json.loads(open_as_handler(only_case(app), material.handlers["hbo-ict"])["report"])
    assert report["description"] == CANARY


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)  # the form's token and cookie, as a real browser keeps them
def test_report_without_javascript_goes_through_the_server_path(
    app: Flask, live_server: str, nojs_page: Any, material: Any
) -> None:
    page = nojs_page.page
    choose_and_continue(page, live_server, "labour.underpayment")
    assert page.locator(".server-path").is_visible()
    page.fill("#description", CANARY)
    page.click("button[type=submit]")
    token = page.locator("[data-case-token]").get_attribute("data-case-token")
    assert token and len(token) == 32
    case = only_case(app)
    assert sorted(cases.destination_slugs(case)) == ["arbeidsinspectie", "hbo-ict"]
    report = json.loads(open_as_handler(case, material.handlers["arbeidsinspectie"])["report"])
    assert report["description"] == CANARY
    assert open_status(nojs_page, live_server, token.lower().replace("-", "")) == "received"


def test_follow_up_and_reply_through_the_browser(app: Flask, live_server: str, js_page: Any, material: Any) -> None:
    token = file_with_js(js_page, live_server, description="Eerste melding")
    assert open_status(js_page, live_server, token) == "received"
    page = js_page.page
    page.fill("#message", "Een aanvulling uit de browser")
    page.click("[data-message-form] button[type=submit]")
    page.wait_for_selector("[data-notice]:not([hidden])")
    case = only_case(app)
    opened = open_as_handler(case, material.handlers["hbo-ict"])
    assert json.loads(opened["message"]) == {"text": "Een aanvulling uit de browser"}
    session = app.extensions["hotline.sessionmaker"]()
    cases.add_reply(
        session,
        app.extensions["hotline.keyring"],
        session.get(models.Case, case.id),
        material.handlers["hbo-ict"],
        "Antwoord van de opleiding",
    )
    session.close()
    # The follow-up's own copy and the reply are X-Wing wraps to the token's key, which status.js opens.
    keys = tokens.derive(token, bytes.fromhex(app.config["INSTANCE_SALT"]))
    case = only_case(app)
    assert case.reply_xwing_key == keys.reply_xwing_public
    for record in case.envelopes:
        if record.kind == "message":
            assert_reporter_post_quantum(cases.envelope_of(record), keys)
    assert open_status(js_page, live_server, token) == "received"
    texts = page.locator("[data-messages] [data-text]").all_text_contents()
    assert texts == ["Een aanvulling uit de browser", "Antwoord van de opleiding"]
    assert CANARY.encode() not in js_page.sent() and token.encode() not in js_page.sent()


def test_browser_refuses_to_seal_to_a_tampered_key_list(app: Flask, live_server: str, js_page: Any) -> None:
    page = js_page.page

    def tamper(route: Any) -> None:
        response = route.fetch()
        data = response.json()
        for destination in data["destinations"]:
            body = json.loads(destination["key_list"]["body"])
            extra = dict(body["keys"][0], name="Indringer")
            body["keys"].append(extra)
            destination["key_list"]["body"] = json.dumps(body, sort_keys=True, separators=(",", ":"))
        route.fulfill(response=response, json=data)

    page.route("**/api/v1/recipients", tamper)
    choose_and_continue(page, live_server, "discrimination.religion")
    page.wait_for_selector("[data-browser-error]:not([hidden])")
    assert page.locator("button[type=submit]").is_disabled()
    page.fill("#description", CANARY)
    page.locator("button[type=submit]").click(force=True)
    assert not any(r.url.endswith("/api/v1/reports") for r in js_page.requests)
    assert not any(r.url.endswith("/report/submit") for r in js_page.requests)
    session = app.extensions["hotline.sessionmaker"]()
    assert session.scalars(select(models.Case)).all() == []
    session.close()


WITHOUT_NATIVE_CURVES = """
(() => {
  const missing = new Set(["X25519", "Ed25519"]);
  const nameOf = (algorithm) => (typeof algorithm === "string" ? algorithm : algorithm && algorithm.name);
  const position = { importKey: 2, generateKey: 0, deriveBits: 0, deriveKey: 0, sign: 0, verify: 0 };
  for (const [method, index] of Object.entries(position)) {
    const original = SubtleCrypto.prototype[method];
    SubtleCrypto.prototype[method] = function (...args) {
      if (missing.has(nameOf(args[index]))) {
        return Promise.reject(new DOMException("Unrecognized name", "NotSupportedError"));
      }
      return original.apply(this, args);
    };
  }
})();
"""


def test_browser_without_native_curves_uses_the_pure_implementations(
    app: Flask, live_server: str, js_page: Any, material: Any
) -> None:
    """As in Tor Browser on Firefox ESR: WebCrypto without X25519 and Ed25519."""
    js_page.page.add_init_script(WITHOUT_NATIVE_CURVES)
    token = file_with_js(js_page, live_server, description=CANARY)
    used = js_page.page.evaluate("import('/static/js/meldpunt-crypto.js').then((m) => m.implementations())")
    assert used == {"x25519": "pure", "ed25519": "pure"}
    report = json.loads(open_as_handler(only_case(app), material.handlers["hbo-ict"])["report"])
    assert report["description"] == CANARY
    assert CANARY.encode() not in js_page.sent() and token.encode() not in js_page.sent()


def test_a_report_sealed_in_chromium_opens_with_the_cli_from_a_version_2_key_file(
    app: Flask, live_server: str, js_page: Any, material: Any, runner: Any, tmp_path: Path
) -> None:
    """Envelope v2 from the browser (X-Wing wraps) read by `hotline decrypt` with the handler's key file."""
    file_with_js(js_page, live_server, description=CANARY)
    case = only_case(app)
    bundle = tmp_path / "case.json"
    assert runner("cases", "export", case.id, "-o", str(bundle)).exit_code == 0
    key = material.handlers["hbo-ict"]
    key_file = tmp_path / "hbo-ict.key.json"
    key_file.write_text(json.dumps(crypto.export_private_key(key, "zeven woorden als zin", 1000)))
    assert json.loads(key_file.read_text())["version"] == 2
    result = runner(
        "decrypt", str(bundle), "--key", str(key_file), env={"HOTLINE_KEY_PASSPHRASE": "zeven woorden als zin"}
    )
    assert result.exit_code == 0, result.output
    assert CANARY in result.output
