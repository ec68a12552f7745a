"""Supervision: placements with their plan, contact moments, check-ins, signals and calendar feeds.

Revision ID: p0003
Revises: p0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "p0003"
down_revision = "p0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_feed",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["portal_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("secret_hash"),
    )
    with op.batch_alter_table("calendar_feed", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_feed_user_id"), ["user_id"], unique=False)

    op.create_table(
        "placement",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("student_id", sa.String(length=32), nullable=False),
        sa.Column("supervisor_id", sa.String(length=32), nullable=True),
        sa.Column("programme", sa.String(length=64), nullable=False),
        sa.Column("proposal_id", sa.String(length=32), nullable=True),
        sa.Column("host_name", sa.String(length=200), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("hours_per_week", sa.Integer(), nullable=False),
        sa.Column("allowance", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("allowance_period", sa.String(length=16), nullable=True),
        sa.Column("learning_goals", sa.Text(), nullable=False),
        sa.Column("checkin_days", sa.Integer(), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposal.id"],
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["portal_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["supervisor_id"],
            ["portal_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("placement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_placement_student_id"), ["student_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_placement_supervisor_id"), ["supervisor_id"], unique=False)

    op.create_table(
        "checkin",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("placement_id", sa.String(length=32), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("hours", sa.Integer(), nullable=True),
        sa.Column("longest_day", sa.Integer(), nullable=True),
        sa.Column("night_work", sa.Boolean(), nullable=True),
        sa.Column("supervised", sa.Boolean(), nullable=True),
        sa.Column("tasks_fit", sa.Integer(), nullable=True),
        sa.Column("safe", sa.Integer(), nullable=True),
        sa.Column("discuss", sa.Boolean(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placement.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkin_due_on"), ["due_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_checkin_placement_id"), ["placement_id"], unique=False)

    op.create_table(
        "contact_moment",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("placement_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("requested_by_student", sa.Boolean(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=True),
        sa.Column("form", sa.String(length=16), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placement.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("contact_moment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_moment_placement_id"), ["placement_id"], unique=False)

    op.create_table(
        "signal",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("placement_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("checkin_id", sa.String(length=32), nullable=True),
        sa.Column("moment_id", sa.String(length=32), nullable=True),
        sa.Column("handled_on", sa.Date(), nullable=True),
        sa.Column("handled_by", sa.String(length=32), nullable=True),
        sa.Column("handled_moment_id", sa.String(length=32), nullable=True),
        sa.Column("action_note", sa.Text(), nullable=True),
        sa.Column("escalated_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["checkin_id"],
            ["checkin.id"],
        ),
        sa.ForeignKeyConstraint(
            ["handled_by"],
            ["portal_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["handled_moment_id"],
            ["contact_moment.id"],
        ),
        sa.ForeignKeyConstraint(
            ["moment_id"],
            ["contact_moment.id"],
        ),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placement.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("signal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signal_handled_on"), ["handled_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_signal_placement_id"), ["placement_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("signal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signal_placement_id"))
        batch_op.drop_index(batch_op.f("ix_signal_handled_on"))

    op.drop_table("signal")
    with op.batch_alter_table("contact_moment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_moment_placement_id"))

    op.drop_table("contact_moment")
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkin_placement_id"))
        batch_op.drop_index(batch_op.f("ix_checkin_due_on"))

    op.drop_table("checkin")
    with op.batch_alter_table("placement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_placement_supervisor_id"))
        batch_op.drop_index(batch_op.f("ix_placement_student_id"))

    op.drop_table("placement")
    with op.batch_alter_table("calendar_feed", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_feed_user_id"))

    op.drop_table("calendar_feed")
