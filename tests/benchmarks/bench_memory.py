"""(e) Peak memory of one gunicorn worker under a mixed load: reports with a 5 MiB attachment and status lookups.

Run alone: python -m tests.benchmarks.bench_memory [--seconds 20] [--clients 6] [--threads 4]
One worker with the repository's gunicorn.conf.py (and its threads); half the clients file reports
with a 5 MiB attachment, the other half look up the tokens filed. The figure is the worker's
VmHWM (peak resident set) from /proc. Target: at most 100 MB.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.benchmarks.bench_throughput import DESCRIPTION, start
from tests.benchmarks.timing import Row, print_rows
from tests.load.run_load import UNLIMITED, Browser, fresh_form_token, make_instance, prepare_report

TARGET_MB = 100
TOKEN_RE = re.compile(r'data-case-token="([0-9A-Z-]+)"')


def peak_mb(pid: int) -> float:
    """Return a process's peak resident set (VmHWM) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run(quick: bool = False, argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--threads", type=int, default=4)
    options = parser.parse_args(argv or [])
    if quick:
        options.seconds = 8
    print(f"(e) peak memory of one worker ({options.threads} threads), {options.clients} clients", flush=True)
    root = Path(tempfile.mkdtemp(prefix="hotline-bench-"))
    attachment = os.urandom(5 * 1024 * 1024)
    filed: list[str] = []
    counts = {"reports": 0, "lookups": 0, "failed": 0}
    lock = threading.Lock()
    try:
        env = make_instance(
            root, f"sqlite:///{root / 'hotline.sqlite3'}", {"REPORT_LIMIT": UNLIMITED, "STATUS_LIMIT": UNLIMITED}
        )
        server = start(env, root, "hotline.wsgi:app", 1, options.threads)
        try:
            (worker,) = server.worker_pids()
            idle = peak_mb(worker)
            end = time.perf_counter() + options.seconds

            def reporter() -> None:
                browser = Browser(server.port)
                form = prepare_report(browser, DESCRIPTION, lambda choices: choices[0])
                while time.perf_counter() < end:
                    form["csrf_token"] = fresh_form_token(browser, "/report")  # spent by each submit
                    # A new body each time: encoding reads the upload's stream to its end.
                    upload = FileStorage(io.BytesIO(attachment), "bijlage.pdf", content_type="application/pdf")
                    form.setlist("attachments", [upload])
                    boundary, body = encode_multipart(form)
                    status, page = browser.request(
                        "POST", "/report/submit", body, f"multipart/form-data; boundary={boundary}"
                    )
                    with lock:
                        if status == 201:
                            counts["reports"] += 1
                            filed.extend(TOKEN_RE.findall(page))
                        else:
                            counts["failed"] += 1

            def looker() -> None:
                browser = Browser(server.port)
                while time.perf_counter() < end:
                    if not filed:
                        time.sleep(0.05)
                        continue
                    csrf = fresh_form_token(browser, "/status")  # spent by each lookup
                    body = urllib.parse.urlencode({"csrf_token": csrf, "token": filed[-1]}).encode()
                    status, _page = browser.request("POST", "/status", body, "application/x-www-form-urlencoded")
                    with lock:
                        counts["lookups" if status == 200 else "failed"] += 1

            threads = [threading.Thread(target=reporter if n % 2 == 0 else looker) for n in range(options.clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            peak = peak_mb(worker)
        finally:
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"  worker peak RSS (VmHWM): {peak:.1f} MB, {idle:.1f} MB before the load; {counts}", flush=True)
    return [
        Row(
            "e",
            f"1 worker x {options.threads} threads: {counts['reports']} reports + 5 MiB, {counts['lookups']} lookups",
            f"{peak:.0f} MB (idle {idle:.0f})",
            f"<= {TARGET_MB} MB",
            peak <= TARGET_MB,
        )
    ]


if __name__ == "__main__":
    print_rows(run(argv=sys.argv[1:]))
