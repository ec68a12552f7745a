"""The one timing helper of the benchmarks: figures, targets and the summary table; never assertions."""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """One line of the summary: a figure, its target, and whether the target is met (None: no target)."""

    part: str
    measure: str
    figure: str
    target: str = ""
    met: bool | None = None


def samples(action: Callable[[], object], runs: int, *, warm: bool = False) -> list[float]:
    """Run an action several times and return each run's milliseconds."""
    if warm:
        action()  # fill the caches once before measuring
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return times


def timed(label: str, action: Callable[[], object], runs: int = 15, *, warm: bool = False) -> float:
    """Print the median and spread of an action in milliseconds; return the median."""
    times = samples(action, runs, warm=warm)
    median, low, high = statistics.median(times), min(times), max(times)
    print(f"  {label:<56} median {median:8.2f} ms   min {low:8.2f}   max {high:8.2f}", flush=True)
    return median


def timed_together(actions: list[tuple[str, Callable[[], object]]], runs: int = 15) -> list[float]:
    """Time several actions taking turns, run after run, so that a shared machine's drift hits all alike.

    Prints each one's median and spread as timed() does; returns the medians in order.
    """
    for _label, action in actions:
        action()  # fill the caches once before measuring
    times: list[list[float]] = [[] for _ in actions]
    for _ in range(runs):
        for (_label, action), found in zip(actions, times, strict=True):
            start = time.perf_counter()
            action()
            found.append((time.perf_counter() - start) * 1000)
    medians = []
    for (label, _action), found in zip(actions, times, strict=True):
        median = statistics.median(found)
        print(f"  {label:<56} median {median:8.2f} ms   min {min(found):8.2f}   max {max(found):8.2f}", flush=True)
        medians.append(median)
    return medians


def percentile(values: list[float], share: float) -> float:
    """Return the value below which this share of the values lies (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def verdict(met: bool | None) -> str:
    return {True: "met", False: "NOT met", None: ""}[met]


def machine() -> str:
    """Describe where the figures came from: date, cores, CPU model, load average, Python."""
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), model)
    except OSError:
        pass  # not Linux: the model stays unknown
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"{dt.date.today().isoformat()}, nproc {os.cpu_count()}, {model}, load average {load},"
        f" Python {platform.python_version()}"
    )


def print_rows(rows: list[Row]) -> None:
    """Print the summary table."""
    header = ("part", "measure", "figure", "target", "")
    widths = [max(len(str(getattr(row, name))) for row in rows) if rows else 0 for name in header[:4]]
    widths = [max(width, len(title)) for width, title in zip(widths, header[:4], strict=True)]
    line = "  ".join(f"{{:<{width}}}" for width in widths) + "  {}"
    print()
    print(line.format(*header))
    print(line.format(*("-" * width for width in widths), "-------"))
    for row in rows:
        print(line.format(row.part, row.measure, row.figure, row.target, verdict(row.met)))
    print(f"\nmachine: {machine()}", flush=True)
