"""The portal's own database: its own engine, sessions, metadata and Alembic history, never the hotline's."""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING

from flask import Flask, current_app, g
from sqlalchemy import Engine, inspect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from hotline.db import make_engine

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

ENGINE = "portal.engine"
SESSIONS = "portal.sessionmaker"


class PortalBase(DeclarativeBase):
    """Base of every portal model: a metadata of its own, so no table can point into the hotline's."""


def init_app(app: Flask) -> None:
    """Attach the portal's engine and session factory."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions[ENGINE] = engine
    app.extensions[SESSIONS] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(close_session)


def get_session() -> Session:
    """Return this request's (or app context's) portal session."""
    if "portal_session" not in g:
        g.portal_session = current_app.extensions[SESSIONS]()
    session: Session = g.portal_session
    return session


def close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("portal_session", None)
    if session is not None:
        session.close()


def alembic_config(url: str) -> AlembicConfig:
    """Return an Alembic config for the portal's own migrations."""
    from alembic.config import Config as AlembicConfig  # only migrating needs Alembic

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(resources.files("hotline.portal").joinpath("migrations")))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(app: Flask) -> None:
    """Create or migrate the portal's database to the newest schema."""
    migrate(app.extensions[ENGINE], app.config["DATABASE_URL"])


def migrate(engine: Engine, url: str) -> None:
    """Migrate the portal's database through an engine (`hotline init` needs no portal secret for it)."""
    from alembic import command

    cfg = alembic_config(url)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


def is_initialised(app: Flask) -> bool:
    """Tell whether the portal's schema exists."""
    return bool(inspect(app.extensions[ENGINE]).has_table("portal_user"))
