"""statistics.toml: the threshold may rise, never below its floor; references and commitments carry their dates."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from hotline.statistics import settings
from hotline.statistics.settings import StatisticsSettingsError

COMMITMENT = """
[[commitments]]
code = "meldpunt"
text = { nl = "Een laagdrempelig meldpunt voor stagediscriminatie", en = "A low-threshold reporting point" }
state = "done"
since = 2026-09-01
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "statistics.toml"
    path.write_text(text, "utf-8")
    return path


def test_the_shipped_file_has_the_threshold_its_floor_and_sourced_references() -> None:
    found = settings.load()
    assert (found.threshold, found.floor) == (5, 3) and found.source_url.startswith("https://")
    assert {r.code for r in found.references} == {"scp-2020", "inspectorate-2022", "cbs-2024"}
    assert all(r.url and r.checked and r.source["nl"] and r.source["en"] for r in found.references)
    assert found.commitments == ()  # an institution states its own; none is invented for it


def test_an_institution_may_raise_the_threshold(tmp_path: Path) -> None:
    assert settings.load(write(tmp_path, "[disclosure]\nthreshold = 10\n")).threshold == 10


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[disclosure]\nthreshold = 2\n", "at least 3"),
        ("[disclosure]\nthreshold = 0\n", "at least 3"),
        ('[disclosure]\nthreshold = "vijf"\n', "at least 3"),
        ("[disclosure]\nfloor = 1\nthreshold = 2\n", "cannot be changed"),
        (COMMITMENT.replace('"done"', '"bijna"'), "state must be one of"),
        (COMMITMENT.replace("since = 2026-09-01", 'since = "gisteren"'), "needs a date"),
        (COMMITMENT.replace('en = "A low-threshold reporting point"', 'en = ""'), "nl and en"),
        (COMMITMENT + COMMITMENT, "a code of its own"),
        ("[disclosure\n", "statistics.toml"),
    ],
)
def test_a_loosening_or_broken_file_stops_the_app(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(StatisticsSettingsError, match=message):
        settings.load(write(tmp_path, text))


def test_the_commitments_show_with_their_state_and_date(
    client: FlaskClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hotline.statistics import EXTENSION

    client.application.extensions[EXTENSION] = settings.load(write(tmp_path, COMMITMENT))
    page = client.get("/statistics").get_data(as_text=True)
    assert 'data-commitment="meldpunt"' in page and "Een laagdrempelig meldpunt voor stagediscriminatie: gedaan" in page
    assert "data-no-commitments" not in page and 'data-reference="cbs-2024"' in page
