"""settled quarters: a quarter's published counts, kept once its figures have settled (issue 16)

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "settled_quarter",
        sa.Column("quarter", sa.String(length=6), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("settled_on", sa.Date(), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("quarter", "source"),
    )


def downgrade() -> None:
    op.drop_table("settled_quarter")
