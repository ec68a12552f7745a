"""The guide "Waar kan ik terecht?": questions without JavaScript, doors with reasons, from data files."""

from __future__ import annotations

import html
import re
import tomllib
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

import hotline
from hotline import routing
from hotline.guide import advice, doors

HEADSCARF = {
    "category": "discrimination.religion",
    "phase": "search",
    "urgency": "over",
    "crime": "no",
    "wish": "action",
}
UNPAID_HOURS = {
    "category": "labour.working_hours",
    "phase": "during",
    "urgency": "ongoing",
    "crime": "no",
    "wish": "action",
}
DOOR = re.compile(r'<li data-door="([a-z_]+)">(.*?)</li>\s*(?=<li data-door|</ol>)', re.S)


def english(client: FlaskClient) -> FlaskClient:
    client.get("/lang/en?next=/guide")
    return client


def shown_doors(client: FlaskClient, answers: dict[str, str]) -> dict[str, str]:
    """Return door slug -> the text of its item, in the order shown."""
    response = client.get("/guide/advice", query_string=answers)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return {slug: html.unescape(body) for slug, body in DOOR.findall(response.get_data(as_text=True))}


def checked(body: str, name: str, value: str) -> bool:
    """Whether the page's radio button for this answer is checked, whatever the order of its attributes."""
    for tag in re.findall(r"<input\b[^>]*>", body):
        if f'name="{name}"' in tag and f'value="{value}"' in tag:
            return bool(re.search(r"\schecked\b", tag))
    return False


def why(item: str) -> str:
    match = re.search(r"<span data-why>(.*?)</span>", item, re.S)
    assert match
    return match.group(1).strip()


def test_headscarf_rejection_in_english_gives_the_discrimination_doors(client: FlaskClient) -> None:
    shown = shown_doors(english(client), HEADSCARF)
    assert list(shown) == ["hotline", "confidential_adviser", "discrimination_service", "college"]
    assert "Your programme's internship coordinator" in shown["hotline"]
    assert 'href="/report?category=discrimination.religion"' in shown["hotline"]
    assert "recruitment and selection of interns" in why(shown["college"])
    assert "cannot be anonymous" in why(shown["college"])
    assert "https://www.discriminatie.nl" in shown["discrimination_service"]


def test_headscarf_rejection_with_threats_adds_the_police(client: FlaskClient) -> None:
    shown = shown_doors(english(client), HEADSCARF | {"crime": "yes"})
    assert "criminal discrimination" in why(shown["police"])


def test_unpaid_hours_in_english_give_the_labour_doors_and_not_the_college(client: FlaskClient) -> None:
    shown = shown_doors(english(client), UNPAID_HOURS)
    assert list(shown) == ["hotline", "labour_inspectorate"]
    assert "Your programme's internship coordinator" in shown["hotline"]
    assert "The Netherlands Labour Authority" in shown["hotline"]
    assert "its own reporting channel" in shown["labour_inspectorate"]
    assert 'href="/report?category=labour.working_hours"' in shown["hotline"]


@pytest.mark.parametrize("answers", [HEADSCARF, UNPAID_HOURS], ids=["headscarf", "unpaid hours"])
def test_every_door_carries_its_reason(client: FlaskClient, answers: dict[str, str]) -> None:
    shown = shown_doors(english(client), answers)
    assert all(why(item) for item in shown.values())
    kinds = shown["hotline"].split("<li data-kind>")[1:]
    assert kinds and all(why(kind) for kind in kinds)


def test_immediate_danger_shows_112_first(client: FlaskClient) -> None:
    shown = shown_doors(client, UNPAID_HOURS | {"urgency": "danger"})
    assert list(shown)[0] == "emergency"
    assert "Bel eerst 112" in why(shown["emergency"])


def test_prefilled_link_preselects_the_category_on_the_report_form(client: FlaskClient) -> None:
    body = english(client).get("/report?category=discrimination.religion").get_data(as_text=True)
    assert checked(body, "category", "discrimination.religion")
    assert checked(body, "group", "discrimination")  # the report form opens the category's group
    live = re.sub(r"<template\b.*?</template>", "", body, flags=re.S)  # inert: a browser shows none of it
    ticked = [tag for tag in re.findall(r"<input\b[^>]*>", live) if re.search(r"\schecked\b", tag)]
    assert len(ticked) == 3 and checked(body, "phase", "")  # nothing else: the phase is "rather not say"


@pytest.mark.parametrize("category", ["nonsense", "discrimination.*", ""])
def test_an_unknown_category_on_the_report_form_is_ignored(client: FlaskClient, category: str) -> None:
    response = client.get("/report", query_string={"category": category})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert not [tag for tag in re.findall(r'<input\b[^>]*name="(?:category|group)"[^>]*>', body) if " checked" in tag]


@pytest.mark.parametrize("question", ["category", "phase", "urgency", "wish", "crime"])
def test_a_missing_answer_is_a_400_that_names_it_and_keeps_the_rest(client: FlaskClient, question: str) -> None:
    answers = {k: v for k, v in HEADSCARF.items() if k != question}
    response = english(client).get("/guide/advice", query_string=answers)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    asked = "group" if question == "category" else question  # without a category no group is open: ask that
    assert re.search(rf'aria-describedby="[^"]*\b{asked}-error"', body)
    assert re.search(rf'<(p|div) class="[^"]*\berror\b[^"]*" id="{asked}-error">Choose [^<]+</(p|div)>', body)
    assert f'href="#{asked}"' in body  # the error summary leads to it
    for other, value in answers.items():
        assert checked(body, other, value), other


def test_an_invalid_answer_is_a_400_in_dutch_by_default(client: FlaskClient) -> None:
    response = client.get("/guide/advice", query_string=HEADSCARF | {"urgency": "tomorrow"})
    assert response.status_code == 400
    assert "Kies hoe dringend het is." in response.get_data(as_text=True)


def test_the_questions_work_without_javascript(client: FlaskClient) -> None:
    first = client.get("/guide").get_data(as_text=True)
    assert '<form method="get" action="/guide">' in first  # "Verder" opens the chosen group's categories
    second = client.get("/guide?group=labour&step=group").get_data(as_text=True)
    assert '<form method="get" action="/guide/advice">' in second
    for body, questions in ((first, ("group",)), (second, ("group", "category"))):
        assert body.count("<fieldset") == body.count("<legend")  # every group of choices is named
        for question in (*questions, "phase", "urgency", "crime", "wish"):
            assert re.search(rf'<fieldset [^>]*id="{question}"', body), question
        assert "<script" not in body and " style=" not in body
        assert not re.search(r'(src|action)="(https?:)?//', body)


def category_radios(body: str) -> list[str]:
    return re.findall(r'<input\b[^>]*name="category"[^>]*value="([^"]+)"', body)


def test_the_guide_asks_the_group_first_and_then_only_its_categories(client: FlaskClient) -> None:
    first = client.get("/guide").get_data(as_text=True)
    assert len(re.findall(r'<input\b[^>]*name="group"', first)) == 4
    assert category_radios(first) == []  # no list of nineteen
    answers = {"group": "labour", "step": "group", "phase": "during", "wish": "action"}
    second = client.get("/guide", query_string=answers).get_data(as_text=True)
    assert category_radios(second) == [
        "labour.employee_replacement",
        "labour.underpayment",
        "labour.working_hours",
        "labour.unsafe",
    ]
    assert (
        checked(second, "group", "labour") and checked(second, "phase", "during") and checked(second, "wish", "action")
    )


def test_going_on_without_a_group_says_so_and_keeps_the_rest(client: FlaskClient) -> None:
    response = client.get("/guide", query_string={"step": "group", "phase": "search"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="group-error"' in body and 'href="#group"' in body and checked(body, "phase", "search")


def test_choosing_another_group_opens_it_without_an_error(client: FlaskClient) -> None:
    response = client.get("/guide/advice", query_string=HEADSCARF | {"group": "misuse"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "-error" not in body
    assert all(code.startswith("misuse.") for code in category_radios(body)) and category_radios(body)
    assert checked(body, "phase", HEADSCARF["phase"])


def test_changing_the_answers_opens_the_chosen_category_in_its_group(client: FlaskClient) -> None:
    body = client.get("/guide", query_string=HEADSCARF).get_data(as_text=True)
    assert checked(body, "group", "discrimination") and checked(body, "category", HEADSCARF["category"])
    assert all(code.startswith("discrimination.") for code in category_radios(body))


def test_advice_links_out_but_loads_nothing_from_another_host(client: FlaskClient) -> None:
    body = client.get("/guide/advice", query_string=HEADSCARF).get_data(as_text=True)
    assert not re.search(r'(src|action)="(https?:)?//', body)
    assert "<script" not in body and " style=" not in body
    external = re.findall(r'<a href="(https?://[^"]+)"([^>]*)>', body)
    assert external and all(url.startswith("https://") and "noreferrer" in rest for url, rest in external)


def test_home_page_and_nav_link_to_the_guide(client: FlaskClient) -> None:
    body = client.get("/").get_data(as_text=True)
    assert body.count('href="/guide"') >= 2


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    """The test app's instance folder, where routing.toml and guide.toml overrides live."""
    folder = tmp_path / "instance"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def overridden(instance: Path) -> Iterator[Path]:
    """Instance overrides, written before the app is made: a routing and a guide change."""
    (instance / "routing.toml").write_text(
        '[routes]\n"labour.*" = [{ kind = "programme", reason = "only the programme here" }]\n', "utf-8"
    )
    (instance / "guide.toml").write_text(
        """
[doors.ombudsman]
name = { nl = "Studentenombudsman", en = "Student ombudsman" }
description = { nl = "Onafhankelijk.", en = "Independent." }
url = "https://ombudsman.example.nl"

[[rules]]
door = "ombudsman"
group = ["labour"]
why = { nl = "Omdat het kan.", en = "Because it can help." }

[[rules]]
door = "hotline"
why = { nl = "Hier.", en = "Here." }
""",
        "utf-8",
    )
    yield instance


def test_doors_come_from_the_guide_and_routing_files(overridden: Path, client: FlaskClient) -> None:
    shown = shown_doors(english(client), UNPAID_HOURS)
    assert list(shown) == ["ombudsman", "hotline"]
    assert why(shown["ombudsman"]) == "Because it can help."
    assert "Your programme's internship coordinator" in shown["hotline"]
    assert "Labour Authority" not in shown["hotline"]


def test_a_malformed_guide_file_stops_the_app(app: Flask, instance: Path) -> None:
    (instance / "guide.toml").write_text('[[rules]]\ndoor = "nowhere"\nwhy = { nl = "x", en = "y" }\n', "utf-8")
    with pytest.raises(doors.GuideError, match="unknown door nowhere"):
        hotline.create_app({"TESTING": True})


def test_invalid_toml_in_the_guide_file_stops_the_app(app: Flask, instance: Path) -> None:
    (instance / "guide.toml").write_text("[doors\n", "utf-8")
    with pytest.raises(doors.GuideError, match="guide.toml"):
        hotline.create_app({"TESTING": True})


BROKEN: dict[str, Any] = {
    "an unknown answer": ({"door": "police", "urgency": ["someday"], "why": {"nl": "x", "en": "y"}}, "urgency must be"),
    "an unknown group": ({"door": "police", "group": ["sports"], "why": {"nl": "x", "en": "y"}}, "group must be"),
    "an unknown condition": ({"door": "police", "mood": ["sad"], "why": {"nl": "x", "en": "y"}}, "unknown condition"),
    "a reason without English": ({"door": "police", "why": {"nl": "x"}}, "English"),
}


@pytest.mark.parametrize(("rule", "message"), BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_rule_is_refused(rule: dict[str, Any], message: str) -> None:
    data = shipped()
    data["rules"] = [rule]
    with pytest.raises(doors.GuideError, match=message):
        doors.parse(data, routing.load())


def test_a_link_that_is_not_https_is_refused() -> None:
    data = shipped()
    data["doors"]["police"]["url"] = "http://www.politie.nl"
    with pytest.raises(doors.GuideError, match="https"):
        doors.parse(data, routing.load())


def test_every_destination_kind_needs_a_text() -> None:
    data = shipped()
    del data["kinds"]["di_office"]
    with pytest.raises(doors.GuideError, match="di_office"):
        doors.parse(data, routing.load())


def shipped() -> dict[str, Any]:
    """Return the shipped guide.toml, parsed, for a test to break."""
    return tomllib.loads(resources.files("hotline").joinpath("guide.toml").read_text("utf-8"))


def answers(**values: str) -> advice.Answers:
    result = advice.read_answers(HEADSCARF | values, routing.load().categories)
    assert not result.errors
    return result


def test_advise_picks_the_first_matching_rule_of_each_door() -> None:
    guide = doors.load(routing.load())
    chosen = advice.advise(guide, answers(wish="register"), "discrimination", [("programme", False)])
    college = next(a for a in chosen if a.door.slug == "college")
    assert "anoniem melden" in college.why["nl"]
    assert not any(a.door.slug == "police" for a in chosen)


def test_advise_lists_the_hotline_kinds_in_routing_order() -> None:
    guide = doors.load(routing.load())
    chosen = advice.advise(guide, answers(), "labour", [("labour_inspectorate", False), ("di_office", True)])
    hotline_door = next(a for a in chosen if a.door.this_hotline)
    assert [v.name["en"] for v in hotline_door.via] == [
        "The Netherlands Labour Authority",
        "The diversity and inclusion office",
    ]
    assert [v.optional for v in hotline_door.via] == [False, True]


def test_advise_leaves_out_the_hotline_when_it_cannot_take_the_category() -> None:
    guide = doors.load(routing.load())
    chosen = advice.advise(guide, answers(), "discrimination", [])
    assert "hotline" not in [a.door.slug for a in chosen]


def test_advise_for_danger_puts_112_first_whatever_the_group() -> None:
    guide = doors.load(routing.load())
    for group in ("discrimination", "harassment", "misuse", "labour"):
        chosen = advice.advise(guide, answers(urgency="danger"), group, [("programme", False)])
        assert chosen[0].door.slug == "emergency", group


def test_read_answers_keeps_the_valid_ones() -> None:
    read = advice.read_answers({"category": "misuse.tasks", "phase": "later", "wish": " register "}, ["misuse.tasks"])
    assert (read.category, read.phase, read.wish) == ("misuse.tasks", "", "register")
    assert set(read.errors) == {"phase", "urgency", "crime"}
