"""The matching round: stable, within capacity, student-optimal and strategy-proof; the lottery only breaks ties."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from matching.games import HospitalResident  # an independent implementation, for the cross-check

from hotline.portal.placements.matching import Key, deferred_acceptance, draw_lottery, priorities, run_round

FUZZ = settings(max_examples=200, deadline=None, database=None)  # no .hypothesis folder in the checkout
SMALL = settings(max_examples=120, deadline=None, database=None)


@dataclass(frozen=True)
class Instance:
    """A random round: rankings, places, fits (student -> offer -> score) and a seed."""

    preferences: dict[str, list[str]]
    capacities: dict[str, int]
    fits: dict[str, dict[str, int]]
    seed: bytes

    def keys(self) -> dict[str, dict[str, Key]]:
        return priorities(self.fits, draw_lottery(self.preferences, self.seed))


@st.composite
def instances(
    draw: st.DrawFn,
    students: tuple[int, int] = (1, 12),
    offers: tuple[int, int] = (1, 5),
    capacity: tuple[int, int] = (0, 3),
    top_fit: int = 3,
) -> Instance:
    """Draw a round; few fit values, so that ties (and the lottery) are common."""
    names = [f"s{i}" for i in range(draw(st.integers(*students)))]
    offer_ids = [f"o{j}" for j in range(draw(st.integers(*offers)))]
    preferences = {}
    for student in names:
        order = draw(st.permutations(offer_ids))
        preferences[student] = order[: draw(st.integers(0, len(order)))]
    capacities = {offer: draw(st.integers(*capacity)) for offer in offer_ids}
    fits = {student: {offer: draw(st.integers(0, top_fit)) for offer in offer_ids} for student in names}
    return Instance(preferences, capacities, fits, draw(st.binary(min_size=1, max_size=8)))


def prefers(ranked: Sequence[str], offer: str, current: str | None) -> bool:
    """Whether a student who ranked these offers prefers `offer` to what they hold (None: nothing)."""
    if offer not in ranked:
        return False
    return current is None or ranked.index(offer) < ranked.index(current)


def blocking_pairs(
    instance: Instance, assignment: Mapping[str, str], keys: Mapping[str, Mapping[str, Key]]
) -> list[tuple[str, str]]:
    """Every student and offer that would both rather have each other than what they have."""
    held: dict[str, list[str]] = {}
    for student, offer in assignment.items():
        held.setdefault(offer, []).append(student)
    found = []
    for student, ranked in instance.preferences.items():
        for offer in ranked:
            key = keys.get(offer, {}).get(student)
            if key is None or not prefers(ranked, offer, assignment.get(student)):
                continue
            others = held.get(offer, [])
            if len(others) < instance.capacities[offer] or any(keys[offer][other] > key for other in others):
                found.append((student, offer))
    return found


def assert_valid(instance: Instance, assignment: Mapping[str, str], keys: Mapping[str, Mapping[str, Key]]) -> None:
    """Capacities held, every pair acceptable to both sides, and no blocking pair."""
    load = Counter(assignment.values())
    assert all(load[offer] <= instance.capacities[offer] for offer in load)
    for student, offer in assignment.items():
        assert offer in instance.preferences[student]
        assert student in keys.get(offer, {})
    assert blocking_pairs(instance, assignment, keys) == []


@FUZZ
@given(instances())
def test_a_round_is_stable_within_capacity_and_acceptable_to_both(instance: Instance) -> None:
    found = run_round(instance.preferences, instance.capacities, instance.fits, instance.seed)
    assert_valid(instance, found.assignment, instance.keys())
    assert set(found.assignment).isdisjoint(found.unplaced)
    assert sorted([*found.assignment, *found.unplaced]) == sorted(instance.preferences)
    assert list(found.unplaced) == sorted(found.unplaced)


def stable_matchings(instance: Instance, keys: Mapping[str, Mapping[str, Key]]) -> list[dict[str, str]]:
    """Every stable matching, by brute force over each student's mutually acceptable offers."""
    students = sorted(instance.preferences)
    options = [[None, *(o for o in instance.preferences[s] if s in keys.get(o, {}))] for s in students]
    found = []
    for choice in itertools.product(*options):
        assignment = {s: o for s, o in zip(students, choice, strict=True) if o is not None}
        load = Counter(assignment.values())
        if all(load[o] <= instance.capacities[o] for o in load) and not blocking_pairs(instance, assignment, keys):
            found.append(assignment)
    return found


def place(ranked: Sequence[str], offer: str | None) -> int:
    """A student's own rank of an offer, 0 best; having nothing (or an offer not ranked) comes last."""
    return ranked.index(offer) if offer in ranked else len(ranked)


@SMALL
@given(instances(students=(1, 5), offers=(1, 3), capacity=(1, 2)))
def test_every_student_gets_their_best_stable_partner(instance: Instance) -> None:
    keys = instance.keys()
    found = deferred_acceptance(instance.preferences, instance.capacities, keys)
    stable = stable_matchings(instance, keys)
    assert found in stable
    for student, ranked in instance.preferences.items():
        best = min(place(ranked, matching.get(student)) for matching in stable)
        assert place(ranked, found.get(student)) == best


def rankings(offers: Sequence[str]) -> list[list[str]]:
    """Every ranking a student could report: each ordering of each subset of the offers."""
    return [list(order) for size in range(len(offers) + 1) for order in itertools.permutations(offers, size)]


# The classic case where ranking a safer offer first would pay if offers favoured those who rank them first.
BOSTON = Instance(
    {"a": ["x", "y"], "b": ["x", "y"], "c": ["y"]},
    {"x": 1, "y": 1},
    {"a": {"x": 1, "y": 2}, "b": {"x": 2, "y": 0}, "c": {"x": 0, "y": 1}},
    b"seed",
)


@SMALL
@example(BOSTON)
@given(instances(students=(3, 5), offers=(2, 3), capacity=(1, 2)))  # crowded: where a lie could pay
def test_no_student_gains_by_misreporting(instance: Instance) -> None:
    keys = instance.keys()
    truthful = deferred_acceptance(instance.preferences, instance.capacities, keys)
    offers = sorted(instance.capacities)
    for student, ranked in instance.preferences.items():
        honest = place(ranked, truthful.get(student))
        for report in rankings(offers):
            lied = deferred_acceptance(instance.preferences | {student: report}, instance.capacities, keys)
            assert place(ranked, lied.get(student)) >= honest, (student, report)


def test_a_student_is_held_by_their_first_choice_until_someone_with_higher_priority_comes() -> None:
    preferences = {"a": ["x", "y"], "b": ["x"], "c": ["y", "x"]}
    keys = {"x": {"a": (2,), "b": (1,), "c": (3,)}, "y": {"a": (1,), "c": (2,)}}
    assert deferred_acceptance(preferences, {"x": 1, "y": 1}, keys) == {"b": "x", "a": "y"}


def test_rank_may_be_a_function_and_none_means_not_acceptable() -> None:
    preferences = {"a": ["x"], "b": ["x"], "c": ["x"]}
    found = deferred_acceptance(preferences, {"x": 2}, lambda offer, student: None if student == "a" else (0,))
    assert found == {"b": "x", "c": "x"}  # equal keys: the id decides, and a is not acceptable


def test_offers_without_places_or_capacity_take_nobody() -> None:
    keys = {"x": {"a": (1,)}, "y": {"a": (1,)}}
    assert deferred_acceptance({"a": ["x", "y", "z"]}, {"x": 0}, keys) == {}


def test_ranking_an_offer_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        deferred_acceptance({"a": ["x", "x"]}, {"x": 1}, {"x": {"a": (1,)}})


def test_the_lottery_is_the_same_for_a_seed_whatever_the_order() -> None:
    students = [f"student-{i}" for i in range(50)]
    first = draw_lottery(students, b"round 2025-1")
    assert first == draw_lottery(reversed(students), b"round 2025-1")
    assert len(set(first.values())) == len(students)
    assert all(0 <= number < 2**63 for number in first.values())  # fits a signed 64-bit column


def test_another_seed_draws_another_lottery() -> None:
    students = [f"student-{i}" for i in range(50)]
    first, second = draw_lottery(students, b"seed one"), draw_lottery(students, b"seed two")
    assert sorted(students, key=first.__getitem__) != sorted(students, key=second.__getitem__)


@FUZZ
@given(instances(students=(1, 10), offers=(1, 3), top_fit=4))
def test_a_higher_fit_always_comes_before_the_lottery(instance: Instance) -> None:
    for offer, keys in instance.keys().items():
        line = sorted(keys, key=keys.__getitem__)
        scores = [instance.fits[student][offer] for student in line]
        assert scores == sorted(scores, reverse=True)
        assert min(scores, default=1) > 0


def test_the_lottery_decides_between_equal_fits_and_never_against_a_higher_fit() -> None:
    preferences = {"a": ["x"], "b": ["x"]}
    equal = {"a": {"x": 5}, "b": {"x": 5}}
    winners = set()
    for seed in (b"0", b"1", b"2", b"3", b"4", b"5", b"6", b"7"):
        found = run_round(preferences, {"x": 1}, equal, seed)
        lottery_winner = min(preferences, key=found.lottery.__getitem__)
        assert found.assignment == {lottery_winner: "x"}
        winners.add(lottery_winner)
        higher = run_round(preferences, {"x": 1}, {"a": {"x": 5}, "b": {"x": 6}}, seed)
        assert higher.assignment == {"b": "x"} and higher.unplaced == ("a",)
    assert winners == {"a", "b"}


@SMALL
@given(instances())
def test_a_recorded_seed_replays_the_round(instance: Instance) -> None:
    first = run_round(instance.preferences, instance.capacities, instance.fits, instance.seed)
    again = run_round(instance.preferences, instance.capacities, instance.fits, instance.seed)
    assert first == again
    replayed = deferred_acceptance(instance.preferences, instance.capacities, priorities(instance.fits, first.lottery))
    assert replayed == first.assignment


@SMALL
@given(instances(students=(1, 40), offers=(1, 8), capacity=(0, 5)))
def test_the_matching_package_finds_the_same_assignment(instance: Instance) -> None:
    keys = instance.keys()
    # The package wants every list non-empty, every capacity positive, and each offer ranking
    # exactly the students who rank it and whom it accepts.
    open_ = {o for o, places in instance.capacities.items() if places > 0}
    wanted = {
        s: [o for o in ranked if o in open_ and s in keys.get(o, {})] for s, ranked in instance.preferences.items()
    }
    wanted = {s: ranked for s, ranked in wanted.items() if ranked}
    lines = {o: sorted((s for s in wanted if o in wanted[s]), key=keys[o].__getitem__) for o in open_ & set(keys)}
    lines = {o: line for o, line in lines.items() if line}
    theirs: dict[str, str] = {}
    if lines:
        capacities = {o: instance.capacities[o] for o in lines}
        game = HospitalResident.create_from_dictionaries(wanted, lines, capacities)
        solved = game.solve(optimal="resident")
        theirs = {student.name: offer.name for offer, students in solved.items() for student in students}
    assert deferred_acceptance(instance.preferences, instance.capacities, keys) == theirs
