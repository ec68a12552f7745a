"""The command line starts both sides: init migrates the portal's database, run serves it, demo fills it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client

from hotline.portal import demo as portal_demo


def test_init_migrates_the_portal_database_too(
    app: Flask, runner: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOTLINE_PORTAL_DATABASE_URL", f"sqlite:///{tmp_path / 'portal-init.sqlite3'}")
    result = runner("init")
    assert result.exit_code == 0, result.output
    assert "portal database ready" in result.output and (tmp_path / "portal-init.sqlite3").exists()


def test_run_serves_the_portal_under_its_path(portal: Flask, runner: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    served: dict[str, Any] = {}
    monkeypatch.setattr("werkzeug.serving.run_simple", lambda *args, **options: served.update(args=args))
    result = runner("run", "--port", "5056")
    assert result.exit_code == 0, result.output
    assert "portal" in result.output and ":5056/portal/" in result.output
    wsgi = served["args"][2]
    assert isinstance(wsgi, DispatcherMiddleware) and set(wsgi.mounts) == {"/portal"}
    assert Client(wsgi).get("/portal/login").status_code == 200


def test_run_without_a_portal_secret_serves_the_hotline_and_says_why(
    runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HOTLINE_PORTAL_SECRET_KEY", raising=False)
    served: dict[str, Any] = {}
    monkeypatch.setattr("werkzeug.serving.run_simple", lambda *args, **options: served.update(args=args))
    result = runner("run")
    assert result.exit_code == 0, result.output
    assert "the portal is not served" in result.output and "HOTLINE_PORTAL_SECRET_KEY" in result.output
    assert not isinstance(served["args"][2], DispatcherMiddleware)


def test_demo_makes_a_portal_with_a_login_for_every_role(runner: Any, demo_env: dict[str, Any]) -> None:
    result = runner("demo", env=demo_env)
    assert result.exit_code == 0, result.output
    logins = dict(re.findall(r"^    (\S+)\s+(\S+)  \((?:student|supervisor|office|host): ", result.output, re.M))
    assert set(logins) == set(portal_demo.PEOPLE)
    instance = Path(demo_env["HOTLINE_INSTANCE"])
    assert (instance / "portal.sqlite3").exists() and (instance / "portal-demo.json").exists()
    from hotline.portal import create_portal_app

    with pytest.MonkeyPatch.context() as patch:
        for name, value in demo_env.items():
            if value is None:
                patch.delenv(name, raising=False)
            else:
                patch.setenv(name, value)
        patch.delenv("HOTLINE_PORTAL_SECRET_KEY", raising=False)
        patch.delenv("HOTLINE_PORTAL_DATABASE_URL", raising=False)
        portal = create_portal_app({"WTF_CSRF_ENABLED": False, "PATH": "/"})  # the form token: test_portal.py
    client = portal.test_client()
    for username, password in logins.items():
        client.post("/logout")
        assert client.post("/login", data={"username": username, "password": password}).status_code == 302, username
        if username == portal_demo.INTERNSHIP[0]:  # four weeks in, a check-in every two weeks: two are due
            assert client.get("/supervision/check-ins").get_data(as_text=True).count("data-checkin=") == 2
        if username == portal_demo.INTERNSHIP[1]:
            assert portal_demo.PEOPLE[portal_demo.INTERNSHIP[0]][1] in client.get("/supervision/mine").get_data(
                as_text=True
            )
    assert "student2 is 4 weeks into an internship" in result.output
    portal.extensions["portal.engine"].dispose()
