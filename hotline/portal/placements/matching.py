"""A matching round: student-proposing deferred acceptance with capacities (the school-choice model).

Students rank offers; an offer finds acceptable only the students its fit to their learning wish
scores above 0, and its priority over them comes from that fit alone, ties broken by a lottery
drawn from a recorded seed. Deferred acceptance then gives the stable matching every student
prefers to any other stable one, and no student gains by ranking offers other than as they
truly prefer them (Gale and Shapley 1962; Abdulkadiroglu and Sonmez 2003).
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

# A priority key: the lower, the higher the priority. Keys of one offer are compared with each other only.
Key: TypeAlias = tuple[Any, ...]
Rank: TypeAlias = Callable[[str, str], Key | None] | Mapping[str, Mapping[str, Key]]


@dataclass(frozen=True)
class Round:
    """The outcome of a round, with the lottery drawn for it so that it can be replayed."""

    assignment: dict[str, str]  # student -> offer
    unplaced: tuple[str, ...]  # students left without a place, in id order
    lottery: dict[str, int]  # student -> lottery number, lower wins a tie


def draw_lottery(students: Iterable[str], seed: bytes) -> dict[str, int]:
    """Draw each student's lottery number from the seed: the same seed always gives the same draw."""
    # HMAC-SHA256 of the id under the seed: no order or run dependence, and unguessable without the seed.
    # 63 bits so the number fits a signed 64-bit database column.
    return {
        student: int.from_bytes(hmac.new(seed, student.encode(), hashlib.sha256).digest()[:8], "big") >> 1
        for student in students
    }


def priorities(fits: Mapping[str, Mapping[str, int]], lottery: Mapping[str, int]) -> dict[str, dict[str, Key]]:
    """Return each offer's priority key over the students it accepts, from fits[student][offer].

    The key is (-fit, lottery number, student id): a higher fit always comes first, the lottery
    only orders equal fits, and the id settles the (astronomically unlikely) equal draw. A fit of
    0 or less leaves the student unacceptable to the offer.
    """
    keys: dict[str, dict[str, Key]] = {}
    for student, scores in fits.items():
        number = lottery[student]
        for offer, score in scores.items():
            if score > 0:
                keys.setdefault(offer, {})[student] = (-score, number, student)
    return keys


def positions(preferences: Mapping[str, Sequence[str]], rank: Rank) -> dict[str, dict[str, int]]:
    """Turn the offers' priority keys over the students who ranked them into places in line (0 first)."""
    lookup: Callable[[str, str], Key | None]
    if callable(rank):
        lookup = rank
    else:
        keys = rank

        def lookup(offer: str, student: str) -> Key | None:
            return keys.get(offer, {}).get(student)

    applicants: dict[str, list[tuple[Key, str]]] = {}
    for student, ranked in preferences.items():
        if len(set(ranked)) != len(ranked):
            raise ValueError(f"student {student} ranks an offer twice")
        for offer in ranked:
            key = lookup(offer, student)
            if key is not None:
                applicants.setdefault(offer, []).append((key, student))
    # The id after the key makes the order strict even when a given rank has ties.
    return {offer: {s: i for i, (_k, s) in enumerate(sorted(found))} for offer, found in applicants.items()}


def deferred_acceptance(
    preferences: Mapping[str, Sequence[str]], capacities: Mapping[str, int], rank: Rank
) -> dict[str, str]:
    """Return the student-optimal stable assignment, student -> offer.

    preferences: each student's offers, best first; only those are acceptable to the student.
    capacities: places per offer; an offer missing here has none.
    rank: the offers' priority keys, as rank(offer, student) or rank[offer][student]; lower is
    better, and None or a missing key means the offer does not accept the student.
    """
    line = positions(preferences, rank)
    following = dict.fromkeys(preferences, 0)  # index of the next offer each student proposes to
    held: dict[str, list[tuple[int, str]]] = {}  # offer -> heap of (-place in line, student): worst on top
    free = sorted(preferences, reverse=True)  # a stack; the result does not depend on the order
    while free:
        student = free.pop()
        ranked = preferences[student]
        choice = following[student]
        while choice < len(ranked):
            offer = ranked[choice]
            choice += 1
            place = line.get(offer, {}).get(student)
            capacity = capacities.get(offer, 0)
            if place is None or capacity <= 0:
                continue  # the offer does not accept this student, or has no places
            heap = held.setdefault(offer, [])
            if len(heap) < capacity:
                heapq.heappush(heap, (-place, student))
                break
            if -heap[0][0] > place:  # the offer prefers this student to the worst one it holds
                free.append(heapq.heapreplace(heap, (-place, student))[1])
                break
        following[student] = choice
    return {student: offer for offer, heap in held.items() for _place, student in heap}


def run_round(
    preferences: Mapping[str, Sequence[str]],
    capacities: Mapping[str, int],
    fits: Mapping[str, Mapping[str, int]],
    seed: bytes,
) -> Round:
    """Run a round: draw the lottery from the seed, rank students by fit, and match."""
    lottery = draw_lottery(sorted(preferences), seed)
    scores = {student: fits.get(student, {}) for student in preferences}
    assignment = deferred_acceptance(preferences, capacities, priorities(scores, lottery))
    unplaced = tuple(sorted(student for student in preferences if student not in assignment))
    return Round(assignment, unplaced, lottery)
