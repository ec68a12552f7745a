"""With a recovery key configured, the browser lists it and seals reports and follow-ups to it too."""

from __future__ import annotations

import json
from typing import Any

from browser_helpers import CANARY, choose_and_continue, file_with_js, open_as_handler, open_status
from conftest import RECOVERY_SLUG
from flask import Flask
from sqlalchemy import select

from hotline import crypto, models


def only_case(app: Flask) -> models.Case:
    session = app.extensions["hotline.sessionmaker"]()
    case = session.scalars(select(models.Case)).one()
    _ = case.envelopes  # load while the session is open
    session.close()
    return case


def test_the_form_shows_the_recovery_key_from_the_verified_list(
    live_server: str, js_page: Any, recovery: crypto.PrivateKey
) -> None:
    page = js_page.page
    choose_and_continue(page, live_server, "discrimination.origin")
    page.wait_for_selector(".browser-path:not([hidden])")
    item = page.locator(f'[data-destination="{RECOVERY_SLUG}"]')
    assert "Herstelsleutel van de instelling" in item.inner_text()
    assert item.locator("[data-people]").text_content() == recovery.name
    assert item.locator("input").count() == 0  # never a choice


def test_js_report_and_follow_up_open_with_the_recovery_key(
    app: Flask, live_server: str, js_page: Any, material: Any, recovery: crypto.PrivateKey
) -> None:
    token = file_with_js(js_page, live_server, description=CANARY)
    assert open_status(js_page, live_server, token) == "received"
    page = js_page.page
    page.fill("#message", "Een aanvulling uit de browser")
    page.click("[data-message-form] button[type=submit]")
    page.wait_for_selector("[data-notice]:not([hidden])")
    assert not page.locator("[data-error]:not([hidden])").count()
    case = only_case(app)
    assert [r.kind for r in case.envelopes] == ["report", "message"]
    opened = open_as_handler(case, recovery)
    assert json.loads(opened["report"])["description"] == CANARY
    assert json.loads(opened["message"]) == {"text": "Een aanvulling uit de browser"}
    assert json.loads(open_as_handler(case, material.handlers["hbo-ict"])["report"])["description"] == CANARY
