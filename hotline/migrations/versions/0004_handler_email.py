"""handler e-mail: where `hotline notify` tells a handler of new and overdue cases

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handler", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))


def downgrade() -> None:
    # In place (SQLite >= 3.35): copying the table and dropping the old one would cascade and delete
    # the rows that refer to it: every handler's destinations.
    with op.batch_alter_table("handler", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("email")
