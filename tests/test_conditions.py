"""The fair-conditions check: the terms held against the rules one by one, without an account, keeping nothing."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

import hotline
from hotline.extensions import routing
from hotline.norms import NormsError

FAIR = {
    "start": "1-2-2027",
    "end": "30-6-2027",
    "hours_per_week": "36",
    "longest_day": "8",
    "days_per_week": "5",
    "night_work": "no",
    "weekend_work": "no",
    "under_18": "no",
    "allowance": "600",
    "allowance_period": "month",
    "tasks": "Testen van de webapp en meedraaien in het team",
    "tasks_match": "yes",
    "learning_plan": "yes",
    "evaluations": "yes",
    "supervisor": "yes",
    "contact_moments": "3",
    "sector": "ict",
    "written_agreement": "yes",
    "parts": [
        "parties",
        "supervisors",
        "period",
        "hours",
        "allowance",
        "tasks",
        "learning_plan",
        "evaluation",
        "insurance",
        "confidentiality",
        "sick_leave",
        "termination",
        "extra_staff",
    ],
}


def check(client: FlaskClient, lang: str = "nl", **changes: Any) -> tuple[int, str]:
    """Post the fair terms with some answers changed (None: left empty); return the status and the page."""
    data = {k: v for k, v in (FAIR | changes).items() if v is not None}
    response = client.post(f"/check?lang={lang}", data=data)
    return response.status_code, response.get_data(as_text=True)


def finding(page: str, code: str) -> str:
    """Return the article of one rule's finding on the result page."""
    found = re.search(rf'<article[^>]*data-rule="{re.escape(code)}"[^>]*>.*?</article>', page, re.S)
    assert found, f"no finding for {code}"
    return found.group(0)


def outcomes(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-rule="([^"]+)" data-outcome="([^"]+)"', page))


def test_the_check_needs_no_account_and_says_nothing_is_kept(client: FlaskClient) -> None:
    response = client.get("/check")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "bewaren we niet en komt in geen logboek" in page
    assert 'action="/check"' in page and 'action="/check/read"' in page
    assert "Set-Cookie" not in response.headers  # no form token, no session: nothing to tie a visit to


def test_a_fair_agreement_passes_every_rule(client: FlaskClient) -> None:
    status, page = check(client)
    assert status == 200
    found = outcomes(page)
    assert found and set(found.values()) == {"ok"}, found
    assert "working-time.adult.shift" in found and "allowance.minimum" in found and "sham-internship" in found
    assert "0 problemen, 0 punten om op te letten" in page
    assert "Niet nagekeken" not in page and "data-report-link" not in page


def test_full_time_unpaid_without_a_learning_plan_shows_sham_signals_and_the_minimum_wage(client: FlaskClient) -> None:
    status, page = check(client, hours_per_week="45", allowance="0", learning_plan="no")
    assert status == 200
    sham = finding(page, "sham-internship")
    assert "er zijn geen leerdoelen" in sham
    assert "€\xa014,71" in sham and "€\xa02.868,45" in sham  # 45 h × €14.71 × 52/12, the minimum wage per month
    assert "Nederlandse Arbeidsinspectie" in sham
    link = re.search(r'data-report-link href="([^"]+)"', sham).group(1)  # type: ignore[union-attr]
    assert link == "/report?category=labour.employee_replacement"
    assert "labour_inspectorate" in [
        r.kind for r in routing(client.application).rules_for("labour.employee_replacement")
    ]
    assert outcomes(page)["allowance.minimum"] == "problem"


def test_two_signals_make_it_a_problem(client: FlaskClient) -> None:
    _status, page = check(client, learning_plan="no", staff_signals=["rostered"])
    assert outcomes(page)["sham-internship"] == "problem"
    assert "2 signalen van een schijnstage" in finding(page, "sham-internship")


def test_a_17_year_old_on_night_shifts_is_told_it_is_not_allowed_with_the_source(client: FlaskClient) -> None:
    _status, page = check(client, under_18="yes", night_work="yes")
    night = finding(page, "night.minors")
    assert 'data-outcome="problem"' in night
    assert "Nachtdiensten zijn voor jou niet toegestaan" in night
    assert (
        "https://www.rijksoverheid.nl/onderwerpen/werktijden/vraag-en-antwoord/hoeveel-mogen-jongeren-van-16-en-17-jaar-werken"
        in night
    )
    assert "nagekeken op 4 december 2026" in night
    assert "working-time.adult.shift" not in outcomes(page)  # the rules for adults do not apply


def test_every_finding_names_its_source_and_what_to_do(client: FlaskClient) -> None:
    _status, page = check(client, hours_per_week="61", longest_day="12:01", contact_moments="1")
    for code in ("working-time.adult.week", "working-time.adult.shift", "contact.programme"):
        article = finding(page, code)
        assert "Bron:" in article and "Wat je kunt doen:" in article
    assert "12 uur en 1 minuut" in finding(page, "working-time.adult.shift")
    assert "61 uur" in finding(page, "working-time.adult.week")


@pytest.mark.parametrize(
    ("code", "changes", "category"),
    [
        ("working-time.adult.shift", {"longest_day": "13"}, "labour.working_hours"),
        ("supervision.host", {"supervisor": "no"}, "misuse.supervision"),
        ("learning.tasks", {"tasks_match": "no"}, "misuse.tasks"),
        ("contact.programme", {"contact_moments": "1"}, "misuse.contact"),
    ],
)
def test_a_problem_links_to_the_report_form_with_its_category_and_nothing_typed(
    client: FlaskClient, code: str, changes: dict[str, str], category: str
) -> None:
    _status, page = check(client, **changes)
    links = re.findall(r'data-report-link href="([^"]+)"', finding(page, code))
    assert links == [f"/report?category={category}"]
    report = client.get(links[0]).get_data(as_text=True)
    assert re.search(rf'value="{re.escape(category)}"[^>]*checked|checked[^>]*value="{re.escape(category)}"', report)


def test_the_report_links_carry_none_of_the_answers(client: FlaskClient) -> None:
    _status, page = check(client, hours_per_week="50", allowance="0", learning_plan="no", supervisor="no")
    links = re.findall(r'data-report-link href="([^"]+)"', page)
    assert links
    assert all(re.fullmatch(r"/report\?category=[a-z_.]+", link) for link in links)


def test_an_error_keeps_every_answer_and_says_what_is_wrong(client: FlaskClient) -> None:
    status, page = check(client, hours_per_week="veertig", staff_signals=["rostered"], sector="healthcare")
    assert status == 422
    assert 'href="#hours_per_week"' in page and "Schrijf de uren als 40, 37,5 of 37:30." in page
    assert 'value="veertig"' in page
    assert FAIR["tasks"] in page
    assert re.search(r'value="rostered" id="staff_signals-rostered" checked', page)
    assert re.search(r'value="yes" id="learning_plan-yes" checked', page)
    assert re.search(r'<option value="healthcare" selected>', page)
    assert 'value="1-2-2027"' in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"end": "1-1-2027"}, "end", "De einddatum ligt voor de begindatum."),
        ({"start": "31-2-2027"}, "start", "Schrijf een datum als 1-2-2027."),
        ({"longest_day": "25"}, "longest_day", "Een dag heeft hoogstens 24 uur."),
        ({"hours_per_week": "8", "longest_day": "9"}, "longest_day", "langer zijn dan je uren per week"),
        ({"days_per_week": "8"}, "days_per_week", "Vul een getal in van 1 tot en met 7."),
        ({"allowance": "vijfhonderd"}, "allowance", "Schrijf het bedrag als 500 of 4,50."),
        ({"allowance_period": None}, "allowance_period", "Kies waar het bedrag voor is"),
        ({"night_work": "misschien"}, "night_work", "Kies een van de antwoorden."),
        ({"sector": "space"}, "sector", "Kies een van de antwoorden."),
        ({"tasks": "x" * 2001}, "tasks", "hoogstens 2000 tekens"),
    ],
)
def test_bad_input_is_a_422_with_the_error_at_its_field(
    client: FlaskClient, changes: dict[str, Any], field: str, message: str
) -> None:
    status, page = check(client, **changes)
    assert status == 422
    assert f'href="#{field}"' in page and message in page
    assert f'id="{field}-error"' in page


def test_an_empty_form_asks_for_at_least_one_answer(client: FlaskClient) -> None:
    response = client.post("/check", data={})
    assert response.status_code == 422
    assert "Vul minstens één vraag in" in response.get_data(as_text=True)


def test_unanswered_questions_are_named_not_guessed(client: FlaskClient) -> None:
    _status, page = check(client, under_18=None, supervisor=None)
    assert "Niet nagekeken" in page
    unanswered = re.search(r"data-unanswered>(.*?)</p>", page, re.S).group(1)  # type: ignore[union-attr]
    assert "Jonger dan 18" in unanswered and "Begeleider bij de stagebieder" in unanswered
    assert "working-time.adult.shift" not in outcomes(page) and "supervision.host" not in outcomes(page)


@pytest.mark.parametrize(
    ("allowance", "period", "outcome"),
    [
        ("500", "month", "ok"),
        ("499,99", "month", "attention"),
        ("115,39", "week", "ok"),
        ("3,21", "hour", "ok"),
        ("3,20", "hour", "attention"),
        ("0", "month", "problem"),
    ],
)
def test_the_allowance_is_compared_per_month_whatever_its_period(
    client: FlaskClient, allowance: str, period: str, outcome: str
) -> None:
    _status, page = check(client, allowance=allowance, allowance_period=period)
    assert outcomes(page)["allowance.minimum"] == outcome


def test_the_result_is_in_english_on_request(client: FlaskClient) -> None:
    _status, page = check(client, lang="en", under_18="yes", night_work="yes")
    assert "Night shifts are not allowed for you." in finding(page, "night.minors")
    assert "checked on 4 December 2026" in finding(page, "night.minors")
    assert "Source:" in page and "What you can do:" in page
    english = client.get("/check?lang=en").get_data(as_text=True)
    assert "Check your internship conditions" in english and "Hours a week" in english


@pytest.mark.parametrize("url", ["/", "/guide", "/info/misuse"])
def test_the_check_is_linked_from_home_the_guide_and_the_toolkit(client: FlaskClient, url: str) -> None:
    assert 'href="/check"' in client.get(url).get_data(as_text=True)


def test_the_result_prints_with_its_sources(app: Flask, client: FlaskClient) -> None:
    _status, page = check(client, hours_per_week="45", allowance="0", learning_plan="no")
    assert "css/check.css" in page and "meldpunt-no-print" in page
    css = (Path(app.static_folder or "") / "css" / "check.css").read_text("utf-8")
    assert "@media print" in css and "size: A4" in css
    assert page.count("data-source") == len(outcomes(page))


def loosening(tmp_path: Path) -> Path:
    path = tmp_path / "norms-loose.toml"
    path.write_text("[figures.adult_shift_hours]\nvalue = 13\n", "utf-8")
    return path


def test_the_app_refuses_to_start_with_norms_that_loosen_the_law(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOTLINE_NORMS_FILE", str(loosening(tmp_path)))
    monkeypatch.setenv("HOTLINE_INSTANCE", str(tmp_path))
    with pytest.raises(NormsError, match="adult_shift_hours may be at most 12"):
        hotline.create_app({"TESTING": True, "KEYS_DIR": str(tmp_path)})


def test_hotline_run_says_why_it_will_not_start(runner: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("werkzeug.serving.run_simple", pytest.fail)  # never start a server here
    result = runner("run", env={"HOTLINE_NORMS_FILE": str(loosening(tmp_path))})
    assert result.exit_code != 0
    assert "loosens what the law sets" in result.output and "adult_shift_hours" in result.output


def test_an_institution_may_tighten_a_legal_rule(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (Path(app.instance_path) / "norms.toml").write_text("[figures.adult_shift_hours]\nvalue = 10\n", "utf-8")
    monkeypatch.delenv("HOTLINE_NORMS_FILE", raising=False)
    tightened = hotline.create_app({"TESTING": True})
    status, page = check(tightened.test_client(), longest_day="10:01")
    assert status == 200, page[:3000]
    assert outcomes(page)["working-time.adult.shift"] == "problem"
    tightened.extensions["hotline.engine"].dispose()


def test_a_rule_must_report_under_a_category_the_routing_knows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "norms.toml"
    path.write_text('[rules."contact.programme"]\ncategory = "misuse.nowhere"\n', "utf-8")
    monkeypatch.setenv("HOTLINE_NORMS_FILE", str(path))
    monkeypatch.setenv("HOTLINE_INSTANCE", str(tmp_path))
    with pytest.raises(NormsError, match="misuse.nowhere"):
        hotline.create_app({"TESTING": True, "KEYS_DIR": str(tmp_path)})


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_the_check_works_with_csrf_on_and_no_cookie(client: FlaskClient) -> None:
    status, page = check(client)
    assert status == 200 and "data-summary" in page
