"""Headers, CSRF, in-memory uploads, hashed rate-limit keys and address-free logging.

This is the one module that reads the client address, and only to hash it.
"""

from __future__ import annotations

import functools
import io
import ipaddress
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from flask import Flask, Request, Response, current_app, g, request
from flask.json.provider import DefaultJSONProvider
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter, RouteLimit
from flask_wtf.csrf import CSRFProtect
from limits import RateLimitItem
from limits import parse as parse_limit
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge, TooManyRequests
from werkzeug.serving import WSGIRequestHandler

from hotline import multipart, ratelimit

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}

_ADDRESS = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b|\b(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4}\b")


class InMemoryRequest(Request):
    """Parse uploads into memory, never into a temporary file."""

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        return io.BytesIO()


class BoundedJSONProvider(DefaultJSONProvider):
    """Parse JSON as Flask does, but report nesting too deep for Python as invalid JSON, never as a crash."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError as exc:  # e.g. "[" * 100000: the parser's recursion, unwound by now
            raise ValueError("JSON nested too deeply") from exc


# The built-in server's start-up lines name the addresses it listens on, never a client's.
_LISTENING = re.compile(r"\s*\* Running on ")


# A one-time login link (the portal's /invite/<secret>) and a calendar feed (/calendar/<secret>.ics) carry their
# secret in the path: a log line must not.
_LINK_SECRET = re.compile(r"(/(?:invite|calendar)/)(?!new\b)[A-Za-z0-9_-]{16,}")


class AddressFilter(logging.Filter):
    """Redact anything that looks like an IP address, or a login link's secret, from a log record (but for where
    the server listens)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.name == "werkzeug" and _LISTENING.match(message):
            return True
        message = _LINK_SECRET.sub(r"\1[secret removed]", message)
        record.msg, record.args = _ADDRESS.sub("[address removed]", message), None
        return True


class AnonymousRequestHandler(WSGIRequestHandler):
    """The built-in server's handler, logging neither the address nor the time.

    It leaves the address in REMOTE_ADDR for the rate limiter, which keeps only a hash shared by many; every
    log line goes through `log`, which leaves the address and the time out.
    """

    def log(self, type: str, message: str, *args: Any) -> None:
        level = logging.ERROR if type == "error" else logging.INFO
        logging.getLogger("werkzeug").log(level, message, *args)


# A path on this site to go back to: no scheme, host, backslash or //, so never a redirect to another site.
LOCAL_PATH = re.compile(r"/(?:[A-Za-z0-9_.~-]+(?:/[A-Za-z0-9_.~-]+)*/?)?")


def local_path(target: str | None) -> str:
    """Return target when it is a path on this site, else "/": the one check of every way back."""
    return target if target and LOCAL_PATH.fullmatch(target) else "/"


def rate_limit_key() -> str:
    """Return the client's rate-limit key: a short keyed hash of its address that many addresses share."""
    secret: ratelimit.RotatingSecret = current_app.extensions["hotline.ratelimit_secret"]
    return ratelimit.bucket(secret.current(), request.remote_addr or "", current_app.config["RATELIMIT_KEY_BITS"])


def report_limit() -> str:
    return str(current_app.config["REPORT_LIMIT"])


def status_limit() -> str:
    return str(current_app.config["STATUS_LIMIT"])


def not_a_guess() -> None:
    """Mark this lookup as no guess at a token: a typo the check symbols caught, or text that is no token."""
    g.not_a_guess = True


def is_a_guess(response: Response) -> bool:
    """Spend the status budget on lookups only, never on a typo or on the refusal of the budget itself."""
    return response.status_code != 429 and not g.get("not_a_guess", False)


@functools.lru_cache(maxsize=16)
def limit_of(text: str) -> RateLimitItem:
    """Return a limit such as "20 per hour", parsed once."""
    return parse_limit(text)


def budget_scope(name: str) -> list[str]:
    """Return what a budget is counted under: the deployment's prefix, the client's key and the budget's name."""
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
    return [prefix, rate_limit_key(), name] if prefix else [rate_limit_key(), name]


def is_filed(response: Response) -> bool:
    """Spend the report budget on filed reports only: a refused submission spends the malformed budget."""
    return response.status_code == 201


def is_malformed(response: Response) -> bool:
    """Tell a refused submission (a missing field, a bad envelope, a stale form, too large a body)."""
    return 400 <= response.status_code < 500 and response.status_code != 429


class MalformedBudget:
    """The budget of refused report submissions, spent once the answer is known.

    A budget checked before the view would refuse a well-formed report too once a client had sent many
    malformed ones; this one only turns a refusal into a 429, so a well-formed report never meets it.
    """

    def __init__(self, limiter: Limiter) -> None:
        self.limiter = limiter
        self.endpoints: set[str] = set()

    def watch(self, app: Flask, endpoints: list[str]) -> None:
        """Spend this budget on refused submissions to these endpoints."""
        if not self.endpoints:
            app.after_request(self.spend)
        self.endpoints.update(endpoints)

    def spend(self, response: Response) -> Response:
        """Count a refused submission; past the budget, answer it with the endpoint's own 429."""
        if not (self.limiter.enabled and request.endpoint in self.endpoints and request.method == "POST"):
            return response
        if not is_malformed(response):
            return response
        if self.limiter.limiter.hit(limit_of(current_app.config["MALFORMED_LIMIT"]), *budget_scope("malformed")):
            return response
        return current_app.make_response(current_app.handle_user_exception(TooManyRequests()))


class FiledBudget:
    """The budget of filed reports: a submission takes its unit as it comes, and gives it back unless it was filed.

    Flask-Limiter's deduct_when asks the storage before the view and counts after it: two round trips to Redis
    for every report. Taking first is one for a filed report (a refused one gives its unit back), and lets no
    more reports through than before, fewer if anything: a submission in flight already holds its unit.
    """

    def __init__(self, limiter: Limiter) -> None:
        self.limiter = limiter

    def __call__(self, view: Callable[..., ResponseReturnValue]) -> Callable[..., Response]:
        @functools.wraps(view)
        def limited(*args: Any, **kwargs: Any) -> Response:
            if not self.limiter.enabled or request.method != "POST":
                return current_app.make_response(view(*args, **kwargs))
            strategy = self.limiter.limiter
            if not isinstance(strategy, ratelimit.AlignedWindow):
                raise RuntimeError("the report budget needs the clock-aligned window")
            within, window = strategy.take(limit_of(report_limit()), *budget_scope("report"))
            filed = False
            try:
                if not within:
                    raise TooManyRequests()
                response = current_app.make_response(view(*args, **kwargs))
                filed = is_filed(response)
                return response
            finally:
                if not filed:
                    strategy.give_back(window)

        return limited


@dataclass(frozen=True)
class Budgets:
    """The rate limits the HTML and API paths share: one budget per client, whichever path it takes."""

    report: FiledBudget
    status: RouteLimit
    malformed: MalformedBudget

    def apply(self, app: Flask, budget: FiledBudget | RouteLimit, endpoints: list[str]) -> None:
        """Wrap served views in a budget; Flask-Limiter checks decorated views inside the wrapper."""
        for endpoint in endpoints:
            # Views are typed as possibly async, and so is the limiter's wrapper; the views served here are not.
            app.view_functions[endpoint] = budget(app.view_functions[endpoint])  # type: ignore[arg-type,assignment]
        if budget is self.report:  # what the report budget does not count, the malformed budget does
            self.malformed.watch(app, endpoints)


def budgets(limiter: Limiter) -> Budgets:
    """Return the shared budgets; make them once per app and hand the same ones to every blueprint."""
    return Budgets(
        report=FiledBudget(limiter),
        status=limiter.shared_limit(status_limit, scope="status", methods=["POST"], deduct_when=is_a_guess),
        malformed=MalformedBudget(limiter),
    )


def set_headers(response: Response) -> Response:
    """Add the security headers; nothing but static files may be cached."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config["TLS"]:  # never over plain HTTP: a browser would then refuse the site until it expires
        hsts = f"max-age={current_app.config['HSTS_SECONDS']}; includeSubDomains"
        response.headers.setdefault("Strict-Transport-Security", hsts)
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


def refuse_oversize() -> None:
    """Refuse a declared body above MAX_CONTENT_LENGTH before any view or login check, whether it reads it or not."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if limit is not None and (request.content_length or 0) > limit:
        raise RequestEntityTooLarge()


def _has_large_body() -> bool:
    if request.content_length is None:  # a chunked body may be of any size
        return "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    threshold: int = current_app.config["LARGE_BODY_BYTES"]
    return request.content_length >= threshold


def one_large_body_at_a_time(app: Flask) -> None:
    """Let a process read and handle at most LARGE_BODIES_AT_ONCE large request bodies at a time.

    A report with a 5 MiB attachment costs a worker about four times that while it is parsed, sealed and
    written (the parsed upload, its ciphertext and the database driver's copies). Four threads doing that
    at once took one worker to 125 MB (tests/benchmarks/bench_memory.py). The others wait before their body
    is read: behind the reverse proxy, which receives the whole body before it passes it on, each turn takes
    tens of milliseconds, and a slow connection delays no one. Small requests never wait.
    """
    gate = app.extensions["hotline.large_bodies"] = threading.BoundedSemaphore(app.config["LARGE_BODIES_AT_ONCE"])

    def enter() -> None:
        if _has_large_body():
            gate.acquire()
            g.holds_large_body = True

    def leave(_exc: BaseException | None = None) -> None:
        if g.pop("holds_large_body", False):
            gate.release()

    app.before_request(enter)
    app.teardown_request(leave)


def refuse_nul() -> None:
    """Refuse a NUL character in the address: no id, slug or query value holds one, and PostgreSQL cannot compare it."""
    if "\x00" in request.path or any("\x00" in k + v for k, v in request.args.items(multi=True)):
        raise BadRequest()


def warn_of_untrusted_proxy() -> None:
    """Warn once when a local proxy forwards requests untrusted: every client then shares one rate-limit key."""
    if current_app.extensions.get("hotline.proxy_warned") or "X-Forwarded-For" not in request.headers:
        return
    try:
        proxy = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return
    if proxy.is_loopback or proxy.is_private:
        current_app.extensions["hotline.proxy_warned"] = True
        current_app.logger.warning(
            "requests come through a proxy, but HOTLINE_TRUSTED_PROXIES is 0: every client shares one "
            "rate-limit budget, and one client can use up everyone's. See docs/operations.md."
        )


def init_app(app: Flask) -> Limiter:
    """Apply the security baseline to an app and return its rate limiter."""
    app.request_class = InMemoryRequest
    multipart.install()  # no regular expressions compiled for each form's boundary
    app.json = BoundedJSONProvider(app)  # request.get_json() parses with it: every unparsable body is a 400
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=bool(app.config["TLS"]),
        SESSION_COOKIE_NAME="__Host-session" if app.config["TLS"] else "session",
        PREFERRED_URL_SCHEME="https" if app.config["TLS"] else "http",
        WTF_CSRF_TIME_LIMIT=None,  # the token is bound to the session; a slow writer must not lose a report
        RATELIMIT_STORAGE_URI=app.config["RATELIMIT_STORAGE_URL"],
        RATELIMIT_HEADERS_ENABLED=False,
    )
    app.config.setdefault("RATELIMIT_ENABLED", True)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", ratelimit.namespace(app.config["INSTITUTION_KEY"] or ""))
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"], x_proto=1)  # type: ignore[method-assign]
    app.before_request(refuse_oversize)  # before CSRFProtect's check, which reads the form
    app.before_request(refuse_nul)
    one_large_body_at_a_time(app)  # before CSRFProtect too: its check reads the body
    CSRFProtect(app)
    app.after_request(set_headers)
    for name in ("werkzeug", "flask_limiter", app.logger.name):
        logging.getLogger(name).addFilter(AddressFilter())
    if not app.config["TRUSTED_PROXIES"]:
        app.before_request(warn_of_untrusted_proxy)
    limiter = ratelimit.AlignedLimiter(rate_limit_key, app=app, enabled=app.config["RATELIMIT_ENABLED"])
    app.extensions["hotline.ratelimit_storage"] = ratelimit.shared_storage(app, limiter)
    app.extensions["hotline.ratelimit_secret"] = ratelimit.secret_for(app, app.extensions["hotline.ratelimit_storage"])
    return limiter
