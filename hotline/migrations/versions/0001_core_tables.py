"""core tables: case, case_route, envelope, destination

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "case",
        sa.Column("id", sa.String(length=11), nullable=False),
        sa.Column("lookup_digest", sa.String(length=64), nullable=False),
        sa.Column("reply_public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("reporter_signing_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("programme", sa.String(length=64), nullable=False),
        sa.Column("sector", sa.String(length=40), nullable=True),
        sa.Column("phase", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("ack_due", sa.Date(), nullable=False),
        sa.Column("feedback_due", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("lookup_digest"),
    )
    op.create_table(
        "destination",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("key_list_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    op.create_table(
        "case_route",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=11), nullable=False),
        sa.Column("destination_id", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["destination_id"],
            ["destination.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "destination_id"),
    )
    with op.batch_alter_table("case_route", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_route_case_id"), ["case_id"], unique=False)

    op.create_table(
        "envelope",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=11), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("direction", sa.String(length=20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("hdr", sa.LargeBinary(), nullable=False),
        sa.Column("nonce", sa.LargeBinary(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("signer", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("envelope", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_envelope_case_id"), ["case_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("envelope", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_envelope_case_id"))

    op.drop_table("envelope")
    with op.batch_alter_table("case_route", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_route_case_id"))

    op.drop_table("case_route")
    op.drop_table("destination")
    op.drop_table("case")
