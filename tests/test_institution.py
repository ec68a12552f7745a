"""The institution's own face (issue 12 part 2) and the NL Design System it is shown with (part 1)."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hotline import create_app, institution
from hotline.institution import InstitutionError

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "hotline" / "static" / "vendor"
EXAMPLE = tomllib.loads(institution.example_text())
# Pages a student reaches without a case, and the staff login: every one shows who runs the hotline.
PAGES = ["/", "/report", "/status", "/guide", "/info/discrimination", "/info/misuse", "/info/what-we-store"]


def example(**changes: Any) -> dict[str, Any]:
    data = json.loads(json.dumps(EXAMPLE))
    for dotted, value in changes.items():
        *path, last = dotted.split("__")
        target = data
        for part in path:
            target = target[part]
        if value is None:
            target.pop(last, None)
        else:
            target[last] = value
    data.pop("logo", None)
    return data


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_page_names_the_institution_and_a_person_to_reach(client: FlaskClient, path: str, language: str) -> None:
    body = client.get(f"{path}?lang={language}").get_data(as_text=True)
    assert f"data-institution-name>{EXAMPLE['name'][language]}<" in body
    assert EXAMPLE["about"][language] in body
    assert EXAMPLE["contact"]["phone"] in body and EXAMPLE["contact"]["hours"][language] in body
    adviser = EXAMPLE["confidential_adviser"]
    assert adviser["name"][language] in body and adviser["phone"] in body and adviser["email"] in body
    assert 'href="tel:0100000000"' in body


@pytest.mark.parametrize("language", ["nl", "en"])
def test_staff_pages_show_the_institution_too(client: FlaskClient, language: str) -> None:
    body = client.get(f"/casework/login?lang={language}").get_data(as_text=True)
    assert f"data-institution-name>{EXAMPLE['name'][language]}<" in body
    assert "/institution.css?v=" in body


def test_the_demo_and_the_tests_show_a_fictitious_hogeschool() -> None:
    assert "Zuiderpoort" in EXAMPLE["name"]["nl"]
    assert "verzonnen" in EXAMPLE["about"]["nl"] and "made-up" in EXAMPLE["about"]["en"]
    assert EXAMPLE["confidential_adviser"]["email"].endswith(".example")  # a reserved domain: reaches nobody


def write_instance_file(tmp_path: Path, text: str, logo: bytes | None = None, logo_name: str = "logo.svg") -> Path:
    folder = tmp_path / "own"
    folder.mkdir(exist_ok=True)
    if logo is not None:
        (folder / logo_name).write_bytes(logo)
    path = folder / "institution.toml"
    path.write_text(text, "utf-8")
    return path


OWN = """
logo = "logo.svg"
[name]
nl = "Hogeschool Noorderlicht"
en = "Noorderlicht University"
[about]
nl = "Dit meldpunt is van Hogeschool Noorderlicht."
en = "Noorderlicht University runs this hotline."
[colours]
primary = "#6A1B9A"
primary_text = "#ffffff"
accent = "#ffd54f"
ink = "#111111"
[contact]
email = "stagebureau@noorderlicht.example"
[contact.label]
nl = "Stagebureau"
en = "Placement office"
"""
LOGO = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><rect width="1" height="1"/></svg>'


@pytest.mark.app_config(INSTITUTION_FILE="set-below")
def test_an_instance_shows_its_own_name_logo_colours_and_contact(tmp_path: Path) -> None:
    path = write_instance_file(tmp_path, OWN, LOGO)
    app = create_app({"TESTING": True, "INSTITUTION_FILE": str(path), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    client = app.test_client()
    body = client.get("/guide").get_data(as_text=True)
    assert "Hogeschool Noorderlicht" in body and "Zuiderpoort" not in body
    assert "stagebureau@noorderlicht.example" in body and "Vertrouwenspersoon" not in body  # no adviser given
    tokens_link = re.search(r'href="(/institution\.css\?v=[0-9a-f]+)"', body)
    assert tokens_link, "every page links the institution's design tokens"
    css = client.get(tokens_link.group(1))
    assert css.mimetype == "text/css"
    assert "--meldpunt-color-primary: #6a1b9a;" in css.get_data(as_text=True)
    logo_link = re.search(r'src="(/institution-logo\?v=[0-9a-f]+)"', body)
    assert logo_link
    logo = client.get(logo_link.group(1))
    assert logo.data == LOGO and logo.mimetype == "image/svg+xml"
    logo.close()
    assert "default-src 'self'" in logo.headers["Content-Security-Policy"]  # the strict policy holds here too
    app.extensions["hotline.engine"].dispose()


def test_the_token_link_changes_when_the_colours_do(tmp_path: Path) -> None:
    one = institution.parse(example(), "x", None)
    other = institution.parse(example(colours__primary="#123456"), "x", None)
    assert one.version != other.version


def test_without_a_logo_the_name_stands_alone(client: FlaskClient, app: Flask) -> None:
    app.extensions["hotline.institution"] = institution.parse(example(), "x", None)
    assert "meldpunt-brand__logo" not in client.get("/").get_data(as_text=True)
    assert client.get("/institution-logo").status_code == 404


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"colours__primary": "#ffff00"},
            "colours.primary (links, buttons and the header band) has a contrast of 1.1:1",
        ),
        ({"colours__primary_text": "#0b5a66"}, "colours.primary_text"),
        ({"colours__ink": "#aaaaaa"}, "colours.ink (body text) has a contrast"),
        ({"colours__primary": "blue"}, 'must be a colour like "#0b5563"'),
        ({"colours__shade": "#000000"}, "unknown colour shade"),
        ({"colours": None}, "[colours] is missing"),
        ({"name__en": None}, "give [name] a Dutch (nl) and an English (en) text"),
        ({"about": None}, "give [about]"),
        ({"contact__phone": None}, "give [contact] a phone number or an e-mail address"),
        ({"contact": None}, "[contact] must be a table"),
    ],
)
def test_a_wrong_institution_file_is_refused_with_what_to_change(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InstitutionError) as raised:
        institution.parse(example(**changes), "institution.toml", None)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("name", "size", "message"),
    [
        ("logo.gif", 10, "must be an .svg or .png file"),
        ("logo.svg", institution.LOGO_MAX_BYTES + 1, "at most 200 KB"),
    ],
)
def test_a_wrong_logo_is_refused(tmp_path: Path, name: str, size: int, message: str) -> None:
    path = write_instance_file(tmp_path, OWN.replace("logo.svg", name), b"x" * size, name)
    with pytest.raises(InstitutionError, match=message):
        institution.load(path)


def test_a_missing_logo_file_is_refused(tmp_path: Path) -> None:
    path = write_instance_file(tmp_path, OWN)
    with pytest.raises(InstitutionError, match="no logo file logo.svg"):
        institution.load(path)


def test_serving_without_an_institution_file_is_refused(app: Flask, tmp_path: Path) -> None:
    app.config.update(TESTING=False, DEMO=False, INSTITUTION_FILE=tmp_path / "nowhere" / "institution.toml")
    with pytest.raises(InstitutionError, match="say which institution runs this hotline"):
        institution.require(app)
    app.config["DEMO"] = True  # a demo made before institution.toml existed shows the example
    institution.require(app)


def test_the_example_file_loads_with_its_logo(tmp_path: Path) -> None:
    path = institution.write_example(tmp_path)
    loaded = institution.load(path)
    assert loaded.logo is not None and loaded.logo.startswith(b"<svg")
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_contrast_is_the_wcag_ratio() -> None:
    assert institution.contrast("#000000", "#ffffff") == pytest.approx(21)
    assert institution.contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


# Part 1: the NL Design System, vendored and served from our own origin.


def test_pages_load_the_vendored_design_system_and_nothing_from_elsewhere(client: FlaskClient) -> None:
    response = client.get("/")
    body = response.get_data(as_text=True)
    sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', body)
    assert sheets[:2] == ["/static/vendor/nlds/utrecht-components.css", "/static/css/theme.css"]
    assert all(sheet.startswith("/") and not sheet.startswith("//") for sheet in sheets)
    for sheet in sheets:
        served = client.get(sheet)
        served.close()  # a static file's response holds the file open
        assert served.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "style-src 'self';" in csp and "unsafe-inline" not in csp
    assert 'style="' not in body


def test_the_vendored_css_is_pinned_and_licensed() -> None:
    css = (VENDOR / "nlds" / "utrecht-components.css").read_text("utf-8")
    package = json.loads((ROOT / "package.json").read_text("utf-8"))
    utrecht = {name: version for name, version in package["devDependencies"].items() if name.startswith("@utrecht/")}
    assert len(utrecht) >= 30
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", version) for version in utrecht.values()), "pinned, no ranges"
    readme = (VENDOR / "README.md").read_text("utf-8")
    for name, version in utrecht.items():
        assert f"/* {name} {version} (EUPL-1.2) */" in css
        assert f"| `{name}` | {version} | EUPL-1.2 |" in readme
    assert "EUROPEAN UNION PUBLIC LICENCE" in (VENDOR / "LICENSES" / "utrecht-components.LICENSE").read_text("utf-8")
    assert "@import" not in css and not re.search(r"url\(\s*['\"]?(?!data:)", css)
    for component in (
        "utrecht-alert--warning",
        "utrecht-button--primary-action",
        "utrecht-form-field-error-message",
        "utrecht-table__header-cell",
        "utrecht-skip-link",
        "utrecht-heading-1",
        "utrecht-radio-button",
    ):
        assert f".{component}" in css


def test_the_theme_defines_every_brand_token_the_institution_can_set() -> None:
    theme = (ROOT / "hotline" / "static" / "css" / "theme.css").read_text("utf-8")
    for token in institution.COLOURS:
        assert f"--meldpunt-color-{token.replace('_', '-')}:" in theme


def test_each_alert_kind_looks_different() -> None:
    """Info, good news, warning and error: each its own colours in the theme and its own symbol."""
    theme = (ROOT / "hotline" / "static" / "css" / "theme.css").read_text("utf-8")
    layout = (ROOT / "hotline" / "static" / "css" / "hotline.css").read_text("utf-8")
    backgrounds = {
        kind: re.search(rf"--utrecht-alert-{kind}-background-color: ([^;]+);", theme).group(1)
        for kind in ("info", "ok", "warning", "error")
    }  # type: ignore[union-attr]
    assert len(set(backgrounds.values())) == 4
    symbols = re.findall(r"\.utrecht-alert--(\w+) \.utrecht-alert__icon::before \{ content: \"([^\"]+)\"", layout)
    assert len({kind for kind, _ in symbols}) == 4 and len({symbol for _, symbol in symbols}) == 4


def test_the_skip_link_leads_to_the_main_content(client: FlaskClient) -> None:
    body = client.get("/").get_data(as_text=True)
    assert body.index('class="utrecht-skip-link') < body.index("<header")
    assert 'href="#main"' in body and '<main id="main"' in body


# Part 3: a lasting language choice only when the student asks for it.


def cookie_header(response: Any) -> str:
    return "; ".join(response.headers.getlist("Set-Cookie"))


def test_the_language_lasts_the_visit_unless_the_student_asks(client: FlaskClient, app: Flask) -> None:
    switched = client.get("/lang/en?next=/info/what-we-store")
    assert "lang=en" in cookie_header(switched) and "Max-Age" not in cookie_header(switched)
    page = client.get("/info/what-we-store").get_data(as_text=True)
    assert "data-remember-language" in page and "180 " in page
    remember = re.search(r'data-remember-language href="([^"]+)"', page).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    remembered = client.get(remember)
    assert remembered.status_code == 302 and remembered.headers["Location"] == "/info/what-we-store"
    assert "lang=en" in cookie_header(remembered) and f"Max-Age={180 * 86400}" in cookie_header(remembered)
    assert "SameSite=Strict" in cookie_header(remembered) and "HttpOnly" in cookie_header(remembered)
    page = client.get("/info/what-we-store").get_data(as_text=True)
    forget = re.search(r'data-forget-language href="([^"]+)"', page).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    forgotten = client.get(forget)
    assert "lang=;" in cookie_header(forgotten) and "Max-Age=0" in cookie_header(forgotten)
    assert '<html lang="nl">' in client.get("/").get_data(as_text=True)


@pytest.mark.app_config(LANGUAGE_REMEMBER_DAYS=30)
def test_how_long_a_remembered_language_lasts_is_a_setting(client: FlaskClient) -> None:
    assert f"Max-Age={30 * 86400}" in cookie_header(client.get("/lang/nl?remember=1"))
    assert "30" in client.get("/info/what-we-store").get_data(as_text=True)


def test_forgetting_the_language_goes_nowhere_else(client: FlaskClient) -> None:
    assert client.get("/lang/forget?next=//evil.example").headers["Location"] == "/"
