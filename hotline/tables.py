"""Shipped TOML tables with an instance's override merged in, key by key: norms, placements, supervision."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Return base with override laid over it: tables merge key by key, any other value replaces."""
    merged = dict(base)
    for key, value in override.items():
        both = isinstance(value, dict) and isinstance(merged.get(key), dict)
        merged[key] = merge(merged[key], value) if both else value
    return merged


def shipped(package: str, name: str) -> dict[str, Any]:
    """Return a TOML file shipped in a package."""
    return tomllib.loads(resources.files(package).joinpath(name).read_text("utf-8"))


def load(package: str, name: str, override: Path | None, error: type[Exception]) -> dict[str, Any]:
    """Return the shipped file merged with the override file, if there is one; a broken override raises `error`."""
    data = shipped(package, name)
    if override is None or not override.exists():
        return data
    try:
        return merge(data, tomllib.loads(override.read_text("utf-8")))
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{override}: {exc}") from exc
