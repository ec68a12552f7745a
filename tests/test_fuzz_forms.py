"""Property-based tests over every form: no input gives a 5xx, a refusal says why, and typed text is kept.

Each test builds its data once, then runs a bounded Hypothesis search against one app, as a real
server would meet one request after another; Hypothesis sits on an inner function, so the
function-scoped fixtures are made once per test, not once per example.
"""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from conftest import REPORT, Account, Clock, DemoMaterial, file_report, log_in, make_account, post_multipart, upload
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import escape
from PIL import Image
from werkzeug.test import TestResponse

from hotline import tokens
from hotline.attachments import AttachmentError, strip_image
from hotline.guide.doors import CHOICES
from hotline.taxonomy import PHASES, SECTORS

FUZZ = settings(max_examples=50, deadline=None, database=None)  # no .hypothesis folder in the checkout
CATEGORIES = ["discrimination.origin", "harassment.sexual", "misuse.workload", "labour.unsafe"]
PROGRAMMES = ["hbo-ict", "verpleegkunde", "social-work", "rechten"]

text = st.text(max_size=60)
long_text = st.one_of(text, st.text(min_size=300, max_size=400), st.just("x" * 20_001))


def one_of_or_junk(valid: list[str]) -> st.SearchStrategy[str]:
    """A valid choice, or anything else a client could send."""
    return st.one_of(st.sampled_from(valid), text)


extra_fields = st.dictionaries(st.text(min_size=1, max_size=12), text, max_size=4)


def clear(response: TestResponse) -> str:
    """Return the page after checking it is no server error, and that a refusal says what went wrong."""
    body = response.get_data(as_text=True)
    assert response.status_code < 500, body[:3000]
    assert "Traceback" not in body and "Werkzeug Debugger" not in body
    if response.status_code >= 400:
        assert response.mimetype == "text/html"
        code = response.status_code
        error_page = re.search(
            rf'<h1 class="utrecht-heading-1">[^<]+</h1>.*?<p class="utrecht-paragraph">[^<]+</p>\s*'
            rf'<p class="utrecht-paragraph meldpunt-muted" data-error-code>[^<]+ {code}</p>',
            body,
            re.S,
        )
        message = (
            re.search(r'class="([^"]* )?error( [^"]*)?"[^>]*>\s*[^<\s]', body)
            or re.search(r'class="([^"]* )?errors( [^"]*)?"', body)
            or re.search(r'utrecht-alert--error.*?utrecht-alert__message">\s*(<[^>]+>\s*)*[^<\s]', body, re.S)
        )
        assert message or error_page, body[:3000]
    return body


def kept(value: str, body: str) -> bool:
    """Tell whether typed text is in the page as the template escapes it."""
    return str(escape(value)) in body


def token_like() -> st.SearchStrategy[str]:
    """Text that is a token, a token with a typo or odd spacing, or anything else."""
    token = st.builds(tokens.generate)
    typo = st.tuples(token, st.integers(0, 30), st.sampled_from(tokens.ALPHABET)).map(
        lambda t: t[0][: t[1]] + t[2] + t[0][t[1] + 1 :]
    )
    spaced = token.map(lambda t: f"  {t.lower().replace('-', ' ')} ")
    return st.one_of(token, typo, spaced, text, st.text(alphabet=tokens.ALPHABET + "-OIL ", max_size=40))


# --- the report form ---------------------------------------------------------------------------


def test_step_one_answers_every_choice_and_keeps_the_valid_ones(client: FlaskClient) -> None:
    @FUZZ
    @given(
        category=one_of_or_junk(CATEGORIES),
        programme=one_of_or_junk(PROGRAMMES),
        sector=one_of_or_junk(["", *SECTORS]),
        phase=one_of_or_junk(["", *PHASES]),
        extra=extra_fields,
    )
    def check(category: str, programme: str, sector: str, phase: str, extra: dict[str, str]) -> None:
        data = extra | {"category": category, "programme": programme, "sector": sector, "phase": phase}
        response = client.post("/report/details", data=data)
        body = clear(response)
        assert response.status_code in (200, 400)
        if response.status_code == 400 and category.strip() in CATEGORIES:
            assert re.search(rf'name="category" value="{re.escape(category.strip())}"[^>]*\schecked\b', body)
        if response.status_code == 400 and programme.strip() in PROGRAMMES:
            assert f'value="{programme.strip()}" selected' in body

    check()


files = st.builds(
    lambda data, name, kind: upload(data, name, kind),
    st.binary(max_size=600),
    st.one_of(st.sampled_from(["", "foto.png", "brief.pdf", "..", "a/b\\c.jpg", "scan.HEIC"]), text),
    st.sampled_from(["application/octet-stream", "image/png", "image/jpeg", "text/plain", "image/x-junk", ""]),
)
many_files = st.one_of(st.lists(files, max_size=7), st.integers(6, 60).map(lambda n: [upload(b"x", "a.txt")] * n))


def test_submit_never_fails_and_keeps_what_was_typed(client: FlaskClient) -> None:
    @FUZZ
    @given(
        category=st.one_of(st.just(REPORT["category"]), text),
        programme=st.one_of(st.just(REPORT["programme"]), text),
        description=long_text,
        organisation=long_text,
        date_from=st.one_of(st.just(""), st.dates().map(str), text),
        date_to=st.one_of(st.just(""), st.dates().map(str), text),
        destinations=st.lists(one_of_or_junk(["diversiteit", "hbo-ict"]), max_size=3),
        attachments=many_files,
        extra=extra_fields,
    )
    def check(
        category: str,
        programme: str,
        description: str,
        organisation: str,
        date_from: str,
        date_to: str,
        destinations: list[str],
        attachments: list[Any],
        extra: dict[str, str],
    ) -> None:
        for item in attachments:
            item.stream.seek(0)  # the same upload may be drawn twice
        data = extra | {
            "category": category,
            "programme": programme,
            "description": description,
            "organisation": organisation,
            "date_from": date_from,
            "date_to": date_to,
            "destinations": destinations,
            "attachments": attachments,
        }
        response = post_multipart(client, "/report/submit", data)
        body = clear(response)
        assert response.status_code in (201, 400)
        if response.status_code == 400 and 'id="description"' in body:  # step two again: nothing typed is lost
            assert kept(description.strip(), body)
            assert kept(organisation.strip()[:300], body)
            assert kept(date_from.strip(), body) and kept(date_to.strip(), body)

    check()


def image(fmt: str, mode: str) -> bytes:
    out = io.BytesIO()
    Image.new(mode, (7, 5), 1).save(out, format=fmt)
    return out.getvalue()


IMAGES = [image(f, m) for f, m in [("PNG", "RGBA"), ("PNG", "P"), ("JPEG", "RGB"), ("GIF", "P"), ("WEBP", "RGB")]]


@FUZZ
@given(
    original=st.sampled_from(IMAGES),
    cut=st.integers(0, 400),
    flips=st.lists(st.tuples(st.integers(0, 400), st.integers(0, 255)), max_size=6),
)
def test_a_damaged_image_is_refused_with_a_reason(original: bytes, cut: int, flips: list[tuple[int, int]]) -> None:
    data = bytearray(original[: len(original) - cut] if cut < len(original) else original)
    for at, value in flips:
        data[at % len(data)] = value
    try:
        cleaned, kind = strip_image(bytes(data), 1 << 20)
    except AttachmentError as exc:
        assert str(exc)
    else:
        assert kind.startswith("image/") and cleaned


# --- following a case ------------------------------------------------------------------------


def test_status_answers_any_token_and_keeps_it(client: FlaskClient) -> None:
    filed = file_report(client)

    @FUZZ
    @given(token=st.one_of(token_like(), st.just(filed)), extra=extra_fields)
    def check(token: str, extra: dict[str, str]) -> None:
        response = client.post("/status", data=extra | {"token": token})
        body = clear(response)
        assert response.status_code in (200, 400, 404)
        if response.status_code != 200:
            assert kept(token, body)

    check()


def test_a_follow_up_is_never_lost_whatever_the_token(client: FlaskClient) -> None:
    filed = file_report(client)

    @FUZZ
    @given(token=st.one_of(token_like(), st.just(filed)), message=long_text)
    def check(token: str, message: str) -> None:
        response = client.post("/status/message", data={"token": token, "message": message})
        body = clear(response)
        assert response.status_code in (200, 400, 404)
        if response.status_code != 200:
            assert kept(message.strip(), body)

    check()


def test_guide_answers_any_query(client: FlaskClient) -> None:
    questions = {"category": CATEGORIES, **{q: list(c) for q, c in CHOICES.items()}}

    @FUZZ
    @given(
        path=st.sampled_from(["/guide", "/guide/advice", "/report"]),
        answers=st.fixed_dictionaries({}, optional={q: one_of_or_junk(v) for q, v in questions.items()}),
        extra=extra_fields,
    )
    def check(path: str, answers: dict[str, str], extra: dict[str, str]) -> None:
        response = client.get(path, query_string=extra | answers)
        clear(response)
        assert response.status_code in (200, 400)

    check()


def test_language_switch_only_returns_to_a_page_of_this_site(client: FlaskClient) -> None:
    @FUZZ
    @given(
        language=one_of_or_junk(["nl", "en"]),
        target=st.one_of(st.sampled_from(["/status", "//evil.example", "/\\evil", "https://evil.example/"]), text),
    )
    def check(language: str, target: str) -> None:
        response = client.get(f"/lang/{quote(language, safe='')}", query_string={"next": target})
        clear(response)
        if response.status_code in (302, 308):  # 308: the router first tidies a language like "." or ".."
            location = urlsplit(response.headers["Location"])
            assert location.netloc in ("", "localhost") and location.path.startswith("/")
            assert "\\" not in response.headers["Location"]
        elif "\x00" in language + target:
            assert response.status_code == 400  # a NUL in the address is refused before routing matters
        else:
            assert response.status_code == 404  # an empty language or one with a slash is no page

    check()


# --- staff forms -----------------------------------------------------------------------------


@pytest.mark.app_config(LOGIN_DELAY_FIRST_SECONDS=0)  # no waits: every attempt is checked
def test_login_answers_anything_with_one_message_and_keeps_the_username(
    app: Flask, client: FlaskClient, material: DemoMaterial
) -> None:
    account = make_account(app, "fuzz-login", destinations=("hbo-ict",), kid=material.handlers["hbo-ict"].kid)

    @FUZZ
    @given(
        username=st.one_of(st.just(account.username), text, st.text(min_size=70, max_size=90)),
        password=st.one_of(st.just(account.password), text),
        code=st.one_of(st.from_regex(r"\A[0-9 ]{0,8}\Z"), text),
        extra=extra_fields,
    )
    def check(username: str, password: str, code: str, extra: dict[str, str]) -> None:
        data = extra | {"username": username, "password": password, "code": code}
        response = client.post("/casework/login", data=data)
        body = clear(response)
        assert response.status_code in (302, 401)
        if response.status_code == 401:
            assert kept(username[:64], body)

    check()


@pytest.mark.app_config(LOGIN_DELAY_FIRST_SECONDS=0)  # no waits: every attempt is checked
def test_enrolment_answers_any_code(app: Flask, client: FlaskClient, material: DemoMaterial) -> None:
    account = make_account(app, "fuzz-enrol", destinations=("hbo-ict",), kid=material.handlers["hbo-ict"].kid)

    @FUZZ
    @given(code=st.one_of(st.from_regex(r"\A[0-9 ]{0,8}\Z"), text), extra=extra_fields)
    def check(code: str, extra: dict[str, str]) -> None:
        client.post("/casework/login", data={"username": account.username, "password": account.password})
        response = client.post("/casework/enrol", data=extra | {"code": code})
        clear(response)
        assert response.status_code in (302, 401)

    check()


@pytest.fixture
def handler_client(app: Flask, client: FlaskClient, clock: Clock, handler_account: Account) -> FlaskClient:
    """A client logged in as the HBO-ICT handler."""
    log_in(client, clock, handler_account)
    return client


def case_id_of(client: FlaskClient, app: Flask) -> str:
    """File a report for HBO-ICT with a fresh client and return its case id."""
    token = file_report(app.test_client())
    with app.app_context():
        from hotline import cases, db

        return cases.find_case(db.get_session(), case_digest(app, token)).id


def case_digest(app: Flask, token: str) -> str:
    keys = tokens.derive(token, bytes.fromhex(app.config["INSTANCE_SALT"]))
    return tokens.lookup_digest(keys.lookup_key, bytes.fromhex(app.config["LOOKUP_PEPPER"]))


def test_case_status_form_answers_any_action_and_any_case(app: Flask, handler_client: FlaskClient) -> None:
    case_id = case_id_of(handler_client, app)

    @FUZZ
    @given(
        target=st.one_of(st.just(case_id), text.filter(bool)),
        action=one_of_or_junk(["acknowledge", "close", "reopen"]),
        extra=extra_fields,
    )
    def check(target: str, action: str, extra: dict[str, str]) -> None:
        url = f"/casework/case/{quote(target, safe='')}/status"
        response = handler_client.post(url, data=extra | {"action": action})
        clear(response)
        assert response.status_code in (302, 400) or (target != case_id and 300 <= response.status_code < 500)

    check()


def test_inbox_answers_any_query(handler_client: FlaskClient) -> None:
    @FUZZ
    @given(
        group=one_of_or_junk(["new", "overdue", "in_progress", "closed"]),
        sort=one_of_or_junk(["received", "ack_due", "feedback_due"]),
        direction=one_of_or_junk(["asc", "desc"]),
        page=st.one_of(st.integers(-5, 10**30).map(str), text),
    )
    def check(group: str, sort: str, direction: str, page: str) -> None:
        query = {"group": group, "sort": sort, "dir": direction, "page": page}
        response = handler_client.get("/casework/inbox/hbo-ict", query_string=query)
        clear(response)
        assert response.status_code in (200, 400)

    check()


@pytest.fixture
def admin_client(client: FlaskClient, clock: Clock, admin_account: Account) -> FlaskClient:
    """A client logged in as an admin."""
    log_in(client, clock, admin_account)
    return client


def test_new_account_form_answers_anything_and_keeps_what_was_typed(
    app: Flask, admin_client: FlaskClient, material: DemoMaterial
) -> None:
    kid = material.handlers["hbo-ict"].kid

    @FUZZ
    @given(
        username=st.one_of(st.from_regex(r"\A[a-z0-9][a-z0-9._-]{1,20}\Z"), text, st.text(min_size=65, max_size=80)),
        display_name=long_text,
        role=one_of_or_junk(["handler", "admin"]),
        destinations=st.lists(one_of_or_junk(["hbo-ict", "diversiteit", "herstel"]), max_size=3),
        key=st.one_of(st.just(kid), st.just(kid[:8]), text),
        email=st.one_of(st.just(""), st.emails(), text),
    )
    def check(username: str, display_name: str, role: str, destinations: list[str], key: str, email: str) -> None:
        data = {
            "username": username,
            "display_name": display_name,
            "role": role,
            "destinations": destinations,
            "kid": key,
            "email": email,
        }
        response = admin_client.post("/admin/handlers/new", data=data)
        body = clear(response)
        assert response.status_code in (201, 400)
        if response.status_code == 400:
            assert kept(username.strip()[:64], body) and kept(display_name.strip()[:200], body)
            assert kept(key.strip()[:64], body)

    check()


def test_deactivate_answers_any_account_id(
    app: Flask, admin_client: FlaskClient, admin_account: Account, material: DemoMaterial
) -> None:
    other = make_account(app, "fuzz-leaver", destinations=("hbo-ict",), kid=material.handlers["hbo-ict"].kid)

    @FUZZ
    @given(target=st.one_of(st.sampled_from([other.id, admin_account.id]), text.filter(bool)), extra=extra_fields)
    def check(target: str, extra: dict[str, str]) -> None:
        response = admin_client.post(f"/admin/handlers/{quote(target, safe='')}/deactivate", data=extra)
        clear(response)
        assert response.status_code in (302, 404) or (target != other.id and 300 <= response.status_code < 500)

    check()


def test_audit_log_answers_any_page(admin_client: FlaskClient) -> None:
    @FUZZ
    @given(page=st.one_of(st.integers(-(10**30), 10**30).map(str), text))
    def check(page: str) -> None:
        response = admin_client.get("/admin/audit", query_string={"page": page})
        clear(response)
        assert response.status_code == (400 if "\x00" in page else 200)  # security.refuse_nul

    check()
