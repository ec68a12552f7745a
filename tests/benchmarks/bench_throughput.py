"""(a) Report submissions per second through gunicorn, on both report paths, each beside its own floor.

Run alone: python -m tests.benchmarks.bench_throughput [--seconds 15] [--clients 8] [--workers 3] [--threads 4]
Six servers on the same database, with the repository's gunicorn.conf.py and the same workers, threads,
clients and duration, driven in turn, round after round:
- the hotline's server path (POST /report/submit, no JavaScript): before each submit the client loads
  /report for a fresh form token, as each student loads the form, since an anonymous form's token is spent
  by its POST; both requests count as the report's cost;
- its floor, tests/benchmarks/report_floor_app.py: only what no report can skip (a token and its keys, one
  seal to 3 keys, a case and 3 routes), in one request, sealed v1 as the floor was defined before issue 17;
- its form floor, report_floor_app:form_app: what no report without JavaScript can skip in this design as it
  now is: a minimal form page with a form token, then the POST that checks and spends it, seals v2 to 3 keys
  and the token's own X-Wing key, commits a case and 3 routes and answers the token; both requests count;
- the hotline's browser path (POST /api/v1/reports) with reports sealed ahead of time, as the browser seals
  them, between rounds and never timed;
- its floor, tests/benchmarks/api_floor_app.py: parse the body, verify the envelope's signature and its
  recipients against the signed key lists, insert the case, its routes and its envelope;
- the same floor on the hotline's own tables, api_floor_app:schema_app (their indexes and foreign keys);
- tests/benchmarks/hello_app.py, for what HTTP alone costs here.
With --budget MS, also the API floor that runs Python code for MS milliseconds per report before its work
(api_floor_app:budget_app), measured against the API floor: how much time a ratio leaves any implementation.
Every request has a body of its own (a multipart body with its own boundary, or a new sealed report), as
real clients send. Each client sends one request per connection, as run_load.py's careful browser does.
Targets: hotline / report floor and API / API floor at least 0.8, each the median of the rounds' ratios. Printed
beside them: the ratios to the form floor and to the API floor on the hotline's tables; those two floors' own
ratios to the issue's floors (what the design's guarantees cost before anything else is done); and the CPU time
each server's workers spend per report (Linux /proc), the hotline's server path counting both of its requests.
SQLite always; PostgreSQL too with HOTLINE_BENCH_DATABASE_URL, and rate limits in Redis with
HOTLINE_BENCH_REDIS_URL, as in production. The handlers' keys have X-Wing keys, so the hotline seals envelope
v2; after the rounds, the server path alone again on an instance with classical keys (envelope v1).
"""

from __future__ import annotations

import argparse
import json
import os
import re
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
from typing import Any

from werkzeug.datastructures import MultiDict
from werkzeug.test import encode_multipart

from tests.benchmarks import sealed_reports
from tests.benchmarks.instance import cleanup, database_urls
from tests.benchmarks.timing import Row, percentile, print_rows
from tests.load.run_load import (
    GUNICORN_CONF,
    UNLIMITED,
    Browser,
    Form,
    Server,
    free_port,
    make_instance,
    prepare_report,
)

TARGET = 0.8
TARGETS = {("hotline", "report floor"), ("API", "API floor")}  # the ratios; others are printed beside
# The form token found with one search, not by parsing the page: the client shares the machine's cores with the
# server, and parsing the form page in Python cost the client more than the server took to render it.
FORM_TOKEN = re.compile(r'<input type="hidden" name="csrf_token" value="([0-9a-f]{64})"')
DESCRIPTION = ("Mijn stagebegeleider gaf mij alleen schoonmaakwerk en betaalde de vergoeding niet uit. " * 12)[:1024]


def form_token(page: str) -> str:
    """Return the form token of a form page."""
    found = FORM_TOKEN.search(page)
    if found is None:
        raise ValueError("no form token in the page")
    return found.group(1)


@dataclass
class Tally:
    """Requests answered as expected inside the measured window, and everything else."""

    done: int = 0
    failed: int = 0
    latencies: list[float] = field(default_factory=list)
    ran_out: bool = False  # the sealed reports ran out before the window ended: the rate is too low
    cpu: float = 0.0  # seconds of CPU the server's workers used inside the measured window
    lock: threading.Lock = field(default_factory=threading.Lock)

    def cpu_ms(self) -> float:
        """Return the workers' CPU time per request answered as expected, in milliseconds."""
        return self.cpu / max(self.done, 1) * 1000


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


Body = Callable[[], tuple[bytes, str] | None]  # the next request's body and content type; None: no more bodies
Session = Callable[[int], tuple[Browser, str, Body, int]]  # a client's browser, path, bodies and expected status


def multipart(form: MultiDict[str, str] | dict[str, str]) -> tuple[bytes, str]:
    """Encode a form as a browser does: with a boundary of its own."""
    boundary, data = encode_multipart(form)
    return data, f"multipart/form-data; boundary={boundary}"


def form_session(browser: Browser, form: MultiDict[str, str]) -> tuple[Browser, str, Body, int]:
    """Each submit loads the form page for its token, then sends the form with a body of its own."""

    def body() -> tuple[bytes, str]:
        status, page = browser.request("GET", "/report")
        form["csrf_token"] = form_token(page) if status == 200 else ""
        return multipart(form)

    return browser, "/report/submit", body, 201


def hotline_session(port: int) -> tuple[Browser, str, Body, int]:
    """Walk the form once to step two; each submit then loads the form page and sends a body of its own."""
    browser = Browser(port)
    return form_session(browser, prepare_report(browser, DESCRIPTION, lambda choices: choices[0]))


def form_floor_session(port: int) -> tuple[Browser, str, Body, int]:
    """The form floor's walk: its form page, then the same kind of form as the hotline's step two."""
    form = MultiDict({"category": "misuse.tasks", "programme": "hbo-ict", "sector": "", "phase": ""})
    form["description"] = DESCRIPTION
    return form_session(Browser(port), form)


def plain_session(port: int) -> tuple[Browser, str, Body, int]:
    """The same kind of multipart body, to /submit, each with a boundary of its own."""
    form = {"csrf_token": "x" * 64, "category": "misuse.tasks", "description": DESCRIPTION}
    return Browser(port), "/submit", lambda: multipart(form), 201


class Sealed:
    """Reports sealed ahead of time for the browser path: each is sent once to every app of a group of them."""

    def __init__(self, to: sealed_reports.Recipients) -> None:
        self.to = to
        self.bodies: dict[str, list[bytes]] = {}
        self.lock = threading.Lock()

    def make(self, count: int, groups: list[list[str]]) -> None:
        """Seal count new reports for each group of apps; the apps of a group share them, since their tables are
        their own (the hotline and a floor on the hotline's tables could not store the same envelope id twice)."""
        self.bodies = {}
        for apps in groups:
            made = sealed_reports.bodies(self.to, DESCRIPTION, count)
            self.bodies |= {app: list(made) for app in apps}

    def session(self, app: str) -> Session:
        """Return the clients' session for one app: the next unsent body, until none is left."""

        def body() -> tuple[bytes, str] | None:
            with self.lock:
                waiting = self.bodies[app]
                return (waiting.pop(), "application/json") if waiting else None

        return lambda port: (Browser(port), sealed_reports.PATH, body, 201)


def recipients_of(port: int) -> sealed_reports.Recipients:
    """Ask the hotline for the key lists as the browser does, for the category and programme the server path takes."""
    browser = Browser(port)
    page = Form(browser.page("GET", "/report", 200))

    def ask(method: str, path: str, document: dict[str, Any] | None) -> Any:
        body = json.dumps(document).encode() if document is not None else None
        status, answer = browser.request(method, path, body, "application/json")
        if status != 200:
            raise RuntimeError(f"{method} {path}: {status}")
        return json.loads(answer)

    return sealed_reports.recipients(ask, page.options("category")[0], page.options("programme")[0])


def drive(server: Server, session: Session, clients: int, warm: float, seconds: float) -> Tally:
    """Run the clients for warm + seconds; count only the requests answered inside the last `seconds`, and the
    CPU time the server's workers used meanwhile."""
    port = server.port
    tally = Tally()
    begin = time.perf_counter() + warm
    end = begin + seconds

    def client() -> None:
        browser, path, next_body, expected = session(port)
        while time.perf_counter() < end:
            made = next_body()  # a form page load included, for the hotline: counted as its cost
            if made is None:
                tally.ran_out = True
                return
            body, content_type = made
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
    time.sleep(max(begin - time.perf_counter(), 0))
    used = server.cpu_seconds()
    time.sleep(max(end - time.perf_counter(), 0))
    tally.cpu = server.cpu_seconds() - used
    for thread in threads:
        thread.join()
    return tally


def limits_settings(options: argparse.Namespace) -> dict[str, str]:
    """The limits of a benchmark instance: every client is 127.0.0.1, so no budget may run out; Redis if asked."""
    settings = {"REPORT_LIMIT": UNLIMITED, "STATUS_LIMIT": UNLIMITED}
    if options.redis:
        settings["RATELIMIT_STORAGE_URL"] = options.redis
    return settings


def measure_v1(label: str, url: str, options: argparse.Namespace) -> list[Row]:
    """The hotline alone on an instance whose keys have no X-Wing key: envelope v1, to print beside v2."""
    root = Path(tempfile.mkdtemp(prefix="hotline-bench-v1-"))
    rates: list[float] = []
    try:
        env = make_instance(root, url, limits_settings(options), post_quantum=False)
        server = start(env, root, "hotline.wsgi:app", options.workers, options.threads)
        try:
            for number in range(options.rounds):
                tally = drive(server, hotline_session, options.clients, options.warm, options.seconds)
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


APPS: list[tuple[str, str, tuple[str, ...]]] = [  # name, WSGI app, and the floors it is measured against
    ("hotline", "hotline.wsgi:app", ("report floor", "form floor")),
    ("report floor", "tests.benchmarks.report_floor_app:app", ()),
    ("form floor", "tests.benchmarks.report_floor_app:form_app", ("report floor",)),
    ("API", "hotline.wsgi:app", ("API floor", "API floor, hotline tables")),
    ("API floor", "tests.benchmarks.api_floor_app:app", ()),
    ("API floor, hotline tables", "tests.benchmarks.api_floor_app:schema_app", ("API floor",)),
    ("hello", "tests.benchmarks.hello_app:app", ()),
]
SESSIONS: dict[str, Session] = {"hotline": hotline_session, "form floor": form_floor_session}


BROWSER_PATH = [["API", "API floor"], ["API floor, hotline tables"]]  # groups of apps that share sealed reports


BUDGET = "API floor + budget"


def served(options: argparse.Namespace) -> tuple[list[tuple[str, str, tuple[str, ...]]], list[list[str]]]:
    """Return the apps to drive and the browser path's groups: with --budget, the budgeted API floor in its own."""
    if options.budget is None:
        return APPS, BROWSER_PATH
    return APPS + [(BUDGET, "tests.benchmarks.api_floor_app:budget_app", ("API floor",))], BROWSER_PATH + [[BUDGET]]


def bodies_needed(rates: dict[str, list[float]], options: argparse.Namespace, groups: list[list[str]]) -> int:
    """Return how many reports to seal for a round of the browser path: enough for the fastest app seen, and some."""
    fastest = max([rate for group in groups for name in group for rate in rates[name]], default=options.api_rate)
    return int(max(fastest, 100) * (options.warm + options.seconds) * 1.5) + options.clients


def measure(label: str, url: str, options: argparse.Namespace) -> list[Row]:
    """Serve the apps on the same database at once and drive them in turn, round after round."""
    root = Path(tempfile.mkdtemp(prefix="hotline-bench-"))
    apps, groups = served(options)
    rates: dict[str, list[float]] = {name: [] for name, _app, _floors in apps}
    cpu: dict[str, list[float]] = {name: [] for name, _app, _floors in apps}  # the workers' ms per report
    ratios: dict[tuple[str, str], list[float]] = {(name, f): [] for name, _app, floors in apps for f in floors}
    servers: dict[str, Server] = {}
    try:
        env = make_instance(root, url, limits_settings(options))
        env["HOTLINE_BENCH_BUDGET_MS"] = str(options.budget or 0)
        started: dict[str, Server] = {}  # the API is served by the hotline's own server: one app, both paths
        for name, app, _floors in apps:
            servers[name] = started.get(app) or start(env, root, app, options.workers, options.threads)
            started[app] = servers[name]
        sealed = Sealed(recipients_of(servers["API"].port))
        sessions = SESSIONS | {name: sealed.session(name) for group in groups for name in group}
        # Rounds, each app in turn: a shared machine's load drifts, and each ratio compares neighbours.
        for number in range(options.rounds):
            sealed.make(bodies_needed(rates, options, groups), groups)  # not timed: the servers wait
            for name, _app, _floors in apps:
                tally = drive(
                    servers[name],
                    sessions.get(name, plain_session),
                    options.clients,
                    options.warm,
                    options.seconds,
                )
                rates[name].append(tally.done / options.seconds)
                cpu[name].append(tally.cpu_ms())
                p50 = percentile(tally.latencies, 0.5) if tally.latencies else 0.0
                print(
                    f"  {label} round {number + 1} {name:<26} {rates[name][-1]:7.1f} requests/s"
                    f"   p50 {p50:6.1f} ms   workers' CPU {cpu[name][-1]:5.2f} ms each   failed {tally.failed}"
                    + ("   RAN OUT OF SEALED REPORTS" if tally.ran_out else ""),
                    flush=True,
                )
            for name, floor in ratios:
                ratios[name, floor].append(rates[name][-1] / max(rates[floor][-1], 1e-9))
    finally:
        for server in {id(server): server for server in servers.values()}.values():
            server.stop()
        shutil.rmtree(root, ignore_errors=True)
    median = {name: statistics.median(values) for name, values in rates.items()}
    ratio = {pair: statistics.median(values) for pair, values in ratios.items()}
    for name, floor in ratios:
        rounds = f"median of {options.rounds} rounds" + ("; target >= 0.8" if (name, floor) in TARGETS else "")
        print(f"  {label}: {name} / {floor} = {ratio[name, floor]:.2f} ({rounds})", flush=True)
    each = ", ".join(f"{name} {statistics.median(values):.2f}" for name, values in cpu.items())
    print(f"  {label}: the workers' CPU time per report, ms (median of {options.rounds} rounds): {each}", flush=True)
    limits = "limits in Redis" if options.redis else "limits in memory"
    shape = f"{options.workers}w x {options.threads}t, {options.clients} clients"
    shape += f", {options.rounds} x {options.seconds:.0f} s"

    def against(name: str, floor: str) -> Row:
        if (name, floor) in TARGETS:
            met = ratio[name, floor] >= TARGET
            return Row("a", f"  {name} / {floor} ({label})", f"{ratio[name, floor]:.2f}", f">= {TARGET}", met)
        return Row("a", f"  {name} / {floor} ({label})", f"{ratio[name, floor]:.2f}")

    rows = [
        Row(
            "a",
            f"reports/s, server path: hotline, envelope v2 ({label}, {limits}; {shape})",
            f"{median['hotline']:.0f}/s",
        ),
        Row(
            "a",
            f"  report floor: token, 1 seal (v1) to 3 keys, case + 3 routes ({label})",
            f"{median['report floor']:.0f}/s",
        ),
        against("hotline", "report floor"),
        Row(
            "a",
            f"  form floor: form page + token, 1 seal (v2) to 3 keys + own key, case + 3 routes ({label})",
            f"{median['form floor']:.0f}/s",
        ),
        against("hotline", "form floor"),
        against("form floor", "report floor"),
        Row("a", f"reports/s, browser path: API, sealed ahead ({label})", f"{median['API']:.0f}/s"),
        Row(
            "a", f"  API floor: parse, verify signature + recipients, insert ({label})", f"{median['API floor']:.0f}/s"
        ),
        against("API", "API floor"),
        Row(
            "a",
            f"  API floor on the hotline's tables ({label})",
            f"{median['API floor, hotline tables']:.0f}/s",
        ),
        against("API", "API floor, hotline tables"),
        against("API floor, hotline tables", "API floor"),
        Row("a", f"hello world ({label})", f"{median['hello']:.0f}/s"),
    ]
    if options.budget is not None:
        name = f"  API floor + {options.budget:g} ms of Python / API floor ({label})"
        rows.insert(-1, Row("a", name, f"{ratio[BUDGET, 'API floor']:.2f}"))  # beside the browser path, before hello
    return rows


def options_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="measured seconds per app and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warm", type=float, default=3, help="seconds of load before measuring")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--api-rate", type=float, default=1500, help="reports/s to seal for the first round of the browser path"
    )
    parser.add_argument(
        "--redis", default=os.environ.get("HOTLINE_BENCH_REDIS_URL"), help="rate limits in this Redis, as in production"
    )
    parser.add_argument(
        "--budget", type=float, help="also serve the API floor plus this many ms of Python code per report"
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
