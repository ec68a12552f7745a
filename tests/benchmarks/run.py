"""Run the benchmarks and print one summary table: figures and targets, never assertions.

    python -m tests.benchmarks.run                 # all parts: a b c d e
    python -m tests.benchmarks.run c d --quick     # some parts, shorter and smaller

a  reports/s through gunicorn on both paths (no-JS form, API), each beside its own floor, and a hello world
b  status lookup p50 at 1,000 and 1,000,000 cases
c  inbox page time at 100,000 cases
d  sealing against one OpenPGP (gpg) process per report
e  peak memory of one gunicorn worker under reports with 5 MiB attachments and status lookups

SQLite by default; HOTLINE_BENCH_DATABASE_URL (a PostgreSQL server whose role may CREATE DATABASE)
adds a throwaway PostgreSQL database to a, b and c; HOTLINE_BENCH_REDIS_URL keeps a's rate limits in
Redis, as in production. Each part also runs alone: python -m tests.benchmarks.bench_<name> --help.
python -m tests.benchmarks.profile_submit profiles either report path in process (cProfile).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from tests.benchmarks import bench_inbox, bench_memory, bench_sealing, bench_status, bench_throughput
from tests.benchmarks.timing import Row, machine, print_rows

PARTS: dict[str, Callable[[bool], list[Row]]] = {
    "a": bench_throughput.run,
    "b": bench_status.run,
    "c": bench_inbox.run,
    "d": bench_sealing.run,
    "e": bench_memory.run,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("parts", nargs="*", help="which parts: a b c d e (default: all)")
    parser.add_argument("--quick", action="store_true", help="shorter runs and smaller tables, for a first look")
    options = parser.parse_args()
    if unknown := [part for part in options.parts if part not in PARTS]:
        parser.error(f"no part {', '.join(unknown)}: choose from {' '.join(PARTS)}")
    print(f"machine at the start: {machine()}", flush=True)
    started = time.perf_counter()
    rows: list[Row] = []
    for name in options.parts or PARTS:
        rows += PARTS[name](options.quick)
        print(flush=True)
    print_rows(rows)
    print(f"{time.perf_counter() - started:.0f} s in all", flush=True)


if __name__ == "__main__":
    main()
