"""Parts rendered once per language and choice: never a form token, never another language or choice."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from conftest import REPORT, TOKEN_RE
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import Markup

from hotline.fragments import Fragments

FORM_TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def categories(page: str) -> str:
    """Return the category part of step one: from the group question to the rest of the step."""
    return page[page.index('id="group"') : page.index("data-step-rest")]


def test_every_visitor_gets_their_own_token_around_the_same_categories(app: Flask) -> None:
    first, second = (app.test_client().get("/report").get_data(as_text=True) for _ in range(2))
    tokens = [FORM_TOKEN.search(page) for page in (first, second)]
    assert tokens[0] and tokens[1] and tokens[0].group(1) != tokens[1].group(1)
    assert categories(first) == categories(second)
    kept = app.extensions["hotline.fragments"].parts
    assert kept and not any("csrf_token" in part or tokens[0].group(1) in part for part in kept.values())


def test_a_cached_part_is_kept_per_language(client: FlaskClient) -> None:
    assert "Afkomst of etniciteit" in client.get("/report").get_data(as_text=True)
    english = client.get("/report?lang=en").get_data(as_text=True)
    assert "Origin or ethnicity" in english and "Afkomst of etniciteit" not in english


def test_a_cached_part_is_kept_per_choice_and_error(client: FlaskClient) -> None:
    chosen = client.get("/report?category=misuse.tasks").get_data(as_text=True)
    assert re.search(r'value="misuse.tasks" id="category-misuse-tasks" checked', chosen)
    refused = client.get("/report?group=nonsense")
    assert refused.status_code == 400 and "Kies wat er is gebeurd." in refused.get_data(as_text=True)
    plain = client.get("/report").get_data(as_text=True)
    assert "checked" not in categories(plain) and "Kies wat er is gebeurd." not in plain


def test_a_part_with_a_form_token_field_is_refused() -> None:
    with pytest.raises(RuntimeError, match="form token"):
        Fragments().get(("step",), lambda: Markup('<input type="hidden" name="csrf_token" value="abc">'))


def test_the_language_switch_names_each_page_around_the_cached_header(client: FlaskClient) -> None:
    for path in ("/report", "/status", "/"):
        page = client.get(path).get_data(as_text=True)
        assert f"next={quote(path, safe='')}" in page or f"next={path}" in page
        assert page.count('class="meldpunt-nav"') == 1


def test_each_token_page_carries_its_own_token_and_status_form_token(app: Flask) -> None:
    pages = []
    for _ in range(3):  # the first fills the cache, the others are served from it
        response = app.test_client().post("/report/submit", data=REPORT, content_type="multipart/form-data")
        assert response.status_code == 201
        pages.append(response.get_data(as_text=True))
    assert len({TOKEN_RE.search(page).group(1) for page in pages if TOKEN_RE.search(page)}) == 3
    assert len({match.group(1) for page in pages if (match := FORM_TOKEN.search(page))}) == 3
    assert all("Bewaar deze code goed." in page and "Je melding is ontvangen" in page for page in pages)


def test_a_page_with_errors_is_rendered_afresh_and_nothing_typed_is_kept(app: Flask, client: FlaskClient) -> None:
    typed = {"category": "misuse.tasks", "programme": "typed-by-the-student", "sector": "x1", "phase": "y2"}
    page = client.post("/report/details", data=typed)
    assert page.status_code == 400 and "Kies je opleiding." in page.get_data(as_text=True)
    kept = app.extensions["hotline.fragments"].parts
    assert not any(value in repr(key) for key in kept for value in typed.values() if value != "misuse.tasks")
    chosen = client.get("/report?category=misuse.tasks").get_data(as_text=True)
    assert "Kies je opleiding." not in chosen and 'value="hbo-ict"' in chosen
