"""placements.toml: the office's lists and weights, from configuration, checked before the portal starts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from hotline.portal.placements.catalogue import CatalogueError, load


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "placements.toml"
    path.write_text(text, "utf-8")
    return path


def test_the_shipped_catalogue_names_every_programme_area_region_and_reason_in_both_languages() -> None:
    catalogue = load()
    assert catalogue.programmes and catalogue.regions and catalogue.decline_reasons
    for names in [p.name for p in catalogue.programmes.values()] + list(catalogue.area_names().values()):
        assert names["nl"] and names["en"]
    assert catalogue.weights.area(1) > catalogue.weights.area(2) > 0
    assert catalogue.wish_areas >= 1 and catalogue.wish_choices >= 1


@pytest.mark.parametrize(
    ("day", "period"),
    [
        (dt.date(2027, 1, 31), dt.date(2026, 9, 1)),
        (dt.date(2027, 2, 1), dt.date(2027, 2, 1)),
        (dt.date(2027, 8, 31), dt.date(2027, 2, 1)),
        (dt.date(2027, 9, 1), dt.date(2027, 9, 1)),
    ],
)
def test_an_internship_belongs_to_the_period_it_starts_in(day: dt.date, period: dt.date) -> None:
    assert load().period_of(day) == period


def test_an_institution_changes_the_weights_and_lists_in_its_own_file(tmp_path: Path) -> None:
    override = write(
        tmp_path,
        "[weights]\nregion = 0\n[wish]\nchoices = 5\n[regions.eiland]\nnl = 'Waddeneilanden'\nen = 'Wadden Islands'\n",
    )
    catalogue = load(override)
    assert catalogue.weights.region == 0 and catalogue.wish_choices == 5 and "eiland" in catalogue.regions
    assert catalogue.weights.period == load().weights.period  # what it leaves out stays as shipped


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[programmes.x]\nnl = 'X'\nen = 'X'\nareas = {}\n", "at least one learning area"),
        ("[programmes.hbo-ict.areas.robots]\nnl = 'Robots'\n", "area robots of hbo-ict needs a Dutch"),
        ("[weights]\narea_by_rank = [10, 0]\n", "area_by_rank"),
        ("[weights]\nhours = -1\n", "cannot be negative"),
        ("[periods]\nstart_months = [13]\n", "months from 1 to 12"),
        ("[wish]\nchoices = 0\n", "1 or more"),
        ("[weights\n", "placements.toml"),
    ],
)
def test_a_broken_catalogue_stops_the_portal_with_a_clear_message(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(CatalogueError, match=message):
        load(write(tmp_path, text))


def test_a_catalogue_without_a_reason_to_decline_is_refused() -> None:
    import tomllib
    from importlib import resources

    from hotline.portal.placements.catalogue import parse

    data = tomllib.loads(resources.files("hotline.portal").joinpath("placements.toml").read_text("utf-8"))
    with pytest.raises(CatalogueError, match="at least one reason"):
        parse(data | {"decline_reasons": {}})
