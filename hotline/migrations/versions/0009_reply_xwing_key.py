"""the reporter's X-Wing reply key: replies and the own copy sealed post-quantum (issue 17)

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Empty for every case filed before: their reporters' wraps stay classical, as they were sealed.
    op.add_column("case", sa.Column("reply_xwing_key", sa.LargeBinary(length=1216), nullable=True))


def downgrade() -> None:
    # In place (SQLite 3.35 and later drop a column without rebuilding the table): a rebuild would drop the old
    # "case" table, and with it, by cascade, every envelope and route.
    with op.batch_alter_table("case", recreate="never") as batch:
        batch.drop_column("reply_xwing_key")
