"""Settings: secrets are required outside testing, everything else comes from HOTLINE_* and .env."""

from __future__ import annotations

import os
import re
import secrets
import stat
from pathlib import Path

import pytest

from hotline import config, create_app

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = (*config.DEFAULTS, *config.SECRETS, "INSTANCE", "DEMO", "TESTING")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Start without HOTLINE_* settings, in an empty working directory, with an instance folder.

    Each name is set before it is deleted so that monkeypatch also removes what a .env file adds.
    """
    names = {f"HOTLINE_{key}" for key in SETTINGS} | {name for name in os.environ if name.startswith("HOTLINE_")}
    for name in names:
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    instance = tmp_path / "inst"
    monkeypatch.setenv("HOTLINE_INSTANCE", str(instance))
    return instance


def set_secrets(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    """Set every secret to a valid value, then apply the given ones."""
    valid = {key: secrets.token_hex(32) for key in config.SECRETS}
    for key, value in (valid | values).items():
        monkeypatch.setenv(f"HOTLINE_{key}", value)


def test_missing_secrets_stop_the_app_with_a_clear_message() -> None:
    with pytest.raises(config.ConfigError) as caught:
        create_app()
    message = str(caught.value)
    for key in config.SECRETS:
        assert f"HOTLINE_{key}" in message
    assert "hotline demo" in message


def test_testing_mode_cannot_be_switched_on_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_TESTING", "true")
    with pytest.raises(config.ConfigError):
        create_app()


def test_one_missing_secret_is_named_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    set_secrets(monkeypatch)
    monkeypatch.delenv("HOTLINE_INSTITUTION_KEY")
    with pytest.raises(config.ConfigError, match="HOTLINE_INSTITUTION_KEY") as caught:
        create_app()
    assert "HOTLINE_SECRET_KEY" not in str(caught.value)


@pytest.mark.parametrize("key", ["LOOKUP_PEPPER", "INSTANCE_SALT"])
@pytest.mark.parametrize("value", ["not hex at all, not at all", "abcd" * 4, "0" * 31])
def test_pepper_and_salt_must_be_long_hex(monkeypatch: pytest.MonkeyPatch, key: str, value: str) -> None:
    set_secrets(monkeypatch, **{key: value})
    with pytest.raises(config.ConfigError, match=f"HOTLINE_{key}"):
        create_app()


def test_settings_come_from_hotline_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    set_secrets(monkeypatch)
    monkeypatch.setenv("HOTLINE_MAX_ATTACHMENTS", "2")
    monkeypatch.setenv("HOTLINE_TLS", "true")
    monkeypatch.setenv("HOTLINE_REPORT_LIMIT", "3 per hour")
    app = create_app()
    assert app.config["MAX_ATTACHMENTS"] == 2
    assert isinstance(app.config["MAX_ATTACHMENTS"], int)
    assert app.config["TLS"] is True
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REPORT_LIMIT"] == "3 per hour"
    assert app.config["DEMO"] is False


def test_defaults_are_safe_without_tls(monkeypatch: pytest.MonkeyPatch, clean_env: Path) -> None:
    set_secrets(monkeypatch)
    app = create_app()
    assert app.config["TLS"] is False
    assert app.config["MAX_ATTACHMENTS"] == config.DEFAULTS["MAX_ATTACHMENTS"]
    assert app.config["DATABASE_URL"] == f"sqlite:///{clean_env / 'hotline.sqlite3'}"


def test_a_whole_number_setting_refuses_words(monkeypatch: pytest.MonkeyPatch) -> None:
    set_secrets(monkeypatch)
    monkeypatch.setenv("HOTLINE_MAX_ATTACHMENTS", "many")
    with pytest.raises(config.ConfigError, match="whole number"):
        create_app()


def test_settings_come_from_a_dotenv_file_in_the_working_directory(tmp_path: Path) -> None:
    lines = [f"HOTLINE_{key}={secrets.token_hex(32)}" for key in config.SECRETS]
    (tmp_path / ".env").write_text("\n".join([*lines, "HOTLINE_MAX_ATTACHMENTS=3", ""]), "utf-8")
    app = create_app()
    assert app.config["MAX_ATTACHMENTS"] == 3


def test_environment_wins_over_dotenv(monkeypatch: pytest.MonkeyPatch) -> None:
    set_secrets(monkeypatch)
    monkeypatch.setenv("HOTLINE_MAX_ATTACHMENTS", "4")
    (Path.cwd() / ".env").write_text("HOTLINE_MAX_ATTACHMENTS=3\n", "utf-8")
    assert create_app().config["MAX_ATTACHMENTS"] == 4


def test_demo_instance_starts_without_secrets_in_the_environment(clean_env: Path) -> None:
    values = config.make_demo_secrets(clean_env, "ab" * 32)
    demo_file = clean_env / config.DEMO_FILE
    assert stat.S_IMODE(demo_file.stat().st_mode) == 0o600
    app = create_app()
    assert app.config["DEMO"] is True
    assert app.config["INSTITUTION_KEY"] == "ab" * 32
    assert app.config["LOOKUP_PEPPER"] == values["LOOKUP_PEPPER"]


def test_demo_secrets_are_kept_when_made_again(clean_env: Path) -> None:
    first = config.make_demo_secrets(clean_env, "ab" * 32)
    second = config.make_demo_secrets(clean_env, "cd" * 32)
    assert second["SECRET_KEY"] == first["SECRET_KEY"]
    assert second["INSTITUTION_KEY"] == "cd" * 32


def test_env_example_names_every_setting_an_operator_must_know() -> None:
    example = ROOT / ".env.example"
    assert example.is_file(), ".env.example is missing at the repository root"
    named = set(re.findall(r"^#?\s*(HOTLINE_[A-Z_]+)=", example.read_text("utf-8"), re.M))
    for key in (*config.SECRETS, "DATABASE_URL", "RATELIMIT_STORAGE_URL"):
        assert f"HOTLINE_{key}" in named, key


def test_the_image_budget_per_process_must_hold_the_largest_image(monkeypatch: pytest.MonkeyPatch) -> None:
    set_secrets(monkeypatch)
    monkeypatch.setenv("HOTLINE_IMAGE_BYTES", str(64 * config.MiB))
    monkeypatch.setenv("HOTLINE_IMAGE_BYTES_AT_ONCE", str(32 * config.MiB))
    with pytest.raises(config.ConfigError, match="HOTLINE_IMAGE_BYTES_AT_ONCE"):
        create_app()
