"""The fit of an offer to a learning wish: each reason, the cases that do not fit, and the order of suggestions."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.portal.placements import fit as fitting
from hotline.portal.placements.catalogue import load as load_catalogue
from hotline.portal.placements.fit import Fit, Offer, Reason, Weights, Wish

DEFAULT_WEIGHTS = load_catalogue().weights  # the shipped placements.toml


def fit(wish: Wish, offer: Offer, weights: Weights = DEFAULT_WEIGHTS) -> Fit:
    return fitting.fit(wish, offer, weights)


def suggestions(wish: Wish, offers: list[Offer], limit: int = 20) -> list[tuple[Offer, Fit]]:
    return fitting.suggestions(wish, offers, DEFAULT_WEIGHTS, limit)


FUZZ = settings(max_examples=100, deadline=None, database=None)  # no .hypothesis folder in the checkout

WISH = Wish(
    student="st-1",
    programme="ICT",
    areas=("testing", "databases", "security"),
    start=dt.date(2025, 2, 3),
    end=dt.date(2025, 6, 29),  # 147 days, 21 weeks
    hours=32,
    region="UT",
    max_travel_minutes=None,
)
OFFER = Offer(
    offer="of-1",
    programmes=frozenset({"ICT", "MEDIA"}),
    areas=frozenset({"testing"}),
    start=dt.date(2025, 2, 3),
    end=dt.date(2025, 6, 29),
    hours=32,
    region="UT",
    places=2,
)
FULL = DEFAULT_WEIGHTS.period + DEFAULT_WEIGHTS.hours + DEFAULT_WEIGHTS.region  # all but the areas


def reason(found: Fit, code: str) -> Reason | None:
    """The fit's reason with this code, if any (every code but "area" appears at most once)."""
    return next((r for r in found.reasons if r.code == code), None)


def test_a_perfect_offer_scores_every_part_with_its_reasons() -> None:
    found = fit(WISH, OFFER)
    assert found.score == DEFAULT_WEIGHTS.area(1) + FULL
    assert found.reasons == (
        Reason("area", {"area": "testing", "rank": 1}),
        Reason("period_overlap", {"weeks": 21, "days": 147, "share": 100}),
        Reason("hours", {"offer": 32, "wish": 32, "difference": 0}),
        Reason("region", {"region": "UT", "match": "same"}),
    )


@pytest.mark.parametrize(
    "change",
    [
        {"programmes": frozenset({"MEDIA"})},
        {"areas": frozenset({"design"})},
        {"start": dt.date(2025, 7, 1), "end": dt.date(2025, 12, 31)},
        {"start": dt.date(2024, 9, 1), "end": dt.date(2025, 2, 2)},
    ],
    ids=["other programme", "no shared area", "period after", "period before"],
)
def test_an_offer_that_does_not_fit_scores_zero_without_reasons(change: dict[str, object]) -> None:
    assert fit(WISH, dataclasses.replace(OFFER, **change)) == Fit(0, ())


def test_the_first_learning_area_counts_most_and_every_shared_area_adds() -> None:
    second = fit(WISH, dataclasses.replace(OFFER, areas=frozenset({"databases"})))
    both = fit(WISH, dataclasses.replace(OFFER, areas=frozenset({"security", "testing", "design"})))
    assert fit(WISH, OFFER).score > second.score == DEFAULT_WEIGHTS.area(2) + FULL
    assert both.score == DEFAULT_WEIGHTS.area(1) + DEFAULT_WEIGHTS.area(3) + FULL
    assert [r.values for r in both.reasons if r.code == "area"] == [
        {"area": "testing", "rank": 1},
        {"area": "security", "rank": 3},
    ]


def test_areas_past_the_last_weight_keep_the_last_value() -> None:
    weights = dataclasses.replace(DEFAULT_WEIGHTS, area_by_rank=(9, 4))
    assert [weights.area(rank) for rank in (1, 2, 3, 7)] == [9, 4, 4, 4]


def test_the_period_counts_by_the_share_of_the_wish_covered() -> None:
    half = fit(WISH, dataclasses.replace(OFFER, start=dt.date(2025, 4, 18), end=dt.date(2025, 12, 31)))
    assert reason(half, "period_overlap") == Reason("period_overlap", {"weeks": 10, "days": 73, "share": 49})
    assert half.score == DEFAULT_WEIGHTS.area(1) + DEFAULT_WEIGHTS.period * 73 // 147 + 30


def test_a_wish_without_a_period_is_covered_by_any_period() -> None:
    found = fit(dataclasses.replace(WISH, start=None, end=None), dataclasses.replace(OFFER, end=dt.date(2025, 3, 2)))
    assert reason(found, "period_overlap") == Reason("period_overlap", {"weeks": 4, "days": 28, "share": 100})
    from_april = dataclasses.replace(WISH, start=dt.date(2025, 4, 1), end=None)
    assert reason(fit(from_april, OFFER), "period_overlap") == Reason(
        "period_overlap", {"weeks": 12, "days": 90, "share": 100}
    )


@pytest.mark.parametrize(("hours", "points"), [(32, 20), (36, 12), (28, 12), (40, 4), (42, 0), (12, 0)])
def test_hours_count_less_the_further_they_are_from_the_wish(hours: int, points: int) -> None:
    found = fit(WISH, dataclasses.replace(OFFER, hours=hours))
    assert found.score == DEFAULT_WEIGHTS.area(1) + DEFAULT_WEIGHTS.period + DEFAULT_WEIGHTS.region + points
    expected = Reason("hours", {"offer": hours, "wish": 32, "difference": abs(hours - 32)}) if points else None
    assert reason(found, "hours") == expected


def test_any_hours_fit_a_wish_without_hours() -> None:
    found = fit(dataclasses.replace(WISH, hours=None), dataclasses.replace(OFFER, hours=16))
    assert found.score == DEFAULT_WEIGHTS.area(1) + FULL
    assert reason(found, "hours") == Reason("hours", {"offer": 16, "wish": None, "difference": 0})


@pytest.mark.parametrize(
    ("region", "travel", "expected"),
    [
        ("UT", None, {"region": "GE", "match": None}),
        (None, None, {"region": "GE", "match": "anywhere"}),
        ("UT", 45, {"region": "GE", "match": "travel", "minutes": 45}),
    ],
    ids=["other region", "anywhere", "travel time"],
)
def test_the_region_fits_when_equal_anywhere_or_with_a_travel_time(
    region: str | None, travel: int | None, expected: dict[str, object]
) -> None:
    wish = dataclasses.replace(WISH, region=region, max_travel_minutes=travel)
    found = fit(wish, dataclasses.replace(OFFER, region="GE"))
    if expected["match"] is None:
        assert reason(found, "region") is None
        assert found.score == DEFAULT_WEIGHTS.area(1) + FULL - DEFAULT_WEIGHTS.region
    else:
        assert reason(found, "region") == Reason("region", expected)
        assert found.score == DEFAULT_WEIGHTS.area(1) + FULL


def test_weights_must_keep_every_fitting_offer_above_zero() -> None:
    with pytest.raises(ValueError, match="positive"):
        dataclasses.replace(DEFAULT_WEIGHTS, area_by_rank=(10, 0))
    with pytest.raises(ValueError, match="negative"):
        dataclasses.replace(DEFAULT_WEIGHTS, hours=-1)


def test_other_weights_change_the_score() -> None:
    weights = Weights(area_by_rank=(1,), period=0, hours=0, hours_step=0, region=0)
    assert fit(WISH, OFFER, weights).score == 1


def test_suggestions_are_best_first_ties_by_offer_id_without_offers_that_do_not_fit() -> None:
    offers = [
        dataclasses.replace(OFFER, offer="c", areas=frozenset({"databases"})),
        dataclasses.replace(OFFER, offer="b", areas=frozenset({"databases"})),
        dataclasses.replace(OFFER, offer="a", programmes=frozenset({"MEDIA"})),
        dataclasses.replace(OFFER, offer="d"),
        dataclasses.replace(OFFER, offer="e", region="GE"),
    ]
    found = suggestions(WISH, offers)
    assert [offer.offer for offer, _fit in found] == ["d", "e", "b", "c"]
    assert [f.score for _offer, f in found] == sorted((f.score for _offer, f in found), reverse=True)
    assert [offer.offer for offer, _fit in suggestions(WISH, offers, limit=2)] == ["d", "e"]


dates = st.dates(dt.date(2025, 1, 1), dt.date(2026, 12, 31))
wishes = st.builds(
    Wish,
    student=st.just("st"),
    programme=st.sampled_from(["ICT", "MEDIA"]),
    areas=st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=4).map(tuple),
    start=st.none() | dates,
    end=st.none() | dates,
    hours=st.none() | st.integers(0, 48),
    region=st.none() | st.sampled_from(["UT", "GE"]),
    max_travel_minutes=st.none() | st.integers(0, 120),
)
offers = st.builds(
    Offer,
    offer=st.just("of"),
    programmes=st.frozensets(st.sampled_from(["ICT", "MEDIA"])),
    areas=st.frozensets(st.sampled_from(["a", "b", "c", "e"])),
    start=dates,
    end=dates,
    hours=st.integers(0, 48),
    region=st.sampled_from(["UT", "GE"]),
    places=st.integers(0, 5),
)


@FUZZ
@given(wishes, offers)
def test_an_offer_fits_exactly_when_programme_an_area_and_the_period_are_shared(wish: Wish, offer: Offer) -> None:
    found = fit(wish, offer)
    sought_start, sought_end = wish.start or offer.start, wish.end or offer.end
    overlaps = max(sought_start, offer.start) <= min(sought_end, offer.end)
    shares = wish.programme in offer.programmes and bool(set(wish.areas) & offer.areas)
    assert (found.score > 0) == (shares and overlaps)
    assert bool(found.reasons) == (found.score > 0)
    best = DEFAULT_WEIGHTS.area(1) + DEFAULT_WEIGHTS.area(2) + DEFAULT_WEIGHTS.area(3) + FULL
    assert 0 <= found.score <= best
