"""The two sides never meet: no shared table, reference, import, cookie or referrer between hotline and portal."""

from __future__ import annotations

import ast
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask, request
from sqlalchemy import inspect
from test_portal import PASSWORD, person
from werkzeug.test import Client

from hotline import models
from hotline.portal import models as portal_models  # noqa: F401  (registers every portal table)
from hotline.portal.db import ENGINE, PortalBase

ROOT = Path(__file__).resolve().parent.parent
PORTAL = ROOT / "hotline" / "portal"
# What the portal may take from the anonymous side: primitives, the design system's helpers and the norms.
PORTAL_MAY_IMPORT = {
    "hotline",  # template_folder()
    "hotline.auth",
    "hotline.config",  # instance_path()
    "hotline.dates",
    "hotline.db",  # make_engine()
    "hotline.i18n",
    "hotline.institution",
    "hotline.norms",
    "hotline.norms_file",
    "hotline.norms_input",
    "hotline.norms_text",
    "hotline.private_files",
    "hotline.security",
    "hotline.smtp",
    "hotline.tables",
    "hotline.taxonomy",
}
# Where the hotline may name the portal: the command line and the WSGI entry points, which start both.
MAY_IMPORT_PORTAL = {
    "hotline/cli/base.py",
    "hotline/cli/instance.py",
    "hotline/cli/portal.py",
    "hotline/wsgi.py",
    "hotline/statistics/portal_counts.py",  # the statistics' one door: the portal's published counts, nothing else
}
HOTLINE_IDENTIFIERS = ("case", "token", "digest", "lookup", "envelope", "destination", "handler", "kid")


def imports(path: Path) -> set[str]:
    """Return every module a file imports, absolute, as written."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def module_of(name: str) -> str:
    """Return the module a dotted name lives in: hotline.db.make_engine -> hotline.db, hotline.cases -> itself."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        path = ROOT.joinpath(*parts[:end])
        if path.with_suffix(".py").exists() or (path / "__init__.py").exists():
            return ".".join(parts[:end])
    return name


def test_the_portal_imports_nothing_of_the_hotline_but_primitives() -> None:
    for path in PORTAL.rglob("*.py"):
        for name in imports(path):
            if name.startswith("hotline") and not name.startswith("hotline.portal"):
                assert module_of(name) in PORTAL_MAY_IMPORT, f"{path.relative_to(ROOT)} imports {name}"


def test_the_import_rule_sees_a_module_imported_from_the_package() -> None:
    assert module_of("hotline.cases") == "hotline.cases" and module_of("hotline.db.make_engine") == "hotline.db"
    assert (
        module_of("hotline.template_folder") == "hotline"
        and module_of("hotline.reports.views") == "hotline.reports.views"
    )


def test_no_hotline_module_imports_the_portal_but_the_entry_points() -> None:
    for path in (ROOT / "hotline").rglob("*.py"):
        if PORTAL in path.parents:
            continue
        if any(name.startswith("hotline.portal") for name in imports(path)):
            assert path.relative_to(ROOT).as_posix() in MAY_IMPORT_PORTAL, path


def test_the_statistics_reach_the_portal_only_through_its_published_counts() -> None:
    door = ROOT / "hotline" / "statistics" / "portal_counts.py"
    portal = {module_of(name) for name in imports(door) if name.startswith("hotline.portal")}
    assert portal == {"hotline.portal.figures"}


def test_the_two_metadatas_share_no_table_and_refer_to_nothing_of_the_other() -> None:
    hotline_tables, portal_tables = set(models.Base.metadata.tables), set(PortalBase.metadata.tables)
    assert portal_tables and not hotline_tables & portal_tables
    for table in PortalBase.metadata.tables.values():
        for key in table.foreign_keys:
            assert key.column.table.name in portal_tables, f"{table.name} refers to {key.target_fullname}"
        for column in table.columns:
            assert not any(word in column.name for word in HOTLINE_IDENTIFIERS), f"{table.name}.{column.name}"
    for table in models.Base.metadata.tables.values():
        for key in table.foreign_keys:
            assert key.column.table.name in hotline_tables
        assert not any(column.name.startswith("portal") for column in table.columns)


def test_each_database_holds_only_its_own_tables(app: Flask, portal: Flask) -> None:
    in_hotline = set(inspect(app.extensions["hotline.engine"]).get_table_names())
    in_portal = set(inspect(portal.extensions[ENGINE]).get_table_names())
    assert in_portal - {"alembic_version"} == set(PortalBase.metadata.tables)
    assert not (in_hotline & in_portal) - {"alembic_version"}
    assert app.config["DATABASE_URL"] != portal.config["DATABASE_URL"]


def test_the_portal_migrations_make_exactly_its_models(portal: Flask) -> None:
    with portal.extensions[ENGINE].connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), PortalBase.metadata) == []


def test_the_two_apps_share_no_secret_or_cookie_name(app: Flask, portal: Flask) -> None:
    assert app.config["SECRET_KEY"] != portal.config["SECRET_KEY"]
    assert app.config["SESSION_COOKIE_NAME"] != portal.config["SESSION_COOKIE_NAME"]
    assert portal.config["SESSION_COOKIE_PATH"] == "/portal"
    assert app.config.get("LANGUAGE_COOKIE", "lang") != portal.config["LANGUAGE_COOKIE"]


def test_a_student_logged_in_to_the_portal_sends_the_hotline_no_portal_cookie(
    app: Flask, portal: Flask, both: Client
) -> None:
    seen: list[dict[str, str]] = []
    app.before_request(lambda: seen.append(dict(request.cookies)) and None)
    person(portal)
    assert both.post("/portal/login", data={"username": "sanne", "password": PASSWORD}).status_code == 302
    both.get("/portal/lang/en")
    assert both.get("/portal/").status_code == 200
    for url in ("/", "/report", "/check"):
        both.get(url)
    assert both.post("/check", data={"hours_per_week": "40"}).status_code == 200
    assert len(seen) == 4
    for cookies in seen:
        assert not any(name.startswith(("portal", "__Secure-portal", "__Host-portal")) for name in cookies), cookies
