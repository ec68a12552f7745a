"""Calendar feeds: make or revoke one's secret feed URL; a calendar client reads the .ics behind it."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template
from werkzeug.exceptions import Forbidden

from hotline.i18n import gettext as _
from hotline.portal import mail
from hotline.portal.accounts import login as logins
from hotline.portal.accounts.models import User
from hotline.portal.db import get_session
from hotline.portal.supervision import feeds

bp = Blueprint("supervision_feeds", __name__)


def me() -> User:
    user = logins.current_user()
    if user is None:  # role_required lets only a logged-in user in; this says so to mypy
        raise Forbidden()
    return user


def feed_page(user: User, link: str | None = None, revoked: bool = False) -> str:
    feed = feeds.current(get_session(), user)
    return render_template("portal/supervision/feeds/feed.html", feed=feed, link=link, revoked=revoked)


@bp.get("/calendar")
@logins.role_required(*feeds.ROLES)
def feed_form() -> str:
    """Say what the calendar feed holds and whether one works now."""
    return feed_page(me())


@bp.post("/calendar")
@logins.role_required(*feeds.ROLES)
def make_feed() -> str:
    """Make a new feed URL (the old one stops working) and show it once."""
    user, db = me(), get_session()
    secret = feeds.make(db, user)
    db.commit()
    return feed_page(user, link=mail.page_url("supervision_feeds.ics", secret=secret))


@bp.post("/calendar/revoke")
@logins.role_required(*feeds.ROLES)
def revoke_feed() -> str:
    """Switch the feed off: its URL answers 404 from now on."""
    user, db = me(), get_session()
    feeds.revoke(db, user)
    db.commit()
    return feed_page(user, revoked=True)


@bp.get("/calendar/<secret>.ics")
def ics(secret: str) -> Response:
    """Serve the calendar to whoever holds the secret URL (a calendar client cannot log in); 404 once revoked."""
    db = get_session()
    user = feeds.owner(db, secret[:64])
    if user is None:
        abort(404)
    name = _("Stage: begeleiding") if user.role == "student" else _("Stagebegeleiding: mijn studenten")
    body = feeds.calendar(feeds.events(db, user), name, mail.page_url("portal_accounts.home"), feeds.now())
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Disposition"] = 'inline; filename="stage.ics"'
    return response
