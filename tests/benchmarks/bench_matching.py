"""A matching round at scale: 10,000 students, 2,000 offers (5,000 places), 10 choices each.

Run alone: python -m tests.benchmarks.bench_matching [--runs 5] [--quick]
Students rank 10 distinct offers drawn with a skewed popularity (a few offers are wanted by many,
as in real rounds, which makes for long chains of rejections). Prints the median time of fit()
over every ranked (wish, offer) pair, of priorities() from the fits, of deferred_acceptance() on
those priorities, and of run_round() (lottery, priorities and deferred acceptance together), then
the peak memory of run_round() under tracemalloc. The round's fits are random scores 1-100 as the
office would have stored them; fits of offers a student did not rank are left out (0: unacceptable).
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
import tracemalloc

from hotline.portal.placements.catalogue import load as load_catalogue
from hotline.portal.placements.fit import Offer, Wish, fit
from hotline.portal.placements.matching import deferred_acceptance, priorities, run_round
from tests.benchmarks.timing import Row, print_rows, timed

STUDENTS, OFFERS, PLACES, CHOICES = 10_000, 2_000, 5_000, 10
AREAS = [f"area-{i}" for i in range(12)]
REGIONS = ["GR", "FR", "DR", "OV", "GE", "UT", "NH", "ZH", "ZE", "NB", "LI", "FL"]
PROGRAMMES = ["ICT", "MEDIA", "CARE", "TECH"]


def instance(rng: random.Random) -> tuple[dict[str, list[str]], dict[str, int], dict[str, dict[str, int]]]:
    """Draw the rankings, the places per offer and a fit score for every ranked pair."""
    offers = [f"offer-{j:04d}" for j in range(OFFERS)]
    capacities = dict.fromkeys(offers, 1)
    for offer in rng.choices(offers, k=PLACES - OFFERS):
        capacities[offer] += 1
    popularity = [1 / (j + 1) ** 0.7 for j in range(OFFERS)]  # a Zipf-like skew
    preferences: dict[str, list[str]] = {}
    for i in range(STUDENTS):
        ranked: dict[str, None] = {}
        while len(ranked) < CHOICES:
            ranked.update(dict.fromkeys(rng.choices(offers, popularity, k=CHOICES - len(ranked))))
        preferences[f"student-{i:05d}"] = list(ranked)
    fits = {student: {offer: rng.randint(1, 100) for offer in ranked} for student, ranked in preferences.items()}
    return preferences, capacities, fits


def wishes_and_offers(rng: random.Random, preferences: dict[str, list[str]]) -> list[tuple[Wish, Offer]]:
    """Draw a wish per student and an offer per id, and pair them as ranked: what fit() sees in a round."""
    start = dt.date(2025, 9, 1)

    def period() -> tuple[dt.date, dt.date]:
        begin = start + dt.timedelta(weeks=rng.randint(0, 20))
        return begin, begin + dt.timedelta(weeks=rng.randint(10, 40))

    offers = {}
    for j in range(OFFERS):
        begin, end = period()
        offers[f"offer-{j:04d}"] = Offer(
            f"offer-{j:04d}",
            frozenset(rng.sample(PROGRAMMES, 2)),
            frozenset(rng.sample(AREAS, 3)),
            begin,
            end,
            rng.choice([16, 24, 32, 36, 40]),
            rng.choice(REGIONS),
            1,
        )
    pairs = []
    for student, ranked in preferences.items():
        begin, end = period()
        region = rng.choice([None, *REGIONS])
        wish = Wish(student, rng.choice(PROGRAMMES), tuple(rng.sample(AREAS, 4)), begin, end, 32, region, None)
        pairs += [(wish, offers[offer]) for offer in ranked]
    return pairs


def run(quick: bool = False, runs: int = 5) -> list[Row]:
    """Time fits, priorities and a round at full size; return the summary rows."""
    runs = 1 if quick else runs
    rng = random.Random(2025)  # noqa: S311  (a fixed seed for a repeatable instance, not a secret)
    preferences, capacities, fits = instance(rng)
    pairs = wishes_and_offers(rng, preferences)
    weights = load_catalogue().weights
    seed = b"benchmark round"
    found = run_round(preferences, capacities, fits, seed)
    print(
        f"{STUDENTS:,} students, {OFFERS:,} offers, {sum(capacities.values()):,} places, {CHOICES} choices each:"
        f" {len(found.assignment):,} placed, {len(found.unplaced):,} unplaced; {runs} runs each",
        flush=True,
    )
    scoring = timed(
        f"fit(), {len(pairs):,} ranked (wish, offer) pairs", lambda: [fit(w, o, weights) for w, o in pairs], runs
    )
    ranking = timed("priorities() from the fits and a lottery", lambda: priorities(fits, found.lottery), runs)
    keys = priorities(fits, found.lottery)
    matching = timed(
        "deferred_acceptance() on those priorities", lambda: deferred_acceptance(preferences, capacities, keys), runs
    )
    whole = timed(
        "run_round(): lottery, priorities, deferred acceptance",
        lambda: run_round(preferences, capacities, fits, seed),
        runs,
    )
    tracemalloc.start()
    started = time.perf_counter()
    run_round(preferences, capacities, fits, seed)
    traced = (time.perf_counter() - started) * 1000
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(f"  run_round() peak memory {peak:.1f} MiB (traced, {traced:.0f} ms under tracemalloc)", flush=True)
    return [
        Row("matching", "fit(), 100,000 ranked pairs (median)", f"{scoring:.0f} ms"),
        Row("matching", "priorities() (median)", f"{ranking:.0f} ms"),
        Row("matching", "fits + priorities (median)", f"{scoring + ranking:.0f} ms"),
        Row("matching", "deferred_acceptance() (median)", f"{matching:.0f} ms"),
        Row("matching", "run_round() 10,000 x 2,000 (median)", f"{whole:.0f} ms", "< 2000 ms", whole < 2000),
        Row("matching", "run_round() peak memory (tracemalloc)", f"{peak:.1f} MiB"),
    ]


def main(argv: list[str]) -> None:
    """Print the figures of a round at full size."""
    parser = argparse.ArgumentParser(prog="bench_matching")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="one run of each")
    options = parser.parse_args(argv)
    print_rows(run(options.quick, options.runs))


if __name__ == "__main__":
    main(sys.argv[1:])
