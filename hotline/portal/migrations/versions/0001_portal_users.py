"""The portal's users: role, name, local login or institution subject.

Revision ID: p0001
Revises:
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "p0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_user",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320)),
        sa.Column("username", sa.String(64), unique=True),
        sa.Column("password_hash", sa.String(200)),
        sa.Column("subject", sa.String(255), unique=True),
        sa.Column("programme", sa.String(64)),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_on", sa.Date, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("portal_user")
