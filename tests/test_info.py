"""Information pages: the recognition toolkit follows the routing, the transparency page follows the instance."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import RECOVERY_SLUG, DemoMaterial, publish
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy.orm import Session

from hotline import create_app, crypto, demo
from hotline.extensions import keyring, routing
from hotline.info import facts, toolkit
from hotline.keyring import key_list_path, write_json
from hotline.taxonomy import PHASES

REPORT_LINK = re.compile(r'<a href="(/report\?category=[^"]+)" data-report-category="([^"]+)">')
GROUNDS = (
    "origin",
    "religion",
    "sex",
    "sexual_orientation",
    "disability",
    "age",
    "nationality",
    "political_opinion",
    "civil_status",
    "working_hours",
)
MISUSE = ("supervision", "tasks", "hours", "regular_staff", "unpaid", "recognition")


def shipped() -> dict[str, Any]:
    return tomllib.loads(toolkit.source())


def report_links(body: str) -> list[tuple[str, str]]:
    return [(m.group(1).replace("&amp;", "&"), m.group(2)) for m in REPORT_LINK.finditer(body)]


def test_toolkit_lists_every_ground_and_misuse_item_with_advice(app: Flask) -> None:
    with app.app_context():
        loaded = toolkit.current()
    assert tuple(item.code for item in loaded.grounds) == GROUNDS
    assert tuple(item.code for item in loaded.misuse) == MISUSE
    for item in loaded.grounds + loaded.misuse:
        assert item.advice["nl"] and item.advice["en"] and item.example["nl"] and item.steps, item.code
    assert all(item.law for item in loaded.grounds)
    assert {phase.code for phase in loaded.phases} == set(PHASES)


@pytest.mark.parametrize(("url", "count"), [("/info/discrimination", len(GROUNDS)), ("/info/misuse", len(MISUSE))])
def test_every_item_links_to_the_report_form_with_a_known_category(
    app: Flask, client: FlaskClient, url: str, count: int
) -> None:
    links = report_links(client.get(url).get_data(as_text=True))
    assert len(links) == count
    for href, category in links:
        assert category in routing(app).categories
        assert parse_qs(urlsplit(href).query) == {"category": [category]}
        assert client.get(href).status_code == 200


def test_discrimination_page_shows_grounds_phases_and_where_to_go(client: FlaskClient) -> None:
    body = client.get("/info/discrimination").get_data(as_text=True)
    for code, names in PHASES.items():
        assert f'<h3 class="utrecht-heading-3" id="phase-{code}">{names["nl"]}</h3>' in body
    assert "Politieke overtuiging" in body and "Burgerlijke staat" in body
    assert "Algemene wet gelijke behandeling" in body
    assert 'href="https://www.discriminatie.nl/" rel="noopener noreferrer"' in body


HEADING = re.compile(r"<h([1-6])\b[^>]*>")
TOOLKIT_PAGES = ["/info/discrimination", "/info/misuse"]


def headings(body: str) -> list[int]:
    """Return the levels of the page's headings, in order."""
    return [int(level) for level in HEADING.findall(body)]


@pytest.mark.parametrize("url", TOOLKIT_PAGES)
def test_toolkit_headings_go_down_one_level_at_a_time(client: FlaskClient, url: str) -> None:
    levels = headings(client.get(url).get_data(as_text=True))
    assert levels[0] == 1 and levels.count(1) == 1
    for before, after in zip(levels, levels[1:], strict=False):
        assert after <= before + 1, f"h{before} is followed by h{after} in {levels}"
    assert 3 in levels


@pytest.mark.parametrize("url", TOOLKIT_PAGES)
def test_toolkit_pages_open_with_a_table_of_contents_of_their_sections(client: FlaskClient, url: str) -> None:
    body = client.get(url).get_data(as_text=True)
    main = body[body.index("<main") :]
    toc = main[main.index("<nav") : main.index("</nav>")]
    assert main.index("<nav") < main.index("<section")  # at the top, before the first section
    targets = re.findall(r'href="#([^"]+)"', toc)
    assert "what-to-do" in targets and len(targets) >= 3
    for target in targets:
        assert main.count(f'id="{target}"') == 1, target
        assert re.search(rf'<h[23] [^>]*id="{re.escape(target)}"', main), f"{target} is not a heading"


@pytest.mark.parametrize(("url", "items"), [("/info/discrimination", GROUNDS), ("/info/misuse", MISUSE)])
def test_what_each_step_means_is_said_once_and_each_item_links_to_it(
    app: Flask, client: FlaskClient, url: str, items: tuple[str, ...]
) -> None:
    body = client.get(url).get_data(as_text=True)
    with app.app_context():
        loaded = toolkit.current()
    named = [step for item in loaded.grounds + loaded.misuse if item.code in items for step in item.steps]
    for step in {step.code: step for step in named}.values():
        assert body.count(escape(step.text["nl"])) == 1, step.code
        assert body.count(f'id="step-{step.code}"') == 1, step.code
        if step.url:
            assert body.count(f'href="{step.url}"') == 1, step.code
    refs = re.findall(r"<ul[^>]*data-step-refs>(.*?)</ul>", body, re.S)
    assert len(refs) == len(items)
    for code, ref in zip(items, refs, strict=True):
        item = next(i for i in loaded.grounds + loaded.misuse if i.code == code)
        assert re.findall(r'href="#step-([a-z_]+)"', ref) == [step.code for step in item.steps]


def test_misuse_page_renders_in_english(client: FlaskClient) -> None:
    client.get("/lang/en?next=/info/misuse")
    body = client.get("/info/misuse").get_data(as_text=True)
    assert '<html lang="en">' in body
    assert "What counts as internship misuse?" in body
    assert "End product delivered without recognition" in body
    assert "Report it here, anonymously" in body
    assert "Eindproduct" not in body


def test_home_page_names_the_institution_and_opens_with_the_two_tasks(client: FlaskClient) -> None:
    body = client.get("/").get_data(as_text=True)
    main = body[body.index("<main") :]
    assert '<p class="utrecht-paragraph meldpunt-home-intro__by" data-institution-line>Een meldpunt van ' in main
    primary = main.index('href="/report" data-primary-action>Een melding doen</a>')
    follow = main.index('href="/status">Mijn melding volgen</a>')
    assert main.index("<h1") < primary < follow < main.index("<h2")  # both before anything else to read


def test_home_page_and_footer_link_the_info_pages(client: FlaskClient) -> None:
    body = client.get("/").get_data(as_text=True)
    for url in ("/info/discrimination", "/info/misuse", "/info/what-we-store"):
        assert body.count(f'href="{url}"') == 2  # the home page and the footer
    assert 'href="/info/what-we-store"' in client.get("/report").get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("misuse", 0, "category"), "misuse.nonsense", "category misuse.nonsense, which the routing"),
        (("grounds", 0, "steps"), ["write_down", "phone_a_friend"], "unknown steps: phone_a_friend"),
        (("phases", 0, "phase"), "afterwards", "phase afterwards is not a phase"),
        (("grounds", 0, "name"), {"nl": "Afkomst"}, "ground origin name needs a Dutch (nl) and an English (en)"),
        (("steps", "college", "url"), "http://www.mensenrechten.nl/", "links must start with https://"),
        (("steps", "college", "name"), {"nl": "Het College"}, "step college name needs a Dutch (nl) and an English"),
    ],
)
def test_toolkit_file_is_checked(app: Flask, path: tuple[Any, ...], value: Any, message: str) -> None:
    data = shipped()
    *parents, last = path
    target = data
    for key in parents:
        target = target[key]
    target[last] = value
    with pytest.raises(toolkit.ToolkitError, match=re.escape(message)):
        toolkit.parse(data, routing(app))


def test_app_does_not_start_with_a_toolkit_link_the_routing_does_not_know(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = toolkit.source().replace('category = "misuse.tasks"', 'category = "misuse.chores"')
    monkeypatch.setattr(toolkit, "source", lambda: broken)
    with pytest.raises(toolkit.ToolkitError, match="misuse.chores"):
        create_app({"TESTING": True})


def transparency(client: FlaskClient) -> str:
    response = client.get("/info/what-we-store")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_transparency_lists_destinations_and_key_holders_from_the_instance(
    client: FlaskClient, material: DemoMaterial
) -> None:
    body = transparency(client)
    for slug, name, _en, _kind in demo.DESTINATIONS:
        assert f'data-destination="{slug}"' in body and escape(name) in body
        assert escape(material.handlers[slug].name) in body
    assert "Nederlandse Arbeidsinspectie</strong> (Nederlandse Arbeidsinspectie)" in body
    assert 'data-recovery="off"' in body and "data-unverified" not in body
    assert 'data-retention-days="365"' in body and "binnen 7 dagen" in body and "binnen 3 maanden" in body


@pytest.mark.app_config(RETENTION_DAYS=30, ACK_DAYS=5, FEEDBACK_MONTHS=2)
def test_transparency_follows_the_retention_and_deadline_settings(client: FlaskClient) -> None:
    body = transparency(client)
    assert "wordt 30 dagen na het afsluiten verwijderd" in body
    assert "binnen 5 dagen" in body and "binnen 2 maanden" in body
    assert "365" not in body


def test_a_new_destination_appears_with_its_key_holders(
    app: Flask, client: FlaskClient, session: Session, material: DemoMaterial
) -> None:
    assert "Bedrijfskunde" not in transparency(client)
    demo.add_destination(session, "bedrijfskunde", "Bedrijfskunde", "programme", "Business Administration")
    newcomer = crypto.generate_key("Stagecoördinator Bedrijfskunde")
    publish(Path(app.config["KEYS_DIR"]), material, "bedrijfskunde", [newcomer.public])
    body = transparency(client)
    assert 'data-destination="bedrijfskunde"' in body
    assert "Stagecoördinator Bedrijfskunde" in body


def test_recovery_key_is_stated_when_configured(client: FlaskClient, recovery: crypto.PrivateKey) -> None:
    body = transparency(client)
    assert 'data-recovery="on"' in body and 'data-recovery="off"' not in body
    assert f'data-destination="{RECOVERY_SLUG}"' in body
    assert recovery.name in body
    assert "Herstelsleutel van de instelling" in body


def test_a_key_list_that_does_not_verify_is_marked(app: Flask, client: FlaskClient, material: DemoMaterial) -> None:
    impostor = crypto.generate_key("Niet de instelling")
    path = key_list_path(Path(app.config["KEYS_DIR"]), "social-work")
    write_json(path, crypto.sign_key_list(impostor.ed25519, "social-work", 2, [impostor.public]))
    body = transparency(client)
    entry = body.split('data-destination="social-work"', 1)[1].split("</li>", 1)[0]
    assert "data-unverified" in entry
    assert "Niet de instelling" not in body
    assert material.handlers["social-work"].name not in body
    assert body.count("data-unverified") == 1


def test_facts_are_plain_data_from_session_keyring_and_config(
    app: Flask, session: Session, recovery: crypto.PrivateKey
) -> None:
    settings = dict(app.config) | {"RETENTION_DAYS": 90, "TLS": True, "FORM_COOKIE_MINUTES": 20}
    found = facts.build(session, keyring(app), settings)
    assert found.retention_days == 90
    assert [(c.name, c.minutes) for c in found.cookies if c.purpose == "form"] == [
        ("__Secure-form-report", 20),
        ("__Secure-form-status", 20),
    ]
    assert {r.slug for r in found.destinations} == {slug for slug, *_rest in demo.DESTINATIONS}
    assert [(r.slug, r.holders, r.verified) for r in found.recovery] == [(RECOVERY_SLUG, (recovery.name,), True)]
    assert not session.dirty and not session.new  # a page view writes nothing


@pytest.mark.app_config(SMTP_PASSWORD="smtp-password-for-tests")
def test_transparency_page_shows_no_secrets(
    app: Flask, client: FlaskClient, material: DemoMaterial, recovery: crypto.PrivateKey
) -> None:
    body = transparency(client)
    for key in ("SECRET_KEY", "LOOKUP_PEPPER", "INSTANCE_SALT", "SMTP_PASSWORD"):
        assert str(app.config[key]) not in body, key
    for private in [material.institution, recovery, *material.handlers.values()]:
        for raw in (crypto.raw_private(private.x25519), crypto.raw_private(private.ed25519)):
            assert raw.hex() not in body and crypto.b64e(raw) not in body
    assert not re.search(r"\b[0-9a-f]{32,}\b", body), "no hex key ids, digests or salts"


@pytest.mark.parametrize("path", ["/", "/report", "/status", "/info/what-we-store", "/casework/login"])
def test_every_page_names_our_own_favicon(client: FlaskClient, path: str) -> None:
    page = client.get(path).get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page


def test_the_favicon_is_served_from_our_own_origin_as_svg(client: FlaskClient) -> None:
    response = client.get("/static/favicon.svg")
    data, status, mimetype = response.get_data(), response.status_code, response.mimetype
    response.close()  # a static file is streamed from disk
    assert status == 200 and mimetype == "image/svg+xml"
    assert b"<script" not in data and b"href" not in data  # an icon that loads nothing else


def test_what_we_store_says_who_can_read_the_own_copy(client: FlaskClient) -> None:
    body = client.get("/info/what-we-store").get_data(as_text=True)
    assert "data-own-copy" in body and "eigen kopie" in body and "persoonlijke code" in body
