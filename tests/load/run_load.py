"""Load without loss: many clients file reports through gunicorn, then every token shown is opened.

    python tests/load/run_load.py --database sqlite --reports 3000 --clients 32 --kill-worker
    python tests/load/run_load.py --database postgresql://postgres@127.0.0.1:5432/test --redis redis://127.0.0.1:6379/0

Each client walks the no-JavaScript form as a browser does (GET /report, POST /report/details,
POST /report/submit, with the session cookie and CSRF token). The run makes a fresh instance:
an SQLite file in a temporary folder, or a new database on the given PostgreSQL server (the
role needs CREATEDB; the database is dropped afterwards). The instance's rate limits are
raised through HOTLINE_REPORT_LIMIT and HOTLINE_STATUS_LIMIT, because every client comes from
127.0.0.1; the defaults stay as they are. --kill-worker sends SIGKILL to one gunicorn worker a
third of the way in. Exit status 1 when a shown token does not open, a request got a 5xx,
or the database holds a half-written case.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from sqlalchemy import Engine, func, make_url, select, text
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from werkzeug.test import encode_multipart

from hotline import crypto, db, demo
from hotline.institution import write_example as write_example_institution
from hotline.keyring import INSTITUTION_FILE, institution_document, key_list_path, write_json
from hotline.models import Case, CaseRoute, EnvelopeRecord

REPO = Path(__file__).resolve().parents[2]
GUNICORN_CONF = REPO / "gunicorn.conf.py"
UNLIMITED = "1000000 per hour"  # every client comes from 127.0.0.1: one budget for all of them

TOKEN_RE = re.compile(r'data-case-token="([0-9A-Z-]+)"')
STATUS_RE = re.compile(r'data-case-status="([a-z_]+)"')
SQLITE_FILE = "hotline.sqlite3"
BROKEN = (OSError, http.client.HTTPException)  # the connection broke: a worker died, or was not up yet


# The instance -------------------------------------------------------------------------------


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def create_database(server_url: str) -> str:
    """Create an empty database on a PostgreSQL server and return its URL."""
    name = f"hotline_load_{secrets.token_hex(6)}"
    engine = db.make_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Drop a database made by create_database, closing whatever still uses it."""
    parsed = make_url(url)
    engine = db.make_engine(parsed.set(database="postgres").render_as_string(hide_password=False))
    with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    engine.dispose()


def make_instance(
    root: Path, database_url: str, settings: dict[str, str] | None = None, *, post_quantum: bool = True
) -> dict[str, str]:
    """Set up an instance as an operator would: secrets, `hotline init`, institution.toml, destinations, key lists.

    The lists arrive as files signed elsewhere, as after `hotline keys sign`: the database learns
    their versions from the first reports, which under load come in together. Return the
    environment to start gunicorn with. The handlers' keys have X-Wing keys (envelope v2) unless post_quantum
    is off (envelope v1).
    """
    instance, keys_dir = root / "instance", root / "keys"
    institution = crypto.generate_key("Belastingtest-instelling")
    write_json(keys_dir / INSTITUTION_FILE, institution_document(institution.ed25519.public_key()))
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env |= {
        "HOTLINE_INSTANCE": str(instance),
        "HOTLINE_KEYS_DIR": str(keys_dir),
        "HOTLINE_DATABASE_URL": database_url,
        "HOTLINE_SECRET_KEY": secrets.token_hex(32),
        "HOTLINE_LOOKUP_PEPPER": secrets.token_hex(32),
        "HOTLINE_INSTANCE_SALT": secrets.token_hex(32),
        "HOTLINE_INSTITUTION_KEY": crypto.institution_fingerprint(institution.ed25519.public_key()),
    }
    env |= {f"HOTLINE_{key}": value for key, value in (settings or {}).items()}
    hotline = Path(sys.executable).with_name("hotline")
    subprocess.run([str(hotline), "init"], env=env, cwd=root, check=True, capture_output=True)  # noqa: S603  (our own CLI)
    write_example_institution(instance)  # who runs it: the operator's institution.toml, here the made-up example
    engine = db.make_engine(database_url)
    with Session(engine) as session:
        for slug, name, name_en, kind in demo.DESTINATIONS:
            demo.add_destination(session, slug, name, kind, name_en)
            handler = crypto.generate_key(f"Behandelaar {name}", post_quantum=post_quantum).public
            write_json(key_list_path(keys_dir, slug), crypto.sign_key_list(institution.ed25519, slug, 1, [handler]))
    engine.dispose()
    return env


@dataclass
class Server:
    """One gunicorn instance: a master and its workers, in their own process group."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path
    workers: int

    @classmethod
    def start(cls, env: dict[str, str], root: Path, *, workers: int = 2, threads: int = 4, name: str = "a") -> Server:
        """Start gunicorn with the repository's config file and wait until it answers."""
        port, log = free_port(), root / f"gunicorn-{name}.log"
        command = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "--bind", f"127.0.0.1:{port}"]
        command += ["--workers", str(workers), "--threads", str(threads), "hotline.wsgi:app"]
        with log.open("wb") as output:
            process = subprocess.Popen(  # noqa: S603  (our own interpreter and arguments)
                command, env=env, cwd=root, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )
        server = cls(process, port, log, workers)
        server.wait_ready()
        return server

    def wait_ready(self, seconds: float = 60) -> None:
        """Wait until every worker runs and the front page answers."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_text()[-3000:]}")
            try:
                if Browser(self.port).request("GET", "/")[0] == 200 and len(self.worker_pids()) == self.workers:
                    return
            except BROKEN:
                pass  # not listening yet
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not become ready:\n{self.log_text()[-3000:]}")

    def worker_stats(self) -> dict[int, list[str]]:
        """Return the /proc stat fields after the command name of each of the master's worker processes (Linux)."""
        found = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # the process ended while we looked
            if int(fields[1]) == self.process.pid:
                found[int(stat.parent.name)] = fields
        return found

    def worker_pids(self) -> list[int]:
        """Return the pids of the master's worker processes (Linux /proc)."""
        return list(self.worker_stats())

    def cpu_seconds(self) -> float:
        """Return the CPU time, user and system, that the workers have used so far (Linux /proc)."""
        ticks = sum(int(fields[11]) + int(fields[12]) for fields in self.worker_stats().values())
        return ticks / os.sysconf("SC_CLK_TCK")

    def log_text(self) -> str:
        return self.log.read_text("utf-8", errors="replace")

    def stop(self) -> None:
        """Stop the master and its workers at once (INT to the process group), KILL if they linger."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        for pid in self.worker_pids():  # orphans are reparented, so this only finds stragglers of a live master
            os.kill(pid, signal.SIGKILL)


# A browser without JavaScript ---------------------------------------------------------------


class ServerError(Exception):
    """The server answered 5xx."""


class Refused(Exception):
    """The server answered 4xx, or a page lacked what a browser needs."""


class Browser:
    """Cookies and one fresh connection per request, as a careful browser on Tor would have."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, content_type: str = "") -> tuple[int, str]:
        """Send one request and return the status and page; raises one of BROKEN if the connection breaks."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = content_type
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            page = response.read().decode("utf-8", errors="replace")
        finally:
            connection.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, page

    def page(self, method: str, path: str, expected: int, form: MultiDict[str, str] | None = None) -> str:
        """Request a page (a form as multipart for /report/submit) and check its status."""
        body, content_type = None, ""
        if form is not None and path == "/report/submit":
            boundary, body = encode_multipart(form)
            content_type = f"multipart/form-data; boundary={boundary}"
        elif form is not None:
            body = urllib.parse.urlencode(list(form.items(multi=True))).encode()
            content_type = "application/x-www-form-urlencoded"
        status, page = self.request(method, path, body, content_type)
        if status >= 500:
            raise ServerError(f"{method} {path}: {status}")
        if status != expected:
            raise Refused(f"{method} {path}: {status}")
        return page


class Form(HTMLParser):
    """The fields of a page's forms as a browser sees them: values per name, and the choices of each."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.values: MultiDict[str, str] = MultiDict()  # hidden fields and checked boxes
        self.choices: MultiDict[str, str] = MultiDict()  # radio buttons and options, whether chosen or not
        self.select: str | None = None
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        fields = dict(attrs)
        name, value = fields.get("name") or "", fields.get("value") or ""
        if tag == "select":
            self.select = name
        elif tag == "option" and self.select and value:
            self.choices.add(self.select, value)
        elif tag == "input" and fields.get("type") == "radio" and value:
            self.choices.add(name, value)
        elif tag == "input" and fields.get("type") == "hidden":
            self.values.add(name, value)
        elif tag == "input" and fields.get("type") == "checkbox" and "checked" in fields and "disabled" not in fields:
            self.values.add(name, value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = None

    def value(self, name: str) -> str:
        """Return a field's value; a page without it is refused."""
        if name not in self.values:
            raise Refused(f"no field {name} in the page")
        return self.values[name]

    def options(self, name: str) -> list[str]:
        """Return what a student can choose for a field; a page without choices is refused."""
        if name not in self.choices:
            raise Refused(f"no choices for {name} in the page")
        return self.choices.getlist(name)


def found(pattern: re.Pattern[str], page: str) -> str:
    """Return a pattern's first match in a page; a page without it is refused."""
    match = pattern.search(page)
    if not match:
        raise Refused(f"no {pattern.pattern} in the page")
    return match.group(1)


def prepare_report(browser: Browser, description: str, pick: Callable[[list[str]], str]) -> MultiDict[str, str]:
    """Walk step one and open step two; return the form as a browser would submit it."""
    step1 = Form(browser.page("GET", "/report", 200))
    form = MultiDict(
        {
            "csrf_token": step1.value("csrf_token"),
            "category": pick(step1.options("category")),
            "programme": pick(step1.options("programme")),
            "sector": "",
            "phase": "",
        }
    )
    step2 = Form(browser.page("POST", "/report/details", 200, form))
    form = step2.values.deepcopy()  # step one's answers as hidden fields, and the destinations shown checked
    form["description"] = description
    return form


def fresh_form_token(browser: Browser, path: str) -> str:
    """Load a form page for a new token: an anonymous form's token is spent by the POST that uses it."""
    return Form(browser.page("GET", path, 200)).value("csrf_token")


def submit_report(browser: Browser, form: MultiDict[str, str]) -> tuple[str, float]:
    """Submit step two; return the token shown and the seconds the submit took."""
    started = time.perf_counter()
    page = browser.page("POST", "/report/submit", 201, form)
    return found(TOKEN_RE, page), time.perf_counter() - started


def file_report(browser: Browser, description: str = "Er werd naar mijn afkomst gevraagd.") -> str:
    """File a report through the no-JavaScript form and return the token shown."""
    return submit_report(browser, prepare_report(browser, description, random.choice))[0]


def status_of(browser: Browser, token: str) -> str:
    """Look a token up on /status and return the case's status."""
    form = MultiDict({"csrf_token": fresh_form_token(browser, "/status"), "token": token})
    return found(STATUS_RE, browser.page("POST", "/status", 200, form))


# The run --------------------------------------------------------------------------------------


@dataclass
class Options:
    database: str = "sqlite"  # "sqlite" or a PostgreSQL server URL
    reports: int = 200
    clients: int = 8
    workers: int = 3
    threads: int = 4
    kill_worker: bool = False
    redis: str | None = None
    root: Path | None = None  # None: a temporary folder, removed afterwards


@dataclass
class Outcome:
    """What the run saw; `ok` is the verdict."""

    tokens: list[str] = field(default_factory=list)
    submit_seconds: list[float] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    unanswered: int = 0  # submits whose connection broke: filed or not, never shown
    interrupted: int = 0  # flows broken before the submit, and walked again
    killed: int | None = None
    respawned: bool = True
    lost: list[str] = field(default_factory=list)
    cases: int = 0
    half_written: int = 0
    elapsed: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def ok(self) -> bool:
        extra = self.cases - len(self.tokens)
        return (
            not self.server_errors
            and not self.refused
            and not self.lost
            and not self.half_written
            and 0 <= extra <= self.unanswered
            and len(set(self.tokens)) == len(self.tokens)
            and self.respawned
        )

    def summary(self) -> str:
        """Return the figures, one per line."""
        ms = sorted(s * 1000 for s in self.submit_seconds) or [0.0]
        p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
        return "\n".join(
            [
                f"reports filed (token shown): {len(self.tokens)} in {self.elapsed:.1f} s"
                f" = {len(self.tokens) / max(self.elapsed, 1e-9):.1f} reports/s",
                f"submit latency: p50 {statistics.median(ms):.0f} ms, p95 {p95:.0f} ms, max {ms[-1]:.0f} ms",
                f"worker killed: {self.killed or 'none'}; respawned: {self.respawned};"
                f" submits unanswered: {self.unanswered}; flows walked again: {self.interrupted}",
                f"cases in the database: {self.cases}",
                f"lost={len(self.lost)} 5xx={len(self.server_errors)} refused={len(self.refused)}"
                f" half-written={self.half_written}",
                "OK" if self.ok else "FAILED",
            ]
        )


def one_report(port: int, number: int, outcome: Outcome) -> None:
    """File one report; walk the form again if the connection broke before the submit, never after."""
    rng = random.Random(number)  # noqa: S311  (picks a category, not a secret)
    description = f"Melding {number} van de belastingtest."
    try:
        for _attempt in range(5):
            browser = Browser(port)
            try:
                form = prepare_report(browser, description, rng.choice)
            except BROKEN:
                with outcome.lock:
                    outcome.interrupted += 1
                continue
            try:
                token, seconds = submit_report(browser, form)
            except BROKEN:  # the worker died with the report: it may be filed, but no token was shown
                with outcome.lock:
                    outcome.unanswered += 1
                return
            with outcome.lock:
                outcome.tokens.append(token)
                outcome.submit_seconds.append(seconds)
            return
        with outcome.lock:
            outcome.refused.append(f"report {number}: no connection after 5 attempts")
    except ServerError as exc:
        with outcome.lock:
            outcome.server_errors.append(str(exc))
    except Refused as exc:
        with outcome.lock:
            outcome.refused.append(str(exc))


def check_token(port: int, token: str, outcome: Outcome) -> None:
    """Open a shown token on /status; a token that does not open is lost."""
    try:
        status = status_of(Browser(port), token)
    except (Refused, ServerError, *BROKEN) as exc:
        with outcome.lock:
            outcome.lost.append(f"{token}: {exc}")
        return
    if status != "received":
        with outcome.lock:
            outcome.lost.append(f"{token}: status {status}")


def check_database(engine: Engine, outcome: Outcome) -> None:
    """Count the cases and those not whole: a case needs its report envelope and a route."""
    with Session(engine) as session:
        outcome.cases = session.scalar(select(func.count()).select_from(Case)) or 0
        reports = select(EnvelopeRecord.case_id).where(EnvelopeRecord.kind == "report")
        routed = select(CaseRoute.case_id)
        whole = select(func.count()).select_from(Case).where(Case.id.in_(reports), Case.id.in_(routed))
        cases = select(Case.id)
        orphans = sum(
            session.scalar(select(func.count()).select_from(table).where(table.case_id.not_in(cases))) or 0
            for table in (EnvelopeRecord, CaseRoute)
        )
        outcome.half_written = outcome.cases - (session.scalar(whole) or 0) + orphans


def kill_a_worker(server: Server, outcome: Outcome, after: int) -> None:
    """SIGKILL one worker once `after` reports are filed."""
    while len(outcome.tokens) < after and server.process.poll() is None:
        time.sleep(0.01)
    pid = server.worker_pids()[0]
    os.kill(pid, signal.SIGKILL)
    outcome.killed = pid


def run(options: Options) -> Outcome:
    """Make an instance, serve it with gunicorn, file the reports, open every token, check the database."""
    root = options.root or Path(tempfile.mkdtemp(prefix="hotline-load-"))
    url = f"sqlite:///{root / SQLITE_FILE}" if options.database == "sqlite" else create_database(options.database)
    settings = {"REPORT_LIMIT": UNLIMITED, "STATUS_LIMIT": UNLIMITED}
    if options.redis:
        settings["RATELIMIT_STORAGE_URL"] = options.redis
    outcome, server = Outcome(), None
    try:
        env = make_instance(root, url, settings)
        server = Server.start(env, root, workers=options.workers, threads=options.threads)
        killer = None
        if options.kill_worker:
            killer = threading.Thread(target=kill_a_worker, args=(server, outcome, options.reports // 3), daemon=True)
            killer.start()
        started = time.perf_counter()
        with ThreadPoolExecutor(options.clients) as pool:
            list(pool.map(lambda n: one_report(server.port, n, outcome), range(options.reports)))
        outcome.elapsed = time.perf_counter() - started
        if killer is not None:
            killer.join(timeout=10)
            deadline = time.monotonic() + 30
            while len(server.worker_pids()) < options.workers and time.monotonic() < deadline:
                time.sleep(0.1)
            outcome.respawned = outcome.killed is not None and len(server.worker_pids()) == options.workers
        with ThreadPoolExecutor(options.clients) as pool:
            list(pool.map(lambda token: check_token(server.port, token, outcome), list(outcome.tokens)))
        engine = db.make_engine(url)
        try:
            check_database(engine, outcome)
        finally:
            engine.dispose()
        if not outcome.ok:
            print(server.log_text()[-5000:], file=sys.stderr)
        return outcome
    finally:
        if server is not None:
            server.stop()
        if options.database != "sqlite":
            drop_database(url)
        if options.root is None:
            shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """Run the load from the command line and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="sqlite", help="sqlite, or a PostgreSQL server URL (default: sqlite)")
    parser.add_argument("--reports", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default: 3)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (default: 4)")
    parser.add_argument("--kill-worker", action="store_true", help="SIGKILL one worker a third of the way in")
    parser.add_argument("--redis", help="keep the rate limits in this Redis (default: in each worker's memory)")
    args = parser.parse_args(argv)
    options = Options(
        args.database, args.reports, args.clients, args.workers, args.threads, args.kill_worker, args.redis
    )
    database = "SQLite" if options.database == "sqlite" else "PostgreSQL"
    shape = f"{options.workers} workers x {options.threads} threads"
    print(f"{options.reports} reports, {options.clients} clients, gunicorn {shape}, {database}")
    outcome = run(options)
    print(outcome.summary())
    return 0 if outcome.ok else 1


if __name__ == "__main__":
    sys.exit(main())
