"""Loading the norms: the shipped norms.toml, and an instance override that may tighten the law but not loosen it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from test_norms_rules import NORMS, H, finding, terms

from hotline import norms_file
from hotline.norms import ATTENTION, OK, PROBLEM, Euros, NormsError, Terms

# An added rule, complete; tests leave out or change one line of it.
ADDED_RULE = """
[figures.institution_week_hours]
value = 32
unit = "hours"
bound = "max"
source = "lsvb"

[rules."institution.week-hours"]
check = "at_most"
field = "hours_per_week"
figure = "institution_week_hours"
severity = "attention"
category = "misuse.workload"
title = { nl = "Uren per week bij deze instelling", en = "Hours a week at this institution" }
text.ok = { nl = "{value} per week is niet meer dan {limit}.", en = "{value} a week is no more than {limit}." }
text.attention = { nl = "{value} per week is meer dan {limit}.", en = "{value} a week is more than {limit}." }
action = { nl = "Spreek minder uren af.", en = "Agree fewer hours." }
"""


def write(tmp_path: Path, text: str) -> Path:
    """Write an override file and return its path."""
    path = tmp_path / "norms.toml"
    path.write_text(text, encoding="utf-8")
    return path


def outcome(code: str, changed: Terms, norms: Any = NORMS) -> str | None:
    found = finding(code, changed, norms)
    return None if found is None else found.outcome


def test_the_shipped_norms_load_with_a_source_for_every_rule_and_figure() -> None:
    assert len(NORMS.rules) == 23
    assert {r.source for r in NORMS.rules.values()} | {f.source for f in NORMS.figures.values()} <= set(NORMS.sources)
    assert all(isinstance(s.checked, dt.date) for s in NORMS.sources.values())
    assert all({"nl", "en"} <= r.title.keys() and {"nl", "en"} <= r.action.keys() for r in NORMS.rules.values())


def test_an_absent_override_leaves_the_shipped_norms(tmp_path: Path) -> None:
    assert norms_file.load(tmp_path / "norms.toml") == NORMS


def test_tightening_the_adult_shift_to_10_hours_is_accepted_and_counts(tmp_path: Path) -> None:
    norms = norms_file.load(write(tmp_path, "[figures.adult_shift_hours]\nvalue = 10\n"))
    eleven_hours = terms(longest_day=11 * H)
    assert outcome("working-time.adult.shift", eleven_hours) == OK
    assert outcome("working-time.adult.shift", eleven_hours, norms) == PROBLEM
    assert outcome("working-time.adult.shift", terms(longest_day=10 * H), norms) == OK


def test_raising_the_minimum_wage_is_accepted_and_counts(tmp_path: Path) -> None:
    norms = norms_file.load(write(tmp_path, "[figures.minimum_wage_hour]\nvalue = 15.00\n"))
    found = finding("sham-internship", terms(hours_per_week=45 * H, supervisor=False), norms)
    assert found is not None
    assert found.values["wage"] == Euros(Decimal("15.00"))
    assert found.values["owed"] == Euros(Decimal("2925.00"))  # 45 h × €15 × 52 / 12


def test_shortening_the_span_of_an_average_is_accepted_and_counts(tmp_path: Path) -> None:
    norms = norms_file.load(write(tmp_path, "[figures.weeks_4]\nvalue = 3\n"))
    three_weeks = terms(hours_per_week=55 * H + 1, start=dt.date(2027, 2, 1), end=dt.date(2027, 2, 21))
    assert outcome("working-time.adult.4-weeks", three_weeks) is None
    assert outcome("working-time.adult.4-weeks", three_weeks, norms) == PROBLEM


def test_raising_a_legal_rules_severity_is_accepted(tmp_path: Path) -> None:
    override = '[rules."working-time.weekly-rest"]\nseverity = "problem"\n'
    override += 'text.problem = { nl = "Te veel werkdagen.", en = "Too many working days." }\n'
    norms = norms_file.load(write(tmp_path, override))
    assert outcome("working-time.weekly-rest", terms(days_per_week=7), norms) == PROBLEM


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ("[figures.adult_shift_hours]\nvalue = 13", "figure adult_shift_hours may be at most 12 (the law), not 13"),
        ("[figures.minimum_wage_hour]\nvalue = 14.00", "figure minimum_wage_hour may be at least 14.71"),
        ("[figures.sham_signals]\nvalue = 3", "figure sham_signals may be at most 2"),
        ("[figures.weeks_16]\nvalue = 52", "figure weeks_16 may be at most 16"),
        ("[figures.adult_week_hours]\nlegal = false\nvalue = 80", "figure adult_week_hours is legal"),
        ("[figures.minor_shift_hours]\nbound = 'min'", "figure minor_shift_hours is legal"),
        ('[rules."working-time.adult.shift"]\nenabled = false', "rule working-time.adult.shift is legal: it cannot be"),
        ('[rules."night.minors"]\nlegal = false', "rule night.minors is legal: it cannot be switched off"),
        (
            '[rules."working-time.adult.shift"]\nseverity = "attention"',
            "working-time.adult.shift is legal: its severity",
        ),
        ('[rules."working-time.weekly-rest"]\nseverity = "ok"', "working-time.weekly-rest is legal: its severity"),
        (
            '[rules."working-time.adult.shift"]\nfield = "hours_per_week"',
            "working-time.adult.shift is legal: its field",
        ),
        ('[rules."night.shift"]\nfigure = "adult_shift_hours"', "rule night.shift is legal: its figure"),
        ('[rules."night.average"]\nwhen = [{ field = "under_18", is = false }]', "night.average is legal: its when"),
        ('[rules."working-time.adult.4-weeks"]\nspan = "weeks_16"', "adult.4-weeks is legal: its span"),
        ('[rules."sham-internship"]\nsignals = ["no_agreement"]', "sham-internship is legal: its signals"),
        ('[rules."sham-internship"]\nwage = "allowance_month"', "sham-internship is legal: its wage"),
        (
            '[rules."night.minors".outcomes]\ntrue = "attention"',
            "night.minors is legal: the answer true stays at least",
        ),
        ('[rules."working-time.sunday".outcomes]\ntrue = "ok"', "working-time.sunday is legal: the answer true"),
        (
            "[signals.no_learning_supervision]\nwhen = [{ field = 'tasks_match', is = 'no' }]",
            "signal no_learning_super",
        ),
    ],
)
def test_loosening_what_the_law_sets_is_refused_and_named(tmp_path: Path, override: str, named: str) -> None:
    with pytest.raises(NormsError, match="loosens what the law sets") as refused:
        norms_file.load(write(tmp_path, override + "\n"))
    assert named in str(refused.value)
    assert str(tmp_path / "norms.toml") in str(refused.value)


@pytest.mark.parametrize(
    ("override", "code", "changed", "before", "after"),
    [
        ("[figures.allowance_month]\nvalue = 600", "allowance.minimum", terms(allowance=Decimal(550)), OK, ATTENTION),
        (
            "[figures.agreement_week_hours]\nvalue = 45",
            "agreement.week-hours",
            terms(hours_per_week=45 * H),
            ATTENTION,
            OK,
        ),
        (
            '[rules."contact.programme"]\nenabled = false',
            "contact.programme",
            terms(contact_moments=0),
            ATTENTION,
            None,
        ),
        (
            '[rules."learning.tasks".outcomes]\nno = "attention"',
            "learning.tasks",
            terms(tasks_match="no"),
            PROBLEM,
            ATTENTION,
        ),
        (
            '[rules."working-time.adult.shift"]\ntitle = { nl = "Dienst", en = "Shift" }',
            "working-time.adult.shift",
            terms(longest_day=13 * H),
            PROBLEM,
            PROBLEM,
        ),
    ],
    ids=["allowance 600", "agreement 45 h", "contact off", "non-legal answer", "legal rule's title"],
)
def test_an_institution_changes_its_own_settings_freely(
    tmp_path: Path, override: str, code: str, changed: Terms, before: str, after: str | None
) -> None:
    norms = norms_file.load(write(tmp_path, override + "\n"))
    assert outcome(code, changed) == before
    assert outcome(code, changed, norms) == after
    assert (code in norms.rules) is (after is not None)


def test_an_added_rule_with_an_existing_check_kind_works(tmp_path: Path) -> None:
    norms = norms_file.load(write(tmp_path, ADDED_RULE))
    assert list(norms.rules)[-1] == "institution.week-hours"
    assert norms.rules["institution.week-hours"].source == "lsvb"  # taken from its figure
    assert outcome("institution.week-hours", terms(hours_per_week=32 * H), norms) == OK
    assert outcome("institution.week-hours", terms(hours_per_week=32 * H + 1), norms) == ATTENTION
    assert len(norms.rules) == len(NORMS.rules) + 1


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("[rules\ncheck = 1", "norms.toml"),
        ('[rules."agreement.week-hours"]\ncheck = "between"', "check must be one of at_most, at_least"),
        ('[rules."agreement.week-hours"]\nfield = "salary"', "agreement.week-hours reads an unknown field 'salary'"),
        ('[rules."contact.programme"]\nwhen = [{ field = "age", is = 20 }]', "a condition names a field of the terms"),
        ('[rules."contact.programme"]\nwhen = [{ field = "sector", in = "ict" }]', "a condition has one of is, has"),
        ('[rules."agreement.week-hours"]\nfigure = "week_hours"', "names an unknown figure 'week_hours'"),
        ('[rules."contact.programme"]\nsource = "cao"', "rule contact.programme names an unknown source 'cao'"),
        (
            "[sources.cao]\ntitle = { nl = 'Cao', en = 'Collective agreement' }",
            "source cao needs the date it was checked",
        ),
        ("[sources.cao]\nchecked = 2026-12-04\ntitle = { nl = 'Cao' }", "source cao needs a Dutch (nl) and an English"),
        ("[figures.full_time_hours]\nvalue = 'veertig'", "figure full_time_hours needs a value of 0 or more"),
        ("[figures.full_time_hours]\nunit = 'days'", "figure full_time_hours needs a unit"),
        ('[rules."learning.tasks".outcomes]\nno = "fatal"', "a severity is ok, attention or problem"),
        ('[rules."working-time.sunday".outcomes]\ntrue = "problem"', "working-time.sunday, text.problem needs a Dutch"),
        ('[rules."contact.programme".text.ok]\nen = "{salary} a month"', "text.ok (en) names salary"),
        (
            '[rules."sector.care"]\ncheck = "answer"\nfield = "tasks_match"\noutcomes = { yes = "ok", no = "problem" }',
            "outcomes must give every answer an outcome; missing partly",
        ),
        (
            '[rules."contact.programme"]\ncheck = "answer"\noutcomes = { 3 = "ok" }',
            "an answer rule reads a yes/no or choice field, not contact_moments",
        ),
    ],
)
def test_a_malformed_override_is_refused_with_a_clear_message(tmp_path: Path, override: str, message: str) -> None:
    with pytest.raises(NormsError) as refused:
        norms_file.load(write(tmp_path, override + "\n"))
    assert message in str(refused.value)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('text.attention = { nl = "{value} per week is meer dan {limit}.", ', "text.attention = { ", "text.attention"),
        ('title = { nl = "Uren per week bij deze instelling", ', "title = { ", "title needs a Dutch"),
        ('figure = "institution_week_hours"\n', 'source = "lsvb"\n', "check at_most needs figure"),
        ('field = "hours_per_week"\n', "", "check at_most needs field"),
        ('check = "at_most"', 'check = "average_at_most"', "needs span"),
        ('check = "at_most"', 'check = "answer"', "needs outcomes"),
    ],
    ids=["no nl text", "no nl title", "no figure", "no field", "average without span", "answer without outcomes"],
)
def test_an_incomplete_added_rule_is_refused(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in ADDED_RULE
    with pytest.raises(NormsError) as refused:
        norms_file.load(write(tmp_path, ADDED_RULE.replace(old, new)))
    assert message in str(refused.value)


def test_an_added_rule_without_a_source_is_refused(tmp_path: Path) -> None:
    rule = """
[rules."institution.supervisor"]
check = "answer"
field = "supervisor"
outcomes = { true = "ok", false = "attention" }
category = "misuse.supervision"
title = { nl = "Begeleider", en = "Supervisor" }
text.ok = { nl = "Je hebt een begeleider.", en = "You have a supervisor." }
text.attention = { nl = "Je hebt geen begeleider.", en = "You have no supervisor." }
action = { nl = "Vraag om een begeleider.", en = "Ask for a supervisor." }
"""
    with pytest.raises(NormsError, match="rule institution.supervisor needs a source"):
        norms_file.load(write(tmp_path, rule))
    norms = norms_file.load(write(tmp_path, rule + 'source = "agreement"\n'))
    assert outcome("institution.supervisor", terms(supervisor=False), norms) == ATTENTION
