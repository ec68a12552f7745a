"""The shape of the package: dependencies point inward, blueprints never import each other."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "hotline"
BLUEPRINTS = sorted(p.name for p in PACKAGE.iterdir() if (p / "views.py").is_file())


def imported_modules(path: Path) -> set[str]:
    """Return every module a file imports, absolute or relative, as dotted names."""
    found: set[str] = set()
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def test_there_are_blueprints_to_check() -> None:
    assert {"api", "casework", "reports", "admin"} <= set(BLUEPRINTS)


def test_no_blueprint_imports_another() -> None:
    crossings = []
    for blueprint in BLUEPRINTS:
        for path in (PACKAGE / blueprint).rglob("*.py"):
            for module in imported_modules(path):
                parts = module.split(".")
                if len(parts) > 1 and parts[0] == "hotline" and parts[1] in BLUEPRINTS and parts[1] != blueprint:
                    crossings.append(f"{path.relative_to(PACKAGE)} imports {module}")
    assert not crossings, crossings


def test_domain_modules_import_no_blueprint() -> None:
    crossings = []
    for path in PACKAGE.glob("*.py"):
        if path.name in ("__init__.py", "wsgi.py"):  # the factory registers the blueprints
            continue
        for module in imported_modules(path):
            parts = module.split(".")
            if len(parts) > 1 and parts[0] == "hotline" and parts[1] in BLUEPRINTS:
                crossings.append(f"{path.name} imports {module}")
    assert not crossings, crossings
