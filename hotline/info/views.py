"""The recognition toolkit pages and the transparency page."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from hotline.db import get_session
from hotline.extensions import keyring, routing
from hotline.info import facts, toolkit
from hotline.taxonomy import PHASES

bp = Blueprint("info", __name__, url_prefix="/info")


@bp.get("/discrimination")
def discrimination() -> str:
    """Show the protected grounds and the phases, with examples and what to do."""
    return render_template("info/discrimination.html", toolkit=toolkit.current(), phases=PHASES)


@bp.get("/misuse")
def misuse() -> str:
    """Show the kinds of internship misuse, with examples and what to do."""
    return render_template("info/misuse.html", toolkit=toolkit.current())


@bp.get("/what-we-store")
def transparency() -> str:
    """Show what this instance stores, for whom it is sealed and for how long, from its own settings."""
    found = facts.build(get_session(), keyring(), current_app.config)
    return render_template("info/transparency.html", facts=found, kinds=routing().kinds)
