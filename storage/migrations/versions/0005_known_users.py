"""known users: who talked to the bot, so owners can name staff by @username

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 10:45:00

``known_users``: user id, @username (as spelled and lower-cased for lookup), display name and
when they were last seen. A new table: nothing existing is rebuilt on SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "known_users",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("username_key", sa.String(length=64), nullable=True),
        sa.Column("full_name", sa.String(length=256), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_known_users")),
    )
    with op.batch_alter_table("known_users", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_known_users_username_key"), ["username_key"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("known_users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_known_users_username_key"))
    op.drop_table("known_users")
