"""casework: a handler's acknowledgement day, and the indexes of the inbox

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("acknowledged_on", sa.Date(), nullable=True))
        batch_op.create_index("ix_case_status_received_on", ["status", "received_on", "id"], unique=False)
        batch_op.create_index(
            "ix_case_inbox", ["id", "status", "acknowledged_on", "ack_due", "feedback_due", "received_on"], unique=False
        )
        batch_op.create_index("ix_case_ack_due", ["ack_due"], unique=False)
        batch_op.create_index("ix_case_feedback_due", ["feedback_due"], unique=False)
    with op.batch_alter_table("case_route", schema=None) as batch_op:
        batch_op.create_index("ix_case_route_destination_id_case_id", ["destination_id", "case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_route", schema=None) as batch_op:
        batch_op.drop_index("ix_case_route_destination_id_case_id")
    # In place (SQLite >= 3.35): copying the table and dropping the old one would cascade and delete
    # the rows that refer to it, e.g. every route and envelope of every case.
    with op.batch_alter_table("case", schema=None, recreate="never") as batch_op:
        batch_op.drop_index("ix_case_feedback_due")
        batch_op.drop_index("ix_case_ack_due")
        batch_op.drop_index("ix_case_inbox")
        batch_op.drop_index("ix_case_status_received_on")
        batch_op.drop_column("acknowledged_on")
