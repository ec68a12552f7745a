"""A plain `pip install .` ships every template, static file and data file the app reads."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA_FOLDERS = ("templates", "hotline/static", "hotline/translations", "hotline/api", "hotline/migrations")


def package_folder(package: str, package_dir: dict[str, str]) -> Path:
    for prefix, folder in package_dir.items():
        if package == prefix or package.startswith(prefix + "."):
            return ROOT / folder / Path(*package[len(prefix) :].split(".")[1:])
    return ROOT / Path(*package.split("."))


def test_every_data_file_is_in_the_package_data() -> None:
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    shipped = set()
    for package, patterns in settings["package-data"].items():
        folder = package_folder(package, settings.get("package-dir", {}))
        assert package in settings["packages"], f"{package} has data but is not a listed package"
        shipped |= {p for pattern in patterns for p in folder.glob(pattern) if p.is_file()}
    for top in DATA_FOLDERS:
        for path in (ROOT / top).rglob("*"):
            if path.is_file() and not fnmatch.fnmatch(path.name, "*.py") and "__pycache__" not in path.parts:
                assert path in shipped, f"{path.relative_to(ROOT)} would be missing from a plain pip install"
