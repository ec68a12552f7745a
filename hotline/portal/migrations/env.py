"""Alembic environment of the portal: runs on the connection handed over by hotline.portal.db.upgrade()."""

from __future__ import annotations

from alembic import context

import hotline.portal.models  # noqa: F401  (registers every portal table on PortalBase)
from hotline.db import make_engine
from hotline.portal.db import PortalBase

config = context.config
target_metadata = PortalBase.metadata


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
