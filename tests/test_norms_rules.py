"""The norms engine rule by rule: each outcome at its boundary, what an unanswered field does, and purity."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from hotline import norms_file
from hotline.norms import (
    ATTENTION,
    OK,
    PROBLEM,
    UNCHECKED,
    Euros,
    Finding,
    Hours,
    Norms,
    Terms,
    evaluate,
    monthly,
    worst,
)

NORMS = norms_file.load(None)
H = 60  # minutes in an hour: durations in Terms are minutes
FEB = dt.date(2027, 2, 1)
FOUR_WEEKS = {"start": FEB, "end": dt.date(2027, 2, 28)}  # 28 days, both ends included
UNDER_FOUR_WEEKS = {"start": FEB, "end": dt.date(2027, 2, 27)}
SIXTEEN_WEEKS = {"start": FEB, "end": dt.date(2027, 5, 23)}  # 112 days
UNDER_SIXTEEN_WEEKS = {"start": FEB, "end": dt.date(2027, 5, 22)}
MINOR = {"under_18": True}
HEALTHCARE = {"sector": "healthcare"}

# Every field answered so that every rule is ok; each test changes one thing.
FAIR: dict[str, Any] = {
    "start": FEB,
    "end": dt.date(2027, 6, 30),
    "hours_per_week": 40 * H,
    "longest_day": 8 * H,
    "days_per_week": 5,
    "night_work": False,
    "weekend_work": False,
    "under_18": False,
    "allowance": Decimal("600"),
    "allowance_period": "month",
    "tasks": "Testen en documenteren van de webapp",
    "tasks_match": "yes",
    "staff_signals": frozenset(),
    "learning_plan": True,
    "evaluations": True,
    "supervisor": True,
    "contact_moments": 3,
    "sector": "ict",
    "written_agreement": True,
    "parts": frozenset(NORMS.parts),
}


def terms(**changes: Any) -> Terms:
    """Return the fair terms with these changes."""
    return Terms(**{**FAIR, **changes})


def finding(code: str, changed: Terms, norms: Norms = NORMS) -> Finding | None:
    """Return what one rule says about the terms, or None when the rule does not apply."""
    found = [f for f in evaluate(changed, norms) if f.rule.code == code]
    assert len(found) <= 1
    return found[0] if found else None


ADULT_RULES = [
    "working-time.adult.shift",
    "working-time.adult.week",
    "working-time.adult.4-weeks",
    "working-time.adult.16-weeks",
    "working-time.weekly-rest",
    "working-time.sunday",
    "agreement.week-hours",
    "allowance.minimum",
    "sham-internship",
    "supervision.host",
    "learning.tasks",
    "learning.plan",
    "learning.evaluation",
    "agreement.contents",
    "contact.programme",
]
MINOR_RULES = [
    "working-time.weekly-rest",
    "working-time.sunday",
    "night.minors",
    "working-time.minor.shift",
    "working-time.minor.week",
    "working-time.minor.4-weeks",
    *ADULT_RULES[6:],
]
HEALTHCARE_RULES = [*ADULT_RULES, "healthcare.allowance", "healthcare.warning-signs"]


@pytest.mark.parametrize(
    ("changes", "codes"),
    [({}, ADULT_RULES), (MINOR, MINOR_RULES), (HEALTHCARE, HEALTHCARE_RULES)],
    ids=["adult", "16 or 17", "healthcare"],
)
def test_a_fair_agreement_passes_every_rule_that_applies(changes: dict[str, Any], codes: list[str]) -> None:
    findings = evaluate(terms(**changes), NORMS)
    assert [f.rule.code for f in findings] == codes
    assert [f.outcome for f in findings] == [OK] * len(codes)
    assert worst(findings) == OK


def case(label: str, code: str, outcome: str, **changes: Any) -> Any:
    return pytest.param(code, changes, outcome, id=f"{code} {outcome} {label}")


CASES = [
    case("12 h", "working-time.adult.shift", OK, longest_day=12 * H),
    case("12 h 1 min", "working-time.adult.shift", PROBLEM, longest_day=12 * H + 1),
    case("60 h", "working-time.adult.week", OK, hours_per_week=60 * H),
    case("60 h 1 min", "working-time.adult.week", PROBLEM, hours_per_week=60 * H + 1),
    case("55 h", "working-time.adult.4-weeks", OK, hours_per_week=55 * H, **FOUR_WEEKS),
    case("55 h 1 min", "working-time.adult.4-weeks", PROBLEM, hours_per_week=55 * H + 1, **FOUR_WEEKS),
    case("48 h", "working-time.adult.16-weeks", OK, hours_per_week=48 * H, **SIXTEEN_WEEKS),
    case("48 h 1 min", "working-time.adult.16-weeks", PROBLEM, hours_per_week=48 * H + 1, **SIXTEEN_WEEKS),
    case("6 days", "working-time.weekly-rest", OK, days_per_week=6),
    case("7 days", "working-time.weekly-rest", ATTENTION, days_per_week=7),
    case("no weekend", "working-time.sunday", OK, weekend_work=False),
    case("weekend", "working-time.sunday", ATTENTION, weekend_work=True),
    case("no nights", "night.minors", OK, night_work=False, **MINOR),
    case("nights", "night.minors", PROBLEM, night_work=True, **MINOR),
    case("10 h", "night.shift", OK, night_work=True, longest_day=10 * H),
    case("10 h 1 min", "night.shift", ATTENTION, night_work=True, longest_day=10 * H + 1),
    case("40 h", "night.average", OK, night_work=True, hours_per_week=40 * H),
    case("40 h 1 min", "night.average", ATTENTION, night_work=True, hours_per_week=40 * H + 1),
    case("9 h", "working-time.minor.shift", OK, longest_day=9 * H, **MINOR),
    case("9 h 1 min", "working-time.minor.shift", PROBLEM, longest_day=9 * H + 1, **MINOR),
    case("45 h", "working-time.minor.week", OK, hours_per_week=45 * H, **MINOR),
    case("45 h 1 min", "working-time.minor.week", PROBLEM, hours_per_week=45 * H + 1, **MINOR),
    case("40 h", "working-time.minor.4-weeks", OK, hours_per_week=40 * H, **MINOR, **FOUR_WEEKS),
    case("40 h 1 min", "working-time.minor.4-weeks", PROBLEM, hours_per_week=40 * H + 1, **MINOR, **FOUR_WEEKS),
    case("40 h", "agreement.week-hours", OK, hours_per_week=40 * H),
    case("40 h 1 min", "agreement.week-hours", ATTENTION, hours_per_week=40 * H + 1),
    case("€500 at 36 h", "allowance.minimum", OK, allowance=Decimal("500"), hours_per_week=36 * H),
    case("€499.99 at 36 h", "allowance.minimum", ATTENTION, allowance=Decimal("499.99"), hours_per_week=36 * H),
    case("none at 36 h", "allowance.minimum", PROBLEM, allowance=None, allowance_period="none", hours_per_week=36 * H),
    case("no signals", "sham-internship", OK),
    case("1 signal", "sham-internship", ATTENTION, supervisor=False),
    case("2 signals", "sham-internship", PROBLEM, supervisor=False, written_agreement=False),
    case("a supervisor", "supervision.host", OK, supervisor=True),
    case("no supervisor", "supervision.host", PROBLEM, supervisor=False),
    case("yes", "learning.tasks", OK, tasks_match="yes"),
    case("partly", "learning.tasks", ATTENTION, tasks_match="partly"),
    case("no", "learning.tasks", PROBLEM, tasks_match="no"),
    case("a plan", "learning.plan", OK, learning_plan=True),
    case("no plan", "learning.plan", PROBLEM, learning_plan=False),
    case("evaluated", "learning.evaluation", OK, evaluations=True),
    case("not evaluated", "learning.evaluation", ATTENTION, evaluations=False),
    case("every part", "agreement.contents", OK),
    case("a part missing", "agreement.contents", ATTENTION, parts=frozenset(NORMS.parts) - {"insurance"}),
    case("no agreement", "agreement.contents", PROBLEM, written_agreement=False),
    case("3", "contact.programme", OK, contact_moments=3),
    case("2", "contact.programme", ATTENTION, contact_moments=2),
    case("€358", "healthcare.allowance", OK, allowance=Decimal("358"), **HEALTHCARE),
    case("€357.99", "healthcare.allowance", ATTENTION, allowance=Decimal("357.99"), **HEALTHCARE),
    case("no signs", "healthcare.warning-signs", OK, **HEALTHCARE),
    case("6 days", "healthcare.warning-signs", ATTENTION, days_per_week=6, **HEALTHCARE),
]


@pytest.mark.parametrize(("code", "changes", "outcome"), CASES)
def test_each_rule_gives_its_outcome_at_the_boundary(code: str, changes: dict[str, Any], outcome: str) -> None:
    found = finding(code, terms(**changes))
    assert found is not None
    assert found.outcome == outcome
    assert found.missing == ()
    assert outcome in found.rule.text  # the check has a message for what it says


def unanswered(label: str, code: str, missing: tuple[str, ...], **changes: Any) -> Any:
    return pytest.param(code, changes, missing, id=f"{code} {label}")


UNANSWERED = [
    unanswered("age", "working-time.adult.shift", ("under_18",), under_18=None),
    unanswered("longest day", "working-time.adult.shift", ("longest_day",), longest_day=None),
    unanswered("hours", "working-time.adult.week", ("hours_per_week",), hours_per_week=None),
    unanswered("start", "working-time.adult.4-weeks", ("start",), start=None),
    unanswered("end", "working-time.adult.16-weeks", ("end",), end=None),
    unanswered("days", "working-time.weekly-rest", ("days_per_week",), days_per_week=None),
    unanswered("weekend", "working-time.sunday", ("weekend_work",), weekend_work=None),
    unanswered("nights", "night.minors", ("night_work",), night_work=None, **MINOR),
    unanswered("age", "night.minors", ("under_18",), under_18=None),
    unanswered("nights", "night.shift", ("night_work",), night_work=None),
    unanswered("hours", "night.average", ("hours_per_week",), night_work=True, hours_per_week=None),
    unanswered("longest day", "working-time.minor.shift", ("longest_day",), longest_day=None, **MINOR),
    unanswered("hours", "working-time.minor.week", ("hours_per_week",), hours_per_week=None, **MINOR),
    unanswered("period", "working-time.minor.4-weeks", ("start", "end"), start=None, end=None, **MINOR),
    unanswered("hours", "agreement.week-hours", ("hours_per_week",), hours_per_week=None),
    unanswered("amount", "allowance.minimum", ("allowance",), allowance=None),
    unanswered("period", "allowance.minimum", ("allowance_period",), allowance_period=None),
    unanswered("hours", "allowance.minimum", ("hours_per_week",), hours_per_week=None),
    unanswered(
        "hours of an hourly", "allowance.minimum", ("hours_per_week",), allowance_period="hour", hours_per_week=None
    ),
    unanswered("end of a total", "allowance.minimum", ("end",), allowance_period="total", end=None),
    unanswered("agreement", "sham-internship", ("written_agreement",), written_agreement=None),
    unanswered("supervisor", "supervision.host", ("supervisor",), supervisor=None),
    unanswered("tasks", "learning.tasks", ("tasks_match",), tasks_match=None),
    unanswered("plan", "learning.plan", ("learning_plan",), learning_plan=None),
    unanswered("evaluations", "learning.evaluation", ("evaluations",), evaluations=None),
    unanswered("agreement", "agreement.contents", ("written_agreement",), written_agreement=None),
    unanswered("contact", "contact.programme", ("contact_moments",), contact_moments=None),
    unanswered("sector", "healthcare.allowance", ("sector",), sector=None),
    unanswered("start", "healthcare.allowance", ("start",), start=None, **HEALTHCARE),
    unanswered("days", "healthcare.warning-signs", ("days_per_week",), days_per_week=None, **HEALTHCARE),
]


@pytest.mark.parametrize(("code", "changes", "missing"), UNANSWERED)
def test_an_unanswered_field_leaves_the_rule_unchecked_and_named(
    code: str, changes: dict[str, Any], missing: tuple[str, ...]
) -> None:
    found = finding(code, terms(**changes))
    assert found is not None
    assert (found.outcome, found.missing) == (UNCHECKED, missing)
    assert not found.values  # nothing is guessed
    assert set(missing) <= set(found.rule.fields(NORMS))


def test_every_outcome_of_every_rule_has_a_case() -> None:
    # a rule added to norms.toml later, or a new outcome of one, fails here until it has cases above
    can_give = {(r.code, o) for r in NORMS.rules.values() for o in r.text if o != "owed"}
    can_give |= {(code, UNCHECKED) for code in NORMS.rules}
    covered = {(p.values[0], p.values[2]) for p in CASES} | {(p.values[0], UNCHECKED) for p in UNANSWERED}
    assert covered == can_give


@pytest.mark.parametrize(
    ("code", "changes"),
    [
        ("working-time.adult.4-weeks", {"hours_per_week": 55 * H + 1, **UNDER_FOUR_WEEKS}),
        ("working-time.adult.16-weeks", {"hours_per_week": 48 * H + 1, **UNDER_SIXTEEN_WEEKS}),
        ("working-time.minor.4-weeks", {"hours_per_week": 40 * H + 1, **MINOR, **UNDER_FOUR_WEEKS}),
        ("working-time.adult.shift", MINOR),
        ("working-time.minor.shift", {}),
        ("night.minors", {}),
        ("night.shift", {"night_work": True, **MINOR}),
        ("night.average", {"night_work": False}),
        ("healthcare.allowance", {"sector": "education"}),
        ("healthcare.warning-signs", {"sector": "education", "days_per_week": 7}),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_a_rule_whose_conditions_do_not_hold_is_left_out(code: str, changes: dict[str, Any]) -> None:
    assert finding(code, terms(**changes)) is None


def test_an_average_over_a_short_period_still_says_ok_when_within() -> None:
    found = finding("working-time.adult.4-weeks", terms(hours_per_week=55 * H, **UNDER_FOUR_WEEKS))
    assert found is not None and found.outcome == OK
    assert found.values["weeks"].count == Decimal(27) / 7


def test_the_age_rules_wait_for_the_age_rather_than_guess_it() -> None:
    findings = evaluate(terms(under_18=None, night_work=True), NORMS)
    by_age = {f.rule.code: f for f in findings if "under_18" in f.rule.fields(NORMS)}
    assert set(by_age) == {
        *[c for c in ADULT_RULES if c.startswith("working-time.adult")],
        *[c for c in MINOR_RULES if ".minor" in c],
        "night.shift",
        "night.average",
    }
    assert {(f.outcome, f.missing) for f in by_age.values()} == {(UNCHECKED, ("under_18",))}


@pytest.mark.parametrize(
    ("code", "fields"),
    [
        ("working-time.adult.shift", ("under_18", "longest_day")),
        ("working-time.adult.4-weeks", ("under_18", "hours_per_week", "start", "end")),
        ("night.shift", ("under_18", "night_work", "longest_day")),
        ("allowance.minimum", ("allowance", "allowance_period", "hours_per_week", "start", "end")),
        ("sham-internship", ("written_agreement", "learning_plan", "evaluations", "supervisor", "staff_signals")),
        ("agreement.contents", ("written_agreement", "parts")),
        ("healthcare.warning-signs", ("sector", "staff_signals", "days_per_week")),
    ],
)
def test_a_rule_names_the_fields_it_reads(code: str, fields: tuple[str, ...]) -> None:
    assert NORMS.rules[code].fields(NORMS) == fields


@pytest.mark.parametrize(
    ("hours", "amount", "outcome", "limit"),
    [
        (36 * H, "500", OK, "500.00"),
        (40 * H, "500", OK, "500.00"),  # more than full time still asks the full amount, no more
        (40 * H, "499.99", ATTENTION, "500.00"),
        (18 * H, "250", OK, "250.00"),  # pro rata: half the full-time hours, half the amount
        (18 * H, "249.99", ATTENTION, "250.00"),
        (20 * H, "277.78", OK, "277.78"),
    ],
)
def test_the_allowance_is_asked_pro_rata_the_hours(hours: int, amount: str, outcome: str, limit: str) -> None:
    found = finding("allowance.minimum", terms(hours_per_week=hours, allowance=Decimal(amount)))
    assert found is not None
    assert found.outcome == outcome
    assert found.values["limit"] == Euros(Decimal(limit))
    assert found.values["value"] == Euros(Decimal(amount).quantize(Decimal("0.01")))


@pytest.mark.parametrize(
    ("hours", "outcome"),
    [(36 * H, PROBLEM), (45 * H, PROBLEM), (36 * H - 1, ATTENTION), (20 * H, ATTENTION)],
)
def test_no_allowance_is_a_problem_only_full_time(hours: int, outcome: str) -> None:
    found = finding("allowance.minimum", terms(allowance=None, allowance_period="none", hours_per_week=hours))
    assert found is not None
    assert found.outcome == outcome
    assert found.values["value"] == Euros(Decimal("0.00"))
    assert found.values["hours"] == Hours(hours)


def test_an_allowance_exactly_pro_rata_is_enough_however_it_is_paid() -> None:
    # 19.5 h is 13/24 of full time: €270.83⅓ a month, which €62.50 a week is exactly
    found = finding(
        "allowance.minimum", terms(hours_per_week=1170, allowance=Decimal("62.50"), allowance_period="week")
    )
    assert found is not None
    assert found.values["value"] == found.values["limit"] == Euros(Decimal("270.83"))
    assert found.outcome == OK


@pytest.mark.parametrize(
    ("changes", "per_month"),
    [
        ({"allowance": Decimal("500"), "allowance_period": "month"}, Decimal("500")),
        ({"allowance": Decimal("120"), "allowance_period": "week"}, Decimal("520")),  # × 52 / 12
        ({"allowance": Decimal("12.50"), "allowance_period": "hour", "hours_per_week": 36 * H}, Decimal("1950")),
        ({"allowance": Decimal("3.75"), "allowance_period": "hour", "hours_per_week": 20 * H + 30}, Decimal("333.125")),
        ({"allowance": Decimal("1120"), "allowance_period": "total", **FOUR_WEEKS}, Decimal("1217.5")),  # 28 days
        ({"allowance": Decimal("8000"), "allowance_period": "total", "end": dt.date(2028, 6, 1)}, Decimal("500")),
        ({"allowance": Decimal("900"), "allowance_period": "none"}, Decimal("0")),
        ({"allowance": None, "allowance_period": "week"}, None),
        ({"allowance": Decimal("500"), "allowance_period": None}, None),
        ({"allowance": Decimal("12.50"), "allowance_period": "hour", "hours_per_week": None}, None),
        ({"allowance": Decimal("3000"), "allowance_period": "total", "start": None}, None),
    ],
)
def test_monthly_converts_the_allowance_to_a_month(changes: dict[str, Any], per_month: Decimal | None) -> None:
    # 2027-02-01 to 2028-06-01 is 487 days: 16 months of 365.25 / 12 days
    assert monthly(terms(**changes)) == per_month


@pytest.mark.parametrize(
    ("changes", "count", "outcome"),
    [
        ({}, 0, OK),
        ({"evaluations": False}, 1, ATTENTION),
        ({"learning_plan": False, "evaluations": False}, 1, ATTENTION),  # one signal, either of its answers
        ({"staff_signals": frozenset({"rostered", "covers_absence"})}, 1, ATTENTION),
        ({"staff_signals": frozenset({"beyond_competence"})}, 0, OK),  # a healthcare sign, not a sham one
        ({"supervisor": False, "staff_signals": frozenset({"replaces_staff"})}, 2, PROBLEM),
        ({"supervisor": False, "written_agreement": False, "learning_plan": False}, 3, PROBLEM),
    ],
)
def test_sham_signals_are_counted_once_each(changes: dict[str, Any], count: int, outcome: str) -> None:
    found = finding("sham-internship", terms(**changes))
    assert found is not None
    assert (found.outcome, found.values["count"], len(found.values["signals"])) == (outcome, count, count)


@pytest.mark.parametrize("signals", [("supervisor",), ("supervisor", "written_agreement")])
def test_sham_signals_show_the_minimum_wage_owed_for_the_hours(signals: tuple[str, ...]) -> None:
    found = finding("sham-internship", terms(hours_per_week=45 * H, **dict.fromkeys(signals, False)))
    assert found is not None
    assert found.values["wage"] == Euros(Decimal("14.71"))
    assert found.values["owed"] == Euros(Decimal("2868.45"))  # 45 h × €14.71 × 52 / 12
    assert found.values["hours"] == Hours(45 * H)
    assert "owed" in found.rule.text


def test_sham_signals_owe_no_amount_when_the_hours_are_unknown() -> None:
    found = finding("sham-internship", terms(hours_per_week=None, supervisor=False, written_agreement=False))
    assert found is not None
    assert found.outcome == PROBLEM
    assert found.values["wage"] == Euros(Decimal("14.71"))
    assert "owed" not in found.values and "hours" not in found.values


@pytest.mark.parametrize(
    ("hours", "applies"),
    [(36 * H, True), (35 * H + 45, False)],  # four weeks: 144 h and 143 h in total
    ids=["144 h", "143 h"],
)
def test_the_healthcare_reference_holds_from_144_hours_in_total(hours: int, applies: bool) -> None:
    changed = terms(hours_per_week=hours, allowance=Decimal("300"), **HEALTHCARE, **FOUR_WEEKS)
    found = finding("healthcare.allowance", changed)
    if not applies:
        assert found is None
        return
    assert found is not None
    assert found.outcome == ATTENTION
    assert found.values["limit"] == Euros(Decimal("358.00"))
    assert found.values["hours"] == Hours(144 * H)


@pytest.mark.parametrize(
    ("changes", "signal"),
    [
        ({"staff_signals": frozenset({"covers_absence"})}, "covers_absence"),
        ({"staff_signals": frozenset({"beyond_competence"})}, "beyond_competence"),
        ({"days_per_week": 6}, "six_days"),
        ({"days_per_week": 7}, "six_days"),
    ],
)
def test_each_healthcare_warning_sign_asks_attention(changes: dict[str, Any], signal: str) -> None:
    found = finding("healthcare.warning-signs", terms(**HEALTHCARE, **changes))
    assert found is not None
    assert found.outcome == ATTENTION
    assert found.values["signals"] == (NORMS.signals[signal].label,)


def test_being_rostered_is_no_healthcare_warning_sign() -> None:
    found = finding("healthcare.warning-signs", terms(staff_signals=frozenset({"rostered"}), **HEALTHCARE))
    assert found is not None and found.outcome == OK


def test_the_missing_parts_are_listed_in_the_parts_order() -> None:
    lacking = {"termination", "parties", "insurance"}
    found = finding("agreement.contents", terms(parts=frozenset(NORMS.parts) - lacking))
    assert found is not None
    assert found.outcome == ATTENTION
    assert found.values["missing"] == (NORMS.parts["parties"], NORMS.parts["insurance"], NORMS.parts["termination"])


def test_an_agreement_with_no_parts_lacks_all_of_them() -> None:
    found = finding("agreement.contents", terms(parts=frozenset()))
    assert found is not None
    assert found.values["missing"] == tuple(NORMS.parts.values())


def test_no_written_agreement_is_a_problem_whatever_parts_are_ticked() -> None:
    found = finding("agreement.contents", terms(written_agreement=False))
    assert found is not None
    assert (found.outcome, dict(found.values)) == (PROBLEM, {})


def test_worst_is_the_most_severe_outcome_and_ignores_unchecked() -> None:
    rule = NORMS.rules["learning.tasks"]
    assert worst([]) == OK
    assert worst([Finding(rule, UNCHECKED), Finding(rule, OK)]) == OK
    assert worst([Finding(rule, ATTENTION), Finding(rule, UNCHECKED), Finding(rule, OK)]) == ATTENTION
    assert worst([Finding(rule, ATTENTION), Finding(rule, PROBLEM), Finding(rule, OK)]) == PROBLEM


def test_evaluate_is_pure() -> None:
    changed = terms(hours_per_week=61 * H, supervisor=False, staff_signals=frozenset({"rostered"}), end=None)
    norms_before = copy.deepcopy(NORMS)
    first = evaluate(changed, NORMS)
    assert evaluate(changed, NORMS) == first
    assert changed == terms(hours_per_week=61 * H, supervisor=False, staff_signals=frozenset({"rostered"}), end=None)
    assert NORMS == norms_before
    assert {f.outcome for f in first} == {OK, ATTENTION, PROBLEM, UNCHECKED}  # the call took every path
    with pytest.raises(dataclasses.FrozenInstanceError):
        changed.hours_per_week = 40 * H  # type: ignore[misc]
