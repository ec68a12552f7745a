"""The handler's workspace laid out for daily work: the inbox beside the open case on a wide screen, stacked on a
phone, the conversation first and the metadata beside it, and every case a link the keyboard reaches."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import CANARY, log_in_and_unlock, violations, write_key_file
from conftest import Account, Clock, file_report, log_in, make_account
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from test_casework_authz import add_case

from hotline import cases, models

REPLY = "CANARY-antwoord-van-de-opleiding"
OTHER_CASES = 14


@pytest.fixture
def coordinator(app: Flask, client: FlaskClient, clock: Clock, material: Any) -> Account:
    """A handler of HBO-ICT with that destination's key, enrolled in TOTP through the test client."""
    account = make_account(app, "coordinator", destinations=("hbo-ict",), kid=material.handlers["hbo-ict"].kid)
    log_in(client, clock, account)
    return account


@pytest.fixture
def case_id(app: Flask, client: FlaskClient, material: Any) -> str:
    """A case with a report, an attachment, a follow-up and a reply, in an inbox of many cases."""
    attachment = (io.BytesIO(b"bijlage"), "bewijs.txt", "text/plain")
    token = file_report(client, description=CANARY, attachments=attachment)
    assert client.post("/status/message", data={"token": token, "message": "Een aanvulling"}).status_code == 200
    session = app.extensions["hotline.sessionmaker"]()
    case = session.scalars(select(models.Case)).one()
    cases.add_reply(session, app.extensions["hotline.keyring"], case, material.handlers["hbo-ict"], REPLY)
    found: str = case.id
    for number in range(OTHER_CASES):
        add_case(session, "hbo-ict", case.received_on - dt.timedelta(days=number % 5), status=case.status)
    session.close()
    return found


def box(page: Any, selector: str) -> dict[str, float]:
    found = page.locator(selector).bounding_box()
    assert found, selector
    return dict(found)


def overflows(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth"))


def reload(page: Any) -> None:
    """Load the page again (the key kept for the session opens the case at once), to Tab from its start."""
    page.reload()
    page.wait_for_selector("[data-messages] [data-text]")


def tab_until(page: Any, selector: str, most: int) -> int:
    """Press Tab until the focused element matches the selector; return how many presses it took."""
    for presses in range(1, most + 1):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            return presses
    raise AssertionError(f"Tab did not reach {selector} in {most} presses")


def test_on_a_wide_screen_the_inbox_sits_beside_the_open_case(
    live_server: str,
    js_page: Any,
    axe_source: str,
    material: Any,
    clock: Clock,
    coordinator: Account,
    case_id: str,
    tmp_path: Path,
) -> None:
    page = js_page.page
    page.set_viewport_size({"width": 1280, "height": 900})
    key_file, _document = write_key_file(tmp_path, material.handlers["hbo-ict"])
    log_in_and_unlock(js_page, live_server, clock, coordinator, case_id, key_file)
    page.wait_for_selector("[data-messages] [data-text]")
    # The list of the inbox on the left, the case on the right, side by side.
    listed, shown = box(page, ".workspace__list"), box(page, ".workspace__case")
    assert listed["x"] + listed["width"] <= shown["x"] and listed["width"] < shown["width"] / 2
    assert listed["y"] < shown["y"] + shown["height"] and shown["y"] < listed["y"] + listed["height"]
    # In the case: the conversation first, its metadata in a column beside it.
    talk, meta = box(page, ".case-layout__conversation"), box(page, ".case-layout__meta")
    assert talk["x"] + talk["width"] <= meta["x"] and talk["width"] > meta["width"]
    assert box(page, "#reply-text")["x"] < meta["x"]
    # Every case of the page is in the list, the open one marked; the page stays short, whatever the inbox holds.
    assert page.locator(".case-list__link").count() == OTHER_CASES + 1
    current = page.locator('.case-list__link[aria-current="page"]')
    assert current.count() == 1 and case_id in current.text_content()
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 2400, height
    assert not overflows(page)
    # The keyboard reaches the case links from the top of the page, with a visible focus ring.
    reload(page)
    tab_until(page, ".case-list__link", 30)
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert ring not in ("none", ""), ring
    # The skip link leads past the list to the conversation, and on to the reply.
    reload(page)
    assert tab_until(page, 'a[href="#conversation"]', 5) <= 2  # right after the one to the content
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "conversation"
    tab_until(page, "#reply-text", 10)
    # axe finds nothing on the open case, nor on the other pages of the workspace.
    found = [f"case: {v}" for v in violations(page, axe_source)]
    for path in ("/casework/", "/casework/inbox/hbo-ict", "/casework/inbox/hbo-ict/access"):
        page.goto(f"{live_server}{path}")
        found += [f"{path}: {v}" for v in violations(page, axe_source)]
    assert not found, "axe violations:\n" + "\n".join(found)


def test_on_a_phone_the_inbox_and_the_case_stack_without_overflow(
    live_server: str,
    js_page: Any,
    axe_source: str,
    material: Any,
    clock: Clock,
    coordinator: Account,
    case_id: str,
    tmp_path: Path,
) -> None:
    page = js_page.page
    page.set_viewport_size({"width": 390, "height": 844})
    key_file, _document = write_key_file(tmp_path, material.handlers["hbo-ict"])
    log_in_and_unlock(js_page, live_server, clock, coordinator, case_id, key_file)
    page.wait_for_selector("[data-messages] [data-text]")
    listed, shown = box(page, ".workspace__list"), box(page, ".workspace__case")
    assert listed["y"] + listed["height"] <= shown["y"]
    talk, meta = box(page, ".case-layout__conversation"), box(page, ".case-layout__meta")
    assert talk["y"] + talk["height"] <= meta["y"]
    assert listed["height"] <= 844 * 0.45 + 1  # its cases scroll on their own rather than pushing the case away
    assert not overflows(page)
    for path in ("/casework/", "/casework/inbox/hbo-ict"):
        page.goto(f"{live_server}{path}")
        assert not overflows(page), path
    # In English too, and axe finds nothing on the open case.
    page.goto(f"{live_server}/lang/en?next=/casework/case/{case_id}")
    page.wait_for_selector("[data-messages] [data-text]")
    assert page.locator("html").get_attribute("lang") == "en" and not overflows(page)
    assert not violations(page, axe_source)
