"""The fair-conditions check keeps nothing: no terms, no agreement, in the database, the logs or a temp file."""

from __future__ import annotations

import io
import logging
import time
from pathlib import Path

import pytest
from conftest import post_multipart, upload
from docx import Document
from flask import Flask
from flask.testing import FlaskClient
from test_anonymity import (
    SYSTEM_TMP,
    assert_no_canary,
    canary_options,
    database_text,
    files_text,
    limiter_text,
    private_tmp,  # noqa: F401  (a fixture)
)
from test_conditions import FAIR

CANARY = "CANARY-5e1b77-agreement"


def agreement_docx(text: str) -> bytes:
    """Return a small Word agreement whose every paragraph carries the canary."""
    document = Document()
    document.add_heading(f"Stageovereenkomst {text}", level=1)
    document.add_paragraph(f"De stagiair ({text}) werkt 36 uur per week.")
    document.add_paragraph(f"De stagevergoeding bedraagt € 500 per maand. {text}")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_terms_and_agreements_reach_no_disk_log_or_temp_file(
    app: Flask,
    client: FlaskClient,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    private_tmp: Path,  # noqa: F811
) -> None:
    caplog.set_level(logging.DEBUG)
    started = time.time() - 1
    options = canary_options()
    assert client.post("/check", data=FAIR | {"tasks": CANARY}, **options).status_code == 200
    assert client.post("/check", data=FAIR | {"tasks": CANARY, "hours_per_week": CANARY}, **options).status_code == 422
    read = post_multipart(client, "/check/read", {"agreement": upload(agreement_docx(CANARY), "a.docx")}, **options)
    assert read.status_code == 200 and "36" in read.get_data(as_text=True)
    broken = post_multipart(client, "/check/read", {"agreement": upload(CANARY.encode() * 1000, "b.pdf")}, **options)
    assert broken.status_code == 422
    captured = capfd.readouterr()
    for where, data in {
        "the database": database_text(app),
        "the log records": caplog.text.encode(),
        "stdout and stderr": (captured.out + captured.err).encode(),
        "the temp directory": files_text(private_tmp, started),
        "the system temp directory": files_text(SYSTEM_TMP, started),
        "the rate limiter's storage": limiter_text(app),
    }.items():
        assert CANARY.encode() not in data, f"the canary found in {where}"
        assert_no_canary(where, data)


def test_the_check_sets_no_cookie_and_is_never_cached(client: FlaskClient) -> None:
    for response in (
        client.get("/check"),
        client.post("/check", data=FAIR),
        post_multipart(client, "/check/read", {"agreement": upload(agreement_docx("x"), "a.docx")}),
    ):
        assert "Set-Cookie" not in response.headers
        assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.app_config(MAX_ATTACHMENT_BYTES=50_000)
def test_an_agreement_above_the_attachment_limit_is_refused_with_the_empty_form(client: FlaskClient) -> None:
    response = post_multipart(client, "/check/read", {"agreement": upload(b"%PDF-1.7\n" + b"0" * 60_000, "big.pdf")})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "groter dan" in page and 'id="hours_per_week" name="hours_per_week" value=""' in page


def test_an_upload_without_a_file_says_so(client: FlaskClient) -> None:
    response = client.post("/check/read", data={})
    assert response.status_code == 400
    assert "Kies eerst het bestand" in response.get_data(as_text=True)


def test_what_we_store_says_the_check_keeps_nothing(client: FlaskClient) -> None:
    page = client.get("/info/what-we-store").get_data(as_text=True)
    assert "data-check-kept" in page and "bewaart niets" in page


@pytest.mark.app_config(RATELIMIT_ENABLED=True, AGREEMENT_READ_LIMIT="2 per hour")
def test_reading_agreements_has_a_budget_of_its_own(client: FlaskClient) -> None:
    document = agreement_docx("x")
    statuses = [
        post_multipart(client, "/check/read", {"agreement": upload(document, "a.docx")}).status_code for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    assert client.post("/check", data=FAIR).status_code == 200  # typing the terms is not limited by it
