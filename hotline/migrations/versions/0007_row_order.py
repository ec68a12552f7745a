"""row order: reporter rows that cannot be dated finer than their day; staff logins without a hard lock

Revision ID: 0007
Revises: 0006

On SQLite, case and case_route become WITHOUT ROWID tables: their rows sit in the order of their random
ids, with no hidden rowid that counts up. envelope keeps a rowid, which incremental blob I/O needs to
write an attachment in place, but one row is moved to the largest rowid there is: SQLite then draws
every later rowid at random instead of counting (https://www.sqlite.org/autoinc.html). A trigger puts
a row there again whenever the table has none, such as after the first insert into an empty table.

SQLite cannot change a table's rowid in place, so the three tables are copied. Copying a table and
dropping the old one would cascade and delete the rows that refer to it (see 0005), so the new tables
are built beside the old ones and refer to each other, the old ones are dropped children first, and
the renames carry the references along. Rows are copied in id order, never in the order they arrived.

On PostgreSQL nothing is copied here: `hotline maintenance` rewrites each finished day's reporter rows.
Both drop the hard lock of staff accounts (failed_logins, locked_until): failed logins now only grow a
delay kept in the rate-limit storage (hotline/login_delays.py), and leave no row.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op
from sqlalchemy.sql.schema import SchemaItem

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# 9223372036854775807 is the largest rowid: with a row there, SQLite picks new rowids at random.
TO_THE_TOP = "UPDATE envelope SET rowid = 9223372036854775807 WHERE rowid = (SELECT max(rowid) FROM envelope)"
TRIGGER = (
    "CREATE TRIGGER envelope_random_rowid AFTER INSERT ON envelope "
    "WHEN NOT EXISTS (SELECT 1 FROM envelope WHERE rowid = 9223372036854775807) "
    "BEGIN UPDATE envelope SET rowid = 9223372036854775807 WHERE rowid = NEW.rowid; END"
)


def case_columns(referenced: str) -> list[SchemaItem]:
    return [
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
        sa.Column("acknowledged_on", sa.Date(), nullable=True),
        sa.Column("feedback_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("lookup_digest"),
    ]


def route_columns(referenced: str) -> list[SchemaItem]:
    return [
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=11), nullable=False),
        sa.Column("destination_id", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], [f"{referenced}.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["destination_id"], ["destination.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "destination_id"),
    ]


def envelope_columns(referenced: str) -> list[SchemaItem]:
    return [
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
        sa.ForeignKeyConstraint(["case_id"], [f"{referenced}.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    ]


INDEXES = {
    "case": [
        ("ix_case_status_received_on", ["status", "received_on", "id"]),
        (
            "ix_case_inbox",
            ["id", "status", "acknowledged_on", "ack_due", "feedback_due", "received_on", "feedback_on"],
        ),
        ("ix_case_ack_due", ["ack_due"]),
        ("ix_case_feedback_due", ["feedback_due"]),
    ],
    "case_route": [
        ("ix_case_route_case_id", ["case_id"]),
        ("ix_case_route_destination_id_case_id", ["destination_id", "case_id"]),
    ],
    "envelope": [("ix_envelope_case_id", ["case_id"])],
}
# Parents first, as the copies are made; the old tables are dropped in the reverse order.
TABLES: list[tuple[str, Callable[[str], list[SchemaItem]], bool]] = [
    ("case", case_columns, True),
    ("case_route", route_columns, True),
    ("envelope", envelope_columns, False),  # keeps a rowid for blob I/O, made random by the trigger
]


def rebuild_sqlite(without_rowid: bool) -> None:
    """Copy the reporter tables into new ones, in id order, with or without a rowid; nothing cascades."""
    for name, columns, may_drop_rowid in TABLES:
        table_args = {"sqlite_with_rowid": False} if without_rowid and may_drop_rowid else {}
        new = op.create_table(f"{name}_new", *columns("case_new"), **table_args)
        names = [column.name for column in new.columns]
        old = sa.table(name, *(sa.column(column) for column in names))
        op.execute(sa.insert(new).from_select(names, sa.select(*old.columns).order_by(old.c.id)))
    for name, _columns, _drop in reversed(TABLES):
        op.drop_table(name)  # children first: no table refers to the one dropped, so nothing cascades
    for name, _columns, _drop in TABLES:
        op.rename_table(f"{name}_new", name)  # SQLite rewrites the references to case_new as well
        for index, indexed in INDEXES[name]:
            op.create_index(index, name, indexed, unique=False)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        rebuild_sqlite(without_rowid=True)
        op.execute(TO_THE_TOP)
        op.execute(TRIGGER)
    # In place (SQLite >= 3.35), as 0005: a copy of the table would cascade to handler_destination.
    with op.batch_alter_table("handler", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_logins")


def downgrade() -> None:
    with op.batch_alter_table("handler", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER envelope_random_rowid")
        rebuild_sqlite(without_rowid=False)
