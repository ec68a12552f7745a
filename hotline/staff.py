"""Staff sessions: start, check and end them, and guard the pages of each role.

A staff session lives in the signed session cookie: the account id, its session epoch, when
it started and when it was last used. It ends after SESSION_MINUTES idle, SESSION_MAX_HOURS
in all, at logout (which raises the epoch, so copies of the cookie die too) and when the
account is deactivated.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface, SessionMixin

from hotline import accounts, auth, crypto, login_delays, possession, security
from hotline.db import get_session
from hotline.models import Handler

View = TypeVar("View", bound=Callable[..., Any])
PENDING_MINUTES = 10  # time from a right password to a confirmed first code


class StaffSessionInterface(SecureCookieSessionInterface):
    """Give staff (permanent) session cookies the idle timeout as expiry.

    PERMANENT_SESSION_LIFETIME stays Flask's default because it is also the signature age of
    every session cookie: at 30 minutes it would expire a student's form token while they write.
    """

    def get_expiration_time(self, app: Flask, session: SessionMixin) -> dt.datetime | None:
        if session.permanent:
            return dt.datetime.now(dt.UTC) + dt.timedelta(minutes=app.config["SESSION_MINUTES"])
        return None


def delays(username: str) -> login_delays.Delays:
    """Return the login delays of this account name and of the client asking (by its rate-limit key only)."""
    subjects = [
        login_delays.account_subject(accounts.normalise_username(username)),
        login_delays.client_subject(security.rate_limit_key()),
    ]
    storage = current_app.extensions["hotline.login_delays"]
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    return login_delays.Delays(storage, prefix, login_delays.policy_of(current_app.config), subjects, auth.clock)


def landing(handler: Handler) -> str:
    """Return where an account starts after login."""
    return url_for("admin.index") if handler.role == "admin" else url_for("casework.index")


def begin(handler: Handler) -> None:
    """Start a staff session in a fresh cookie, so nothing from before the login carries over."""
    session.clear()
    stamp = int(auth.clock())
    # The workspace tag scopes a key the browser keeps for this session (static/js/keystore.js).
    session.update(
        staff=handler.id, epoch=handler.session_epoch, since=stamp, seen=stamp, workspace=secrets.token_urlsafe(16)
    )
    session.permanent = True


def begin_enrolment(handler: Handler) -> None:
    """Remember, briefly, that this account's password was right and its first code is due."""
    session.clear()
    session.update(enrolling=handler.id, since=int(auth.clock()))


def enrolling() -> Handler | None:
    """Return the account whose enrolment is pending in this session, if it is still fresh."""
    handler_id, since = session.get("enrolling"), session.get("since", 0)
    if not handler_id or auth.clock() - since > PENDING_MINUTES * 60:
        return None
    handler = get_session().get(Handler, handler_id)
    if handler is None or handler.enrolled or not handler.active or handler.totp_secret is None:
        return None
    return handler


def current() -> Handler | None:
    """Return the logged-in account, ending the session if it expired or was revoked."""
    handler_id = session.get("staff")
    if not handler_id:
        return None
    now, config = auth.clock(), current_app.config
    idle = now - session.get("seen", 0) > config["SESSION_MINUTES"] * 60
    too_old = now - session.get("since", 0) > config["SESSION_MAX_HOURS"] * 3600
    handler = None if idle or too_old else get_session().get(Handler, handler_id)
    if handler is None or not handler.active or not handler.enrolled or handler.session_epoch != session.get("epoch"):
        session.clear()
        return None
    session["seen"] = int(now)
    return handler


def end() -> None:
    """Log out: revoke the account's sessions and clear the cookie."""
    handler = current()
    if handler is not None:
        accounts.logout(get_session(), handler)
    session.clear()


def issue_challenge() -> bytes:
    """Give this session a fresh possession challenge to sign, replacing any earlier one."""
    challenge = possession.new_challenge()
    session["possession"] = [crypto.b64e(challenge), int(auth.clock())]
    return challenge


def take_challenge() -> bytes | None:
    """Return this session's possession challenge once, if it is still fresh; it is gone afterwards."""
    kept = session.pop("possession", None)
    if not isinstance(kept, list) or len(kept) != 2:
        return None
    encoded, issued = kept
    if not isinstance(issued, int) or auth.clock() - issued > current_app.config["KEY_PROOF_MINUTES"] * 60:
        return None
    try:
        return crypto.b64d(encoded)
    except crypto.MalformedEnvelope:
        return None


def require(role: str, *, proven: bool = True) -> Callable[[View], View]:
    """Guard a view: no session sends the browser to the login page, another role gets a 404.

    A handler who has not yet proven to hold their key acts on no case: a page sends them to the
    proof page, anything else (JSON, a form post) is refused with 403.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            handler = current()
            if handler is None:
                return redirect(url_for("casework.login"))
            if handler.role != role:
                abort(404)
            if proven and role == "handler" and not possession.is_proven(handler):
                if request.method in ("GET", "HEAD"):
                    return redirect(url_for("casework.prove_form"))
                abort(403)
            g.handler = handler
            return view(*args, **kwargs)

        return cast(View, guarded)

    return decorator


def init_app(app: Flask) -> None:
    """Use the staff-aware session cookies."""
    app.session_interface = StaffSessionInterface()
