"""The floor of a report, for gunicorn: only the work no report can skip, on top of floor_app's.

    gunicorn -c gunicorn.conf.py tests.benchmarks.report_floor_app:app   (HOTLINE_DATABASE_URL names the database)

POST /submit parses the same multipart form the hotline gets, makes a case token and derives its keys,
seals the form to 3 X25519 keys (HPKE, one wrap each) signed with the reporter's Ed25519 key, and
commits one case row with 3 route rows, then answers the token. Nothing else: no CSRF, no session, no
rate limit, no validation, no template, no ORM. Beside floor_app it shows how far any report path in
this design can get towards one seal and one row.

    gunicorn -c gunicorn.conf.py tests.benchmarks.report_floor_app:form_app

The floor of the server path as a student walks it, in this design as it now is. A report without JavaScript is
a form page first: GET /report answers a minimal page with a form token (a random cookie value and its HMAC in
the form, bound to the path, as hotline/form_tokens.py makes them: no server state). POST /report/submit checks
and spends it, makes a case token and derives its keys, seals the form as envelope v2 to 3 keys with X-Wing
keys and to the token's own X-Wing reply key (issue 17: no reader with an X-Wing key gets a classical wrap),
commits one case row with its X-Wing reply key and 3 route rows, and answers a minimal page with the token. No
template, no session, no rate limit, no validation, no ORM. (The report floor above seals v1, to X25519 keys
alone, as it was defined before the hotline sealed post-quantum.)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets

from flask import Response, request
from sqlalchemy import Column, ForeignKey, Integer, LargeBinary, MetaData, String, Table, insert

from hotline import crypto, tokens
from tests.benchmarks.floor_app import bare_app

METADATA = MetaData()
CASES = Table(
    "bench_report_case",
    METADATA,
    Column("id", String(32), primary_key=True),
    Column("lookup", String(64)),
    Column("sealed", LargeBinary),
    Column("reply_xwing_key", LargeBinary, nullable=True),
)
ROUTES = Table(
    "bench_report_route",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("case_id", ForeignKey("bench_report_case.id")),
    Column("destination", String(64)),
)
HANDLERS = [crypto.generate_key(f"h{n}") for n in range(3)]
RECIPIENTS = [(key.kid, key.public.x25519) for key in HANDLERS]  # X25519 alone: envelope v1
READERS = [(key.kid, crypto.reader_of(key.public)) for key in HANDLERS]  # with their X-Wing keys: envelope v2
SALT, PEPPER = secrets.token_bytes(32), secrets.token_bytes(32)

FORM_SECRET = secrets.token_bytes(32)
COOKIE, FORM_PATH = "form-report", "/report"

app, engine = bare_app(__name__, METADATA)


def file_report(form: dict[str, str], *, post_quantum: bool = False) -> str:
    """Token, keys, one seal to 3 keys (and the reporter's own X-Wing key, if post_quantum), one case with 3 routes."""
    token = tokens.generate()
    keys = tokens.derive(token, SALT)
    own = [(crypto.fingerprint(keys.reply_public), keys.reader())] if post_quantum else []
    envelope = crypto.seal(
        json.dumps(form).encode("utf-8"),
        kind="report",
        direction="to_handlers",
        reply_public_key=keys.reply_public,
        recipients=[*(READERS if post_quantum else RECIPIENTS), *own],
        signer="reporter",
        signing_key=keys.signing_key,
    )
    with engine.begin() as connection:
        case = {
            "id": envelope.id,
            "lookup": tokens.lookup_digest(keys.lookup_key, PEPPER),
            "sealed": envelope.ciphertext,
            "reply_xwing_key": keys.reply_xwing_public if post_quantum else None,
        }
        connection.execute(insert(CASES).values(case))
        connection.execute(insert(ROUTES), [{"case_id": envelope.id, "destination": f"d{n}"} for n in range(3)])
    return token


@app.post("/submit")
def submit() -> tuple[str, int]:
    """The report floor: one request, no form page before it."""
    return file_report(request.form.to_dict()), 201


def form_mac(value: str) -> str:
    """Return the form's half of the token: the cookie value keyed under the secret, bound to the form's path."""
    return hmac.new(FORM_SECRET, f"{FORM_PATH}|{value}".encode(), hashlib.sha256).hexdigest()


form_app, _engine = bare_app(__name__, MetaData())


@form_app.get("/report")
def form_page() -> Response:
    """A minimal form page with a fresh form token."""
    value = secrets.token_urlsafe(32)
    page = (
        '<!doctype html><form method="post" action="/report/submit" enctype="multipart/form-data">'
        f'<input type="hidden" name="csrf_token" value="{form_mac(value)}"><button>Versturen</button></form>'
    )
    response = Response(page, mimetype="text/html")
    response.set_cookie(COOKIE, value, path=FORM_PATH, httponly=True, samesite="Strict")
    return response


@form_app.post("/report/submit")
def form_submit() -> Response:
    """Check and spend the form token, file the report floor's report, answer a minimal page with the token."""
    sent = request.cookies.get(COOKIE, "")
    form = request.form.to_dict()
    if not sent or not hmac.compare_digest(form.pop("csrf_token", ""), form_mac(sent)):
        return Response("refused", 400)
    response = Response(f"<!doctype html><p>{file_report(form, post_quantum=True)}</p>", 201, mimetype="text/html")
    response.delete_cookie(COOKIE, path=FORM_PATH)
    return response
