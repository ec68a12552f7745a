"""Translations: every message has English, no visible text escapes gettext, the language switch is safe."""

from __future__ import annotations

import ast
import io
import re
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po, write_po
from flask import Flask
from flask.testing import FlaskClient

from hotline.i18n import gettext

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "hotline" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
TEMPLATE_CALL = re.compile(r'_\(\s*"((?:[^"\\]|\\.)*)"')
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
OTHER_CALL = re.compile(r'(?<![\w.])_\((?!\s*")')
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
LETTERS = re.compile(r"[^\W\d_]")
# Attributes a browser shows or reads aloud; value only on buttons made of an <input>.
SHOWN_ATTRIBUTES = {"title", "alt", "placeholder", "label", "aria-label", "aria-description", "aria-valuetext"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


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


def read_catalogue() -> Catalog:
    with CATALOGUE.open("rb") as f:
        return read_po(f)


def catalogue() -> dict[str, str]:
    """Return the English catalogue: Dutch message -> translation."""
    return {m.id: m.string for m in read_catalogue() if m.id and isinstance(m.id, str) and isinstance(m.string, str)}


def test_extraction_finds_messages_in_templates_and_python() -> None:
    found = messages()
    assert "In direct gevaar? Bel 112." in found  # base.html
    assert "Kies je opleiding." in found  # reports/forms.py
    assert "Er ging iets mis" in found  # errors.py


def test_pybabel_extract_finds_the_same_messages() -> None:
    """babel.cfg is what translators run `pybabel extract` with: it must see every message."""
    method_map, options_map = parse_mapping_cfg(io.StringIO((ROOT / "babel.cfg").read_text("utf-8")))
    extracted = {message for _file, _line, message, *_rest in extract_from_dir(ROOT, method_map, options_map)}
    assert extracted == set(messages())


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
    missing = sorted(f"{message!r} ({where})" for message, where in messages().items() if not english.get(message))
    assert not missing, "no English in messages.po for:\n" + "\n".join(missing)
    assert all(english[message].strip() for message in messages())


def test_no_translation_is_fuzzy() -> None:
    """The build leaves fuzzy entries out, so a fuzzy guess would show up as Dutch."""
    fuzzy = [m.id for m in read_catalogue() if m.id and m.fuzzy]
    assert not read_catalogue().fuzzy
    assert not fuzzy, fuzzy


def test_no_translation_is_stale() -> None:
    stale = sorted(set(catalogue()) - set(messages()))
    assert not stale, "messages.po has unused entries:\n" + "\n".join(map(repr, stale))


@pytest.mark.parametrize("message", sorted(messages()))
def test_translation_keeps_the_placeholders(message: str) -> None:
    english = catalogue().get(message, "")
    assert set(PLACEHOLDER.findall(english)) == set(PLACEHOLDER.findall(message))


def test_placeholders_are_flagged_python_format() -> None:
    unflagged = [m.id for m in read_catalogue() if m.id and PLACEHOLDER.search(str(m.id)) and not m.python_format]
    assert not unflagged, unflagged


def test_catalogue_is_sorted_and_as_pybabel_writes_it() -> None:
    """The workflow in docs/translating.md rewrites the file byte for byte: no noise in reviews."""
    english = read_catalogue()
    ids = [str(m.id) for m in english if m.id]
    assert ids == sorted(ids)
    written = io.BytesIO()
    write_po(written, english, width=0, sort_output=True, include_lineno=False)
    assert CATALOGUE.read_bytes() == written.getvalue()
    assert "112" in catalogue()["In direct gevaar? Bel 112."]


def test_the_installed_package_has_the_compiled_catalogue() -> None:
    """The build compiles the .mo (setup.py); it holds exactly what the .po says."""
    compiled = resources.files("hotline").joinpath("translations", "en", "LC_MESSAGES", "messages.mo")
    assert compiled.is_file(), "no messages.mo: reinstall with `pip install -e .` to compile the catalogue"
    with compiled.open("rb") as f:
        from_mo = {m.id: m.string for m in read_mo(f) if m.id}
    assert from_mo == catalogue(), "messages.mo is older than messages.po: run `pip install -e .` again"


class VisibleText(HTMLParser):
    """Collect the text a template shows that is not a Jinja expression (so not wrapped in _())."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, bool]] = []  # tag, and whether its text is exempt
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        for name, value in attrs:
            button = tag == "input" and named.get("type") in ("submit", "button", "reset")
            shown = name in SHOWN_ATTRIBUTES or (name == "value" and button)
            if shown and value and LETTERS.search(value):
                self.found.append(f"line {self.getpos()[0]}: {tag}[{name}]={value!r}")
        if tag not in VOID:
            # Text marked with its own language (the language switch) and commands in <code> stay as written.
            exempt = "lang" in named or tag in ("code", "script", "style") or any(e for _t, e in self.open)
            self.open.append((tag, exempt))

    def handle_endtag(self, tag: str) -> None:
        while self.open and self.open.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        exempt = any(e for _t, e in self.open)
        if not exempt and LETTERS.search(data):
            self.found.append(f"line {self.getpos()[0]}: {data.strip()!r}")


def bare_text(template: str) -> list[str]:
    """Return the text a template shows outside {{ }}, {% %} and {# #}, with its line."""
    parser = VisibleText()
    # Jinja blocks become blank lines, so only the literal HTML text is left, on its own line numbers.
    parser.feed(JINJA.sub(lambda m: "\n" * m.group().count("\n"), template))
    parser.close()
    return parser.found


@pytest.mark.parametrize("path", sorted((ROOT / "templates").rglob("*.html")), ids=lambda p: p.name)
def test_templates_show_no_text_outside_gettext(path: Path) -> None:
    found = bare_text(path.read_text("utf-8"))
    assert not found, f"{path.relative_to(ROOT)}: wrap in _() and translate:\n" + "\n".join(found)


def test_the_text_check_catches_bare_text() -> None:
    template = '<p>{{ _("Melden") }}</p>\n<p>Opslaan</p><a lang="en">English</a><img alt="Logo"><code>hotline x</code>'
    assert bare_text(template) == ["line 2: 'Opslaan'", "line 2: img[alt]='Logo'"]
    assert bare_text('<input type="submit" value="Opslaan"><button value="reply">{{ _("Versturen") }}</button>') == [
        "line 1: input[value]='Opslaan'"
    ]


def test_gettext_works_outside_a_request(app: Flask) -> None:
    assert gettext("Ontvangen") == "Ontvangen"
    with app.app_context():
        assert gettext("%(name)s is leeg.", name="a.pdf") == "a.pdf is leeg."


def test_pages_are_dutch_by_default(client: FlaskClient) -> None:
    body = client.get("/").get_data(as_text=True)
    assert '<html lang="nl">' in body
    assert "In direct gevaar? Bel 112." in body
    assert 'lang="en" hreflang="en">English</a>' in body


def test_language_switch_sets_a_strict_cookie_and_returns(client: FlaskClient) -> None:
    response = client.get("/lang/en?next=/report")
    assert response.status_code == 302
    assert response.headers["Location"] == "/report"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=en;")
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert "Max-Age" not in cookie and "Expires" not in cookie  # for the visit only, by default


@pytest.mark.app_config(LANGUAGE_COOKIE_DAYS=365)
def test_the_language_is_remembered_longer_only_where_configured(client: FlaskClient) -> None:
    cookie = client.get("/lang/en?next=/report").headers["Set-Cookie"]
    assert "Max-Age=31536000" in cookie and "Expires" not in cookie  # a date would give the second of the switch


def test_report_page_renders_in_english_after_the_switch(client: FlaskClient) -> None:
    client.get("/lang/en?next=/report")
    body = client.get("/report").get_data(as_text=True)
    assert '<html lang="en">' in body
    assert catalogue()["Een melding doen"] in body
    assert "Origin or ethnicity" in body
    assert "Afkomst of etniciteit" not in body
    assert "In immediate danger? Call 112." in body
    assert 'lang="nl" hreflang="nl">Nederlands</a>' in body


def test_language_in_the_url_needs_no_cookie(client: FlaskClient) -> None:
    response = client.get("/report?lang=en")
    assert "lang=" not in response.headers.get("Set-Cookie", "")
    assert '<html lang="en">' in response.get_data(as_text=True)
    assert '<html lang="nl">' in client.get("/report?lang=xx").get_data(as_text=True)


def test_each_request_chooses_its_own_language(app: Flask, client: FlaskClient) -> None:
    with app.app_context():  # requests then share one g, where Flask-Babel keeps the locale
        assert '<html lang="en">' in client.get("/?lang=en").get_data(as_text=True)
        assert '<html lang="nl">' in client.get("/").get_data(as_text=True)


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
