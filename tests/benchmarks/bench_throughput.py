"""(a) Report submissions per second through gunicorn, beside the floor of this design and a hello world.

Run alone: python -m tests.benchmarks.bench_throughput [--seconds 15] [--clients 8] [--workers 3] [--threads 4]
Four servers, one after the other, with the repository's gunicorn.conf.py and the same workers,
threads, clients and duration: the hotline (POST /report/submit, the no-JavaScript path; before each
submit the client loads /report for a fresh form token, as each student loads the form, since an
anonymous form's token is spent by its POST; each body has a boundary of its own),
tests/benchmarks/floor_app.py (one HPKE seal and one committed row in the same database),
tests/benchmarks/report_floor_app.py (only what no report can skip: a token and its keys, one seal to
3 keys, a case and 3 routes) and tests/benchmarks/hello_app.py.
Each client sends one request per connection, as run_load.py's careful browser does. Target: the
hotline at least 0.8 x the floor. The handlers' keys have X-Wing keys, so the hotline seals envelope v2; after
the four, the hotline alone again on an instance with classical keys (envelope v1), to print beside it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from werkzeug.test import encode_multipart

from tests.benchmarks.instance import cleanup, database_urls
from tests.benchmarks.timing import Row, percentile, print_rows
from tests.load.run_load import (
    GUNICORN_CONF,
    UNLIMITED,
    Browser,
    Server,
    free_port,
    fresh_form_token,
    make_instance,
    prepare_report,
)

TARGET = 0.8
DESCRIPTION = ("Mijn stagebegeleider gaf mij alleen schoonmaakwerk en betaalde de vergoeding niet uit. " * 12)[:1024]


@dataclass
class Tally:
    """Requests answered as expected inside the measured window, and everything else."""

    done: int = 0
    failed: int = 0
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def start(env: dict[str, str], root: Path, app: str, workers: int, threads: int) -> Server:
    """Start gunicorn with the repository's config for any WSGI app and wait until it answers."""
    port, log = free_port(), root / f"gunicorn-{app.split(':')[0].rsplit('.', 1)[-1]}.log"
    command = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers), "--threads", str(threads), app]
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603  (our own interpreter and arguments)
            command, env=env, cwd=Path.cwd(), stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(process, port, log, workers)
    server.wait_ready()
    return server


Body = Callable[[], tuple[bytes, str]]  # the next submit's body and content type
Session = Callable[[int], tuple[Browser, str, Body, int]]  # a client's browser, path, bodies and expected status


def hotline_session(port: int) -> tuple[Browser, str, Body, int]:
    """Walk the form once; each submit then loads the form page for its token and sends a body of its own."""
    browser = Browser(port)
    form = prepare_report(browser, DESCRIPTION, lambda choices: choices[0])

    def body() -> tuple[bytes, str]:
        form["csrf_token"] = fresh_form_token(browser, "/report")
        boundary, data = encode_multipart(form)
        return data, f"multipart/form-data; boundary={boundary}"

    return browser, "/report/submit", body, 201


def plain_session(port: int) -> tuple[Browser, str, Body, int]:
    """The same kind of multipart body, to /submit."""
    boundary, data = encode_multipart({"csrf_token": "x" * 91, "category": "misuse.tasks", "description": DESCRIPTION})
    return Browser(port), "/submit", lambda: (data, f"multipart/form-data; boundary={boundary}"), 201


def drive(port: int, session: Session, clients: int, warm: float, seconds: float) -> Tally:
    """Run the clients for warm + seconds; count only the requests answered inside the last `seconds`."""
    tally = Tally()
    begin = time.perf_counter() + warm
    end = begin + seconds

    def client() -> None:
        browser, path, next_body, expected = session(port)
        while time.perf_counter() < end:
            body, content_type = next_body()  # a form page load included, for the hotline: counted as its cost
            sent = time.perf_counter()
            try:
                status, _page = browser.request("POST", path, body, content_type)
            except OSError:
                status = 0
            answered = time.perf_counter()
            if begin <= answered < end:
                with tally.lock:
                    if status == expected:
                        tally.done += 1
                        tally.latencies.append((answered - sent) * 1000)
                    else:
                        tally.failed += 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally


def measure_v1(label: str, url: str, options: argparse.Namespace) -> list[Row]:
    """The hotline alone on an instance whose keys have no X-Wing key: envelope v1, to print beside v2."""
    root = Path(tempfile.mkdtemp(prefix="hotline-bench-v1-"))
    rates: list[float] = []
    try:
        settings = {"REPORT_LIMIT": UNLIMITED, "STATUS_LIMIT": UNLIMITED}
        if options.redis:
            settings["RATELIMIT_STORAGE_URL"] = options.redis
        env = make_instance(root, url, settings, post_quantum=False)
        server = start(env, root, "hotline.wsgi:app", options.workers, options.threads)
        try:
            for number in range(options.rounds):
                tally = drive(server.port, hotline_session, options.clients, options.warm, options.seconds)
                rates.append(tally.done / options.seconds)
                print(f"  {label} round {number + 1} hotline, envelope v1 {rates[-1]:7.1f} requests/s"
                      f"   failed {tally.failed}", flush=True)  # fmt: skip
        finally:
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return [
        Row("a", f"reports/s, hotline with envelope v1 (X25519 wraps) ({label})", f"{statistics.median(rates):.0f}/s")
    ]


def measure(label: str, url: str, options: argparse.Namespace) -> list[Row]:
    """Serve the three apps on the same database at once and drive them in turn, round after round."""
    root = Path(tempfile.mkdtemp(prefix="hotline-bench-"))
    rates: dict[str, list[float]] = {"hotline": [], "floor": [], "report floor": [], "hello": []}
    ratios: list[float] = []
    ceilings: list[float] = []
    servers: list[Server] = []
    try:
        settings = {"REPORT_LIMIT": UNLIMITED, "STATUS_LIMIT": UNLIMITED}
        if options.redis:
            settings["RATELIMIT_STORAGE_URL"] = options.redis
        env = make_instance(root, url, settings)
        apps = [
            ("hotline", "hotline.wsgi:app", hotline_session),
            ("floor", "tests.benchmarks.floor_app:app", plain_session),
            ("report floor", "tests.benchmarks.report_floor_app:app", plain_session),
            ("hello", "tests.benchmarks.hello_app:app", plain_session),
        ]
        for _name, app, _session in apps:
            servers.append(start(env, root, app, options.workers, options.threads))
        # Rounds, each app in turn: a shared machine's load drifts, and each ratio compares neighbours.
        for number in range(options.rounds):
            for (name, _app, session), server in zip(apps, servers, strict=True):
                tally = drive(server.port, session, options.clients, options.warm, options.seconds)
                rates[name].append(tally.done / options.seconds)
                p50 = percentile(tally.latencies, 0.5) if tally.latencies else 0.0
                print(
                    f"  {label} round {number + 1} {name:<12} {rates[name][-1]:7.1f} requests/s"
                    f"   p50 {p50:6.1f} ms   failed {tally.failed}",
                    flush=True,
                )
            ratios.append(rates["hotline"][-1] / max(rates["floor"][-1], 1e-9))
            ceilings.append(rates["report floor"][-1] / max(rates["floor"][-1], 1e-9))
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(root, ignore_errors=True)
    median = {name: statistics.median(values) for name, values in rates.items()}
    ratio, ceiling = statistics.median(ratios), statistics.median(ceilings)
    print(f"  {label}: hotline / floor = {ratio:.2f} (median of {len(ratios)} rounds; target >= {TARGET})", flush=True)
    print(f"  {label}: report floor / floor = {ceiling:.2f}, the most a report path of this design reaches", flush=True)
    limits = "limits in Redis" if options.redis else "limits in memory"
    shape = f"{options.workers}w x {options.threads}t, {options.clients} clients"
    shape += f", {options.rounds} x {options.seconds:.0f} s"
    return [
        Row("a", f"reports/s, hotline, envelope v2 ({label}, {limits}; {shape})", f"{median['hotline']:.0f}/s"),
        Row("a", f"floor: 1 HPKE seal + 1 row ({label})", f"{median['floor']:.0f}/s"),
        Row(
            "a", f"report floor: token, 1 seal to 3 keys, case + 3 routes ({label})", f"{median['report floor']:.0f}/s"
        ),
        Row("a", f"hello world ({label})", f"{median['hello']:.0f}/s"),
        Row("a", f"hotline / floor ({label})", f"{ratio:.2f}", f">= {TARGET}", ratio >= TARGET),
        Row("a", f"  report floor / floor ({label})", f"{ceiling:.2f}", "(the most this design allows)"),
    ]


def options_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="measured seconds per app and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warm", type=float, default=3, help="seconds of load before measuring")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--redis", default=os.environ.get("HOTLINE_BENCH_REDIS_URL"), help="rate limits in this Redis, as in production"
    )
    return parser


def run(quick: bool = False, argv: list[str] | None = None) -> list[Row]:
    options = options_parser().parse_args(argv or [])
    if quick:
        options.seconds, options.warm, options.rounds = 5, 1, 1
    print("(a) report submissions per second through gunicorn", flush=True)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as folder:
        urls = database_urls(Path(folder))
        try:
            for label, url in urls:
                rows += measure(label, url, options)
        finally:
            cleanup(urls)
        urls = database_urls(Path(folder) / "v1")  # a fresh database of each kind for the classical instance
        try:
            for label, url in urls:
                rows += measure_v1(label, url, options)
        finally:
            cleanup(urls)
    return rows


if __name__ == "__main__":
    print_rows(run(argv=sys.argv[1:]))
