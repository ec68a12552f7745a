"""Alembic environment: runs on the connection handed over by hotline.db.upgrade()."""

from __future__ import annotations

from alembic import context

import hotline.models  # noqa: F401  (registers the tables on Base)
from hotline.db import Base, make_engine

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    """Migrate through the given connection, or one made from the configured URL."""
    connection = config.attributes.get("connection")
    if connection is None:
        engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.begin() as connection:
            context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
            context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    context.run_migrations()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations()
