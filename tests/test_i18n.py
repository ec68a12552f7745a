"""Translations: every message has English, and the language switch is safe."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "hotline" / "translations" / "en.json"
TEMPLATE_CALL = re.compile(r'_\(\s*"((?:[^"\\]|\\.)*)"')
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
OTHER_CALL = re.compile(r'(?<![\w.])_\((?!\s*")')


def python_messages(path: Path) -> set[str]:
    """Return the literal first arguments of _() calls, adjacent literals joined by the parser."""
    messages = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_" and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                messages.add(first.value)
    return messages


def messages() -> dict[str, str]:
    """Return every translatable Dutch message, with one file it occurs in."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for match in TEMPLATE_CALL.finditer(path.read_text("utf-8")):
            found.setdefault(ast.literal_eval(f'"{match.group(1)}"'), str(path.relative_to(ROOT)))
    for path in sorted((ROOT / "hotline").rglob("*.py")):
        for message in python_messages(path):
            found.setdefault(message, str(path.relative_to(ROOT)))
    return found


def catalogue() -> dict[str, str]:
    data: dict[str, str] = json.loads(CATALOGUE.read_text("utf-8"))
    return data


def test_extraction_finds_messages_in_templates_and_python() -> None:
    found = messages()
    assert "In direct gevaar? Bel 112." in found  # base.html
    assert "Kies je opleiding." in found  # reports/forms.py
    assert "Er ging iets mis" in found  # errors.py


def test_every_call_names_its_message_literally() -> None:
    """A computed or single-quoted message would slip past the extraction, and so past translation."""
    odd = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "templates").rglob("*.html")
        if OTHER_CALL.search(p.read_text("utf-8"))
    ]
    for path in (ROOT / "hotline").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_":
                first = node.args[0] if node.args else None
                if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                    odd.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not odd, odd


def test_every_message_has_an_english_translation() -> None:
    english = catalogue()
    missing = sorted(f"{message!r} ({where})" for message, where in messages().items() if message not in english)
    assert not missing, "no English for:\n" + "\n".join(missing)
    assert all(english[message].strip() for message in messages())


def test_no_translation_is_stale() -> None:
    stale = sorted(set(catalogue()) - set(messages()))
    assert not stale, "en.json has unused entries:\n" + "\n".join(map(repr, stale))


@pytest.mark.parametrize("message", sorted(messages()))
def test_translation_keeps_the_placeholders(message: str) -> None:
    english = catalogue().get(message, "")
    assert set(PLACEHOLDER.findall(english)) == set(PLACEHOLDER.findall(message))


def test_catalogue_is_sorted_and_readable() -> None:
    english = catalogue()
    assert list(english) == sorted(english)
    assert CATALOGUE.read_text("utf-8") == json.dumps(english, ensure_ascii=False, indent=2) + "\n"
    assert "112" in english["In direct gevaar? Bel 112."]


def test_pages_are_dutch_by_default(client: FlaskClient) -> None:
    body = client.get("/").get_data(as_text=True)
    assert '<html lang="nl">' in body
    assert "In direct gevaar? Bel 112." in body


def test_language_switch_sets_a_strict_cookie_and_returns(client: FlaskClient) -> None:
    response = client.get("/lang/en?next=/report")
    assert response.status_code == 302
    assert response.headers["Location"] == "/report"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=en;")
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie


def test_report_page_renders_in_english_after_the_switch(client: FlaskClient) -> None:
    client.get("/lang/en?next=/report")
    body = client.get("/report").get_data(as_text=True)
    assert '<html lang="en">' in body
    assert catalogue()["Een melding doen"] in body
    assert "Origin or ethnicity" in body
    assert "Afkomst of etniciteit" not in body
    assert "In immediate danger? Call 112." in body


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example", "///evil.example", "/\t/evil.example", "evil.example"]
)
def test_language_switch_is_no_open_redirect(client: FlaskClient, target: str) -> None:
    response = client.get("/lang/en", query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/\\evil.example", "/\\/evil.example", "/%2F/evil.example"])
def test_language_switch_keeps_tricky_paths_on_this_site(client: FlaskClient, target: str) -> None:
    location = client.get("/lang/en", query_string={"next": target}).headers["Location"]
    # Browsers read a backslash as a slash: the path may only start with one slash and a safe character.
    assert re.match(r"^/(?![/\\\s])", location), location


def test_unknown_language_sets_no_cookie(client: FlaskClient) -> None:
    response = client.get("/lang/xx?next=/report")
    assert response.status_code == 302
    assert "Set-Cookie" not in response.headers
    assert '<html lang="nl">' in client.get("/report").get_data(as_text=True)


def test_programme_names_are_english_after_the_switch(client: FlaskClient) -> None:
    client.get("/lang/en?next=/report")
    body = client.get("/report").get_data(as_text=True)
    assert ">Nursing</option>" in body
    assert "Verpleegkunde" not in body
