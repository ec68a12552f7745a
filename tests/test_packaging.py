"""A plain `pip install .` ships every template, static file and data file the app reads."""

from __future__ import annotations

import fnmatch
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA_FOLDERS = ("templates", "hotline/static", "hotline/translations", "hotline/api", "hotline/migrations")
# Not part of what a build reads: a checkout's tools, caches and earlier build output.
NOT_SOURCE = (".*", "node_modules", "build", "dist", "*.egg-info", "__pycache__", "instance", "*.mo")


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


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Build a wheel from a clean copy of the source, as `pip install .` does; return the files in it."""
    source = tmp_path_factory.mktemp("source")
    out = tmp_path_factory.mktemp("wheel")
    shutil.copytree(ROOT, source, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    # Without build isolation: the test extras bring setuptools, and babel comes with flask-babel.
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q"]
    subprocess.run([*command, "-w", str(out), str(source)], check=True, capture_output=True)  # noqa: S603 (our own pip)
    (built,) = out.glob("*.whl")
    with zipfile.ZipFile(built) as archive:
        return archive.namelist()


def test_the_wheel_carries_the_catalogue_compiled_at_build_time(wheel: list[str]) -> None:
    catalogues = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob("hotline/translations/*/LC_MESSAGES/*.po"))
    assert catalogues
    for po in catalogues:
        assert po in wheel
        assert po.removesuffix(".po") + ".mo" in wheel, f"{po} was not compiled into the wheel"


def test_the_wheel_ships_the_templates_and_data(wheel: list[str]) -> None:
    assert "hotline/templates/base.html" in wheel
    assert "hotline/api/openapi.json" in wheel
    for data in sorted(ROOT.glob("hotline/*.toml")):  # every shipped table of rules: routing, norms, toolkit, guide
        assert data.relative_to(ROOT).as_posix() in wheel
    assert "hotline/conditions/reader.py" in wheel and "hotline/templates/conditions/check.html" in wheel


def test_ci_runs_the_readme_test_command_verbatim_and_it_makes_its_own_venv() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    command = readme.split("## Test", 1)[1].split("```sh\n", 1)[1].split("\n```", 1)[0].strip()
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert f"test_command() {{ {command}; }}" in ci
    assert command.startswith("[ -d .venv ] || python3 -m venv .venv && . .venv/bin/activate && ")
