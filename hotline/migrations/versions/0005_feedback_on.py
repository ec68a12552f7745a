"""feedback: the day a handler first answered the reporter in substance, which stops the feedback deadline

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

INBOX_COLUMNS = ["id", "status", "acknowledged_on", "ack_due", "feedback_due", "received_on"]


def upgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("feedback_on", sa.Date(), nullable=True))
        batch_op.drop_index("ix_case_inbox")
        batch_op.create_index("ix_case_inbox", [*INBOX_COLUMNS, "feedback_on"], unique=False)


def downgrade() -> None:
    # In place (SQLite >= 3.35): copying the table and dropping the old one would cascade and delete
    # the rows that refer to it, e.g. every route and envelope of every case.
    with op.batch_alter_table("case", schema=None, recreate="never") as batch_op:
        batch_op.drop_index("ix_case_inbox")
        batch_op.create_index("ix_case_inbox", INBOX_COLUMNS, unique=False)
        batch_op.drop_column("feedback_on")
