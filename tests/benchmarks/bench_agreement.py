"""The fair-conditions check: one check, and reading an uploaded agreement (a 2-page PDF and its Word twin).

Run alone: python -m tests.benchmarks.bench_agreement [--runs 20]
Prints the median time of hotline.conditions.reader.read_agreement (parse the file in memory, find the
lines, suggest the fields), of hotline.norms.evaluate (every rule against one set of terms), and of the
two requests a student makes, through the app in this process: POST /check (parse, check, render the
result) and POST /check/read with the 2-page PDF (upload, read, render the filled form).
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from werkzeug.datastructures import MultiDict

from hotline.conditions import forms
from hotline.conditions.reader import read_agreement
from hotline.extensions import norms
from hotline.norms import evaluate
from tests import agreements
from tests.benchmarks.instance import make_app
from tests.benchmarks.timing import Row, print_rows, timed
from tests.conftest import post_multipart, upload
from tests.test_conditions import FAIR


def run(argv: list[str]) -> list[Row]:
    """Time the reader on the English 2-page PDF and on the Dutch Word agreement; return the summary rows."""
    parser = argparse.ArgumentParser(prog="bench_agreement")
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args(argv).runs
    pdf = agreements.pdf_file(agreements.ENGLISH)
    word = agreements.docx_file(agreements.DUTCH_THREE_PARTY)
    print(f"2-page PDF {len(pdf):,} bytes, Word file {len(word):,} bytes, {runs} runs each", flush=True)
    read_pdf = timed("read_agreement, 2-page PDF", lambda: read_agreement(pdf, "agreement.pdf"), runs, warm=True)
    read_word = timed("read_agreement, Word file", lambda: read_agreement(word, "agreement.docx"), runs, warm=True)
    return [
        Row("agreement", "read_agreement, 2-page PDF (median)", f"{read_pdf:.1f} ms"),
        Row("agreement", "read_agreement, Word file (median)", f"{read_word:.1f} ms"),
    ]


def run_check(runs: int) -> list[Row]:
    """Time one check (the engine alone, and the whole request) and one upload-and-read request of the 2-page PDF."""
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(Path(folder), f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        client = app.test_client()
        unfair = FAIR | {"hours_per_week": "45", "allowance": "0", "learning_plan": "no", "supervisor": "no"}
        with app.test_request_context():
            terms = forms.parse(MultiDict(unfair), tuple(norms(app).parts)).terms
            assert terms is not None  # noqa: S101  (the benchmark's own input)
            engine = timed("evaluate(), every rule, one set of terms", lambda: evaluate(terms, norms(app)), runs * 10)
        page = timed("POST /check (parse, check, render)", lambda: client.post("/check", data=unfair).close(), runs)
        pdf = agreements.pdf_file(agreements.ENGLISH)
        read = timed(
            "POST /check/read, 2-page PDF (upload, read, render)",
            lambda: post_multipart(client, "/check/read", {"agreement": upload(pdf, "a.pdf")}).close(),
            runs,
            warm=True,
        )
        app.extensions["hotline.engine"].dispose()
    return [
        Row("check", "evaluate(), one set of terms (median)", f"{engine:.2f} ms"),
        Row("check", "POST /check, one check (median)", f"{page:.1f} ms"),
        Row("check", "POST /check/read, 2-page PDF (median)", f"{read:.1f} ms"),
    ]


def main(argv: list[str]) -> None:
    """Print the figures of one check and of reading an agreement."""
    rows = run(argv)
    rows += run_check(int(argv[argv.index("--runs") + 1]) if "--runs" in argv else 20)
    print_rows(rows)


if __name__ == "__main__":
    main(sys.argv[1:])
