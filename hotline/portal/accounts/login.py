"""Who is logged in to the portal: the user on g, a login that expires, and a guard per role."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import current_app, g, redirect, request, session, url_for
from werkzeug.exceptions import Forbidden

from hotline.portal.accounts import service
from hotline.portal.accounts.models import User
from hotline.portal.db import get_session

View = TypeVar("View", bound=Callable[..., Any])


def log_in(user: User) -> None:
    """Start a fresh session for the user: a new cookie value, the time it began (to the minute)."""
    session.clear()
    session["user"] = user.id
    session["since"] = int(time.time()) // 60


def log_out() -> None:
    session.clear()


def load_user() -> None:
    """Put the logged-in user on g (None when nobody is, or the login has run out)."""
    g.user = None
    user_id, since = session.get("user"), session.get("since")
    if user_id is None or since is None:
        return
    if int(time.time()) // 60 - int(since) > current_app.config["SESSION_HOURS"] * 60:
        session.clear()
        return
    g.user = service.get(get_session(), str(user_id))
    if g.user is None:
        session.clear()


def current_user() -> User | None:
    return cast(User | None, g.get("user"))


def logged_in() -> User:
    """Return the logged-in user in a view that role_required guards; refuse if there is none."""
    user = current_user()
    if user is None:
        raise Forbidden()
    return user


def role_required(*roles: str) -> Callable[[View], View]:
    """Let only a logged-in user of one of these roles in; send anyone else to the login page."""

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return redirect(url_for("portal_accounts.login", next=request.path))
            if roles and user.role not in roles:
                raise Forbidden()
            return view(*args, **kwargs)

        return cast(View, guarded)

    return decorate
