"""Profile POST /report/submit in process (cProfile), on an instance set up as for gunicorn.

Run: python -m tests.benchmarks.profile_submit [--reports 300] [--attachment-mib 0] [--sort cumulative]
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
from pathlib import Path

from werkzeug.datastructures import FileStorage

from hotline import create_app
from tests.benchmarks.bench_throughput import DESCRIPTION
from tests.load.run_load import UNLIMITED, Form, make_instance


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=300)
    parser.add_argument("--attachment-mib", type=int, default=0)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--lines", type=int, default=45)
    options = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="hotline-profile-"))
    try:
        env = make_instance(root, f"sqlite:///{root / 'hotline.sqlite3'}", {"REPORT_LIMIT": UNLIMITED})
        os.environ.update({k: v for k, v in env.items() if k.startswith("HOTLINE_")})
        app = create_app()
        client = app.test_client()
        step1 = Form(client.get("/report").get_data(as_text=True))
        first = {"csrf_token": step1.value("csrf_token"), "category": step1.options("category")[0]}
        first |= {"programme": step1.options("programme")[0], "sector": "", "phase": ""}
        form = Form(client.post("/report/details", data=first).get_data(as_text=True)).values.deepcopy()
        form["description"] = DESCRIPTION
        attachment = os.urandom(options.attachment_mib * 1024 * 1024)

        def submit() -> None:
            data: dict[str, object] = dict(form.items(multi=True))
            if attachment:
                data["attachments"] = FileStorage(io.BytesIO(attachment), "bijlage.bin")
            response = client.post("/report/submit", data=data, content_type="multipart/form-data")
            assert response.status_code == 201, response.status_code

        submit()
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        for _ in range(options.reports):
            submit()
        profile.disable()
        elapsed = time.perf_counter() - started
        print(
            f"{options.reports} submits in {elapsed:.2f} s: {elapsed / options.reports * 1000:.2f} ms each (profiled)"
        )
        pstats.Stats(profile).sort_stats(options.sort).print_stats(options.lines)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
