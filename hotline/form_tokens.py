"""CSRF protection for the anonymous forms without a session: a double-submit token per form path.

Each form path (/report, /status) has a cookie of its own: a random value, HttpOnly, SameSite=Strict and,
under TLS, Secure with the __Secure- prefix (__Host- would demand Path=/). Its Path is the form's own path,
so the report and status pages never see the same cookie, and it carries no time and no signature with a
time. The form carries an HMAC of the value under SECRET_KEY, bound to the path, so a cookie planted from
a neighbouring host is of no use without the secret. Every POST spends the value: a form on the answer
gets a fresh one, and an answer without a form clears the cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, request
from werkzeug.exceptions import BadRequest
from werkzeug.http import dump_cookie
from werkzeug.wrappers import Response

FIELD = "csrf_token"  # the name Flask-WTF's forms use too, so every form reads the same
STATE = "hotline.form_token"  # in the WSGI environ, never on g: an app context (and its g) may outlive a request
VALUE = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)


class FormRefused(BadRequest):
    """A POST to an anonymous form came without its cookie, with a wrong token, or from another site."""


@dataclass
class _State:
    path: str  # the form's own path, the cookie's Path
    name: str  # the cookie's name
    sent: str | None  # a well-formed value the browser sent, unless a POST spent it
    issued: str | None = None  # a fresh value for a form on this answer
    spent: bool = False


def _mac(value: str, path: str) -> str:
    """Return the form's half of the token: the cookie value keyed under SECRET_KEY, bound to the path."""
    key = hmac.new(current_app.config["SECRET_KEY"].encode(), b"meldpunt/form-token", hashlib.sha256).digest()
    return hmac.new(key, f"{path}|{value}".encode(), hashlib.sha256).hexdigest()


SCOPES = ("/report", "/status")  # the paths with a form cookie of their own; the transparency page lists each


def cookie_name(scope: str, tls: bool) -> str:
    """Return the name of a form path's cookie: __Secure- under TLS (__Host- would demand Path=/)."""
    return f"{'__Secure-' if tls else ''}form-{scope.strip('/').replace('/', '-')}"


class FormGuard:
    """Guard a blueprint's anonymous POST forms; its templates call form_token() for the hidden field."""

    def __init__(self, bp: Blueprint, scopes: dict[str, str]) -> None:
        unlisted = set(scopes.values()) - set(SCOPES)
        if unlisted:
            raise ValueError(f"form paths not in form_tokens.SCOPES: {', '.join(sorted(unlisted))}")
        self.scopes = scopes  # endpoint -> the path its form lives under, e.g. "/report"
        bp.before_request(self.check)
        bp.after_request(self.finish)
        bp.context_processor(lambda: {"form_token": self.token, "form_token_for": self.token_for})

    def _state(self) -> _State | None:
        found: _State | None = request.environ.get(STATE)
        scope = self.scopes.get(request.endpoint or "")
        if found is None and scope is not None:
            name = cookie_name(scope, bool(current_app.config["TLS"]))
            sent = request.cookies.get(name)
            found = _State(request.script_root + scope, name, sent if sent and VALUE.fullmatch(sent) else None)
            request.environ[STATE] = found
        return found

    def check(self) -> None:
        """Refuse a POST whose token does not match its cookie; honour WTF_CSRF_ENABLED, as the staff forms do."""
        state = self._state()
        if state is None or request.method != "POST":
            return
        sent, state.sent, state.spent = state.sent, None, True
        if not current_app.config.get("WTF_CSRF_ENABLED", True):
            return
        # Sec-Fetch-Site is an extra when a browser sends it; Origin is not used: under Referrer-Policy
        # no-referrer some browsers send "Origin: null" on a same-origin POST.
        cross_site = request.headers.get("Sec-Fetch-Site") == "cross-site"
        token = request.form.get(FIELD, "")
        if cross_site or sent is None or not hmac.compare_digest(token, _mac(sent, state.path)):
            raise FormRefused()

    def token(self) -> str:
        """Return the hidden field's value for this answer's form, issuing a fresh cookie value if needed."""
        state = self._state()
        if state is None:
            raise RuntimeError(f"no form path for endpoint {request.endpoint!r}")
        if state.sent is None and state.issued is None:
            state.issued = secrets.token_urlsafe(32)
        return _mac(state.issued or state.sent or "", state.path)

    def token_for(self, scope: str) -> str:
        """Return the hidden field's value for a form on this answer that posts to another form path (e.g. the token
        page's "follow my report" form, posting to /status); the answer sets that path's cookie too."""
        if scope not in set(self.scopes.values()):
            raise ValueError(f"{scope!r} is not one of this blueprint's form paths")
        own = self._state()
        if own is not None and own.path == request.script_root + scope:
            return self.token()
        extra: dict[str, _State] = request.environ.setdefault(STATE + ".extra", {})
        if scope not in extra:  # that path's cookie is never sent here: always a fresh value
            name = cookie_name(scope, bool(current_app.config["TLS"]))
            extra[scope] = _State(request.script_root + scope, name, None, secrets.token_urlsafe(32))
        return _mac(extra[scope].issued or "", extra[scope].path)

    def finish(self, response: Response) -> Response:
        """Set the cookie of a fresh value, or clear a spent one that no form on this answer replaced."""
        state: _State | None = request.environ.get(STATE)
        if state is not None:
            self._set(response, state)
        for other in request.environ.get(STATE + ".extra", {}).values():
            self._set(response, other)
        return response

    def _set(self, response: Response, state: _State) -> None:
        options: dict[str, Any] = {
            "path": state.path,
            "httponly": True,
            "samesite": "Strict",
            "secure": bool(current_app.config["TLS"]),
        }
        # Max-Age alone, never an Expires date: sync_expires would write the time of this request into the header.
        if state.issued is not None:
            minutes = current_app.config["FORM_COOKIE_MINUTES"]
            cookie = dump_cookie(state.name, state.issued, max_age=minutes * 60 or None, sync_expires=False, **options)
            response.headers.add("Set-Cookie", cookie)
        elif state.spent and state.name in request.cookies:
            response.headers.add("Set-Cookie", dump_cookie(state.name, "", max_age=0, sync_expires=False, **options))
