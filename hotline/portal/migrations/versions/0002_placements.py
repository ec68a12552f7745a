"""Placements: hosts, offers with programmes and learning areas, wishes, rankings, rounds, proposals, invitations.

Revision ID: p0002
Revises: p0001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "p0002"
down_revision = "p0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "host",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sector", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=True),
        sa.Column("contact_email", sa.String(length=320), nullable=True),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "invitation",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("host_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["portal_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["host_id"],
            ["host.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["portal_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("secret_hash"),
    )
    op.create_table(
        "matching_round",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("programme", sa.String(length=64), nullable=False),
        sa.Column("seed", sa.String(length=64), nullable=False),
        sa.Column("run_at", sa.DateTime(), nullable=False),
        sa.Column("run_by", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_by"],
            ["portal_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "offer",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("host_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("tasks", sa.Text(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("hours_per_week", sa.Integer(), nullable=False),
        sa.Column("longest_day", sa.Integer(), nullable=True),
        sa.Column("night_work", sa.Boolean(), nullable=True),
        sa.Column("weekend_work", sa.Boolean(), nullable=True),
        sa.Column("allowance", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("allowance_period", sa.String(length=16), nullable=True),
        sa.Column("supervisor_name", sa.String(length=200), nullable=True),
        sa.Column("learning_plan", sa.Boolean(), nullable=True),
        sa.Column("contact_moments", sa.Integer(), nullable=True),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("proposed_by", sa.String(length=32), nullable=True),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["host_id"],
            ["host.id"],
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by"],
            ["portal_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offer_host_id"), ["host_id"], unique=False)

    op.create_table(
        "wish",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("student_id", sa.String(length=32), nullable=False),
        sa.Column("programme", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("goals", sa.Text(), nullable=False),
        sa.Column("start", sa.Date(), nullable=True),
        sa.Column("end", sa.Date(), nullable=True),
        sa.Column("hours", sa.Integer(), nullable=True),
        sa.Column("region", sa.String(length=32), nullable=True),
        sa.Column("max_travel_minutes", sa.Integer(), nullable=True),
        sa.Column("support_needs", sa.Text(), nullable=True),
        sa.Column("updated_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["portal_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("student_id"),
    )
    op.create_table(
        "offer_area",
        sa.Column("offer_id", sa.String(length=32), nullable=False),
        sa.Column("area", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["offer_id"], ["offer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("offer_id", "area"),
    )
    op.create_table(
        "offer_programme",
        sa.Column("offer_id", sa.String(length=32), nullable=False),
        sa.Column("programme", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["offer_id"], ["offer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("offer_id", "programme"),
    )
    op.create_table(
        "proposal",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("round_id", sa.String(length=32), nullable=False),
        sa.Column("student_id", sa.String(length=32), nullable=False),
        sa.Column("offer_id", sa.String(length=32), nullable=False),
        sa.Column("lottery", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decline_reason", sa.String(length=64), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["offer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["matching_round.id"],
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["portal_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposal_offer_id"), ["offer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_proposal_round_id"), ["round_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_proposal_student_id"), ["student_id"], unique=False)

    op.create_table(
        "ranking",
        sa.Column("student_id", sa.String(length=32), nullable=False),
        sa.Column("offer_id", sa.String(length=32), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["offer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["portal_user.id"],
        ),
        sa.PrimaryKeyConstraint("student_id", "offer_id"),
        sa.UniqueConstraint("student_id", "rank"),
    )
    op.create_table(
        "wish_area",
        sa.Column("wish_id", sa.String(length=32), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["wish_id"], ["wish.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("wish_id", "rank"),
    )
    with op.batch_alter_table("portal_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("host_id", sa.String(length=32), nullable=True))
        batch_op.create_foreign_key("fk_portal_user_host", "host", ["host_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("portal_user", schema=None) as batch_op:
        # WARNING: constraint name is None; this directive will fail as
        # rendered.  Add a name, or use a naming convention; see
        # https://alembic.sqlalchemy.org/en/latest/naming.html
        batch_op.drop_constraint("fk_portal_user_host", type_="foreignkey")
        batch_op.drop_column("host_id")

    op.drop_table("wish_area")
    op.drop_table("ranking")
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_student_id"))
        batch_op.drop_index(batch_op.f("ix_proposal_round_id"))
        batch_op.drop_index(batch_op.f("ix_proposal_offer_id"))

    op.drop_table("proposal")
    op.drop_table("offer_programme")
    op.drop_table("offer_area")
    op.drop_table("wish")
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offer_host_id"))

    op.drop_table("offer")
    op.drop_table("matching_round")
    op.drop_table("invitation")
    op.drop_table("host")
