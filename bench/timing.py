"""The one timing helper of the benchmark scripts: figures only, never assertions."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def timed(label: str, action: Callable[[], object], runs: int = 15, *, warm: bool = False) -> None:
    """Run an action several times and print the median and spread in milliseconds."""
    if warm:
        action()  # fill the caches once before measuring
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    median, low, high = statistics.median(samples), min(samples), max(samples)
    print(f"  {label:<52} median {median:8.1f} ms   min {low:8.1f}   max {high:8.1f}")
