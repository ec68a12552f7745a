"""handler keys: one account per key id, and the proof that the account holds that key

Revision ID: 0006
Revises: 0005

Accounts that already share a kid: an inactive account cannot log in, so it gives its kid up (set to
NULL); if two or more *active* accounts share one, the upgrade stops and names them, because only
the operator can tell which is the key's holder (`hotline handler deactivate` the others, then
upgrade again). Every account starts unproven, so each handler signs a challenge once after upgrading.
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


class DuplicateKeyIds(RuntimeError):
    """Active accounts share a key id: the operator must say which one holds the key."""


def release_duplicate_kids(connection: sa.Connection) -> None:
    """Take the kid from inactive accounts that share it; refuse when two active accounts share one."""
    handler = sa.table(
        "handler",
        sa.column("id"),
        sa.column("username"),
        sa.column("kid"),
        sa.column("active"),
        sa.column("created_on"),
    )
    rows = connection.execute(
        sa.select(handler.c.id, handler.c.username, handler.c.kid, handler.c.active)
        .where(handler.c.kid.is_not(None))
        .order_by(handler.c.created_on, handler.c.username)
    )
    by_kid: dict[str, list[tuple[str, str, bool]]] = defaultdict(list)
    for handler_id, username, kid, active in rows:
        by_kid[kid].append((handler_id, username, bool(active)))
    clashes = []
    for kid, accounts in by_kid.items():
        if len(accounts) < 2:
            continue
        active = [account for account in accounts if account[2]]
        if len(active) > 1:
            clashes.append(f"{kid[:16]}: {', '.join(username for _id, username, _a in active)}")
            continue
        keeper = (active or accounts)[0][0]
        released = [handler_id for handler_id, _name, _a in accounts if handler_id != keeper]
        connection.execute(sa.update(handler).where(handler.c.id.in_(released)).values(kid=None))
    if clashes:
        raise DuplicateKeyIds(
            "active accounts share a key id, so no one can tell which holds the key: "
            + "; ".join(clashes)
            + ". Deactivate every account but the key holder's (`hotline handler deactivate USERNAME`),"
            " then upgrade again."
        )


def upgrade() -> None:
    release_duplicate_kids(op.get_bind())
    # An index, not a table constraint: SQLite adds it in place, with no copy of the table that would
    # cascade and delete every destination membership of every account.
    op.create_index("ix_handler_kid", "handler", ["kid"], unique=True)
    op.add_column("handler", sa.Column("proven_kid", sa.String(length=64), nullable=True))


def downgrade() -> None:
    # In place (SQLite >= 3.35), as 0005: a copy of the table would cascade to handler_destination.
    with op.batch_alter_table("handler", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("proven_kid")
        batch_op.drop_index("ix_handler_kid")
