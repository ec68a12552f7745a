"""Profile both report paths in process (cProfile), on an instance set up as for gunicorn.

Run: python -m tests.benchmarks.profile_submit [--path nojs|api] [--reports 300] [--attachment-mib 0]
     [--sort cumulative]

nojs: what a student without JavaScript costs per report: GET /report for a fresh form token (an anonymous
form's token is spent by its POST), then POST /report/submit, a multipart body with a boundary of its own.
api: POST /api/v1/reports with reports sealed ahead of time, as the browser seals them (not profiled).
HOTLINE_BENCH_DATABASE_URL profiles on a throwaway PostgreSQL database instead of SQLite, and
HOTLINE_BENCH_REDIS_URL keeps the rate limits in Redis, as in production.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from hotline import create_app
from tests.benchmarks import sealed_reports
from tests.benchmarks.bench_throughput import DESCRIPTION, form_token
from tests.benchmarks.instance import POSTGRESQL
from tests.load.run_load import UNLIMITED, Form, create_database, drop_database, make_instance


def nojs_submit(client: FlaskClient, attachment: bytes) -> Callable[[], None]:
    """Walk to step two once; return one report: the form page for a token, then the submit."""
    step1 = Form(client.get("/report").get_data(as_text=True))
    first = {"csrf_token": step1.value("csrf_token"), "category": step1.options("category")[0]}
    first |= {"programme": step1.options("programme")[0], "sector": "", "phase": ""}
    form = Form(client.post("/report/details", data=first).get_data(as_text=True)).values.deepcopy()
    form["description"] = DESCRIPTION

    def submit() -> None:
        page = client.get("/report")
        assert page.status_code == 200, page.status_code
        form["csrf_token"] = form_token(page.get_data(as_text=True))
        data: dict[str, Any] = dict(form.items(multi=True))
        if attachment:
            data["attachments"] = FileStorage(io.BytesIO(attachment), "bijlage.bin")
        boundary, body = encode_multipart(data)  # a boundary of its own, as every browser form has
        response = client.post("/report/submit", data=body, content_type=f"multipart/form-data; boundary={boundary}")
        assert response.status_code == 201, response.status_code

    return submit


def api_submit(client: FlaskClient, count: int) -> Callable[[], None]:
    """Seal count reports as the browser does, now; return one POST of the next of them."""

    def ask(method: str, path: str, document: dict[str, Any] | None) -> Any:
        return client.open(path, method=method, json=document).get_json()

    page = Form(client.get("/report").get_data(as_text=True))  # the category and programme the no-JS path takes
    to = sealed_reports.recipients(ask, page.options("category")[0], page.options("programme")[0])
    waiting = sealed_reports.bodies(to, DESCRIPTION, count)

    def submit() -> None:
        response = client.post(sealed_reports.PATH, data=waiting.pop(), content_type="application/json")
        assert response.status_code == 201, (response.status_code, response.get_json())

    return submit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", choices=("nojs", "api"), default="nojs")
    parser.add_argument("--reports", type=int, default=300)
    parser.add_argument("--attachment-mib", type=int, default=0, help="nojs only")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--lines", type=int, default=45)
    options = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="hotline-profile-"))
    server = os.environ.get(POSTGRESQL)
    url = create_database(server) if server else f"sqlite:///{root / 'hotline.sqlite3'}"
    try:
        settings = {"REPORT_LIMIT": UNLIMITED}
        if redis := os.environ.get("HOTLINE_BENCH_REDIS_URL"):
            settings["RATELIMIT_STORAGE_URL"] = redis
        env = make_instance(root, url, settings)
        os.environ.update({k: v for k, v in env.items() if k.startswith("HOTLINE_")})
        client = create_app().test_client()
        if options.path == "nojs":
            submit = nojs_submit(client, os.urandom(options.attachment_mib * 1024 * 1024))
        else:
            submit = api_submit(client, options.reports + 1)
        submit()
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        for _ in range(options.reports):
            submit()
        profile.disable()
        elapsed = time.perf_counter() - started
        each = elapsed / options.reports * 1000
        print(f"{options.reports} reports ({options.path}) in {elapsed:.2f} s: {each:.2f} ms each (profiled)")
        pstats.Stats(profile).sort_stats(options.sort).print_stats(options.lines)
    finally:
        if server:
            drop_database(url)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
