"""Settings: defaults in code, then .env, then HOTLINE_* environment variables."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from dotenv import find_dotenv, load_dotenv

MiB = 1024 * 1024

# Secrets without a safe default: outside testing and the demo, the app will not start without them.
SECRETS = ("SECRET_KEY", "LOOKUP_PEPPER", "INSTANCE_SALT", "INSTITUTION_KEY")

DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": None,  # None: SQLite in the instance folder
    "KEYS_DIR": "keys",
    "ROUTING_FILE": None,  # None: routing.toml in the instance folder, if present
    "RATELIMIT_STORAGE_URL": "memory://",
    "REPORT_LIMIT": "10 per hour",
    "STATUS_LIMIT": "60 per hour",
    "MAX_ATTACHMENTS": 5,
    "MAX_ATTACHMENT_BYTES": 10 * MiB,
    "MAX_CONTENT_LENGTH": 80 * MiB,  # five 10 MiB attachments, base64 in JSON on the browser path
    "MAX_DESCRIPTION_CHARS": 20_000,
    # Requests with a body of LARGE_BODY_BYTES or more that one process reads and handles at a time; the
    # rest wait their turn with their body unread, so a worker's memory stays bounded (security.py).
    "LARGE_BODIES_AT_ONCE": 1,
    "LARGE_BODY_BYTES": 1 * MiB,
    "TLS": False,
    "TRUSTED_PROXIES": 0,
    "ACK_DAYS": 7,
    "FEEDBACK_MONTHS": 3,
    "RETENTION_DAYS": 365,
    "SESSION_MINUTES": 30,  # staff sessions: idle timeout
    "SESSION_MAX_HOURS": 8,  # staff sessions: absolute limit
    "LOGIN_MAX_FAILURES": 5,  # failed attempts (password or code) before an account is locked
    "LOGIN_LOCK_MINUTES": 15,
    "LOGIN_LIMIT": "30 per hour",  # login attempts per client, over all accounts
    # `hotline notify` mails handlers the number of new and overdue cases; no SMTP host: notification off.
    "SMTP_HOST": None,
    "SMTP_PORT": 587,
    "SMTP_USERNAME": None,
    "SMTP_PASSWORD": None,
    "SMTP_STARTTLS": True,
    "MAIL_FROM": None,
    "BASE_URL": None,  # where handlers reach the site, for the login link in the mail
}

DEMO_FILE = "demo.json"


class ConfigError(Exception):
    """The settings are incomplete or invalid; the message says what to do."""


def _coerce(default: Any, value: str) -> Any:
    if isinstance(default, bool):
        return value.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        try:
            return int(value)
        except ValueError as exc:
            raise ConfigError(f"expected a whole number, got {value!r}") from exc
    return value


def instance_path() -> Path:
    """Return the instance folder: HOTLINE_INSTANCE, or ./instance."""
    load_dotenv(find_dotenv(usecwd=True), override=False)
    return Path(os.environ.get("HOTLINE_INSTANCE", "instance")).resolve()


def load(instance: Path, test_config: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the settings for an app, raising ConfigError on missing secrets."""
    settings: dict[str, Any] = dict(DEFAULTS) | {key: None for key in SECRETS}
    demo_file = instance / DEMO_FILE
    settings["DEMO"] = demo_file.exists()
    if settings["DEMO"]:
        settings.update(json.loads(demo_file.read_text("utf-8")))
    for key, default in list(settings.items()):
        value = os.environ.get(f"HOTLINE_{key}")
        if value:  # an empty value, as in a copied .env.example, counts as unset
            settings[key] = _coerce(default, value) if default is not None else value
    settings.update(test_config or {})
    testing = bool(settings.get("TESTING"))
    missing = [f"HOTLINE_{key}" for key in SECRETS if not settings.get(key)]
    if missing and not testing:
        raise ConfigError(
            f"missing settings: {', '.join(missing)}. Set them in the environment or in .env "
            "(see .env.example), or run `hotline demo` to make a demo instance that keeps its own."
        )
    if testing:
        for key in SECRETS[:3]:
            settings[key] = settings.get(key) or secrets.token_hex(32)
    for key in ("LOOKUP_PEPPER", "INSTANCE_SALT"):
        try:
            if len(bytes.fromhex(settings[key])) < 16:
                raise ValueError
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"HOTLINE_{key} must be at least 32 hex digits (try: openssl rand -hex 32)") from exc
    if settings["LARGE_BODIES_AT_ONCE"] < 1:
        raise ConfigError("HOTLINE_LARGE_BODIES_AT_ONCE must be 1 or more")
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = f"sqlite:///{instance / 'hotline.sqlite3'}"
    settings["ROUTING_FILE"] = Path(settings["ROUTING_FILE"] or instance / "routing.toml")
    settings["KEYS_DIR"] = Path(settings["KEYS_DIR"])
    return settings


def make_demo_secrets(instance: Path, institution_fingerprint: str) -> dict[str, str]:
    """Write the demo instance's own secrets into its instance folder (demo only)."""
    demo_file = instance / DEMO_FILE
    values = json.loads(demo_file.read_text("utf-8")) if demo_file.exists() else {}
    for key in SECRETS[:3]:
        values.setdefault(key, secrets.token_hex(32))
    values["INSTITUTION_KEY"] = institution_fingerprint
    instance.mkdir(parents=True, exist_ok=True)
    demo_file.write_text(json.dumps(values, indent=2) + "\n", "utf-8")
    demo_file.chmod(0o600)
    return values
