"""The portal's settings: its own HOTLINE_PORTAL_* variables, never the hotline's secrets or database."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from hotline import private_files

DEMO_FILE = "portal-demo.json"
SQLITE_FILE = "portal.sqlite3"  # the portal demo's own secret, beside (never inside) the hotline's demo file

DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": None,  # None: SQLite in the instance folder (portal.sqlite3)
    "SECRET_KEY": None,  # required outside testing and the demo; never the hotline's SECRET_KEY
    # Where the portal is served: under /portal by `hotline run`, or "/" on a host name of its own. Its session
    # cookie is scoped to this path, so the hotline on the same host is never sent it.
    "PATH": "/portal",
    "TLS": False,  # read from HOTLINE_TLS: a fact of the deployment, the same for both apps
    "HSTS_SECONDS": 63072000,  # read from HOTLINE_HSTS_SECONDS, as TLS
    "INSTITUTION_FILE": None,  # None: institution.toml in the instance folder, as for the hotline
    "NORMS_FILE": None,  # read from HOTLINE_NORMS_FILE: the same fair-conditions rules as the hotline's check
    "PLACEMENTS_FILE": None,  # None: placements.toml in the instance folder, if present
    "SUPERVISION_FILE": None,  # None: supervision.toml in the instance folder, if present
    # Local accounts (username and password) for the embedded default and the demo; an institution that logs
    # in through SURFconext switches them off.
    "LOCAL_ACCOUNTS": True,
    "HOTLINE_URL": "/",  # where the footer sends a student to the hotline: its address when on another host
    "SESSION_HOURS": 10,  # a login lasts at most this long, however active
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    # Logging in through the institution (SURFconext) by OpenID Connect; no discovery URL: no such login.
    "OIDC_DISCOVERY_URL": None,
    "OIDC_CLIENT_ID": None,
    "OIDC_CLIENT_SECRET": None,
    "OIDC_SCOPES": "openid profile email",
    "OIDC_NAME_CLAIM": "name",
    "OIDC_EMAIL_CLAIM": "email",
    "OIDC_AFFILIATION_CLAIM": "eduperson_affiliation",
    # Affiliation=role pairs, the first the user has wins; an affiliation not listed gets no access until the
    # office gives a role. Least access by default: employees wait for the office.
    "OIDC_ROLES": "student=student",
    "INVITATION_HOURS": 72,  # how long a host contact's one-time login link works
    "BASE_URL": None,  # where host contacts reach the portal, for the link in a mail; required with an SMTP host
    # The mail server, shared with the hotline's notifications; no SMTP host: the office passes links on by hand.
    "SMTP_HOST": None,
    "SMTP_PORT": 587,
    "SMTP_USERNAME": None,
    "SMTP_PASSWORD": None,
    "SMTP_STARTTLS": True,
    "MAIL_FROM": None,
}
SHARED = {
    "TLS",
    "HSTS_SECONDS",
    "INSTITUTION_FILE",
    "NORMS_FILE",
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_USERNAME",
    "SMTP_PASSWORD",
    "SMTP_STARTTLS",
    "MAIL_FROM",
}  # read from HOTLINE_<KEY> rather than HOTLINE_PORTAL_<KEY>


class PortalConfigError(Exception):
    """A setting is missing or wrong; the portal must not start with it."""


def _typed(default: Any, text: str, name: str) -> Any:
    if isinstance(default, bool):
        if text.lower() not in ("1", "true", "yes", "0", "false", "no"):
            raise PortalConfigError(f"{name} must be true or false, not {text!r}")
        return text.lower() in ("1", "true", "yes")
    if isinstance(default, int):
        try:
            return int(text)
        except ValueError as exc:
            raise PortalConfigError(f"{name} must be a whole number, not {text!r}") from exc
    return text


def env_name(key: str) -> str:
    return f"HOTLINE_{key}" if key in SHARED else f"HOTLINE_PORTAL_{key}"


def load(instance: Path, test_config: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the portal's settings: defaults, then HOTLINE_PORTAL_* variables, then the test's."""
    settings = dict(DEFAULTS)
    for key, default in DEFAULTS.items():
        text = os.environ.get(env_name(key))
        if text is not None:
            settings[key] = _typed(default, text, env_name(key))
    settings.update(test_config or {})
    demo_file = instance / DEMO_FILE
    settings["DEMO"] = demo_file.exists()
    if settings["DEMO"] and not settings["SECRET_KEY"]:
        settings["SECRET_KEY"] = json.loads(demo_file.read_text("utf-8"))["SECRET_KEY"]
    if not settings["SECRET_KEY"]:
        if not settings.get("TESTING"):
            raise PortalConfigError(
                "missing setting: HOTLINE_PORTAL_SECRET_KEY (its own, never the hotline's HOTLINE_SECRET_KEY); "
                "or run `hotline demo` to make a demo instance that keeps its own"
            )
        settings["SECRET_KEY"] = secrets.token_hex(32)
    if settings["SECRET_KEY"] == os.environ.get("HOTLINE_SECRET_KEY"):
        raise PortalConfigError(
            "HOTLINE_PORTAL_SECRET_KEY must differ from HOTLINE_SECRET_KEY: the two sides share no secret"
        )
    settings["PATH"] = "/" + str(settings["PATH"]).strip("/")
    settings["DATABASE_URL"] = settings["DATABASE_URL"] or database_url(instance)
    if settings["DATABASE_URL"] == os.environ.get("HOTLINE_DATABASE_URL"):
        raise PortalConfigError("HOTLINE_PORTAL_DATABASE_URL must name another database than HOTLINE_DATABASE_URL")
    settings["INSTITUTION_FILE"] = Path(settings["INSTITUTION_FILE"] or instance / "institution.toml")
    settings["NORMS_FILE"] = Path(settings["NORMS_FILE"] or instance / "norms.toml")
    settings["PLACEMENTS_FILE"] = Path(settings["PLACEMENTS_FILE"] or instance / "placements.toml")
    settings["SUPERVISION_FILE"] = Path(settings["SUPERVISION_FILE"] or instance / "supervision.toml")
    return settings


def database_url(instance: Path) -> str:
    """Return the portal's database: HOTLINE_PORTAL_DATABASE_URL, or SQLite in the instance folder."""
    return os.environ.get(env_name("DATABASE_URL")) or f"sqlite:///{instance / SQLITE_FILE}"


def cookie_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """Return the session cookie's settings: its own name, scoped to the portal's path, Secure under TLS."""
    tls, path = bool(settings["TLS"]), settings["PATH"]
    # __Host- demands Path=/; under /portal the prefix is __Secure-.
    name = ("__Host-portal" if path == "/" else "__Secure-portal") if tls else "portal"
    return {
        "SESSION_COOKIE_NAME": name,
        "SESSION_COOKIE_PATH": path,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SECURE": tls,
        # Lax, not Strict: a login through SURFconext comes back by a cross-site redirect that must carry it.
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PREFERRED_URL_SCHEME": "https" if tls else "http",
    }


def make_demo_secret(instance: Path) -> None:
    """Write the portal demo's own secret key into the instance folder (demo only)."""
    demo_file = instance / DEMO_FILE
    values = json.loads(demo_file.read_text("utf-8")) if demo_file.exists() else {}
    values.setdefault("SECRET_KEY", secrets.token_hex(32))
    private_files.folder(instance)
    private_files.write_text(demo_file, json.dumps(values, indent=2) + "\n")
