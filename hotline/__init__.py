"""Meldpunt Stages: an anonymous, end-to-end-encrypted internship reporting hotline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from hotline import attachments, config, db, fragments, i18n, institution, private_files, routing, security
from hotline.keyring import Keyring


def template_folder() -> str:
    """Return the templates: inside the installed package, or beside it in a checkout."""
    here = Path(__file__).resolve().parent
    installed = here / "templates"
    return str(installed if installed.is_dir() else here.parent / "templates")


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the hotline app; raises a ConfigError, RoutingError, NormsError or InstitutionError if misconfigured."""
    instance = config.instance_path()
    settings = config.load(instance, test_config)
    app = Flask(__name__, instance_path=str(instance), template_folder=template_folder())
    app.config.update(settings)
    from hotline.demo import DEMO_KEYS

    # What an older version (or a hand) left readable to others is tightened on every start.
    private_files.instance(instance, files=(config.DEMO_FILE,), folders=(DEMO_KEYS,))

    app.extensions["hotline.routing"] = routing.load(app.config["ROUTING_FILE"])
    app.extensions["hotline.keyring"] = Keyring(app.config["KEYS_DIR"], app.config["INSTITUTION_KEY"] or "")
    app.extensions["hotline.images"] = attachments.image_budget(app.config)
    db.init_app(app)
    i18n.init_app(app)
    fragments.init_app(app)
    institution.init_app(app)
    limiter = security.init_app(app)
    app.extensions["hotline.limiter"] = limiter

    from hotline import admin, api, casework, conditions, errors, guide, info, reports, staff, statistics

    budgets = security.budgets(limiter)
    errors.init_app(app)
    reports.init_app(app, budgets)
    staff.init_app(app)
    casework.init_app(app, budgets)
    admin.init_app(app)
    info.init_app(app)
    guide.init_app(app)
    conditions.init_app(app)
    statistics.init_app(app)
    api.init_app(app, budgets)  # after errors: it answers JSON for /api/ paths and defers to them elsewhere
    return app
