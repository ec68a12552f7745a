"""The portal: the identified side (placements office, supervision), a Flask app of its own beside the hotline.

It shares no database, secret, session cookie, account or identifier with the anonymous hotline
(MODULES.md, "Two sides that never meet"): only code, such as the security headers, the design
system and the norms engine. `hotline run` serves it under /portal; in production it runs as its
own WSGI app (hotline.wsgi:portal), preferably on a host name of its own.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from hotline import config as hotline_config
from hotline import i18n, institution, norms_file, norms_text, security, template_folder
from hotline.portal import config, db, extensions
from hotline.portal.placements import catalogue
from hotline.portal.supervision import settings as supervision_settings

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication


def role_labels() -> dict[str, str]:
    """Return what each role is called, in the current language."""
    from hotline.i18n import gettext as _

    return {
        "student": _("student"),
        "supervisor": _("stagedocent"),
        "office": _("stagebureau"),
        "host": _("stagebieder"),
    }


def create_portal_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the portal; raises PortalConfigError, InstitutionError, NormsError or CatalogueError if misconfigured."""
    instance = hotline_config.instance_path()
    settings = config.load(instance, test_config)
    package = Path(__file__).resolve().parent.parent
    static = package / "static"  # the same design system, served by this app
    app = Flask(__name__, instance_path=str(instance), template_folder=template_folder(), static_folder=str(static))
    app.config.update(settings)
    app.config.update(config.cookie_settings(settings))
    app.config.update(
        LANGUAGE_COOKIE="portal-lang",
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_TRANSLATION_DIRECTORIES=str(package / "translations"),  # one catalogue for both apps' pages
    )
    app.request_class = security.InMemoryRequest
    app.before_request(security.refuse_oversize)
    app.before_request(security.refuse_nul)
    CSRFProtect(app)
    app.after_request(security.set_headers)
    for name in ("werkzeug", app.logger.name):  # no address and no login link's secret in a log line
        logging.getLogger(name).addFilter(security.AddressFilter())
    db.init_app(app)
    i18n.init_app(app)
    institution.init_app(app)
    app.extensions[extensions.NORMS] = norms_file.load(app.config["NORMS_FILE"])
    app.extensions[extensions.CATALOGUE] = catalogue.load(app.config["PLACEMENTS_FILE"])
    app.extensions[extensions.SUPERVISION] = supervision_settings.load(app.config["SUPERVISION_FILE"])

    from hotline.portal.accounts import invite_views, login, people_views, views

    app.before_request(login.load_user)
    app.register_blueprint(views.bp)
    app.register_blueprint(invite_views.bp)
    app.register_blueprint(people_views.bp)
    from hotline.portal.placements import host_views, office_views, round_views, student_views
    from hotline.portal.supervision import plan_views

    app.register_blueprint(round_views.bp)
    app.register_blueprint(student_views.bp)
    app.register_blueprint(office_views.bp)
    app.register_blueprint(host_views.bp)
    from hotline.portal.supervision import signal_views

    app.register_blueprint(signal_views.bp)
    from hotline.portal.supervision import feed_views

    app.register_blueprint(feed_views.bp)
    app.register_blueprint(plan_views.bp)
    app.jinja_env.filters["duration"] = norms_text.hours  # minutes as "37,5 uur", in the page's language
    app.context_processor(
        lambda: {"user": login.current_user(), "roles": role_labels(), "hotline_url": app.config["HOTLINE_URL"]}
    )
    return app


def mount(hotline: WSGIApplication, portal: Flask) -> DispatcherMiddleware:
    """Serve both apps from one server, the portal under its PATH (`hotline run`): still two apps that share nothing."""
    return DispatcherMiddleware(hotline, {portal.config["PATH"]: portal})
