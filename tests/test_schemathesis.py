"""Schemathesis over the hand-written OpenAPI document: the API answers as the document says."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
DOCUMENT = json.loads(resources.files("hotline.api").joinpath("openapi.json").read_text("utf-8"))
MODES = {"valid": GenerationMode.POSITIVE, "invalid": GenerationMode.NEGATIVE}
# A GET here takes no parameters, so it has no invalid requests to generate.
OPERATIONS = [
    pytest.param(method.upper(), path, MODES[mode], id=f"{method.upper()} {path} {mode}")
    for path, item in DOCUMENT["paths"].items()
    for method, operation in item.items()
    for mode in (["valid", "invalid"] if "requestBody" in operation else ["valid"])
]


# schemathesis.pytest.from_fixture needs pytest's private Node._nodeid, gone in pytest 9.2: so
# the test draws the cases of one operation itself, against the app fixture's instance.
@pytest.mark.parametrize(("method", "path", "mode"), OPERATIONS)
def test_the_api_answers_as_its_openapi_document_says(app: Flask, method: str, path: str, mode: GenerationMode) -> None:
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)[path][method]

    # One instance serves every example, as a real server would; no .hypothesis folder in the checkout.
    @settings(max_examples=30, deadline=None, database=None)
    @given(case=operation.as_strategy(generation_mode=mode))
    def call(case: Any) -> None:
        case.call_and_validate(checks=CHECKS)

    call()
