"""The `hotline handler` and `hotline audit` commands, and the demo's staff accounts."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from conftest import Account, Clock, DemoMaterial, log_in
from flask import Flask
from sqlalchemy import select

from hotline import create_app, db, demo
from hotline.models import Handler

Runner = Callable[..., Result]
PASSWORD_LINE = re.compile(r"Initial password \(shown once, hand it over in person\): ([a-z2-7-]+)")


def one_error(result: Result, text: str) -> None:
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hotline: error: ") and text in lines[0], result.output


def test_handler_add_prints_a_working_password_once(
    app: Flask, runner: Runner, clock: Clock, material: DemoMaterial
) -> None:
    kid = material.handlers["hbo-ict"].kid
    result = runner("handler", "add", "Sam", "--name", "Sam de Vries", "--destination", "hbo-ict", "--kid", kid[:10])
    assert result.exit_code == 0, result.output
    match = PASSWORD_LINE.search(result.output)
    assert match and result.output.count(match.group(1)) == 1
    listed = runner("handler", "list").output
    assert match.group(1) not in listed and "$argon2id$" not in listed
    assert re.search(rf"^sam\s+handler\s+not enrolled\s+{kid[:16]}\s+hbo-ict$", listed, re.M)
    with app.app_context():
        handler_id = db.get_session().scalars(select(Handler.id).where(Handler.username == "sam")).one()
    response = log_in(app.test_client(), clock, Account(handler_id, "sam", match.group(1)))
    assert response.headers["Location"].endswith("/casework/")


def test_handler_add_an_admin_without_destinations(runner: Runner) -> None:
    result = runner("handler", "add", "it-beheer", "--name", "IT", "--role", "admin")
    assert result.exit_code == 0 and PASSWORD_LINE.search(result.output)
    assert re.search(r"^it-beheer\s+admin\s+not enrolled\s+-\s+-$", runner("handler", "list").output, re.M)


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("--destination", "hbo-ict", "--kid", "0" * 64), "not in the verified key list of hbo-ict"),
        (("--destination", "hbo-ict"), "needs the key id"),
        (("--kid", "abcdef12"), "needs at least one destination"),
        (("--destination", "nowhere", "--kid", "abcdef12"), "no destination nowhere"),
        (("--role", "admin", "--destination", "hbo-ict"), "admins never see cases"),
    ],
)
def test_handler_add_refuses_in_one_line(runner: Runner, args: tuple[str, ...], text: str) -> None:
    one_error(runner("handler", "add", "kim", "--name", "Kim", *args), text)


def test_handler_add_refuses_a_kid_of_another_destination(runner: Runner, material: DemoMaterial) -> None:
    kid = material.handlers["arbeidsinspectie"].kid
    result = runner("handler", "add", "kim", "--name", "Kim", "--destination", "hbo-ict", "--kid", kid)
    one_error(result, "not in the verified key list of hbo-ict")


def test_handler_add_refuses_a_kid_that_another_account_holds(runner: Runner, material: DemoMaterial) -> None:
    kid = material.handlers["hbo-ict"].kid
    assert runner("handler", "add", "sam", "--name", "Sam", "--destination", "hbo-ict", "--kid", kid).exit_code == 0
    result = runner("handler", "add", "shadow", "--name", "S", "--destination", "hbo-ict", "--kid", kid[:8])
    one_error(result, f"key {kid[:16]} already belongs to the account sam")


def test_handler_add_refuses_a_taken_username(runner: Runner) -> None:
    assert runner("handler", "add", "kim", "--name", "Kim", "--role", "admin").exit_code == 0
    one_error(runner("handler", "add", "KIM", "--name", "Kim 2", "--role", "admin"), "already exists")


def test_handler_deactivate_and_the_audit_trail(runner: Runner) -> None:
    runner("handler", "add", "kim", "--name", "Kim", "--role", "admin")
    assert runner("handler", "deactivate", "kim").output == "deactivated kim\n"
    assert re.search(r"^kim\s+admin\s+inactive", runner("handler", "list").output, re.M)
    one_error(runner("handler", "deactivate", "nobody"), "no account nobody")
    lines = runner("audit").output.splitlines()
    assert [line.split()[3] for line in lines] == ["handler_deactivated", "handler_created"]  # newest first
    assert all(re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\dZ  cli ", line) for line in lines)  # to the minute
    assert len(runner("audit", "--limit", "1").output.splitlines()) == 1


def test_audit_on_an_empty_log(runner: Runner) -> None:
    assert runner("audit").output == "no audit events\n"


def test_demo_makes_an_admin_and_a_handler_per_destination(
    runner: Runner, demo_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = runner("demo", env=demo_env)
    assert result.exit_code == 0, result.output
    printed = dict(re.findall(r"^  ([a-z-]+)\s+([a-z2-7]{4}(?:-[a-z2-7]{4}){5})  \(", result.output, re.M))
    assert set(printed) == {demo.ADMIN} | {slug for slug, *_rest in demo.DESTINATIONS}
    for name, value in demo_env.items():
        if value:
            monkeypatch.setenv(name, value)
        else:
            monkeypatch.delenv(name, raising=False)
    app = create_app()
    with app.app_context():
        handlers = {h.username: h for h in db.get_session().scalars(select(Handler))}
        instance = Path(demo_env["HOTLINE_INSTANCE"])
        for slug, *_rest in demo.DESTINATIONS:
            key_file = json.loads((instance / demo.DEMO_KEYS / f"{slug}.key.json").read_text("utf-8"))
            assert handlers[slug].kid == key_file["kid"] and [d.slug for d in handlers[slug].destinations] == [slug]
        assert handlers[demo.ADMIN].role == "admin" and handlers[demo.ADMIN].kid is None
    app.extensions["hotline.engine"].dispose()
    again = runner("demo", "--reset", env=demo_env)
    assert again.exit_code == 0 and printed[demo.ADMIN] not in again.output
