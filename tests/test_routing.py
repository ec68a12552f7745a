"""Routing: every category reaches the right destinations, and a broken override stops the app."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from conftest import file_report
from flask.testing import FlaskClient
from sqlalchemy import select

import hotline
from hotline import cases, models, routing

DEFAULT = routing.load()
AVAILABLE = {
    "labour_inspectorate": ["arbeidsinspectie"],
    "confidential_adviser": ["vertrouwenspersoon"],
    "di_office": ["diversiteit"],
}
# group -> (destination, optional) per target, for programme hbo-ict
EXPECTED = {
    "discrimination": {("hbo-ict", False), ("diversiteit", True)},
    "harassment": {("vertrouwenspersoon", False)},
    "misuse": {("hbo-ict", False)},
    "labour": {("arbeidsinspectie", False), ("hbo-ict", False)},
}
DESTINATION = re.compile(r'<li data-destination="([^"]+)">(.*?)</li>', re.S)


def planned(category: str, available: dict[str, list[str]] = AVAILABLE, table: routing.Routing = DEFAULT) -> set[Any]:
    return {(t.destination, t.optional) for t in table.plan(category, "hbo-ict", available)}


def test_default_taxonomy_has_the_nineteen_categories() -> None:
    grounds = ("origin", "nationality", "religion", "sex", "sexual_orientation", "disability", "age", "other")
    expected = (
        [f"discrimination.{g}" for g in grounds]
        + ["harassment.sexual", "harassment.other"]
        + [f"misuse.{m}" for m in ("supervision", "contact", "tasks", "workload", "recognition")]
        + [f"labour.{x}" for x in ("employee_replacement", "underpayment", "working_hours", "unsafe")]
    )
    assert sorted(DEFAULT.categories) == sorted(expected)
    assert len(DEFAULT.categories) == 19
    assert list(DEFAULT.groups) == list(EXPECTED)


@pytest.mark.parametrize("category", sorted(DEFAULT.categories))
def test_every_default_category_reaches_its_destinations(category: str) -> None:
    assert planned(category) == EXPECTED[category.split(".")[0]]


@pytest.mark.parametrize("category", sorted(c for c in DEFAULT.categories if c.startswith("discrimination.")))
def test_discrimination_never_reaches_the_labour_inspectorate(category: str) -> None:
    kinds = {t.kind for t in DEFAULT.plan(category, "hbo-ict", AVAILABLE)}
    assert "labour_inspectorate" not in kinds


def test_underpayment_reaches_the_inspectorate_and_the_programme() -> None:
    targets = DEFAULT.plan("labour.underpayment", "hbo-ict", AVAILABLE)
    assert {(t.kind, t.destination) for t in targets} == {
        ("labour_inspectorate", "arbeidsinspectie"),
        ("programme", "hbo-ict"),
    }


def test_discrimination_without_a_di_office_goes_to_the_programme() -> None:
    available = {k: v for k, v in AVAILABLE.items() if k != "di_office"}
    assert planned("discrimination.religion", available) == {("hbo-ict", False)}


def test_labour_without_an_inspectorate_has_no_destination() -> None:
    available = {k: v for k, v in AVAILABLE.items() if k != "labour_inspectorate"}
    with pytest.raises(routing.NoDestination):
        DEFAULT.plan("labour.unsafe", "hbo-ict", available)


def test_unknown_category_is_refused() -> None:
    with pytest.raises(routing.UnknownCategory):
        DEFAULT.plan("misuse.nonexistent", "hbo-ict", AVAILABLE)


def test_every_category_group_and_kind_has_dutch_and_english_labels() -> None:
    tables = [c.label for c in DEFAULT.categories.values()]
    tables += [g.label for g in DEFAULT.groups.values()] + [g.help for g in DEFAULT.groups.values()]
    tables += list(DEFAULT.kinds.values())
    for table in tables:
        assert table["nl"].strip() and table["en"].strip()


ADDED = """
[groups.safety]
label = { nl = "Veiligheid", en = "Safety" }
help = { nl = "Brand, gif of gevaar.", en = "Fire, poison or danger." }

[categories]
"safety.fire" = { group = "safety", nl = "Brandgevaar", en = "Fire hazard" }

[routes]
"safety.*" = [
  { kind = "labour_inspectorate", reason = "safety: the inspectorate" },
  { kind = "confidential_adviser", optional = true, reason = "safety: someone to talk to" },
]
"""


def override(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "routing.toml"
    path.write_text(text, "utf-8")
    return path


def test_override_can_add_a_category_with_its_route(tmp_path: Path) -> None:
    path = override(tmp_path, ADDED)
    table = routing.load(path)
    assert len(table.categories) == 20
    assert table.categories["safety.fire"].label["en"] == "Fire hazard"
    assert planned("safety.fire", table=table) == {("arbeidsinspectie", False), ("vertrouwenspersoon", True)}
    assert planned("labour.unsafe", table=table) == EXPECTED["labour"]  # the defaults stay


BROKEN = {
    "only an optional target": """
[categories]
"misuse.lonely" = { group = "misuse", nl = "Alleen", en = "Alone" }
[routes]
"misuse.lonely" = [{ kind = "di_office", optional = true }]
""",
    "no matching route": """
[groups.other]
label = { nl = "Anders", en = "Other" }
help = { nl = "Iets anders.", en = "Something else." }
[categories]
"other.thing" = { group = "other", nl = "Iets", en = "Something" }
""",
    "an unknown kind": """
[routes]
"misuse.*" = [{ kind = "ombudsman" }]
""",
    "a label without English": """
[categories]
"misuse.dutch_only" = { group = "misuse", nl = "Alleen Nederlands" }
""",
    "an unknown group": """
[categories]
"misuse.stray" = { group = "nowhere", nl = "Zwerver", en = "Stray" }
""",
    "a rule without a kind": """
[routes]
"misuse.*" = [{ reason = "who knows" }]
""",
    "invalid TOML": """
[categories
"misuse.broken" = {
""",
}


@pytest.mark.parametrize("text", BROKEN.values(), ids=BROKEN.keys())
def test_broken_override_is_refused_at_load(tmp_path: Path, text: str) -> None:
    with pytest.raises(routing.RoutingError):
        routing.load(override(tmp_path, text))


def test_route_to_only_an_optional_target_is_named_as_routing_nowhere(tmp_path: Path) -> None:
    with pytest.raises(routing.RoutingError, match="routes nowhere"):
        routing.load(override(tmp_path, BROKEN["only an optional target"]))


@pytest.mark.parametrize("name", ["only an optional target", "invalid TOML"])
def test_app_refuses_to_start_with_a_broken_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv("HOTLINE_ROUTING_FILE", str(override(tmp_path, BROKEN[name])))
    monkeypatch.setenv("HOTLINE_INSTANCE", str(tmp_path))
    with pytest.raises(routing.RoutingError):
        hotline.create_app({"TESTING": True, "KEYS_DIR": str(tmp_path)})


def test_app_reads_routing_toml_from_the_instance_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    override(tmp_path, BROKEN["an unknown kind"])
    monkeypatch.delenv("HOTLINE_ROUTING_FILE", raising=False)
    monkeypatch.setenv("HOTLINE_INSTANCE", str(tmp_path))
    with pytest.raises(routing.RoutingError, match="ombudsman"):
        hotline.create_app({"TESTING": True, "KEYS_DIR": str(tmp_path)})


def shown_destinations(client: FlaskClient, category: str) -> dict[str, str]:
    response = client.post("/report/details", data={"category": category, "programme": "hbo-ict"})
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return dict(DESTINATION.findall(response.get_data(as_text=True)))


@pytest.mark.parametrize(
    "category", ["discrimination.disability", "harassment.sexual", "misuse.workload", "labour.employee_replacement"]
)
def test_step_two_shows_exactly_the_planned_destinations(client: FlaskClient, category: str) -> None:
    shown = shown_destinations(client, category)
    expected = EXPECTED[category.split(".")[0]]
    assert set(shown) == {slug for slug, _optional in expected}
    for slug, optional in expected:
        checkbox = f'name="destinations" value="{slug}"' in shown[slug]
        assert checkbox == optional, slug


def routed_to(session: Any) -> list[set[str]]:
    return [set(cases.destination_slugs(case)) for case in session.scalars(select(models.Case))]


def test_underpayment_case_is_routed_to_the_inspectorate_and_programme(client: FlaskClient, session: Any) -> None:
    file_report(client, category="labour.underpayment")
    assert routed_to(session) == [{"arbeidsinspectie", "hbo-ict"}]
    route = session.scalars(select(models.CaseRoute)).first()
    assert route.reason.startswith("labour law:")


def test_deselected_di_office_does_not_receive_the_case(client: FlaskClient, session: Any) -> None:
    file_report(client, category="discrimination.origin", destinations=[])
    assert routed_to(session) == [{"hbo-ict"}]


def test_kept_di_office_receives_the_case(client: FlaskClient, session: Any) -> None:
    file_report(client, category="discrimination.age", destinations=["diversiteit"])
    assert routed_to(session) == [{"hbo-ict", "diversiteit"}]


def test_a_required_destination_cannot_be_deselected(client: FlaskClient, session: Any) -> None:
    file_report(client, category="labour.unsafe", destinations=["diversiteit"])
    assert routed_to(session) == [{"arbeidsinspectie", "hbo-ict"}]


def test_a_flag_that_is_not_a_boolean_is_refused(tmp_path: Path) -> None:
    override = tmp_path / "routing.toml"
    override.write_text('[routes]\n"misuse.*" = [{ kind = "programme", optional = "no" }]\n', "utf-8")
    with pytest.raises(routing.RoutingError, match="true or false"):
        routing.load(override)


def test_two_rules_to_one_destination_route_it_once() -> None:
    loaded = routing.load()
    rules = (routing.Rule("programme", "a"), routing.Rule("programme", "b", optional=True))
    doubled = routing.Routing(loaded.kinds, loaded.groups, loaded.categories, {"misuse.*": rules})
    assert [t.destination for t in doubled.plan("misuse.tasks", "hbo-ict", {})] == ["hbo-ict"]
