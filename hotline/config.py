"""Settings: defaults in code, then .env, then HOTLINE_* environment variables."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from dotenv import find_dotenv, load_dotenv

from hotline import private_files

MiB = 1024 * 1024

# Secrets without a safe default: outside testing and the demo, the app will not start without them.
SECRETS = ("SECRET_KEY", "LOOKUP_PEPPER", "INSTANCE_SALT", "INSTITUTION_KEY")

DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": None,  # None: SQLite in the instance folder
    "KEYS_DIR": "keys",
    "ROUTING_FILE": None,  # None: routing.toml in the instance folder, if present
    "NORMS_FILE": None,  # None: norms.toml in the instance folder, if present (hotline/norms.toml says how)
    "STATISTICS_FILE": None,  # None: statistics.toml in the instance folder, if present (hotline/statistics.toml)
    "STATISTICS_CACHE_SECONDS": 600,  # how long a worker keeps a year's published statistics; 0: never
    "INSTITUTION_FILE": None,  # None: institution.toml in the instance folder (institution.py)
    "RATELIMIT_STORAGE_URL": "memory://",
    "REPORT_LIMIT": "10 per hour",  # filed reports per client bucket, HTML and API together
    "STATUS_LIMIT": "60 per hour",
    "AGREEMENT_READ_LIMIT": "30 per hour",  # agreements read by the fair-conditions check, per client bucket
    # Refused report submissions (a missing field, a bad envelope, a stale form, too large a body) spend a
    # budget of their own, so that no flood of them can use up the budget of reports that are filed.
    "MALFORMED_LIMIT": "30 per hour",
    # The limiter keys a client by a keyed hash of its address, cut to RATELIMIT_KEY_BITS bits so that many
    # addresses share a key (2**32 / 2**16 = 65,536 IPv4 addresses, or IPv6 /64 networks, per key): a stored
    # key names a crowd, never an address. With 100 clients in one hour, two of them share a budget with a
    # chance of about 7% (100**2 / 2**17); more bits make that rarer and the crowd smaller.
    "RATELIMIT_KEY_BITS": 16,
    # The hash's secret is random, lives only in the limiter's storage (Redis without persistence, or the
    # process for memory://) and is replaced every RATELIMIT_SECRET_HOURS on the clock: old keys can then not
    # be matched to an address by anyone. It must be at least the longest limit's period (an hour), since
    # each new secret starts every client on a fresh budget.
    "RATELIMIT_SECRET_HOURS": 24,
    "MAX_ATTACHMENTS": 5,
    "MAX_ATTACHMENT_BYTES": 10 * MiB,
    "MAX_CONTENT_LENGTH": 80 * MiB,  # five 10 MiB attachments, base64 in JSON on the browser path
    "MAX_DESCRIPTION_CHARS": 20_000,
    # Requests with a body of LARGE_BODY_BYTES or more that one process reads and handles at a time; the
    # rest wait their turn with their body unread, so a worker's memory stays bounded (security.py).
    "LARGE_BODIES_AT_ONCE": 1,
    "LARGE_BODY_BYTES": 1 * MiB,
    # Images sent without JavaScript are re-encoded from their pixels, and a small file can decode to a lot: a
    # one-colour 6300x6300 RGBA PNG of 170 KB takes 160 MB. These budgets count the bytes that decoding and
    # re-encoding hold at their peak (two copies, more for WebP; Pillow keeps four bytes per RGB pixel), read
    # from each image's header before anything is decoded (attachments.py). One image: a 12-megapixel phone
    # photo takes about 98 MB, a 16-megapixel one 128 MB.
    "IMAGE_BYTES": 128 * MiB,
    # All images of one report together, which also bounds its CPU time: five 12-megapixel photos fit.
    "IMAGE_BYTES_PER_REQUEST": 512 * MiB,
    # All images that one process re-encodes at once, over its threads: the others wait for room, at most
    # IMAGE_WAIT_SECONDS, and are then refused with a request to try again. At least IMAGE_BYTES.
    "IMAGE_BYTES_AT_ONCE": 128 * MiB,
    "IMAGE_WAIT_SECONDS": 20,
    "TLS": False,
    # With TLS on, browsers are told to use only HTTPS for this host (and its subdomains) for this long:
    # two years, the usual value; preload is left to the operator, as it is hard to undo.
    "HSTS_SECONDS": 63_072_000,
    "TRUSTED_PROXIES": 0,
    "ACK_DAYS": 7,
    "FEEDBACK_MONTHS": 3,
    "RETENTION_DAYS": 365,
    # `hotline maintenance` rewrites each finished day's reporter rows under a table lock (maintenance.py). It
    # waits this long for writers at a time, below PostgreSQL's deadlock_timeout (1 s), so it always yields.
    "MAINTENANCE_LOCK_MS": 500,
    "MAINTENANCE_LOCK_TRIES": 60,
    "SESSION_MINUTES": 30,  # staff sessions: idle timeout
    "SESSION_MAX_HOURS": 8,  # staff sessions: absolute limit
    # A failed login (password or code) makes its account name and its client wait: 1 s, doubling with each
    # further failure up to the maximum, forgotten a while after the first (login_delays.py). Never a lock:
    # after the wait, the right password and code log in. 0 as the first delay turns the delays off.
    "LOGIN_DELAY_FIRST_SECONDS": 1,
    "LOGIN_DELAY_MAX_SECONDS": 300,
    "LOGIN_DELAY_FORGET_HOURS": 24,
    "LOGIN_LIMIT": "30 per hour",  # login attempts per client, over all accounts
    "KEY_PROOF_MINUTES": 10,  # how long a possession challenge may be signed after the page gave it
    # Wraps one kid may carry per envelope: a later valid re-wrap goes beside a bad one, but not without end.
    "MAX_WRAPS_PER_KID": 4,
    # The anonymous forms' token cookie (form_tokens.py) lives this long at most; 0: until the browser closes,
    # so that no cookie outlives the visit. A form sent after it expired is shown again with what was typed,
    # and goes through the second time.
    "FORM_COOKIE_MINUTES": 0,
    # The language choice lasts the visit (0: until the browser closes); days to remember it on the device.
    "LANGUAGE_COOKIE_DAYS": 0,
    # How long the language choice lasts when the student asks this device to remember it ('Wat we bewaren').
    "LANGUAGE_REMEMBER_DAYS": 180,
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
    if not 1 <= settings["RATELIMIT_KEY_BITS"] <= 64:
        raise ConfigError("HOTLINE_RATELIMIT_KEY_BITS must be between 1 and 64")
    if settings["RATELIMIT_SECRET_HOURS"] < 1:
        raise ConfigError("HOTLINE_RATELIMIT_SECRET_HOURS must be 1 or more")
    if not 0 <= settings["LOGIN_DELAY_FIRST_SECONDS"] <= settings["LOGIN_DELAY_MAX_SECONDS"]:
        raise ConfigError("HOTLINE_LOGIN_DELAY_FIRST_SECONDS must be 0 or more, and at most the MAX_SECONDS")
    if settings["LANGUAGE_REMEMBER_DAYS"] < 1:
        raise ConfigError("HOTLINE_LANGUAGE_REMEMBER_DAYS must be 1 or more")
    for key in ("LOGIN_DELAY_FORGET_HOURS", "MAINTENANCE_LOCK_MS", "MAINTENANCE_LOCK_TRIES"):
        if settings[key] < 1:
            raise ConfigError(f"HOTLINE_{key} must be 1 or more")
    if settings["LARGE_BODIES_AT_ONCE"] < 1:
        raise ConfigError("HOTLINE_LARGE_BODIES_AT_ONCE must be 1 or more")
    if settings["IMAGE_BYTES_AT_ONCE"] < settings["IMAGE_BYTES"]:
        raise ConfigError("HOTLINE_IMAGE_BYTES_AT_ONCE must be at least HOTLINE_IMAGE_BYTES")
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = f"sqlite:///{instance / 'hotline.sqlite3'}"
    settings["ROUTING_FILE"] = Path(settings["ROUTING_FILE"] or instance / "routing.toml")
    settings["NORMS_FILE"] = Path(settings["NORMS_FILE"] or instance / "norms.toml")
    settings["STATISTICS_FILE"] = Path(settings["STATISTICS_FILE"] or instance / "statistics.toml")
    settings["INSTITUTION_FILE"] = Path(settings["INSTITUTION_FILE"] or instance / "institution.toml")
    settings["KEYS_DIR"] = Path(settings["KEYS_DIR"])
    return settings


def make_demo_secrets(instance: Path, institution_fingerprint: str) -> dict[str, str]:
    """Write the demo instance's own secrets into its instance folder (demo only)."""
    demo_file = instance / DEMO_FILE
    values = json.loads(demo_file.read_text("utf-8")) if demo_file.exists() else {}
    for key in SECRETS[:3]:
        values.setdefault(key, secrets.token_hex(32))
    values["INSTITUTION_KEY"] = institution_fingerprint
    private_files.folder(instance)
    private_files.write_text(demo_file, json.dumps(values, indent=2) + "\n")
    return values
